/*
 * tenants.c: the map of institution slugs to ids (tenants.h).
 */
#include "tenants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

typedef struct Tenant {
	char *name;                  /* a slug, or an id as text; lower case */
	char id[37];
} Tenant;

static Tenant *map;
static size_t nmap;
static uint64_t map_epoch;       /* the epoch it was read at; 0: none */
static bool loading;
static uint64_t loading_epoch;   /* of the read under way */

static const char tenants_sql[] = "SELECT slug, id::text FROM institution";

static int
tenant_cmp(const void *a, const void *b)
{
	return strcmp(((const Tenant *)a)->name, ((const Tenant *)b)->name);
}

static void
map_clear(Tenant *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].name);
	free(m);
}

static void
tenants_done(void *arg, const DbOutcome *out)
{
	uint64_t *epoch = arg;
	uint64_t at = *epoch;

	free(epoch);
	if (at == loading_epoch)
		loading = false;
	if (out->code != TRIAD__V1__CODE__CODE_OK || out->nresults != 1)
		return;
	const PGresult *r = out->results[0];
	size_t rows = (size_t)PQntuples(r);
	Tenant *m = calloc(rows * 2 + 1, sizeof *m);
	size_t n = 0;
	for (size_t i = 0; m != NULL && i < rows; i++) {
		for (int col = 0; col < 2; col++) {
			const char *v = PQgetvalue(r, (int)i, col);
			if ((m[n].name = strdup(v)) == NULL) {
				map_clear(m, n);
				return;
			}
			for (char *c = m[n].name; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
			snprintf(m[n].id, sizeof m[n].id, "%s", PQgetvalue(r, (int)i, 1));
			n++;
		}
	}
	if (m == NULL)
		return;
	qsort(m, n, sizeof *m, tenant_cmp);
	map_clear(map, nmap);
	map = m;
	nmap = n;
	/* What it was read at: a change heard of since then moved the
	 * epoch on, and this map is not used at the new one. */
	map_epoch = at;
}

bool
tenants_lookup(Pool *pool, const char *name, uint64_t epoch, char id[37])
{
	if (map_epoch == epoch && epoch != 0) {
		char key[80];
		size_t i = 0;
		for (; name[i] && i + 1 < sizeof key; i++)
			key[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
		key[i] = '\0';
		Tenant k = {.name = key};
		const Tenant *t = nmap ? bsearch(&k, map, nmap, sizeof *map, tenant_cmp) : NULL;
		if (t != NULL) {
			memcpy(id, t->id, 37);
			return true;
		}
		/* Not there when the map was read at this epoch: not an
		 * institution (yet). triad_begin() says so. */
		return false;
	}
	if (loading && loading_epoch == epoch)
		return false;
	uint64_t *at = malloc(sizeof *at);
	DbJob *job = at != NULL ? db_job_new(tenants_done, at) : NULL;
	if (job == NULL || !db_job_add(job, tenants_sql, 0, NULL)) {
		db_job_free(job);
		free(at);
		return false;
	}
	*at = epoch;
	loading = true;
	loading_epoch = epoch;
	pool_submit(pool, job);
	return false;
}

void
tenants_free(void)
{
	map_clear(map, nmap);
	map = NULL;
	nmap = 0;
	map_epoch = 0;
}
