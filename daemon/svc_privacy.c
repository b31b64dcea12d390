/*
 * svc_privacy.c: a person's data for her (ExportMyData) and erasing a
 * person (ErasePerson), as registry rows (see registry.h) over the
 * functions of sql/functions/privacy.sql.
 *
 * Both reach across institutions, which only SECURITY DEFINER functions
 * may: the export reads every institution for the person of the
 * transaction (triad_begin() set her; no statement passes her), and the
 * erasure, for an operator naming no institution, every institution that
 * knows her. Each function checks again whom it serves.
 */
#include "dispatch.h"
#include "registry.h"

#define K(x) TRIAD__V1__REQUEST__BODY_##x
#define R(x) TRIAD__V1__RESPONSE__BODY_##x

/* An operator who names no institution erases from the whole service. */
static bool
whole_service(const Call *call, const Triad__V1__Request *req)
{
	(void)req;
	return call->institution[0] == '\0' && call->principal != NULL && call->principal->operator;
}

static const VerbHook service_hook = {whole_service, VERB_PERSON_ERASE_SERVICE,
				      "by an operator naming no institution"};

const Route privacy_routes[] = {
	{.kind = K(EXPORT_MY_DATA), .verb = VERB_EXPORT_OWN_DATA, .reply = R(MY_DATA),
	 .flags = ROUTE_READ,
	 .stmts = {{"SELECT triad_my_data()::text AS document", {NULL}}}},
	{.kind = K(ERASE_PERSON), .verb = VERB_PERSON_ERASE, .reply = R(ERASURE),
	 .flags = ROUTE_ACCESS_WRITE, .hook = &service_hook,
	 .stmts = {{"SELECT * FROM triad_person_erase($1, $2::numeric)",
		    {"person", "$request_id"}}}},
	{0},
};
