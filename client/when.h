/*
 * when.h: times as people read and type them.
 *
 * The service stores instants and sends them as microseconds since the
 * epoch in *_us fields, each with a deprecated text twin in RFC 3339 UTC
 * ("2026-10-01T12:00:00Z"); the client shows the *_us value (the twin from
 * a server without it) through that text form. People think in their own
 * time zone: the client reads the times they type in the zone of TZ (the
 * system's when TZ is unset), and shows the times it prints in that zone,
 * with the offset, so that a time is never ambiguous. --utc makes both UTC.
 *
 * Days (due dates, cohorts' dates) are calendar days and are not
 * converted: a day is the same day in every zone.
 */
#ifndef TRIAD_CLIENT_WHEN_H
#define TRIAD_CLIENT_WHEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "print.h"

/* Read and show times in UTC (--utc) rather than in the local zone. */
void when_set_utc(bool utc);
bool when_utc(void);

/* Whether a field or column of this name holds a time: "*_at", "at", "since". */
bool when_is_time_name(const char *name);

/*
 * The time s as people type it, as RFC 3339 in UTC in out:
 *   "2026-10-01 14:00", "2026-10-01T14:00" or with ":SS"  local time (UTC
 *                                                           with --utc)
 *   the same followed by "Z", "+02:00" or "+0200"            that instant
 * False when s is none of these, is not a real day and time, or names a
 * local time that the zone skips (a clock going forward).
 */
__attribute__((warn_unused_result))
bool when_parse(const char *s, char *out, size_t len);

/*
 * The instant s, RFC 3339 as the server sends it, in the local zone (UTC
 * with --utc): "2026-10-01 14:00 +02:00" on a terminal, RFC 3339 with the
 * offset ("2026-10-01T14:00:00+02:00") in JSON and CSV. An offset of zero
 * is written as UTC: "2026-10-01 12:00 UTC", "2026-10-01T12:00:00Z". s
 * itself when it is not such an instant (empty, a day).
 */
const char *when_format(const char *s, PrintFormat format, char *buf, size_t len);

/*
 * The instant of a time field pair as RFC 3339 in UTC: from us, the *_us
 * field (microseconds since the epoch), when it is set, else the
 * deprecated text twin from a server that sends no *_us yet. Returns buf
 * or text. when_format() then shows it.
 */
const char *when_us_text(int64_t us, const char *text, char *buf, size_t len);

/*
 * The instant of s, RFC 3339 in UTC as when_parse() writes it
 * ("2026-10-01T12:00:00Z"), in microseconds since the epoch; 0 when s is
 * not such a time.
 */
int64_t when_us(const char *s);

/* when_us_text() of the time field x of message m, into the array buf. */
#define WHEN_US(m, x, buf) when_us_text((m)->x##_us, (m)->x, (buf), sizeof(buf))

/* Room for one time as when_format() writes it. */
#define WHEN_MAX 40

/*
 * For tables whose cells a command fills itself: each of cells[0..n-1]
 * whose column headers[i] names a time, as when_format() shows it in
 * format, written into bufs[i].
 */
void when_cells(size_t n, const char *const *headers, const char **cells, PrintFormat format,
		char (*bufs)[WHEN_MAX]);

/* Today in the local zone (UTC with --utc) as YYYY-MM-DD, in buf[11]. */
const char *when_today(char buf[11]);

#endif
