/*
 * credentials.c: reading, checking and writing the credentials file.
 */
#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "print.h"

bool
credentials_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/triad/credentials", xdg);
	} else {
		if (home == NULL || home[0] == '\0') {
			struct passwd *pw = getpwuid(getuid());

			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL || home[0] == '\0')
			return false;
		n = snprintf(buf, len, "%s/.config/triad/credentials", home);
	}
	return n > 0 && (size_t)n < len;
}

bool
credentials_read(const char *path, FILE *warn, char **token, char *err, size_t errlen)
{
	char buf[TRIAD_TOKEN_MAX + 2], q[PATH_MAX + 16];
	size_t len = 0, start = 0;
	struct stat st;
	char *nl;
	int fd;

	*token = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			fprintf(warn, "triad: warning: cannot read %s: %s\n", path, strerror(errno));
		return true;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(warn, "triad: warning: %s is not a regular file; ignoring it\n", path);
		close(fd);
		return true;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		fprintf(warn,
			"triad: warning: %s can be read or changed by other users; "
			"run 'chmod 600 %s'\n", path, print_shell_word(path, q, sizeof q));
	while (len < sizeof buf - 1) {
		ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(warn, "triad: warning: cannot read %s: %s\n", path, strerror(errno));
			close(fd);
			return true;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL)
			break;
	}
	close(fd);
	buf[len] = '\0';
	nl = memchr(buf, '\n', len);
	if (nl != NULL)
		len = (size_t)(nl - buf);
	else if (len > TRIAD_TOKEN_MAX) {
		snprintf(err, errlen, "the token in %s is longer than %d bytes", path,
			 TRIAD_TOKEN_MAX);
		return false;
	}
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\r'))
		len--;
	while (start < len && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	if (len - start > TRIAD_TOKEN_MAX) {
		snprintf(err, errlen, "the token in %s is longer than %d bytes", path,
			 TRIAD_TOKEN_MAX);
		return false;
	}
	*token = strndup(buf + start, len - start);
	explicit_bzero(buf, sizeof buf);
	if (*token == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

bool
credentials_token_ok(const char *token, char *err, size_t errlen)
{
	size_t len = strlen(token);

	if (len == 0) {
		snprintf(err, errlen, "the token is empty");
		return false;
	}
	if (len > TRIAD_TOKEN_MAX) {
		snprintf(err, errlen, "the token is longer than %d bytes", TRIAD_TOKEN_MAX);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)token; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7F) {
			snprintf(err, errlen,
				 "the token contains a space or a character that is not "
				 "printable ASCII; paste it exactly as it was shown");
			return false;
		}
	return true;
}

/* The directory part of path, in buf; false when it does not fit. */
static bool
dir_of(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL)
		return snprintf(buf, len, ".") < (int)len;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= len)
		return false;
	memcpy(buf, path, n);
	buf[n] = '\0';
	return true;
}

bool
credentials_check(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX], q[PATH_MAX + 16];
	struct stat st;

	if (!dir_of(path, dir, sizeof dir)) {
		snprintf(err, errlen, "the path %s is too long", path);
		return false;
	}
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s is not a directory", dir);
			return false;
		}
		if (st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s belongs to another user; the token must be kept "
				 "in a directory of your own", dir);
			return false;
		}
		if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
			snprintf(err, errlen,
				 "%s can be read or changed by other users, so a token stored "
				 "there would not be safe. Run 'chmod 700 %s' and try again",
				 dir, print_shell_word(dir, q, sizeof q));
			return false;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot check %s: %s", dir, strerror(errno));
		return false;
	}

	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen,
				 "%s is not a regular file (a link or a directory?); remove it "
				 "and try again", path);
			return false;
		}
		if (st.st_uid != geteuid()) {
			snprintf(err, errlen, "%s belongs to another user; remove it and try again",
				 path);
			return false;
		}
		if (st.st_mode & (S_IRWXG | S_IRWXO)) {
			snprintf(err, errlen,
				 "%s can be read or changed by other users, so a token stored "
				 "there would not be safe. Run 'chmod 600 %s' and try again (and "
				 "revoke the token it holds if others may have read it)",
				 path, print_shell_word(path, q, sizeof q));
			return false;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* mkdir -p dir, creating what is missing with mode 0700. */
static bool
make_dirs(const char *dir, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof buf) {
		snprintf(err, errlen, "the path %s is too long", dir);
		return false;
	}
	memcpy(buf, dir, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create the directory %s: %s", buf,
				 strerror(errno));
			return false;
		}
		buf[i] = dir[i];
	}
	return true;
}

/* Write all of buf to fd. */
static bool
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

bool
credentials_store(const char *path, const char *token, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32];
	int fd, dfd, saved;

	if (!credentials_token_ok(token, err, errlen))
		return false;
	if (!dir_of(path, dir, sizeof dir)) {
		snprintf(err, errlen, "the path %s is too long", path);
		return false;
	}
	if (!make_dirs(dir, err, errlen) || !credentials_check(path, err, errlen))
		return false;
	if (snprintf(tmp, sizeof tmp, "%s/.credentials.XXXXXX", dir) >= (int)sizeof tmp) {
		snprintf(err, errlen, "the path %s is too long", path);
		return false;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(errno));
		return false;
	}
	if (fchmod(fd, 0600) < 0 || !write_all(fd, token, strlen(token)) ||
	    !write_all(fd, "\n", 1) || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(saved));
		return false;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		saved = errno;
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(saved));
		return false;
	}
	/* Make the rename itself durable; failing here loses nothing yet. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return true;
}

bool
credentials_remove(const char *path, bool *removed, char *err, size_t errlen)
{
	*removed = false;
	if (unlink(path) == 0) {
		*removed = true;
		return true;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return true;
	snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
	return false;
}
