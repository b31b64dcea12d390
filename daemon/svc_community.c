/*
 * svc_community.c: professional learning communities, their members and
 * organisations, the practice questions they work on with the people and
 * products of each, and advisory boards with their members, meetings and
 * agenda items, as registry rows (see registry.h) over the functions and
 * views of sql/functions/community.sql.
 *
 * Who may call what is auth.c's; who sees which row is the database's:
 * the views apply triad_community_visible(), triad_question_visible() or
 * triad_board_visible() to the caller triad_begin() describes, so no row
 * here filters by the caller, and a row the caller may not see is answered
 * exactly like a missing id. Lists of a community's, question's, board's
 * or meeting's rows first look the parent up in its view, so an invisible
 * parent is NOT_FOUND rather than an empty list.
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"

const Route community_routes[] = {
	/* ---- communities ---- */
	{K(CREATE_COMMUNITY), VERB_COMMUNITY_WRITE, R(COMMUNITY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_create($1, $2, $3, " ID(4) ", " ID(5) ", $6, $7,"
	   " $8::numeric)",
	   {"name", "theme", "kind", "cohort_id@cohort", "agreement_id", "starts_on", "ends_on",
	    "$request_id"}}}},
	{K(GET_COMMUNITY), VERB_COMMUNITY_READ, R(COMMUNITY), ROUTE_READ,
	 {{"SELECT * FROM community_v WHERE id = " ID(1), {"id"}}},
	 "community not found"},
	{K(LIST_COMMUNITIES), VERB_COMMUNITY_READ, R(COMMUNITIES), ROUTE_READ,
	 {{"SELECT * FROM community_v WHERE (nullif($1, '') IS NULL OR kind = $1)" PAGE(2)
	   " ORDER BY id LIMIT $3::int",
	   {"kind", "page_token", "$limit"}, "communities"}},
	 NULL, true},
	{K(ADD_COMMUNITY_MEMBER), VERB_COMMUNITY_WRITE, R(COMMUNITY_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_member_add(" ID(1) ", " ID(2) ", $3, $4, " ID(5) ","
	   " $6::numeric)",
	   {"community_id", "person_id@person", "role", "affiliation",
	    "organisation_id@organisation", "$request_id"}}}},
	{K(REMOVE_COMMUNITY_MEMBER), VERB_COMMUNITY_WRITE, R(COMMUNITY_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_member_remove(" ID(1) ", " ID(2) ", $3::numeric)",
	   {"community_id", "person_id@person", "$request_id"}}}},
	{K(LIST_COMMUNITY_MEMBERS), VERB_COMMUNITY_READ, R(COMMUNITY_MEMBERS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM community_v WHERE id = " ID(1), {"community_id"}},
	  {"SELECT * FROM community_member_v WHERE community_id = " ID(1)
	   "   AND (current OR $2::boolean)" PAGE(3) " ORDER BY id LIMIT $4::int",
	   {"community_id", "include_former", "page_token", "$limit"}, "members"}},
	 "community not found", true},
	{K(ADD_COMMUNITY_ORGANISATION), VERB_COMMUNITY_WRITE, R(COMMUNITY_ORGANISATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_organisation_add(" ID(1) ", " ID(2) ", " ID(3) ","
	   " $4::numeric)",
	   {"community_id", "organisation_id@organisation", "network_agreement_id",
	    "$request_id"}}}},
	{K(LIST_COMMUNITY_ORGANISATIONS), VERB_COMMUNITY_READ, R(COMMUNITY_ORGANISATIONS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM community_v WHERE id = " ID(1), {"community_id"}},
	  {"SELECT * FROM community_organisation_v WHERE community_id = " ID(1)
	   " ORDER BY organisation_name, id LIMIT $2::int OFFSET $3::int",
	   {"community_id", "$limit", "$offset"}, "organisations"}},
	 "community not found", .paged_by_position = true},

	/* ---- practice questions ---- */
	{K(CREATE_QUESTION), VERB_QUESTION_CREATE, R(QUESTION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_create(" ID(1) ", " ID(2) ", $3, $4, $5::numeric)",
	   {"community_id", "organisation_id@organisation", "title", "description",
	    "$request_id"}}}},
	{K(GET_QUESTION), VERB_QUESTION_READ, R(QUESTION), ROUTE_READ,
	 {{"SELECT * FROM question_v WHERE id = " ID(1), {"id"}}},
	 "practice question not found"},
	{K(LIST_QUESTIONS), VERB_QUESTION_READ, R(QUESTIONS), ROUTE_READ,
	 {{"SELECT * FROM question_v WHERE (nullif($1, '') IS NULL OR community_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR organisation_id = " ID(2) ")"
	   "   AND (nullif($3, '') IS NULL OR status = $3)" PAGE(4) " ORDER BY id LIMIT $5::int",
	   {"community_id", "organisation_id@organisation", "status", "page_token", "$limit"},
	   "questions"}},
	 NULL, true},
	{K(TRANSITION_QUESTION), VERB_QUESTION_WRITE, R(QUESTION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_transition(" ID(1) ", $2, $3::numeric)",
	   {"id", "status", "$request_id"}}}},
	{K(LINK_QUESTION_PERSON), VERB_QUESTION_WRITE, R(QUESTION_PERSON), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_link(" ID(1) ", " ID(2) ", $3, " ID(4) ", $5,"
	   " $6::numeric)",
	   {"question_id", "person_id@person", "role", "enrollment_id@enrollment", "work",
	    "$request_id"}}}},
	{K(LIST_QUESTION_PEOPLE), VERB_QUESTION_READ, R(QUESTION_PEOPLE), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM question_v WHERE id = " ID(1), {"question_id"}},
	  {"SELECT * FROM question_person_v WHERE question_id = " ID(1)
	   " ORDER BY at, id LIMIT $2::int OFFSET $3::int",
	   {"question_id", "$limit", "$offset"}, "people"}},
	 "practice question not found", .paged_by_position = true},
	{K(ADD_PRODUCT), VERB_QUESTION_WRITE, R(PRODUCT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_product_add(" ID(1) ", $2, $3, $4, $5, $6::numeric)",
	   {"question_id", "kind", "title", "description", "delivered_on", "$request_id"}}}},
	{K(LIST_PRODUCTS), VERB_QUESTION_READ, R(PRODUCTS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM question_v WHERE id = " ID(1), {"question_id"}},
	  {"SELECT * FROM product_v WHERE question_id = " ID(1)
	   " ORDER BY at, id LIMIT $2::int OFFSET $3::int",
	   {"question_id", "$limit", "$offset"}, "products"}},
	 "practice question not found", .paged_by_position = true},
	{K(GIVE_PRODUCT_FEEDBACK), VERB_PRODUCT_FEEDBACK, R(PRODUCT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_product_feedback(" ID(1) ", $2, $3::numeric)",
	   {"product_id", "feedback", "$request_id"}}}},

	/* ---- advisory boards ---- */
	{K(CREATE_BOARD), VERB_BOARD_WRITE, R(BOARD), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_create($1, $2, " ID(3) ", $4::numeric)",
	   {"name", "kind", "programme_id@programme", "$request_id"}}}},
	{K(GET_BOARD), VERB_BOARD_READ, R(BOARD), ROUTE_READ,
	 {{"SELECT * FROM board_v WHERE id = " ID(1), {"id"}}},
	 "board not found"},
	{K(LIST_BOARDS), VERB_BOARD_READ, R(BOARDS), ROUTE_READ,
	 {{"SELECT * FROM board_v WHERE (nullif($1, '') IS NULL OR programme = " ID(1) ")" PAGE(2)
	   " ORDER BY id LIMIT $3::int",
	   {"programme_id@programme", "page_token", "$limit"}, "boards"}},
	 NULL, true},
	{K(ADD_BOARD_MEMBER), VERB_BOARD_WRITE, R(BOARD_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_member_add(" ID(1) ", " ID(2) ", " ID(3) ", $4, $5, $6,"
	   " $7::numeric)",
	   {"board_id", "person_id@person", "organisation_id@organisation", "role",
	    "term_starts_on", "term_ends_on",
	    "$request_id"}}}},
	{K(LIST_BOARD_MEMBERS), VERB_BOARD_READ, R(BOARD_MEMBERS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board_v WHERE id = " ID(1), {"board_id"}},
	  {"SELECT * FROM board_member_v WHERE board_id = " ID(1) " AND (current OR $2::boolean)"
	   " ORDER BY starts, person_name, id LIMIT $3::int OFFSET $4::int",
	   {"board_id", "include_past", "$limit", "$offset"}, "members"}},
	 "board not found", .paged_by_position = true},
	{K(CREATE_BOARD_MEETING), VERB_BOARD_WRITE, R(BOARD_MEETING), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_meeting_create(" ID(1) ", $2, $3, $4, $5::numeric)",
	   {"board_id", "held_on", "place", "minutes", "$request_id"}}}},
	{K(LIST_BOARD_MEETINGS), VERB_BOARD_READ, R(BOARD_MEETINGS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board_v WHERE id = " ID(1), {"board_id"}},
	  {"SELECT * FROM board_meeting_v WHERE board_id = " ID(1)
	   " ORDER BY held, id LIMIT $2::int OFFSET $3::int",
	   {"board_id", "$limit", "$offset"}, "meetings"}},
	 "board not found", .paged_by_position = true},
	{K(ADD_AGENDA_ITEM), VERB_BOARD_WRITE, R(AGENDA_ITEM), ROUTE_WRITE,
	 {{"SELECT * FROM triad_agenda_item_add(" ID(1) ", $2, $3, " ID(4) ", " ID(5) ","
	   " $6::numeric)",
	   {"meeting_id", "title", "notes", "question_id", "programme_id@programme",
	    "$request_id"}}}},
	{K(LIST_AGENDA_ITEMS), VERB_BOARD_READ, R(AGENDA_ITEMS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board_meeting_v WHERE id = " ID(1), {"meeting_id"}},
	  {"SELECT * FROM agenda_item_v WHERE meeting_id = " ID(1)
	   " ORDER BY position, id LIMIT $2::int OFFSET $3::int",
	   {"meeting_id", "$limit", "$offset"}, "items"}},
	 "meeting not found", .paged_by_position = true},

	{0},
};
