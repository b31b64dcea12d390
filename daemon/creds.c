/*
 * creds.c: whose credentials changed since a session last checked them
 * (creds.h).
 */
#include "creds.h"

#include <string.h>

static uint32_t
slot_of(const char *id)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < CREDS_ID_LEN; i++)
		h = (h ^ (uint8_t)id[i]) * 16777619u;
	return h % CREDS_SLOTS;
}

void
creds_all(Creds *c)
{
	c->epoch++;
	if (c->n > 0) {
		for (uint32_t i = 0; i < CREDS_SLOTS; i++)
			c->slot[i].seq = 0;
		c->n = 0;
	}
}

/* The slot that holds id, or the free slot where it would go. */
static uint32_t
find(const Creds *c, const char *id)
{
	uint32_t i = slot_of(id);
	while (c->slot[i].seq != 0 && memcmp(c->slot[i].id, id, CREDS_ID_LEN) != 0)
		i = (i + 1) % CREDS_SLOTS;
	return i;
}

void
creds_one(Creds *c, const char *id)
{
	if (id == NULL || strlen(id) != CREDS_ID_LEN) {
		creds_all(c);
		return;
	}
	uint32_t i = find(c, id);
	if (c->slot[i].seq == 0) {
		if (c->n == CREDS_CHANGED_MAX) {
			creds_all(c);
			return;
		}
		memcpy(c->slot[i].id, id, CREDS_ID_LEN);
		c->slot[i].id[CREDS_ID_LEN] = '\0';
		c->n++;
	}
	c->slot[i].seq = ++c->seq;
}

CredsStamp
creds_stamp(const Creds *c)
{
	return (CredsStamp){c->epoch, c->seq};
}

static bool
changed_after(const Creds *c, const char *id, uint64_t seq)
{
	if (id == NULL || id[0] == '\0')
		return false;
	if (strlen(id) != CREDS_ID_LEN)
		return true;
	uint32_t i = find(c, id);
	return c->slot[i].seq > seq;
}

bool
creds_current(const Creds *c, CredsStamp s, const char *token_id, const char *principal_id)
{
	if (s.epoch == 0 || s.epoch != c->epoch)
		return false;
	if (s.seq == c->seq)
		return true;   /* nothing changed since */
	return !changed_after(c, token_id, s.seq) && !changed_after(c, principal_id, s.seq);
}
