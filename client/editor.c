/*
 * editor.c: texts from files, standard input and the editor (see editor.h).
 */
#include "editor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Fill err and return false. */
static bool
fail(EditorError *err, EditorStatus status, const char *what, int errnum)
{
	err->status = status;
	snprintf(err->what, sizeof err->what, "%s", what != NULL ? what : "");
	err->errnum = errnum;
	return false;
}

bool
editor_read(FILE *in, const char *what, size_t max, char **text, EditorError *err)
{
	char *buf = malloc(max + 1);
	size_t n;

	*text = NULL;
	memset(err, 0, sizeof *err);
	if (buf == NULL)
		return fail(err, EDITOR_NO_MEMORY, what, 0);
	/* One byte more than max tells a text that is too long. */
	n = fread(buf, 1, max + 1, in);
	if (ferror(in)) {
		free(buf);
		return fail(err, EDITOR_UNREADABLE, what, errno);
	}
	if (n > max) {
		free(buf);
		return fail(err, EDITOR_TOO_LONG, what, 0);
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		return fail(err, EDITOR_NOT_TEXT, what, 0);
	}
	*text = buf;
	return true;
}

bool
editor_read_path(const char *path, FILE *dash, size_t max, char **text, EditorError *err)
{
	FILE *in;
	bool ok;

	if (strcmp(path, "-") == 0)
		return editor_read(dash, "standard input", max, text, err);
	*text = NULL;
	memset(err, 0, sizeof *err);
	if ((in = fopen(path, "r")) == NULL)
		return fail(err, EDITOR_UNREADABLE, path, errno);
	ok = editor_read(in, path, max, text, err);
	fclose(in);
	return ok;
}

bool
editor_piped(FILE *in)
{
	return !isatty(fileno(in));
}

/* Whether an executable called name is on $PATH. */
static bool
in_path(const char *name)
{
	const char *path = getenv("PATH");
	char file[4096];

	if (path == NULL || path[0] == '\0')
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t len = strcspn(path, ":");

		snprintf(file, sizeof file, "%.*s/%s", (int)(len > 0 ? len : 1),
			 len > 0 ? path : ".", name);
		if (access(file, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

/* $VISUAL, else $EDITOR, else vi, else nano; NULL when there is none. */
static const char *
editor_command(bool *fallback)
{
	const char *e = getenv("VISUAL");

	*fallback = false;
	if (e == NULL || e[strspn(e, " \t")] == '\0')
		e = getenv("EDITOR");
	if (e != NULL && e[strspn(e, " \t")] != '\0')
		return e;
	*fallback = true;
	if (in_path("vi"))
		return "vi";
	if (in_path("nano"))
		return "nano";
	return NULL;
}

/* Run editor (a shell command, as git runs it) on path; true when it exits 0. */
static bool
run_editor(const char *editor, const char *path)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
	char script[4096];
	bool ok = false;
	int status;
	pid_t pid, got;

	snprintf(script, sizeof script, "%s \"$@\"", editor);
	sigemptyset(&ignore.sa_mask);
	/* Ctrl-C belongs to the editor while it runs. */
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execl("/bin/sh", "sh", "-c", script, editor, path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while ((got = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
		ok = got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return ok;
}

bool
editor_edit(const char *initial, const char *name, size_t max, FILE *tell, char **text,
	    bool *failed, EditorError *err)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	const char *editor;
	bool fallback, ok;
	FILE *f;
	int fd, errnum;

	*text = NULL;
	*failed = false;
	memset(err, 0, sizeof *err);
	if ((editor = editor_command(&fallback)) == NULL)
		return fail(err, EDITOR_NO_EDITOR, NULL, 0);
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	snprintf(path, sizeof path, "%s/%s-XXXXXX.txt", tmp, name);
	if ((fd = mkstemps(path, 4)) < 0 || fchmod(fd, 0600) != 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		errnum = errno;
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return fail(err, EDITOR_NO_FILE, path, errnum);
	}
	fputs(initial, f);
	if (fclose(f) != 0) {
		errnum = errno;
		unlink(path);
		return fail(err, EDITOR_UNWRITABLE, path, errnum);
	}
	if (fallback && strcmp(editor, "vi") == 0)
		fputs("Opening the editor vi. Press i to start typing; when you are done, press "
		      "Esc,\nthen type :wq and press Enter. (To use another editor, set EDITOR, "
		      "such as\nEDITOR=nano.)\n", tell);
	fflush(NULL);
	*failed = !run_editor(editor, path);
	ok = editor_read_path(path, NULL, max, text, err);
	unlink(path);
	return ok;
}

/* Where kept texts go: $XDG_CACHE_HOME/triad or ~/.cache/triad, made when missing. */
static bool
cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char parent[4096];

	if (xdg != NULL && xdg[0] == '/') {
		snprintf(parent, sizeof parent, "%s", xdg);
	} else if (home != NULL && home[0] == '/') {
		snprintf(parent, sizeof parent, "%s/.cache", home);
	} else {
		errno = ENOENT;
		return false;
	}
	if ((size_t)snprintf(buf, len, "%s/triad", parent) >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	if (mkdir(parent, 0700) != 0 && errno != EEXIST)
		return false;
	return mkdir(buf, 0700) == 0 || errno == EEXIST;
}

bool
editor_keep(const char *name, const char *head, const char *text, char *path, size_t len)
{
	char dir[4096], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f = NULL;
	int fd = -1, errnum;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (!cache_dir(dir, sizeof dir))
		return false;
	if ((size_t)snprintf(path, len, "%s/%s-%s-XXXXXX.txt", dir, name, stamp) >= len) {
		errno = ENAMETOOLONG;
		return false;
	}
	if ((fd = mkstemps(path, 4)) >= 0 && fchmod(fd, 0600) == 0)
		f = fdopen(fd, "w");
	if (f != NULL) {
		if (head != NULL)
			fputs(head, f);
		fputs(text, f);
		if (fclose(f) == 0)
			return true;
		errnum = errno;
		unlink(path);
		errno = errnum;
		return false;
	}
	errnum = errno;
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	errno = errnum;
	return false;
}
