/*
 * feedback.c: the feedback template and finding a coachee (see feedback.h).
 */
#include "feedback.h"
#include "when.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *const feedback_headings[FEEDBACK_PARTS] = {
	"Situation",
	"Behaviour",
	"Effect",
	"Suggestion",
};

/* What each part is, in the coach's words, for the template's comments. */
static const char *const part_help[FEEDBACK_PARTS] = {
	"# Where and when was it? For example: \"the team meeting about the new\n"
	"# rosters on Tuesday morning\".\n",
	"# What did %s do? Write what you saw or heard,\n"
	"# not what you think of it.\n",
	"# What did it lead to? How did others react, what happened next?\n",
	"# One thing to try next time.\n",
};

void
feedback_text_free(FeedbackText *t)
{
	for (int i = 0; i < FEEDBACK_PARTS; i++) {
		free(t->part[i]);
		t->part[i] = NULL;
	}
}

/*
 * The part whose heading line is at line (len bytes, without its line
 * end), with *rest pointing after the colon; -1 when it is no heading.
 */
static int
heading_of(const char *line, size_t len, const char **rest)
{
	static const struct {
		const char *word;
		int part;
	} words[] = {
		{"situation", FEEDBACK_SITUATION}, {"behaviour", FEEDBACK_BEHAVIOUR},
		{"behavior", FEEDBACK_BEHAVIOUR},  {"effect", FEEDBACK_EFFECT},
		{"suggestion", FEEDBACK_SUGGESTION},
	};
	const char *p = line, *end = line + len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		size_t wl = strlen(words[i].word);
		const char *q = p + wl;

		if ((size_t)(end - p) < wl || strncasecmp(p, words[i].word, wl) != 0)
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == ':') {
			*rest = q + 1;
			return words[i].part;
		}
		if (q == end) {
			*rest = end;
			return words[i].part;
		}
	}
	return -1;
}

/* A growing string. */
typedef struct Buf {
	char *s;
	size_t len, cap;
	bool no_memory;
} Buf;

static void
buf_add(Buf *b, const char *s, size_t n)
{
	if (b->no_memory)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *grown;

		while (b->len + n + 1 > cap)
			cap *= 2;
		if ((grown = realloc(b->s, cap)) == NULL) {
			b->no_memory = true;
			return;
		}
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Add one line of a part (without its line end), trimmed at the end. */
static void
part_add_line(Buf *b, const char *line, size_t len)
{
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	buf_add(b, line, len);
	buf_add(b, "\n", 1);
}

/* The part in b without blank lines and white space around it, malloc'd. */
static char *
part_take(Buf *b)
{
	const char *s = b->s != NULL ? b->s : "";
	size_t start = 0, end = b->len;
	char *out;

	while (start < end && isspace((unsigned char)s[start]))
		start++;
	while (end > start && isspace((unsigned char)s[end - 1]))
		end--;
	out = malloc(end - start + 1);
	if (out != NULL) {
		memcpy(out, s + start, end - start);
		out[end - start] = '\0';
	}
	free(b->s);
	memset(b, 0, sizeof *b);
	return out;
}

FeedbackParse
feedback_parse(const char *text, FeedbackText *out, size_t *line)
{
	Buf parts[FEEDBACK_PARTS];
	const char *p = text != NULL ? text : "";
	int cur = -1;
	size_t lineno = 0;
	bool empty = true, no_memory = false;
	FeedbackParse rc = FEEDBACK_PARSED;

	memset(out, 0, sizeof *out);
	memset(parts, 0, sizeof parts);
	while (*p != '\0') {
		size_t len = strcspn(p, "\n");
		const char *next = p[len] == '\n' ? p + len + 1 : p + len, *rest;
		int h;

		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0 && p[0] == '#') {
			p = next;
			continue;
		}
		h = heading_of(p, len, &rest);
		if (h >= 0) {
			size_t n = (size_t)(p + len - rest);

			/* A heading given again continues its part after a blank line. */
			if (parts[h].len > 0)
				buf_add(&parts[h], "\n", 1);
			cur = h;
			while (n > 0 && (*rest == ' ' || *rest == '\t'))
				rest++, n--;
			if (n > 0)
				part_add_line(&parts[h], rest, n);
		} else if (cur >= 0) {
			part_add_line(&parts[cur], p, len);
		} else if (strspn(p, " \t\r") < len) {
			if (line != NULL)
				*line = lineno;
			rc = FEEDBACK_STRAY;
			break;
		}
		p = next;
	}
	for (int i = 0; i < FEEDBACK_PARTS; i++) {
		no_memory |= parts[i].no_memory;
		out->part[i] = part_take(&parts[i]);
		if (out->part[i] == NULL)
			no_memory = true;
		else if (out->part[i][0] != '\0')
			empty = false;
	}
	if (rc == FEEDBACK_PARSED && no_memory)
		rc = FEEDBACK_PARSE_NO_MEMORY;
	else if (rc == FEEDBACK_PARSED && empty)
		rc = FEEDBACK_EMPTY;
	if (rc != FEEDBACK_PARSED)
		feedback_text_free(out);
	return rc;
}

/* Write s as comment lines "# s", one for each of its lines. */
static void
comment_lines(FILE *out, const char *prefix, const char *s)
{
	bool first = true;

	while (first || *s != '\0') {
		size_t len = strcspn(s, "\r\n");

		fprintf(out, "# %s%.*s\n", first ? prefix : "  ", (int)len, s);
		s += len;
		s += strspn(s, "\r\n");
		first = false;
	}
}

void
feedback_template_write(FILE *out, const FeedbackTemplate *t)
{
	const char *name = t->participant != NULL && t->participant[0] != '\0' ? t->participant
									      : "the participant";

	if (t->edit_until != NULL) {
		fprintf(out, "# Your feedback for %s", name);
	} else {
		fprintf(out, "# Feedback for %s", name);
	}
	if (t->context != NULL && t->context[0] != '\0')
		fprintf(out, " (%s)", t->context);
	fputs(".\n", out);
	if (t->question != NULL && t->question[0] != '\0')
		comment_lines(out, "They asked you: ", t->question);
	fputs("#\n", out);
	if (t->edit_until != NULL) {
		fputs("# Change what you want, then save the file and close the editor.\n", out);
		fprintf(out, "# Feedback can be changed for 24 hours after it is given: this one\n"
			     "# until %s.\n", t->edit_until);
	} else {
		fputs("# Write under each heading, then save the file and close the editor.\n",
		      out);
	}
	fputs("# Situation and Behaviour are needed; Effect and Suggestion help.\n"
	      "# Feedback describes what happened; it is never a grade.\n"
	      "# Lines that start with '#' are left out.\n", out);
	if (t->edit_until != NULL)
		fputs("# To keep the feedback as it was, close the editor without changes.\n",
		      out);
	else
		fputs("# To stop without sending anything, leave the headings empty, save and\n"
		      "# close.\n", out);
	if (t->key != NULL && t->key[0] != '\0')
		fprintf(out, "#\n" FEEDBACK_KEY_COMMENT "%s\n"
			     "# (This line keeps a retry from saving the feedback twice; "
			     "leave it.)\n", t->key);
	for (int i = 0; i < FEEDBACK_PARTS; i++) {
		const char *text = t->text != NULL && t->text->part[i] != NULL ? t->text->part[i]
									       : "";

		fprintf(out, "\n%s:\n", feedback_headings[i]);
		fprintf(out, part_help[i], name);
		if (text[0] != '\0')
			fprintf(out, "%s\n", text);
	}
}

bool
feedback_template_key(const char *text, char *buf, size_t len)
{
	const size_t plen = strlen(FEEDBACK_KEY_COMMENT);

	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, FEEDBACK_KEY_COMMENT, plen) == 0) {
			const char *k = p + plen;
			size_t n = strspn(k, "0123456789abcdef");

			if (n == FEEDBACK_KEY_HEX && len > n && strchr("\r\n", k[n]) != NULL) {
				memcpy(buf, k, n);
				buf[n] = '\0';
				return true;
			}
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return false;
}

size_t
feedback_chars(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

bool
feedback_check(const FeedbackText *t, const char *participant, char *msg, size_t len)
{
	const char *name = participant != NULL && participant[0] != '\0' ? participant
									 : "the participant";

	if (t->part[FEEDBACK_SITUATION] == NULL || t->part[FEEDBACK_SITUATION][0] == '\0') {
		snprintf(msg, len, "Please describe the situation under 'Situation:': where and "
				   "when did you see it?");
		return false;
	}
	if (t->part[FEEDBACK_BEHAVIOUR] == NULL || t->part[FEEDBACK_BEHAVIOUR][0] == '\0') {
		snprintf(msg, len, "Please describe the behaviour under 'Behaviour:': what did %s "
				   "do? Write what you saw or heard.", name);
		return false;
	}
	for (int i = 0; i < FEEDBACK_PARTS; i++)
		if (t->part[i] != NULL && feedback_chars(t->part[i]) > FEEDBACK_PART_MAX) {
			char lower[16];

			snprintf(lower, sizeof lower, "%s", feedback_headings[i]);
			lower[0] = (char)tolower((unsigned char)lower[0]);
			snprintf(msg, len, "The %s is longer than %d characters (it has %zu); "
					   "please shorten it.", lower, FEEDBACK_PART_MAX,
				 feedback_chars(t->part[i]));
			return false;
		}
	return true;
}

void
feedback_key_hex(const unsigned char bytes[16], char out[FEEDBACK_KEY_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 0x0f];
	}
	out[FEEDBACK_KEY_HEX] = '\0';
}

bool
feedback_new_key(char out[FEEDBACK_KEY_HEX + 1])
{
	unsigned char bytes[16];
	size_t got = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (got < sizeof bytes) {
		ssize_t n = read(fd, bytes + got, sizeof bytes - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != sizeof bytes)
		return false;
	feedback_key_hex(bytes, out);
	return true;
}

bool
feedback_key_ok(const char *key)
{
	return key != NULL && strlen(key) == FEEDBACK_KEY_HEX &&
	       strspn(key, "0123456789abcdef") == FEEDBACK_KEY_HEX;
}

/* s lower-cased with runs of white space as one space and none around, into buf. */
static void
normalise(const char *s, char *buf, size_t len)
{
	size_t used = 0;
	bool space = false;

	if (len == 0)
		return;
	for (s += strspn(s, " \t\r\n"); *s != '\0' && used + 2 < len; s++) {
		if (isspace((unsigned char)*s)) {
			space = true;
			continue;
		}
		if (space)
			buf[used++] = ' ';
		space = false;
		buf[used++] = (char)tolower((unsigned char)*s);
	}
	buf[used] = '\0';
}

/* Whether the normalised name holds the normalised words as whole words. */
static bool
has_words(const char *name, const char *words)
{
	size_t wl = strlen(words);

	if (wl == 0)
		return false;
	for (const char *p = strstr(name, words); p != NULL; p = strstr(p + 1, words))
		if ((p == name || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
			return true;
	return false;
}

enum { BY_ID, BY_EMAIL, BY_NAME, BY_WORDS, BY_COUNT };

static bool
matches(const Triad__V1__Coachee *c, const char *who, const char *norm, int how)
{
	char name[512];

	switch (how) {
	case BY_ID:
		return strcmp(c->relation_id, who) == 0 || strcmp(c->enrollment_id, who) == 0 ||
		       strcmp(c->participant_person_id, who) == 0;
	case BY_EMAIL:
		return c->participant_email[0] != '\0' &&
		       strcasecmp(c->participant_email, norm) == 0;
	case BY_NAME:
		normalise(c->participant_name, name, sizeof name);
		return strcmp(name, norm) == 0;
	default:
		normalise(c->participant_name, name, sizeof name);
		return has_words(name, norm);
	}
}

size_t
feedback_match(Triad__V1__Coachee *const *all, size_t n, const char *who,
	       const char *institution, size_t *out, size_t max)
{
	char norm[512];

	if (who == NULL || who[0] == '\0')
		return 0;
	normalise(who, norm, sizeof norm);
	for (int how = BY_ID; how < BY_COUNT; how++) {
		size_t found = 0;

		for (size_t i = 0; i < n; i++) {
			const Triad__V1__Coachee *c = all[i];

			if (institution != NULL && institution[0] != '\0' &&
			    strcmp(c->institution_id, institution) != 0 &&
			    strcasecmp(c->institution_slug, institution) != 0)
				continue;
			if (!matches(c, who, norm, how))
				continue;
			if (found < max)
				out[found] = i;
			found++;
		}
		if (found > 0)
			return found;
	}
	return 0;
}

bool
feedback_one_person(Triad__V1__Coachee *const *all, const size_t *matches_, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(all[matches_[i]]->participant_person_id,
			   all[matches_[0]]->participant_person_id) != 0)
			return false;
	return n > 0;
}

bool
feedback_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return false;
	if (*end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
		return false;
	*out = timegm(&tm);
	return true;
}

const char *
feedback_local_time(const char *s, const char *fmt, char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	if (!feedback_parse_time(s, &t) ||
	    (when_utc() ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL ||
	    strftime(buf, len, fmt, &tm) == 0)
		return s;
	return buf;
}
