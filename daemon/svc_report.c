/*
 * svc_report.c: reports, as registry rows (see registry.h) over the
 * functions of sql/functions/report.sql. Today the return of a programme
 * (ReportReturn).
 *
 * Which figures a caller gets is the database's: staff the whole report,
 * an employer contact or an organisation's partner system only its own
 * organisation's (triad_report_employer()). "$min_group" is the server's
 * minimum group size (report_min_group); a request may ask for a larger
 * one. The statements only read: the report holds no lock that would make
 * an enrollment wait.
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"

const Route report_routes[] = {
	{K(REPORT_RETURN), VERB_REPORT_RETURN, R(RETURN_REPORT), ROUTE_READ,
	 {{"SELECT * FROM triad_report_return_head(" ID(1) ", " ID(2) ", $3::int, $4::int)",
	   {"programme_id@programme", "cohort_id@cohort", "$min_group", "min_group_size"}},
	  {"SELECT * FROM triad_report_return(" ID(1) ", " ID(2) ", $3::int, $4::int)",
	   {"programme_id@programme", "cohort_id@cohort", "$min_group", "min_group_size"},
	   "figures"}},
	 "programme not found"},
	{0},
};
