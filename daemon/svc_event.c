/* svc_event.c: placeholder route table, filled in by the next commits. */
#include "sqlroute.h"

const SqlRoute event_routes[] = {
	{0},
};
