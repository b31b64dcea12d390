/*
 * cmd_self.c: `triad me`, what the service holds of the signed-in person
 * in every institution where she has standing: her roles, the enrollments
 * she follows, her coaches and coachees, the consents she gave and the
 * open requests for feedback she sent or that wait for her. One request
 * (GetMe, proto/triad/v1/self.proto), without an institution.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#include <string.h>

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* Room for the words of enums this client may not know. */
typedef struct Words {
	char n[4][32];
} Words;

/* The label of value in enum d ("intake planned"), or its number. */
static const char *
label(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len)
{
	const NameMap *m = names_of(d);
	const char *l = m != NULL ? names_label(m, value) : NULL;

	if (l != NULL)
		return l;
	snprintf(buf, len, "%d", value);
	return buf;
}

/* A section: its title, then the table, when it has rows. */
static bool
section(Client *c, const char *title, Table *t)
{
	if (t == NULL || table_rows(t) == 0)
		return true;
	fprintf(c->out, "\n%s:\n", title);
	return table_print(t, PRINT_TEXT, c->out);
}

static bool
roles_table(const Triad__V1__MeReply *me, Table **out)
{
	static const char *const h[] = {"institution", "role", "organisation"};
	Table *t = *out = table_new(3, h);

	for (size_t i = 0; t != NULL && i < me->n_roles; i++) {
		const Triad__V1__MyRole *r = me->roles[i];
		char buf[32];
		const char *cells[] = {r->institution_slug,
				       names_role_phrase(r->role, r->title, buf, sizeof buf),
				       r->organisation_name};

		if (!table_add_row(t, cells))
			return false;
	}
	return t != NULL;
}

static bool
enrollments_table(const Triad__V1__MeReply *me, Table **out)
{
	static const char *const h[] = {"institution", "programme", "cohort or module", "status",
					"placement", "id"};
	Table *t = *out = table_new(6, h);

	for (size_t i = 0; t != NULL && i < me->n_enrollments; i++) {
		const Triad__V1__MyEnrollment *e = me->enrollments[i];
		Words w;
		char placement[64];
		const char *cells[6];

		if (e->placement == TRIAD__V1__PLACEMENT__PLACEMENT_WAITLISTED)
			snprintf(placement, sizeof placement, "waitlisted (%d)",
				 (int)e->waitlist_position);
		else
			snprintf(placement, sizeof placement, "%s",
				 label(&triad__v1__placement__descriptor, e->placement, w.n[1],
				       sizeof w.n[1]));
		cells[0] = e->institution_slug;
		cells[1] = e->programme_code;
		cells[2] = e->cohort_name[0] != '\0' ? e->cohort_name : e->module_code;
		cells[3] = label(&triad__v1__enrollment_status__descriptor, e->status, w.n[0],
				 sizeof w.n[0]);
		cells[4] = placement;
		cells[5] = e->id;
		if (!table_add_row(t, cells))
			return false;
	}
	return t != NULL;
}

/* The relations of one side: coaches (side "participant") or coachees. */
static bool
relations_table(const Triad__V1__MeReply *me, bool coaches, Table **out)
{
	static const char *const h[] = {"institution", "name", "email", "programme", "kind",
					"status"};
	Table *t = *out = table_new(6, h);

	for (size_t i = 0; t != NULL && i < me->n_relations; i++) {
		const Triad__V1__MyRelation *r = me->relations[i];
		Words w;

		if ((strcmp(r->side, "participant") == 0) != coaches)
			continue;
		const char *cells[] = {
			r->institution_slug,
			coaches ? r->coach_name : r->participant_name,
			coaches ? r->coach_email : r->participant_email,
			r->programme_code,
			label(&triad__v1__relation_kind__descriptor, r->kind, w.n[0], sizeof w.n[0]),
			label(&triad__v1__relation_status__descriptor, r->status, w.n[1],
			      sizeof w.n[1]),
		};
		if (!table_add_row(t, cells))
			return false;
	}
	return t != NULL;
}

static bool
consents_table(const Triad__V1__MeReply *me, Table **out)
{
	static const char *const h[] = {"institution", "programme", "organisation", "level"};
	Table *t = *out = table_new(4, h);

	for (size_t i = 0; t != NULL && i < me->n_consents; i++) {
		const Triad__V1__MyConsent *k = me->consents[i];
		Words w;
		const NameMap *m = names_of(&triad__v1__consent_level__descriptor);
		const char *level = m != NULL ? names_name(m, k->level) : NULL;
		const char *cells[] = {k->institution_slug, k->programme_code, k->organisation_name,
				       level != NULL && level[0] != '\0' ? level
					       : label(&triad__v1__consent_level__descriptor,
						       k->level, w.n[0], sizeof w.n[0])};

		if (!table_add_row(t, cells))
			return false;
	}
	return t != NULL;
}

/* Open requests: sent ones by coach, received ones by participant. */
static bool
requests_table(Triad__V1__FeedbackRequest *const *q, size_t n, bool sent, Table **out)
{
	static const char *const h_sent[] = {"institution", "coach", "question", "due"};
	static const char *const h_received[] = {"institution", "participant", "question", "due"};
	Table *t = *out = table_new(4, sent ? h_sent : h_received);

	for (size_t i = 0; t != NULL && i < n; i++) {
		char due[32];

		snprintf(due, sizeof due, "%s%s", q[i]->due_on, q[i]->overdue ? " (overdue)" : "");
		const char *cells[] = {q[i]->institution_slug,
				       sent ? q[i]->coach_name : q[i]->participant_name,
				       q[i]->question, due};
		if (!table_add_row(t, cells))
			return false;
	}
	return t != NULL;
}

static TriadExit
me_print(Client *c, const Triad__V1__MeReply *me)
{
	Table *t[7] = {NULL};
	bool ok;

	if (c->format == PRINT_JSON) {
		fields_print_json(c->out, &me->base);
		putc('\n', c->out);
		return TRIAD_EXIT_OK;
	}
	ok = roles_table(me, &t[0]) && enrollments_table(me, &t[1]) &&
	     relations_table(me, true, &t[2]) && relations_table(me, false, &t[3]) &&
	     consents_table(me, &t[4]) &&
	     requests_table(me->requests_sent, me->n_requests_sent, true, &t[5]) &&
	     requests_table(me->requests_received, me->n_requests_received, false, &t[6]);
	if (!ok) {
		for (size_t i = 0; i < 7; i++)
			table_free(t[i]);
		return client_out_of_memory(c);
	}
	print_sanitized(c->out, me->name);
	fputs(" <", c->out);
	print_sanitized(c->out, me->email);
	fputs(">\n", c->out);
	ok = section(c, "Roles", t[0]) && section(c, "Enrollments", t[1]) &&
	     section(c, "Your coaches", t[2]) && section(c, "You coach", t[3]) &&
	     section(c, "Consents you gave", t[4]) &&
	     section(c, "Feedback you asked for, not yet given", t[5]) &&
	     section(c, "Feedback asked of you", t[6]);
	if (ok && me->n_roles == 0)
		fputs("\nYou have no role at any institution yet.\n", c->out);
	for (size_t i = 0; i < 7; i++)
		table_free(t[i]);
	return ok ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
}

int
me_summary_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__GetMeRequest m = TRIAD__V1__GET_ME_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	RpcError err;
	TriadExit rc;

	if (c->format == PRINT_CSV)
		return client_usage_error(c, "me has several lists and no CSV form; use --json");
	req.body_case = RQ(GET_ME);
	req.get_me = &m;
	/* Everywhere at once: no institution. */
	rc = call_quietly_in(c, "", &req, RS(ME), &resp, &err);
	if (rc != TRIAD_EXIT_OK)
		return call_report(c, &err, rc);
	rc = me_print(c, resp->me);
	rpc_response_free(resp);
	return rc;
}

