/*
 * keys.h: `triadd keys rotate`, an institution's new signing key made on
 * the server's command line.
 *
 * Like bootstrap.h this runs with blocking libpq calls, never on the event
 * loop. It connects with the configured db (the daemon's role), reads the
 * master key from credential_key_file, and does what RotateCredentialKey
 * does for an institution admin: a new key of credential_key_alg, sealed,
 * the current one retired (still published), audited with no principal,
 * and a NOTIFY so that every running daemon publishes the new key.
 */
#ifndef TRIAD_KEYS_H
#define TRIAD_KEYS_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* Rotates institution's key (slug or id); writes the new kid to out. */
__attribute__((warn_unused_result))
bool keys_rotate(const Config *cfg, const char *institution, FILE *out, char err[512]);

#endif
