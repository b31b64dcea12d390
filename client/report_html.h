/*
 * report_html.h: the return report (ReturnReport, report.proto) as one
 * self-contained HTML file: no scripts, fonts or images from anywhere,
 * styles inline, readable when printed, and accessible: every chart is an
 * inline SVG with a <title> and a <desc>, followed by a data table that is
 * its text alternative. Suppressed figures are marked where they would be.
 *
 * The charts read the figures by key (docs/return.md); every section of
 * the reply, also one this client does not know yet (the assessment
 * figures to come), is shown as a table in the order of the reply.
 */
#ifndef TRIAD_CLIENT_REPORT_HTML_H
#define TRIAD_CLIENT_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "triad/v1/report.pb-c.h"

/* Writes the report to out. False when writing failed. */
__attribute__((warn_unused_result))
bool report_html_write(FILE *out, const Triad__V1__ReturnReport *r);

/*
 * A figure's value for people, by unit: a percentage for a rate, a whole
 * number for persons and counts, one or two decimals for the rest.
 */
void report_format_value(const char *unit, double v, char *buf, size_t size);

/* The unit of what a figure is compared with (a rate's compare is a count). */
const char *report_compare_unit(const Triad__V1__ReturnFigure *f);

#endif
