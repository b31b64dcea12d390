/*
 * svc_catalogue.c: programmes, learning lines, learning outcomes, modules
 * and prerequisites, as SqlRoute rows (see sqlroute.h). The rules live in
 * the functions of sql/migrations/0003_catalogue.sql.
 */
#include "sqlroute.h"

const SqlRoute catalogue_routes[] = {
	{0},
};
