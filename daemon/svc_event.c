/*
 * svc_event.c: events with registrations, waitlists, attendance and topic
 * suggestions; alumni; ambassadors and their activities, as registry rows
 * (see registry.h) over the functions of sql/functions/events.sql.
 * Places at an event follow the enrollment rules, which that file
 * shares between module runs and events, under the event's row lock.
 *
 * Who sees what is the database's to say: the views hide an event of a
 * community from anyone but its members and staff, and anyone's
 * registrations and alumni rows but their own from everyone but staff,
 * for the caller triad_begin() describes; no row here filters by the
 * caller. "$person" is passed only where it says who acts (who registers,
 * cancels or suggests).
 */
#include "sqlroute.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define ID(n) "nullif($" #n ", '')::uuid"
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"
/* The event named by $n, if the caller may see it. */
#define VISIBLE_EVENT(n) "SELECT id FROM event_v WHERE id = " ID(n)

const Route event_routes[] = {
	/* ---- events ---- */
	{K(CREATE_EVENT), VERB_EVENT_WRITE, R(EVENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_event_create(nullif($1, ''), $2, $3, " ID(4) ", " ID(5) ", $6, $7,"
	   " $8::int, " ID(9) ", $10, $11::boolean, $12::numeric)",
	   {"kind", "title", "description", "community_id", "programme_id@programme", "starts_at",
	    "place", "capacity", "presenter_person_id@person", "topic", "record_history",
	    "$request_id"}}}},
	{K(GET_EVENT), VERB_EVENT_READ, R(EVENT), ROUTE_READ,
	 {{"SELECT * FROM event_v WHERE id = " ID(1), {"id"}}}, "event not found"},
	/* Soonest first: the page token is the last event of the page, and the
	 * next page goes on after it in (starts_at, id) order. */
	{K(LIST_EVENTS), VERB_EVENT_READ, R(EVENTS), ROUTE_READ,
	 {{"SELECT * FROM event_v WHERE (nullif($1, '') IS NULL OR community_id = " ID(1) ")"
	   "   AND ($2 = '' OR kind = $2)"
	   "   AND (NOT $3::boolean OR at > now())"
	   "   AND (nullif($4, '') IS NULL OR (at, id) > (SELECT x.starts_at, x.id FROM event x"
	   "                                            WHERE x.id = " ID(4) "))"
	   " ORDER BY at, id LIMIT $5::int",
	   {"community_id", "kind", "upcoming", "page_token", "$limit"}, "events"}},
	 NULL, true},
	{K(SET_EVENT_CAPACITY), VERB_EVENT_WRITE, R(EVENT), ROUTE_WRITE,
	 {{"SELECT * FROM triad_event_capacity(" ID(1) ", $2::int, $3::numeric)",
	   {"id", "capacity", "$request_id"}}}},

	/* ---- registrations ---- */
	{K(REGISTER_FOR_EVENT), VERB_EVENT_REGISTER, R(REGISTRATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_event_register(" ID(1) ", " ID(2) ", $3, $4::numeric)",
	   {"event_id", "person_id@person", "$person", "$request_id"}}}},
	{K(CANCEL_REGISTRATION), VERB_EVENT_REGISTER, R(REGISTRATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_event_cancel(" ID(1) ", $2, $3::numeric)",
	   {"id", "$person", "$request_id"}}}},
	/* Staff see every registration, anyone else their own; in order of
	 * arrival, so the waitlist comes in its order. */
	{K(LIST_REGISTRATIONS), VERB_EVENT_READ, R(REGISTRATIONS), ROUTE_READ,
	 {{VISIBLE_EVENT(1), {"event_id"}},
	  {"SELECT * FROM event_registration_v WHERE event_id = " ID(1)
	   "   AND (NOT $2::boolean OR (placement = 'waitlisted' AND status = 'registered'))"
	   "   AND ($3::boolean OR status = 'registered')"
	   " ORDER BY arrival, id LIMIT $4::int OFFSET $5::int",
	   {"event_id", "waitlisted", "include_cancelled", "$limit", "$offset"},
	   "registrations"}},
	 "event not found", .paged_by_position = true},
	{K(RECORD_EVENT_ATTENDANCE), VERB_EVENT_WRITE, R(REGISTRATION), ROUTE_WRITE,
	 {{"SELECT * FROM triad_event_attendance(" ID(1) ", nullif($2, ''), $3::numeric)",
	   {"registration_id", "status", "$request_id"}}}},

	/* ---- topics ---- */
	{K(SUGGEST_TOPIC), VERB_TOPIC_SUGGEST, R(TOPIC), ROUTE_WRITE,
	 {{"SELECT * FROM triad_topic_suggest(" ID(1) ", $2, $3, $4::numeric)",
	   {"event_id", "text", "$person", "$request_id"}}}},
	{K(LIST_TOPICS), VERB_EVENT_READ, R(TOPICS), ROUTE_READ,
	 {{VISIBLE_EVENT(1), {"event_id"}},
	  {"SELECT * FROM topic_v WHERE event_id = " ID(1)
	   " ORDER BY at, id LIMIT $2::int OFFSET $3::int",
	   {"event_id", "$limit", "$offset"}, "topics"}},
	 "event not found", .paged_by_position = true},

	/* ---- alumni: staff see all, anyone else themselves ---- */
	{K(LIST_ALUMNI), VERB_ALUMNI_READ, R(ALUMNI), ROUTE_READ,
	 {{"SELECT * FROM alumnus_v WHERE (nullif($1, '') IS NULL OR programme_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR person_id = " ID(2) ")" PAGE(3)
	   " ORDER BY id LIMIT $4::int",
	   {"programme_id@programme", "person_id@person", "page_token", "$limit"}, "alumni"}},
	 NULL, true},

	/* ---- ambassadors ---- */
	{K(CREATE_AMBASSADOR), VERB_AMBASSADOR_WRITE, R(AMBASSADOR), ROUTE_WRITE,
	 {{"SELECT * FROM triad_ambassador_create(" ID(1) ", " ID(2) ", " ID(3) ", nullif($4, ''),"
	   " $5, $6, $7::numeric)",
	   {"person_id@person", "programme_id@programme", "organisation_id@organisation", "basis",
	    "starts_on", "ends_on",
	    "$request_id"}}}},
	{K(LIST_AMBASSADORS), VERB_AMBASSADOR_READ, R(AMBASSADORS), ROUTE_READ,
	 {{"SELECT * FROM ambassador_v WHERE (nullif($1, '') IS NULL OR programme_id = " ID(1) ")"
	   "   AND (nullif($2, '') IS NULL OR organisation_id = " ID(2) ")" PAGE(3)
	   " ORDER BY id LIMIT $4::int",
	   {"programme_id@programme", "organisation_id@organisation", "page_token", "$limit"},
	   "ambassadors"}},
	 NULL, true},
	{K(END_AMBASSADOR), VERB_AMBASSADOR_WRITE, R(AMBASSADOR), ROUTE_WRITE,
	 {{"SELECT * FROM triad_ambassador_end(" ID(1) ", $2, $3::numeric)",
	   {"id", "ends_on", "$request_id"}}}},
	{K(RECORD_AMBASSADOR_ACTIVITY), VERB_AMBASSADOR_WRITE, R(AMBASSADOR_ACTIVITY), ROUTE_WRITE,
	 {{"SELECT * FROM triad_ambassador_activity_record(" ID(1) ", nullif($2, ''), $3, $4,"
	   " $5::int, $6::numeric)",
	   {"ambassador_id", "kind", "held_on", "description", "reach", "$request_id"}}}},
	/* Newest first; one ambassador's, or every ambassador's. */
	{K(LIST_AMBASSADOR_ACTIVITIES), VERB_AMBASSADOR_READ, R(AMBASSADOR_ACTIVITIES), ROUTE_READ,
	 {{"SELECT 1 AS found WHERE nullif($1, '') IS NULL"
	   "    OR EXISTS (SELECT 1 FROM ambassador WHERE id = " ID(1) ")",
	   {"ambassador_id"}},
	  {"SELECT * FROM ambassador_activity_v"
	   " WHERE (nullif($1, '') IS NULL OR ambassador_id = " ID(1) ")"
	   " ORDER BY held DESC, created_at DESC, id LIMIT $2::int OFFSET $3::int",
	   {"ambassador_id", "$limit", "$offset"}, "activities"}},
	 "ambassador not found", .paged_by_position = true},

	{0},
};
