/*
 * harness.h: what the integration tests share: a real triadd started per
 * test against the PostgreSQL that tests/run.sh provides, and a small
 * blocking protocol client.
 *
 * Environment (set by tests/run.sh and ctest):
 *   TRIADD               path of the daemon binary
 *   TRIAD                path of the client binary
 *   TRIAD_TEST_DB        conninfo of the daemon's role
 *   TRIAD_TEST_OWNER_DB  conninfo of the schema owner (migrations)
 *   TRIAD_TEST_PG_STOP / TRIAD_TEST_PG_START  shell commands for outages
 *   TRIAD_TEST_PG_PSQL   shell command prefix: psql as the cluster's superuser
 *   TRIAD_TEST_TMP       where the private directory goes (optional)
 *
 * A test file runs its tests with harness_run_group_tests(), not
 * cmocka_run_group_tests(), so that a daemon's crash, failed exit or
 * sanitizer report fails a test.
 */
#ifndef TRIAD_TEST_HARNESS_H
#define TRIAD_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include <cmocka.h>

#include "triad/v1/envelope.pb-c.h"

/*
 * A daemon under test. Its config file and log live in the harness's private
 * directory (see harness_tmp_path()).
 */
typedef struct Triadd {
	pid_t pid;
	char addr[64];          /* HOST:PORT it listens on */
	char conf[256];         /* its config file (mode 0600: it holds a password) */
	char log[256];          /* its stderr and stdout */
} Triadd;

/*
 * Runs a group of tests as cmocka_run_group_tests() does, with the checks
 * that keep a daemon's trouble from passing unnoticed:
 *   - after each test, every daemon the harness started must still be
 *     running (or have been stopped by the test), and no sanitizer report may
 *     have appeared in its log; a daemon the test started and left running
 *     is stopped and must exit 0;
 *   - the group teardown runs as a last test, "group_teardown", so that its
 *     failures count (cmocka ignores a failing group teardown); after it,
 *     every daemon still running is stopped and must exit 0.
 * Unless ASAN_OPTIONS and UBSAN_OPTIONS set an exit code, the programs it
 * starts get run.sh's: 86 for ASan, 87 for UBSan.
 * setup and teardown may be NULL. Returns the number of failed tests.
 */
#define harness_run_group_tests(tests, setup, teardown) \
	harness_run_group(#tests, (tests), sizeof(tests) / sizeof((tests)[0]), (setup), (teardown))
int harness_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		      CMFixtureFunction setup, CMFixtureFunction teardown);

/*
 * A path for a file called name in this test process's private directory:
 * mode 0700, under $TRIAD_TEST_TMP (set by tests/run.sh) or $TMPDIR or /tmp,
 * and removed with everything in it when the process exits.
 */
void harness_tmp_path(char *buf, size_t size, const char *name);

/* The value of an environment variable the tests need; fails the test if unset. */
const char *env_required(const char *name);

/*
 * Starts triadd on a free loopback port with the test database and the
 * extra config lines (may be NULL), and waits until it listens.
 */
void triadd_start(Triadd *d, const char *extra_config);

/*
 * Sends sig and waits for the exit; returns the exit code (128+n on a
 * signal). Fails the test, showing the end of the log, unless the daemon
 * exits 0 within 30 s with no sanitizer report in its log.
 */
int triadd_stop(Triadd *d, int sig);

/*
 * Waits up to timeout_ms for the process to exit; returns its code or -1.
 * A sanitizer report in the log fails the test.
 */
int triadd_wait(Triadd *d, int timeout_ms);

/* True when the daemon's log contains needle. */
bool triadd_log_contains(const Triadd *d, const char *needle);

/* The address of the daemon's HTTP port (http_listen, which the harness
 * sets), from its log; false when it did not log one. */
bool triadd_http_addr(const Triadd *d, char *addr, size_t size);

/* The value of metric name in the daemon's /metrics; fails the test when
 * there is none. */
long triadd_metric(const Triadd *d, const char *name);

/* Rewrites the daemon's config file (for reload tests). */
void triadd_write_config(Triadd *d, const char *extra_config);

/* Milliseconds on the monotonic clock. */
uint64_t ms_now(void);

/*
 * A blocking connection to addr, on which the test reads and writes plain
 * frames. To a daemon that serves TLS (every daemon of the suite, unless a
 * test turns TLS off) the bytes go over TLS through a thread of the test
 * process (tlspipe.c); tc_connect_plain() skips that, for the HTTP port and
 * for sending clear text to a TLS port.
 */
int tc_connect(const char *addr);
int tc_connect_plain(const char *addr);

/*
 * tc_connect_plain() for a slow reader: the socket offers a window of a few
 * kilobytes and segments of 536 bytes, so the daemon's socket buffer, which
 * Linux sizes by the segments, holds some tens of kilobytes, not megabytes.
 * A test that does not read fills it soon.
 */
int tc_connect_plain_narrow(const char *addr);

/* fd, a TCP connection to addr, carried over TLS if the daemon serves it. */
int tc_over_tls(int fd, const char *addr);

/* The test's end of a socket pair carried over TLS on tcp (tlspipe.c). */
int tls_pipe(int tcp, const char *ca_file);

/* The directory of the suite's CA (ca.crt) and server certificate. */
const char *harness_tls_dir(void);

/* Sends raw bytes / one framed Request. */
void tc_send_raw(int fd, const void *buf, size_t len);
void tc_send(int fd, const Triad__V1__Request *req);

/*
 * Reads one Response, waiting at most timeout_ms. Returns NULL when the
 * connection closed (or timed out: *timed_out tells, if not NULL).
 */
Triad__V1__Response *tc_recv(int fd, int timeout_ms, bool *timed_out);

/*
 * Reads the answer to request id on fd (within 10 s) and fails the test
 * unless it has code, showing the server's message. The caller frees it.
 */
Triad__V1__Response *tc_expect(int fd, uint64_t id, Triad__V1__Code code);

/* True when the peer has closed the connection within timeout_ms. */
bool tc_closed(int fd, int timeout_ms);

/* An operator token for this test process (bootstrapped on first use). */
const char *test_token(void);

/* Sends a Hello with the given version and the test token. */
void tc_send_hello(int fd, uint64_t id, uint32_t version);

/* Sends a Hello (current version) with the given token. */
void tc_send_hello_token(int fd, uint64_t id, const char *token);

/* Connects and completes a Hello; returns the socket. */
int tc_session(const char *addr);

/* Sends Ping{database} with id. */
void tc_send_ping(int fd, uint64_t id, bool database);

/*
 * Runs `triadd bootstrap --force` with the owner's conninfo and returns the
 * operator token it prints (into token, which must hold 128 bytes).
 */
void triadd_bootstrap(char *token, size_t size);

/* A session for tests that speak the protocol: a socket and the next id. */
typedef struct Sess {
	int fd;
	uint64_t next_id;
} Sess;

/* Connects and opens a session with token; fails the test unless OK. */
Sess sess_open(const char *addr, const char *token);
void sess_close(Sess *s);

/*
 * Sends req (its id and institution are set here; institution may be
 * NULL) and returns the answer with the same id; fails the test when none
 * comes within 10 s. The caller frees it with rpc_free().
 */
Triad__V1__Response *rpc(Sess *s, const char *institution, Triad__V1__Request *req);
void rpc_free(Triad__V1__Response *r);

/* rpc() that insists on CODE_OK, printing the server's message if not. */
Triad__V1__Response *rpc_ok(Sess *s, const char *institution, Triad__V1__Request *req);

/*
 * Invites person (of institution inst) with role, title and organisation
 * (may be NULL), as the caller of s, and redeems the code on a fresh
 * connection to addr. Returns the new token (malloc'd).
 */
char *invite_and_redeem(Sess *s, const char *addr, const char *inst, const char *person,
			Triad__V1__Role role, Triad__V1__StaffTitle title, const char *org);

/*
 * Runs a shell command and returns its exit code; output goes to out (may be
 * NULL; what does not fit is dropped). Fails the test when the command's
 * output holds a sanitizer report, or it exits with a sanitizer's exit code
 * (tests/run.sh sets 86 for ASan and LeakSanitizer, 87 for UBSan), so that a
 * report cannot pass for one of the client's own exit codes.
 */
int run_capture(const char *cmd, char *out, size_t outsize);

/*
 * Runs the client under test, `$TRIAD ARGS`, against addr with token (NULL:
 * none), no configuration directory, empty stdin and stderr into out.
 * Returns its exit code. triad_cli_ok() insists on 0.
 */
int triad_cli(const char *addr, const char *token, const char *args, char *out, size_t size);
void triad_cli_ok(const char *addr, const char *token, const char *args, char *out,
		  size_t size);

/* --- small checks shared by the tests --- */

/*
 * A name no earlier run or other test used: STEM<pid>-<time>-<n>. The test
 * database is shared and keeps what earlier runs made.
 */
void test_unique(char *buf, size_t size, const char *stem);

/* Fails the test unless out contains want (expect_lacks: unless it does not). */
void expect_contains(const char *out, const char *want);
void expect_lacks(const char *out, const char *unwanted);

/* The string value of the first "key" in JSON output (ids, codes: no escapes). */
void json_string(const char *json, const char *key, char *buf, size_t size);

/* strdup() that fails the test when memory runs out. */
char *test_strdup(const char *s);

/*
 * Fails the test unless r has status code, and (when not NULL) exactly
 * that message and field. expect_status_free() then frees r.
 */
void expect_status(const Triad__V1__Response *r, Triad__V1__Code code, const char *message,
		   const char *field);
void expect_status_free(Triad__V1__Response *r, Triad__V1__Code code, const char *message,
			const char *field);

/*
 * Marks the number field name of m as given: one alone in its oneof (see
 * PRESENCE in access.proto) is sent, even as 0, only when it is marked.
 */
void field_give(ProtobufCMessage *m, const char *name);

/* A random version-4 UUID in text form: an id that names nothing. */
void random_uuid(char out[37]);

/*
 * Runs sql with up to three parameters (NULL ends them) as the schema
 * owner, for what the protocol cannot do: backdating, checks behind the
 * daemon's back. Returns the first cell of the first row, or for a command
 * the number of rows it touched (malloc'd), or NULL when there is none.
 */
char *owner_sql(const char *sql, const char *p1, const char *p2, const char *p3);

/* --- fixtures through the protocol; each insists on OK --- */

/* An institution named name, its unique slug made from stem into slug, made
 * by the caller of s (an operator). */
void make_institution(Sess *s, const char *stem, const char *name, char slug[64]);

/*
 * A part-time certificate programme "Metropool" (60 ECTS, 18 months) of
 * inst with code and standalone_share (0: the default), made by the caller
 * of s; returns its id (malloc'd).
 */
char *make_programme(Sess *s, const char *inst, const char *code, double standalone_share);
/* Sends the request make_programme() makes, without waiting; returns its id. */
uint64_t send_programme(Sess *s, const char *inst, const char *code, double standalone_share);

/* A person of inst, made by the caller of s; returns the id (malloc'd). */
char *make_person(Sess *s, const char *inst, const char *name, const char *email);

/* An organisation named STEM<unique> of kind, made by the caller of s. */
char *make_org(Sess *s, const char *stem, Triad__V1__OrganisationKind kind);

/* A partner system at inst, made by s: scoped to organisation org, or to the
 * institution when org is NULL. Its unique name (from stem) goes to name;
 * returns its token (caller frees). */
char *make_machine(Sess *s, const char *inst, const char *org, const char *stem, char name[80]);

/*
 * An employer and its people in a new institution (made by s, an operator,
 * from stem): a programme, an employer organisation with a partner system
 * of its own (its token in machine), a cohort, and n (at most EMPLOYER_MAX)
 * employees enrolled in it by that employer, each with her enrollment id
 * and a participant's token. No one has consented yet. Free with
 * employer_free().
 */
#define EMPLOYER_MAX 4
typedef struct Employer {
	char slug[64];
	char *programme, *org, *cohort, *machine;
	char *enr[EMPLOYER_MAX], *tok[EMPLOYER_MAX];
	int n;
} Employer;
void make_employer(Sess *s, const char *addr, const char *stem, int n, Employer *e);
void employer_free(Employer *e);

/* Asks, as the caller of s, to move enrollment id of inst to status to. */
Triad__V1__Response *move_enrollment(Sess *s, const char *inst, const char *id,
				     Triad__V1__EnrollmentStatus to);

#endif
