/*
 * editor.h: texts a person writes, from a file, standard input or their
 * editor, and texts kept for them in a file when they could not be used.
 *
 * These functions know nothing of commands or exit codes: what went wrong
 * comes back in an EditorError, and the wording for people is the
 * caller's, as rpc.h leaves it to client.c.
 *
 * Ownership and promises:
 *   - A text read is a malloc'd, NUL-terminated string owned by the
 *     caller; it holds no NUL byte and at most the max bytes asked for.
 *   - editor_edit() writes the text into a file of its own, made with
 *     mkstemps() and mode 0600 in $TMPDIR (else /tmp), and removes that
 *     file before it returns, whatever happened. The editor is run as git
 *     runs it: "$EDITOR" through /bin/sh, with the file as its argument,
 *     never spliced into the command. While it runs, SIGINT and SIGQUIT
 *     are the editor's; the caller's handlers are back afterwards.
 *   - editor_keep() leaves a file for the person to find: a new one, of
 *     mode 0600, in directories made with mode 0700 where they are missing.
 */
#ifndef TRIAD_CLIENT_EDITOR_H
#define TRIAD_CLIENT_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum EditorStatus {
	EDITOR_OK = 0,
	EDITOR_UNREADABLE, /* what cannot be read (errnum says why) */
	EDITOR_TOO_LONG,   /* what holds more than the max bytes */
	EDITOR_NOT_TEXT,   /* what holds a NUL byte */
	EDITOR_NO_EDITOR,  /* no $VISUAL or $EDITOR, and neither vi nor nano */
	EDITOR_NO_FILE,    /* the file to edit in cannot be made (errnum) */
	EDITOR_UNWRITABLE, /* the file to edit in cannot be written (errnum) */
	EDITOR_NO_MEMORY,
} EditorStatus;

/* What went wrong, with what it was about. */
typedef struct EditorError {
	EditorStatus status;
	char what[4096]; /* the path, or "standard input" */
	int errnum;      /* errno, for UNREADABLE, NO_FILE and UNWRITABLE */
} EditorError;

/*
 * All of in, at most max bytes, into *text; what names it in err
 * ("standard input"). On failure *text is NULL.
 */
__attribute__((warn_unused_result))
bool editor_read(FILE *in, const char *what, size_t max, char **text, EditorError *err);

/* editor_read() of the file at path, or of dash when path is "-" (standard input). */
__attribute__((warn_unused_result))
bool editor_read_path(const char *path, FILE *dash, size_t max, char **text,
		      EditorError *err);

/* Whether in is not a terminal, so that a text may be piped into it. */
bool editor_piped(FILE *in);

/*
 * Let a person write: put initial in a new file named like
 * "$TMPDIR/NAME-XXXXXX.txt" (name such as "triad-feedback"), open their
 * editor ($VISUAL, else $EDITOR, else vi, else nano) on it, and read back
 * what it holds afterwards, at most max bytes, into *text. Before the
 * editor starts, every output stream is flushed, and when it is vi for
 * want of a choice, how to use it is said on tell. *failed says that the
 * editor did not exit with 0; the text is read back all the same, so that
 * nothing written is lost.
 */
__attribute__((warn_unused_result))
bool editor_edit(const char *initial, const char *name, size_t max, FILE *tell, char **text,
		 bool *failed, EditorError *err);

/*
 * Keep head (may be NULL) and text in a new file named like
 * "$XDG_CACHE_HOME/triad/NAME-YYYYmmdd-HHMMSS-XXXXXX.txt" (else under
 * ~/.cache), whose path goes into path. False, with errno set and no file
 * left behind, when it cannot be done.
 */
__attribute__((warn_unused_result))
bool editor_keep(const char *name, const char *head, const char *text, char *path,
		 size_t len);

#endif
