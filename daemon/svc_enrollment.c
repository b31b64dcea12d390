/*
 * svc_enrollment.c: cohorts, runs, sessions, sub-groups, enrollment,
 * waitlists, attendance, prior learning and progress, as SqlRoute rows (see
 * sqlroute.h). The rules live in the functions of
 * sql/migrations/0004_enrollment.sql.
 */
#include "sqlroute.h"

const SqlRoute enrollment_routes[] = {
	{0},
};
