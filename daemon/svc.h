/*
 * svc.h: the request handlers, one file per domain area (svc_<area>.c).
 *
 * Each handler validates its input, runs at most one database transaction
 * through the pool and answers the Call (see dispatch.h for the contract).
 */
#ifndef TRIAD_SVC_H
#define TRIAD_SVC_H

#include "dispatch.h"

/* svc_session.c */
void svc_session_hello(Call *call, const Triad__V1__Request *req);
void svc_session_ping(Call *call, const Triad__V1__Request *req);
void svc_session_redeem_invite(Call *call, const Triad__V1__Request *req);
void svc_session_who_am_i(Call *call, const Triad__V1__Request *req);

/* svc_directory.c */
void svc_institution_create(Call *call, const Triad__V1__Request *req);
void svc_institution_get(Call *call, const Triad__V1__Request *req);
void svc_institution_list(Call *call, const Triad__V1__Request *req);
void svc_person_create(Call *call, const Triad__V1__Request *req);
void svc_person_get(Call *call, const Triad__V1__Request *req);
void svc_person_list(Call *call, const Triad__V1__Request *req);
void svc_org_create(Call *call, const Triad__V1__Request *req);
void svc_org_get(Call *call, const Triad__V1__Request *req);
void svc_org_list(Call *call, const Triad__V1__Request *req);

/* svc_credentials.c */
void svc_grant_create(Call *call, const Triad__V1__Request *req);
void svc_grant_list(Call *call, const Triad__V1__Request *req);
void svc_grant_revoke(Call *call, const Triad__V1__Request *req);
void svc_token_create(Call *call, const Triad__V1__Request *req);
void svc_token_list(Call *call, const Triad__V1__Request *req);
void svc_token_revoke(Call *call, const Triad__V1__Request *req);
void svc_invite_create(Call *call, const Triad__V1__Request *req);
void svc_invite_list(Call *call, const Triad__V1__Request *req);
void svc_invite_revoke(Call *call, const Triad__V1__Request *req);

/* svc_triangle.c */
void svc_relation_create(Call *call, const Triad__V1__Request *req);

/* svc_audit.c */
void svc_audit_list(Call *call, const Triad__V1__Request *req);

#endif
