/*
 * text.c: UTF-8 checks, and clean text in answers.
 */
#include "text.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at b (n bytes left), or 0. */
static size_t
utf8_seq(const uint8_t *b, size_t n)
{
	uint8_t c = b[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((b[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (b[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
text_utf8_valid(const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(bytes + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

char *
text_make_utf8(char *s)
{
	size_t len = strlen(s);
	uint8_t *b = (uint8_t *)s;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(b + i, len - i);
		if (n == 0) {
			b[i++] = '?';
			continue;
		}
		i += n;
	}
	return s;
}

char *
text_copy(char *dst, size_t size, const char *src)
{
	if (src[0] == '\0') {   /* most often: an optional field not set */
		dst[0] = '\0';
		return dst;
	}
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
	return dst;
}

char *
text_u64(char *buf, size_t size, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	const char *first = digits + sizeof digits - n;
	if (n > size - 1)
		n = size - 1;   /* the leading digits, as snprintf() cuts */
	memcpy(buf, first, n);
	buf[n] = '\0';
	return buf;
}

char *
text_i64(char *buf, size_t size, int64_t v)
{
	if (v >= 0 || size < 2)
		return text_u64(buf, size, v >= 0 ? (uint64_t)v : 0);
	buf[0] = '-';
	/* The magnitude without overflow, INT64_MIN too. */
	text_u64(buf + 1, size - 1, (uint64_t)-(v + 1) + 1);
	return buf;
}

char *
text_join(char *dst, size_t size, const char *a, const char *sep, const char *b)
{
	const char *parts[3] = {a, sep, b};
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		size_t len = strlen(parts[i]);
		if (len > size - 1 - n)
			len = size - 1 - n;
		memcpy(dst + n, parts[i], len);
		n += len;
	}
	dst[n] = '\0';
	return dst;
}

/* Writes v (>= 0) in decimal with at least width digits at o; returns the end. */
static char *
put_digits(char *o, long long v, int width)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n < width)
		digits[n++] = '0';
	while (n > 0)
		*o++ = digits[--n];
	return o;
}

/*
 * The proleptic Gregorian date (year 0 is 1 BC, as in gmtime()) of day z,
 * counted from 1970-01-01: Howard Hinnant's civil_from_days(), which needs
 * no table, no time zone and no lock, unlike gmtime_r(), which took a lock
 * and most of the time of an answer's timestamps.
 */
static void
civil_from_days(long long z, long long *year, int *month, int *day)
{
	z += 719468;   /* from 0000-03-01, so that a leap day ends its year */
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;                                    /* [0, 146096] */
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);             /* [0, 365] */
	long long mp = (5 * doy + 2) / 153;                                  /* [0, 11], from March */

	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

char *
text_time_us(char *buf, size_t size, int64_t us)
{
	/* Whole seconds towards the past, so -1 µs is 23:59:59 the day before;
	 * whole days likewise. */
	long long secs = us / 1000000;
	if (us % 1000000 < 0)
		secs--;
	long long days = secs / 86400, sod = secs % 86400;
	if (sod < 0) {
		days--;
		sod += 86400;
	}

	if (size < TEXT_TIME_MAX) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	long long year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	char *o = buf;
	if (year < 0) {
		*o++ = '-';
		year = -year;
	}
	o = put_digits(o, year, 4);
	*o++ = '-';
	o = put_digits(o, month, 2);
	*o++ = '-';
	o = put_digits(o, day, 2);
	*o++ = 'T';
	o = put_digits(o, sod / 3600, 2);
	*o++ = ':';
	o = put_digits(o, sod / 60 % 60, 2);
	*o++ = ':';
	o = put_digits(o, sod % 60, 2);
	*o++ = 'Z';
	*o = '\0';
	return buf;
}

char *
text_time_us_exact(char *buf, size_t size, int64_t us)
{
	long long frac = us % 1000000;

	text_time_us(buf, size, us);
	if (frac < 0)
		frac += 1000000;
	size_t n = strlen(buf);
	/* n + ".ffffff" fits: TEXT_TIME_MAX leaves room past the longest year. */
	if (frac == 0 || n == 0 || n + 7 >= size)
		return buf;
	char *o = buf + n - 1;   /* over the 'Z' */
	*o++ = '.';
	o = put_digits(o, frac, 6);
	*o++ = 'Z';
	*o = '\0';
	return buf;
}
