/*
 * logbook.h: the buffer on disk that keeps a logbook chapter while it is
 * written, so that nothing is lost when the connection drops or the server
 * refuses the save. `triad logbook write` keeps the text here before it
 * sends it and removes the file only once the server has saved it; the
 * next write of the same chapter starts from what the file holds.
 *
 * One file per institution and module, named like
 * "$XDG_CACHE_HOME/triad/logbook-INSTITUTION-MODULE.txt" (else under
 * ~/.cache), of mode 0600 in directories of mode 0700. These functions
 * know nothing of commands: failures come back as false with errno set.
 */
#ifndef TRIAD_CLIENT_LOGBOOK_H
#define TRIAD_CLIENT_LOGBOOK_H

#include <stdbool.h>
#include <stddef.h>

/* The most bytes of a chapter, as the server allows. */
#define LOGBOOK_TEXT_MAX 100000

/*
 * The buffer's path for institution inst (may be empty) and module (a code
 * as typed) into path; characters other than letters, digits, '-', '_' and
 * '.' become '_'. False when it does not fit or no home is known.
 */
__attribute__((warn_unused_result))
bool logbook_buffer_path(const char *inst, const char *module, char *path, size_t len);

/* Writes text to the buffer at path, replacing it whole (through a new file renamed over it). */
__attribute__((warn_unused_result))
bool logbook_buffer_store(const char *path, const char *text);

/*
 * The buffer's text (malloc'd) in *text, or NULL in *text with true when
 * there is no buffer. False when it exists but cannot be read.
 */
__attribute__((warn_unused_result))
bool logbook_buffer_load(const char *path, char **text);

/* Removes the buffer; true when it is gone (or never was). */
bool logbook_buffer_drop(const char *path);

#endif
