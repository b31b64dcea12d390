/*
 * tls.c: the server's TLS context and the checks on its settings.
 */
#include "tls.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

/* The last OpenSSL error as text, or what when there is none. */
static void
ssl_error(char err[256], const char *what, const char *path)
{
	char buf[160];
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "unknown error");
	ERR_clear_error();
	snprintf(err, 256, "%s %s: %s", what, path, buf);
}

bool
tls_host_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* The host part of HOST:PORT or [V6]:PORT. */
static void
listen_host(const char *listen, char host[CONFIG_STR_MAX])
{
	const char *colon = strrchr(listen, ':');
	size_t n = colon != NULL ? (size_t)(colon - listen) : strlen(listen);

	if (n >= 2 && listen[0] == '[' && listen[n - 1] == ']') {
		listen++;
		n -= 2;
	}
	snprintf(host, CONFIG_STR_MAX, "%.*s", (int)n, listen);
}

bool
tls_config_check(const Config *cfg, char err[256])
{
	char host[CONFIG_STR_MAX];

	if (!cfg->tls) {
		listen_host(cfg->listen, host);
		if (!tls_host_loopback(host)) {
			snprintf(err, 256,
				 "tls = off is allowed only on a loopback listen address "
				 "(127.0.0.1, ::1, localhost), not on '%.100s': tokens would cross "
				 "the network in clear text", cfg->listen);
			return false;
		}
		return true;
	}
	if (cfg->tls_cert[0] == '\0' || cfg->tls_key[0] == '\0') {
		snprintf(err, 256,
			 "TLS is on but tls_cert and tls_key are not both set: give the server's "
			 "certificate and key (or tls = off on a loopback address)");
		return false;
	}
	return true;
}

static int
accept_any_client_cert(int preverified, X509_STORE_CTX *store)
{
	(void)preverified;
	(void)store;
	return 1;
}

bool
tls_peer_fingerprint(SSL *ssl, char hex[65])
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool ok = peer != NULL && X509_digest(peer, EVP_sha256(), md, &len) == 1 && len == 32;

	hex[0] = '\0';
	if (ok)
		for (unsigned int i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	X509_free(peer);
	ERR_clear_error();
	return ok;
}

SSL_CTX *
tls_server_ctx(const Config *cfg, char err[256])
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		ssl_error(err, "cannot make a TLS context", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
				 SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* Clients may resume sessions. Because client certificates are asked
	 * for, OpenSSL refuses a resumption (with an internal-error alert)
	 * unless sessions carry a context id; a resumed session keeps the
	 * certificate its first handshake presented. */
	static const unsigned char sid_ctx[] = "triad";
	if (SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1) != 1) {
		ssl_error(err, "cannot set the TLS session context", "");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
		ssl_error(err, "cannot load the certificate", cfg->tls_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1) {
		ssl_error(err, "cannot load the key", cfg->tls_key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_error(err, "the key does not match the certificate", cfg->tls_key);
		goto fail;
	}
	if (cfg->tls_ca[0] != '\0') {
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(cfg->tls_ca);
		if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1 || names == NULL) {
			if (names != NULL)
				sk_X509_NAME_pop_free(names, X509_NAME_free);
			ssl_error(err, "cannot load the client CA file", cfg->tls_ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		/* Client certificates are asked for, not required: a person signs in
		 * with a token; a certificate, when sent, must be valid. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		/* Asked for, not required, and taken whoever signed them: a machine
		 * bound to a certificate is bound to its fingerprint (conn.c), and
		 * the handshake proves the client holds the certificate's key. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any_client_cert);
	}
	ERR_clear_error();
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
