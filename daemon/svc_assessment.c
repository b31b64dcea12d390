/*
 * svc_assessment.c: assignments, tailored instances, submissions,
 * assessments, completion rules and the transcript, as registry rows (see
 * registry.h) over the functions and views of sql/functions/assessment.sql.
 *
 * Who may record a result is auth.c's (VERB_ASSESSMENT_RECORD: assessors
 * only); who sees which instance, submission or assessment is the
 * database's. "$person" is passed only where it says who acts: the
 * participant tailoring or submitting her own work, the assessor whose
 * name goes on an assessment.
 *
 * The views carry columns for ordering and visibility that no reply field
 * takes; the statements name the columns of their message instead.
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"

#define ASSIGNMENT_COLUMNS                                                                    \
	"id, programme_id, programme_code, code, title, description, module_code, semester,"  \
	" context, kind, due_on, outcomes"
#define INSTANCE_COLUMNS                                                                      \
	"id, assignment_id, assignment_code, assignment_title, programme_code, kind, context," \
	" due_on, enrollment_id, participant_name, participant_email, organisation_name,"     \
	" question, status, note, decided_by, decided_at_us, versions, assessment_status"
#define ASSESSMENT_COLUMNS                                                                    \
	"id, instance_id, assignment_code, assignment_title, kind, programme_code,"           \
	" enrollment_id, participant_name, participant_email, assessor_name, assessor_email," \
	" feedback, passed, status, recorded_at_us, released_at_us, results, corrections"
#define RESULT_COLUMNS "assessment_id, outcome_code, outcome_description, result, passed, corrected"
#define EVIDENCE_COLUMNS "assessment_id, position, kind, label"
#define CORRECTION_COLUMNS                                                                    \
	"id, assessment_id, outcome_code, previous, result, reason, corrected_by, corrected_at_us"

/* The assessments of one participant (enrollment id in $1), of one
 * assignment when $2 names one: the detail lists follow them. */
#define OF_ASSESSMENTS(n1, n2)                                                                \
	" assessment_id IN (SELECT v.id FROM assessment_v v JOIN assignment_instance i"       \
	" ON i.id = v.instance_id WHERE v.enrollment_id = " ID(n1)                             \
	" AND (nullif($" #n2 ", '') IS NULL OR i.assignment_id ="                              \
	" triad_assignment_find($" #n2 ", 'get_assessment_record.assignment')))"
#define ASSESSMENT_DETAILS(...)                                                          \
	{"SELECT " RESULT_COLUMNS " FROM assessment_result_v WHERE" OF_ASSESSMENTS(1, 2)      \
	 " ORDER BY assessment_id, outcome_code", {__VA_ARGS__}, "results"},                         \
	{"SELECT " EVIDENCE_COLUMNS " FROM assessment_evidence_v WHERE" OF_ASSESSMENTS(1, 2)  \
	 " ORDER BY assessment_id, position", {__VA_ARGS__}, "evidence"},                            \
	{"SELECT " CORRECTION_COLUMNS " FROM assessment_correction_v WHERE"                    \
	 OF_ASSESSMENTS(1, 2) " ORDER BY at", {__VA_ARGS__}, "corrections"}

const Route assessment_routes[] = {
	/* ---- the programme's policy and rules ---- */
	{K(SET_ASSESSMENT_POLICY), VERB_ASSIGNMENT_WRITE, R(ASSESSMENT_POLICY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_assessment_setting_set(" ID(1) ", nullif($2, ''), $3::text[], $4,"
	   " $5::float8, $6::boolean, $7::boolean, $8::numeric)",
	   {"programme_id@programme", "scale", "levels", "pass_level", "pass_mark",
	    "four_eyes_final", "no_own_coachee", "$request_id"}}}},
	{K(GET_ASSESSMENT_POLICY), VERB_ASSIGNMENT_READ, R(ASSESSMENT_POLICY), ROUTE_READ,
	 {{"SELECT * FROM assessment_setting_v WHERE programme_id = " ID(1),
	   {"programme_id@programme"}}},
	 "programme not found"},
	{K(SET_COMPLETION_RULES), VERB_ASSIGNMENT_WRITE, R(COMPLETION_RULES), ROUTE_WRITE,
	 {{"SELECT * FROM triad_completion_rules_set(" ID(1) ", $2::int, $3::boolean, $4::boolean,"
	   " $5::boolean, $6::boolean, $7::boolean, $8::int, $9::numeric)",
	   {"programme_id@programme", "min_attendance_percent", "cannot_be_missed",
	    "internship_hours", "logbook_chapters", "outcomes_achieved", "final_passed",
	    "min_conversations", "$request_id"}}}},
	{K(GET_COMPLETION_RULES), VERB_ASSIGNMENT_READ, R(COMPLETION_RULES), ROUTE_READ,
	 {{"SELECT * FROM completion_rule_v WHERE programme_id = " ID(1),
	   {"programme_id@programme"}}},
	 "programme not found"},

	/* ---- assignments ---- */
	{K(CREATE_ASSIGNMENT), VERB_ASSIGNMENT_WRITE, R(ASSIGNMENT), ROUTE_WRITE,
	 {{"SELECT " ASSIGNMENT_COLUMNS " FROM triad_assignment_create(" ID(1) ", $2, $3, $4, "
	   ID(5) ", $6::int, nullif($7, ''), nullif($8, ''), $9, $10::text[], $11::numeric)",
	   {"programme_id@programme", "code", "title", "description", "module_id@module",
	    "semester", "context", "kind", "due_on", "outcomes", "$request_id"}}}},
	{K(GET_ASSIGNMENT), VERB_ASSIGNMENT_READ, R(ASSIGNMENT), ROUTE_READ,
	 {{"SELECT " ASSIGNMENT_COLUMNS " FROM assignment_v"
	   " WHERE id = triad_assignment_find($1, 'get_assignment.assignment')",
	   {"assignment"}}},
	 "assignment not found"},
	{K(LIST_ASSIGNMENTS), VERB_ASSIGNMENT_READ, R(ASSIGNMENTS), ROUTE_READ,
	 {{"SELECT " ASSIGNMENT_COLUMNS " FROM assignment_v"
	   " WHERE (" ID(1) " IS NULL OR programme_id = " ID(1) ")"
	   " ORDER BY programme_code, semester, sequence, code, id LIMIT $2::int OFFSET $3::int",
	   {"programme_id@programme", "$limit", "$offset"}, "assignments"}},
	 .paged_by_position = true},

	/* ---- a participant's instance ---- */
	{K(TAILOR_ASSIGNMENT), VERB_ASSIGNMENT_OWN, R(ASSIGNMENT_INSTANCE), ROUTE_WRITE,
	 {{"SELECT " INSTANCE_COLUMNS " FROM triad_assignment_tailor($1, " ID(2) ", " ID(3)
	   ", $4, $5, $6::numeric)",
	   {"assignment", "enrollment_id@my_enrollment", "organisation@organisation", "question",
	    "$person", "$request_id"}}}},
	{K(DECIDE_TAILORING), VERB_ASSIGNMENT_WRITE, R(ASSIGNMENT_INSTANCE), ROUTE_WRITE,
	 {{"SELECT " INSTANCE_COLUMNS " FROM triad_assignment_decide($1, " ID(2)
	   ", $3::boolean, $4, $5::numeric)",
	   {"assignment", "participant@enrollment", "approve", "note", "$request_id"}}}},
	{K(LIST_ASSIGNMENT_INSTANCES), VERB_SUBMISSION_READ, R(ASSIGNMENT_INSTANCES), ROUTE_READ,
	 {{"SELECT " INSTANCE_COLUMNS " FROM assignment_instance_v WHERE enrollment_id = " ID(1)
	   " AND (nullif($2, '') IS NULL OR assignment_id ="
	   " triad_assignment_find($2, 'list_assignment_instances.assignment'))"
	   " ORDER BY due_on, assignment_code, id LIMIT $3::int OFFSET $4::int",
	   {"participant@my_enrollment", "assignment", "$limit", "$offset"}, "instances"}},
	 .paged_by_position = true},

	/* ---- submissions ----
	 * No domain event: the event would carry the work itself (up to 200000
	 * characters) to every reader of the stream. */
	{K(SUBMIT_WORK), VERB_ASSIGNMENT_OWN, R(SUBMISSION), ROUTE_WRITES | ROUTE_IDEMPOTENT,
	 {{"SELECT * FROM triad_submission_add($1, " ID(2) ", $3, $4, $5, $6::numeric)",
	   {"assignment", "enrollment_id@my_enrollment", "title", "body", "$person",
	    "$request_id"}}}},
	{K(LIST_SUBMISSIONS), VERB_SUBMISSION_READ, R(SUBMISSIONS), ROUTE_READ,
	 {{"SELECT s.id, s.instance_id, s.assignment_code, s.participant_email, s.version,"
	   " s.title, CASE WHEN $3::boolean THEN s.body ELSE '' END AS body, s.sha256, s.size,"
	   " s.created_at_us FROM submission_v s JOIN assignment_instance i ON i.id = s.instance_id"
	   " WHERE i.enrollment_id = " ID(2)
	   " AND i.assignment_id = triad_assignment_find($1, 'list_submissions.assignment')"
	   " ORDER BY s.version LIMIT $4::int OFFSET $5::int",
	   {"assignment", "participant@my_enrollment", "with_body", "$limit", "$offset"},
	   "submissions"}},
	 .paged_by_position = true},

	/* ---- assessments: the assessor is the caller ---- */
	{K(RECORD_ASSESSMENT), VERB_ASSESSMENT_RECORD, R(ASSESSMENT), ROUTE_WRITE,
	 {{"SELECT " ASSESSMENT_COLUMNS " FROM triad_assessment_record($1, " ID(2)
	   ", $3::text[], $4, $5::text[], $6, $7::numeric)",
	   {"assignment", "participant@enrollment", "results", "feedback", "evidence", "$person",
	    "$request_id"}}}},
	{K(RELEASE_ASSESSMENT), VERB_ASSESSMENT_RECORD, R(ASSESSMENT_RECORD), ROUTE_WRITE,
	 {{"SELECT " ASSESSMENT_COLUMNS " FROM triad_assessment_release($1, " ID(2)
	   ", $3::numeric)",
	   {"assignment", "participant@enrollment", "$request_id"}, "assessments"},
	  ASSESSMENT_DETAILS("participant@enrollment", "assignment")}},
	{K(CORRECT_ASSESSMENT), VERB_ASSESSMENT_RECORD, R(ASSESSMENT_RECORD), ROUTE_WRITE,
	 {{"SELECT " ASSESSMENT_COLUMNS " FROM triad_assessment_correct($1, " ID(2)
	   ", $3, $4, $5, $6::numeric)",
	   {"assignment", "participant@enrollment", "outcome", "result", "reason", "$request_id"},
	   "assessments"},
	  ASSESSMENT_DETAILS("participant@enrollment", "assignment")}},
	{K(GET_ASSESSMENT_RECORD), VERB_ASSESSMENT_READ, R(ASSESSMENT_RECORD), ROUTE_READ,
	 {{"SELECT " ASSESSMENT_COLUMNS " FROM assessment_v WHERE enrollment_id = " ID(1)
	   " AND (nullif($2, '') IS NULL OR instance_id IN (SELECT i.id FROM assignment_instance i"
	   " WHERE i.assignment_id = triad_assignment_find($2, 'get_assessment_record.assignment')))"
	   " ORDER BY at LIMIT 1000",
	   {"participant@my_enrollment", "assignment"}, "assessments"},
	  ASSESSMENT_DETAILS("participant@my_enrollment", "assignment")}},

	/* ---- completion and the transcript ---- */
	{K(CHECK_COMPLETION), VERB_COMPLETION_READ, R(COMPLETION_CHECK), ROUTE_READ,
	 {{"SELECT * FROM triad_completion(" ID(1) ")", {"participant@my_enrollment"}},
	  {"SELECT * FROM triad_completion_rules(" ID(1) ")", {"participant@my_enrollment"},
	   "rules"}},
	 "no enrollment of that participant that you may see"},
	{K(EXEMPT_COMPLETION), VERB_COMPLETION_EXEMPT, R(COMPLETION_CHECK), ROUTE_WRITE,
	 {{"SELECT * FROM triad_completion_exempt(" ID(1) ", $2, $3::numeric)",
	   {"participant@enrollment", "reason", "$request_id"}},
	  {"SELECT * FROM triad_completion_rules(" ID(1) ")", {"participant@enrollment"},
	   "rules"}}},
	{K(GET_TRANSCRIPT), VERB_COMPLETION_READ, R(TRANSCRIPT), ROUTE_READ,
	 {{"SELECT * FROM triad_transcript(" ID(1) ")", {"participant@my_enrollment"}},
	  {"SELECT * FROM triad_transcript_rows(" ID(1) ")", {"participant@my_enrollment"},
	   "lines"}},
	 "no enrollment of that participant that you may see"},

	{0},
};
