/*
 * tenants.h: the institutions' slugs and ids, as the daemon last read them.
 *
 * An operator names an institution by its slug (or id): the cheap begin
 * (dispatch.c) needs its id. The map is read through the pool when it is
 * first needed, and again when the credentials epoch moves on (creds.h:
 * among others, every change of an institution heard of): triggers of
 * migration 0022 announce new, renamed and removed institutions. A map
 * read at an older epoch, or while the LISTEN connection is down, is not
 * used; the request then checks in full (triad_begin()), as before.
 */
#ifndef TRIAD_TENANTS_H
#define TRIAD_TENANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"

/*
 * The id of the institution that name (a slug or an id, any case) names,
 * into id (37 bytes), when the map is current at epoch. False otherwise;
 * then a read of the map is started unless one is under way.
 */
bool tenants_lookup(Pool *pool, const char *name, uint64_t epoch, char id[37]);

/* Frees the map (at exit). */
void tenants_free(void);

#endif
