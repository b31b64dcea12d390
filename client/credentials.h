/*
 * credentials.h: the file that keeps the API token between runs.
 *
 * The token lives in $XDG_CONFIG_HOME/triad/credentials, or
 * ~/.config/triad/credentials, as its first line. The directory is 0700
 * and the file 0600: a token is as good as a password. Reading a file that
 * others can read only warns (the token is already exposed, and refusing
 * would lock the user out); writing a token into a file or directory that
 * others can read or change is refused, with the chmod that fixes it.
 */
#ifndef TRIAD_CLIENT_CREDENTIALS_H
#define TRIAD_CLIENT_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The longest token accepted, in bytes. */
#define TRIAD_TOKEN_MAX 4096

/*
 * Where the token is kept: $XDG_CONFIG_HOME/triad/credentials when that is
 * set to an absolute path, otherwise ~/.config/triad/credentials. Fails
 * when no home directory is known or the path does not fit in len bytes.
 */
__attribute__((warn_unused_result))
bool credentials_path(char *buf, size_t len);

/*
 * Read the token from the credentials file at path: its first line, with
 * surrounding white space removed. A missing file is not an error and
 * leaves *token NULL. Problems that should not stop the command (the file
 * is readable by other users, or cannot be opened) are warned about on
 * warn. Fails, with a message in err, when the token is too long or memory
 * runs out. On success *token is NULL or a malloc'd string owned by the
 * caller.
 */
__attribute__((warn_unused_result))
bool credentials_read(const char *path, FILE *warn, char **token, char *err, size_t errlen);

/*
 * Whether token looks like something worth sending and storing: not
 * empty, at most TRIAD_TOKEN_MAX bytes, printable ASCII without spaces.
 * Whether the server knows it is for the server to say. On failure err
 * says what is wrong, without repeating the token.
 */
__attribute__((warn_unused_result))
bool credentials_token_ok(const char *token, char *err, size_t errlen);

/*
 * Whether a token may be stored at path: the directory that holds it, if
 * it exists, must belong to this user and be neither readable nor
 * writable by others; the file, if it exists, must be a regular file of
 * this user that nobody else has any access to. On refusal err says what
 * is wrong and the exact command that fixes it.
 */
__attribute__((warn_unused_result))
bool credentials_check(const char *path, char *err, size_t errlen);

/*
 * Store token as the only line of the file at path: create the missing
 * directories (0700), check as credentials_check() does, write a
 * temporary file (0600) next to it and rename it into place, so that the
 * file is never seen half written or with looser permissions. On failure
 * the old file is left as it was and err says why.
 */
__attribute__((warn_unused_result))
bool credentials_store(const char *path, const char *token, char *err, size_t errlen);

/*
 * Remove the file at path. *removed tells whether there was one. Fails,
 * with err, only when it exists and cannot be removed.
 */
__attribute__((warn_unused_result))
bool credentials_remove(const char *path, bool *removed, char *err, size_t errlen);

#endif
