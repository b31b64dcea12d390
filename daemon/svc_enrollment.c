/*
 * svc_enrollment.c: cohorts, runs, sessions, sub-groups, enrollment,
 * waitlists, attendance, prior learning and progress, as registry rows (see
 * registry.h). The rules -- capacity, the standalone share, waitlists and
 * promotion, core first, cannot-be-missed sessions -- live in the functions
 * of sql/functions/enrollment.sql, which take the cohort's row lock
 * before any placement decision.
 *
 * Ids travel as text and become NULL when empty (nullif), so a missing id
 * is "not found" rather than a syntax error.
 *
 * Who sees which enrollment, attendance record, claim or progress is the
 * database's: the views show staff everyone's and a participant their own,
 * from the caller triad_begin() describes, so no row here filters by the
 * caller. "$person" is passed only where it says who acts (the claimant,
 * the assessor).
 */
#include "sqlroute.h"
#include "svc_util.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"

const Route enrollment_routes[] = {
	/* ---- cohorts, runs, sessions, sub-groups ---- */
	{K(CREATE_COHORT), VERB_COHORT_WRITE, R(COHORT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_cohort_create(" ID(1) ", $2, $3, $4, $5::numeric)",
	   {"cohort.programme_id@programme", "cohort.name", "cohort.starts_on", "cohort.ends_on",
	    "$request_id"}}}},
	{K(GET_COHORT), VERB_COHORT_READ, R(COHORT), ROUTE_READ,
	 {{"SELECT * FROM cohort_v WHERE id = " ID(1), {"id@cohort"}}}, "cohort not found"},
	{K(LIST_COHORTS), VERB_COHORT_READ, R(COHORTS), ROUTE_READ,
	 {{"SELECT * FROM cohort_v WHERE (nullif($1, '') IS NULL OR programme_id = " ID(1) ")"
	   PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"programme_id@programme", "page_token", "$limit"}, "cohorts"}}, NULL, true},

	{K(CREATE_RUN), VERB_COHORT_WRITE, R(RUN), ROUTE_WRITE,
	 {{"SELECT * FROM triad_run_create(" ID(1) ", " ID(2) ", $3::int, $4, $5, $6::numeric)",
	   {"run.module_id@module", "run.cohort_id@cohort", "run.capacity", "run.starts_on", "run.ends_on",
	    "$request_id"}}}},
	{K(GET_RUN), VERB_COHORT_READ, R(RUN), ROUTE_READ,
	 {{"SELECT * FROM module_run_v WHERE id = " ID(1), {"id@run"}}}, "run not found"},
	{K(LIST_RUNS), VERB_COHORT_READ, R(RUNS), ROUTE_READ,
	 {{"SELECT * FROM module_run_v WHERE (nullif($1, '') IS NULL OR cohort_id = " ID(1) ")"
	   PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"cohort_id@cohort", "page_token", "$limit"}, "runs"}}, NULL, true},

	{K(CREATE_SESSION), VERB_COHORT_WRITE, R(SESSION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_session_create(" ID(1) ", $2, $3, $4::boolean, $5::numeric)",
	   {"session.run_id@run", "session.starts_at", "session.title", "record_history",
	    "$request_id"}}}},
	{K(LIST_SESSIONS), VERB_COHORT_READ, R(SESSIONS), ROUTE_READ,
	 {{"SELECT * FROM session_v WHERE run_id = " ID(1) PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"run_id@run", "page_token", "$limit"}, "sessions"}}, NULL, true},

	{K(CREATE_SUBGROUP), VERB_COHORT_WRITE, R(SUBGROUP), ROUTE_WRITE,
	 {{"SELECT * FROM triad_subgroup_create(" ID(1) ", $2, nullif($3, ''), $4::numeric)",
	   {"subgroup.run_id@run", "subgroup.name", "subgroup.purpose", "$request_id"}}}},
	{K(ADD_SUBGROUP_MEMBER), VERB_COHORT_WRITE, R(SUBGROUP), ROUTE_WRITE,
	 {{"SELECT * FROM triad_subgroup_member_add(" ID(1) ", " ID(2) ", $3::numeric)",
	   {"subgroup_id", "enrollment_id@enrollment", "$request_id"}}}},
	{K(LIST_SUBGROUPS), VERB_COHORT_READ, R(SUBGROUPS), ROUTE_READ,
	 {{"SELECT * FROM subgroup_v WHERE run_id = " ID(1) PAGE(2) " ORDER BY id LIMIT $3::int",
	   {"run_id@run", "page_token", "$limit"}, "subgroups"}}, NULL, true},

	/* ---- enrollment ---- */
	{K(ENROLL), VERB_ENROLL, R(ENROLLMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_enroll(" ID(1) ", " ID(2) ", " ID(3) ", " ID(4)
	   ", nullif($5::numeric, 0), $6, $7::numeric)",
	   {"person_id@person", "cohort_id@cohort", "run_id@run", "employer_id@organisation",
	    "hours_per_week",
	    "change_assignment", "$request_id"}}}},
	{K(GET_ENROLLMENT), VERB_ENROLLMENT_READ, R(ENROLLMENT), ROUTE_READ,
	 {{"SELECT * FROM enrollment_v WHERE id = " ID(1), {"id@my_enrollment"}}},
	 "enrollment not found"},
	{K(LIST_ENROLLMENTS), VERB_ENROLLMENT_READ, R(ENROLLMENTS), ROUTE_READ,
	 {{"SELECT * FROM enrollment_v"
	   " WHERE (nullif($1, '') IS NULL OR cohort_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR run_id = " ID(2) ")"
	   "   AND (nullif($3, '') IS NULL OR person_id = " ID(3) ")"
	   "   AND ($4 = '' OR status = $4)" PAGE(5) " ORDER BY id LIMIT $6::int",
	   {"cohort_id@cohort", "run_id@run", "person_id@person", "status", "page_token", "$limit"},
	   "enrollments"}}, NULL, true},
	/* Completing issues the certificate in the same transaction
	 * (svc_certificate.c), so it is written in C. */
	{.kind = K(TRANSITION_ENROLLMENT), .verb = VERB_ENROLLMENT_WRITE, .reply = R(ENROLLMENT),
	 .flags = ROUTE_WRITE, .handler = svc_enrollment_transition},
	{K(LIST_WAITLIST), VERB_ENROLLMENT_READ, R(WAITLIST), ROUTE_READ,
	 {{"SELECT * FROM enrollment_v WHERE placement = 'waitlisted' AND status <> 'withdrawn'"
	   "   AND (cohort_id = " ID(1) " OR run_id = " ID(2) ") ORDER BY arrival, id"
	   " LIMIT $3::int OFFSET $4::int",
	   {"cohort_id@cohort", "run_id@run", "$limit", "$offset"}, "enrollments"}},
	 .paged_by_position = true},
	{K(RECORD_EXEMPTION), VERB_ENROLLMENT_WRITE, R(EXEMPTION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_exemption_record(" ID(1) ", " ID(2) ", $3, $4::numeric)",
	   {"person_id@person", "module_id@module", "reason", "$request_id"}}}},

	/* ---- attendance ---- */
	{K(RECORD_ATTENDANCE), VERB_ENROLLMENT_WRITE, R(ATTENDANCE_RECORD), ROUTE_WRITE,
	 {{"SELECT * FROM triad_attendance_record(" ID(1) ", " ID(2) ", nullif($3, ''), $4::numeric)",
	   {"session_id", "enrollment_id@enrollment", "status", "$request_id"}}}},
	{K(LIST_ATTENDANCE), VERB_ENROLLMENT_READ, R(ATTENDANCE), ROUTE_READ,
	 {{"SELECT * FROM attendance_v"
	   " WHERE (nullif($1, '') IS NULL OR session_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR enrollment_id = " ID(2) ")" PAGE(3)
	   " ORDER BY id LIMIT $4::int",
	   {"session_id", "enrollment_id@enrollment", "page_token", "$limit"}, "records"}}, NULL, true},
	{K(RESOLVE_BLOCK), VERB_ENROLLMENT_WRITE, R(ENROLLMENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_block_resolve(" ID(1) ", $2, $3::numeric)",
	   {"enrollment_id@enrollment", "resolution", "$request_id"}}}},
	{K(COMPLETE_MODULE), VERB_ENROLLMENT_WRITE, R(MODULE_COMPLETION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_module_complete(" ID(1) ", " ID(2) ", $3::numeric)",
	   {"enrollment_id@enrollment", "module_id@module", "$request_id"}}}},

	/* ---- prior learning ---- */
	{K(CLAIM_PRIOR_LEARNING), VERB_CLAIM_CREATE, R(CLAIM), ROUTE_WRITE,
	 {{"SELECT * FROM triad_claim_create($1, " ID(2) ", $3, $4::numeric)",
	   {"$person", "outcome_id@outcome", "evidence", "$request_id"}}}},
	{K(DECIDE_CLAIM), VERB_CLAIM_DECIDE, R(CLAIM), ROUTE_WRITE,
	 {{"SELECT * FROM triad_claim_decide(" ID(1) ", $2::boolean, $3, $4, $5::numeric)",
	   {"id", "validate", "reason", "$person", "$request_id"}}}},
	{K(LIST_CLAIMS), VERB_ENROLLMENT_READ, R(CLAIMS), ROUTE_READ,
	 {{"SELECT * FROM claim_v WHERE (nullif($1, '') IS NULL OR person_id = " ID(1) ")"
	   "   AND ($2 = '' OR status = $2)" PAGE(3) " ORDER BY id LIMIT $4::int",
	   {"person_id@person", "status", "page_token", "$limit"}, "claims"}}, NULL, true},

	/* ---- progress: participants see their own, staff everyone's ---- */
	{K(GET_PROGRESS), VERB_PROGRESS_READ, R(PROGRESS), ROUTE_READ,
	 {{"SELECT * FROM triad_progress(" ID(1) ")", {"enrollment_id@my_enrollment"}},
	  {"SELECT * FROM triad_progress_outcomes(" ID(1) ")", {"enrollment_id@my_enrollment"}, "outcomes"},
	  {"SELECT * FROM triad_progress_modules(" ID(1) ")", {"enrollment_id@my_enrollment"}, "modules"}},
	 "enrollment not found"},

	{0},
};
