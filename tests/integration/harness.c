/*
 * harness.c: starting triadd and talking to it, for the integration tests.
 */
#include "harness.h"
#include <libpq-fe.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

/* --- the private directory --- */

static char tmp_dir[200];
static pid_t tmp_owner;

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static void stop_leftovers(void);

/*
 * At exit of the test process (not of a child forked from it): stops the
 * daemons still running and removes the private directory.
 */
static void
harness_atexit(void)
{
	if (getpid() != tmp_owner)
		return;
	stop_leftovers();
	if (tmp_dir[0] != '\0')
		nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
harness_tmp_path(char *buf, size_t size, const char *name)
{
	if (tmp_dir[0] == '\0') {
		const char *base = getenv("TRIAD_TEST_TMP");
		if (base == NULL || *base == '\0')
			base = getenv("TMPDIR");
		if (base == NULL || *base == '\0')
			base = "/tmp";
		snprintf(tmp_dir, sizeof tmp_dir, "%s/triad-harness-XXXXXX", base);
		if (mkdtemp(tmp_dir) == NULL) {   /* mkdtemp makes it 0700 */
			int e = errno;
			tmp_dir[0] = '\0';
			fail_msg("cannot make a private directory under %s: %s", base, strerror(e));
		}
		tmp_owner = getpid();
		atexit(harness_atexit);
	}
	int n = snprintf(buf, size, "%s/%s", tmp_dir, name);
	assert_true(n > 0 && (size_t)n < size);
}

/* Creates or truncates path, mode 0600, and writes text. */
static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("%s: %s", path, strerror(errno));
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

const char *
env_required(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		fail_msg("%s is not set: run the suite with tests/run.sh", name);
	return v;
}

uint64_t
ms_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- TLS --- */

static char tls_dir[256];

/*
 * The directory with the suite's CA (ca.crt) and the daemons' certificate
 * for 127.0.0.1 (server.crt, server.key): $TRIAD_TEST_TLS_DIR when
 * tests/run.sh made them for the whole run, or made here once per process.
 */
const char *
harness_tls_dir(void)
{
	if (tls_dir[0] != '\0')
		return tls_dir;
	const char *given = getenv("TRIAD_TEST_TLS_DIR");
	if (given != NULL && *given != '\0') {
		snprintf(tls_dir, sizeof tls_dir, "%s", given);
		return tls_dir;
	}
	char dir[256], cmd[2048], out[4096];
	harness_tmp_path(dir, sizeof dir, "suite-tls");
	snprintf(cmd, sizeof cmd,
		 "mkdir -m 700 '%s' && cd '%s' && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
		 "-subj /CN=triad-suite-ca -keyout ca.key -out ca.crt && "
		 "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-subj /CN=localhost -keyout server.key -out server.csr && "
		 "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >server.ext && "
		 "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 1 -days 2 "
		 "-extfile server.ext -out server.crt 2>&1",
		 dir, dir);
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("making the suite's certificates: %s", out);
	snprintf(tls_dir, sizeof tls_dir, "%s", dir);
	return tls_dir;
}

/* The daemons of this process that serve TLS, by address. */
static char tls_addrs[64][64];
static size_t n_tls_addrs;

static bool
serves_tls(const char *addr)
{
	for (size_t i = 0; i < n_tls_addrs; i++)
		if (strcmp(tls_addrs[i], addr) == 0)
			return true;
	return false;
}

void
triadd_write_config(Triadd *d, const char *extra)
{
	char text[8192];
	const char *tls = harness_tls_dir();
	/* TLS, as in production; a test may add "tls = off" (a later line wins). */
	snprintf(text, sizeof text,
		 "[triadd]\n"
		 "listen = 127.0.0.1:0\n"
		 "http_listen = 127.0.0.1:0\n"
		 "db = %s\n"
		 "pool_size = 2\n"
		 "tls = on\n"
		 "tls_cert = %s/server.crt\n"
		 "tls_key = %s/server.key\n"
		 "%s",
		 env_required("TRIAD_TEST_DB"), tls, tls, extra != NULL ? extra : "");
	write_file(d->conf, text);
}

bool
triadd_log_contains(const Triadd *d, const char *needle)
{
	FILE *f = fopen(d->log, "r");
	char line[4096];
	bool found = false;
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The word after key on the first line of d's log that has it, into out;
 * *tls (when not NULL) says whether " tls=on" follows. False when none. */
static bool
log_addr(const Triadd *d, const char *key, char *out, size_t size, bool *tls)
{
	FILE *f = fopen(d->log, "r");
	char line[4096];
	bool found = false;
	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL) {
		char *p = strstr(line, key);
		if (p != NULL) {
			p += strlen(key);
			snprintf(out, size, "%.*s", (int)strcspn(p, " \n"), p);
			if (tls != NULL)
				*tls = strstr(p, " tls=on") != NULL;
			found = true;
		}
	}
	fclose(f);
	return found;
}

bool
triadd_http_addr(const Triadd *d, char *addr, size_t size)
{
	return log_addr(d, "event=http_listening addr=", addr, size, NULL);
}

long
triadd_metric(const Triadd *d, const char *name)
{
	char addr[64], buf[65536], want[128];
	const char *get = "GET /metrics HTTP/1.0\r\n\r\n";
	size_t len = 0;
	ssize_t n;

	if (!triadd_http_addr(d, addr, sizeof addr))
		fail_msg("no event=http_listening in the log");
	int fd = tc_connect(addr);
	tc_send_raw(fd, get, strlen(get));
	while (len + 1 < sizeof buf && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	snprintf(want, sizeof want, "\n%s ", name);
	const char *p = strstr(buf, want);
	if (p == NULL)
		fail_msg("no %s in /metrics", name);
	return strtol(p + strlen(want), NULL, 10);
}

/* Finds "event=listening addr=H:P" in the log. */
static bool
read_listen_addr(Triadd *d)
{
	bool tls;
	if (!log_addr(d, "event=listening addr=", d->addr, sizeof d->addr, &tls))
		return false;
	/* The client and tc_connect() speak what the daemon serves. */
	if (tls) {
		if (!serves_tls(d->addr) && n_tls_addrs < sizeof tls_addrs / sizeof tls_addrs[0])
			snprintf(tls_addrs[n_tls_addrs++], sizeof tls_addrs[0], "%s", d->addr);
		char ca[300];
		snprintf(ca, sizeof ca, "%s/ca.crt", harness_tls_dir());
		setenv("TRIAD_CA", ca, 1);
		unsetenv("TRIAD_PLAIN");
	} else {
		setenv("TRIAD_PLAIN", "1", 1);
	}
	return true;
}

static void
dump_log_path(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "tail -n 30 '%s' >&2", path);
	if (system(cmd) != 0)
		fprintf(stderr, "(no log)\n");
}

static void
dump_log(const Triadd *d)
{
	dump_log_path(d->log);
}

/* --- sanitizer reports --- */

/* What a sanitizer writes when it reports; none of it is in a healthy log. */
static const char *const sanitizer_marks[] = {
	"ERROR: AddressSanitizer", "LeakSanitizer", "runtime error:",
	"ERROR: UndefinedBehaviorSanitizer",
};

/* The exit codes tests/run.sh gives ASan (and LeakSanitizer) and UBSan. */
static bool
sanitizer_exit_code(int rc)
{
	return rc == 86 || rc == 87;
}

/* The first sanitizer report in text, or NULL. */
static const char *
sanitizer_report(const char *text)
{
	const char *first = NULL;
	for (size_t i = 0; i < sizeof sanitizer_marks / sizeof sanitizer_marks[0]; i++) {
		const char *p = strstr(text, sanitizer_marks[i]);
		if (p != NULL && (first == NULL || p < first))
			first = p;
	}
	if (first == NULL)
		return NULL;
	while (first > text && first[-1] != '\n')   /* from the start of its line */
		first--;
	return first;
}

/* --- the daemons the harness started --- */

/*
 * What the harness keeps of each daemon it started: a copy, not the caller's
 * Triadd, which may live on the stack of a test that cmocka has left.
 */
typedef struct Watched {
	pid_t pid;
	char log[256];
	long log_checked;      /* bytes of the log already searched for reports */
	int test;              /* index of the test that started it; -1 the group setup */
	bool running;
	int exit_code;         /* once it has exited: as triadd_wait() returns it */
} Watched;

static Watched watched[64];
static size_t n_watched;
static int current_test = -1;

/* The newest daemon with pid: an old one's pid may have been reused. */
static Watched *
watched_by_pid(pid_t pid)
{
	for (size_t i = n_watched; i > 0; i--)
		if (watched[i - 1].pid == pid)
			return &watched[i - 1];
	return NULL;
}

/* The exit code of a wait status (128+n for signal n); -1 for no status. */
static int
code_of(int status)
{
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Reads what w's log gained since the last look; returns the first sanitizer
 * report in it (malloc'd, up to 6000 bytes) or NULL.
 */
static char *
new_report(Watched *w)
{
	FILE *f = fopen(w->log, "r");
	if (f == NULL)
		return NULL;
	char *text = NULL;
	size_t len = 0;
	if (fseek(f, w->log_checked, SEEK_SET) == 0) {
		FILE *mem = open_memstream(&text, &len);
		assert_non_null(mem);
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			fwrite(buf, 1, n, mem);
		fclose(mem);
	}
	fclose(f);
	if (text == NULL)
		return NULL;
	/* A line still being written is searched again next time. */
	char *end = strrchr(text, '\n');
	size_t whole = end != NULL ? (size_t)(end - text) + 1 : 0;
	w->log_checked += (long)whole;
	text[whole] = '\0';
	const char *rep = sanitizer_report(text);
	char *out = NULL;
	if (rep != NULL) {
		out = strndup(rep, 6000);
		assert_non_null(out);
	}
	free(text);
	return out;
}

/* Fails the test with w's sanitizer report, if its log gained one. */
static void
check_log(Watched *w)
{
	char *rep = new_report(w);
	if (rep != NULL) {
		fprintf(stderr, "triadd pid %d, log %s: a sanitizer report:\n%s\n", (int)w->pid,
			w->log, rep);
		free(rep);
		fail_msg("triadd (pid %d) wrote a sanitizer report to its log", (int)w->pid);
	}
}

/* Marks w exited with status (a wait status). */
static void
reaped(Watched *w, int status)
{
	w->running = false;
	w->exit_code = code_of(status);
}

void
triadd_start(Triadd *d, const char *extra)
{
	static int counter;
	char name[64];
	memset(d, 0, sizeof *d);
	snprintf(name, sizeof name, "triadd-%d.conf", counter);
	harness_tmp_path(d->conf, sizeof d->conf, name);
	snprintf(name, sizeof name, "triadd-%d.log", counter);
	harness_tmp_path(d->log, sizeof d->log, name);
	counter++;
	triadd_write_config(d, extra);
	assert_true(n_watched < sizeof watched / sizeof watched[0]);

	const char *bin = env_required("TRIADD");
	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(127);
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		execl(bin, "triadd", "--config", d->conf, (char *)NULL);
		_exit(127);
	}
	Watched *w = &watched[n_watched++];
	*w = (Watched){.pid = d->pid, .test = current_test, .running = true};
	snprintf(w->log, sizeof w->log, "%s", d->log);

	uint64_t deadline = ms_now() + 20000;
	while (ms_now() < deadline) {
		if (read_listen_addr(d))
			return;
		int status;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			reaped(w, status);
			d->pid = 0;
			dump_log(d);
			fail_msg("triadd exited during start-up (code %d)", w->exit_code);
		}
		usleep(20000);   /* polls the log for the readiness line, to a deadline */
	}
	dump_log(d);
	fail_msg("triadd did not start listening within 20 s");
}

/*
 * Waits up to timeout_ms for pid to exit and reaps it; returns its wait
 * status, or -1 on a timeout. Waits on a pidfd where the kernel has them.
 */
static int
wait_exit(pid_t pid, int timeout_ms)
{
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;
	int status;
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		uint64_t now = ms_now();
		if (now >= deadline) {
			status = -1;
			break;
		}
		if (pfd >= 0) {
			struct pollfd p = {.fd = pfd, .events = POLLIN};
			(void)poll(&p, 1, (int)(deadline - now));
		} else {
			usleep(10000);   /* no pidfd: poll for the exit, to the deadline */
		}
	}
	if (pfd >= 0)
		close(pfd);
	return status;
}

int
triadd_wait(Triadd *d, int timeout_ms)
{
	if (d->pid <= 0)
		return -1;
	Watched *w = watched_by_pid(d->pid);
	if (w != NULL && !w->running) {   /* the harness found it gone already */
		d->pid = 0;
		return w->exit_code;
	}
	int status = wait_exit(d->pid, timeout_ms);
	if (status == -1)
		return -1;
	d->pid = 0;
	if (w == NULL)
		return code_of(status);
	reaped(w, status);
	check_log(w);
	return w->exit_code;
}

int
triadd_stop(Triadd *d, int sig)
{
	pid_t pid = d->pid;
	if (pid <= 0)
		return -1;
	Watched *w = watched_by_pid(pid);
	if (w == NULL || w->running)
		kill(pid, sig);
	int rc = triadd_wait(d, 30000);
	if (rc < 0) {
		kill(pid, SIGKILL);
		rc = triadd_wait(d, 5000);
		dump_log(d);
		fail_msg("triadd did not exit within 30 s of signal %d", sig);
	}
	if (rc != 0) {
		dump_log(d);
		fail_msg("triadd (pid %d) exited with code %d when stopped with signal %d%s",
			 (int)pid, rc, sig,
			 sanitizer_exit_code(rc) ? " (a sanitizer's exit code)" : "");
	}
	return rc;
}

/*
 * The checks after each test (see harness_run_group()). Every problem is
 * printed; the test fails once, after all of them.
 */
static int
check_daemons(bool stop_all)
{
	int problems = 0;

	for (size_t i = 0; i < n_watched; i++) {
		Watched *w = &watched[i];
		const char *what = NULL;
		int status;
		if (w->running && waitpid(w->pid, &status, WNOHANG) == w->pid) {
			reaped(w, status);
			what = "exited by itself during the test";
		} else if (w->running && (stop_all || w->test == current_test)) {
			/* Left running, typically by a test that failed half-way. */
			kill(w->pid, SIGTERM);
			status = wait_exit(w->pid, 30000);
			if (status == -1) {
				kill(w->pid, SIGKILL);
				status = wait_exit(w->pid, 5000);
			}
			reaped(w, status);
			if (w->exit_code != 0)
				what = "was stopped by the harness and failed";
		}
		char *rep = new_report(w);
		if (what != NULL) {
			fprintf(stderr, "triadd (pid %d, log %s) %s with code %d\n", (int)w->pid,
				w->log, what, w->exit_code);
			if (rep == NULL)
				dump_log_path(w->log);
			problems++;
		}
		if (rep != NULL) {
			fprintf(stderr, "triadd (pid %d, log %s) wrote a sanitizer report:\n%s\n",
				(int)w->pid, w->log, rep);
			free(rep);
			problems++;
		}
	}
	return problems;
}

static void
stop_leftovers(void)
{
	for (size_t i = 0; i < n_watched; i++)
		if (watched[i].running) {
			kill(watched[i].pid, SIGTERM);
			if (wait_exit(watched[i].pid, 10000) == -1) {
				kill(watched[i].pid, SIGKILL);
				(void)wait_exit(watched[i].pid, 5000);
			}
			watched[i].running = false;
		}
}

/* --- running a group --- */

typedef struct GroupRun {
	const struct CMUnitTest *tests;   /* the caller's, as given */
	size_t n;
	CMFixtureFunction teardown;       /* the group teardown, run as the last test */
} GroupRun;

static GroupRun group;

static int
before_test(void **state)
{
	current_test++;
	assert_true(current_test >= 0 && (size_t)current_test <= group.n);
	if ((size_t)current_test < group.n && group.tests[current_test].setup_func != NULL)
		return group.tests[current_test].setup_func(state);
	return 0;
}

static int
after_test(void **state)
{
	int rc = 0;
	bool last = (size_t)current_test == group.n;
	if (!last && group.tests[current_test].teardown_func != NULL)
		rc = group.tests[current_test].teardown_func(state);
	int problems = check_daemons(last);
	if (problems > 0)
		fail_msg("%d problem(s) with the daemons this test ran (see above)", problems);
	return rc;
}

static void
run_group_teardown(void **state)
{
	if (group.teardown != NULL && group.teardown(state) != 0)
		fail_msg("the group teardown failed");
}

/*
 * Appends opts to the environment variable name unless it sets "exitcode="
 * already, so that the daemons and clients this process starts report as
 * tests/run.sh has them report, also when a test runs without it.
 */
static void
sanitizer_env(const char *name, const char *opts)
{
	const char *old = getenv(name);
	char buf[1024];

	if (old != NULL && strstr(old, "exitcode=") != NULL)
		return;
	snprintf(buf, sizeof buf, "%s%s%s", old != NULL ? old : "",
		 old != NULL && *old != '\0' ? ":" : "", opts);
	setenv(name, buf, 1);
}

int
harness_run_group(const char *name, const struct CMUnitTest *tests, size_t n,
		  CMFixtureFunction setup, CMFixtureFunction teardown)
{
	sanitizer_env("ASAN_OPTIONS", "exitcode=86");
	sanitizer_env("UBSAN_OPTIONS", "halt_on_error=1:exitcode=87");
	struct CMUnitTest *all = calloc(n + 1, sizeof *all);
	assert_non_null(all);
	group = (GroupRun){.tests = tests, .n = n, .teardown = teardown};
	for (size_t i = 0; i < n; i++) {
		all[i] = tests[i];
		all[i].setup_func = before_test;
		all[i].teardown_func = after_test;
	}
	all[n] = (struct CMUnitTest){
		.name = "group_teardown",
		.test_func = run_group_teardown,
		.setup_func = before_test,
		.teardown_func = after_test,
	};
	current_test = -1;
	int failed = _cmocka_run_group_tests(name, all, n + 1, setup, NULL);
	free(all);
	return failed;
}

int
tc_connect(const char *addr)
{
	int fd = tc_connect_plain(addr);
	return tc_over_tls(fd, addr);
}

int
tc_over_tls(int fd, const char *addr)
{
	if (!serves_tls(addr))
		return fd;
	char ca[300];
	snprintf(ca, sizeof ca, "%s/ca.crt", harness_tls_dir());
	return tls_pipe(fd, ca);
}

static int connect_plain(const char *addr, bool narrow);

int
tc_connect_plain(const char *addr)
{
	return connect_plain(addr, false);
}

int
tc_connect_plain_narrow(const char *addr)
{
	return connect_plain(addr, true);
}

static int
connect_plain(const char *addr, bool narrow)
{
	char host[64];
	snprintf(host, sizeof host, "%s", addr);
	char *colon = strrchr(host, ':');
	assert_non_null(colon);
	*colon = '\0';
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
	assert_int_equal(inet_pton(AF_INET, host, &sa.sin_addr), 1);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (narrow) {
		int rcvbuf = 2048, mss = 536;
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
		assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss), 0);
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		fail_msg("connect %s: %s", addr, strerror(errno));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

void
tc_send_raw(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void
tc_send(int fd, const Triad__V1__Request *req)
{
	size_t n = triad__v1__request__get_packed_size(req);
	uint8_t *buf = malloc(n + 4);
	assert_non_null(buf);
	frame_put_u32(buf, (uint32_t)n);
	triad__v1__request__pack(req, buf + 4);
	tc_send_raw(fd, buf, n + 4);
	free(buf);
}

/* Reads exactly len bytes before the deadline; false on EOF or timeout. */
static bool
read_full(int fd, uint8_t *buf, size_t len, uint64_t deadline, bool *timed_out)
{
	while (len > 0) {
		uint64_t now = ms_now();
		if (now >= deadline) {
			if (timed_out)
				*timed_out = true;
			return false;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			continue;
		ssize_t n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

Triad__V1__Response *
tc_recv(int fd, int timeout_ms, bool *timed_out)
{
	uint8_t hdr[4];
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;

	if (timed_out)
		*timed_out = false;
	if (!read_full(fd, hdr, 4, deadline, timed_out))
		return NULL;
	uint32_t len = frame_get_u32(hdr);
	assert_true(len <= (4u << 20));
	uint8_t *body = malloc(len ? len : 1);
	assert_non_null(body);
	if (!read_full(fd, body, len, deadline, timed_out)) {
		free(body);
		return NULL;
	}
	Triad__V1__Response *resp = triad__v1__response__unpack(NULL, len, body);
	free(body);
	assert_non_null(resp);
	assert_non_null(resp->status);
	return resp;
}

Triad__V1__Response *
tc_expect(int fd, uint64_t id, Triad__V1__Code code)
{
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->id, id);
	if (r->status->code != code)
		fail_msg("want code %d, got %d: %s", code, r->status->code, r->status->message);
	return r;
}

bool
tc_closed(int fd, int timeout_ms)
{
	uint8_t b;
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;
	bool timed_out = false;
	/* Anything still arriving is skipped; only EOF counts. */
	while (read_full(fd, &b, 1, deadline, &timed_out))
		;
	return !timed_out;
}

const char *
test_token(void)
{
	static char token[128];
	if (token[0] == '\0')
		triadd_bootstrap(token, sizeof token);
	return token;
}

void
tc_send_hello_token(int fd, uint64_t id, const char *token)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	hello.protocol_version = TRIAD_PROTOCOL_VERSION;
	hello.token = (char *)token;
	hello.client_name = "triad-tests";
	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	tc_send(fd, &req);
}

void
tc_send_hello(int fd, uint64_t id, uint32_t version)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Hello hello = TRIAD__V1__HELLO__INIT;
	hello.protocol_version = version;
	hello.token = (char *)test_token();
	hello.client_name = "triad-tests";
	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_HELLO;
	req.hello = &hello;
	tc_send(fd, &req);
}

int
tc_session(const char *addr)
{
	int fd = tc_connect(addr);
	tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
	Triad__V1__Response *r = tc_recv(fd, 10000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	assert_int_equal(r->body_case, TRIAD__V1__RESPONSE__BODY_HELLO);
	triad__v1__response__free_unpacked(r, NULL);
	return fd;
}

void
tc_send_ping(int fd, uint64_t id, bool database)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
	ping.database = database;
	req.id = id;
	req.body_case = TRIAD__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	tc_send(fd, &req);
}

/*
 * Copies cmd into buf with the secrets in it (the value after "password=",
 * "TOKEN=" or "--token ") replaced by "***", for messages.
 */
static void
redact(char *buf, size_t size, const char *cmd)
{
	static const char *const keys[] = {"password=", "TOKEN=", "--token "};
	size_t used = 0;

	while (*cmd != '\0' && used + 1 < size) {
		size_t k = 0, klen = 0;
		for (; k < sizeof keys / sizeof keys[0]; k++) {
			klen = strlen(keys[k]);
			if (strncmp(cmd, keys[k], klen) == 0)
				break;
		}
		if (k < sizeof keys / sizeof keys[0]) {
			int n = snprintf(buf + used, size - used, "%s***", keys[k]);
			used += (size_t)n;
			if (used >= size)
				break;
			cmd += klen;
			cmd += *cmd == '\'' ? 1 + strcspn(cmd + 1, "'") + 1 : strcspn(cmd, " '\"");
			if (cmd[-1] == '\0')
				cmd--;
		} else {
			buf[used++] = *cmd++;
		}
	}
	buf[used < size ? used : size - 1] = '\0';
}

int
run_capture(const char *cmd, char *out, size_t outsize)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	/* All of it, for the sanitizer's report comes last. */
	char *all = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&all, &len);
	assert_non_null(mem);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		fwrite(buf, 1, n, mem);
	assert_int_equal(fclose(mem), 0);
	int status = pclose(p);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;

	if (out != NULL && outsize > 0)
		snprintf(out, outsize, "%s", all);
	const char *rep = sanitizer_report(all);
	if (rep != NULL || sanitizer_exit_code(rc)) {
		char shown[1024];
		redact(shown, sizeof shown, cmd);
		fprintf(stderr, "%s\nexited with code %d; its output:\n%s\n", shown, rc,
			rep != NULL ? rep : all);
		free(all);
		fail_msg("a sanitizer stopped a program the test ran (exit %d; report above)", rc);
	}
	free(all);
	return rc;
}

int
triad_cli(const char *addr, const char *token, const char *args, char *out, size_t size)
{
	char cmd[8192], auth[256] = "";

	if (token != NULL)
		snprintf(auth, sizeof auth, "TRIAD_TOKEN='%s'", token);
	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_INSTITUTION -u TRIAD_TOKEN TRIAD_ADDR=%s XDG_CONFIG_HOME=/nonexistent "
		 "%s '%s' %s </dev/null 2>&1",
		 addr, auth, env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

void
triad_cli_ok(const char *addr, const char *token, const char *args, char *out, size_t size)
{
	int rc = triad_cli(addr, token, args, out, size);

	if (rc != 0)
		fail_msg("triad %s: exit %d: %s", args, rc, out);
}

void
test_unique(char *buf, size_t size, const char *stem)
{
	static int n;

	snprintf(buf, size, "%s%d-%ld-%d", stem, (int)getpid(), (long)time(NULL), ++n);
}

void
expect_contains(const char *out, const char *want)
{
	if (strstr(out, want) == NULL)
		fail_msg("no '%s' in: %s", want, out);
}

void
expect_lacks(const char *out, const char *unwanted)
{
	if (strstr(out, unwanted) != NULL)
		fail_msg("'%s' should not be in: %s", unwanted, out);
}

void
json_string(const char *json, const char *key, char *buf, size_t size)
{
	char pattern[96];
	const char *p, *end;

	snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
	p = strstr(json, pattern);
	if (p == NULL)
		fail_msg("no \"%s\" in: %s", key, json);
	p += strlen(pattern);
	end = strchr(p, '"');
	assert_non_null(end);
	assert_true((size_t)(end - p) < size);
	snprintf(buf, size, "%.*s", (int)(end - p), p);
}

char *
test_strdup(const char *s)
{
	char *c = strdup(s);

	assert_non_null(c);
	return c;
}

void
expect_status(const Triad__V1__Response *r, Triad__V1__Code code, const char *message,
	      const char *field)
{
	if (r->status->code != code)
		fail_msg("want code %d, got %d: %s (field %s)", code, r->status->code,
			 r->status->message, r->status->field);
	if (message != NULL)
		assert_string_equal(r->status->message, message);
	if (field != NULL)
		assert_string_equal(r->status->field, field);
}

void
expect_status_free(Triad__V1__Response *r, Triad__V1__Code code, const char *message,
		   const char *field)
{
	expect_status(r, code, message, field);
	rpc_free(r);
}

void
field_give(ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);

	assert_non_null(f);
	assert_true(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
	*(uint32_t *)((char *)m + f->quantifier_offset) = f->id;
}

void
random_uuid(char out[37])
{
	snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%04x%08x", (unsigned)rand(),
		 (unsigned)rand() & 0xffff, (unsigned)rand() & 0xfff, (unsigned)rand() & 0xfff,
		 (unsigned)rand() & 0xffff, (unsigned)rand());
}

char *
owner_sql(const char *sql, const char *p1, const char *p2, const char *p3)
{
	PGconn *pg = PQconnectdb(env_required("TRIAD_TEST_OWNER_DB"));
	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("owner connection: %s", PQerrorMessage(pg));
	const char *params[3] = {p1, p2, p3};
	int n = p1 == NULL ? 0 : p2 == NULL ? 1 : p3 == NULL ? 2 : 3;
	PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(pg));
	char *out = NULL;
	if (st == PGRES_TUPLES_OK && PQntuples(res) > 0)
		out = test_strdup(PQgetvalue(res, 0, 0));
	else if (st == PGRES_COMMAND_OK)
		out = test_strdup(PQcmdTuples(res));
	PQclear(res);
	PQfinish(pg);
	return out;
}

char *
make_person(Sess *s, const char *inst, const char *name, const char *email)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreatePersonRequest m = TRIAD__V1__CREATE_PERSON_REQUEST__INIT;

	m.name = (char *)name;
	m.email = (char *)email;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PERSON;
	req.create_person = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	char *id = test_strdup(r->person->id);
	rpc_free(r);
	return id;
}

char *
make_org(Sess *s, const char *stem, Triad__V1__OrganisationKind kind)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateOrganisationRequest m = TRIAD__V1__CREATE_ORGANISATION_REQUEST__INIT;
	char name[96];

	test_unique(name, sizeof name, stem);
	m.name = name;
	m.kind = kind;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_ORGANISATION;
	req.create_organisation = &m;
	Triad__V1__Response *r = rpc_ok(s, NULL, &req);
	char *id = test_strdup(r->organisation->id);
	rpc_free(r);
	return id;
}

void
make_institution(Sess *s, const char *stem, const char *name, char slug[64])
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateInstitutionRequest m = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;

	test_unique(slug, 64, stem);
	m.slug = slug;
	m.name = (char *)name;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	req.create_institution = &m;
	rpc_free(rpc_ok(s, NULL, &req));
}

uint64_t
send_programme(Sess *s, const char *inst, const char *code, double standalone_share)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateProgrammeRequest m = TRIAD__V1__CREATE_PROGRAMME_REQUEST__INIT;
	Triad__V1__Programme p = TRIAD__V1__PROGRAMME__INIT;

	p.code = (char *)code;
	p.name = "Metropool";
	p.award = TRIAD__V1__AWARD__AWARD_CERTIFICATE;
	p.ects = 60;
	p.duration_months = 18;
	p.language = "nl";
	p.mode = TRIAD__V1__STUDY_MODE__STUDY_MODE_PART_TIME;
	p.fee_cents = 1795000;
	p.standalone_share = standalone_share;
	if (standalone_share != 0)
		field_give(&p.base, "standalone_share");
	m.programme = &p;
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_PROGRAMME;
	req.create_programme = &m;
	req.id = s->next_id++;
	req.institution = (char *)inst;
	tc_send(s->fd, &req);
	return req.id;
}

char *
make_programme(Sess *s, const char *inst, const char *code, double standalone_share)
{
	uint64_t rid = send_programme(s, inst, code, standalone_share);
	Triad__V1__Response *r = tc_expect(s->fd, rid, TRIAD__V1__CODE__CODE_OK);
	char *id = test_strdup(r->programme->id);
	rpc_free(r);
	return id;
}

char *
make_machine(Sess *s, const char *inst, const char *org, const char *stem, char name[80])
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateTokenRequest m = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;

	test_unique(name, 80, stem);
	m.machine_name = name;
	m.organisation_id = (char *)(org != NULL ? org : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	req.create_token = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);
	char *token = test_strdup(r->create_token->token);
	rpc_free(r);
	return token;
}

Triad__V1__Response *
move_enrollment(Sess *s, const char *inst, const char *id, Triad__V1__EnrollmentStatus to)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__TransitionEnrollmentRequest m = TRIAD__V1__TRANSITION_ENROLLMENT_REQUEST__INIT;

	m.id = (char *)id;
	m.status = to;
	req.body_case = TRIAD__V1__REQUEST__BODY_TRANSITION_ENROLLMENT;
	req.transition_enrollment = &m;
	return rpc(s, inst, &req);
}

void
triadd_bootstrap(char *token, size_t size)
{
	char cmd[2048], out[4096];
	snprintf(cmd, sizeof cmd, "'%s' bootstrap --force --db '%s' 2>/dev/null",
		 env_required("TRIADD"), env_required("TRIAD_TEST_OWNER_DB"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	out[strcspn(out, "\n")] = '\0';
	assert_true(strncmp(out, "trd_", 4) == 0);
	snprintf(token, size, "%s", out);
}

Sess
sess_open(const char *addr, const char *token)
{
	Sess s = {.fd = tc_connect(addr), .next_id = 100};
	tc_send_hello_token(s.fd, 1, token);
	Triad__V1__Response *r = tc_recv(s.fd, 10000, NULL);
	assert_non_null(r);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("hello: code %d: %s", r->status->code, r->status->message);
	triad__v1__response__free_unpacked(r, NULL);
	return s;
}

void
sess_close(Sess *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

Triad__V1__Response *
rpc(Sess *s, const char *institution, Triad__V1__Request *req)
{
	req->id = s->next_id++;
	req->institution = (char *)(institution != NULL ? institution : "");
	tc_send(s->fd, req);
	Triad__V1__Response *r = tc_recv(s->fd, 10000, NULL);
	if (r == NULL)
		fail_msg("no answer to request %d", (int)req->body_case);
	assert_int_equal(r->id, req->id);
	return r;
}

void
rpc_free(Triad__V1__Response *r)
{
	if (r != NULL)
		triad__v1__response__free_unpacked(r, NULL);
}

Triad__V1__Response *
rpc_ok(Sess *s, const char *institution, Triad__V1__Request *req)
{
	Triad__V1__Response *r = rpc(s, institution, req);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("request kind %d: code %d: %s (field %s)", (int)req->body_case,
			 r->status->code, r->status->message, r->status->field);
	return r;
}

char *
invite_and_redeem(Sess *s, const char *addr, const char *inst, const char *person,
		  Triad__V1__Role role, Triad__V1__StaffTitle title, const char *org)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateInviteRequest m = TRIAD__V1__CREATE_INVITE_REQUEST__INIT;
	m.person_id = (char *)person;
	m.role = role;
	m.title = title;
	m.organisation_id = (char *)(org ? org : "");
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INVITE;
	req.create_invite = &m;
	Triad__V1__Response *r = rpc_ok(s, inst, &req);

	int fd = tc_connect(addr);
	Triad__V1__Request rd = TRIAD__V1__REQUEST__INIT;
	Triad__V1__RedeemInviteRequest rm = TRIAD__V1__REDEEM_INVITE_REQUEST__INIT;
	rm.code = r->create_invite->code;
	rd.id = 7;
	rd.body_case = TRIAD__V1__REQUEST__BODY_REDEEM_INVITE;
	rd.redeem_invite = &rm;
	tc_send(fd, &rd);
	rpc_free(r);
	r = tc_recv(fd, 10000, NULL);
	close(fd);
	assert_non_null(r);
	if (r->status->code != TRIAD__V1__CODE__CODE_OK)
		fail_msg("redeem: %s", r->status->message);
	char *token = strdup(r->redeem_invite->token);
	rpc_free(r);
	return token;
}

void
make_employer(Sess *s, const char *addr, const char *stem, int n, Employer *e)
{
	char name[80], cname[64], code[16];
	static int made;

	assert_true(n >= 1 && n <= EMPLOYER_MAX);
	memset(e, 0, sizeof *e);
	make_institution(s, stem, "Employer", e->slug);
	snprintf(code, sizeof code, "EMP%d", ++made);
	e->programme = make_programme(s, e->slug, code, 0);
	e->org = make_org(s, "Werkgever", TRIAD__V1__ORGANISATION_KIND__ORGANISATION_KIND_EMPLOYER);
	e->machine = make_machine(s, e->slug, e->org, "hr-system", name);

	Triad__V1__Request rc = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateCohortRequest cc = TRIAD__V1__CREATE_COHORT_REQUEST__INIT;
	Triad__V1__Cohort c = TRIAD__V1__COHORT__INIT;
	test_unique(cname, sizeof cname, "Cohort");
	c.programme_id = e->programme;
	c.name = cname;
	c.starts_on = "2026-10-26";
	c.ends_on = "2028-04-30";
	cc.cohort = &c;
	rc.body_case = TRIAD__V1__REQUEST__BODY_CREATE_COHORT;
	rc.create_cohort = &cc;
	Triad__V1__Response *r = rpc_ok(s, e->slug, &rc);
	e->cohort = test_strdup(r->cohort->id);
	rpc_free(r);

	for (e->n = 0; e->n < n; e->n++) {
		char pname[80], email[128];
		test_unique(pname, sizeof pname, "Employee");
		snprintf(email, sizeof email, "%s@example.org", pname);
		char *person = make_person(s, e->slug, pname, email);
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__EnrollRequest m = TRIAD__V1__ENROLL_REQUEST__INIT;
		m.person_id = person;
		m.cohort_id = e->cohort;
		m.employer_id = e->org;
		m.hours_per_week = 4;
		req.body_case = TRIAD__V1__REQUEST__BODY_ENROLL;
		req.enroll = &m;
		r = rpc_ok(s, e->slug, &req);
		e->enr[e->n] = test_strdup(r->enrollment->id);
		rpc_free(r);
		e->tok[e->n] = invite_and_redeem(s, addr, e->slug, person,
						 TRIAD__V1__ROLE__ROLE_PARTICIPANT, 0, NULL);
		free(person);
	}
}

void
employer_free(Employer *e)
{
	for (int i = 0; i < e->n; i++) {
		free(e->enr[i]);
		free(e->tok[i]);
	}
	free(e->programme);
	free(e->org);
	free(e->cohort);
	free(e->machine);
	memset(e, 0, sizeof *e);
}
