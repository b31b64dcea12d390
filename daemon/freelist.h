/*
 * freelist.h: blocks freed, kept for the next allocation of the same kind.
 *
 * Every request needs a Call, a job and its bound parameters. The larger
 * ones are past malloc's per-thread cache, where an allocation costs
 * thousands of instructions; a few freed ones kept at hand cost nothing.
 * A list holds at most its cap (up to FREELIST_MAX) and frees the rest.
 * For the one thread of the event loop only.
 */
#ifndef TRIAD_FREELIST_H
#define TRIAD_FREELIST_H

#include <stdlib.h>
#include <string.h>

#define FREELIST_MAX 256

typedef struct FreeList {
	unsigned n, cap;
	void *items[FREELIST_MAX];
} FreeList;

/* A block of size bytes, zeroed, or NULL when memory runs out. */
static inline void *
freelist_take(FreeList *fl, size_t size)
{
	if (fl->n == 0)
		return calloc(1, size);
	void *p = fl->items[--fl->n];
	memset(p, 0, size);
	return p;
}

/* Gives back p (NULL: nothing), taken with the same size. */
static inline void
freelist_give(FreeList *fl, void *p)
{
	if (p != NULL && fl->n < fl->cap && fl->n < FREELIST_MAX)
		fl->items[fl->n++] = p;
	else
		free(p);
}

/* Frees every block kept. */
static inline void
freelist_clear(FreeList *fl)
{
	while (fl->n > 0)
		free(fl->items[--fl->n]);
}

#endif
