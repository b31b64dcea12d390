/*
 * text.c: UTF-8 and NUL checks on the wire, and clean text in answers.
 */
#include "text.h"

#include <stdio.h>
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

/* Reads a varint at *pos; false when it runs past end or is too long. */
static bool
varint(const uint8_t *b, size_t end, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && *pos < end; shift += 7) {
		uint8_t c = b[(*pos)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

static void
path_join(char *out, size_t size, const char *prefix, const char *name)
{
	if (prefix != NULL && *prefix != '\0')
		snprintf(out, size, "%s.%s", prefix, name);
	else
		snprintf(out, size, "%s", name);
}

bool
text_check_message(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t len,
		   const char *prefix, int depth, TextProblem *p)
{
	size_t pos = 0;
	while (pos < len) {
		uint64_t tag, n;
		if (!varint(b, len, &pos, &tag))
			return true;
		switch (tag & 7) {
		case 0:
			if (!varint(b, len, &pos, &n))
				return true;
			continue;
		case 1:
			pos += 8;
			continue;
		case 5:
			pos += 4;
			continue;
		case 2:
			break;
		default:
			return true;   /* groups and worse: the decoder's to refuse */
		}
		if (!varint(b, len, &pos, &n) || n > len - pos)
			return true;
		const uint8_t *v = b + pos;
		pos += (size_t)n;
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3));
		if (f == NULL)
			continue;   /* an unknown field: kept as bytes, never read as text */
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			const char *why = memchr(v, 0, (size_t)n) != NULL ? "contains a NUL byte"
				: !text_utf8_valid(v, (size_t)n) ? "is not valid UTF-8" : NULL;
			if (why != NULL) {
				path_join(p->field, sizeof p->field, prefix, f->name);
				p->why = why;
				return false;
			}
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth > 0) {
			char sub[128];
			path_join(sub, sizeof sub, prefix, f->name);
			if (!text_check_message(f->descriptor, v, (size_t)n, sub, depth - 1, p))
				return false;
		}
	}
	return true;
}
