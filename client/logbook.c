/*
 * logbook.c: the buffer of a logbook chapter being written (logbook.h).
 */
#include "logbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "editor.h"

/* Makes dir (mode 0700) unless it exists. */
static bool
make_dir(const char *dir)
{
	return mkdir(dir, 0700) == 0 || errno == EEXIST;
}

/* Appends s to out (of size len, holding a string), each character that is
 * not safe in a file name as '_'. */
static bool
append_safe(char *out, size_t len, const char *s)
{
	size_t n = strlen(out);
	for (; *s != '\0'; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '_' || ch == '.'))
			ch = '_';
		if (n + 1 >= len)
			return false;
		out[n++] = ch;
	}
	out[n] = '\0';
	return true;
}

bool
logbook_buffer_path(const char *inst, const char *module, char *path, size_t len)
{
	const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char dir[4096];
	int n;

	if (cache != NULL && cache[0] == '/')
		n = snprintf(dir, sizeof dir, "%s/triad", cache);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(dir, sizeof dir, "%s/.cache/triad", home);
	else
		return (errno = ENOENT), false;
	if (n < 0 || (size_t)n >= sizeof dir)
		return (errno = ENAMETOOLONG), false;
	n = snprintf(path, len, "%s/logbook-", dir);
	if (n < 0 || (size_t)n >= len)
		return (errno = ENAMETOOLONG), false;
	if (!append_safe(path, len, inst[0] != '\0' ? inst : "default") ||
	    !append_safe(path, len, "-") || !append_safe(path, len, module) ||
	    !append_safe(path, len, ".txt"))
		return (errno = ENAMETOOLONG), false;
	return true;
}

/* Makes the directories of path (all but its last component). */
static bool
make_parents(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		bool ok = make_dir(dir);
		*p = '/';
		if (!ok)
			return false;
	}
	return true;
}

bool
logbook_buffer_store(const char *path, const char *text)
{
	char tmp[4200];
	int fd;
	size_t len = strlen(text);

	if (!make_parents(path))
		return false;
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return false;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return (errno = e), false;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return (errno = e), false;
	}
	return true;
}

bool
logbook_buffer_load(const char *path, char **text)
{
	EditorError err;

	*text = NULL;
	if (access(path, F_OK) != 0)
		return errno == ENOENT;
	if (!editor_read_path(path, NULL, LOGBOOK_TEXT_MAX * 4, text, &err)) {
		errno = err.errnum != 0 ? err.errnum : EINVAL;
		return false;
	}
	return true;
}

bool
logbook_buffer_drop(const char *path)
{
	return unlink(path) == 0 || errno == ENOENT;
}
