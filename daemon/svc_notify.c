/*
 * svc_notify.c: reading the notification outbox, as registry rows (see
 * registry.h) over notification_v of sql/functions/notify.sql.
 *
 * Messages are written by the functions that make the changes they are
 * about and sent by the mailer (mailer.h). Who reads which of them, and
 * whose codes, is the database's: row-level security keeps a tenant's
 * transaction to its institution's messages, and the view shows codes only
 * to those who may see them. An operator who names no institution reads
 * the whole outbox, sign-in codes included.
 */
#include "sqlroute.h"
#include "svc_util.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x
#define PAGE(n) " AND (nullif($" #n ", '') IS NULL OR id > nullif($" #n ", '')::uuid)"

/* An operator who names no institution reads the service's whole outbox. */
static bool
whole_outbox(const Call *call, const Triad__V1__Request *req)
{
	return call->institution[0] == '\0' && call->principal != NULL && call->principal->operator;
}

static const VerbHook service_hook = {whole_outbox, VERB_SERVICE_NOTIFICATION_READ,
				      "by an operator naming no institution"};

const Route notify_routes[] = {
	{K(LIST_NOTIFICATIONS), VERB_NOTIFICATION_READ, R(NOTIFICATIONS), ROUTE_READ,
	 {{"SELECT * FROM notification_v WHERE ($1 = '' OR status = $1)"
	   "   AND ($2 = '' OR kind = $2) AND ($3 = '' OR lower(recipient) = lower($3))" PAGE(4)
	   " ORDER BY id LIMIT $5::int",
	   {"status", "kind", "recipient", "page_token", "$limit"}, "notifications"}},
	 NULL, true, .hook = &service_hook},
	{K(GET_NOTIFICATION), VERB_NOTIFICATION_READ, R(NOTIFICATION), ROUTE_READ,
	 {{"SELECT * FROM notification_v WHERE id = nullif($1, '')::uuid", {"id"}}},
	 "notification not found", .hook = &service_hook},
	{0},
};
