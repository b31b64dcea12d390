/*
 * names.c: enum values as words (see names.h).
 */
#include "names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "triad/v1/access.pb-c.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const NameEntry role_entries[] = {
	{TRIAD__V1__ROLE__ROLE_OPERATOR, "operator", "operator", true},
	{TRIAD__V1__ROLE__ROLE_INSTITUTION_ADMIN, "institution-admin", "institution admin", false},
	{TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF, "programme-staff", "programme staff", false},
	{TRIAD__V1__ROLE__ROLE_PARTICIPANT, "participant", "participant", false},
	{TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH, "workplace-coach", "workplace coach", false},
	{TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT, "employer-contact", "employer contact", false},
	{TRIAD__V1__ROLE__ROLE_PARTNER_INTEGRATION, "partner-integration", "partner integration",
	 false},
};

static const NameEntry title_entries[] = {
	{TRIAD__V1__STAFF_TITLE__STAFF_TITLE_DEAN, "dean", "dean", false},
	{TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER, "programme-manager",
	 "programme manager", false},
	{TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, "lecturer", "lecturer", false},
	{TRIAD__V1__STAFF_TITLE__STAFF_TITLE_TRAINER, "trainer", "trainer", false},
	{TRIAD__V1__STAFF_TITLE__STAFF_TITLE_ASSESSOR, "assessor", "assessor", false},
};

static const NameEntry org_kind_entries[] = {
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER, "employer", "employer", false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_SCHOOL, "school", "school", false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_HOSPITAL, "hospital", "hospital", false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY, "municipality",
	 "municipality", false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_GOVERNMENT, "government", "government",
	 false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_CARE_PROVIDER, "care-provider",
	 "care provider", false},
	{TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_OTHER, "other", "other", false},
};

static const NameEntry principal_kind_entries[] = {
	{TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON, "person", "person", false},
	{TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_MACHINE, "machine", "machine", false},
};

const NameMap names_role = {"role", "roles", "ROLE_", role_entries, N(role_entries)};
const NameMap names_title = {"title", "titles", "STAFF_TITLE_", title_entries,
			     N(title_entries)};
const NameMap names_org_kind = {"organisation kind", "kinds", "ORGANISATION_KIND_",
				org_kind_entries, N(org_kind_entries)};
const NameMap names_principal_kind = {"principal kind", "kinds", "PRINCIPAL_KIND_",
				      principal_kind_entries, N(principal_kind_entries)};

static const NameEntry *
entry_of(const NameMap *m, int value)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->entries[i].value == value)
			return &m->entries[i];
	return NULL;
}

const char *
names_name(const NameMap *m, int value)
{
	const NameEntry *e = entry_of(m, value);

	if (value == 0)
		return "";
	return e != NULL ? e->name : NULL;
}

const char *
names_label(const NameMap *m, int value)
{
	const NameEntry *e = entry_of(m, value);

	if (value == 0)
		return "";
	return e != NULL ? e->label : NULL;
}

const char *
names_show(const NameMap *m, int value, char *buf, size_t len)
{
	const char *name = names_name(m, value);

	if (name != NULL)
		return name;
	snprintf(buf, len, "%d", value);
	return buf;
}

const char *
names_role_phrase(int role, int title, char *buf, size_t len)
{
	const char *label = title != 0 ? names_label(&names_title, title) : NULL;

	if (label == NULL)
		label = names_label(&names_role, role);
	if (label != NULL && label[0] != '\0')
		return label;
	snprintf(buf, len, "role %d", role);
	return buf;
}

/* Equal ignoring ASCII case, with '_' and '-' the same. */
static bool
same_word(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		int ca = *a == '_' ? '-' : tolower((unsigned char)*a);
		int cb = *b == '_' ? '-' : tolower((unsigned char)*b);

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

bool
names_parse(const NameMap *m, const char *s, int *value)
{
	size_t plen = strlen(m->prefix);

	if (s == NULL)
		return false;
	/* The contract's own spelling: ROLE_WORKPLACE_COACH. */
	if (strncmp(s, m->prefix, plen) == 0)
		s += plen;
	for (size_t i = 0; i < m->n; i++) {
		const NameEntry *e = &m->entries[i];

		if (!e->output_only && same_word(s, e->name)) {
			*value = e->value;
			return true;
		}
	}
	return false;
}

/* The one accepted name that contains s (ignoring case), or NULL. */
static const char *
unique_containing(const NameMap *m, const char *s)
{
	const char *found = NULL;

	if (strlen(s) < 3)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		if (m->entries[i].output_only || strcasestr(m->entries[i].name, s) == NULL)
			continue;
		if (found != NULL)
			return NULL;
		found = m->entries[i].name;
	}
	return found;
}

void
names_explain(const NameMap *m, const char *s, char *buf, size_t len)
{
	const char *best = NULL;
	size_t best_dist = (size_t)-1, used;
	bool first = true;
	int n;

	for (size_t i = 0; i < m->n; i++) {
		const NameEntry *e = &m->entries[i];
		size_t dist;

		if (e->output_only)
			continue;
		dist = cli_edit_distance(s, e->name);
		if (dist < best_dist && cli_close_enough(e->name, dist)) {
			best = e->name;
			best_dist = dist;
		}
	}
	if (best == NULL)
		best = unique_containing(m, s);

	n = snprintf(buf, len, "'%s' is not a valid %s.", s, m->what);
	used = n > 0 ? (size_t)n : 0;
	if (best != NULL && used < len) {
		n = snprintf(buf + used, len - used, " Did you mean '%s'?", best);
		used += n > 0 ? (size_t)n : 0;
	}
	if (used < len) {
		n = snprintf(buf + used, len - used, " Valid %s:", m->plural);
		used += n > 0 ? (size_t)n : 0;
	}
	for (size_t i = 0; i < m->n && used < len; i++) {
		if (m->entries[i].output_only)
			continue;
		n = snprintf(buf + used, len - used, "%s %s", first ? "" : ",",
			     m->entries[i].name);
		used += n > 0 ? (size_t)n : 0;
		first = false;
	}
}

const char *
names_words(const char *camel, bool upper, char *buf, size_t len)
{
	size_t used = 0;

	for (const char *p = camel; *p != '\0'; p++) {
		bool sep = p != camel && isupper((unsigned char)*p) &&
			   (islower((unsigned char)p[-1]) || isdigit((unsigned char)p[-1]));

		if (used + sep + 1 >= len)
			break;
		if (sep)
			buf[used++] = upper ? '_' : ' ';
		buf[used++] = (char)(upper ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	}
	if (len > 0)
		buf[used < len ? used : len - 1] = '\0';
	return buf;
}

/* A NameMap made by names_of(), with the strings it points at. */
typedef struct MadeMap {
	struct MadeMap *next;
	const ProtobufCEnumDescriptor *d;
	NameMap map;
	NameEntry *entries;
	char *strings;
} MadeMap;

/* Everything names_of() made; reachable until the program ends. */
static MadeMap *made;

/*
 * Write the value's words at *s: its name without the enum's prefix, in
 * lower case with '-' (or ' ' for the label) between words.
 */
static char *
put_word(char *s, const char *value, size_t skip, char sep)
{
	char *start = s;

	for (const char *p = value + skip; *p != '\0'; p++)
		*s++ = *p == '_' ? sep : (char)tolower((unsigned char)*p);
	*s++ = '\0';
	return start;
}

const NameMap *
names_of(const ProtobufCEnumDescriptor *d)
{
	char prefix[128], what[128];
	size_t plen, room = 0, n = 0;
	MadeMap *m;
	char *s;

	for (m = made; m != NULL; m = m->next)
		if (m->d == d)
			return &m->map;
	names_words(d->short_name, true, prefix, sizeof prefix - 1);
	strcat(prefix, "_");
	plen = strlen(prefix);
	names_words(d->short_name, false, what, sizeof what);
	room = 2 * (strlen(what) + 3) + plen + 1;
	for (unsigned i = 0; i < d->n_values; i++)
		room += 2 * (strlen(d->values[i].name) + 1);
	m = calloc(1, sizeof *m);
	if (m == NULL || (m->entries = calloc(d->n_values + 1, sizeof *m->entries)) == NULL ||
	    (m->strings = malloc(room)) == NULL) {
		if (m != NULL)
			free(m->entries);
		free(m);
		return NULL;
	}
	s = m->strings;
	for (unsigned i = 0; i < d->n_values; i++) {
		const ProtobufCEnumValue *v = &d->values[i];
		size_t skip = strncmp(v->name, prefix, plen) == 0 ? plen : 0;

		if (v->value == 0)
			continue; /* unspecified: "" (see names_name) */
		m->entries[n].value = v->value;
		m->entries[n].name = put_word(s, v->name, skip, '-');
		s += strlen(s) + 1;
		m->entries[n].label = put_word(s, v->name, skip, ' ');
		s += strlen(s) + 1;
		n++;
	}
	m->map.what = strcpy(s, what);
	s += strlen(s) + 1;
	m->map.plural = s;
	s += sprintf(s, "%s%s", what, what[strlen(what) - 1] == 's' ? "es" : "s") + 1;
	m->map.prefix = strcpy(s, prefix);
	m->map.entries = m->entries;
	m->map.n = n;
	m->d = d;
	m->next = made;
	made = m;
	return &m->map;
}
