/*
 * log.h: one line per event on stderr, as key=value pairs.
 *
 *   ts=2026-11-22T08:01:02.345Z level=info event=conn_open conn=7 peer=127.0.0.1:50412
 *
 * The event name is a fixed token a person can grep for; the rest are
 * key=value pairs written by the caller. Values that may contain spaces or
 * come from a peer must go through log_quote().
 */
#ifndef TRIAD_LOG_H
#define TRIAD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum LogLevel {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
} LogLevel;

/* Sets the lowest level that is written. Reloadable at any time. */
void log_set_level(LogLevel level);
LogLevel log_get_level(void);

/* Parses "debug", "info", "warn" or "error". Returns false for anything else. */
__attribute__((warn_unused_result))
bool log_level_parse(const char *name, LogLevel *out);
const char *log_level_name(LogLevel level);

/* True when a line at this level would be written; lets callers skip work. */
bool log_enabled(LogLevel level);

/*
 * Writes one line: the timestamp, the level, event=<event>, then the
 * formatted pairs (may be NULL). The line is written with a single write(2)
 * so lines from one process never interleave.
 */
void log_event(LogLevel level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Renders s as a log value into buf: unchanged when it is a plain token,
 * otherwise in double quotes with '"', '\\' and control bytes escaped, and
 * cut to fit. Returns buf.
 */
const char *log_quote(char *buf, size_t size, const char *s);

/*
 * A recurring trouble (accept failing, the queue full, clients held to
 * their cap) logged as one line when it starts and one when it ends, with
 * how often it happened in between, instead of a line per occurrence. The
 * caller owns the struct (zeroed: no episode) and writes both lines; these
 * only keep the count and say when a line is due.
 */
typedef struct LogEpisode {
	bool active;
	uint64_t started_us;
	uint64_t count;          /* occurrences since the episode started */
} LogEpisode;

/* Counts one occurrence; true when it starts an episode (log the start). */
bool log_episode_hit(LogEpisode *e, uint64_t now_us);

/*
 * Ends the episode if one is running: true (log the end) with the number
 * of occurrences and the episode's length in ms; false when none was.
 */
bool log_episode_end(LogEpisode *e, uint64_t now_us, uint64_t *count, uint64_t *ms);

#define log_debug(ev, ...) \
	do { \
		if (log_enabled(LOG_DEBUG)) \
			log_event(LOG_DEBUG, ev, __VA_ARGS__); \
	} while (0)
#define log_info(ev, ...)  log_event(LOG_INFO, ev, __VA_ARGS__)
#define log_warn(ev, ...)  log_event(LOG_WARN, ev, __VA_ARGS__)
#define log_error(ev, ...) log_event(LOG_ERROR, ev, __VA_ARGS__)

#endif
