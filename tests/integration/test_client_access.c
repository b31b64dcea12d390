/*
 * test_client_access.c: signing in and the access commands as people use
 * them: the real triad binary against a real daemon, each person with a
 * config directory (XDG_CONFIG_HOME) of their own.
 *
 * The operator signs in with a bootstrap token, creates an institution and
 * a person, and invites the person as workplace coach; the coach signs in
 * with the code, sees the role, and the code does not work twice; the
 * audit trail shows both. Besides: a token is not stored in a credentials
 * file others can read, and a mistyped token is exit 4.
 *
 * Names are unique per run (pid, time, counter): the test database is
 * shared and keeps what earlier runs made.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static Triadd d;
static char operator_token[128];

/* The config homes made so far, removed at the end even when a test fails. */
static char homes[16][64];
static int nhomes;

static int
setup(void **state)
{
	triadd_start(&d, NULL);
	triadd_bootstrap(operator_token, sizeof operator_token);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	for (int i = 0; i < nhomes; i++) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", homes[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", homes[i]);
	}
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/* A fresh, private config home; *dir holds 64 bytes. */
static void
make_home(char *dir)
{
	assert_true(nhomes < (int)(sizeof homes / sizeof homes[0]));
	snprintf(dir, 64, "/tmp/triad-home-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(homes[nhomes++], sizeof homes[0], "%s", dir);
}

/*
 * Runs `triad ARGS` as the person whose config home is home, against the
 * test daemon, with stdin empty and stderr in out; returns the exit code.
 */
static int
triad_as(const char *home, const char *args, char *out, size_t size)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_TOKEN -u TRIAD_INSTITUTION XDG_CONFIG_HOME='%s' TRIAD_ADDR=%s "
		 "'%s' %s </dev/null 2>&1", home, d.addr, env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

static char *
slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
test_invite_round_trip(void **state)
{
	char op[64], coach[64], other[64], path[128], out[16384], args[1024];
	char slug[64], email[128], person[128], code[256], want[512], buf[512];

	make_home(op);
	make_home(coach);
	make_home(other);

	/* The operator signs in with the bootstrap token. */
	snprintf(args, sizeof args, "login --token '%s'", operator_token);
	assert_int_equal(triad_as(op, args, out, sizeof out), 0);
	assert_non_null(strstr(out, "Signed in as "));
	assert_non_null(strstr(out, "operator"));

	test_unique(slug, sizeof slug, "t");
	snprintf(args, sizeof args, "institution create %s 'Test institution %s'", slug, slug);
	if (triad_as(op, args, out, sizeof out) != 0)
		fail_msg("institution create: %s", out);
	assert_non_null(strstr(out, slug));

	test_unique(email, sizeof email, "coach-");
	strcat(email, "@example.org");
	snprintf(args, sizeof args,
		 "--institution %s --json person create --name 'Coach %s' --email %s", slug, slug,
		 email);
	if (triad_as(op, args, out, sizeof out) != 0)
		fail_msg("person create: %s", out);
	json_string(out, "id", person, sizeof person);

	snprintf(args, sizeof args,
		 "--institution %s --json invite create %s --role workplace-coach", slug, person);
	if (triad_as(op, args, out, sizeof out) != 0)
		fail_msg("invite create: %s", out);
	json_string(out, "code", code, sizeof code);
	snprintf(want, sizeof want, "triad login --invite %s", code);
	assert_non_null(strstr(out, want));

	/* The coach signs in with the code alone. */
	snprintf(args, sizeof args, "login --invite '%s'", code);
	if (triad_as(coach, args, out, sizeof out) != 0)
		fail_msg("login --invite: %s", out);
	assert_non_null(strstr(out, "Welcome, Coach "));
	snprintf(want, sizeof want, "You are signed in as workplace coach at %s.", slug);
	assert_non_null(strstr(out, want));
	snprintf(path, sizeof path, "%s/triad", coach);
	assert_int_equal(mode_of(path), 0700);
	strcat(path, "/credentials");
	assert_int_equal(mode_of(path), 0600);
	assert_non_null(slurp(path, buf, sizeof buf));
	assert_true(strncmp(buf, "trd_", 4) == 0);

	assert_int_equal(triad_as(coach, "whoami --json", out, sizeof out), 0);
	assert_non_null(strstr(out, "\"role\":\"workplace-coach\""));
	snprintf(want, sizeof want, "\"institution\":\"%s\"", slug);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "\"email\":\"%s\"", email);
	assert_non_null(strstr(out, want));

	/* A code works once. */
	snprintf(args, sizeof args, "login --invite '%s'", code);
	assert_int_equal(triad_as(other, args, out, sizeof out), 1);
	snprintf(path, sizeof path, "%s/triad/credentials", other);
	assert_null(slurp(path, buf, sizeof buf));
	/* Well formed but never issued, and not even well formed. */
	assert_int_equal(triad_as(other, "login --invite "
				  "inv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", out, sizeof out), 1);
	assert_non_null(strstr(out, "This invite code is not valid. Check it, or ask for a new "
				    "invite."));
	assert_int_equal(triad_as(other, "login --invite inv_typo", out, sizeof out), 2);
	assert_non_null(strstr(out, "This invite code is not valid."));

	/* The audit trail has both. */
	snprintf(args, sizeof args, "--institution %s --json audit list", slug);
	if (triad_as(op, args, out, sizeof out) != 0)
		fail_msg("audit list: %s", out);
	assert_non_null(strstr(out, "\"action\":\"invite.create\""));
	assert_non_null(strstr(out, "\"action\":\"invite.redeem\""));

	/* Signed out, the coach is refused. */
	assert_int_equal(triad_as(coach, "logout", out, sizeof out), 0);
	assert_int_equal(triad_as(coach, "whoami", out, sizeof out), 4);

}

static void
test_login_refuses_open_credentials(void **state)
{
	char home[64], dir[128], path[160], out[4096], args[512], buf[256], want[256];
	FILE *f;

	make_home(home);
	snprintf(dir, sizeof dir, "%s/triad", home);
	snprintf(path, sizeof path, "%s/credentials", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("trd_old\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);

	snprintf(args, sizeof args, "login --token '%s'", operator_token);
	assert_int_equal(triad_as(home, args, out, sizeof out), 1);
	snprintf(want, sizeof want, "chmod 600 %s", path);
	assert_non_null(strstr(out, want));
	assert_string_equal(slurp(path, buf, sizeof buf), "trd_old\n");
	assert_int_equal(mode_of(path), 0644);

	/* Fixed as told, it works. */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(triad_as(home, args, out, sizeof out), 0);
	assert_string_equal(strchr(slurp(path, buf, sizeof buf), '\n'), "\n");
	assert_true(strncmp(buf, operator_token, strlen(operator_token)) == 0);
}

static void
test_mistyped_token(void **state)
{
	char home[64], path[128], out[4096], args[512], typo[128], buf[64];

	make_home(home);
	snprintf(typo, sizeof typo, "%s", operator_token);
	typo[strlen(typo) - 1] = typo[strlen(typo) - 1] == 'x' ? 'y' : 'x';

	snprintf(args, sizeof args, "login --token '%s'", typo);
	assert_int_equal(triad_as(home, args, out, sizeof out), 4);
	assert_non_null(strstr(out, "did not accept this token"));
	snprintf(path, sizeof path, "%s/triad/credentials", home);
	assert_null(slurp(path, buf, sizeof buf));

	snprintf(args, sizeof args, "--token '%s' whoami", typo);
	assert_int_equal(triad_as(home, args, out, sizeof out), 4);
	assert_int_equal(triad_as(home, "--token '' whoami", out, sizeof out), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_round_trip),
		cmocka_unit_test(test_login_refuses_open_credentials),
		cmocka_unit_test(test_mistyped_token),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
