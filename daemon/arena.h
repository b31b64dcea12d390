/*
 * arena.h: a bump allocator for what lives exactly as long as one request's
 * decoding and dispatch: the unpacked Request and every field of it.
 *
 * Allocation is a pointer bump in a block; nothing is freed one by one.
 * A mark taken before the work and released after it frees everything
 * allocated since, so uses may nest (a request decoded while another is
 * being dispatched) as long as they release in the reverse order of their
 * marks. The first block is kept for the next use and given back by
 * arena_trim(); blocks beyond it are freed on release. The arena never
 * holds more than its limit: past it an allocation fails (NULL).
 */
#ifndef TRIAD_ARENA_H
#define TRIAD_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/* Every allocation is aligned to this many bytes. */
#define ARENA_ALIGN 16

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
	ArenaBlock *top;         /* the newest block; its prev the older ones */
	size_t block_bytes;      /* usual size of a block (the first one's) */
	size_t max_bytes;        /* limit on the bytes of all blocks together */
	size_t held;             /* bytes of all blocks together now */
	size_t peak;             /* the most ever held */
	size_t total;            /* bytes handed out now, alignment included */
	bool failed;             /* an allocation failed since the last release */
	ProtobufCAllocator pb;   /* allocates from this arena; free does nothing */
} Arena;

/* Where an arena stood: give it to arena_release(). */
typedef struct ArenaMark {
	ArenaBlock *block;
	size_t used;             /* bytes used in that block */
	size_t total;            /* bytes handed out in all blocks */
} ArenaMark;

/*
 * Sets up an empty arena, allocating nothing yet: blocks of block_bytes,
 * at most max_bytes in all (at least block_bytes).
 */
void arena_init(Arena *a, size_t block_bytes, size_t max_bytes);

/* Changes the limit; it applies to the blocks allocated from now on. */
void arena_set_max(Arena *a, size_t max_bytes);

/*
 * n bytes aligned to ARENA_ALIGN, valid until the arena is released to a
 * mark taken before; NULL when that would take the arena over its limit or
 * memory runs out (and a->failed is set). n = 0 gives a valid pointer.
 */
void *arena_alloc(Arena *a, size_t n);

ArenaMark arena_mark(const Arena *a);

/*
 * Frees everything allocated since m was taken: blocks newer than the
 * mark's go back to the system, the first block stays. Clears a->failed.
 */
void arena_release(Arena *a, ArenaMark m);

/* Releases everything (to an empty mark). */
void arena_reset(Arena *a);

/* Releases everything and gives the first block back too. */
void arena_trim(Arena *a);

/* Bytes handed out since m (alignment included), for tests and metrics. */
size_t arena_used_since(const Arena *a, ArenaMark m);

/* The protobuf-c allocator over a (its free does nothing: release instead). */
static inline ProtobufCAllocator *
arena_allocator(Arena *a)
{
	return &a->pb;
}

#endif
