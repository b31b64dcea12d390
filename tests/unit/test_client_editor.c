/*
 * Unit tests for client/editor.c: reading a text from a file or a stream
 * (too long, not text, missing), the editor run on a file of its own that
 * only the user may read and that is gone afterwards, and a text kept in
 * the cache directory with mode 0600.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "editor.h"

static char dir[64];

static int
make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/triad-editor-unit-XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The names in path, but for those starting with '.', joined by spaces. */
static const char *
names_in(const char *path)
{
	static char buf[1024];
	DIR *d = opendir(path);
	struct dirent *e;

	buf[0] = '\0';
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
				 buf[0] ? " " : "", e->d_name);
	closedir(d);
	return buf;
}

static void
test_read(void **state)
{
	char path[128], *text;
	EditorError err;
	FILE *f;

	(void)state;
	f = fmemopen("Situation:\nWard 3.\n", 19, "r");
	assert_true(editor_read(f, "standard input", 100, &text, &err));
	assert_string_equal(text, "Situation:\nWard 3.\n");
	free(text);
	fclose(f);

	/* One byte too many. */
	f = fmemopen("12345", 5, "r");
	assert_false(editor_read(f, "standard input", 4, &text, &err));
	assert_null(text);
	assert_int_equal(err.status, EDITOR_TOO_LONG);
	assert_string_equal(err.what, "standard input");
	fclose(f);

	f = fmemopen("ab\0cd", 5, "r");
	assert_false(editor_read(f, "x", 100, &text, &err));
	assert_int_equal(err.status, EDITOR_NOT_TEXT);
	fclose(f);

	/* "-" is the stream given; a path is opened. */
	f = fmemopen("piped", 5, "r");
	assert_true(editor_read_path("-", f, 100, &text, &err));
	assert_string_equal(text, "piped");
	free(text);
	fclose(f);
	snprintf(path, sizeof path, "%s/missing.txt", dir);
	assert_false(editor_read_path(path, NULL, 100, &text, &err));
	assert_int_equal(err.status, EDITOR_UNREADABLE);
	assert_int_equal(err.errnum, ENOENT);
	assert_string_equal(err.what, path);
}

static void
test_edit(void **state)
{
	char tmp[128], editor[512], *text;
	EditorError err;
	bool failed;

	(void)state;
	snprintf(tmp, sizeof tmp, "%s/tmp", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	unsetenv("VISUAL");

	/* The editor sees a file of mode 600 with the text; what it adds comes back. */
	snprintf(editor, sizeof editor,
		 "sh -c 'stat -c %%a \"$0\" > %s/mode; echo \"$0\" > %s/name; "
		 "echo added >> \"$0\"'", dir, dir);
	setenv("EDITOR", editor, 1);
	assert_true(editor_edit("start\n", "triad-test", 1000, stderr, &text, &failed, &err));
	assert_false(failed);
	assert_string_equal(text, "start\nadded\n");
	free(text);
	snprintf(editor, sizeof editor, "%s/mode", dir);
	assert_true(editor_read_path(editor, NULL, 100, &text, &err));
	assert_string_equal(text, "600\n");
	free(text);
	snprintf(editor, sizeof editor, "%s/name", dir);
	assert_true(editor_read_path(editor, NULL, 1000, &text, &err));
	assert_non_null(strstr(text, "/tmp/triad-test-"));
	assert_non_null(strstr(text, ".txt\n"));
	free(text);
	/* Gone afterwards. */
	assert_string_equal(names_in(tmp), "");

	/* An editor that fails: the text comes back all the same, and the file goes. */
	setenv("EDITOR", "echo more >> \"$1\"; false", 1);
	assert_true(editor_edit("start\n", "triad-test", 1000, stderr, &text, &failed, &err));
	assert_true(failed);
	assert_string_equal(text, "start\nmore\n");
	free(text);
	assert_string_equal(names_in(tmp), "");

	/* No room to write in. */
	setenv("EDITOR", "true", 1);
	setenv("TMPDIR", "/nonexistent-triad-dir", 1);
	assert_false(editor_edit("x", "triad-test", 1000, stderr, &text, &failed, &err));
	assert_int_equal(err.status, EDITOR_NO_FILE);
	assert_int_equal(err.errnum, ENOENT);
	unsetenv("TMPDIR");
	unsetenv("EDITOR");
}

static void
test_keep(void **state)
{
	char cache[128], path[4200], *text;
	EditorError err;
	struct stat st;

	(void)state;
	snprintf(cache, sizeof cache, "%s/cache", dir);
	setenv("XDG_CACHE_HOME", cache, 1);
	assert_true(editor_keep("feedback", "# head\n", "text\n", path, sizeof path));
	assert_non_null(strstr(path, "/cache/triad/feedback-"));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(editor_read_path(path, NULL, 100, &text, &err));
	assert_string_equal(text, "# head\ntext\n");
	free(text);
	snprintf(path, sizeof path, "%s/triad", cache);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* Nowhere to keep it. */
	setenv("XDG_CACHE_HOME", "relative", 1);
	unsetenv("HOME");
	errno = 0;
	assert_false(editor_keep("feedback", NULL, "text\n", path, sizeof path));
	assert_int_equal(errno, ENOENT);
	unsetenv("XDG_CACHE_HOME");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_edit),
		cmocka_unit_test(test_keep),
	};

	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
