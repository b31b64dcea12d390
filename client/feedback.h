/*
 * feedback.h: formative feedback as a coach writes it, and finding the
 * coachee a coach means, without the network (cmd_feedback.c does that),
 * so that both can be tested on their own.
 *
 * THE TEMPLATE. Feedback is written like a commit message: a text file
 * with four headings, "Situation:", "Behaviour:", "Effect:" and
 * "Suggestion:", each followed by that part. Headings are recognised in
 * any case, with the colon or without it, and "Behavior:" too; text on the
 * heading's own line after the colon belongs to the part. Lines that start
 * with '#' are left out, so the template explains itself in comments. Line
 * ends may be LF or CRLF. Each part is trimmed of blank lines and white
 * space around it, and of white space at the end of its lines; a heading
 * given twice continues its part. Text before the first heading is an
 * error, so nothing written is silently dropped. A template with nothing
 * but headings, comments and white space is empty: the coach changed their
 * mind, and nothing is sent.
 *
 * THE COACHEE. A coach names a participant by e-mail, name, person id,
 * enrollment id or relation id; feedback_match() finds who among the
 * coach's coachees (ListCoachees) that is.
 */
#ifndef TRIAD_CLIENT_FEEDBACK_H
#define TRIAD_CLIENT_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "triad/v1/triangle.pb-c.h"

/* The most characters (not bytes) in one part, as the server allows. */
#define FEEDBACK_PART_MAX 4000

/* The most bytes of a template read from a file, an editor or standard input. */
#define FEEDBACK_TEXT_MAX (256 * 1024)

/* Hex digits of an idempotency key: 128 random bits. */
#define FEEDBACK_KEY_HEX 32

/* How a saved template keeps the key of an attempt whose outcome is unknown. */
#define FEEDBACK_KEY_COMMENT "# Retry key: "

typedef enum FeedbackPart {
	FEEDBACK_SITUATION = 0,
	FEEDBACK_BEHAVIOUR,
	FEEDBACK_EFFECT,
	FEEDBACK_SUGGESTION,
	FEEDBACK_PARTS,
} FeedbackPart;

/* "Situation", "Behaviour", "Effect", "Suggestion". */
extern const char *const feedback_headings[FEEDBACK_PARTS];

/* The four parts, each a malloc'd string ("" when not written). */
typedef struct FeedbackText {
	char *part[FEEDBACK_PARTS];
} FeedbackText;

typedef enum FeedbackParse {
	FEEDBACK_PARSED = 0,
	FEEDBACK_EMPTY,           /* nothing but headings, comments and white space */
	FEEDBACK_STRAY,           /* text before the first heading (*line says where) */
	FEEDBACK_PARSE_NO_MEMORY,
} FeedbackParse;

/*
 * Parse a template (see the top of this file) into out, which must be
 * freed with feedback_text_free() after FEEDBACK_PARSED and is empty
 * otherwise. On FEEDBACK_STRAY, *line (when not NULL) is the number, from
 * 1, of the first line of text outside the headings.
 */
__attribute__((warn_unused_result))
FeedbackParse feedback_parse(const char *text, FeedbackText *out, size_t *line);

/* Free the parts; safe on a zeroed or freed FeedbackText. */
void feedback_text_free(FeedbackText *t);

/* What a template says around the four headings. */
typedef struct FeedbackTemplate {
	const char *participant;  /* the coachee's name */
	const char *context;      /* such as "Metropool at nsob"; may be NULL */
	const char *question;     /* what the coachee asked, for an answer; may be NULL */
	const char *edit_until;   /* for an edit: until when it may be changed; NULL for new */
	const FeedbackText *text; /* what the parts hold to begin with; may be NULL */
	const char *key;          /* a retry key to keep in the file; may be NULL */
} FeedbackTemplate;

/* Write the template t to out; every line but the headings and parts is a comment. */
void feedback_template_write(FILE *out, const FeedbackTemplate *t);

/*
 * The retry key a saved template carries on a FEEDBACK_KEY_COMMENT line,
 * into buf (FEEDBACK_KEY_HEX + 1 bytes at least); false when it has none.
 */
__attribute__((warn_unused_result))
bool feedback_template_key(const char *text, char *buf, size_t len);

/*
 * Whether the text may be sent: a situation and a behaviour, and no part
 * longer than FEEDBACK_PART_MAX characters. Otherwise msg holds a sentence
 * for the coach, naming the participant.
 */
__attribute__((warn_unused_result))
bool feedback_check(const FeedbackText *t, const char *participant, char *msg, size_t len);

/* Characters in the UTF-8 string s (bytes that start a character). */
size_t feedback_chars(const char *s);

/* The 16 bytes as 32 lower-case hex digits into out (33 bytes). */
void feedback_key_hex(const unsigned char bytes[16], char out[FEEDBACK_KEY_HEX + 1]);

/* A new idempotency key from /dev/urandom into out; false when it cannot be read. */
__attribute__((warn_unused_result))
bool feedback_new_key(char out[FEEDBACK_KEY_HEX + 1]);

/* Whether key looks like one of feedback_new_key()'s. */
bool feedback_key_ok(const char *key);

/* Parse an RFC 3339 time in UTC ("2026-05-22T08:00:00Z", fractions allowed). */
__attribute__((warn_unused_result))
bool feedback_parse_time(const char *s, time_t *out);

/*
 * The RFC 3339 time s in local time (UTC with --utc, when.h) as the
 * strftime() format fmt says, into buf; s itself when it is not one.
 */
const char *feedback_local_time(const char *s, const char *fmt, char *buf, size_t len);

/*
 * The coachees among all[0..n-1] whose relation id, enrollment id or
 * person id is who; else whose e-mail is who (ignoring case); else whose
 * name is who; else whose name holds who as whole words ("de Boer" in
 * "Anna de Boer", not "Ann"), names compared ignoring case and runs of
 * white space. With institution (an id or slug; NULL or "" for any) only
 * the coachees there count. Their indexes go into out[0..max-1]; returns
 * how many matched (which may be more than max).
 */
size_t feedback_match(Triad__V1__Coachee *const *all, size_t n, const char *who,
		      const char *institution, size_t *out, size_t max);

/* Whether matches[0..n-1] of all are all the same person (by person id). */
bool feedback_one_person(Triad__V1__Coachee *const *all, const size_t *matches, size_t n);

#endif
