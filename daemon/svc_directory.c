/*
 * svc_directory.c: institutions, persons and organisations, finding them
 * by the names people use, and the signed-in person's own view (GetMe).
 *
 * Institutions are the tenants. Persons and organisations are shared by
 * all institutions; an institution sees the persons it has added (member
 * rows, under row-level security) and every organisation. A person or an
 * organisation asked for by key (an e-mail address; a name or registry
 * number) is looked up first (sqlroute_keys()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "sqlroute.h"
#include "svc_util.h"

#define NAME_MAX_LEN 200

/* ---- Institutions ---- */

#define INSTITUTION_COLS "i.id, i.slug, i.name, triad_us(i.created_at)"

static void
fill_institution(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Institution *m = msg;
	m->id = cell(r, row, 0);
	m->slug = cell(r, row, 1);
	m->name = cell(r, row, 2);
	cell_time(r, row, 3, &m->created_at_us, &m->created_at, times[0]);
}

static void
init_institution(void *msg)
{
	triad__v1__institution__init(msg);
}

static const ListSpec institution_list = {
	sizeof(Triad__V1__Institution), init_institution, fill_institution, 0, 1,
};

/* Answers with the one institution in r, or NOT_FOUND. */
static void
institution_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, "an institution with this slug already exists"))
		return;
	const PGresult *r = out->results[out->nresults - 1];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "institution not found");
		return;
	}
	Triad__V1__Institution m = TRIAD__V1__INSTITUTION__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[1];
	fill_institution(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_INSTITUTION;
	resp.institution = &m;
	call_answer(call, &resp);
}

static bool
slug_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	}
	return true;
}

static const char create_institution_sql[] =
	"WITH i AS (INSERT INTO institution (slug, name) VALUES ($1, $2) RETURNING *),"
	"     a AS (SELECT triad_service_audit('institution.create', 'institution', i.id,"
	"                                      $3::numeric) FROM i)"
	" SELECT " INSTITUTION_COLS " FROM i CROSS JOIN (SELECT count(*) FROM a) AS audited";

static void
svc_institution_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateInstitutionRequest *m = req->create_institution;

	if (!slug_valid(m->slug)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_institution.slug",
			  "slug must be 2 to 63 lowercase letters, digits or '-', starting with a "
			  "letter or digit, such as \"nsob\"");
		return;
	}
	if (!check_text(call, "create_institution.name", m->name, 1, NAME_MAX_LEN))
		return;
	DbJob *job = call_job(call, institution_done, call);
	const char *params[3] = {m->slug, m->name, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, create_institution_sql, 3, params))
		pool_submit(call->srv->pool, job);
}

static void
svc_institution_get(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->get_institution->id;

	if (!check_text(call, "get_institution.id", id, 1, INSTITUTION_ARG_MAX))
		return;
	/* triad_begin() resolved the id or slug; NOT_FOUND comes from there. */
	DbJob *job = call_job(call, institution_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " INSTITUTION_COLS " FROM institution i WHERE i.id = triad_tenant()",
			0, NULL))
		pool_submit(call->srv->pool, job);
}

static void
institutions_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&institution_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListInstitutionsReply reply = TRIAD__V1__LIST_INSTITUTIONS_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.institutions = (Triad__V1__Institution **)l.items;
	reply.n_institutions = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_INSTITUTIONS;
	resp.institutions = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

/* Operators see every institution; anyone else those they have grants in. */
static void
svc_institution_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListInstitutionsRequest *m = req->list_institutions;
	const Principal *p = call->principal;

	if (!check_page_token(call, "list_institutions.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_institutions.page_size", m->page_size, &call->page_limit))
		return;

	/* The caller's institutions as a uuid[] literal, or NULL for all. */
	char *mine = NULL;
	if (!p->operator) {
		mine = malloc((size_t)p->ngrants * (UUID_LEN + 1) + 3);
		if (mine == NULL) {
			list_answer_oom(call);
			return;
		}
		char *o = mine;
		*o++ = '{';
		for (int i = 0; i < p->ngrants; i++)
			o += sprintf(o, "%s%s", i ? "," : "", p->grants[i].institution_id);
		*o++ = '}';
		*o = '\0';
	}
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[3] = {m->page_token, limit, mine};
	DbJob *job = call_job(call, institutions_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " INSTITUTION_COLS " FROM institution i"
			" WHERE ($1 = '' OR i.id > $1::uuid)"
			"   AND ($3::uuid[] IS NULL OR i.id = ANY ($3::uuid[]))"
			" ORDER BY i.id LIMIT $2::int", 3, params))
		pool_submit(call->srv->pool, job);
	free(mine);
}

/* ---- Persons ---- */

#define PERSON_COLS "pe.id, pe.name, pe.email, triad_us(pe.created_at)"

static void
fill_person(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Person *m = msg;
	m->id = cell(r, row, 0);
	m->name = cell(r, row, 1);
	m->email = cell(r, row, 2);
	cell_time(r, row, 3, &m->created_at_us, &m->created_at, times[0]);
}

static void
init_person(void *msg)
{
	triad__v1__person__init(msg);
}

static const ListSpec person_list = {sizeof(Triad__V1__Person), init_person, fill_person, 0, 1};

static void
person_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL,
			  "person not found in this institution");
		return;
	}
	Triad__V1__Person m = TRIAD__V1__PERSON__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[1];
	fill_person(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PERSON;
	resp.person = &m;
	call_answer(call, &resp);
}

/* Adds the person (new, or found by e-mail) to the tenant, in one statement. */
static const char create_person_sql[] =
	"WITH ins AS (INSERT INTO person (name, email) VALUES ($1, $2)"
	"             ON CONFLICT ((lower(email))) DO NOTHING RETURNING *),"
	"     pe AS (SELECT * FROM ins UNION ALL"
	"            SELECT * FROM person WHERE lower(email) = lower($2) LIMIT 1),"
	"     m AS (INSERT INTO member (institution_id, person_id)"
	"           SELECT triad_tenant(), pe.id FROM pe ON CONFLICT DO NOTHING),"
	"     a AS (SELECT triad_audit('person.create', 'person', pe.id, $3::numeric) FROM pe)"
	" SELECT " PERSON_COLS " FROM pe CROSS JOIN (SELECT count(*) FROM a) AS audited";

static bool
email_plausible(const char *s)
{
	const char *at = strchr(s, '@');
	return at != NULL && at != s && strchr(at + 1, '@') == NULL && strchr(at, '.') != NULL &&
	       at[strlen(at) - 1] != '.' && strpbrk(s, " \t\r\n") == NULL;
}

static void
svc_person_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreatePersonRequest *m = req->create_person;

	if (!check_text(call, "create_person.name", m->name, 1, NAME_MAX_LEN) ||
	    !check_text(call, "create_person.email", m->email, 1, 254))
		return;
	if (!email_plausible(m->email)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_person.email",
			  "'%s' is not an e-mail address", m->email);
		return;
	}
	DbJob *job = call_job(call, person_done, call);
	const char *params[3] = {m->name, m->email, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, create_person_sql, 3, params))
		pool_submit(call->srv->pool, job);
}

static void
person_get_found(Call *call, char *const *ids, void *arg)
{
	if (ids == NULL)
		return;
	DbJob *job = call_job(call, person_done, call);
	const char *params[1] = {ids[0]};
	if (job != NULL && call_job_add(call, job,
			"SELECT " PERSON_COLS " FROM person pe"
			"  JOIN member m ON m.person_id = pe.id WHERE pe.id = $1::uuid", 1, params))
		pool_submit(call->srv->pool, job);
}

/* By id or e-mail address. */
static void
svc_person_get(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->get_person->id;

	if (!check_text(call, "get_person.id", id, 1, SQLROUTE_KEY_MAX))
		return;
	SqlKey key = {"get_person.id", "person", id};
	sqlroute_keys(call, &key, 1, person_get_found, NULL);
}

static void
persons_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&person_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListPersonsReply reply = TRIAD__V1__LIST_PERSONS_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.persons = (Triad__V1__Person **)l.items;
	reply.n_persons = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PERSONS;
	resp.persons = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

static void
svc_person_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListPersonsRequest *m = req->list_persons;

	if (!check_page_token(call, "list_persons.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_persons.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[2] = {m->page_token, limit};
	DbJob *job = call_job(call, persons_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " PERSON_COLS " FROM person pe JOIN member m ON m.person_id = pe.id"
			" WHERE ($1 = '' OR pe.id > $1::uuid) ORDER BY pe.id LIMIT $2::int",
			2, params))
		pool_submit(call->srv->pool, job);
}

/* ---- Organisations ---- */

#define ORG_COLS "o.id, o.name, o.kind, o.created_at_us, o.registry_number"

static void
fill_org(void *msg, const PGresult *r, int row, TimeText *times)
{
	Triad__V1__Organisation *m = msg;
	m->id = cell(r, row, 0);
	m->name = cell(r, row, 1);
	m->kind = org_kind_from_sql(cell(r, row, 2));
	cell_time(r, row, 3, &m->created_at_us, &m->created_at, times[0]);
	m->registry_number = cell(r, row, 4);
}

static void
init_org(void *msg)
{
	triad__v1__organisation__init(msg);
}

static const ListSpec org_list = {sizeof(Triad__V1__Organisation), init_org, fill_org, 0, 1};

static void
org_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	if (call_db_failed(call, out, NULL))
		return;
	const PGresult *r = out->results[0];
	if (PQntuples(r) != 1) {
		call_fail(call, TRIAD__V1__CODE__CODE_NOT_FOUND, NULL, "organisation not found");
		return;
	}
	Triad__V1__Organisation m = TRIAD__V1__ORGANISATION__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	TimeText m_times[1];
	fill_org(&m, r, 0, m_times);
	resp.body_case = TRIAD__V1__RESPONSE__BODY_ORGANISATION;
	resp.organisation = &m;
	call_answer(call, &resp);
}

static const char create_org_sql[] =
	"SELECT " ORG_COLS " FROM triad_organisation_create($1, $2, $3, $4::numeric) o";

/* A registry number: 1 to 32 letters, digits, '.' or '-', starting with a
 * letter or digit (the schema's check, said before it is asked). */
static bool
registry_number_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 32 || *s == '.' || *s == '-')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
			return false;
	}
	return true;
}

static void
svc_org_create(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__CreateOrganisationRequest *m = req->create_organisation;
	const char *kind = org_kind_to_sql(m->kind);

	if (!check_text(call, "create_organisation.name", m->name, 1, NAME_MAX_LEN))
		return;
	if (kind == NULL) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, "create_organisation.kind",
			  "kind is required: employer, school, hospital, municipality, government, "
			  "care provider or other");
		return;
	}
	if (m->registry_number[0] != '\0' && !registry_number_valid(m->registry_number)) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT,
			  "create_organisation.registry_number",
			  "registry_number must be 1 to 32 letters, digits, '.' or '-', such as "
			  "\"34567890\"");
		return;
	}
	DbJob *job = call_job(call, org_done, call);
	const char *params[4] = {m->name, kind, m->registry_number, call_request_id_text(call)};
	if (job != NULL && call_job_add(call, job, create_org_sql, 4, params))
		pool_submit(call->srv->pool, job);
}

static void
org_get_found(Call *call, char *const *ids, void *arg)
{
	if (ids == NULL)
		return;
	DbJob *job = call_job(call, org_done, call);
	const char *params[1] = {ids[0]};
	if (job != NULL && call_job_add(call, job,
			"SELECT " ORG_COLS " FROM organisation_v o WHERE o.id = $1::uuid", 1, params))
		pool_submit(call->srv->pool, job);
}

/* By id, name or registry number. */
static void
svc_org_get(Call *call, const Triad__V1__Request *req)
{
	const char *id = req->get_organisation->id;

	if (!check_text(call, "get_organisation.id", id, 1, SQLROUTE_KEY_MAX))
		return;
	SqlKey key = {"get_organisation.id", "organisation", id};
	sqlroute_keys(call, &key, 1, org_get_found, NULL);
}

static void
orgs_done(void *arg, const DbOutcome *out)
{
	Call *call = arg;
	List l;
	if (call_db_failed(call, out, NULL) ||
	    (!list_build(&org_list, out->results[0], call->page_limit, &l) &&
	     !list_answer_oom(call)))
		return;
	Triad__V1__ListOrganisationsReply reply = TRIAD__V1__LIST_ORGANISATIONS_REPLY__INIT;
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	reply.organisations = (Triad__V1__Organisation **)l.items;
	reply.n_organisations = l.n;
	reply.next_page_token = l.next_page_token;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_ORGANISATIONS;
	resp.organisations = &reply;
	call_answer(call, &resp);
	list_free(&l);
}

static void
svc_org_list(Call *call, const Triad__V1__Request *req)
{
	const Triad__V1__ListOrganisationsRequest *m = req->list_organisations;

	if (!check_page_token(call, "list_organisations.page_token", m->page_token, false))
		return;
	if (!check_page_size(call, "list_organisations.page_size", m->page_size, &call->page_limit))
		return;
	char limit[16];
	snprintf(limit, sizeof limit, "%d", call->page_limit + 1);
	const char *params[2] = {m->page_token, limit};
	DbJob *job = call_job(call, orgs_done, call);
	if (job != NULL && call_job_add(call, job,
			"SELECT " ORG_COLS " FROM organisation_v o"
			" WHERE ($1 = '' OR o.id > $1::uuid) ORDER BY o.id LIMIT $2::int", 2, params))
		pool_submit(call->srv->pool, job);
}

/* ---- the rows ---- */

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

const Route directory_routes[] = {
	{.kind = K(CREATE_INSTITUTION), .verb = VERB_CREATE_INSTITUTION, .reply = R(INSTITUTION), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_institution_create},
	{.kind = K(GET_INSTITUTION), .verb = VERB_GET_INSTITUTION, .reply = R(INSTITUTION), .flags = ROUTE_READ,
	 .handler = svc_institution_get, .tenant_field = "id"},
	{.kind = K(LIST_INSTITUTIONS), .verb = VERB_LIST_INSTITUTIONS, .reply = R(INSTITUTIONS), .flags = ROUTE_READ,
	 .handler = svc_institution_list},
	{.kind = K(CREATE_PERSON), .verb = VERB_CREATE_PERSON, .reply = R(PERSON), .flags = ROUTE_WRITE,
	 .handler = svc_person_create},
	{.kind = K(GET_PERSON), .verb = VERB_GET_PERSON, .reply = R(PERSON), .flags = ROUTE_READ,
	 .handler = svc_person_get},
	{.kind = K(LIST_PERSONS), .verb = VERB_LIST_PERSONS, .reply = R(PERSONS), .flags = ROUTE_READ,
	 .handler = svc_person_list},
	/* Organisations are shared: no institution's event stream carries them. */
	{.kind = K(CREATE_ORGANISATION), .verb = VERB_CREATE_ORGANISATION, .reply = R(ORGANISATION), .flags = ROUTE_ACCESS_WRITE,
	 .handler = svc_org_create},
	{.kind = K(GET_ORGANISATION), .verb = VERB_GET_ORGANISATION, .reply = R(ORGANISATION), .flags = ROUTE_READ,
	 .handler = svc_org_get},
	{.kind = K(LIST_ORGANISATIONS), .verb = VERB_LIST_ORGANISATIONS, .reply = R(ORGANISATIONS), .flags = ROUTE_READ,
	 .handler = svc_org_list},
	/* Finding by name: who sees which person is person_v's to say. */
	{K(FIND_PERSONS), VERB_PERSON_FIND, R(PERSONS), ROUTE_READ,
	 {{"SELECT * FROM triad_person_find($1, $2, $3::int)", {"query", "page_token", "$limit"},
	   "persons"}}, NULL, true},
	{K(FIND_ORGANISATIONS), VERB_LIST_ORGANISATIONS, R(ORGANISATIONS), ROUTE_READ,
	 {{"SELECT * FROM triad_organisation_find($1, $2, $3::int)",
	   {"query", "page_token", "$limit"}, "organisations"}}, NULL, true},
	/* The caller's own, everywhere: rows about the caller's person only,
	 * through the SECURITY DEFINER functions of sql/functions/me.sql. */
	{K(GET_ME), VERB_ME, R(ME), ROUTE_READ,
	 {{"SELECT * FROM triad_me()", {NULL}},
	  {"SELECT * FROM triad_me_roles()", {NULL}, "roles"},
	  {"SELECT * FROM triad_me_enrollments()", {NULL}, "enrollments"},
	  {"SELECT * FROM triad_me_relations()", {NULL}, "relations"},
	  {"SELECT * FROM triad_me_consents()", {NULL}, "consents"},
	  {"SELECT * FROM triad_me_requests(true)", {NULL}, "requests_sent"},
	  {"SELECT * FROM triad_me_requests(false)", {NULL}, "requests_received"}},
	 "your person is not known to this service"},
	{0},
};
