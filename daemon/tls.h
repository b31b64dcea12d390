/*
 * tls.h: TLS on the protocol port.
 *
 * The server's SSL_CTX is built from tls_cert, tls_key and (optionally)
 * tls_ca. A reload builds a whole new context first and only then swaps it
 * in; when the new files do not load, the old context stays and the error
 * is logged. Connections hold a reference to the context they started with,
 * so new connections use the new one and old ones finish with the old.
 *
 * Plain TCP (tls = off) is allowed only on a loopback listen address.
 */
#ifndef TRIAD_TLS_H
#define TRIAD_TLS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "config.h"

/*
 * Checks the TLS settings against the rest: tls = off only on loopback,
 * tls = on needs tls_cert and tls_key, and the PROXY header is not yet
 * read in front of TLS.
 */
__attribute__((warn_unused_result))
bool tls_config_check(const Config *cfg, char err[256]);

/*
 * A new server context from cfg's files: TLS 1.2 at least, the certificate
 * chain and key (which must match), and client certificates asked for and
 * checked against tls_ca when it is set. NULL with a sentence in err.
 */
SSL_CTX *tls_server_ctx(const Config *cfg, char err[256]);

/* True when host (an address literal or "localhost") is a loopback one. */
bool tls_host_loopback(const char *host);

#endif
