/*
 * svc_community.c: professional learning communities, their members and
 * organisations, the practice questions they work on with the people and
 * products of each, and advisory boards with their members, meetings and
 * agenda items, as SqlRoute rows (see sqlroute.h) over the functions and
 * views of sql/migrations/0006_community.sql.
 *
 * Who may call what is auth.c's; who sees which row is the database's:
 * every read passes "$person", "$staff" and "$organisation" to
 * triad_community_visible(), triad_question_visible() or
 * triad_board_visible(), and a row the caller may not see is answered
 * exactly like a missing id. Lists of a community's, question's, board's
 * or meeting's rows first look the parent up under the same rule, so an
 * invisible parent is NOT_FOUND rather than an empty list.
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"

/* The caller may see community $n (with $person, $staff at n+1, n+2). */
#define COMMUNITY_SEEN(n, p, s) "triad_community_visible(" n ", $" #p ", $" #s "::boolean)"
/* The caller may see a question row q (community_id, organisation_id). */
#define QUESTION_SEEN(q, p, s, o)                                                          \
	"triad_question_visible(" q ".community_id, " q ".organisation_id, $" #p ", $" #s \
	"::boolean, $" #o ")"

const Route community_routes[] = {
	/* ---- communities ---- */
	{K(CREATE_COMMUNITY), VERB_COMMUNITY_WRITE, R(COMMUNITY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_create($1, $2, $3, " ID(4) ", " ID(5) ", $6, $7,"
	   " $8::numeric)",
	   {"name", "theme", "kind", "cohort_id", "agreement_id", "starts_on", "ends_on",
	    "$request_id"}}}},
	{K(GET_COMMUNITY), VERB_COMMUNITY_READ, R(COMMUNITY), ROUTE_READ,
	 {{"SELECT * FROM community_v WHERE id = " ID(1) " AND " COMMUNITY_SEEN("id", 2, 3),
	   {"id", "$person", "$staff"}}},
	 "community not found"},
	{K(LIST_COMMUNITIES), VERB_COMMUNITY_READ, R(COMMUNITIES), ROUTE_READ,
	 {{"SELECT * FROM community_v WHERE " COMMUNITY_SEEN("id", 1, 2)
	   "   AND (nullif($3, '') IS NULL OR kind = $3)" PAGE(4) " ORDER BY id LIMIT $5::int",
	   {"$person", "$staff", "kind", "page_token", "$limit"}, "communities"}},
	 NULL, true},
	{K(ADD_COMMUNITY_MEMBER), VERB_COMMUNITY_WRITE, R(COMMUNITY_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_member_add(" ID(1) ", " ID(2) ", $3, $4, " ID(5) ","
	   " $6::numeric)",
	   {"community_id", "person_id", "role", "affiliation", "organisation_id",
	    "$request_id"}}}},
	{K(REMOVE_COMMUNITY_MEMBER), VERB_COMMUNITY_WRITE, R(COMMUNITY_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_member_remove(" ID(1) ", " ID(2) ", $3::numeric)",
	   {"community_id", "person_id", "$request_id"}}}},
	{K(LIST_COMMUNITY_MEMBERS), VERB_COMMUNITY_READ, R(COMMUNITY_MEMBERS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM community WHERE id = " ID(1) " AND " COMMUNITY_SEEN("id", 2, 3),
	   {"community_id", "$person", "$staff"}},
	  {"SELECT * FROM community_member_v WHERE community_id = " ID(1)
	   "   AND (current OR $2::boolean)" PAGE(3) " ORDER BY id LIMIT $4::int",
	   {"community_id", "include_former", "page_token", "$limit"}, "members"}},
	 "community not found", true},
	{K(ADD_COMMUNITY_ORGANISATION), VERB_COMMUNITY_WRITE, R(COMMUNITY_ORGANISATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_community_organisation_add(" ID(1) ", " ID(2) ", " ID(3) ","
	   " $4::numeric)",
	   {"community_id", "organisation_id", "network_agreement_id", "$request_id"}}}},
	{K(LIST_COMMUNITY_ORGANISATIONS), VERB_COMMUNITY_READ, R(COMMUNITY_ORGANISATIONS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM community WHERE id = " ID(1) " AND " COMMUNITY_SEEN("id", 2, 3),
	   {"community_id", "$person", "$staff"}},
	  {"SELECT * FROM community_organisation_v WHERE community_id = " ID(1)
	   " ORDER BY organisation_name, id",
	   {"community_id"}, "organisations"}},
	 "community not found"},

	/* ---- practice questions ---- */
	{K(CREATE_QUESTION), VERB_QUESTION_CREATE, R(QUESTION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_create(" ID(1) ", " ID(2) ", $3, $4, $5, $6::boolean, $7,"
	   " $8::numeric)",
	   {"community_id", "organisation_id", "title", "description", "$person", "$staff",
	    "$organisation", "$request_id"}}}},
	{K(GET_QUESTION), VERB_QUESTION_READ, R(QUESTION), ROUTE_READ,
	 {{"SELECT * FROM question_v q WHERE id = " ID(1) " AND " QUESTION_SEEN("q", 2, 3, 4),
	   {"id", "$person", "$staff", "$organisation"}}},
	 "practice question not found"},
	{K(LIST_QUESTIONS), VERB_QUESTION_READ, R(QUESTIONS), ROUTE_READ,
	 {{"SELECT * FROM question_v q WHERE " QUESTION_SEEN("q", 1, 2, 3)
	   "   AND (nullif($4, '') IS NULL OR community_id = " ID(4) ")"
	   "   AND (nullif($5, '') IS NULL OR organisation_id = " ID(5) ")"
	   "   AND (nullif($6, '') IS NULL OR status = $6)" PAGE(7) " ORDER BY id LIMIT $8::int",
	   {"$person", "$staff", "$organisation", "community_id", "organisation_id", "status",
	    "page_token", "$limit"},
	   "questions"}},
	 NULL, true},
	{K(TRANSITION_QUESTION), VERB_QUESTION_WRITE, R(QUESTION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_transition(" ID(1) ", $2, $3::numeric)",
	   {"id", "status", "$request_id"}}}},
	{K(LINK_QUESTION_PERSON), VERB_QUESTION_WRITE, R(QUESTION_PERSON), ROUTE_WRITE,
	 {{"SELECT * FROM triad_question_link(" ID(1) ", " ID(2) ", $3, " ID(4) ", $5,"
	   " $6::numeric)",
	   {"question_id", "person_id", "role", "enrollment_id", "work", "$request_id"}}}},
	{K(LIST_QUESTION_PEOPLE), VERB_QUESTION_READ, R(QUESTION_PEOPLE), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM practice_question q WHERE id = " ID(1)
	   " AND " QUESTION_SEEN("q", 2, 3, 4),
	   {"question_id", "$person", "$staff", "$organisation"}},
	  {"SELECT * FROM question_person_v WHERE question_id = " ID(1) " ORDER BY at, id",
	   {"question_id"}, "people"}},
	 "practice question not found"},
	{K(ADD_PRODUCT), VERB_QUESTION_WRITE, R(PRODUCT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_product_add(" ID(1) ", $2, $3, $4, $5, $6::numeric)",
	   {"question_id", "kind", "title", "description", "delivered_on", "$request_id"}}}},
	{K(LIST_PRODUCTS), VERB_QUESTION_READ, R(PRODUCTS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM practice_question q WHERE id = " ID(1)
	   " AND " QUESTION_SEEN("q", 2, 3, 4),
	   {"question_id", "$person", "$staff", "$organisation"}},
	  {"SELECT * FROM product_v WHERE question_id = " ID(1) " ORDER BY at, id",
	   {"question_id"}, "products"}},
	 "practice question not found"},
	{K(GIVE_PRODUCT_FEEDBACK), VERB_PRODUCT_FEEDBACK, R(PRODUCT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_product_feedback(" ID(1) ", $2, $3, $4::boolean, $5, $6::numeric)",
	   {"product_id", "feedback", "$person", "$staff", "$organisation", "$request_id"}}}},

	/* ---- advisory boards ---- */
	{K(CREATE_BOARD), VERB_BOARD_WRITE, R(BOARD), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_create($1, $2, " ID(3) ", $4::numeric)",
	   {"name", "kind", "programme_id", "$request_id"}}}},
	{K(GET_BOARD), VERB_BOARD_READ, R(BOARD), ROUTE_READ,
	 {{"SELECT * FROM board_v WHERE id = " ID(1)
	   " AND triad_board_visible(id, $2, $3::boolean)",
	   {"id", "$person", "$staff"}}},
	 "board not found"},
	{K(LIST_BOARDS), VERB_BOARD_READ, R(BOARDS), ROUTE_READ,
	 {{"SELECT * FROM board_v WHERE triad_board_visible(id, $1, $2::boolean)"
	   "   AND (nullif($3, '') IS NULL OR programme = " ID(3) ")" PAGE(4)
	   " ORDER BY id LIMIT $5::int",
	   {"$person", "$staff", "programme_id", "page_token", "$limit"}, "boards"}},
	 NULL, true},
	{K(ADD_BOARD_MEMBER), VERB_BOARD_WRITE, R(BOARD_MEMBER), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_member_add(" ID(1) ", " ID(2) ", " ID(3) ", $4, $5, $6,"
	   " $7::numeric)",
	   {"board_id", "person_id", "organisation_id", "role", "term_starts_on", "term_ends_on",
	    "$request_id"}}}},
	{K(LIST_BOARD_MEMBERS), VERB_BOARD_READ, R(BOARD_MEMBERS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board WHERE id = " ID(1)
	   " AND triad_board_visible(id, $2, $3::boolean)",
	   {"board_id", "$person", "$staff"}},
	  {"SELECT * FROM board_member_v WHERE board_id = " ID(1) " AND (current OR $2::boolean)"
	   " ORDER BY starts, person_name, id",
	   {"board_id", "include_past"}, "members"}},
	 "board not found"},
	{K(CREATE_BOARD_MEETING), VERB_BOARD_WRITE, R(BOARD_MEETING), ROUTE_WRITE,
	 {{"SELECT * FROM triad_board_meeting_create(" ID(1) ", $2, $3, $4, $5::numeric)",
	   {"board_id", "held_on", "place", "minutes", "$request_id"}}}},
	{K(LIST_BOARD_MEETINGS), VERB_BOARD_READ, R(BOARD_MEETINGS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board WHERE id = " ID(1)
	   " AND triad_board_visible(id, $2, $3::boolean)",
	   {"board_id", "$person", "$staff"}},
	  {"SELECT * FROM board_meeting_v WHERE board_id = " ID(1) " ORDER BY held, id",
	   {"board_id"}, "meetings"}},
	 "board not found"},
	{K(ADD_AGENDA_ITEM), VERB_BOARD_WRITE, R(AGENDA_ITEM), ROUTE_WRITE,
	 {{"SELECT * FROM triad_agenda_item_add(" ID(1) ", $2, $3, " ID(4) ", " ID(5) ","
	   " $6::numeric)",
	   {"meeting_id", "title", "notes", "question_id", "programme_id", "$request_id"}}}},
	{K(LIST_AGENDA_ITEMS), VERB_BOARD_READ, R(AGENDA_ITEMS), ROUTE_READ,
	 {{"SELECT 1 AS seen FROM board_meeting WHERE id = " ID(1)
	   " AND triad_board_visible(board_id, $2, $3::boolean)",
	   {"meeting_id", "$person", "$staff"}},
	  {"SELECT * FROM agenda_item_v WHERE meeting_id = " ID(1) " ORDER BY position",
	   {"meeting_id"}, "items"}},
	 "meeting not found"},

	{0},
};
