/*
 * cmd_login.c: signing in and out, and who you are: `triad login`,
 * `triad logout`, `triad whoami`.
 *
 * login takes a token (from --token, a prompt or stdin), proves it by
 * opening a session and asking WhoAmI, and only then stores it. With
 * --invite it redeems a one-time code instead: that request comes first on
 * its connection, without a Hello, and answers with a new token, which is
 * stored the same way. With --email it asks for a one-time code by e-mail,
 * and with --email and --code it exchanges that code for a token, the same
 * way again. The credentials file is checked before anything is sent, so
 * a code is never used up for a token that cannot be kept.
 *
 * logout asks the server to revoke the token in use (SignOut) before it
 * removes the stored one, so that a token taken along elsewhere stops
 * working too.
 */
#include "client.h"
#include "commands.h"
#include "resource.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* ---- whoami -------------------------------------------------------------- */

static const char *const principal_headers[] = {"name", "kind", "email", "principal_id",
						"person_id"};
#define PRINCIPAL_COLS (sizeof principal_headers / sizeof principal_headers[0])

static const char *const role_headers[] = {"institution", "role", "title", "organisation_id",
					   "institution_id", "grant_id"};
#define ROLE_COLS (sizeof role_headers / sizeof role_headers[0])

/* The slug of the institution with id, from the WhoAmI answer; else id. */
static const char *
slug_of(const Triad__V1__WhoAmIReply *w, const char *id)
{
	if (w == NULL || id == NULL || id[0] == '\0')
		return id;
	for (size_t i = 0; i < w->n_institutions; i++)
		if (strcmp(w->institutions[i]->id, id) == 0 && w->institutions[i]->slug[0] != '\0')
			return w->institutions[i]->slug;
	return id;
}

/* Room for a role or title this client does not know, as a number. */
typedef struct RoleBuf {
	char role[16];
	char title[16];
} RoleBuf;

static void
role_cells(const Triad__V1__WhoAmIReply *w, const Triad__V1__Grant *g,
	   const char *cells[ROLE_COLS], RoleBuf *b)
{
	cells[0] = slug_of(w, g->institution_id);
	cells[1] = names_show(&names_role, g->role, b->role, sizeof b->role);
	cells[2] = names_show(&names_title, g->title, b->title, sizeof b->title);
	cells[3] = g->organisation_id;
	cells[4] = g->institution_id;
	cells[5] = g->id;
}

/* The principal as one row; kind needs room for an unknown kind. */
static void
principal_cells(const Triad__V1__WhoAmIReply *w, const char *cells[PRINCIPAL_COLS], char *kind,
		size_t len)
{
	static const Triad__V1__Principal no_principal = TRIAD__V1__PRINCIPAL__INIT;
	static const Triad__V1__Person no_person = TRIAD__V1__PERSON__INIT;
	const Triad__V1__Principal *p = w->principal != NULL ? w->principal : &no_principal;
	const Triad__V1__Person *person = w->person != NULL ? w->person : &no_person;

	cells[0] = p->name;
	cells[1] = names_show(&names_principal_kind, p->kind, kind, len);
	cells[2] = person->email;
	cells[3] = p->id;
	cells[4] = p->person_id[0] != '\0' ? p->person_id : person->id;
}

/* Tables of the principal (one row) and of its roles. */
static bool
whoami_tables(const Triad__V1__WhoAmIReply *w, Table **principal, Table **roles)
{
	const char *cells[PRINCIPAL_COLS];
	char kind[16];

	*principal = table_new(PRINCIPAL_COLS, principal_headers);
	*roles = table_new(ROLE_COLS, role_headers);
	if (*principal == NULL || *roles == NULL)
		goto fail;
	principal_cells(w, cells, kind, sizeof kind);
	if (!table_add_row(*principal, cells))
		goto fail;
	for (size_t i = 0; i < w->n_grants; i++) {
		const char *rc[ROLE_COLS];
		RoleBuf b;

		role_cells(w, w->grants[i], rc, &b);
		if (!table_add_row(*roles, rc))
			goto fail;
	}
	return true;
fail:
	table_free(*principal);
	table_free(*roles);
	*principal = *roles = NULL;
	return false;
}

/*
 * Print the WhoAmI answer: as text, the principal and a table of roles; as
 * JSON, one object with the roles in "grants"; as CSV, one line per role
 * with the principal's columns repeated (one line without a role when
 * there is none).
 */
static TriadExit
whoami_print(Client *c, const Triad__V1__WhoAmIReply *w)
{
	Table *principal, *roles, *flat = NULL;
	bool ok = true;

	if (!whoami_tables(w, &principal, &roles))
		return client_out_of_memory(c);
	switch (c->format) {
	case PRINT_TEXT:
		ok = table_print_record(principal, PRINT_TEXT, c->out);
		putc('\n', c->out);
		if (table_rows(roles) == 0)
			fputs("No roles yet.\n", c->out);
		else
			ok = ok && table_print(roles, PRINT_TEXT, c->out);
		break;
	case PRINT_JSON:
		putc('{', c->out);
		table_print_json_members(principal, 0, c->out);
		fputs(",\"grants\":", c->out);
		table_print_json_array(roles, c->out);
		fputs("}\n", c->out);
		ok = fflush(c->out) == 0 && !ferror(c->out);
		break;
	case PRINT_CSV: {
		const char *headers[PRINCIPAL_COLS + ROLE_COLS], *cells[PRINCIPAL_COLS + ROLE_COLS];
		char kind[16];

		memcpy(headers, principal_headers, sizeof principal_headers);
		memcpy(headers + PRINCIPAL_COLS, role_headers, sizeof role_headers);
		flat = table_new(PRINCIPAL_COLS + ROLE_COLS, headers);
		ok = flat != NULL;
		principal_cells(w, cells, kind, sizeof kind);
		for (size_t i = 0; ok && i < (w->n_grants ? w->n_grants : 1); i++) {
			RoleBuf b;

			if (w->n_grants == 0)
				memset(cells + PRINCIPAL_COLS, 0, sizeof role_headers);
			else
				role_cells(w, w->grants[i], cells + PRINCIPAL_COLS, &b);
			ok = table_add_row(flat, cells);
		}
		ok = ok && table_print(flat, PRINT_CSV, c->out);
		break;
	}
	}
	table_free(flat);
	table_free(principal);
	table_free(roles);
	return ok ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
}

/* Ask WhoAmI on the session; *resp holds the answer. */
static TriadExit
whoami_fetch(Client *c, Triad__V1__Response **resp)
{
	Triad__V1__WhoAmIRequest who = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;

	req.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	req.who_am_i = &who;
	return client_call_expect(c, &req, TRIAD__V1__RESPONSE__BODY_WHO_AM_I, resp);
}

static int
whoami_run(Client *c, const Command *cmd, const CliArgs *args)
{
	Triad__V1__Response *resp;
	TriadExit rc = whoami_fetch(c, &resp);

	if (rc != TRIAD_EXIT_OK)
		return rc;
	rc = whoami_print(c, resp->who_am_i);
	rpc_response_free(resp);
	return rc;
}

const Command cmd_whoami = {
	.name = "whoami",
	.summary = "Show who you are signed in as, and your roles",
	.description =
		"Prints your name, whether you are a person or a partner's system, your\n"
		"e-mail address, and every role you have: in which institution, with\n"
		"which title and for which organisation.\n",
	.handler = whoami_run,
};

/* ---- reading a token ------------------------------------------------------ */

/* The terminal's settings while echo is off, for the signal handler. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_fd = -1;

/* Put the terminal back before dying of a signal, then die of it. */
static void
tty_restore_and_die(int sig)
{
	if (tty_fd >= 0)
		(void)tcsetattr(tty_fd, TCSANOW, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Read one line from c->in into buf, with the echo off when it is a
 * terminal (after prompting on c->err); a last line without a newline
 * counts. Returns false when there was nothing to read or the line does
 * not fit; buf then holds what was read, if anything.
 */
static bool
read_line_quietly(Client *c, const char *prompt, char *buf, size_t len)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction old[sizeof sigs / sizeof sigs[0]], sa;
	int fd = fileno(c->in);
	bool quiet = false, ok;

	buf[0] = '\0';
	if (fd >= 0 && isatty(fd)) {
		fputs(prompt, c->prompt);
		fflush(c->prompt);
		if (tcgetattr(fd, &tty_saved) == 0) {
			struct termios t = tty_saved;

			memset(&sa, 0, sizeof sa);
			sa.sa_handler = tty_restore_and_die;
			sigemptyset(&sa.sa_mask);
			tty_fd = fd;
			for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
				sigaction(sigs[i], &sa, &old[i]);
			t.c_lflag &= ~(tcflag_t)ECHO;
			t.c_lflag |= ECHONL;
			quiet = tcsetattr(fd, TCSAFLUSH, &t) == 0;
		}
	}
	ok = fgets(buf, (int)len, c->in) != NULL && strchr(buf, '\n') != NULL;
	if (!ok && !ferror(c->in) && feof(c->in) && buf[0] != '\0')
		ok = strlen(buf) < len - 1; /* a last line without a newline */
	if (tty_fd >= 0) {
		if (quiet)
			(void)tcsetattr(fd, TCSANOW, &tty_saved);
		tty_fd = -1;
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			sigaction(sigs[i], &old[i], NULL);
	}
	return ok;
}

/* Cut white space from both ends of s, in place; returns s moved past the front. */
static char *
trim(char *s)
{
	size_t len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
			   s[len - 1] == '\t'))
		s[--len] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* ---- login ------------------------------------------------------------------ */

/* The hint printed after a successful login when TRIAD_TOKEN would win. */
static void
note_env_token(Client *c)
{
	const char *env = getenv("TRIAD_TOKEN");

	if (env != NULL && env[0] != '\0')
		fprintf(c->err, "%s: note: TRIAD_TOKEN is set in your environment, and is used "
			"instead of the stored token as long as it is\n", c->path);
}

/* Report that a session could not be opened with the token being tried. */
static TriadExit
token_refused(Client *c, const RpcError *err)
{
	if ((err->kind == RPC_ERR_STATUS || err->kind == RPC_ERR_SERVER_CLOSED) &&
	    (err->code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED ||
	     err->code == TRIAD__V1__CODE__CODE_PERMISSION_DENIED)) {
		fprintf(c->err, "%s: the server did not accept this token: ", c->path);
		print_sanitized(c->err, err->message[0] != '\0' ? err->message :
				"check that you copied all of it, or ask for a new one");
		putc('\n', c->err);
		return TRIAD_EXIT_AUTH;
	}
	return client_report(c, err);
}

/* " --addr ADDR" when the address came from --addr, so that hints work as printed. */
static void
addr_words(Client *c, char *buf, size_t len)
{
	char q[RPC_HOST_MAX + 16];
	const char *addr = client_addr(c);

	buf[0] = '\0';
	if (addr != NULL && c->addr_source != NULL && strcmp(c->addr_source, "--addr") == 0)
		snprintf(buf, len, " --addr %s", print_shell_word(addr, q, sizeof q));
}

static TriadExit
print_signed_in(Client *c, const Triad__V1__WhoAmIReply *w, const char *path)
{
	char phrase[32];

	if (c->format != PRINT_TEXT)
		return whoami_print(c, w);
	fputs("Signed in as ", c->out);
	print_sanitized(c->out, w->principal != NULL ? w->principal->name : "");
	fputs(".\n", c->out);
	if (w->n_grants == 0)
		fputs("You have no roles yet.\n", c->out);
	else
		fputs("Your roles:\n", c->out);
	for (size_t i = 0; i < w->n_grants; i++) {
		const Triad__V1__Grant *g = w->grants[i];

		fputs("  ", c->out);
		print_sanitized(c->out, names_role_phrase(g->role, g->title, phrase, sizeof phrase));
		if (g->institution_id[0] != '\0') {
			fputs(" at ", c->out);
			print_sanitized(c->out, slug_of(w, g->institution_id));
		}
		if (g->organisation_id[0] != '\0') {
			fputs(" for organisation ", c->out);
			print_sanitized(c->out, g->organisation_id);
		}
		putc('\n', c->out);
	}
	fputs("The token is stored in ", c->out);
	print_sanitized(c->out, path);
	fputs(".\n", c->out);
	return TRIAD_EXIT_OK;
}

static int
login_with_token(Client *c, const char *path, const char *given)
{
	char buf[TRIAD_TOKEN_MAX + 2], why[512];
	const char *token = given;
	Triad__V1__Response *resp = NULL;
	RpcError err;
	TriadExit rc;

	buf[0] = '\0';
	if (token == NULL) {
		bool ok = read_line_quietly(c, "Paste your API token: ", buf, sizeof buf);

		token = trim(buf);
		if (!ok && token[0] != '\0') {
			rc = client_usage_error(c, "the token is longer than %d bytes",
						TRIAD_TOKEN_MAX);
			goto out;
		}
		if (token[0] == '\0') {
			rc = client_usage_error(c, "no token given: paste it when asked, pipe it "
						   "in, or use --token TOKEN");
			goto out;
		}
	}
	if (!credentials_token_ok(token, why, sizeof why)) {
		rc = client_usage_error(c, "%s", why);
		goto out;
	}
	if (!client_open_session(c, token, &err)) {
		rc = token_refused(c, &err);
		goto out;
	}
	rc = whoami_fetch(c, &resp);
	if (rc != TRIAD_EXIT_OK)
		goto out;
	if (!credentials_store(path, token, why, sizeof why)) {
		fprintf(c->err, "%s: cannot store the token: %s\n", c->path, why);
		rc = TRIAD_EXIT_SERVER;
		goto out;
	}
	rc = print_signed_in(c, resp->who_am_i, path);
	note_env_token(c);
out:
	rpc_response_free(resp);
	explicit_bzero(buf, sizeof buf);
	return rc;
}

/*
 * The welcome after redeeming an invite. w, from a WhoAmI with the new
 * token, may be NULL; it only supplies the institution's slug.
 */
static TriadExit
print_welcome(Client *c, const Triad__V1__RedeemInviteReply *r, const Triad__V1__WhoAmIReply *w,
	      const char *path)
{
	static const Triad__V1__Grant no_grant = TRIAD__V1__GRANT__INIT;
	static const Triad__V1__Principal no_principal = TRIAD__V1__PRINCIPAL__INIT;
	static const Triad__V1__Token no_token = TRIAD__V1__TOKEN__INIT;
	const Triad__V1__Grant *g = r->grant != NULL ? r->grant : &no_grant;
	const Triad__V1__Principal *p = r->principal != NULL ? r->principal : &no_principal;
	const Triad__V1__Token *info = r->token_info != NULL ? r->token_info : &no_token;
	const char *institution = slug_of(w, g->institution_id);
	char phrase[32], addr[RPC_HOST_MAX + 32];
	RoleBuf b;

	if (c->format != PRINT_TEXT) {
		static const char *const headers[] = {"name", "role", "title", "institution",
						      "institution_id", "organisation_id",
						      "principal_id", "token_id", "credentials"};
		const char *cells[] = {
			p->name, names_show(&names_role, g->role, b.role, sizeof b.role),
			names_show(&names_title, g->title, b.title, sizeof b.title), institution,
			g->institution_id, g->organisation_id, p->id, info->id, path,
		};

		return resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	}
	addr_words(c, addr, sizeof addr);
	fputs("Welcome, ", c->out);
	print_sanitized(c->out, p->name);
	fputs(". You are signed in as ", c->out);
	print_sanitized(c->out, names_role_phrase(g->role, g->title, phrase, sizeof phrase));
	if (institution != NULL && institution[0] != '\0') {
		fputs(" at ", c->out);
		print_sanitized(c->out, institution);
	}
	fputs(".\nYour token is stored in ", c->out);
	print_sanitized(c->out, path);
	fputs(".\n\nWhat to try next:\n", c->out);
	fprintf(c->out, "  triad whoami%s   who you are and what you may do\n", addr);
	fprintf(c->out, "  triad me%s       your enrollments, coaches and what waits for you\n",
		addr);
	fprintf(c->out, "  triad --help%s   everything triad can do\n", addr);
	if (addr[0] != '\0') {
		fputs("Set TRIAD_ADDR=", c->out);
		print_sanitized(c->out, client_addr(c));
		fputs(" in your environment to leave out --addr.\n", c->out);
	}
	return TRIAD_EXIT_OK;
}

/*
 * WhoAmI on a new session with token, reporting nothing: the answer only
 * improves the welcome (the institution's slug instead of its id), so a
 * failure is not worth a message. NULL when it fails.
 */
static Triad__V1__Response *
whoami_quietly(Client *c, const char *token)
{
	Triad__V1__WhoAmIRequest who = TRIAD__V1__WHO_AM_IREQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp;
	RpcError err;

	if (!client_open_session(c, token, &err))
		return NULL;
	req.institution = (char *)client_institution(c);
	req.body_case = TRIAD__V1__REQUEST__BODY_WHO_AM_I;
	req.who_am_i = &who;
	if (!rpc_call(c->session, &req, &resp, &err))
		return NULL;
	if (resp->body_case != TRIAD__V1__RESPONSE__BODY_WHO_AM_I) {
		rpc_response_free(resp);
		return NULL;
	}
	return resp;
}

/*
 * Sends req, a request that needs no session, first on a connection of
 * its own, and reads the answer. False when the connection could not be
 * made (err says why); true otherwise, with *resp the answer, or NULL when
 * the request failed (err says why).
 */
static bool
public_call(Client *c, const char *addr, Triad__V1__Request *req, Triad__V1__Response **resp,
	    RpcError *err)
{
	RpcSession *s;

	*resp = NULL;
	if (!rpc_connect(addr, c->timeout_ms, &s, err))
		return false;
	if (!rpc_call(s, req, resp, err))
		*resp = NULL;
	rpc_session_free(s);
	return true;
}

/*
 * Stores token, just made by the server for what (an invite, a code), in
 * path. When that fails the token is printed, since it is not shown again.
 */
static bool
store_new_token(Client *c, const char *path, const char *token, const char *what)
{
	char why[512];

	if (credentials_store(path, token, why, sizeof why))
		return true;
	fprintf(c->err, "%s: the %s worked, but the new token cannot be stored: %s.\n"
		"This is the token; it is not shown again. Keep it safe, and once the "
		"problem is fixed run 'triad login' and paste it:\n", c->path, what, why);
	print_sanitized(c->err, token);
	putc('\n', c->err);
	return false;
}

static int
login_with_invite(Client *c, const char *path, const char *code, const char *label)
{
	Triad__V1__RedeemInviteRequest redeem = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL, *who = NULL;
	const Triad__V1__RedeemInviteReply *reply;
	char host[HOST_NAME_MAX + 1];
	const char *addr = client_addr(c);
	RpcError err;
	TriadExit rc;

	if (addr == NULL)
		return client_out_of_memory(c);
	if (label == NULL && gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		label = host;
	}
	redeem.code = (char *)code;
	if (label != NULL)
		redeem.token_label = (char *)label;
	req.institution = (char *)client_institution(c);
	req.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	req.redeem_invite = &redeem;

	/* No Hello: the code is the credential, and it opens no session. */
	if (!public_call(c, addr, &req, &resp, &err))
		return client_report(c, &err);
	if (resp == NULL) {
		bool status = err.kind == RPC_ERR_STATUS || err.kind == RPC_ERR_SERVER_CLOSED;
		bool malformed = status && err.code == TRIAD__V1__CODE__CODE_INVALID_ARGUMENT &&
				 strcmp(err.field, "redeem_invite.code") == 0;

		if (malformed || (status && err.code == TRIAD__V1__CODE__CODE_NOT_FOUND)) {
			fprintf(c->err, "%s: This invite code is not valid. Check it, or ask for "
				"a new invite.\n", c->path);
			if (malformed && err.message[0] != '\0') {
				fprintf(c->err, "%s: (the server says: ", c->path);
				print_sanitized(c->err, err.message);
				fputs(")\n", c->err);
			}
			/* A code that is not one in form is a usage mistake, as everywhere. */
			return malformed ? TRIAD_EXIT_USAGE : TRIAD_EXIT_SERVER;
		}
		return client_report(c, &err);
	}
	if (resp->body_case != TRIAD__V1__RESPONSE__BODY_REDEEM_INVITE ||
	    resp->redeem_invite->token[0] == '\0') {
		rpc_response_free(resp);
		return client_bad_answer(c);
	}
	reply = resp->redeem_invite;
	if (!store_new_token(c, path, reply->token, "invite")) {
		rpc_response_free(resp);
		return TRIAD_EXIT_SERVER;
	}

	who = whoami_quietly(c, reply->token);
	rc = print_welcome(c, reply, who != NULL ? who->who_am_i : NULL, path);
	note_env_token(c);
	rpc_response_free(who);
	rpc_response_free(resp);
	return rc;
}

/* ---- login --email ------------------------------------------------------------ */

#define SIGNIN_CODE_MAX 64

/*
 * Exchanges email and code for a token, stores it and says who signed in.
 * A code that does not work is exit 4, as a refused token is.
 */
static int
login_with_code(Client *c, const char *path, const char *email, const char *code,
		const char *label)
{
	Triad__V1__SignInWithCodeRequest sign_in = TRIAD__V1__SIGN_IN_WITH_CODE_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL, *who = NULL;
	const Triad__V1__SignInWithCodeReply *reply;
	char host[HOST_NAME_MAX + 1];
	const char *addr = client_addr(c);
	RpcError err;
	TriadExit rc;

	if (addr == NULL)
		return client_out_of_memory(c);
	if (label == NULL && gethostname(host, sizeof host) == 0) {
		host[sizeof host - 1] = '\0';
		label = host;
	}
	sign_in.email = (char *)email;
	sign_in.code = (char *)code;
	if (label != NULL)
		sign_in.token_label = (char *)label;
	req.body_case = TRIAD__V1__REQUEST__BODY_SIGN_IN_WITH_CODE;
	req.sign_in_with_code = &sign_in;

	if (!public_call(c, addr, &req, &resp, &err))
		return client_report(c, &err);
	if (resp == NULL) {
		if ((err.kind == RPC_ERR_STATUS || err.kind == RPC_ERR_SERVER_CLOSED) &&
		    err.code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED) {
			fprintf(c->err, "%s: the server did not accept this code: ", c->path);
			print_sanitized(c->err, err.message);
			putc('\n', c->err);
			return TRIAD_EXIT_AUTH;
		}
		return client_report(c, &err);
	}
	if (resp->body_case != TRIAD__V1__RESPONSE__BODY_SIGN_IN_WITH_CODE ||
	    resp->sign_in_with_code->token[0] == '\0') {
		rpc_response_free(resp);
		return client_bad_answer(c);
	}
	reply = resp->sign_in_with_code;
	if (!store_new_token(c, path, reply->token, "code")) {
		rpc_response_free(resp);
		return TRIAD_EXIT_SERVER;
	}
	who = whoami_quietly(c, reply->token);
	if (who != NULL) {
		rc = print_signed_in(c, who->who_am_i, path);
	} else if (c->format != PRINT_TEXT) {
		static const char *const headers[] = {"name", "principal_id", "token_id",
						      "credentials"};
		const char *cells[] = {reply->principal != NULL ? reply->principal->name : "",
				       reply->principal != NULL ? reply->principal->id : "",
				       reply->token_info != NULL ? reply->token_info->id : "", path};
		rc = resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	} else {
		fputs("Signed in as ", c->out);
		print_sanitized(c->out, reply->principal != NULL ? reply->principal->name : "");
		fputs(".\nThe token is stored in ", c->out);
		print_sanitized(c->out, path);
		fputs(".\n", c->out);
		rc = TRIAD_EXIT_OK;
	}
	note_env_token(c);
	rpc_response_free(who);
	rpc_response_free(resp);
	return rc;
}

/*
 * Asks for a sign-in code for email. The answer is the same whether or not
 * the address is anyone's. On a terminal the code is then asked for and
 * used at once; otherwise the command to use it is printed.
 */
static int
login_with_email(Client *c, const char *path, const char *email, const char *label)
{
	Triad__V1__StartEmailSignInRequest start = TRIAD__V1__START_EMAIL_SIGN_IN_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	char addr_hint[RPC_HOST_MAX + 32], next[1024], q[512], code[SIGNIN_CODE_MAX + 2];
	const char *addr = client_addr(c);
	int32_t minutes;
	RpcError err;
	TriadExit rc;

	if (addr == NULL)
		return client_out_of_memory(c);
	start.email = (char *)email;
	req.body_case = TRIAD__V1__REQUEST__BODY_START_EMAIL_SIGN_IN;
	req.start_email_sign_in = &start;
	if (!public_call(c, addr, &req, &resp, &err))
		return client_report(c, &err);
	if (resp == NULL)
		return client_report(c, &err);
	if (resp->body_case != TRIAD__V1__RESPONSE__BODY_START_EMAIL_SIGN_IN) {
		rpc_response_free(resp);
		return client_bad_answer(c);
	}
	minutes = resp->start_email_sign_in->expires_in_seconds / 60;
	rpc_response_free(resp);

	addr_words(c, addr_hint, sizeof addr_hint);
	snprintf(next, sizeof next, "triad login%s --email %s --code CODE", addr_hint,
		 print_shell_word(email, q, sizeof q));
	if (c->format != PRINT_TEXT) {
		static const char *const headers[] = {"email", "expires_in_minutes", "command"};
		char mins[16];
		const char *cells[] = {email, resource_u64((uint64_t)minutes, mins, sizeof mins), next};
		return resource_print_record(c, sizeof headers / sizeof headers[0], headers, cells);
	}
	fputs("If ", c->out);
	print_sanitized(c->out, email);
	fprintf(c->out, " belongs to someone who can sign in here, a sign-in code is\n"
		"on its way to that address. It works once, for %d minutes.\n", (int)minutes);
	if (!isatty(fileno(c->in))) {
		fputs("Then sign in with it:\n\n  ", c->out);
		print_sanitized(c->out, next);
		fputs("\n", c->out);
		return TRIAD_EXIT_OK;
	}
	fflush(c->out);
	bool ok = read_line_quietly(c, "Code from the e-mail: ", code, sizeof code);
	char *typed = trim(code);
	if (!ok || typed[0] == '\0') {
		rc = client_usage_error(c, "no code given; when it arrives, run: %s", next);
		explicit_bzero(code, sizeof code);
		return rc;
	}
	rc = login_with_code(c, path, email, typed, label);
	explicit_bzero(code, sizeof code);
	return rc;
}

static int
login_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *invite = cli_args_value(args, "invite");
	const char *token = cli_args_value(args, "token");
	const char *label = cli_args_value(args, "label");
	const char *email = cli_args_value(args, "email");
	const char *code = cli_args_value(args, "code");
	char path[PATH_MAX], why[1024];

	if (token == NULL)
		token = c->token_flag; /* `triad --token T login` */
	if (invite != NULL && token != NULL)
		return client_usage_error(c, "--invite and --token cannot be used together");
	if (email != NULL && (invite != NULL || token != NULL))
		return client_usage_error(c, "--email cannot be used with --invite or --token");
	if (code != NULL && email == NULL)
		return client_usage_error(c, "--code is used with --email: the address the code "
					     "was sent to");
	if (label != NULL && invite == NULL && email == NULL)
		return client_usage_error(c, "--label is used only with --invite or --email");
	if (invite != NULL && invite[0] == '\0')
		return client_usage_error(c, "--invite needs the code from your invitation");
	if (email != NULL && strchr(email, '@') == NULL)
		return client_usage_error(c, "--email needs your e-mail address, such as "
					     "name@example.org");
	if (code != NULL && (code[0] == '\0' || strlen(code) > SIGNIN_CODE_MAX))
		return client_usage_error(c, "--code needs the code from the e-mail, such as "
					     "K7QD-9XRM-2HTW");
	if (!credentials_path(path, sizeof path)) {
		fprintf(c->err, "%s: cannot tell where to keep the token: set HOME or "
			"XDG_CONFIG_HOME\n", c->path);
		return TRIAD_EXIT_SERVER;
	}
	if (!credentials_check(path, why, sizeof why)) {
		fprintf(c->err, "%s: will not store a token: %s.\n", c->path, why);
		return TRIAD_EXIT_SERVER;
	}
	if (invite != NULL)
		return login_with_invite(c, path, invite, label);
	if (email != NULL && code != NULL)
		return login_with_code(c, path, email, code, label);
	if (email != NULL)
		return login_with_email(c, path, email, label);
	return login_with_token(c, path, token);
}

static const CliOption login_options[] = {
	{"token", 0, "TOKEN", "the API token to sign in with (default: ask for it)"},
	{"invite", 0, "CODE", "sign in with the one-time code of an invitation"},
	{"email", 0, "ADDRESS", "sign in with a one-time code sent to this address"},
	{"code", 0, "CODE", "with --email: the code from the e-mail"},
	{"label", 0, "LABEL", "with --invite or --email: name of the new token (default: host "
			      "name)"},
	{NULL, 0, NULL, NULL},
};

const Command cmd_login = {
	.name = "login",
	.summary = "Sign in with an API token, an invite code or a code sent by e-mail",
	.usage = "[--token TOKEN] | --invite CODE [--label LABEL] | "
		 "--email ADDRESS [--code CODE] [--label LABEL]",
	.description =
		"Without --token the token is asked for (the echo is off while you paste\n"
		"it), or read from stdin when that is not a terminal. It is checked with\n"
		"the server and then stored in $XDG_CONFIG_HOME/triad/credentials or\n"
		"~/.config/triad/credentials, a file only you can read; later commands\n"
		"use it unless --token or TRIAD_TOKEN is given.\n"
		"\n"
		"With --invite the code from an invitation is exchanged for a token of your\n"
		"own, which is stored the same way. A code works once.\n"
		"\n"
		"With --email, on a new computer, a one-time code is sent to your e-mail\n"
		"address; on a terminal it is asked for at once, otherwise give it with\n"
		"--code in a second run. A code works once, for 15 minutes, and only the\n"
		"newest one you asked for. Whether the address is known is never said.\n"
		"This works once you have signed in before, by an invitation or a grant.\n"
		"\n"
		"A token is not stored in a file or directory that others can read or\n"
		"change; the message says which chmod fixes that.\n",
	.options = login_options,
	.handler = login_run,
};

/* ---- logout ------------------------------------------------------------------ */

/*
 * Revokes token on the server (SignOut). TRIAD_EXIT_OK when it is revoked
 * now or was no longer valid (*dead says which); anything else has been
 * reported, with the exit code returned.
 */
static TriadExit
sign_out(Client *c, const char *token, bool *dead)
{
	Triad__V1__SignOutRequest m = TRIAD__V1__SIGN_OUT_REQUEST__INIT;
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	RpcError err;
	bool ok;

	*dead = false;
	ok = client_open_session(c, token, &err);
	if (ok) {
		req.body_case = TRIAD__V1__REQUEST__BODY_SIGN_OUT;
		req.sign_out = &m;
		ok = rpc_call(c->session, &req, &resp, &err);
	}
	client_close_session(c);
	if (ok && resp->body_case != TRIAD__V1__RESPONSE__BODY_TOKEN) {
		rpc_response_free(resp);
		return client_bad_answer(c);
	}
	rpc_response_free(resp);
	if (ok)
		return TRIAD_EXIT_OK;
	/* A token the server no longer takes is already as good as revoked. */
	if ((err.kind == RPC_ERR_STATUS || err.kind == RPC_ERR_SERVER_CLOSED) &&
	    err.code == TRIAD__V1__CODE__CODE_UNAUTHENTICATED) {
		*dead = true;
		return TRIAD_EXIT_OK;
	}
	return client_report(c, &err);
}

/*
 * Signs out the token in use (--token, TRIAD_TOKEN or the stored one): the
 * server revokes it, and the stored credentials go when they hold it. When
 * the server cannot be reached the file is kept, so that nothing pretends
 * a token is gone while it still works.
 */
static int
logout_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *env = getenv("TRIAD_TOKEN"), *token;
	char path[PATH_MAX], why[1024], *stored = NULL;
	bool removed = false, dead, file;
	TriadExit rc;

	(void)cmd;
	(void)args;
	file = credentials_path(path, sizeof path);
	if (file && !credentials_read(path, c->err, &stored, why, sizeof why)) {
		fprintf(c->err, "%s: %s\n", c->path, why);
		return TRIAD_EXIT_SERVER;
	}
	token = c->token_flag != NULL ? c->token_flag
		: env != NULL && env[0] != '\0' ? env
		: stored;
	if (token == NULL || token[0] == '\0') {
		fputs("You were not signed in: there is no ", c->out);
		print_sanitized(c->out, file ? path : "stored token");
		fputs(".\n", c->out);
		free(stored);
		return TRIAD_EXIT_OK;
	}
	rc = sign_out(c, token, &dead);
	if (rc != TRIAD_EXIT_OK) {
		if (stored != NULL && strcmp(stored, token) == 0)
			fprintf(c->err, "%s: the token was not revoked, so it stays stored; run "
				"'triad logout' again when the server can be reached\n", c->path);
	} else if (stored != NULL && strcmp(stored, token) == 0 &&
		   !credentials_remove(path, &removed, why, sizeof why)) {
		fprintf(c->err, "%s: %s\n", c->path, why);
		rc = TRIAD_EXIT_SERVER;
	}
	if (rc == TRIAD_EXIT_OK) {
		fputs(dead ? "Signed out: the token was no longer valid" : "Signed out: the token "
		      "is revoked", c->out);
		if (removed) {
			fputs(" and ", c->out);
			print_sanitized(c->out, path);
			fputs(" is removed", c->out);
		}
		fputs(".\n", c->out);
		if (token != stored)
			note_env_token(c);
	}
	if (stored != NULL) {
		explicit_bzero(stored, strlen(stored));
		free(stored);
	}
	return rc;
}

const Command cmd_logout = {
	.name = "logout",
	.summary = "Sign out: revoke the token and remove it",
	.description =
		"Asks the server to revoke the token in use (--token, TRIAD_TOKEN or the\n"
		"stored one), so that it no longer works anywhere, and removes the\n"
		"credentials file when it holds that token. When the server cannot be\n"
		"reached, nothing is removed: run it again later. Your other tokens stay\n"
		"valid ('triad token list', 'triad token revoke').\n",
	.handler = logout_run,
};
