/*
 * bootstrap.h: the first operator credential.
 *
 * Like migrate.h this runs from the command line with blocking libpq
 * calls, never on the event loop, and as the schema owner: the daemon's own
 * role cannot make operators.
 */
#ifndef TRIAD_BOOTSTRAP_H
#define TRIAD_BOOTSTRAP_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Creates the operator principal (once) and a new token for it, and writes
 * the token to out, the only place it ever appears. Refuses when an
 * operator already exists unless force is set; a forced run is recorded in
 * the service's audit trail as "bootstrap.force".
 */
__attribute__((warn_unused_result))
bool bootstrap_operator(const char *conninfo, bool force, FILE *out, char err[512]);

#endif
