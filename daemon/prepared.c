/*
 * prepared.c: the registry of prepared statements, and shapes.
 */
#include "prepared.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define TEXTOID 25

/* ---- address -> index, open addressing ---- */

typedef struct PtrMap {
	const void **keys;
	int *vals;
	size_t cap;                  /* a power of two, or 0 */
	size_t n;
} PtrMap;

static size_t
ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	return (size_t)x;
}

static int
map_get(const PtrMap *m, const void *key)
{
	if (m->cap == 0)
		return -1;
	for (size_t i = ptr_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == NULL)
			return -1;
		if (m->keys[i] == key)
			return m->vals[i];
	}
}

static bool
map_put(PtrMap *m, const void *key, int val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		const void **keys = calloc(cap, sizeof *keys);
		int *vals = calloc(cap, sizeof *vals);
		if (keys == NULL || vals == NULL) {
			free(keys);
			free(vals);
			return false;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (m->keys[j] == NULL)
				continue;
			size_t i = ptr_hash(m->keys[j]) & (cap - 1);
			while (keys[i] != NULL)
				i = (i + 1) & (cap - 1);
			keys[i] = m->keys[j];
			vals[i] = m->vals[j];
		}
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	size_t i = ptr_hash(key) & (m->cap - 1);
	while (m->keys[i] != NULL && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == NULL)
		m->n++;
	m->keys[i] = key;
	m->vals[i] = val;
	return true;
}

static void
map_free(PtrMap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

/* ---- the statements ---- */

static PrepStmt *stmts;
static int nstmts, capstmts;
static PtrMap by_sql;

static Shapes **shapes;
static int nshapes_reg, capshapes;
static PtrMap by_key;

int
prep_register(const char *sql, int ntypes, const Oid *types)
{
	int id = map_get(&by_sql, sql);
	if (id >= 0)
		return id;
	if (ntypes < 0 || ntypes > PREP_MAX_PARAMS)
		return -1;
	if (nstmts == capstmts) {
		int cap = capstmts ? capstmts * 2 : 256;
		PrepStmt *p = realloc(stmts, (size_t)cap * sizeof *p);
		if (p == NULL)
			return -1;
		stmts = p;
		capstmts = cap;
	}
	PrepStmt *st = &stmts[nstmts];
	memset(st, 0, sizeof *st);
	st->sql = sql;
	st->ntypes = ntypes;
	for (int i = 0; i < ntypes; i++)
		st->types[i] = types != NULL ? types[i] : 0;
	if (!map_put(&by_sql, sql, nstmts))
		return -1;
	return nstmts++;
}

int
prep_find(const char *sql)
{
	return map_get(&by_sql, sql);
}

const PrepStmt *
prep_get(int id)
{
	return &stmts[id];
}

int
prep_count(void)
{
	return nstmts;
}

void
prep_name(int id, char out[16])
{
	out[0] = 't';
	text_i64(out + 1, 15, id);
}

void
prep_reset(void)
{
	for (int i = 0; i < nshapes_reg; i++) {
		shapes_free(shapes[i]);
		free(shapes[i]);
	}
	free(shapes);
	shapes = NULL;
	nshapes_reg = capshapes = 0;
	map_free(&by_key);
	free(stmts);
	stmts = NULL;
	nstmts = capstmts = 0;
	map_free(&by_sql);
}

/* ---- shapes ---- */

/* One optional clause of a text: [start, end) the whole parenthesis,
 * [cond, cond_end) its condition. */
typedef struct Clause {
	size_t start, end, cond, cond_end;
	int param;
} Clause;

#define MAX_CLAUSES 16

/* Matches an optional clause at sql + at; fills c. */
static bool
clause_at(const char *sql, size_t at, Clause *c)
{
	static const char *const tails[] = {", '') IS NULL OR ", ", '')::uuid IS NULL OR "};
	const char *p = sql + at;

	if (strncmp(p, "(nullif($", 9) != 0)
		return false;
	p += 9;
	int n = 0;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9' && n < 1000)
		n = n * 10 + (*p++ - '0');
	size_t tl = 0;
	for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
		if (strncmp(p, tails[t], strlen(tails[t])) == 0)
			tl = strlen(tails[t]);
	}
	if (tl == 0)
		return false;
	p += tl;
	/* The condition runs to the parenthesis that closes the clause. */
	const char *cond = p;
	int depth = 1;
	bool quoted = false;
	for (; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && *p == '(')
			depth++;
		else if (!quoted && *p == ')' && --depth == 0)
			break;
	}
	if (*p != ')')
		return false;
	c->start = at;
	c->cond = (size_t)(cond - sql);
	c->cond_end = (size_t)(p - sql);
	c->end = c->cond_end + 1;
	c->param = n;
	return true;
}

/* True when text mentions $n. */
static bool
mentions(const char *text, int n)
{
	char tag[16];
	int len = snprintf(tag, sizeof tag, "$%d", n);
	for (const char *p = strstr(text, tag); p != NULL; p = strstr(p + 1, tag)) {
		if (p[len] < '0' || p[len] > '9')
			return true;
	}
	return false;
}

bool
shapes_build(const char *sql, int nparams, Shapes *out)
{
	Clause cl[MAX_CLAUSES];
	int ncl = 0;

	memset(out, 0, sizeof *out);
	if (nparams < 0 || nparams > PREP_MAX_PARAMS)
		nparams = 0;
	for (size_t i = 0; sql[i] && ncl < MAX_CLAUSES;) {
		if (sql[i] == '(' && clause_at(sql, i, &cl[ncl])) {
			i = cl[ncl++].end;
			continue;
		}
		i++;
	}
	/* The distinct parameters of the clauses. */
	bool many = false;
	for (int c = 0; c < ncl; c++) {
		int k = 0;
		while (k < out->nopt && out->opt[k] != cl[c].param)
			k++;
		if (k < out->nopt)
			continue;
		if (out->nopt == SHAPE_MAX_OPT) {
			many = true;
			break;
		}
		out->opt[out->nopt++] = cl[c].param;
	}
	if (many) {
		out->nopt = 0;
		ncl = 0;
	}
	out->nshapes = 1 << out->nopt;
	out->sql = calloc((size_t)out->nshapes, sizeof *out->sql);
	if (out->sql == NULL)
		return false;
	size_t len = strlen(sql);
	for (int s = 0; s < out->nshapes; s++) {
		/* Each clause becomes "true" or "(condition)": never longer. */
		char *t = malloc(len + 1), *o = t;
		if (t == NULL) {
			shapes_free(out);
			return false;
		}
		size_t prev = 0;
		for (int c = 0; c < ncl; c++) {
			int k = 0;
			while (out->opt[k] != cl[c].param)
				k++;
			memcpy(o, sql + prev, cl[c].start - prev);
			o += cl[c].start - prev;
			if (s & (1 << k)) {
				*o++ = '(';
				memcpy(o, sql + cl[c].cond, cl[c].cond_end - cl[c].cond);
				o += cl[c].cond_end - cl[c].cond;
				*o++ = ')';
			} else {
				memcpy(o, "true", 4);
				o += 4;
			}
			prev = cl[c].end;
		}
		memcpy(o, sql + prev, len - prev);
		o[len - prev] = '\0';
		out->sql[s] = t;
		out->ntypes[s] = 0;
		for (int n = 0; n < nparams; n++) {
			bool dropped = mentions(sql, n + 1) && !mentions(t, n + 1);
			out->types[s][n] = dropped ? TEXTOID : 0;
			if (dropped)
				out->ntypes[s] = nparams;
		}
	}
	return true;
}

void
shapes_free(Shapes *s)
{
	for (int i = 0; s->sql != NULL && i < s->nshapes; i++)
		free(s->sql[i]);
	free(s->sql);
	s->sql = NULL;
	s->nshapes = 0;
}

int
shapes_pick(const Shapes *s, int nparams, const char *const *params)
{
	int shape = 0;
	for (int k = 0; k < s->nopt; k++) {
		int n = s->opt[k] - 1;
		if (n < nparams && params[n] != NULL && params[n][0] != '\0')
			shape |= 1 << k;
	}
	return shape;
}

bool
prep_register_shapes(const void *key, const char *sql, int nparams)
{
	if (map_get(&by_key, key) >= 0)
		return true;
	Shapes *s = malloc(sizeof *s);
	if (s == NULL)
		return false;
	if (!shapes_build(sql, nparams, s)) {
		free(s);
		return false;
	}
	if (nshapes_reg == capshapes) {
		int cap = capshapes ? capshapes * 2 : 128;
		Shapes **p = realloc(shapes, (size_t)cap * sizeof *p);
		if (p == NULL) {
			shapes_free(s);
			free(s);
			return false;
		}
		shapes = p;
		capshapes = cap;
	}
	shapes[nshapes_reg] = s;
	if (!map_put(&by_key, key, nshapes_reg)) {
		shapes_free(s);
		free(s);
		return false;
	}
	nshapes_reg++;
	for (int i = 0; i < s->nshapes; i++) {
		if (prep_register(s->sql[i], s->ntypes[i], s->types[i]) < 0)
			return false;
	}
	return true;
}

const char *
prep_shape_sql(const void *key, const char *fallback, int nparams, const char *const *params)
{
	int i = map_get(&by_key, key);
	if (i < 0)
		return fallback;
	return shapes[i]->sql[shapes_pick(shapes[i], nparams, params)];
}
