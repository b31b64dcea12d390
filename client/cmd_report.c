/*
 * cmd_report.c: `triad report return`, the return ('rendement') of a
 * programme (proto/triad/v1/report.proto): the figures as tables per
 * section on a terminal, one JSON object, CSV lines, or with --html a
 * report people would rather look at than read (report_html.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "print.h"
#include "report_html.h"
#include "rpc.h"
#include "when.h"

#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x
#define END_OPTIONS {NULL, 0, NULL, NULL}

enum { FIG_COLS = 12 };
static const char *const fig_headers[FIG_COLS] = {
	"section", "figure", "label", "group_kind", "group", "value", "compare", "unit",
	"suppressed", "group_size", "note", "position",
};

/* Room for the numbers of one row. */
typedef struct FigBuf {
	char value[32], compare[32], size[16], position[16];
} FigBuf;

static void
fig_cells(const Triad__V1__ReturnFigure *f, const char **cells, FigBuf *b)
{
	snprintf(b->value, sizeof b->value, "%.15g", f->value);
	snprintf(b->compare, sizeof b->compare, "%.15g", f->compare);
	snprintf(b->size, sizeof b->size, "%d", f->group_size);
	snprintf(b->position, sizeof b->position, "%d", f->position);
	cells[0] = f->section;
	cells[1] = f->figure;
	cells[2] = f->label;
	cells[3] = f->group_kind;
	cells[4] = f->group;
	cells[5] = b->value;
	cells[6] = b->compare;
	cells[7] = f->unit;
	cells[8] = f->suppressed ? "true" : "false";
	cells[9] = b->size;
	cells[10] = f->note;
	cells[11] = b->position;
}

/* All figures as one table, for JSON and CSV. */
static Table *
figures_table(const Triad__V1__ReturnReport *r)
{
	Table *t = table_new(FIG_COLS, fig_headers);
	if (t == NULL)
		return NULL;
	table_set_kind(t, 5, CELL_NUMBER);
	table_set_kind(t, 6, CELL_NUMBER);
	table_set_kind(t, 8, CELL_BOOL);
	table_set_kind(t, 9, CELL_NUMBER);
	table_set_kind(t, 11, CELL_NUMBER);
	for (size_t i = 0; i < r->n_figures; i++) {
		const char *cells[FIG_COLS];
		FigBuf b;
		fig_cells(r->figures[i], cells, &b);
		if (!table_add_row(t, cells)) {
			table_free(t);
			return NULL;
		}
	}
	return t;
}

enum { HEAD_COLS = 11 };
static const char *const head_headers[HEAD_COLS] = {
	"programme_code", "programme_name", "institution_name", "cohort_name", "nominal_months",
	"ects", "min_group_size", "view", "organisation_name", "generated_at", "programme_id",
};

static Table *
head_table(const Triad__V1__ReturnReport *r)
{
	char months[16], ects[32], min[16];
	Table *t = table_new(HEAD_COLS, head_headers);
	if (t == NULL)
		return NULL;
	snprintf(months, sizeof months, "%d", r->nominal_months);
	snprintf(ects, sizeof ects, "%.15g", r->ects);
	snprintf(min, sizeof min, "%d", r->min_group_size);
	char generated[WHEN_MAX];
	const char *cells[HEAD_COLS] = {
		r->programme_code, r->programme_name, r->institution_name, r->cohort_name, months,
		ects, min, r->view, r->organisation_name, WHEN_US(r, generated_at, generated),
		r->programme_id,
	};
	table_set_kind(t, 4, CELL_NUMBER);
	table_set_kind(t, 5, CELL_NUMBER);
	table_set_kind(t, 6, CELL_NUMBER);
	if (!table_add_row(t, cells)) {
		table_free(t);
		return NULL;
	}
	return t;
}

/* The text of one figure's value on a terminal: "suppressed", a
 * percentage for rates, whole numbers for counts. */
static void
text_value(const Triad__V1__ReturnFigure *f, double v, char *buf, size_t size)
{
	if (f->suppressed)
		snprintf(buf, size, "suppressed");
	else
		report_format_value(f->unit, v, buf, size);
}

static bool
print_text(Client *c, const Triad__V1__ReturnReport *r)
{
	bool ok = true;
	size_t suppressed = 0;

	fprintf(c->out, "Return of %s (%s), %s%s%s\n", r->programme_code, r->programme_name,
		r->institution_name, r->cohort_name[0] ? ", cohort " : ", all cohorts",
		r->cohort_name);
	if (strcmp(r->view, "employer") == 0)
		fprintf(c->out, "Figures of %s only: its consenting participants.\n",
			r->organisation_name);
	char generated[WHEN_MAX];
	fprintf(c->out, "Nominal duration %d months, %.15g ECTS. Generated %s.\n",
		r->nominal_months, r->ects, WHEN_US(r, generated_at, generated));
	for (size_t i = 0; i < r->n_figures;) {
		const char *section = r->figures[i]->section;
		static const char *const h[] = {"figure", "group", "value", "against", "note"};
		Table *t = client_table(c, 5, h);
		if (t == NULL)
			return false;
		for (; i < r->n_figures && strcmp(r->figures[i]->section, section) == 0; i++) {
			const Triad__V1__ReturnFigure *f = r->figures[i];
			char group[256], value[48], against[48] = "";
			snprintf(group, sizeof group, "%s %s", f->group_kind, f->group);
			text_value(f, f->value, value, sizeof value);
			if (!f->suppressed && f->compare != 0)
				report_format_value(report_compare_unit(f), f->compare, against,
						    sizeof against);
			suppressed += f->suppressed;
			const char *cells[5] = {f->label, group, value, against, f->note};
			if (!table_add_row(t, cells)) {
				table_free(t);
				return false;
			}
		}
		char title[64];
		snprintf(title, sizeof title, "%s", section);
		for (char *p = title; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		fprintf(c->out, "\n%s\n", title);
		ok = table_print(t, PRINT_TEXT, c->out) && ok;
		table_free(t);
	}
	if (suppressed > 0)
		fprintf(c->out, "\n%zu figures suppressed: groups of fewer than %d persons.\n",
			suppressed, r->min_group_size);
	return ok;
}

static TriadExit
report_print(Client *c, const Triad__V1__ReturnReport *r)
{
	bool ok;
	Table *figs = NULL, *head = NULL;

	switch (c->format) {
	case PRINT_TEXT:
		ok = print_text(c, r);
		break;
	case PRINT_JSON:
		if ((figs = figures_table(r)) == NULL || (head = head_table(r)) == NULL) {
			table_free(figs);
			return client_out_of_memory(c);
		}
		putc('{', c->out);
		table_print_json_members(head, 0, c->out);
		fputs(",\"figures\":", c->out);
		table_print_json_array(figs, c->out);
		fputs("}\n", c->out);
		ok = true;
		break;
	case PRINT_CSV:
	default:
		if ((figs = figures_table(r)) == NULL)
			return client_out_of_memory(c);
		ok = table_print(figs, PRINT_CSV, c->out);
		break;
	}
	table_free(figs);
	table_free(head);
	if (fflush(c->out) != 0 || ferror(c->out) || !ok)
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", NULL,
				    "cannot write the report");
	return TRIAD_EXIT_OK;
}

/* Writes the HTML report to path, whole or not at all (a temporary file
 * renamed into place). */
static TriadExit
report_write_html(Client *c, const Triad__V1__ReturnReport *r, const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--html",
				    "the file name is too long");
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--html", "%s: %s",
				    path, strerror(errno));
	bool ok = report_html_write(f, r);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		remove(tmp);
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--html",
				    "cannot write %s: %s", path, ok ? strerror(e) : "write failed");
	}
	return TRIAD_EXIT_OK;
}

static int
report_return_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *programme = cli_args_value(args, "programme");
	const char *cohort = cli_args_value(args, "cohort");
	const char *min = cli_args_value(args, "min-group");
	const char *html = cli_args_value(args, "html");
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__ReportReturnRequest m = TRIAD__V1__REPORT_RETURN_REQUEST__INIT;
	Triad__V1__Response *resp = NULL;
	TriadExit rc;

	(void)cmd;
	if (programme == NULL || programme[0] == '\0')
		return client_usage_error(c, "--programme is required: the programme's code, "
					  "such as --programme MiZ");
	if (html != NULL && html[0] == '\0')
		return client_usage_error(c, "--html needs a file name");
	if (min != NULL) {
		char *end;
		errno = 0;
		long v = strtol(min, &end, 10);
		if (errno != 0 || *end != '\0' || end == min || v < 0 || v > 1000)
			return client_usage_error(c, "--min-group must be a number from 0 to 1000");
		m.min_group_size = (int32_t)v;
	}
	m.programme_id = (char *)programme;
	m.cohort_id = (char *)(cohort != NULL ? cohort : "");
	req.body_case = RQ(REPORT_RETURN);
	req.report_return = &m;
	if ((rc = client_call_expect(c, &req, RS(RETURN_REPORT), &resp)) != TRIAD_EXIT_OK)
		return rc;
	const Triad__V1__ReturnReport *r = resp->return_report;
	if (html != NULL) {
		rc = report_write_html(c, r, html);
		if (rc == TRIAD_EXIT_OK && c->format == PRINT_TEXT) {
			size_t suppressed = 0;
			for (size_t i = 0; i < r->n_figures; i++)
				suppressed += r->figures[i]->suppressed;
			fprintf(c->out, "Wrote %s: the return of %s, %zu figures (%zu suppressed).\n",
				html, r->programme_code, r->n_figures, suppressed);
		} else if (rc == TRIAD_EXIT_OK) {
			rc = report_print(c, r);
		}
	} else {
		rc = report_print(c, r);
	}
	rpc_response_free(resp);
	return rc;
}

static const CliOption report_return_options[] = {
	{"programme", 'p', "CODE", "the programme, by code or id (required)"},
	{"cohort", 0, "NAME", "one cohort, by name or id (default: every cohort)"},
	{"min-group", 0, "N", "suppress figures of groups smaller than N persons "
			      "(never below the server's minimum)"},
	{"html", 0, "FILE", "also write the report as one self-contained HTML file"},
	END_OPTIONS,
};

static const Command report_return = {
	.name = "return",
	.summary = "The return ('rendement') of a programme: participants, attendance, "
		   "workplace, communities, assessment",
	.usage = "--programme CODE [--cohort NAME] [--min-group N] [--html FILE]",
	.description =
		"Figures per programme, per cohort and per employer organisation; each\n"
		"figure is defined in docs/return.md. A figure about fewer persons than the\n"
		"minimum group size (the server's report_min_group, default 5) is shown as\n"
		"suppressed. Employer figures count only participants who consented to their\n"
		"employer seeing their progress. Programme staff and institution admins get\n"
		"the whole report; an employer contact gets its own organisation's figures.\n"
		"\n"
		"--html FILE writes one self-contained HTML file with charts (progress\n"
		"funnel, time to completion against nominal, hours committed against recorded\n"
		"per employer, feedback over time), each with a table as its text alternative.\n"
		"\n"
		"Examples:\n"
		"  triad --institution fontys report return --programme MiZ\n"
		"  triad --institution fontys report return --programme MiZ --html miz.html\n"
		"  triad report return --programme MiZ --cohort 'MiZ 2026' --csv\n",
	.options = report_return_options,
	.max_args = 0,
	.handler = report_return_run,
};

static const Command *const report_commands[] = {&report_return, NULL};

const Command cmd_report = {
	.name = "report",
	.summary = "Reports: the return of a programme",
	.subcommands = report_commands,
};
