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
 * tls = on needs tls_cert and tls_key.
 */
__attribute__((warn_unused_result))
bool tls_config_check(const Config *cfg, char err[256]);

/*
 * A new server context from cfg's files: TLS 1.2 at least, the certificate
 * chain and key (which must match), and client certificates asked for, not
 * required: checked against tls_ca when it is set, otherwise taken for
 * their fingerprint only. NULL with a sentence in err.
 */
SSL_CTX *tls_server_ctx(const Config *cfg, char err[256]);

/*
 * The SHA-256 fingerprint of the certificate the peer presented on ssl, as
 * 64 lowercase hex digits into hex; false (hex empty) when it sent none.
 */
bool tls_peer_fingerprint(SSL *ssl, char hex[65]);

/* True when host (an address literal or "localhost") is a loopback one. */
bool tls_host_loopback(const char *host);

#endif
