/*
 * text.h: what the daemon accepts as text and what it sends as text.
 *
 * Protocol strings are UTF-8 (proto3 says so, and Python's, Go's and
 * Java's runtimes refuse to decode a message that breaks it). protobuf-c
 * checks neither UTF-8 nor embedded NUL bytes, and a C string ends at the
 * first NUL: "before\0after" would silently become "before". So every
 * string field of a request is checked on the wire, before it is decoded
 * into C strings (frame_scan() in frame.c), and every message the daemon
 * writes into an answer is made valid UTF-8 (text_make_utf8).
 */
#ifndef TRIAD_TEXT_H
#define TRIAD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when bytes[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool text_utf8_valid(const uint8_t *bytes, size_t len);

/*
 * Makes the NUL-terminated s valid UTF-8 in place: each byte that does not
 * start or continue a valid sequence becomes '?'. Returns s.
 */
char *text_make_utf8(char *s);

/*
 * Copies the string src into dst of size bytes (size > 0), cut to size - 1
 * bytes and always terminated, as snprintf(dst, size, "%s", src) does but
 * without formatting. Returns dst.
 */
char *text_copy(char *dst, size_t size, const char *src);

/* Writes v in decimal into buf (size > 0), cut like text_copy(). Returns buf. */
char *text_u64(char *buf, size_t size, uint64_t v);

/* The same of a signed v, as snprintf(buf, size, "%lld", v) writes it. */
char *text_i64(char *buf, size_t size, int64_t v);

/*
 * Writes a, sep and b one after the other into dst of size bytes (size > 0),
 * cut like text_copy(): snprintf(dst, size, "%s%s%s", a, sep, b). Returns dst.
 */
char *text_join(char *dst, size_t size, const char *a, const char *sep, const char *b);

/*
 * The instant us (microseconds since 1970-01-01T00:00:00Z, negative before)
 * as the protocol's text twin of a *_us field: "YYYY-MM-DDTHH:MM:SSZ" in
 * UTC, cut to the second (towards the past), exactly as triad_ts() in
 * sql/functions/common.sql writes it. A year past 9999 takes more digits,
 * one before year 0 a '-'. No locale, no time zone. Returns buf, which
 * needs TEXT_TIME_MAX bytes; "" when size is smaller.
 */
char *text_time_us(char *buf, size_t size, int64_t us);

/*
 * The same with the fraction of the second when there is one
 * ("2026-11-22T08:00:00.250000Z"): the exact instant, for a parameter
 * PostgreSQL reads as timestamptz. Same room needed.
 */
char *text_time_us_exact(char *buf, size_t size, int64_t us);

/* Room for any instant text_time_us() writes, with its NUL. */
#define TEXT_TIME_MAX 32

#endif
