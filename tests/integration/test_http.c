/*
 * test_http.c: the operations port as a probe or a scraper sees it: health,
 * readiness, metrics, and what it says to anything else.
 */
#include "harness.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static Triadd d;
static char http_addr[64];

static int
setup(void **state)
{
	triadd_start(&d, "http_listen = 127.0.0.1:0\n");
	/* The harness waits for event=listening, which comes after this one. */
	if (!triadd_http_addr(&d, http_addr, sizeof http_addr))
		fail_msg("no event=http_listening in the log");
	return 0;
}

static int
teardown(void **state)
{
	assert_int_equal(triadd_stop(&d, SIGTERM), 0);
	return 0;
}

/*
 * Sends request as it is and reads the answer until the server closes
 * (HTTP/1.0). Returns the status code; the body goes to body.
 */
static int
http_raw(const char *request, char *body, size_t size)
{
	int fd = tc_connect_plain(http_addr);
	static char buf[262144];
	size_t used = 0;

	tc_send_raw(fd, request, strlen(request));
	uint64_t deadline = ms_now() + 5000;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)(deadline - ms_now());
		if (left <= 0 || poll(&p, 1, left) <= 0)
			fail_msg("no answer to %s", request);
		ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		used += (size_t)n;
		assert_true(used < sizeof buf - 1);
	}
	close(fd);
	buf[used] = '\0';

	int code = 0;
	assert_int_equal(sscanf(buf, "HTTP/1.%*d %d", &code), 1);
	const char *b = strstr(buf, "\r\n\r\n");
	assert_non_null(b);
	snprintf(body, size, "%s", b + 4);
	return code;
}

static int
http_get(const char *path, char *body, size_t size)
{
	char req[256];
	snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", path);
	return http_raw(req, body, size);
}

/* The value of the sample of metric name in a /metrics body; fails if absent. */
static unsigned long long
metric_value(const char *text, const char *name)
{
	char prefix[128];
	snprintf(prefix, sizeof prefix, "\n%s ", name);
	const char *p = strstr(text, prefix);
	if (p == NULL)
		fail_msg("metric %s missing from:\n%s", name, text);
	return strtoull(p + strlen(prefix), NULL, 10);
}

static void
test_healthz_says_ok(void **state)
{
	char body[256];
	assert_int_equal(http_get("/healthz", body, sizeof body), 200);
	assert_string_equal(body, "ok\n");
}

static void
test_readyz_once_the_database_is_up(void **state)
{
	char body[256];
	int code = 0;
	uint64_t deadline = ms_now() + 5000;
	while (ms_now() < deadline && (code = http_get("/readyz", body, sizeof body)) != 200)
		usleep(50000);
	assert_int_equal(code, 200);
	assert_string_equal(body, "ready\n");
}

static void
test_metrics_count_requests(void **state)
{
	char body[8192];
	assert_int_equal(http_get("/metrics", body, sizeof body), 200);
	assert_non_null(strstr(body, "# TYPE triad_requests_total counter\n"));
	assert_non_null(strstr(body, "# HELP triad_requests_total "));
	assert_non_null(strstr(body, "# TYPE triad_connections_open gauge\n"));
	assert_non_null(strstr(body, "# TYPE triad_db_queue_length gauge\n"));
	unsigned long long before = metric_value(body, "triad_requests_total");

	int fd = tc_session(d.addr);
	tc_send_ping(fd, 2, false);
	Triad__V1__Response *r = tc_recv(fd, 5000, NULL);
	assert_non_null(r);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_OK);
	triad__v1__response__free_unpacked(r, NULL);

	assert_int_equal(http_get("/metrics", body, sizeof body), 200);
	assert_true(metric_value(body, "triad_requests_total") > before);
	assert_int_equal(metric_value(body, "triad_connections_open"), 1);
	close(fd);
}

/* The number after "NAME " (labels included in name) in body, or 0 when absent. */
static unsigned long long
sample_or_zero(const char *body, const char *name)
{
	char prefix[256];
	snprintf(prefix, sizeof prefix, "\n%s ", name);
	const char *p = strstr(body, prefix);
	return p != NULL ? strtoull(p + strlen(prefix), NULL, 10) : 0;
}

static void
test_metrics_histograms_and_errors(void **state)
{
	static char body[200000];
	assert_int_equal(http_get("/metrics", body, sizeof body), 200);
	assert_non_null(strstr(body, "# TYPE triad_request_duration_seconds histogram\n"));
	assert_non_null(strstr(body, "# TYPE triad_db_pool_wait_seconds histogram\n"));
	assert_non_null(strstr(body, "# TYPE triad_db_errors_total counter\n"));
	unsigned long long pings = sample_or_zero(
		body, "triad_request_duration_seconds_count{kind=\"ping\"}");
	unsigned long long waits = sample_or_zero(body, "triad_db_pool_wait_seconds_count");
	unsigned long long dups = sample_or_zero(body, "triad_db_errors_total{sqlstate=\"23505\"}");

	/* Three pings that ask the database, and a slug taken twice. */
	Sess s = sess_open(d.addr, test_token());
	int fd = tc_session(d.addr);
	for (uint64_t id = 2; id < 5; id++) {
		tc_send_ping(fd, id, true);
		rpc_free(tc_expect(fd, id, TRIAD__V1__CODE__CODE_OK));
	}
	close(fd);
	char slug[64];
	snprintf(slug, sizeof slug, "metrics-%d", (int)getpid());
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__CreateInstitutionRequest m = TRIAD__V1__CREATE_INSTITUTION_REQUEST__INIT;
	m.slug = slug;
	m.name = "Metrics College";
	req.body_case = TRIAD__V1__REQUEST__BODY_CREATE_INSTITUTION;
	req.create_institution = &m;
	rpc_free(rpc_ok(&s, NULL, &req));
	Triad__V1__Response *r = rpc(&s, NULL, &req);
	assert_int_equal(r->status->code, TRIAD__V1__CODE__CODE_ALREADY_EXISTS);
	rpc_free(r);
	sess_close(&s);

	assert_int_equal(http_get("/metrics", body, sizeof body), 200);
	assert_int_equal(sample_or_zero(body,
					"triad_request_duration_seconds_count{kind=\"ping\"}"),
			 pings + 3);
	/* Every ping is in the +Inf bucket, and the buckets only grow. */
	assert_int_equal(
		sample_or_zero(body,
			       "triad_request_duration_seconds_bucket{kind=\"ping\",le=\"+Inf\"}"),
		pings + 3);
	assert_true(sample_or_zero(body, "triad_request_duration_seconds_bucket{kind=\"ping\","
					 "le=\"0.00025\"}") <=
		    sample_or_zero(body, "triad_request_duration_seconds_bucket{kind=\"ping\","
					 "le=\"10\"}"));
	assert_true(sample_or_zero(body, "triad_request_duration_seconds_count"
					 "{kind=\"create_institution\"}") >= 2);
	assert_true(sample_or_zero(body, "triad_db_pool_wait_seconds_count") >= waits + 5);
	assert_int_equal(sample_or_zero(body, "triad_db_errors_total{sqlstate=\"23505\"}"),
			 dups + 1);
}

static void
test_unknown_path_and_wrong_method(void **state)
{
	char body[256];
	assert_int_equal(http_get("/nope", body, sizeof body), 404);
	assert_int_equal(http_raw("POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", body,
				  sizeof body), 405);
	assert_int_equal(http_raw("DELETE /healthz HTTP/1.0\r\n\r\n", body, sizeof body), 405);
}

/* A port already taken stops the start with a message naming the setting. */
static void
test_busy_port_fails_the_start(void **state)
{
	char conf[256], cmd[512], out[2048];
	harness_tmp_path(conf, sizeof conf, "busy-port.conf");
	FILE *f = fopen(conf, "w");   /* in the private directory: it holds a password */
	assert_non_null(f);
	fprintf(f, "[triadd]\nlisten = 127.0.0.1:0\ntls = off\nhttp_listen = %s\ndb = %s\n", http_addr,
		env_required("TRIAD_TEST_DB"));
	fclose(f);
	snprintf(cmd, sizeof cmd, "'%s' --config %s 2>&1", env_required("TRIADD"), conf);
	assert_int_equal(run_capture(cmd, out, sizeof out), 1);
	unlink(conf);
	assert_non_null(strstr(out, "http_listen: cannot bind"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz_says_ok),
		cmocka_unit_test(test_readyz_once_the_database_is_up),
		cmocka_unit_test(test_metrics_count_requests),
		cmocka_unit_test(test_metrics_histograms_and_errors),
		cmocka_unit_test(test_unknown_path_and_wrong_method),
		cmocka_unit_test(test_busy_port_fails_the_start),
	};
	return harness_run_group_tests(tests, setup, teardown);
}
