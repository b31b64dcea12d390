/*
 * arena.c: the bump allocator of arena.h.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
/* Released bytes are poisoned, so that a use after the release is caught. */
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct ArenaBlock {
	ArenaBlock *prev;
	size_t size;             /* bytes of data[] */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

static void *
pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void
pb_free(void *data, void *p)
{
	(void)data;
	(void)p;   /* freed all at once by arena_release() */
}

void
arena_init(Arena *a, size_t block_bytes, size_t max_bytes)
{
	*a = (Arena){
		.block_bytes = block_bytes,
		.max_bytes = max_bytes < block_bytes ? block_bytes : max_bytes,
		.pb = {pb_alloc, pb_free, a},
	};
}

void
arena_set_max(Arena *a, size_t max_bytes)
{
	a->max_bytes = max_bytes < a->block_bytes ? a->block_bytes : max_bytes;
}

static size_t
round_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

/* A new block with room for at least n bytes, or NULL. */
static ArenaBlock *
block_new(Arena *a, size_t n)
{
	size_t size = n > a->block_bytes ? n : a->block_bytes;
	size_t bytes = sizeof(ArenaBlock) + size;

	if (size > SIZE_MAX - sizeof(ArenaBlock) || a->held > a->max_bytes ||
	    bytes > a->max_bytes - a->held)
		return NULL;
	ArenaBlock *b = aligned_alloc(ARENA_ALIGN, round_up(bytes));
	if (b == NULL)
		return NULL;
	b->prev = a->top;
	b->size = size;
	b->used = 0;
	POISON(b->data, size);
	a->top = b;
	a->held += bytes;
	if (a->held > a->peak)
		a->peak = a->held;
	return b;
}

void *
arena_alloc(Arena *a, size_t n)
{
	if (n > SIZE_MAX - ARENA_ALIGN) {
		a->failed = true;
		return NULL;
	}
	size_t need = round_up(n == 0 ? 1 : n);
	ArenaBlock *b = a->top;

	if (b == NULL || b->size - b->used < need) {
		b = block_new(a, need);
		if (b == NULL) {
			a->failed = true;
			return NULL;
		}
	}
	void *p = b->data + b->used;
	b->used += need;
	a->total += need;
	UNPOISON(p, n);
	return p;
}

ArenaMark
arena_mark(const Arena *a)
{
	return (ArenaMark){a->top, a->top != NULL ? a->top->used : 0, a->total};
}

void
arena_release(Arena *a, ArenaMark m)
{
	/* Blocks newer than the mark's go; the first block always stays. */
	while (a->top != NULL && a->top != m.block && a->top->prev != NULL) {
		ArenaBlock *b = a->top;
		a->top = b->prev;
		a->held -= sizeof(ArenaBlock) + b->size;
		UNPOISON(b->data, b->size);
		free(b);
	}
	if (a->top != NULL) {
		/* The mark's block, or the first one when the mark was taken
		 * before any block existed. */
		size_t used = a->top == m.block ? m.used : 0;
		if (used == 0 && a->top->size > a->block_bytes) {
			/* An outsized first block is not kept for the next use. */
			a->held -= sizeof(ArenaBlock) + a->top->size;
			UNPOISON(a->top->data, a->top->size);
			free(a->top);
			a->top = NULL;
		} else {
			POISON(a->top->data + used, a->top->size - used);
			a->top->used = used;
		}
	}
	a->total = m.total;
	a->failed = false;
}

void
arena_reset(Arena *a)
{
	arena_release(a, (ArenaMark){0});
}

void
arena_trim(Arena *a)
{
	arena_reset(a);
	if (a->top != NULL) {
		a->held -= sizeof(ArenaBlock) + a->top->size;
		UNPOISON(a->top->data, a->top->size);
		free(a->top);
		a->top = NULL;
	}
}

size_t
arena_used_since(const Arena *a, ArenaMark m)
{
	return a->total - m.total;
}
