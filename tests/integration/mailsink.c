/*
 * mailsink.c: starting tests/smtp_sink.py and reading what it received.
 */
#include "mailsink.h"

#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TRIAD_SOURCE_DIR
#error "TRIAD_SOURCE_DIR must name the source tree (tests/CMakeLists.txt)"
#endif

#define SINK_START_MS 30000
#define POLL_MS 20

/* Sinks still running when the test process ends are stopped. */
static pid_t running[16];

static void
stop_running(void)
{
	for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
		if (running[i] > 0) {
			kill(running[i], SIGTERM);
			waitpid(running[i], NULL, 0);
			running[i] = 0;
		}
	}
}

static void
remember(pid_t pid, pid_t forget)
{
	static bool registered;
	if (!registered) {
		atexit(stop_running);
		registered = true;
	}
	for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
		if (forget != 0 && running[i] == forget) {
			running[i] = 0;
			return;
		}
		if (forget == 0 && running[i] == 0) {
			running[i] = pid;
			return;
		}
	}
}

static void
pause_ms(int ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

int
sink_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

void
sink_start(MailSink *s, int port, const char *options)
{
	static int n;
	char path[512], cmd[2048];

	if (s->dir[0] == '\0') {
		char name[32];
		snprintf(name, sizeof name, "sink-%d", ++n);
		harness_tmp_path(s->dir, sizeof s->dir, name);
		assert_int_equal(mkdir(s->dir, 0700), 0);
		snprintf(s->options, sizeof s->options, "%s", options != NULL ? options : "");
	} else if (port == 0) {
		port = s->port;   /* started again: where it was */
	}
	snprintf(path, sizeof path, "%s/port", s->dir);
	unlink(path);
	snprintf(cmd, sizeof cmd,
		 "exec python3 '%s/tests/smtp_sink.py' --dir '%s' --port %d --parent %d %s "
		 ">>'%s/sink.log' 2>&1",
		 TRIAD_SOURCE_DIR, s->dir, port, (int)getpid(), s->options, s->dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	s->pid = pid;
	remember(pid, 0);
	uint64_t deadline = ms_now() + SINK_START_MS;
	for (;;) {
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			int got = 0;
			bool ok = fscanf(f, "%d", &got) == 1;
			fclose(f);
			if (ok && got > 0) {
				s->port = got;
				break;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			s->pid = 0;
			remember(0, pid);
			snprintf(cmd, sizeof cmd, "cat '%s/sink.log' >&2", s->dir);
			if (system(cmd) != 0)
				fprintf(stderr, "(no sink log)\n");
			fail_msg("the SMTP sink exited before it listened (python3 needed)");
		}
		if (ms_now() > deadline)
			fail_msg("the SMTP sink did not listen within %d ms", SINK_START_MS);
		pause_ms(POLL_MS);
	}
	snprintf(s->relay, sizeof s->relay, "127.0.0.1:%d", s->port);
}

void
sink_stop(MailSink *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	waitpid(s->pid, NULL, 0);
	remember(0, s->pid);
	s->pid = 0;
}

/* The text of file name in s->dir (malloc'd), or NULL. */
static char *
slurp(const MailSink *s, const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", s->dir, name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	size_t got;
	while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (len + 1 == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

/* True when text is a mail to address to (a "rcpt-to:" line) with needle. */
static bool
mail_matches(const char *text, const char *to, const char *needle)
{
	bool to_ok = false;
	for (const char *p = text; *p != '\0' && *p != '\n';) {
		size_t len = strcspn(p, "\n");
		if (strncmp(p, "rcpt-to: ", 9) == 0 && len - 9 == strlen(to) &&
		    strncasecmp(p + 9, to, len - 9) == 0)
			to_ok = true;
		p += len + (p[len] == '\n');
	}
	return to_ok && (needle == NULL || strstr(text, needle) != NULL);
}

/* Calls visit with the text of every mail so far, in order, until it returns false. */
static void
each_mail(const MailSink *s, bool (*visit)(char *text, void *ctx), void *ctx)
{
	DIR *d = opendir(s->dir);
	struct dirent *e;
	char *names[1024];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL && n < 1024) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "mail-", 5) == 0 && len > 4 &&
		    strcmp(e->d_name + len - 4, ".txt") == 0)
			names[n++] = test_strdup(e->d_name);
	}
	closedir(d);
	bool go = true;
	for (int i = 0; i < n; i++) {
		/* Oldest first: the names count up. */
		for (int j = i + 1; j < n; j++) {
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
		}
		char *text = go ? slurp(s, names[i]) : NULL;
		if (text != NULL)
			go = visit(text, ctx);
		free(names[i]);
	}
}

typedef struct Find {
	const char *to, *needle;
	char *found;
	int count;
} Find;

/* Counts the matches and keeps the newest. */
static bool
find_visit(char *text, void *arg)
{
	Find *f = arg;
	if (mail_matches(text, f->to, f->needle)) {
		f->count++;
		free(f->found);
		f->found = text;
		return true;
	}
	free(text);
	return true;
}

static bool
dump_visit(char *text, void *arg)
{
	size_t head = strcspn(text, "\n");
	const char *subject = strstr(text, "subject: ");
	fprintf(stderr, "  mail: %.*s | %.*s\n", (int)head, text,
		subject != NULL ? (int)strcspn(subject, "\n") : 0, subject != NULL ? subject : "");
	free(text);
	return true;
}

char *
sink_wait(MailSink *s, const char *to, const char *needle, int timeout_ms)
{
	uint64_t deadline = ms_now() + (uint64_t)timeout_ms;
	for (;;) {
		Find f = {to, needle, NULL, 0};
		each_mail(s, find_visit, &f);
		if (f.found != NULL)
			return f.found;
		if (ms_now() > deadline)
			break;
		pause_ms(POLL_MS);
	}
	fprintf(stderr, "no mail to %s with \"%s\" within %d ms; the sink has:\n", to,
		needle != NULL ? needle : "", timeout_ms);
	each_mail(s, dump_visit, NULL);
	fail_msg("no mail to %s", to);
	return NULL;
}

int
sink_count(MailSink *s, const char *to, const char *needle)
{
	Find f = {to, needle, NULL, 0};
	each_mail(s, find_visit, &f);
	free(f.found);
	return f.count;
}
