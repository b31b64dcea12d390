/*
 * log.c: key=value event lines on stderr.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static LogLevel current_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
log_set_level(LogLevel level)
{
	current_level = level;
}

LogLevel
log_get_level(void)
{
	return current_level;
}

bool
log_level_parse(const char *name, LogLevel *out)
{
	for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (LogLevel)i;
			return true;
		}
	}
	return false;
}

const char *
log_level_name(LogLevel level)
{
	return level_names[level];
}

bool
log_enabled(LogLevel level)
{
	return level >= current_level;
}

void
log_event(LogLevel level, const char *event, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;

	char line[2048];
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);

	int n = snprintf(line, sizeof line,
			 "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
			 level_names[level], event);
	if (fmt != NULL && n > 0 && (size_t)n < sizeof line - 2) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
	}
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = (int)(sizeof line - 2);
	line[n++] = '\n';
	/* A failed log write has nowhere to be reported; ignore it. */
	ssize_t w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

static bool
is_plain(const char *s)
{
	if (*s == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p >= 0x7f)
			return false;
	}
	return true;
}

const char *
log_quote(char *buf, size_t size, const char *s)
{
	if (size == 0)
		return buf;
	if (s == NULL)
		s = "";
	if (is_plain(s)) {
		snprintf(buf, size, "%s", s);
		return buf;
	}
	size_t o = 0;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 6 < size; p++) {
		if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else if (*p < ' ' || *p == 0x7f) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", *p);
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

bool
log_episode_hit(LogEpisode *e, uint64_t now_us)
{
	e->count++;
	if (e->active)
		return false;
	e->active = true;
	e->started_us = now_us;
	e->count = 1;
	return true;
}

bool
log_episode_end(LogEpisode *e, uint64_t now_us, uint64_t *count, uint64_t *ms)
{
	if (!e->active)
		return false;
	*count = e->count;
	*ms = (now_us - e->started_us) / 1000u;
	e->active = false;
	e->count = 0;
	return true;
}
