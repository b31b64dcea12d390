/*
 * Unit tests for the access commands of the client: the enum names
 * (client/names.c) both ways, the page loop (client/resource.c), and
 * login, whoami, lists and creates run through the real dispatcher
 * against a scripted server in a child process, which logs what it was
 * sent so that the tests can check the requests too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "script_server.h"
#include "client.h"
#include "commands.h"
#include "names.h"
#include "resource.h"

/* ---- names ------------------------------------------------------------- */

static void
expect_round_trip(const NameMap *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const NameEntry *e = &m->entries[i];
		int v = -1;

		assert_string_equal(names_name(m, e->value), e->name);
		assert_non_null(names_label(m, e->value));
		if (e->output_only) {
			assert_false(names_parse(m, e->name, &v));
			continue;
		}
		assert_true(names_parse(m, e->name, &v));
		assert_int_equal(v, e->value);
	}
	assert_string_equal(names_name(m, 0), "");
	assert_null(names_name(m, 999));
}

static void
test_names_both_ways(void **state)
{
	char buf[32];
	int v = -1;

	(void)state;
	expect_round_trip(&names_role);
	expect_round_trip(&names_title);
	expect_round_trip(&names_org_kind);
	expect_round_trip(&names_principal_kind);

	assert_int_equal(names_role.n, 7);
	assert_int_equal(names_title.n, 5);
	assert_int_equal(names_org_kind.n, 7);

	assert_string_equal(names_name(&names_role, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH),
			    "workplace-coach");
	assert_string_equal(names_label(&names_role, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH),
			    "workplace coach");
	assert_string_equal(names_name(&names_org_kind,
				       TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_CARE_PROVIDER),
			    "care-provider");

	/* Case, '_' for '-', and the contract's own spelling are accepted. */
	assert_true(names_parse(&names_role, "Workplace_Coach", &v));
	assert_int_equal(v, TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH);
	assert_true(names_parse(&names_role, "ROLE_EMPLOYER_CONTACT", &v));
	assert_int_equal(v, TRIAD__V1__ROLE__ROLE_EMPLOYER_CONTACT);
	assert_true(names_parse(&names_title, "programme_manager", &v));
	assert_int_equal(v, TRIAD__V1__STAFF_TITLE__STAFF_TITLE_PROGRAMME_MANAGER);
	assert_true(names_parse(&names_org_kind, "ORGANISATION_KIND_MUNICIPALITY", &v));
	assert_int_equal(v, TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_MUNICIPALITY);

	/* Not accepted: unspecified, operator (made by triadd bootstrap), junk. */
	assert_false(names_parse(&names_role, "ROLE_UNSPECIFIED", &v));
	assert_false(names_parse(&names_role, "unspecified", &v));
	assert_false(names_parse(&names_role, "operator", &v));
	assert_false(names_parse(&names_role, "", &v));
	assert_false(names_parse(&names_role, "workplace-coach ", &v));
	assert_false(names_parse(&names_role, "workplace", &v));

	/* Values from a newer server keep their number. */
	assert_string_equal(names_show(&names_role, 42, buf, sizeof buf), "42");
	assert_string_equal(names_show(&names_role, 1, buf, sizeof buf), "operator");

	assert_string_equal(names_role_phrase(TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
					      TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, buf,
					      sizeof buf),
			    "lecturer");
	assert_string_equal(names_role_phrase(TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF, 0, buf,
					      sizeof buf),
			    "programme staff");
	assert_string_equal(names_role_phrase(42, 0, buf, sizeof buf), "role 42");
}

static void
test_names_explain(void **state)
{
	char buf[512];

	(void)state;
	names_explain(&names_role, "workplace-caoch", buf, sizeof buf);
	assert_string_equal(buf, "'workplace-caoch' is not a valid role. Did you mean "
				 "'workplace-coach'? Valid roles: institution-admin, "
				 "programme-staff, participant, workplace-coach, employer-contact, "
				 "partner-integration");
	/* Part of exactly one name. */
	names_explain(&names_role, "coach", buf, sizeof buf);
	assert_non_null(strstr(buf, "Did you mean 'workplace-coach'?"));
	names_explain(&names_title, "profesor", buf, sizeof buf);
	assert_string_equal(buf, "'profesor' is not a valid title. Valid titles: dean, "
				 "programme-manager, lecturer, trainer, assessor");
	/* Operator is never suggested. */
	names_explain(&names_role, "operator", buf, sizeof buf);
	assert_null(strstr(buf, "Did you mean"));
	assert_null(strstr(buf, ", operator"));
	/* A small buffer is cut, not overrun. */
	names_explain(&names_role, "x", buf, 20);
	assert_int_equal(strlen(buf), 19);
}

/* Every valid name appears in the help of the commands that take it. */
static void
test_names_in_help(void **state)
{
	static const struct {
		const Command *group;
		const char *sub;
		const NameMap *m;
	} uses[] = {
		{&cmd_grant, "add", &names_role},   {&cmd_grant, "add", &names_title},
		{&cmd_invite, "create", &names_role}, {&cmd_invite, "create", &names_title},
		{&cmd_org, "create", &names_org_kind},
	};

	(void)state;
	for (size_t u = 0; u < sizeof uses / sizeof uses[0]; u++) {
		const Command *cmd = cli_find(uses[u].group->subcommands, uses[u].sub);

		assert_non_null(cmd);
		for (size_t i = 0; i < uses[u].m->n; i++)
			if (!uses[u].m->entries[i].output_only)
				assert_non_null(strstr(cmd->description, uses[u].m->entries[i].name));
	}
}

/* ---- the page loop ------------------------------------------------------ */

/* A fake list: pages of one row each, "p1" .. "pN", then the end. */
typedef struct FakeList {
	int pages;          /* how many pages exist */
	int fetched;
	char tokens[8][16]; /* the page tokens asked for, in order */
	int32_t sizes[8];
	bool loop;          /* hand back the token given */
	int back_to;        /* after the last page, go back to page back_to; 0: end */
	int fail_at;        /* 1-based page that fails with exit 4; 0: none */
} FakeList;

static TriadExit
fake_fetch(void *ctx, int32_t page_size, const char *page_token, Table *t, char **next)
{
	FakeList *f = ctx;
	int page = page_token[0] == '\0' ? 1 : atoi(page_token + 1);
	char cell[16];
	const char *cells[] = {cell};

	if (f->fetched < 8) {
		snprintf(f->tokens[f->fetched], sizeof f->tokens[0], "%s", page_token);
		f->sizes[f->fetched] = page_size;
	}
	f->fetched++;
	if (f->fail_at == f->fetched)
		return TRIAD_EXIT_AUTH;
	snprintf(cell, sizeof cell, "row%d", page);
	assert_true(table_add_row(t, cells));
	*next = malloc(16);
	assert_non_null(*next);
	if (f->loop)
		snprintf(*next, 16, "%s", page_token[0] ? page_token : "p1");
	else if (page < f->pages)
		snprintf(*next, 16, "p%d", page + 1);
	else if (f->back_to > 0)
		snprintf(*next, 16, "p%d", f->back_to);
	else
		(*next)[0] = '\0';
	return TRIAD_EXIT_OK;
}

static void
test_list_pages(void **state)
{
	static const char *const headers[] = {"row"};
	ListPaging p = {.page_token = "", .max_pages = 100};
	ListResult res;
	FakeList f = {.pages = 3};
	Table *t = table_new(1, headers);

	(void)state;
	/* Without --all: one page, and the token for the next. */
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_OK);
	assert_int_equal(res.pages, 1);
	assert_string_equal(res.next, "p2");
	assert_false(res.stopped);
	assert_int_equal(table_rows(t), 1);
	list_result_free(&res);

	/* Starting at a token, with a page size. */
	f.fetched = 0;
	p.page_token = "p3";
	p.page_size = 7;
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_OK);
	assert_string_equal(f.tokens[0], "p3");
	assert_int_equal(f.sizes[0], 7);
	assert_string_equal(res.next, "");
	list_result_free(&res);

	/* --all follows to the end. */
	table_free(t);
	t = table_new(1, headers);
	f = (FakeList){.pages = 5};
	p = (ListPaging){.page_token = "", .all = true, .max_pages = 100};
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_OK);
	assert_int_equal(res.pages, 5);
	assert_int_equal(table_rows(t), 5);
	assert_string_equal(f.tokens[0], "");
	assert_string_equal(f.tokens[4], "p5");
	assert_string_equal(res.next, "");
	list_result_free(&res);

	/* ... but not beyond the bound, and says where it stopped. */
	f = (FakeList){.pages = 50};
	p.max_pages = 4;
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_OK);
	assert_int_equal(res.pages, 4);
	assert_true(res.stopped);
	assert_string_equal(res.next, "p5");
	list_result_free(&res);

	/* A server that hands back the same token does not make us loop. */
	f = (FakeList){.pages = 50, .loop = true};
	p.max_pages = 100;
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_UNREACHABLE);
	assert_true(res.looped);
	assert_int_equal(f.fetched, 2);
	assert_null(res.next);

	/* ... nor one that goes round through several pages. */
	f = (FakeList){.pages = 3, .back_to = 2};
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_UNREACHABLE);
	assert_true(res.looped);
	assert_int_equal(f.fetched, 3);
	assert_null(res.next);

	/* Without a bound (as --all has), to the last page however many. */
	table_free(t);
	t = table_new(1, headers);
	f = (FakeList){.pages = 1500};
	p = (ListPaging){.page_token = "", .all = true};
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_OK);
	assert_int_equal(res.pages, 1500);
	assert_int_equal(table_rows(t), 1500);
	assert_false(res.stopped);
	assert_string_equal(res.next, "");
	list_result_free(&res);

	/* A failing page ends it with that page's exit code. */
	f = (FakeList){.pages = 5, .fail_at = 2};
	assert_int_equal(list_pages(&p, fake_fetch, &f, t, &res), TRIAD_EXIT_AUTH);
	assert_int_equal(f.fetched, 2);
	assert_null(res.next);
	table_free(t);
}

/* ---- a scripted server ---------------------------------------------------- */

static char tmpdir[64];

static void
server_error(int fd, uint64_t id, Triad__V1__Code code, const char *msg)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__Status st = TRIAD__V1__STATUS__INIT;

	st.code = code;
	st.message = (char *)msg;
	resp.id = id;
	resp.status = &st;
	script_send(fd, &resp);
}

/* The people and things the scripted server knows. */
static Triad__V1__Principal ada = {
	PROTOBUF_C_MESSAGE_INIT(&triad__v1__principal__descriptor), (char *)"pr-1",
	TRIAD__V1__PRINCIPAL_KIND__PRINCIPAL_KIND_PERSON, (char *)"Ada Lovelace",
	(char *)"pe-1"};
static Triad__V1__Person ada_person = {
	PROTOBUF_C_MESSAGE_INIT(&triad__v1__person__descriptor), (char *)"pe-1",
	(char *)"Ada Lovelace", (char *)"ada@example.org", (char *)"2026-01-01T00:00:00Z", 1767225600000000};
static Triad__V1__Grant coach_grant = {
	PROTOBUF_C_MESSAGE_INIT(&triad__v1__grant__descriptor), (char *)"g-1", (char *)"i-1",
	(char *)"pr-1", (char *)"Ada Lovelace", TRIAD__V1__ROLE__ROLE_WORKPLACE_COACH,
	TRIAD__V1__STAFF_TITLE__STAFF_TITLE_UNSPECIFIED, (char *)"",
	(char *)"2026-01-01T00:00:00Z", 1767225600000000};
static Triad__V1__Grant lecturer_grant = {
	PROTOBUF_C_MESSAGE_INIT(&triad__v1__grant__descriptor), (char *)"g-2", (char *)"i-2",
	(char *)"pr-1", (char *)"Ada Lovelace", TRIAD__V1__ROLE__ROLE_PROGRAMME_STAFF,
	TRIAD__V1__STAFF_TITLE__STAFF_TITLE_LECTURER, (char *)"",
	(char *)"2026-01-01T00:00:00Z", 1767225600000000};
static Triad__V1__Institution nsob = {
	PROTOBUF_C_MESSAGE_INIT(&triad__v1__institution__descriptor), (char *)"i-1",
	(char *)"nsob", (char *)"Nederlandse School voor Openbaar Bestuur",
	(char *)"2026-01-01T00:00:00Z", 1767225600000000};

static void
answer_whoami(int fd, uint64_t id)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__WhoAmIReply who = TRIAD__V1__WHO_AM_IREPLY__INIT;
	Triad__V1__Grant *grants[] = {&coach_grant, &lecturer_grant};
	Triad__V1__Institution *insts[] = {&nsob};

	who.principal = &ada;
	who.person = &ada_person;
	who.n_grants = 2;
	who.grants = grants;
	who.n_institutions = 1; /* i-2 unknown: shown by id */
	who.institutions = insts;
	resp.id = id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_WHO_AM_I;
	resp.who_am_i = &who;
	script_send(fd, &resp);
}

static void
answer_redeem(int fd, const Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__RedeemInviteReply reply = TRIAD__V1__REDEEM_INVITE_REPLY__INIT;
	Triad__V1__Token info = TRIAD__V1__TOKEN__INIT;

	if (strcmp(req->redeem_invite->code, "inv_used") == 0) {
		server_error(fd, req->id, TRIAD__V1__CODE__CODE_FAILED_PRECONDITION,
			     "this invite was used on 2026-01-02T10:00:00Z");
		return;
	}
	if (strcmp(req->redeem_invite->code, "inv_ok") != 0) {
		server_error(fd, req->id, TRIAD__V1__CODE__CODE_NOT_FOUND, "no such invite");
		return;
	}
	info.id = (char *)"t-9";
	reply.token = (char *)"trd_new";
	reply.token_info = &info;
	reply.principal = &ada;
	reply.grant = &coach_grant;
	resp.id = req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_REDEEM_INVITE;
	resp.redeem_invite = &reply;
	script_send(fd, &resp);
}

/* Persons in two pages: p1 p2 | p3. */
static void
answer_persons(int fd, const Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__ListPersonsReply reply = TRIAD__V1__LIST_PERSONS_REPLY__INIT;
	Triad__V1__Person p[3];
	Triad__V1__Person *pp[3] = {&p[0], &p[1], &p[2]};
	bool second = strcmp(req->list_persons->page_token, "next-2") == 0;

	for (int i = 0; i < 3; i++) {
		static char ids[3][8], names[3][16];

		triad__v1__person__init(&p[i]);
		snprintf(ids[i], sizeof ids[i], "pe-%d", i + 1);
		snprintf(names[i], sizeof names[i], "Person %d", i + 1);
		p[i].id = ids[i];
		p[i].name = names[i];
	}
	reply.persons = second ? pp + 2 : pp;
	reply.n_persons = second ? 1 : 2;
	reply.next_page_token = (char *)(second ? "" : "next-2");
	resp.id = req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_PERSONS;
	resp.persons = &reply;
	script_send(fd, &resp);
}

static void
answer_invite(int fd, const Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__CreateInviteReply reply = TRIAD__V1__CREATE_INVITE_REPLY__INIT;
	Triad__V1__Invite inv = TRIAD__V1__INVITE__INIT;

	inv.id = (char *)"iv-1";
	inv.person_id = req->create_invite->person_id;
	inv.person_email = (char *)"ada@example.org";
	inv.role = req->create_invite->role;
	inv.title = req->create_invite->title;
	inv.institution_id = (char *)"i-1";
	inv.expires_at = (char *)"2026-02-01T00:00:00Z";
	reply.code = (char *)"inv_ok";
	reply.invite = &inv;
	resp.id = req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_INVITE;
	resp.create_invite = &reply;
	script_send(fd, &resp);
}

static void
answer_token(int fd, const Triad__V1__Request *req)
{
	Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
	Triad__V1__CreateTokenReply reply = TRIAD__V1__CREATE_TOKEN_REPLY__INIT;
	Triad__V1__Token info = TRIAD__V1__TOKEN__INIT;

	info.id = (char *)"t-2";
	info.prefix = (char *)"trd_Sec";
	info.label = req->create_token->label;
	reply.token = (char *)"trd_Secret";
	reply.token_info = &info;
	reply.principal = &ada;
	resp.id = req->id;
	resp.body_case = TRIAD__V1__RESPONSE__BODY_CREATE_TOKEN;
	resp.create_token = &reply;
	script_send(fd, &resp);
}

/* A number of days as logged: "-" when it was left out. */
static const char *
days(bool given, int32_t n, char buf[16])
{
	if (!given)
		return "-";
	snprintf(buf, 16, "%d", (int)n);
	return buf;
}

/*
 * Serve one connection. Each request is logged as one line: its kind and
 * the fields the tests look at. Only "good" and "trd_new" are tokens.
 */
static void
serve(int fd, FILE *log)
{
	bool session = false;
	int n = 0;
	Triad__V1__Request *req;

	while ((req = script_read(fd)) != NULL) {
		Triad__V1__Response resp = TRIAD__V1__RESPONSE__INIT;
		Triad__V1__HelloReply hello = TRIAD__V1__HELLO_REPLY__INIT;
		Triad__V1__Person person = TRIAD__V1__PERSON__INIT;
		Triad__V1__Token signed_out = TRIAD__V1__TOKEN__INIT;
		bool close_after = false;
		char num[16];

		n++;
		resp.id = req->id;
		switch (req->body_case) {
		case TRIAD__V1__REQUEST__BODY_HELLO:
			fprintf(log, "hello token=%s\n", req->hello->token);
			if (strcmp(req->hello->token, "good") != 0 &&
			    strcmp(req->hello->token, "trd_new") != 0) {
				server_error(fd, req->id, TRIAD__V1__CODE__CODE_UNAUTHENTICATED,
					     "unknown token");
				close_after = true;
				break;
			}
			session = true;
			hello.protocol_version = TRIAD_PROTOCOL_VERSION;
			hello.server_version = (char *)"triadd/test";
			resp.body_case = TRIAD__V1__RESPONSE__BODY_HELLO;
			resp.hello = &hello;
			script_send(fd, &resp);
			break;
		case TRIAD__V1__REQUEST__BODY_REDEEM_INVITE:
			fprintf(log, "redeem first=%d code=%s label=%s\n", n == 1 && !session,
				req->redeem_invite->code, req->redeem_invite->token_label);
			answer_redeem(fd, req);
			break;
		default:
			if (!session) {
				server_error(fd, req->id, TRIAD__V1__CODE__CODE_UNAUTHENTICATED,
					     "no session");
				close_after = true;
				break;
			}
			switch (req->body_case) {
			case TRIAD__V1__REQUEST__BODY_WHO_AM_I:
				fprintf(log, "whoami institution=%s\n", req->institution);
				answer_whoami(fd, req->id);
				break;
			case TRIAD__V1__REQUEST__BODY_SIGN_OUT:
				fprintf(log, "sign-out\n");
				signed_out.revoked_at = "2026-01-01T00:00:00Z";
				resp.body_case = TRIAD__V1__RESPONSE__BODY_TOKEN;
				resp.token = &signed_out;
				script_send(fd, &resp);
				close_after = true;
				break;
			case TRIAD__V1__REQUEST__BODY_LIST_PERSONS:
				fprintf(log, "persons institution=%s size=%d token=%s\n",
					req->institution, req->list_persons->page_size,
					req->list_persons->page_token);
				answer_persons(fd, req);
				break;
			case TRIAD__V1__REQUEST__BODY_GET_PERSON:
				fprintf(log, "person id=%s\n", req->get_person->id);
				if (strcmp(req->get_person->id, "pe-1") != 0) {
					server_error(fd, req->id, TRIAD__V1__CODE__CODE_NOT_FOUND,
						     "person pe-404 not found");
					break;
				}
				resp.body_case = TRIAD__V1__RESPONSE__BODY_PERSON;
				resp.person = &ada_person;
				script_send(fd, &resp);
				break;
			case TRIAD__V1__REQUEST__BODY_CREATE_PERSON:
				fprintf(log, "create-person name=%s email=%s\n",
					req->create_person->name, req->create_person->email);
				person = ada_person;
				person.name = req->create_person->name;
				person.email = req->create_person->email;
				resp.body_case = TRIAD__V1__RESPONSE__BODY_PERSON;
				resp.person = &person;
				script_send(fd, &resp);
				break;
			case TRIAD__V1__REQUEST__BODY_CREATE_INVITE:
				/* days=- when left out: 0 is a value sent. */
				fprintf(log, "invite institution=%s person=%s role=%d title=%d "
					"days=%s\n", req->institution, req->create_invite->person_id,
					req->create_invite->role, req->create_invite->title,
					days(req->create_invite->_expires_in_days_case != 0,
					     req->create_invite->expires_in_days, num));
				answer_invite(fd, req);
				break;
			case TRIAD__V1__REQUEST__BODY_CREATE_TOKEN:
				fprintf(log, "token label=%s days=%s machine=%s\n",
					req->create_token->label,
					days(req->create_token->_expires_in_days_case != 0,
					     req->create_token->expires_in_days, num),
					req->create_token->machine_name);
				answer_token(fd, req);
				break;
			default:
				fprintf(log, "other %d\n", req->body_case);
				server_error(fd, req->id, TRIAD__V1__CODE__CODE_UNIMPLEMENTED,
					     "not in the script");
				break;
			}
		}
		triad__v1__request__free_unpacked(req, NULL);
		if (close_after)
			break;
	}
}

/* ---- running the client -------------------------------------------------- */

static const Command *const commands[] = {
	&cmd_login, &cmd_logout, &cmd_whoami, &cmd_institution, &cmd_person, &cmd_org,
	&cmd_grant, &cmd_token,  &cmd_invite, &cmd_audit,       &cmd_help,   NULL,
};

static const Command root = {
	.name = "triad",
	.summary = "test root",
	.options = client_global_options,
	.subcommands = commands,
};

/* The client with this table against the scripted server; stdin reads input. */
#define run_in(input, ...) script_run(&root, (input), __VA_ARGS__)
#define run(...) run_in(NULL, __VA_ARGS__)

/* A fresh config home per test. */
static char home[128], credpath[192];

static int
setup(void **state)
{
	static int n;

	(void)state;
	snprintf(home, sizeof home, "%s/home%d", tmpdir, ++n);
	snprintf(credpath, sizeof credpath, "%s/triad/credentials", home);
	setenv("XDG_CONFIG_HOME", home, 1);
	setenv("TRIAD_ADDR", script_addr, 1);
	unsetenv("TRIAD_TOKEN");
	unsetenv("TRIAD_INSTITUTION");
	(void)script_log();
	return 0;
}

static char *
slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_login_with_token(void **state)
{
	char want[512];
	struct stat st;
	ScriptRun r;

	(void)state;
	r = run(3, "login", "--token", "good");
	assert_int_equal(r.rc, 0);
	snprintf(want, sizeof want,
		 "Signed in as Ada Lovelace.\n"
		 "Your roles:\n"
		 "  workplace coach at nsob\n"
		 "  lecturer at i-2\n"
		 "The token is stored in %s.\n", credpath);
	assert_string_equal(r.out, want);
	assert_string_equal(r.err, "");
	assert_string_equal(script_log(), "hello token=good\nwhoami institution=\n");
	assert_string_equal(slurp(credpath), "good\n");
	assert_int_equal(stat(credpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	script_run_free(&r);

	/* The stored token is used from now on; --institution goes along. */
	r = run(4, "--institution", "nsob", "whoami", "--json");
	assert_int_equal(r.rc, 0);
	assert_string_equal(
		r.out,
		"{\"name\":\"Ada Lovelace\",\"kind\":\"person\",\"email\":\"ada@example.org\","
		"\"principal_id\":\"pr-1\",\"person_id\":\"pe-1\",\"grants\":["
		"{\"institution\":\"nsob\",\"role\":\"workplace-coach\",\"title\":\"\","
		"\"organisation_id\":\"\",\"institution_id\":\"i-1\",\"grant_id\":\"g-1\"},"
		"{\"institution\":\"i-2\",\"role\":\"programme-staff\",\"title\":\"lecturer\","
		"\"organisation_id\":\"\",\"institution_id\":\"i-2\",\"grant_id\":\"g-2\"}]}\n");
	assert_string_equal(script_log(), "hello token=good\nwhoami institution=nsob\n");
	script_run_free(&r);

	setenv("TRIAD_INSTITUTION", "from-env", 1);
	r = run(2, "whoami", "--csv");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
			    "name,kind,email,principal_id,person_id,institution,role,title,"
			    "organisation_id,institution_id,grant_id\r\n"
			    "Ada Lovelace,person,ada@example.org,pr-1,pe-1,nsob,workplace-coach,,,"
			    "i-1,g-1\r\n"
			    "Ada Lovelace,person,ada@example.org,pr-1,pe-1,i-2,programme-staff,"
			    "lecturer,,i-2,g-2\r\n");
	assert_string_equal(script_log(), "hello token=good\nwhoami institution=from-env\n");
	script_run_free(&r);
	unsetenv("TRIAD_INSTITUTION");

	r = run(1, "whoami");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out,
			    "name:         Ada Lovelace\n"
			    "kind:         person\n"
			    "email:        ada@example.org\n"
			    "principal_id: pr-1\n"
			    "person_id:    pe-1\n"
			    "\n"
			    "INSTITUTION  ROLE             TITLE     ORGANISATION_ID  INSTITUTION_ID  "
			    "GRANT_ID\n"
			    "nsob         workplace-coach                             i-1             "
			    "g-1\n"
			    "i-2          programme-staff  lecturer                   i-2             "
			    "g-2\n");
	script_run_free(&r);

	/* The server revokes the token; then the file goes. */
	(void)script_log();
	r = run(1, "logout");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Signed out: the token is revoked and "));
	assert_string_equal(script_log(), "hello token=good\nsign-out\n");
	assert_null(slurp(credpath));
	script_run_free(&r);
	r = run(1, "logout");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "You were not signed in"));
	script_run_free(&r);

	/* Signed out, the server refuses: exit 4 with a hint. */
	r = run(1, "whoami");
	assert_int_equal(r.rc, TRIAD_EXIT_AUTH);
	assert_non_null(strstr(r.err, "not signed in: run 'triad login'"));
	script_run_free(&r);
}

static void
test_login_reads_stdin(void **state)
{
	ScriptRun r;

	(void)state;
	r = run_in("  good  \nignored\n", 1, "login");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "Signed in as Ada Lovelace."));
	assert_string_equal(slurp(credpath), "good\n");
	script_run_free(&r);

	/* The last line may lack its newline. */
	r = run_in("good", 1, "login");
	assert_int_equal(r.rc, 0);
	script_run_free(&r);

	r = run_in("", 1, "login");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "no token given"));
	script_run_free(&r);

	r = run_in("two words\n", 1, "login");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "space"));
	assert_null(strstr(r.err, "two words"));
	script_run_free(&r);
	(void)script_log();
}

static void
test_login_bad_token(void **state)
{
	ScriptRun r;

	(void)state;
	r = run(3, "login", "--token", "trd_typo");
	assert_int_equal(r.rc, TRIAD_EXIT_AUTH);
	assert_string_equal(r.err, "triad login: the server did not accept this token: unknown "
				   "token\n");
	assert_string_equal(r.out, "");
	assert_null(slurp(credpath));
	script_run_free(&r);

	/* The same token given to another command: exit 4 as well. */
	setenv("TRIAD_TOKEN", "trd_typo", 1);
	r = run(1, "whoami");
	assert_int_equal(r.rc, TRIAD_EXIT_AUTH);
	assert_non_null(strstr(r.err, "unknown token"));
	script_run_free(&r);
	unsetenv("TRIAD_TOKEN");
	(void)script_log();
}

static void
test_login_with_invite(void **state)
{
	char want[512];
	struct stat st;
	ScriptRun r;

	(void)state;
	r = run(5, "login", "--invite", "inv_ok", "--label", "laptop");
	assert_int_equal(r.rc, 0);
	snprintf(want, sizeof want,
		 "Welcome, Ada Lovelace. You are signed in as workplace coach at nsob.\n"
		 "Your token is stored in %s.\n"
		 "\n"
		 "What to try next:\n"
		 "  triad whoami   who you are and what you may do\n"
		 "  triad me       your enrollments, coaches and what waits for you\n"
		 "  triad --help   everything triad can do\n", credpath);
	assert_string_equal(r.out, want);
	assert_string_equal(r.err, "");
	/* The redeem came first on its connection, without a Hello. */
	assert_string_equal(script_log(), "redeem first=1 code=inv_ok label=laptop\n"
					  "hello token=trd_new\nwhoami institution=\n");
	assert_string_equal(slurp(credpath), "trd_new\n");
	assert_int_equal(stat(credpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	script_run_free(&r);

	/* --json for scripts; the token label defaults to the host name. */
	r = run(4, "login", "--invite", "inv_ok", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"role\":\"workplace-coach\",\"title\":\"\","
				      "\"institution\":\"nsob\""));
	assert_null(strstr(r.out, "trd_new"));
	assert_null(strstr(script_log(), "label=\n"));
	script_run_free(&r);

	r = run(3, "login", "--invite", "inv_nope");
	assert_int_equal(r.rc, TRIAD_EXIT_SERVER);
	assert_string_equal(r.err, "triad login: This invite code is not valid. Check it, or ask "
				   "for a new invite.\n");
	script_run_free(&r);

	r = run(3, "login", "--invite", "inv_used");
	assert_int_equal(r.rc, TRIAD_EXIT_SERVER);
	assert_string_equal(r.err, "triad: this invite was used on 2026-01-02T10:00:00Z\n");
	script_run_free(&r);
	(void)script_log();
}

static void
test_list_paging(void **state)
{
	ScriptRun r;

	(void)state;
	setenv("TRIAD_TOKEN", "good", 1);
	r = run(4, "--institution", "nsob", "person", "list");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "ID    NAME      EMAIL  CREATED_AT\n"
				   "pe-1  Person 1\n"
				   "pe-2  Person 2\n");
	assert_string_equal(r.err, "triad person list: there are more persons; run it again with "
				   "--page-token next-2, or with --all for all of them\n");
	assert_string_equal(script_log(), "hello token=good\n"
					  "persons institution=nsob size=0 token=\n");
	script_run_free(&r);

	r = run(6, "person", "list", "--page-token", "next-2", "--page-size", "2");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "ID    NAME      EMAIL  CREATED_AT\npe-3  Person 3\n");
	assert_string_equal(r.err, "");
	assert_string_equal(script_log(), "hello token=good\n"
					  "persons institution= size=2 token=next-2\n");
	script_run_free(&r);

	r = run(4, "person", "list", "--all", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "\"id\":\"pe-1\""));
	assert_non_null(strstr(r.out, "\"id\":\"pe-3\""));
	assert_string_equal(r.err, "");
	assert_string_equal(script_log(), "hello token=good\n"
					  "persons institution= size=500 token=\n"
					  "persons institution= size=500 token=next-2\n");
	script_run_free(&r);

	r = run(4, "person", "list", "--page-size", "501");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "expected a whole number from 1 to 500"));
	script_run_free(&r);
	unsetenv("TRIAD_TOKEN");
	(void)script_log();
}

static void
test_resource_commands(void **state)
{
	char want[256];
	ScriptRun r;

	(void)state;
	setenv("TRIAD_TOKEN", "good", 1);

	/* NOT_FOUND: the server's message, exit 1. */
	r = run(3, "person", "show", "pe-404");
	assert_int_equal(r.rc, TRIAD_EXIT_SERVER);
	assert_string_equal(r.err, "triad: person pe-404 not found\n");
	script_run_free(&r);

	r = run(4, "person", "show", "pe-1", "--csv");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "id,name,email,created_at\r\n"
				   "pe-1,Ada Lovelace,ada@example.org,2026-01-01T00:00:00Z\r\n");
	script_run_free(&r);

	r = run(6, "person", "create", "--name", "Grace Hopper", "--email", "grace@example.org");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "name:       Grace Hopper\n"));
	script_run_free(&r);
	r = run(4, "person", "create", "--name", "Grace Hopper");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "triad person create: --email is required\n"));
	script_run_free(&r);
	(void)script_log();

	/* The invite prints the command to redeem it, with the address. */
	r = run(9, "--institution", "nsob", "invite", "create", "pe-1", "--role", "programme_staff",
		"--title", "Lecturer");
	assert_int_equal(r.rc, 0);
	snprintf(want, sizeof want, "  triad login --invite inv_ok --addr %s\n", script_addr);
	assert_non_null(strstr(r.out, want));
	assert_non_null(strstr(r.out, "Invite created for ada@example.org as lecturer, valid until "
				      "2026-02-01T00:00:00Z."));
	assert_string_equal(script_log(), "hello token=good\n"
					  "invite institution=nsob person=pe-1 role=3 title=3 "
					  "days=-\n");
	script_run_free(&r);

	r = run(7, "invite", "create", "pe-1", "--role", "coach", "--expires-in", "7");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "invalid value for --role: 'coach' is not a valid role. Did "
				      "you mean 'workplace-coach'?"));
	script_run_free(&r);

	r = run(8, "invite", "create", "pe-1", "--role", "participant", "--expires-in", "7",
		"--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"code\":\"inv_ok\",\"command\":\"triad login --invite "
				      "inv_ok --addr "));
	assert_string_equal(strchr(script_log(), '\n'),
			    "\ninvite institution= person=pe-1 role=4 title=0 days=7\n");
	script_run_free(&r);

	/* A token is printed once, with a warning on stderr. */
	r = run(7, "token", "create", "--label", "ci", "--expires-in", "30", "--json");
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "{\"token\":\"trd_Secret\",\"id\":\"t-2\""));
	assert_non_null(strstr(r.err, "shown only this once"));
	assert_non_null(strstr(script_log(), "token label=ci days=30 machine=\n"));
	script_run_free(&r);

	r = run(4, "token", "create", "--org", "o-1");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--org is used only with --machine"));
	script_run_free(&r);

	r = run(3, "audit", "list", "--resource=:x");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "expected KIND or KIND:ID"));
	script_run_free(&r);

	r = run(5, "org", "create", "--name", "Gemeente Utrecht", "--kind=gemeente");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "Valid kinds: employer, school, hospital, municipality, "
				      "government, care-provider, other"));
	script_run_free(&r);

	r = run(2, "grant", "add");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad grant add: missing argument PERSON\n"
				   "usage: triad grant add PERSON --role ROLE [--title TITLE] "
				   "[--org ORG]\n");
	script_run_free(&r);

	r = run(3, "institution", "show", "");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "ID|SLUG must not be empty"));
	script_run_free(&r);
	unsetenv("TRIAD_TOKEN");
	(void)script_log();
}

static void
test_help_everywhere(void **state)
{
	(void)state;
	for (const Command *const *g = commands; *g != NULL; g++) {
		const Command *const *subs = (*g)->subcommands;
		ScriptRun r = run(2, (*g)->name, "--help");

		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.out, "usage: triad "));
		script_run_free(&r);
		for (; subs != NULL && *subs != NULL; subs++) {
			r = run(3, (*g)->name, (*subs)->name, "--help");
			assert_int_equal(r.rc, 0);
			assert_non_null(strstr(r.out, "usage: triad "));
			assert_non_null(strstr(r.out, "Global options:"));
			script_run_free(&r);
		}
	}
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/triad-cmds-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	script_start(serve);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	(void)state;
	script_stop();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_both_ways),
		cmocka_unit_test(test_names_explain),
		cmocka_unit_test(test_names_in_help),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test_setup(test_login_with_token, setup),
		cmocka_unit_test_setup(test_login_reads_stdin, setup),
		cmocka_unit_test_setup(test_login_bad_token, setup),
		cmocka_unit_test_setup(test_login_with_invite, setup),
		cmocka_unit_test_setup(test_list_paging, setup),
		cmocka_unit_test_setup(test_resource_commands, setup),
		cmocka_unit_test_setup(test_help_everywhere, setup),
	};

	/* A test that fails half-way must not be killed by a write to a closed socket. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
