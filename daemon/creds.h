/*
 * creds.h: whose credentials changed since a session last checked them.
 *
 * A session checks its token and grants in the database once and then
 * scopes its requests without checking again (dispatch.c, the cheap
 * begin). What it checked stays good until the token, or a grant of its
 * principal, changes: the LISTEN connection hears of each change (stream.c)
 * and records the token's or the principal's id here with the change's
 * sequence number. A session's stamp, taken when its check was sent, is
 * current while no change of its own token or principal came after it, so
 * a grant given to one person sends only that person's sessions back to
 * the database, not every session of the daemon.
 *
 * Some changes concern everybody (the LISTEN connection was down, an
 * institution was renamed, this daemon changed a grant itself): the epoch
 * moves on and every stamp before it is stale. So does a full table: at
 * most CREDS_CHANGED_MAX ids are remembered, and when one more changes the
 * table is emptied and the epoch moves on, so memory stays bounded.
 */
#ifndef TRIAD_CREDS_H
#define TRIAD_CREDS_H

#include <stdbool.h>
#include <stdint.h>

#define CREDS_ID_LEN 36
#define CREDS_CHANGED_MAX 1024
#define CREDS_SLOTS (2 * CREDS_CHANGED_MAX)   /* open addressing, at most half full */

typedef struct CredsStamp {
	uint64_t epoch;                /* 0: never checked */
	uint64_t seq;
} CredsStamp;

typedef struct Creds {
	uint64_t epoch;                /* moves on for everybody */
	uint64_t seq;                  /* moves on at each change of one id */
	uint32_t n;                    /* ids in the table */
	struct {
		uint64_t seq;          /* 0: free */
		char id[CREDS_ID_LEN + 1];
	} slot[CREDS_SLOTS];
} Creds;

/* Every session checks again. */
void creds_all(Creds *c);

/* The token or principal id changed; an id of another length concerns
 * everybody (creds_all). */
void creds_one(Creds *c, const char *id);

/* The stamp of a check sent now. */
CredsStamp creds_stamp(const Creds *c);

/* True when neither the token nor the principal (either may be empty)
 * changed after stamp s, and nothing concerning everybody did. */
bool creds_current(const Creds *c, CredsStamp s, const char *token_id, const char *principal_id);

#endif
