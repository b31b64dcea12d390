/*
 * svc_journey.c: the learning journey. A programme's journey plan,
 * conversations and their agreed actions, the logbook and the timeline, as
 * registry rows (see registry.h) over the functions and views of
 * sql/functions/journey.sql.
 *
 * Who sees which conversation, chapter or timeline entry is the database's:
 * the views apply it from the caller triad_begin() describes. "$person" is
 * passed only where it says who acts (the participant writing her chapter,
 * the staff member planning, the author of a comment).
 *
 * The views carry columns for ordering and visibility that no reply field
 * takes; the statements name the columns of their message instead.
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"

#define CONVERSATION_COLUMNS                                                                  \
	"id, enrollment_id, participant_name, participant_email, programme_code, kind,"       \
	" planned_at_us, held_at_us, staff, coach, notes, private_note, chapters, open_actions"
#define ACTION_COLUMNS \
	"id, conversation_id, description, owner, owner_name, due_on, done_at_us, overdue"
#define CHAPTER_COLUMNS                                                                       \
	"id, enrollment_id, participant_name, module_id, module_code, module_name, status,"  \
	" opens_on, text, saves, saved_at_us, submitted_at_us, shared_with, comments"
#define COMMENT_COLUMNS "id, chapter_id, author_name, text, created_at_us"

/* The chapter of one enrollment (or the caller's own) and one module. */
#define CHAPTER_KEYS "enrollment_id@my_enrollment", "module_id@module"

const Route journey_routes[] = {
	/* ---- the plan and the journey ---- */
	{K(SET_JOURNEY_PLAN), VERB_CATALOGUE_WRITE, R(JOURNEY_PLAN), ROUTE_WRITE,
	 {{"SELECT * FROM triad_journey_plan_set(" ID(1) ", $2::boolean, $3::int, $4::numeric)",
	   {"programme_id@programme", "intake_required", "development_conversations",
	    "$request_id"}}}},
	{K(GET_JOURNEY), VERB_PROGRESS_READ, R(JOURNEY), ROUTE_READ,
	 {{"SELECT * FROM journey_v WHERE enrollment_id = " ID(1), {"enrollment_id@my_enrollment"}},
	  {"SELECT " CHAPTER_COLUMNS " FROM logbook_v WHERE enrollment_id = " ID(1)
	   " ORDER BY sequence, module_code",
	   {"enrollment_id@my_enrollment"}, "chapters"}},
	 "no journey of that participant that you may see"},

	/* ---- conversations ---- */
	{K(PLAN_CONVERSATION), VERB_CONVERSATION_WRITE, R(CONVERSATION), ROUTE_WRITE,
	 {{"SELECT " CONVERSATION_COLUMNS " FROM triad_conversation_plan(" ID(1) ", nullif($2, ''),"
	   " $3, $4::text[], $5, $6::boolean, $7, $8::numeric)",
	   {"enrollment_id@enrollment", "kind", "planned_at", "staff", "coach", "record_history",
	    "$person", "$request_id"}}}},
	{K(RECORD_CONVERSATION), VERB_CONVERSATION_WRITE, R(CONVERSATION), ROUTE_WRITE,
	 {{"SELECT " CONVERSATION_COLUMNS " FROM triad_conversation_record($1, $2, $3, $4::boolean,"
	   " $5, $6::numeric)",
	   {"conversation", "notes", "private_note", "held", "held_at", "$request_id"}}}},
	{K(GET_CONVERSATION), VERB_CONVERSATION_READ, R(CONVERSATION), ROUTE_READ,
	 {{"SELECT " CONVERSATION_COLUMNS " FROM conversation_v"
	   " WHERE id = triad_conversation_find($1, 'get_conversation.conversation')",
	   {"conversation"}}},
	 "conversation not found"},
	/* Paged in time order: the next page goes on after the token's
	 * conversation in (planned_at, id) order. */
	{K(LIST_CONVERSATIONS), VERB_CONVERSATION_READ, R(CONVERSATIONS), ROUTE_READ,
	 {{"SELECT " CONVERSATION_COLUMNS " FROM conversation_v c"
	   " WHERE (nullif($1, '') IS NULL OR enrollment_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR kind = $2)"
	   "   AND (nullif($3, '') IS NULL OR (at, id) > (SELECT x.at, x.id FROM conversation_v x"
	   "                                              WHERE x.id = " ID(3) "))"
	   " ORDER BY at, id LIMIT $4::int",
	   {"enrollment_id@enrollment", "kind", "page_token", "$limit"}, "conversations"}},
	 NULL, true},
	{K(LINK_CHAPTER), VERB_CONVERSATION_WRITE, R(CONVERSATION), ROUTE_WRITE,
	 {{"SELECT " CONVERSATION_COLUMNS " FROM triad_conversation_link($1, " ID(2) ", $3::numeric)",
	   {"conversation", "module_id@module", "$request_id"}}}},

	/* ---- agreed actions ---- */
	{K(ADD_CONVERSATION_ACTION), VERB_CONVERSATION_WRITE, R(CONVERSATION_ACTION), ROUTE_WRITE,
	 {{"SELECT " ACTION_COLUMNS " FROM triad_action_add($1, $2, $3, $4, $5::numeric)",
	   {"conversation", "description", "owner", "due_on", "$request_id"}}}},
	{K(COMPLETE_CONVERSATION_ACTION), VERB_ACTION_COMPLETE, R(CONVERSATION_ACTION), ROUTE_WRITE,
	 {{"SELECT " ACTION_COLUMNS " FROM triad_action_complete($1, $2::numeric)",
	   {"action", "$request_id"}}}},
	{K(LIST_CONVERSATION_ACTIONS), VERB_CONVERSATION_READ, R(CONVERSATION_ACTIONS), ROUTE_READ,
	 {{"SELECT " ACTION_COLUMNS " FROM conversation_action_v"
	   " WHERE (nullif($1, '') IS NULL"
	   "        OR conversation_id = triad_conversation_find($1, 'list_conversation_actions.conversation'))"
	   "   AND (nullif($2, '') IS NULL OR enrollment_id = " ID(2) ")"
	   "   AND ($3::boolean OR NOT done)"
	   "   AND (nullif($4, '') IS NULL OR id > " ID(4) ")"
	   " ORDER BY id LIMIT $5::int",
	   {"conversation", "enrollment_id@enrollment", "include_done", "page_token", "$limit"},
	   "actions"}},
	 NULL, true},

	/* ---- the logbook ---- */
	{K(SAVE_CHAPTER), VERB_LOGBOOK_WRITE, R(CHAPTER), ROUTE_WRITE,
	 {{"SELECT " CHAPTER_COLUMNS " FROM triad_chapter_save(" ID(1) ", " ID(2) ", $3, $4,"
	   " $5::numeric)",
	   {CHAPTER_KEYS, "text", "$person", "$request_id"}}}},
	{K(SUBMIT_CHAPTER), VERB_LOGBOOK_WRITE, R(CHAPTER), ROUTE_WRITE,
	 {{"SELECT " CHAPTER_COLUMNS " FROM triad_chapter_submit(" ID(1) ", " ID(2) ", $3,"
	   " $4::numeric)",
	   {CHAPTER_KEYS, "$person", "$request_id"}}}},
	{K(SHARE_CHAPTER), VERB_LOGBOOK_WRITE, R(CHAPTER), ROUTE_WRITE,
	 {{"SELECT " CHAPTER_COLUMNS " FROM triad_chapter_share(" ID(1) ", " ID(2) ", $3, $4,"
	   " $5::numeric)",
	   {CHAPTER_KEYS, "coach", "$person", "$request_id"}}}},
	{K(GET_CHAPTER), VERB_LOGBOOK_READ, R(CHAPTER), ROUTE_READ,
	 {{"SELECT " CHAPTER_COLUMNS " FROM logbook_v WHERE enrollment_id = " ID(1)
	   " AND module_id = " ID(2),
	   {CHAPTER_KEYS}}},
	 "no chapter of that participant and module that you may read"},
	{K(LIST_CHAPTERS), VERB_LOGBOOK_READ, R(CHAPTERS), ROUTE_READ,
	 {{"SELECT " CHAPTER_COLUMNS " FROM logbook_v WHERE enrollment_id = " ID(1)
	   " ORDER BY sequence, module_code, module_id LIMIT $2::int OFFSET $3::int",
	   {"enrollment_id@my_enrollment", "$limit", "$offset"}, "chapters"}},
	 .paged_by_position = true},
	{K(COMMENT_CHAPTER), VERB_LOGBOOK_COMMENT, R(CHAPTER_COMMENT), ROUTE_WRITE,
	 {{"SELECT " COMMENT_COLUMNS " FROM triad_chapter_comment(" ID(1) ", " ID(2) ", $3, $4,"
	   " $5::numeric)",
	   {"enrollment_id@enrollment", "module_id@module", "text", "$person", "$request_id"}}}},
	{K(LIST_CHAPTER_COMMENTS), VERB_LOGBOOK_READ, R(CHAPTER_COMMENTS), ROUTE_READ,
	 {{"SELECT " COMMENT_COLUMNS " FROM logbook_comment_v WHERE enrollment_id = " ID(1)
	   " AND module_id = " ID(2) " ORDER BY at, id LIMIT $3::int OFFSET $4::int",
	   {CHAPTER_KEYS, "$limit", "$offset"}, "comments"}},
	 .paged_by_position = true},

	/* ---- the timeline ---- */
	/* Paged in time order: the next page goes on after the token's entry
	 * in (at, id) order (triad_timeline()). */
	{K(LIST_TIMELINE), VERB_TIMELINE_READ, R(TIMELINE), ROUTE_READ,
	 {{"SELECT * FROM triad_timeline(" ID(1) ", $2::text[], " ID(3) ", $4::int)",
	   {"enrollment_id@my_enrollment", "kinds", "page_token", "$limit"}, "entries"}},
	 NULL, true},

	{0},
};
