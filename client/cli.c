/*
 * cli.c: option parsing, command lookup, suggestions and help text.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CLI_DISTANCE_MAX_LEN 64

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

size_t
cli_edit_distance(const char *a, const char *b)
{
	unsigned char d[CLI_DISTANCE_MAX_LEN + 1][CLI_DISTANCE_MAX_LEN + 1];
	size_t la = strnlen(a, CLI_DISTANCE_MAX_LEN), lb = strnlen(b, CLI_DISTANCE_MAX_LEN);

	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			unsigned v = d[i - 1][j - 1] + (ca != cb);

			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	}
	return d[la][lb];
}

bool
cli_close_enough(const char *candidate, size_t dist)
{
	return dist <= (strlen(candidate) <= 3 ? 1u : 2u);
}

const Command *
cli_find(const Command *const *table, const char *name)
{
	for (; table != NULL && *table != NULL; table++)
		if (strcmp((*table)->name, name) == 0)
			return *table;
	return NULL;
}

const Command *
cli_suggest(const Command *const *table, const char *name)
{
	const Command *best = NULL;
	size_t best_dist = (size_t)-1;

	for (; table != NULL && *table != NULL; table++) {
		size_t dist = cli_edit_distance(name, (*table)->name);

		if (dist < best_dist && cli_close_enough((*table)->name, dist)) {
			best = *table;
			best_dist = dist;
		}
	}
	return best;
}

/* The option with long name name (of length len) in the tables, or NULL. */
static const CliOption *
find_long(const CliOption *const *tables, size_t ntables, const char *name, size_t len)
{
	for (size_t t = 0; t < ntables; t++)
		for (const CliOption *o = tables[t]; o != NULL && o->name != NULL; o++)
			if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
				return o;
	return NULL;
}

static const CliOption *
find_short(const CliOption *const *tables, size_t ntables, char c)
{
	for (size_t t = 0; t < ntables; t++)
		for (const CliOption *o = tables[t]; o != NULL && o->name != NULL; o++)
			if (o->short_name != '\0' && o->short_name == c)
				return o;
	return NULL;
}

/* Report an unknown long option, suggesting the closest known one. */
static void
unknown_long(const CliOption *const *tables, size_t ntables, const char *name, size_t len,
	     char *err, size_t errlen)
{
	char typed[CLI_DISTANCE_MAX_LEN + 1];
	const CliOption *best = NULL;
	size_t best_dist = (size_t)-1;

	snprintf(typed, sizeof typed, "%.*s", (int)(len < CLI_DISTANCE_MAX_LEN ? len : CLI_DISTANCE_MAX_LEN), name);
	for (size_t t = 0; t < ntables; t++)
		for (const CliOption *o = tables[t]; o != NULL && o->name != NULL; o++) {
			size_t dist = cli_edit_distance(typed, o->name);

			if (dist < best_dist && cli_close_enough(o->name, dist)) {
				best = o;
				best_dist = dist;
			}
		}
	if (best != NULL)
		errf(err, errlen, "unknown option '--%.*s'. Did you mean '--%s'?", (int)len, name,
		     best->name);
	else
		errf(err, errlen, "unknown option '--%.*s'", (int)len, name);
}

/*
 * Record one option occurrence. The arrays start with room for argc
 * entries, enough unless short options are bundled (-abc), so they may have
 * to grow here.
 */
static bool
push_match(CliArgs *out, size_t *room, const CliOption *o, const char *value)
{
	if (out->n_matches == *room) {
		CliMatch *grown = realloc(out->matches, *room * 2 * sizeof *grown);

		if (grown == NULL)
			return false;
		out->matches = grown;
		*room *= 2;
	}
	out->matches[out->n_matches++] = (CliMatch){o, value};
	return true;
}

void
cli_args_free(CliArgs *args)
{
	free(args->matches);
	free(args->pos);
	memset(args, 0, sizeof *args);
}

bool
cli_args_parse(CliArgs *out, int argc, char **argv, const CliOption *const *tables,
	       size_t ntables, bool stop_at_command, char *err, size_t errlen)
{
	size_t room = argc > 0 ? (size_t)argc : 1, pos_room = room;
	bool options_done = false;
	int i;

	memset(out, 0, sizeof *out);
	out->matches = calloc(room, sizeof *out->matches);
	out->pos = calloc(pos_room, sizeof *out->pos);
	if (out->matches == NULL || out->pos == NULL) {
		errf(err, errlen, "out of memory");
		cli_args_free(out);
		return false;
	}
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (options_done || a[0] != '-' || a[1] == '\0') {
			out->pos[out->n_pos++] = a;
			if (stop_at_command)
				break;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const CliOption *o = find_long(tables, ntables, name, len);
			const char *value = NULL;

			if (o == NULL) {
				unknown_long(tables, ntables, name, len, err, errlen);
				goto fail;
			}
			if (o->arg == NULL && eq != NULL) {
				errf(err, errlen, "option '--%s' does not take a value", o->name);
				goto fail;
			}
			if (o->arg != NULL) {
				if (eq != NULL)
					value = eq + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					errf(err, errlen, "option '--%s' needs a value (%s)", o->name,
					     o->arg);
					goto fail;
				}
			}
			if (!push_match(out, &room, o, value)) {
				errf(err, errlen, "out of memory");
				goto fail;
			}
			continue;
		}
		/* One or more short options: -h, -n5, -n 5, -abn5. */
		for (const char *p = a + 1; *p != '\0'; p++) {
			const CliOption *o = find_short(tables, ntables, *p);
			const char *value = NULL;

			if (o == NULL) {
				errf(err, errlen, "unknown option '-%c'", *p);
				goto fail;
			}
			if (o->arg != NULL) {
				if (p[1] != '\0')
					value = p + 1;
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					errf(err, errlen, "option '-%c' needs a value (%s)", *p, o->arg);
					goto fail;
				}
			}
			if (!push_match(out, &room, o, value)) {
				errf(err, errlen, "out of memory");
				goto fail;
			}
			if (value != NULL)
				break;
		}
	}
	out->consumed = i;
	return true;

fail:
	cli_args_free(out);
	return false;
}

bool
cli_args_has(const CliArgs *args, const char *name)
{
	for (size_t i = 0; i < args->n_matches; i++)
		if (strcmp(args->matches[i].option->name, name) == 0)
			return true;
	return false;
}

const char *
cli_args_value(const CliArgs *args, const char *name)
{
	const char *value = NULL;

	for (size_t i = 0; i < args->n_matches; i++)
		if (strcmp(args->matches[i].option->name, name) == 0)
			value = args->matches[i].value;
	return value;
}

bool
cli_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return false;
		d = (unsigned)(*s - '0');
		if (v > (ULONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = v;
	return true;
}

bool
cli_parse_seconds(const char *s, int *ms)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > 86400)
		return false;
	v = v * 1000 + 0.5;
	*ms = v < 1 ? 1 : (int)v;
	return true;
}

/* How a character of a usage line opens (1) or closes (-1) a group. */
static int
group_depth(char c)
{
	return c == '[' || c == '(' ? 1 : c == ']' || c == ')' ? -1 : 0;
}

bool
cli_positional_name(const Command *cmd, size_t index, char *buf, size_t len)
{
	const char *p = cmd->usage;
	int depth = 0;
	bool skip_value = false;

	while (p != NULL && *p != '\0') {
		size_t n;
		bool in_brackets;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		in_brackets = depth > 0 || *p == '[' || *p == '(';
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			depth += group_depth(p[i]);
		if (in_brackets || (n == 1 && *p == '|')) {
			skip_value = false;
		} else if (*p == '-') {
			const char *name = p + strspn(p, "-");
			size_t nlen = strcspn(name, " \t\n=");

			skip_value = false;
			for (const CliOption *o = cmd->options; o != NULL && o->name != NULL; o++)
				if (strlen(o->name) == nlen && strncmp(o->name, name, nlen) == 0)
					skip_value = o->arg != NULL;
		} else if (skip_value) {
			skip_value = false;
		} else if (index-- == 0) {
			return snprintf(buf, len, "%.*s", (int)n, p) < (int)len;
		}
		p += n;
	}
	return false;
}

/* Lines of help are kept to this many columns where the words allow. */
#define CLI_HELP_WIDTH 79

void
cli_print_usage(FILE *out, const char *path, const Command *cmd)
{
	const char *p = cmd->usage;
	size_t indent, col;

	if (p == NULL)
		p = cmd->subcommands != NULL ? "COMMAND [ARGS]" : "";
	fprintf(out, "usage: %s", path);
	indent = col = strlen("usage: ") + strlen(path) + 1;
	/*
	 * The usage text is wrapped under its first word. A group in brackets
	 * or parentheses, such as "[--machine NAME [--org ORG_ID]]", is a unit that moves to
	 * the next line whole; white space in the text prints as one space.
	 */
	for (;;) {
		char unit[512];
		size_t len = 0;
		int depth = 0;

		p += strspn(p, " \t\n");
		if (*p == '\0')
			break;
		do {
			size_t w = strcspn(p, " \t\n");

			if (len > 0 && len < sizeof unit - 1)
				unit[len++] = ' ';
			for (size_t i = 0; i < w; i++) {
				depth += group_depth(p[i]);
				if (len < sizeof unit - 1)
					unit[len++] = p[i];
			}
			p += w;
			p += strspn(p, " \t\n");
		} while (depth > 0 && *p != '\0');
		unit[len] = '\0';
		if (col > indent && col + 1 + len > CLI_HELP_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			putc(' ', out);
			col++;
		}
		fputs(unit, out);
		col += len;
	}
	putc('\n', out);
}

/* "-h, --help" or "    --count N": the left column of an option listing. */
static void
option_label(char *buf, size_t len, const CliOption *o)
{
	snprintf(buf, len, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
		 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

void
cli_print_help(FILE *out, const char *path, const Command *cmd, const CliOption *globals)
{
	char label[96];
	size_t width = 0;

	cli_print_usage(out, path, cmd);
	fprintf(out, "\n%s\n", cmd->summary);

	if (cmd->subcommands != NULL) {
		for (const Command *const *t = cmd->subcommands; *t != NULL; t++)
			if (strlen((*t)->name) > width)
				width = strlen((*t)->name);
		fputs("\nCommands:\n", out);
		for (const Command *const *t = cmd->subcommands; *t != NULL; t++)
			fprintf(out, "  %-*s  %s\n", (int)width, (*t)->name, (*t)->summary);
	}

	if (cmd->options != NULL && cmd->options->name != NULL) {
		width = 0;
		for (const CliOption *o = cmd->options; o->name != NULL; o++) {
			option_label(label, sizeof label, o);
			if (strlen(label) > width)
				width = strlen(label);
		}
		fputs("\nOptions:\n", out);
		for (const CliOption *o = cmd->options; o->name != NULL; o++) {
			option_label(label, sizeof label, o);
			fprintf(out, "  %-*s  %s\n", (int)width, label, o->help);
		}
	}

	if (globals != NULL) {
		static const char see[] = " (see 'triad --help')";
		size_t col = strlen("Global options:");

		fputs("\nGlobal options:", out);
		for (const CliOption *o = globals; o->name != NULL; o++) {
			bool last = o[1].name == NULL;
			/* " --NAME," or, for the last, " --NAME (see ...)". */
			size_t n = strlen(" --") + strlen(o->name) + (last ? strlen(see) : 1);

			if (col + n > CLI_HELP_WIDTH) {
				fputs("\n ", out);
				col = 1;
			}
			fprintf(out, " --%s%s", o->name, last ? see : ",");
			col += n;
		}
		putc('\n', out);
	}

	if (cmd->description != NULL)
		fprintf(out, "\n%s", cmd->description);
}
