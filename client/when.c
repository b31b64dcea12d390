/*
 * when.c: times as people read and type them (see when.h).
 */
#include "when.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../daemon/text.h"

/* Set once from --utc, before anything is read or printed. */
static bool use_utc;

void
when_set_utc(bool utc)
{
	use_utc = utc;
}

bool
when_utc(void)
{
	return use_utc;
}

bool
when_is_time_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 3 && strcmp(name + n - 3, "_at") == 0) || strcmp(name, "at") == 0 ||
	       strcmp(name, "since") == 0;
}

/* n digits at s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Reads "YYYY-MM-DD[ T]HH:MM[:SS[.fff]]" and an optional zone at s: the
 * fields in *tm (tm_isdst -1), whether a zone was given in *zoned, and its
 * offset east of UTC in seconds in *offset. False when s has another form.
 */
static bool
read_time(const char *s, struct tm *tm, bool *zoned, long *offset)
{
	int year = digits(s, 4), mon, mday, hour, min, sec = 0;
	const char *p;

	if (year < 0 || s[4] != '-' || (mon = digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (mday = digits(s + 8, 2)) < 0 || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') ||
	    (hour = digits(s + 11, 2)) < 0 || s[13] != ':' || (min = digits(s + 14, 2)) < 0)
		return false;
	p = s + 16;
	if (*p == ':') {
		if ((sec = digits(p + 1, 2)) < 0)
			return false;
		p += 3;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++)
				;
			if (!isdigit((unsigned char)p[-1]))
				return false;
		}
	}
	*zoned = *p != '\0';
	*offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = digits(p + 1, 2), om;
		const char *q = p + 3;

		if (*q == ':')
			q++;
		om = *q != '\0' ? digits(q, 2) : 0;
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
		*offset = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
		p = *q != '\0' ? q + 2 : q;
	}
	if (*p != '\0' || mon < 1 || mon > 12 || mday < 1 || mday > 31 || hour > 23 || min > 59 ||
	    sec > 60)
		return false;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = year - 1900;
	tm->tm_mon = mon - 1;
	tm->tm_mday = mday;
	tm->tm_hour = hour;
	tm->tm_min = min;
	tm->tm_sec = sec > 59 ? 59 : sec;
	tm->tm_isdst = -1;
	return true;
}

/*
 * The instant that the fields of want name: in UTC shifted by offset when
 * zoned or utc, in the local zone otherwise. False when the day does not
 * exist (February 30) or the local time is one the zone skips.
 */
static bool
to_instant(const struct tm *want, bool zoned, bool utc, long offset, time_t *out)
{
	struct tm tm = *want, back;
	time_t t;

	if (zoned || utc) {
		/* timegm() moves a day that does not exist on; back shows it. */
		t = timegm(&tm);
		if (gmtime_r(&t, &back) == NULL)
			return false;
		t -= offset;
	} else {
		t = mktime(&tm);
		if (t == (time_t)-1 || localtime_r(&t, &back) == NULL)
			return false;
	}
	if (back.tm_year != want->tm_year || back.tm_mon != want->tm_mon ||
	    back.tm_mday != want->tm_mday || back.tm_hour != want->tm_hour ||
	    back.tm_min != want->tm_min)
		return false;
	*out = t;
	return true;
}

bool
when_parse(const char *s, char *out, size_t len)
{
	struct tm tm, utc;
	bool zoned;
	long offset;
	time_t t;

	if (s == NULL || !read_time(s, &tm, &zoned, &offset) ||
	    !to_instant(&tm, zoned, use_utc, offset, &t) || gmtime_r(&t, &utc) == NULL)
		return false;
	return strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &utc) > 0;
}

const char *
when_format(const char *s, PrintFormat format, char *buf, size_t len)
{
	struct tm tm, shown;
	bool zoned;
	long offset;
	time_t t;
	char zone[8];

	if (s == NULL || !read_time(s, &tm, &zoned, &offset) || !zoned ||
	    !to_instant(&tm, true, true, offset, &t) ||
	    (use_utc ? gmtime_r(&t, &shown) : localtime_r(&t, &shown)) == NULL)
		return s != NULL ? s : "";
	/* Where the local zone is UTC now (TZ=UTC, or London in winter), the
	 * offset is written as UTC is. */
	if (use_utc || shown.tm_gmtoff == 0) {
		if (strftime(buf, len, format == PRINT_TEXT ? "%Y-%m-%d %H:%M UTC"
							       : "%Y-%m-%dT%H:%M:%SZ", &shown) == 0)
			return s;
		return buf;
	}
	/* %z is +0200; RFC 3339 wants +02:00. */
	if (strftime(zone, sizeof zone, "%z", &shown) != 5)
		return s;
	if (strftime(buf, len, format == PRINT_TEXT ? "%Y-%m-%d %H:%M " : "%Y-%m-%dT%H:%M:%S",
		     &shown) == 0)
		return s;
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%.3s:%s", zone, zone + 3);
	return buf;
}

void
when_cells(size_t n, const char *const *headers, const char **cells, PrintFormat format,
	   char (*bufs)[WHEN_MAX])
{
	for (size_t i = 0; i < n; i++)
		if (cells[i] != NULL && when_is_time_name(headers[i]))
			cells[i] = when_format(cells[i], format, bufs[i], WHEN_MAX);
}

const char *
when_today(char buf[11])
{
	time_t now = time(NULL);
	struct tm tm;

	if ((use_utc ? gmtime_r(&now, &tm) : localtime_r(&now, &tm)) == NULL ||
	    strftime(buf, 11, "%Y-%m-%d", &tm) == 0)
		buf[0] = '\0';
	return buf;
}

const char *
when_us_text(int64_t us, const char *text, char *buf, size_t len)
{
	char t[TEXT_TIME_MAX];

	if (us == 0)
		return text != NULL ? text : "";
	snprintf(buf, len, "%s", text_time_us(t, sizeof t, us));
	return buf;
}

int64_t
when_us(const char *s)
{
	struct tm tm = {0};
	int n = 0;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000;
}
