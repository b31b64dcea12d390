/*
 * Unit tests for client/cli.c and the command-line half of client/client.c:
 * option parsing, command lookup and suggestions, value parsing, the
 * dispatcher's messages and exit codes, and the credentials file
 * (client/credentials.c): reading it, and refusing to store a token where
 * others could read it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"

/* ---- option parsing --------------------------------------------------- */

static const CliOption own_options[] = {
	{"db", 0, NULL, "flag"},
	{"count", 'c', "N", "value"},
	{"verbose", 'v', NULL, "flag"},
	{NULL, 0, NULL, NULL},
};

static bool
parse(CliArgs *a, bool stop, char *err, size_t errlen, int argc, ...)
{
	const CliOption *tables[] = {own_options, client_global_options};
	char *argv[16];
	va_list ap;

	assert_true(argc <= 16);
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	return cli_args_parse(a, argc, argv, tables, 2, stop, err, errlen);
}

static void
test_parse_forms(void **state)
{
	CliArgs a;
	char err[256];

	(void)state;
	assert_true(parse(&a, false, err, sizeof err, 9, "--db", "P1", "--count", "3",
			  "--count=4", "-c5", "-vc", "6", "P2"));
	assert_true(cli_args_has(&a, "db"));
	assert_true(cli_args_has(&a, "verbose"));
	assert_false(cli_args_has(&a, "json"));
	assert_string_equal(cli_args_value(&a, "count"), "6"); /* the last one wins */
	assert_null(cli_args_value(&a, "db"));
	assert_int_equal(a.n_pos, 2);
	assert_string_equal(a.pos[0], "P1");
	assert_string_equal(a.pos[1], "P2");
	assert_int_equal(a.n_matches, 6);
	cli_args_free(&a);

	/* "--" ends the options; "-" alone is an argument. */
	assert_true(parse(&a, false, err, sizeof err, 4, "-", "--", "--db", "-c"));
	assert_false(cli_args_has(&a, "db"));
	assert_int_equal(a.n_pos, 3);
	assert_string_equal(a.pos[0], "-");
	assert_string_equal(a.pos[1], "--db");
	assert_string_equal(a.pos[2], "-c");
	cli_args_free(&a);

	/* An option value may itself start with a dash. */
	assert_true(parse(&a, false, err, sizeof err, 2, "--token", "-x-"));
	assert_string_equal(cli_args_value(&a, "token"), "-x-");
	cli_args_free(&a);

	assert_true(parse(&a, false, err, sizeof err, 1, "--count="));
	assert_string_equal(cli_args_value(&a, "count"), "");
	cli_args_free(&a);

	assert_true(parse(&a, false, err, sizeof err, 0));
	assert_int_equal(a.n_pos, 0);
	assert_int_equal(a.n_matches, 0);
	cli_args_free(&a);
	cli_args_free(&a);
}

static void
test_parse_stop_at_command(void **state)
{
	CliArgs a;
	char err[256];

	(void)state;
	assert_true(parse(&a, true, err, sizeof err, 5, "--json", "--addr", "h:1", "ping",
			  "--db"));
	assert_true(cli_args_has(&a, "json"));
	assert_string_equal(cli_args_value(&a, "addr"), "h:1");
	assert_false(cli_args_has(&a, "db"));
	assert_int_equal(a.n_pos, 1);
	assert_string_equal(a.pos[0], "ping");
	assert_int_equal(a.consumed, 3);
	cli_args_free(&a);
}

static void
expect_parse_error(const char *want, int argc, char *a0, char *a1)
{
	CliArgs a;
	char err[256];

	assert_false(parse(&a, false, err, sizeof err, argc, a0, a1));
	assert_string_equal(err, want);
	assert_null(a.matches);
	assert_null(a.pos);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("unknown option '--cuont'. Did you mean '--count'?", 1, "--cuont",
			   NULL);
	expect_parse_error("unknown option '--jsno'. Did you mean '--json'?", 1, "--jsno", NULL);
	expect_parse_error("unknown option '--frobnicate'", 1, "--frobnicate", NULL);
	expect_parse_error("unknown option '-x'", 1, "-x", NULL);
	expect_parse_error("unknown option '-x'", 1, "-vx", NULL);
	expect_parse_error("option '--count' needs a value (N)", 1, "--count", NULL);
	expect_parse_error("option '-c' needs a value (N)", 1, "-c", NULL);
	expect_parse_error("option '--db' does not take a value", 1, "--db=yes", NULL);
	expect_parse_error("option '--addr' needs a value (HOST:PORT)", 2, "x", "--addr");
}

/* ---- lookup and suggestions ------------------------------------------- */

static const Command *const table[] = {&cmd_ping, &cmd_version, &cmd_help, &cmd_login, NULL};

static void
test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(cli_edit_distance("ping", "ping"), 0);
	assert_int_equal(cli_edit_distance("pnig", "ping"), 1); /* swap */
	assert_int_equal(cli_edit_distance("pin", "ping"), 1);
	assert_int_equal(cli_edit_distance("pingg", "ping"), 1);
	assert_int_equal(cli_edit_distance("pong", "ping"), 1);
	assert_int_equal(cli_edit_distance("PING", "ping"), 0);
	assert_int_equal(cli_edit_distance("", "help"), 4);
	assert_int_equal(cli_edit_distance("kitten", "sitting"), 3);
}

static void
test_find_and_suggest(void **state)
{
	(void)state;
	assert_ptr_equal(cli_find(table, "ping"), &cmd_ping);
	assert_ptr_equal(cli_find(table, "help"), &cmd_help);
	assert_null(cli_find(table, "pin"));
	assert_null(cli_find(table, "PING"));
	assert_null(cli_find(NULL, "ping"));

	assert_ptr_equal(cli_suggest(table, "pnig"), &cmd_ping);
	assert_ptr_equal(cli_suggest(table, "pign"), &cmd_ping);
	assert_ptr_equal(cli_suggest(table, "vesion"), &cmd_version);
	assert_ptr_equal(cli_suggest(table, "verison"), &cmd_version);
	assert_ptr_equal(cli_suggest(table, "hlep"), &cmd_help);
	assert_null(cli_suggest(table, "programme"));
	assert_null(cli_suggest(table, "x"));
	assert_null(cli_suggest(table, ""));
}

/* ---- values ----------------------------------------------------------- */

static void
test_parse_values(void **state)
{
	unsigned long n = 0;
	int ms = 0;

	(void)state;
	assert_true(cli_parse_ulong("1", 1, 10, &n));
	assert_int_equal(n, 1);
	assert_true(cli_parse_ulong("10", 1, 10, &n));
	assert_int_equal(n, 10);
	assert_false(cli_parse_ulong("0", 1, 10, &n));
	assert_false(cli_parse_ulong("11", 1, 10, &n));
	assert_false(cli_parse_ulong("7", 0, 5, &n));
	assert_false(cli_parse_ulong("", 0, 10, &n));
	assert_false(cli_parse_ulong("-1", 0, 10, &n));
	assert_false(cli_parse_ulong("+1", 0, 10, &n));
	assert_false(cli_parse_ulong(" 1", 0, 10, &n));
	assert_false(cli_parse_ulong("1x", 0, 10, &n));
	assert_false(cli_parse_ulong("99999999999999999999999", 0, ULONG_MAX, &n));

	assert_true(cli_parse_seconds("5", &ms));
	assert_int_equal(ms, 5000);
	assert_true(cli_parse_seconds("0.25", &ms));
	assert_int_equal(ms, 250);
	assert_true(cli_parse_seconds("0.0001", &ms));
	assert_int_equal(ms, 1);
	assert_true(cli_parse_seconds("86400", &ms));
	assert_false(cli_parse_seconds("0", &ms));
	assert_false(cli_parse_seconds("-1", &ms));
	assert_false(cli_parse_seconds("86401", &ms));
	assert_false(cli_parse_seconds("abc", &ms));
	assert_false(cli_parse_seconds("5s", &ms));
	assert_false(cli_parse_seconds(" 5", &ms));
	assert_false(cli_parse_seconds("nan", &ms));
	assert_false(cli_parse_seconds("inf", &ms));
	assert_false(cli_parse_seconds("", &ms));
}

/* ---- the dispatcher --------------------------------------------------- */

static const Command root = {
	.name = "triad",
	.summary = "test root",
	.options = client_global_options,
	.subcommands = table,
};

typedef struct Run {
	int rc;
	char *out;
	char *err;
} Run;

/* Run a command line (without the program name) and capture its output. */
static Run
run(int argc, ...)
{
	char *argv[16] = {(char *)"triad"};
	size_t olen = 0, elen = 0;
	Run r = {0};
	FILE *out = open_memstream(&r.out, &olen), *err = open_memstream(&r.err, &elen);
	Client *c;
	va_list ap;

	assert_true(argc < 16);
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i + 1] = va_arg(ap, char *);
	va_end(ap);
	c = client_new(&root, out, err);
	assert_non_null(c);
	r.rc = client_run(c, argc + 1, argv);
	client_free(c);
	fclose(out);
	fclose(err);
	return r;
}

static void
run_free(Run *r)
{
	free(r->out);
	free(r->err);
}

static void
test_unknown_command(void **state)
{
	Run r;

	(void)state;
	r = run(1, "pnig");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad: 'pnig' is not a triad command. Did you mean 'ping'?\n");
	assert_string_equal(r.out, "");
	run_free(&r);

	r = run(1, "frobnicate");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err,
			    "triad: 'frobnicate' is not a triad command. See 'triad --help'.\n");
	run_free(&r);

	r = run(2, "help", "vesrion");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err,
			    "triad: 'vesrion' is not a triad command. Did you mean 'version'?\n");
	run_free(&r);

	r = run(3, "help", "ping", "extra");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad help: 'triad ping' has no subcommands\n");
	run_free(&r);
}

static void
test_help_everywhere(void **state)
{
	Run a, b, c, d;

	(void)state;
	a = run(2, "ping", "--help");
	b = run(2, "help", "ping");
	c = run(2, "ping", "-h");
	d = run(4, "--json", "ping", "--count=2", "--help");
	assert_int_equal(a.rc, 0);
	assert_int_equal(b.rc, 0);
	assert_string_equal(a.out, b.out);
	assert_string_equal(a.out, c.out);
	assert_string_equal(a.out, d.out);
	assert_non_null(strstr(a.out, "usage: triad ping [--db] [--count N]\n"));
	assert_non_null(strstr(a.out, "--count N"));
	assert_non_null(strstr(a.out, "Global options:"));
	assert_string_equal(a.err, "");
	run_free(&a);
	run_free(&b);
	run_free(&c);
	run_free(&d);

	a = run(1, "--help");
	b = run(1, "help");
	c = run(1, "-h");
	assert_int_equal(a.rc, 0);
	assert_string_equal(a.out, b.out);
	assert_string_equal(a.out, c.out);
	assert_non_null(strstr(a.out, "  ping "));
	assert_non_null(strstr(a.out, "--timeout SECONDS"));
	run_free(&a);
	run_free(&b);
	run_free(&c);

	/* No command at all is a usage error, with the help on stderr. */
	a = run(0);
	assert_int_equal(a.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(a.out, "");
	assert_non_null(strstr(a.err, "usage: triad"));
	run_free(&a);
}

static void
test_bad_arguments(void **state)
{
	Run r;

	(void)state;
	r = run(3, "ping", "--count", "0");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err,
			    "triad ping: invalid value for --count: '0' (expected a whole number "
			    "from 1 to 100000)\nusage: triad ping [--db] [--count N]\n");
	run_free(&r);

	r = run(2, "ping", "--bd");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad ping: unknown option '--bd'. Did you mean '--db'?\n"
				   "usage: triad ping [--db] [--count N]\n");
	run_free(&r);

	r = run(2, "version", "extra");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad version: unexpected argument 'extra'\n"
				   "usage: triad version [--client]\n");
	run_free(&r);

	r = run(3, "--timeout", "soon", "ping");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "triad: invalid value for --timeout: 'soon'"));
	run_free(&r);

	r = run(3, "--csv", "ping", "--json");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"--json and --csv "
				   "cannot be used together\",\"field\":\"--json\"}\n");
	run_free(&r);

	r = run(3, "--csv", "ping", "--cuont");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad ping: unknown option '--cuont'. Did you mean '--count'?\n"
				   "usage: triad ping [--db] [--count N]\n");
	run_free(&r);

	r = run(3, "--addr", "host:99999", "ping");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "triad: invalid address 'host:99999': the port must be a "
				   "number from 1 to 65535 (from --addr)\n");
	run_free(&r);
}

static void
test_version_client_only(void **state)
{
	Run r;

	(void)state;
	r = run(3, "version", "--client", "--json");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "[{\"component\":\"client\",\"version\":\"triad/" TRIAD_VERSION
				   "\",\"protocol\":1,\"address\":null}]\n");
	run_free(&r);

	/* Global options are accepted after the command too. */
	r = run(3, "version", "--csv", "--client");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "component,version,protocol,address\r\n"
				   "client,triad/" TRIAD_VERSION ",1,\r\n");
	run_free(&r);
}

/* `triad --version` answers at once, without a server. */
static void
test_version_flag(void **state)
{
	Run r;

	(void)state;
	r = run(1, "--version");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "triad " TRIAD_VERSION " (protocol 1)\n");
	assert_string_equal(r.err, "");
	run_free(&r);

	r = run(2, "--json", "--version");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "{\"component\":\"client\",\"version\":\"triad/" TRIAD_VERSION
				   "\",\"protocol\":1}\n");
	run_free(&r);
}

/*
 * With --json, every error is one JSON object on stderr, whoever found it,
 * with the exit code the rule gives (2 for every usage mistake).
 */
static void
test_json_errors(void **state)
{
	Run r;

	(void)state;
	r = run(4, "--json", "ping", "--count", "x");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"invalid value "
				   "for --count: 'x' (expected a whole number from 1 to 100000)\","
				   "\"field\":\"--count\"}\n");
	run_free(&r);

	/* Found before --json itself was read. */
	r = run(3, "--cuont", "2", "--json");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"unknown option "
				   "'--cuont'\",\"field\":\"--cuont\"}\n");
	run_free(&r);

	r = run(2, "pnig", "--json");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"'pnig' is not a "
				   "triad command. Did you mean 'ping'?\",\"field\":\"\"}\n");
	run_free(&r);

	r = run(3, "--json", "version", "extra");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"unexpected "
				   "argument 'extra'\",\"field\":\"\"}\n");
	run_free(&r);

	r = run(1, "--json");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"a command is "
				   "required; see 'triad --help'\",\"field\":\"\"}\n");
	run_free(&r);

	r = run(4, "--json", "--addr", "host:99999", "ping");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_string_equal(r.err, "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"invalid address "
				   "'host:99999': the port must be a number from 1 to 65535 (from "
				   "--addr)\",\"field\":\"--addr\"}\n");
	run_free(&r);

	/* Nothing listens on port 1: the service cannot be reached. */
	r = run(6, "--json", "--addr", "127.0.0.1:1", "--token", "t", "ping");
	assert_int_equal(r.rc, TRIAD_EXIT_UNREACHABLE);
	assert_non_null(strstr(r.err, "{\"code\":\"UNAVAILABLE\",\"message\":\""));
	assert_non_null(strstr(r.err, "\"field\":\"\"}\n"));
	assert_string_equal(strchr(r.err, '\n'), "\n");
	run_free(&r);
}

/* The exit code of each answer the server may give: one rule for scripts. */
static void
test_exit_code_rule(void **state)
{
	static const struct {
		Triad__V1__Code code;
		TriadExit exit;
	} rule[] = {
		{TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, TRIAD_EXIT_USAGE},
		{TRIAD__V1__CODE__CODE_NOT_FOUND, TRIAD_EXIT_SERVER},
		{TRIAD__V1__CODE__CODE_ALREADY_EXISTS, TRIAD_EXIT_SERVER},
		{TRIAD__V1__CODE__CODE_FAILED_PRECONDITION, TRIAD_EXIT_SERVER},
		{TRIAD__V1__CODE__CODE_RESOURCE_EXHAUSTED, TRIAD_EXIT_SERVER},
		{TRIAD__V1__CODE__CODE_INTERNAL, TRIAD_EXIT_SERVER},
		{TRIAD__V1__CODE__CODE_PERMISSION_DENIED, TRIAD_EXIT_AUTH},
		{TRIAD__V1__CODE__CODE_UNAUTHENTICATED, TRIAD_EXIT_AUTH},
		{TRIAD__V1__CODE__CODE_UNAVAILABLE, TRIAD_EXIT_UNREACHABLE},
		{TRIAD__V1__CODE__CODE_DEADLINE_EXCEEDED, TRIAD_EXIT_UNREACHABLE},
	};
	(void)state;
	for (size_t i = 0; i < sizeof rule / sizeof rule[0]; i++) {
		RpcError err = {.kind = RPC_ERR_STATUS, .code = rule[i].code};

		if (client_exit_code(&err) != rule[i].exit)
			fail_msg("%s: exit %d, want %d", rpc_code_name(rule[i].code),
				 (int)client_exit_code(&err), (int)rule[i].exit);
	}
	/* What the client finds in the command line is a usage error too. */
	RpcError addr = {.kind = RPC_ERR_ADDRESS};
	assert_int_equal(client_exit_code(&addr), TRIAD_EXIT_USAGE);
	RpcError gone = {.kind = RPC_ERR_CONNECT};
	assert_int_equal(client_exit_code(&gone), TRIAD_EXIT_UNREACHABLE);
}

static void
test_usage_field(void **state)
{
	char f[64];

	(void)state;
	client_usage_field("invalid value for --page-size: 'x'", f, sizeof f);
	assert_string_equal(f, "--page-size");
	client_usage_field("--capacity must not be empty", f, sizeof f);
	assert_string_equal(f, "--capacity");
	client_usage_field("missing argument EMAIL", f, sizeof f);
	assert_string_equal(f, "EMAIL");
	client_usage_field("either --cohort or --run is required", f, sizeof f);
	assert_string_equal(f, "--cohort");
	client_usage_field("a command is required", f, sizeof f);
	assert_string_equal(f, "");
}

/* ---- credentials ------------------------------------------------------ */

static char tmpdir[64];

static int
make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/triad-test-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
read_token(const char *path, bool want_ok, char **warnings)
{
	char *token = (char *)"untouched", err[256] = "";
	size_t len = 0;
	FILE *warn = open_memstream(warnings, &len);

	assert_int_equal(credentials_read(path, warn, &token, err, sizeof err), want_ok);
	fclose(warn);
	return token;
}

static void
test_credentials_file(void **state)
{
	char path[128], *warnings, *token, big[TRIAD_TOKEN_MAX + 16];

	(void)state;
	snprintf(path, sizeof path, "%s/credentials", tmpdir);

	write_file(path, "  tok-123 \r\nsecond line\n", 0600);
	token = read_token(path, true, &warnings);
	assert_string_equal(token, "tok-123");
	assert_string_equal(warnings, "");
	free(token);
	free(warnings);

	write_file(path, "tok-456", 0644);
	token = read_token(path, true, &warnings);
	assert_string_equal(token, "tok-456");
	assert_non_null(strstr(warnings, "can be read or changed by other users"));
	assert_non_null(strstr(warnings, "chmod 600"));
	free(token);
	free(warnings);

	write_file(path, "\n", 0600);
	token = read_token(path, true, &warnings);
	assert_string_equal(token, "");
	free(token);
	free(warnings);

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file(path, big, 0600);
	token = read_token(path, false, &warnings);
	free(warnings);

	unlink(path);
	token = read_token(path, true, &warnings);
	assert_null(token);
	assert_string_equal(warnings, "");
	free(warnings);
}

static void
test_credentials_path(void **state)
{
	char path[256];

	(void)state;
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	assert_true(credentials_path(path, sizeof path));
	assert_string_equal(path, "/cfg/triad/credentials");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/home/coach", 1);
	assert_true(credentials_path(path, sizeof path));
	assert_string_equal(path, "/home/coach/.config/triad/credentials");
	assert_false(credentials_path(path, 10));
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static char *
slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_credentials_store_fresh(void **state)
{
	char cfg[128], dir[160], path[192], err[512] = "";
	char *token, *warnings;

	(void)state;
	/* Neither $XDG_CONFIG_HOME nor its triad/ exists yet. */
	snprintf(cfg, sizeof cfg, "%s/fresh/config", tmpdir);
	snprintf(dir, sizeof dir, "%s/triad", cfg);
	snprintf(path, sizeof path, "%s/credentials", dir);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	assert_true(credentials_path(err, sizeof err));
	assert_string_equal(err, path);
	umask(022);
	assert_true(credentials_check(path, err, sizeof err));
	assert_true(credentials_store(path, "trd_first", err, sizeof err));
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(mode_of(path), 0600);
	assert_string_equal(slurp(path), "trd_first\n");

	/* Storing again replaces the token, keeping the file private. */
	assert_true(credentials_store(path, "trd_second", err, sizeof err));
	assert_int_equal(mode_of(path), 0600);
	token = read_token(path, true, &warnings);
	assert_string_equal(token, "trd_second");
	assert_string_equal(warnings, "");
	free(token);
	free(warnings);

	/* Nothing else is left in the directory (no temporary file). */
	{
		char cmd[256], out[64] = "";
		FILE *p;

		snprintf(cmd, sizeof cmd, "ls -A '%s'", dir);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(out, sizeof out, p));
		pclose(p);
		assert_string_equal(out, "credentials\n");
	}

	/* Bad tokens are refused before anything is written. */
	assert_false(credentials_store(path, "", err, sizeof err));
	assert_false(credentials_store(path, "two words", err, sizeof err));
	assert_non_null(strstr(err, "space"));
	assert_string_equal(slurp(path), "trd_second\n");

	{
		bool removed;

		assert_true(credentials_remove(path, &removed, err, sizeof err));
		assert_true(removed);
		assert_true(credentials_remove(path, &removed, err, sizeof err));
		assert_false(removed);
	}
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rmdir(cfg), 0);
	snprintf(cfg, sizeof cfg, "%s/fresh", tmpdir);
	assert_int_equal(rmdir(cfg), 0);
	unsetenv("XDG_CONFIG_HOME");
}

static void
test_credentials_store_refuses_open_files(void **state)
{
	char dir[128], path[160], err[1024] = "", want[512];
	char *token, *warnings;

	(void)state;
	snprintf(dir, sizeof dir, "%s/triad", tmpdir);
	snprintf(path, sizeof path, "%s/credentials", dir);
	assert_int_equal(mkdir(dir, 0700), 0);

	/* A file others can read: refused, unchanged, and the fix is named. */
	write_file(path, "trd_old\n", 0644);
	assert_false(credentials_check(path, err, sizeof err));
	assert_false(credentials_store(path, "trd_new", err, sizeof err));
	snprintf(want, sizeof want, "Run 'chmod 600 %s' and try again", path);
	assert_non_null(strstr(err, want));
	assert_string_equal(slurp(path), "trd_old\n");
	assert_int_equal(mode_of(path), 0644);

	/* Reading it still works, with a warning. */
	token = read_token(path, true, &warnings);
	assert_string_equal(token, "trd_old");
	assert_non_null(strstr(warnings, "can be read or changed by other users"));
	free(token);
	free(warnings);

	/* Writable by the group is as bad as readable. */
	assert_int_equal(chmod(path, 0620), 0);
	assert_false(credentials_store(path, "trd_new", err, sizeof err));
	assert_int_equal(chmod(path, 0600), 0);

	/* A directory others can list or change: refused with chmod 700. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_false(credentials_store(path, "trd_new", err, sizeof err));
	snprintf(want, sizeof want, "Run 'chmod 700 %s' and try again", dir);
	assert_non_null(strstr(err, want));
	assert_string_equal(slurp(path), "trd_old\n");

	/* Fixed as told, it works. */
	assert_int_equal(chmod(dir, 0700), 0);
	assert_true(credentials_store(path, "trd_new", err, sizeof err));
	assert_string_equal(slurp(path), "trd_new\n");

	/* A link in the file's place is not followed. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/dev/null", path), 0);
	assert_false(credentials_store(path, "trd_new", err, sizeof err));
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_login_refuses_before_connecting(void **state)
{
	char dir[128], path[160];
	Run r;

	(void)state;
	snprintf(dir, sizeof dir, "%s/triad", tmpdir);
	snprintf(path, sizeof path, "%s/credentials", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(path, "trd_old\n", 0644);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	/* Nothing listens on port 1: the refusal must come before connecting. */
	r = run(5, "--addr", "127.0.0.1:1", "login", "--token", "trd_new");
	assert_int_equal(r.rc, TRIAD_EXIT_SERVER);
	assert_non_null(strstr(r.err, "triad login: will not store a token:"));
	assert_non_null(strstr(r.err, "chmod 600"));
	assert_string_equal(r.out, "");
	assert_string_equal(slurp(path), "trd_old\n");
	run_free(&r);

	r = run(5, "--addr", "127.0.0.1:1", "login", "--invite", "inv_x");
	assert_int_equal(r.rc, TRIAD_EXIT_SERVER);
	assert_non_null(strstr(r.err, "chmod 600"));
	run_free(&r);

	r = run(4, "login", "--invite", "inv_x", "--token=t");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--invite and --token cannot be used together"));
	run_free(&r);

	r = run(3, "login", "--label", "laptop");
	assert_int_equal(r.rc, TRIAD_EXIT_USAGE);
	assert_non_null(strstr(r.err, "--label is used only with --invite"));
	run_free(&r);

	unsetenv("XDG_CONFIG_HOME");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_stop_at_command),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_find_and_suggest),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_help_everywhere),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_version_client_only),
		cmocka_unit_test(test_version_flag),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_usage_field),
		cmocka_unit_test(test_exit_code_rule),
		cmocka_unit_test(test_credentials_file),
		cmocka_unit_test(test_credentials_path),
		cmocka_unit_test(test_credentials_store_fresh),
		cmocka_unit_test(test_credentials_store_refuses_open_files),
		cmocka_unit_test(test_login_refuses_before_connecting),
	};

	/* The dispatcher reads these; the tests must not depend on the caller's. */
	unsetenv("TRIAD_ADDR");
	unsetenv("TRIAD_TOKEN");
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
