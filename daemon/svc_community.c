/* svc_community.c: placeholder route table, filled in by the next commits. */
#include "sqlroute.h"

const SqlRoute community_routes[] = {
	{0},
};
