/*
 * test_tls.c: TLS on the protocol port, through the real client.
 *
 * The certificates are made at test time with the openssl command, under
 * the suite's CA (so that the harness's own connections trust them): a
 * server certificate for 127.0.0.1 and localhost, an expired one, one for
 * another host name, client certificates for a partner's machine, and a
 * second CA that signed none of them.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];
static Triadd good;     /* the good certificate */
static Triadd hasty;    /* the good certificate, hello_timeout_ms = 500 */
static Triadd expired;  /* a certificate that expired yesterday */
static Triadd wrong;    /* a certificate for wrong.example only */

/* Runs a shell command in dir, failing the test when it fails. */
static void
sh(const char *fmt, ...)
{
	char cmd[4096], body[3800], out[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof body, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "cd '%s' && { %s; } 2>&1", dir, body);
	if (run_capture(cmd, out, sizeof out) != 0)
		fail_msg("%s: %s", body, out);
}

/* A key and a certificate NAME signed by ca.crt for san, valid for days. */
static void
make_cert(const char *name, const char *san, int days)
{
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	   "-keyout %s.key -out %s.csr -subj /CN=triad-test >/dev/null && "
	   "printf 'subjectAltName=%s\\n' >%s.ext && "
	   "openssl x509 -req -in %s.csr -CA ca.crt -CAkey ca.key -set_serial %d -days %d "
	   "-extfile %s.ext -out %s.crt >/dev/null && chmod 600 %s.key",
	   name, name, san, name, name, (int)(getpid() % 100000) + days + 10, days, name,
	   name, name);
}

/* TLS settings for a daemon serving certificate name. */
static void
tls_config(char *buf, size_t size, const char *name, const char *extra)
{
	snprintf(buf, size, "tls = on\ntls_cert = %s/%s.crt\ntls_key = %s/%s.key\n%s", dir, name,
		 dir, name, extra);
}

static int
setup(void **state)
{
	char conf[2048];

	harness_tmp_path(dir, sizeof dir, "tls");
	assert_int_equal(mkdir(dir, 0700), 0);
	sh("cp '%s/ca.crt' '%s/ca.key' .", harness_tls_dir(), harness_tls_dir());
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	   "-keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=triad-other-ca >/dev/null");
	make_cert("server", "IP:127.0.0.1,DNS:localhost", 2);
	make_cert("expired", "IP:127.0.0.1,DNS:localhost", -1);
	make_cert("wrong", "DNS:wrong.example", 2);
	make_cert("client", "DNS:hr-sync.example", 2);
	make_cert("stranger", "DNS:hr-sync.example", 2);
	sh("cp server.crt serving.crt && cp server.key serving.key");

	tls_config(conf, sizeof conf, "serving", "");
	triadd_start(&good, conf);
	/* A short hello timeout only where the tests wait for it: a loaded
	 * machine may take longer than that for a client's whole sign-in. */
	tls_config(conf, sizeof conf, "server", "hello_timeout_ms = 500\n");
	triadd_start(&hasty, conf);
	tls_config(conf, sizeof conf, "expired", "");
	triadd_start(&expired, conf);
	tls_config(conf, sizeof conf, "wrong", "");
	triadd_start(&wrong, conf);
	return 0;
}

static int
teardown(void **state)
{
	assert_int_equal(triadd_stop(&good, SIGTERM), 0);
	assert_int_equal(triadd_stop(&hasty, SIGTERM), 0);
	assert_int_equal(triadd_stop(&expired, SIGTERM), 0);
	assert_int_equal(triadd_stop(&wrong, SIGTERM), 0);
	return 0;
}

/* Runs `triad ARGS` over TLS (never plain) against addr; returns the exit code. */
static int
triad_tls(const char *addr, const char *args, char *out, size_t size)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "env -u TRIAD_PLAIN -u TRIAD_CA -u TRIAD_INSTITUTION TRIAD_ADDR=%s "
		 "TRIAD_TOKEN=%s XDG_CONFIG_HOME=/nonexistent SSL_CERT_FILE=/nonexistent "
		 "SSL_CERT_DIR=/nonexistent '%s' %s </dev/null 2>&1",
		 addr, test_token(), env_required("TRIAD"), args);
	return run_capture(cmd, out, size);
}

/* The port part of HOST:PORT. */
static const char *
port_of(const char *addr)
{
	return strrchr(addr, ':') + 1;
}

static void
test_good_certificate(void **state)
{
	char args[512], out[8192];

	snprintf(args, sizeof args, "--ca %s/ca.crt ping --db", dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	expect_contains(out, "database=ok");
	snprintf(args, sizeof args, "--ca %s/ca.crt whoami", dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);

	/* By host name, and with the CA from TRIAD_CA. */
	char addr[64];
	snprintf(addr, sizeof addr, "localhost:%s", port_of(good.addr));
	snprintf(args, sizeof args, "--addr %s --ca %s/ca.crt ping", addr, dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	char envcmd[2048];
	snprintf(envcmd, sizeof envcmd,
		 "env -u TRIAD_PLAIN TRIAD_CA=%s/ca.crt TRIAD_ADDR=%s TRIAD_TOKEN=%s "
		 "XDG_CONFIG_HOME=/nonexistent '%s' ping </dev/null 2>&1",
		 dir, good.addr, test_token(), env_required("TRIAD"));
	assert_int_equal(run_capture(envcmd, out, sizeof out), 0);
	expect_contains(out, "pong from");
}

/*
 * A client that reconnects with its session (as HTTP clients and many TLS
 * stacks do) is served, not sent an alert: openssl s_client reconnects five
 * times offering the first session. Over TLS 1.2 each reconnection resumes
 * it; over TLS 1.3 s_client may not have read a ticket before reconnecting,
 * so there each connection must just succeed.
 */
static void
test_session_resumption(void **state)
{
	(void)state;
	static const struct {
		const char *flag;
		int resumed;
	} runs[] = {{"-tls1_2", 5}, {"-tls1_3", 0}};
	for (size_t i = 0; i < 2; i++) {
		char cmd[2048], out[8192];
		snprintf(cmd, sizeof cmd,
			 "openssl s_client %s -connect %s -CAfile %s/ca.crt -verify_return_error "
			 "-reconnect </dev/null 2>&1 | grep -E '^(New|Reused),|alert|error'",
			 runs[i].flag, good.addr, dir);
		int rc = run_capture(cmd, out, sizeof out);
		int connected = 0, reused = 0;
		for (const char *p = out; (p = strstr(p, "New,")) != NULL; p++)
			connected++;
		for (const char *p = out; (p = strstr(p, "Reused,")) != NULL; p++)
			reused++;
		connected += reused;
		if (rc != 0 || strstr(out, "alert") != NULL || strstr(out, "error") != NULL ||
		    connected != 6 || reused < runs[i].resumed)
			fail_msg("%s: exit %d, %d of 6 connections, %d resumed\n%s", runs[i].flag, rc,
				 connected, reused, out);
	}
}

static void
test_untrusted_certificates_fail(void **state)
{
	char args[512], out[8192];

	/* Without --ca the system's CAs are used, which do not know ours. */
	assert_int_equal(triad_tls(good.addr, "ping", out, sizeof out), 3);
	expect_contains(out, "its certificate is not trusted");

	snprintf(args, sizeof args, "--ca %s/other-ca.crt ping", dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 3);
	expect_contains(out, "its certificate is not trusted: unable to get local issuer");
	expect_contains(out, "check the CA with --ca or TRIAD_CA");

	snprintf(args, sizeof args, "--ca %s/ca.crt ping", dir);
	assert_int_equal(triad_tls(expired.addr, args, out, sizeof out), 3);
	expect_contains(out, "certificate has expired");

	assert_int_equal(triad_tls(wrong.addr, args, out, sizeof out), 3);
	expect_contains(out, "mismatch");

	char addr[64];
	snprintf(addr, sizeof addr, "localhost:%s", port_of(wrong.addr));
	snprintf(args, sizeof args, "--addr %s --ca %s/ca.crt ping", addr, dir);
	assert_int_equal(triad_tls(wrong.addr, args, out, sizeof out), 3);
	expect_contains(out, "hostname mismatch");
}

static void
test_insecure_warns_loudly(void **state)
{
	char out[8192];

	assert_int_equal(triad_tls(wrong.addr, "--insecure ping", out, sizeof out), 0);
	expect_contains(out, "WARNING: --insecure");
	expect_contains(out, "pong from");
}

static void
test_plain_client_on_the_tls_port(void **state)
{
	char out[8192], cmd[2048];

	/* The client told to speak plain TCP gets no answer it can read. */
	snprintf(cmd, sizeof cmd,
		 "env TRIAD_ADDR=%s TRIAD_TOKEN=%s XDG_CONFIG_HOME=/nonexistent '%s' --plain "
		 "--timeout 3 ping </dev/null 2>&1",
		 good.addr, test_token(), env_required("TRIAD"));
	assert_int_equal(run_capture(cmd, out, sizeof out), 3);

	/* A raw Hello in clear text: the handshake fails and the daemon closes. */
	int fd = tc_connect_plain(good.addr);
	tc_send_hello(fd, 1, TRIAD_PROTOCOL_VERSION);
	assert_true(tc_closed(fd, 5000));
	close(fd);
	assert_true(triadd_log_contains(&good, "event=tls_handshake_failed"));

	char args[512];
	snprintf(args, sizeof args, "--ca %s/ca.crt ping", dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
}

static void
test_slow_handshake_is_closed(void **state)
{
	/* Connect and say nothing: the handshake counts against hello_timeout_ms. */
	int fd = tc_connect_plain(hasty.addr);
	uint64_t t0 = ms_now();
	assert_true(tc_closed(fd, 10000));
	uint64_t took = ms_now() - t0;
	close(fd);
	assert_true(took >= 400);
	assert_true(took < 5000);
	assert_true(triadd_log_contains(&hasty, "event=tls_handshake_timeout"));
}

/* GET /metrics from d's operations port, through bash's /dev/tcp. */
static void
metrics(const Triadd *d, char *out, size_t size)
{
	FILE *f = fopen(d->log, "r");
	char line[4096], addr[64] = "", cmd[512];
	assert_non_null(f);
	while (addr[0] == '\0' && fgets(line, sizeof line, f) != NULL) {
		char *p = strstr(line, "event=http_listening addr=");
		if (p != NULL)
			sscanf(p + strlen("event=http_listening addr="), "%63s", addr);
	}
	fclose(f);
	assert_true(addr[0] != '\0');
	*strrchr(addr, ':') = '/';
	snprintf(cmd, sizeof cmd,
		 "bash -c 'exec 3<>/dev/tcp/%s && printf \"GET /metrics HTTP/1.0\\r\\n\\r\\n\" >&3 "
		 "&& cat <&3'", addr);
	assert_int_equal(run_capture(cmd, out, size), 0);
}

static void
test_metrics_count_handshakes(void **state)
{
	static char out[65536];
	metrics(&good, out, sizeof out);
	/* The tests before this one made good and failed handshakes. */
	assert_null(strstr(out, "triad_tls_handshakes_total 0\n"));
	expect_contains(out, "triad_tls_handshakes_total ");
	assert_null(strstr(out, "triad_tls_handshake_failures_total 0\n"));
	expect_contains(out, "triad_tls_handshake_failures_total ");
}

static void
test_clean_close_sends_close_notify(void **state)
{
	char cmd[1024], out[16384];

	/* Handshake, then no Hello: the daemon answers DEADLINE_EXCEEDED at
	 * hello_timeout_ms and closes cleanly, with a TLS close_notify. */
	snprintf(cmd, sizeof cmd,
		 "timeout 10 openssl s_client -connect %s -CAfile %s/ca.crt -msg -ign_eof "
		 "</dev/null 2>&1 | grep -a -e 'close_notify' -e 'Verify return code'", hasty.addr,
		 dir);
	assert_int_equal(run_capture(cmd, out, sizeof out), 0);
	expect_contains(out, "Verify return code: 0 (ok)");
	expect_contains(out, "<<< TLS 1.3, Alert [length 0002], warning close_notify");
}

/* Waits up to 10 s for needle in d's log. */
static bool
log_soon(const Triadd *d, const char *needle)
{
	uint64_t deadline = ms_now() + 10000;
	while (ms_now() < deadline) {
		if (triadd_log_contains(d, needle))
			return true;
		usleep(20000);   /* polls the log to a deadline */
	}
	return false;
}

static void
test_reload_keeps_the_old_certificate_on_error(void **state)
{
	char args[512], out[8192];

	sh("echo 'not a certificate' >serving.crt");
	assert_int_equal(kill(good.pid, SIGHUP), 0);
	assert_true(log_soon(&good, "event=tls_reload_failed"));
	assert_true(triadd_log_contains(&good, "keeping=old"));
	snprintf(args, sizeof args, "--ca %s/ca.crt ping", dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);

	/* A good certificate again (for another CA-checked name) is taken. */
	sh("cp wrong.crt serving.crt && cp wrong.key serving.key");
	assert_int_equal(kill(good.pid, SIGHUP), 0);
	assert_true(log_soon(&good, "event=tls_reloaded"));
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 3);
	expect_contains(out, "mismatch");
	sh("cp server.crt serving.crt && cp server.key serving.key");
	assert_int_equal(kill(good.pid, SIGHUP), 0);
	uint64_t deadline = ms_now() + 10000;
	while (triad_tls(good.addr, args, out, sizeof out) != 0 && ms_now() < deadline)
		usleep(50000);   /* until the reload is through */
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
}

/* Starts triadd with config text; returns its exit code and output. */
static int
start_refused(const char *config, char *out, size_t size)
{
	char conf[256], cmd[1024];
	harness_tmp_path(conf, sizeof conf, "refused.conf");
	FILE *f = fopen(conf, "w");
	assert_non_null(f);
	fprintf(f, "[triadd]\nhttp_listen =\ndb = %s\n%s", env_required("TRIAD_TEST_DB"), config);
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' --config %s 2>&1", env_required("TRIADD"), conf);
	int rc = run_capture(cmd, out, size);
	unlink(conf);
	return rc;
}

/* The token in a `token create --json` answer (malloc'd). */
static char *
token_of(const char *json)
{
	const char *p = strstr(json, "\"token\":\"");
	if (p == NULL)
		fail_msg("no token in: %s", json);
	p += strlen("\"token\":\"");
	return strndup(p, strcspn(p, "\""));
}

static void
test_machine_bound_to_its_client_certificate(void **state)
{
	char args[2048], out[8192], slug[64];
	Sess s = sess_open(good.addr, test_token());
	make_institution(&s, "mtls", "Client Certificate College", slug);

	/* Bound by the certificate file. */
	snprintf(args, sizeof args,
		 "--ca %s/ca.crt --institution %s --json token create --machine hr-sync-%d "
		 "--client-cert %s/client.crt",
		 dir, slug, (int)getpid(), dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	char *tok = token_of(out);

	/* The token alone is not enough. */
	snprintf(args, sizeof args, "--ca %s/ca.crt --token %s whoami", dir, tok);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 4);
	expect_contains(out, "this machine signs in with its client certificate");

	/* With its certificate it signs in; with another, it does not. */
	snprintf(args, sizeof args, "--ca %s/ca.crt --token %s --cert %s/client.crt "
		 "--key %s/client.key whoami", dir, tok, dir, dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	expect_contains(out, "hr-sync-");
	snprintf(args, sizeof args, "--ca %s/ca.crt --token %s --cert %s/stranger.crt "
		 "--key %s/stranger.key whoami", dir, tok, dir, dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 4);
	expect_contains(out, "not the one this machine is bound to");
	free(tok);

	/* Bound by the fingerprint as openssl prints it, colons and all. */
	char fp[256];
	snprintf(args, sizeof args,
		 "openssl x509 -noout -fingerprint -sha256 -in '%s/stranger.crt' | cut -d= -f2",
		 dir);
	assert_int_equal(run_capture(args, fp, sizeof fp), 0);
	fp[strcspn(fp, "\n")] = '\0';
	snprintf(args, sizeof args,
		 "--ca %s/ca.crt --institution %s --json token create --machine ledger-%d "
		 "--client-cert %s", dir, slug, (int)getpid(), fp);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	tok = token_of(out);
	snprintf(args, sizeof args, "--ca %s/ca.crt --token %s --cert %s/stranger.crt "
		 "--key %s/stranger.key whoami", dir, tok, dir, dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 0);
	free(tok);

	/* Only a machine is bound, and only to a fingerprint. */
	snprintf(args, sizeof args, "--ca %s/ca.crt token create --client-cert %s/client.crt",
		 dir, dir);
	assert_int_equal(triad_tls(good.addr, args, out, sizeof out), 2);
	expect_contains(out, "--client-cert is used only with --machine");
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateTokenRequest m = TRIAD__V1__CREATE_TOKEN_REQUEST__INIT;
	m.machine_name = "half-a-fingerprint";
	m.client_certificate_sha256 = "ab:cd:ef";
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_TOKEN;
	req.create_token = &m;
	Triad__V1__Response *r = rpc(&s, slug, &req);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT);
	assert_string_equal(r->status->field, "create_token.client_certificate_sha256");
	rpc_free(r);
	sess_close(&s);
}

static void
test_refuses_unsafe_settings(void **state)
{
	char out[4096], conf[2048];

	assert_int_equal(start_refused("listen = 0.0.0.0:0\ntls = off\n", out, sizeof out), 1);
	expect_contains(out, "tls = off is allowed only on a loopback listen address");

	assert_int_equal(start_refused("listen = 127.0.0.1:0\n", out, sizeof out), 1);
	expect_contains(out, "TLS is on but tls_cert and tls_key are not both set");

	snprintf(conf, sizeof conf, "listen = 127.0.0.1:0\ntls_cert = %s/server.crt\n"
		 "tls_key = %s/wrong.key\n", dir, dir);
	assert_int_equal(start_refused(conf, out, sizeof out), 1);
	expect_contains(out, "key values mismatch");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_certificate),
		cmocka_unit_test(test_session_resumption),
		cmocka_unit_test(test_untrusted_certificates_fail),
		cmocka_unit_test(test_insecure_warns_loudly),
		cmocka_unit_test(test_plain_client_on_the_tls_port),
		cmocka_unit_test(test_slow_handshake_is_closed),
		cmocka_unit_test(test_clean_close_sends_close_notify),
		cmocka_unit_test(test_reload_keeps_the_old_certificate_on_error),
		cmocka_unit_test(test_metrics_count_handshakes),
		cmocka_unit_test(test_machine_bound_to_its_client_certificate),
		cmocka_unit_test(test_refuses_unsafe_settings),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
