/*
 * report_html.c: the return report as one HTML file (report_html.h).
 *
 * Everything the file needs is in it: the styles in one <style>, the
 * charts as inline SVG drawn here from the figures, system fonts only. It
 * holds no script. Text from the server (names of programmes, cohorts and
 * organisations) is escaped wherever it goes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_html.h"
#include "when.h"

typedef const Triad__V1__ReturnFigure Fig;

void
report_format_value(const char *unit, double v, char *buf, size_t size)
{
	if (strcmp(unit, "rate") == 0) {
		double pct = v * 100.0;
		if (fabs(pct - round(pct)) < 0.05)
			snprintf(buf, size, "%.0f%%", pct);
		else
			snprintf(buf, size, "%.1f%%", pct);
	} else if (strcmp(unit, "persons") == 0 || strcmp(unit, "count") == 0) {
		snprintf(buf, size, "%.0f", v);
	} else {
		snprintf(buf, size, "%.2f", v);
		/* 12.50 -> 12.5, 12.00 -> 12 */
		char *dot = strchr(buf, '.');
		if (dot != NULL) {
			char *end = buf + strlen(buf) - 1;
			while (end > dot && *end == '0')
				*end-- = '\0';
			if (end == dot)
				*end = '\0';
		}
	}
}

const char *
report_compare_unit(const Triad__V1__ReturnFigure *f)
{
	if (strcmp(f->figure, "months_saved_by_prior_learning") == 0 ||
	    strcmp(f->figure, "internship_hours_verified") == 0)
		return "persons";
	if (strcmp(f->unit, "rate") == 0 || strcmp(f->unit, "per_participant") == 0 ||
	    strcmp(f->unit, "per_participant_month") == 0)
		return "count";
	return f->unit;
}

/* ---- writing ---- */

static void
esc(FILE *out, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* Control characters have no place in a report. */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				putc(*s, out);
		}
	}
}

/* s escaped, cut to at most max bytes at a character's start, with an
 * ellipsis when cut. */
static void
esc_cut(FILE *out, const char *s, size_t max)
{
	char buf[256];
	size_t n = strlen(s);
	if (n <= max || max + 1 > sizeof buf) {
		esc(out, s);
		return;
	}
	n = max - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	buf[n] = '\0';
	esc(out, buf);
	fputs("\xe2\x80\xa6", out);
}

/* The figure of key figure for group kind and name (NULL: any name). */
static Fig *
find(const Triad__V1__ReturnReport *r, const char *figure, const char *kind, const char *group)
{
	for (size_t i = 0; i < r->n_figures; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, figure) == 0 && strcmp(f->group_kind, kind) == 0 &&
		    (group == NULL || strcmp(f->group, group) == 0))
			return f;
	}
	return NULL;
}

static void
value_text(Fig *f, char *buf, size_t size)
{
	if (f == NULL)
		snprintf(buf, size, "–");
	else if (f->suppressed)
		snprintf(buf, size, "suppressed");
	else
		report_format_value(f->unit, f->value, buf, size);
}

/* A value cell of a data table, marked when suppressed. */
static void
td_value(FILE *out, Fig *f)
{
	char v[48];
	value_text(f, v, sizeof v);
	if (f != NULL && f->suppressed)
		fprintf(out, "<td class=\"num suppressed\" title=\"");
	else
		fputs("<td class=\"num\" title=\"", out);
	esc(out, f != NULL ? f->note : "");
	fputs("\">", out);
	esc(out, v);
	fputs("</td>", out);
}

static const char *const STYLE =
	"<style>\n"
	":root{--ink:#1b1b1b;--muted:#555;--a:#1f5f8b;--b:#d9822b;--c:#6a8f3a;--line:#ccc}\n"
	"*{box-sizing:border-box}\n"
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
	"sans-serif;color:var(--ink);margin:2rem auto;max-width:60rem;padding:0 1rem;"
	"line-height:1.45}\n"
	"h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;"
	"border-bottom:2px solid var(--a);padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\n"
	".meta{color:var(--muted);margin:0 0 1rem}\n"
	".privacy{border-left:4px solid var(--b);background:#fdf3e7;padding:.5rem .8rem;margin:1rem 0}\n"
	".glance{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem;"
	"margin:1rem 0;padding:0}\n"
	".glance div{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem}\n"
	".glance dt{font-size:.85rem;color:var(--muted)}.glance dd{margin:0;font-size:1.5rem;"
	"font-weight:600}\n"
	".glance dd small{font-size:.85rem;font-weight:400;color:var(--muted)}\n"
	"figure{margin:1.5rem 0;break-inside:avoid;page-break-inside:avoid}\n"
	"figcaption{font-weight:600;margin-bottom:.4rem}\n"
	"svg{max-width:100%;height:auto;display:block}\n"
	"svg text{font-family:inherit;font-size:12px;fill:var(--ink)}\n"
	"table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.92rem}\n"
	"caption{text-align:left;font-weight:600;padding:.3rem 0}\n"
	"th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f2f4f7}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.suppressed,.suppressed-mark{color:var(--b);font-style:italic}\n"
	"details.data summary{cursor:pointer;color:var(--a)}\n"
	".legend span{display:inline-block;margin-right:1rem}\n"
	".sw{display:inline-block;width:.9rem;height:.9rem;vertical-align:-.1rem;margin-right:.3rem;"
	"border:1px solid #333}\n"
	"footer{margin-top:2rem;color:var(--muted);font-size:.85rem}\n"
	"@media print{body{margin:0;max-width:none;font-size:10.5pt}details.data{display:block}"
	"details.data>summary{display:none}h2{break-after:avoid}"
	"a{color:inherit;text-decoration:none}"
	".privacy{background:none}}\n"
	"</style>\n";

/* ---- charts ---- */

/*
 * Horizontal bars: one row per label, up to two series (a and b, b may be
 * NULL), scaled to the largest value. A suppressed value is drawn as no
 * bar and the word "suppressed". id names the <title> and <desc>.
 */
typedef struct Bar {
	const char *label;
	Fig *a, *b;
} Bar;

static void
chart_bars(FILE *out, const char *id, const char *title, const char *desc, const Bar *bars,
	   size_t n, const char *name_a, const char *name_b, double marker,
	   const char *marker_name)
{
	const int label_w = 300, plot_w = 360, row_h = name_b != NULL ? 34 : 24, top = 10;
	const int height = top + (int)n * row_h + 30;
	double max = marker;
	for (size_t i = 0; i < n; i++) {
		if (bars[i].a != NULL && !bars[i].a->suppressed && bars[i].a->value > max)
			max = bars[i].a->value;
		if (bars[i].b != NULL && !bars[i].b->suppressed && bars[i].b->value > max)
			max = bars[i].b->value;
	}
	if (max <= 0)
		max = 1;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" aria-labelledby=\"%s-t %s-d\">\n",
		label_w + plot_w + 90, height, label_w + plot_w + 90, height, id, id);
	fprintf(out, "<title id=\"%s-t\">", id);
	esc(out, title);
	fprintf(out, "</title>\n<desc id=\"%s-d\">", id);
	esc(out, desc);
	fputs("</desc>\n", out);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", label_w,
		top - 4, label_w, top + (int)n * row_h);
	for (size_t i = 0; i < n; i++) {
		int y = top + (int)i * row_h;
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8,
			y + (name_b != NULL ? 18 : 14));
		/* Long names are cut here; the data table has them whole. */
		esc_cut(out, bars[i].label, 44);
		fputs("</text>\n", out);
		Fig *series[2] = {bars[i].a, bars[i].b};
		const char *fill[2] = {"#1f5f8b", "#d9822b"};
		for (int s = 0; s < (name_b != NULL ? 2 : 1); s++) {
			Fig *f = series[s];
			int by = y + 2 + s * 15, bh = name_b != NULL ? 13 : 18;
			char v[48];
			value_text(f, v, sizeof v);
			if (f == NULL || f->suppressed) {
				fprintf(out, "<text class=\"suppressed-mark\" x=\"%d\" y=\"%d\" "
					"font-style=\"italic\" fill=\"#a0521b\">%s%s</text>\n",
					label_w + 6, by + bh - 3, f == NULL ? "none yet" : "suppressed",
					f == NULL ? "" : " (fewer persons than the minimum)");
				continue;
			}
			int w = (int)lround(f->value / max * plot_w);
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s/>\n",
				label_w, by, w < 1 && f->value > 0 ? 1 : w, bh, fill[s],
				s == 1 ? " stroke=\"#333\" stroke-dasharray=\"3 2\"" : "");
			fprintf(out, "<text x=\"%d\" y=\"%d\">", label_w + w + 6, by + bh - 3);
			esc(out, v);
			fputs("</text>\n", out);
		}
	}
	if (marker > 0) {
		int x = label_w + (int)lround(marker / max * plot_w);
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#6a8f3a\" "
			"stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n", x, top - 4, x,
			top + (int)n * row_h);
		fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#3d5a1e\" text-anchor=\"end\">", x - 4,
			top + (int)n * row_h + 14);
		esc(out, marker_name);
		fputs("</text>\n", out);
	}
	if (name_a != NULL && name_b != NULL) {
		int y = height - 8;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#1f5f8b\"/>"
			"<text x=\"%d\" y=\"%d\">", label_w, y - 10, label_w + 16, y);
		esc(out, name_a);
		fprintf(out, "</text><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"#d9822b\" "
			"stroke=\"#333\" stroke-dasharray=\"3 2\"/><text x=\"%d\" y=\"%d\">",
			label_w + 190, y - 10, label_w + 206, y);
		esc(out, name_b);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}

/* The data table under a chart: its text alternative. */
static void
data_table(FILE *out, const char *caption, const Bar *bars, size_t n, const char *col_a,
	   const char *col_b)
{
	fputs("<details class=\"data\" open><summary>The figures of this chart</summary>\n<table>"
	      "<caption>", out);
	esc(out, caption);
	fputs("</caption>\n<thead><tr><th scope=\"col\">Group</th><th scope=\"col\">", out);
	esc(out, col_a);
	fputs("</th>", out);
	if (col_b != NULL) {
		fputs("<th scope=\"col\">", out);
		esc(out, col_b);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><th scope=\"row\">", out);
		esc(out, bars[i].label);
		fputs("</th>", out);
		td_value(out, bars[i].a);
		if (col_b != NULL)
			td_value(out, bars[i].b);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></details>\n", out);
}

#define MAX_BARS 64

static void
chart_funnel(FILE *out, const Triad__V1__ReturnReport *r)
{
	static const char *const keys[] = {"enrolled", "admitted", "active", "completed", "withdrawn"};
	static const char *const names[] = {"Enrolled", "Admitted", "Active", "Completed",
					    "Withdrawn"};
	Bar bars[5];
	for (size_t i = 0; i < 5; i++)
		bars[i] = (Bar){names[i], find(r, keys[i], "programme", NULL), NULL};
	fputs("<figure>\n<figcaption>Progress funnel</figcaption>\n", out);
	chart_bars(out, "funnel", "Progress funnel",
		   "Participants of the programme by how far they came: enrolled, admitted, "
		   "active now, completed and withdrawn. The table below gives the numbers.",
		   bars, 5, NULL, NULL, 0, NULL);
	data_table(out, "Progress funnel: participants", bars, 5, "Participants", NULL);
	fputs("</figure>\n", out);
}

static void
chart_completion(FILE *out, const Triad__V1__ReturnReport *r)
{
	Bar bars[MAX_BARS];
	size_t n = 0;
	for (size_t i = 0; i < r->n_figures && n < MAX_BARS; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, "median_months_to_completion") == 0 &&
		    strcmp(f->group_kind, "employer") != 0)
			/* No one completed: nothing to draw (the table says why). */
			bars[n++] = (Bar){strcmp(f->group_kind, "programme") == 0 ? "Whole programme"
										: f->group,
					  f->group_size == 0 && !f->suppressed ? NULL : f, NULL};
	}
	char desc[512];
	snprintf(desc, sizeof desc,
		 "Median months from the start of the cohort to completion, per cohort and for "
		 "the whole programme, against the nominal duration of %d months (the dashed line). "
		 "The table below gives the numbers.", r->nominal_months);
	fputs("<figure>\n<figcaption>Time to completion against nominal</figcaption>\n", out);
	char marker[64];
	snprintf(marker, sizeof marker, "nominal: %d months", r->nominal_months);
	chart_bars(out, "completion", "Time to completion against nominal", desc, bars, n, NULL,
		   NULL, r->nominal_months, marker);
	data_table(out, "Median months to completion", bars, n, "Median months", NULL);
	fputs("</figure>\n", out);
}

static void
chart_hours(FILE *out, const Triad__V1__ReturnReport *r)
{
	Bar bars[MAX_BARS];
	size_t n = 0;
	for (size_t i = 0; i < r->n_figures && n < MAX_BARS; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, "hours_committed") == 0 &&
		    strcmp(f->group_kind, "employer") == 0)
			bars[n++] = (Bar){f->group, f, find(r, "hours_recorded", "employer", f->group)};
	}
	fputs("<figure>\n<figcaption>Hours a week committed against recorded, per "
	      "employer</figcaption>\n", out);
	chart_bars(out, "hours", "Hours a week committed against recorded, per employer",
		   "For each employer organisation: the hours a week it committed in its current "
		   "agreements, and the hours a week recorded with the enrollments of its "
		   "consenting participants who are admitted or active. Figures about fewer "
		   "persons than the minimum are suppressed. The table below gives the numbers.",
		   bars, n, "committed in agreements", "recorded with enrollments", 0, NULL);
	data_table(out, "Hours a week per employer", bars, n, "Committed", "Recorded");
	fputs("</figure>\n", out);
}

static void
chart_feedback(FILE *out, const Triad__V1__ReturnReport *r)
{
	Fig *months[MAX_BARS];
	size_t n = 0, first = 0;
	for (size_t i = 0; i < r->n_figures; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, "feedback_by_month") == 0) {
			if (n == MAX_BARS) {   /* keep the latest months */
				memmove(months, months + 1, (MAX_BARS - 1) * sizeof months[0]);
				n--;
				first++;
			}
			months[n++] = f;
		}
	}
	(void)first;
	const int left = 50, plot_h = 160, top = 12, col_w = n > 24 ? 18 : 32;
	int width = left + (int)(n > 0 ? n : 1) * col_w + 20;
	const int height = top + plot_h + 62;
	if (width < 420)
		width = 420;
	double max = 1;
	for (size_t i = 0; i < n; i++)
		if (!months[i]->suppressed && months[i]->value > max)
			max = months[i]->value;
	fputs("<figure>\n<figcaption>Feedback over time</figcaption>\n", out);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 %d %d\" "
		"width=\"%d\" height=\"%d\" aria-labelledby=\"feedback-t feedback-d\">\n"
		"<title id=\"feedback-t\">Feedback over time</title>\n<desc id=\"feedback-d\">"
		"Feedback given by coaches to the programme's participants, per calendar month "
		"(UTC). A month with feedback for fewer persons than the minimum is suppressed and "
		"marked. The table below gives the numbers.</desc>\n",
		width, height, width, height);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n", left,
		top + plot_h, width - 10, top + plot_h);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>\n", left - 6, top + 10,
		max);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n", left - 6,
		top + plot_h);
	if (n == 0)
		fprintf(out, "<text x=\"%d\" y=\"%d\">no feedback yet</text>\n", left + 8,
			top + plot_h / 2);
	for (size_t i = 0; i < n; i++) {
		Fig *f = months[i];
		int x = left + (int)i * col_w + 3;
		if (f->suppressed) {
			fprintf(out, "<text class=\"suppressed-mark\" x=\"%d\" y=\"%d\" "
				"fill=\"#a0521b\" font-style=\"italic\">s</text>\n", x + col_w / 2 - 6,
				top + plot_h - 4);
		} else {
			int h = (int)lround(f->value / max * plot_h);
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"#1f5f8b\"><title>", x, top + plot_h - h, col_w - 6, h);
			esc(out, f->group);
			fprintf(out, ": %.0f</title></rect>\n", f->value);
		}
		if (n <= 12 || i % 3 == 0 || i + 1 == n) {
			fprintf(out, "<text x=\"%d\" y=\"%d\" transform=\"rotate(45 %d %d)\">", x,
				top + plot_h + 14, x, top + plot_h + 14);
			esc(out, f->group);
			fputs("</text>\n", out);
		}
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#a0521b\" font-style=\"italic\">"
		"s: suppressed, feedback for fewer persons than the minimum</text>\n", left,
		height - 4);
	fputs("</svg>\n", out);
	fputs("<details class=\"data\" open><summary>The figures of this chart</summary>\n<table>"
	      "<caption>Feedback per month</caption>\n<thead><tr><th scope=\"col\">Month</th>"
	      "<th scope=\"col\">Feedback given</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><th scope=\"row\">", out);
		esc(out, months[i]->group);
		fputs("</th>", out);
		td_value(out, months[i]);
		fputs("</tr>\n", out);
	}
	if (n == 0)
		fputs("<tr><td colspan=\"2\">No feedback yet.</td></tr>\n", out);
	fputs("</tbody></table></details>\n</figure>\n", out);
}

/* Learning outcomes achieved by assessment against by prior learning, per
 * cohort and for the programme; and the first-time pass rate per
 * assignment. */
static void
chart_assessment(FILE *out, const Triad__V1__ReturnReport *r)
{
	Bar bars[MAX_BARS];
	size_t n = 0;
	for (size_t i = 0; i < r->n_figures && n < MAX_BARS; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, "outcomes_by_assessment") == 0 &&
		    strcmp(f->group_kind, "employer") != 0)
			bars[n++] = (Bar){strcmp(f->group_kind, "programme") == 0 ? "Whole programme"
										: f->group,
					  f, find(r, "outcomes_by_validation", f->group_kind, f->group)};
	}
	fputs("<figure>\n<figcaption>Learning outcomes achieved by assessment against by prior "
	      "learning</figcaption>\n", out);
	chart_bars(out, "outcomes",
		   "Learning outcomes achieved by assessment against by prior learning",
		   "For the whole programme and each cohort: the learning outcomes its participants "
		   "achieved by a released, passing assessment, and those achieved by validated "
		   "prior learning only. The table below gives the numbers.",
		   bars, n, "by assessment", "by prior learning only", 0, NULL);
	data_table(out, "Learning outcomes achieved", bars, n, "By assessment",
		   "By prior learning only");
	fputs("</figure>\n", out);

	n = 0;
	for (size_t i = 0; i < r->n_figures && n < MAX_BARS; i++) {
		Fig *f = r->figures[i];
		if (strcmp(f->figure, "first_time_pass_rate") == 0 &&
		    strcmp(f->group_kind, "assignment") == 0)
			bars[n++] = (Bar){f->group, f, NULL};
	}
	if (n == 0)
		return;
	fputs("<figure>\n<figcaption>First-time pass rate per assignment</figcaption>\n", out);
	chart_bars(out, "firstpass", "First-time pass rate per assignment",
		   "For each assignment: the share of participants with a released result whose "
		   "first released result passed. An assignment with results for fewer persons "
		   "than the minimum is suppressed. The table below gives the numbers.",
		   bars, n, NULL, NULL, 0, NULL);
	data_table(out, "First-time pass rate per assignment", bars, n, "Passed first time", NULL);
	fputs("</figure>\n", out);
}

/* ---- the report ---- */

static void
glance_item(FILE *out, const char *label, Fig *f, Fig *against, const char *against_text)
{
	char v[48], a[48] = "";
	value_text(f, v, sizeof v);
	if (against != NULL && !against->suppressed)
		report_format_value(against->unit, against->value, a, sizeof a);
	fputs("<div><dt>", out);
	esc(out, label);
	fprintf(out, "</dt><dd%s>", f != NULL && f->suppressed ? " class=\"suppressed\"" : "");
	esc(out, v);
	if (a[0] != '\0' && against_text != NULL) {
		fputs(" <small>", out);
		esc(out, against_text);
		putc(' ', out);
		esc(out, a);
		fputs("</small>", out);
	}
	fputs("</dd></div>\n", out);
}

static void
glance(FILE *out, const Triad__V1__ReturnReport *r)
{
	fputs("<h2 id=\"glance\">At a glance</h2>\n<dl class=\"glance\">\n", out);
	if (strcmp(r->view, "employer") == 0) {
		glance_item(out, "Consenting participants", find(r, "enrolled", "employer", NULL), NULL,
			    NULL);
		glance_item(out, "Hours a week committed", find(r, "hours_committed", "employer", NULL),
			    find(r, "hours_recorded", "employer", NULL), "recorded");
		glance_item(out, "Months saved by prior learning",
			    find(r, "months_saved_by_prior_learning", "employer", NULL), NULL, NULL);
		glance_item(out, "Products delivered", find(r, "products_delivered", "employer", NULL),
			    NULL, NULL);
		glance_item(out, "Products with your feedback",
			    find(r, "products_evaluated", "employer", NULL), NULL, NULL);
		fputs("</dl>\n", out);
		return;
	}
	glance_item(out, "Participants enrolled", find(r, "enrolled", "programme", NULL),
		    NULL, NULL);
	glance_item(out, "Months saved by validated prior learning",
		    find(r, "months_saved_by_prior_learning", "programme", NULL), NULL, NULL);
	glance_item(out, "Credits from validation",
		    find(r, "credits_by_validation", "programme", NULL),
		    find(r, "credits_by_modules", "programme", NULL), "by modules");
	glance_item(out, "Practice questions delivered",
		    find(r, "practice_questions_delivered", "programme", NULL), NULL, NULL);
	glance_item(out, "Practice questions evaluated",
		    find(r, "practice_questions", "status", "evaluated"), NULL, NULL);
	glance_item(out, "Products with the organisation's feedback",
		    find(r, "products_evaluated", "programme", NULL),
		    find(r, "products_delivered", "programme", NULL), "of delivered");
	glance_item(out, "Employers' hours a week committed",
		    find(r, "hours_committed", "programme", NULL),
		    find(r, "hours_recorded", "programme", NULL), "recorded");
	glance_item(out, "Feedback per participant per month",
		    find(r, "feedback_per_participant_month", "programme", NULL), NULL, NULL);
	fputs("</dl>\n", out);
}

static const char *
section_title(const char *section)
{
	static const struct { const char *key, *title; } titles[] = {
		{"participants", "Participants"}, {"attendance", "Attendance"},
		{"workplace", "Workplace"}, {"communities", "Communities"},
		{"assessment", "Assessment"},
	};
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		if (strcmp(titles[i].key, section) == 0)
			return titles[i].title;
	return section;
}

/* Every section of the reply as a table, in the reply's order. */
static void
sections(FILE *out, const Triad__V1__ReturnReport *r)
{
	for (size_t i = 0; i < r->n_figures;) {
		const char *section = r->figures[i]->section;
		fputs("<section>\n<h2 id=\"", out);
		esc(out, section);
		fputs("\">", out);
		esc(out, section_title(section));
		fputs("</h2>\n<table>\n<thead><tr><th scope=\"col\">Figure</th><th scope=\"col\">"
		      "Group</th><th scope=\"col\">Value</th><th scope=\"col\">Against</th>"
		      "<th scope=\"col\">Note</th></tr></thead>\n<tbody>\n", out);
		for (; i < r->n_figures && strcmp(r->figures[i]->section, section) == 0; i++) {
			Fig *f = r->figures[i];
			char a[48] = "";
			if (!f->suppressed && f->compare != 0)
				report_format_value(report_compare_unit(f), f->compare, a, sizeof a);
			fputs("<tr><th scope=\"row\">", out);
			esc(out, f->label);
			fputs("</th><td>", out);
			esc(out, f->group_kind);
			fputs(" ", out);
			esc(out, f->group);
			fputs("</td>", out);
			td_value(out, f);
			fputs("<td class=\"num\">", out);
			esc(out, a);
			fprintf(out, "</td><td%s>", f->suppressed ? " class=\"suppression-note\"" : "");
			esc(out, f->note);
			fputs("</td></tr>\n", out);
		}
		fputs("</tbody></table>\n</section>\n", out);
	}
}

bool
report_html_write(FILE *out, const Triad__V1__ReturnReport *r)
{
	size_t suppressed = 0;
	for (size_t i = 0; i < r->n_figures; i++)
		suppressed += r->figures[i]->suppressed;

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n<title>Return of ", out);
	esc(out, r->programme_code);
	fputs(" – ", out);
	esc(out, r->programme_name);
	fputs("</title>\n", out);
	fputs(STYLE, out);
	fputs("</head>\n<body>\n<header>\n<h1>Return of ", out);
	esc(out, r->programme_code);
	fputs(": ", out);
	esc(out, r->programme_name);
	fputs("</h1>\n<p class=\"meta\">", out);
	esc(out, r->institution_name);
	fputs(" · ", out);
	if (r->cohort_name[0] != '\0') {
		fputs("cohort ", out);
		esc(out, r->cohort_name);
	} else {
		fputs("all cohorts", out);
	}
	fprintf(out, " · nominal duration %d months, %.15g ECTS · generated ", r->nominal_months,
		r->ects);
	char generated[WHEN_MAX];
	esc(out, WHEN_US(r, generated_at, generated));
	fputs("</p>\n", out);
	if (strcmp(r->view, "employer") == 0) {
		fputs("<p class=\"meta\">The figures of ", out);
		esc(out, r->organisation_name);
		fputs(" only: its participants who consented, its agreements, its practice "
		      "questions.</p>\n", out);
	}
	fprintf(out, "<p class=\"privacy\" id=\"privacy\" role=\"note\"><strong>Privacy.</strong> "
		"A figure about fewer than %d persons is suppressed: it reads "
		"<span class=\"suppressed-mark\">suppressed</span> in the tables and charts. "
		"%zu of the %zu figures of this report are suppressed. Figures per employer count "
		"only participants who consented to their employer seeing their progress.</p>\n",
		r->min_group_size, suppressed, r->n_figures);
	fputs("</header>\n<main>\n", out);
	if (strcmp(r->view, "employer") != 0) {
		glance(out, r);
		fputs("<h2 id=\"charts\">Charts</h2>\n", out);
		chart_funnel(out, r);
		chart_completion(out, r);
		chart_hours(out, r);
		chart_feedback(out, r);
		chart_assessment(out, r);
	} else {
		glance(out, r);
		fputs("<h2 id=\"charts\">Charts</h2>\n", out);
		chart_hours(out, r);
	}
	sections(out, r);
	fputs("</main>\n<footer>\n<p>Each figure is defined in the triad documentation "
	      "(docs/return.md), under its key. Figures are read in one transaction: they agree "
	      "with each other as of the time generated.</p>\n</footer>\n</body>\n</html>\n", out);
	return !ferror(out);
}
