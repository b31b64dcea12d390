/*
 * cmd_session.c: commands about the connection itself: ping and version.
 */
#include "client.h"
#include "commands.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

/* The most pings one `triad ping --count N` sends. */
#define PING_MAX_COUNT 100000UL

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Print one ping's result in the chosen format; db is NULL without --db. */
static void
ping_print(Client *c, unsigned long seq, double ms, const char *db)
{
	const char *addr = client_addr(c);

	switch (c->format) {
	case PRINT_TEXT:
		fputs("pong from ", c->out);
		print_sanitized(c->out, addr);
		fprintf(c->out, ": time=%.3f ms", ms);
		if (db != NULL)
			fprintf(c->out, " database=%s", db);
		putc('\n', c->out);
		break;
	case PRINT_JSON:
		fputs("{\"addr\":", c->out);
		print_json_string(c->out, addr);
		fprintf(c->out, ",\"seq\":%lu,\"time_ms\":%.3f,\"database\":", seq, ms);
		print_json_string(c->out, db);
		fputs("}\n", c->out);
		break;
	case PRINT_CSV:
		if (seq == 1)
			fputs("addr,seq,time_ms,database\r\n", c->out);
		print_csv_field(c->out, addr);
		fprintf(c->out, ",%lu,%.3f,", seq, ms);
		print_csv_field(c->out, db);
		fputs("\r\n", c->out);
		break;
	}
	fflush(c->out);
}

/*
 * Send --count pings one after another on one session, timing each from
 * just before the request is written to just after its answer is decoded.
 * The payload carries the sequence number, so an answer to the wrong ping
 * is caught. Stops at the first failure.
 */
static int
ping_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *count_arg = cli_args_value(args, "count");
	bool db = cli_args_has(args, "db");
	unsigned long count = 1;
	double min = 0, max = 0, sum = 0;
	TriadExit rc;

	if (count_arg != NULL && !cli_parse_ulong(count_arg, 1, PING_MAX_COUNT, &count))
		return client_usage_error(c,
					  "invalid value for --count: '%s' (expected a whole "
					  "number from 1 to %lu)", count_arg, PING_MAX_COUNT);

	for (unsigned long seq = 1; seq <= count; seq++) {
		Triad__V1__Ping ping = TRIAD__V1__PING__INIT;
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__Response *resp;
		uint8_t payload[8];
		const Triad__V1__PingReply *reply;
		int64_t start;
		double ms;

		for (int i = 0; i < 8; i++)
			payload[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
		ping.database = db;
		ping.payload.data = payload;
		ping.payload.len = sizeof payload;
		req.body_case = TRIAD__V1__REQUEST__BODY_PING;
		req.ping = &ping;

		/* The first ping also opens the session; keep that out of its time. */
		if (seq == 1) {
			RpcSession *s;

			rc = client_session(c, &s);
			if (rc != TRIAD_EXIT_OK)
				return rc;
		}
		start = now_us();
		rc = client_call(c, &req, &resp);
		if (rc != TRIAD_EXIT_OK)
			return rc;
		ms = (double)(now_us() - start) / 1000.0;

		reply = resp->body_case == TRIAD__V1__RESPONSE__BODY_PING ? resp->ping : NULL;
		if (reply == NULL || reply->payload.len != sizeof payload ||
		    memcmp(reply->payload.data, payload, sizeof payload) != 0) {
			RpcError err = {.kind = RPC_ERR_PROTOCOL};

			snprintf(err.message, sizeof err.message,
				 "%s answered ping %lu with something else", client_addr(c), seq);
			rpc_response_free(resp);
			return client_report(c, &err);
		}
		ping_print(c, seq, ms, db ? (reply->database ? "ok" : "not checked") : NULL);
		rpc_response_free(resp);

		if (seq == 1 || ms < min)
			min = ms;
		if (ms > max)
			max = ms;
		sum += ms;
	}
	if (c->format == PRINT_TEXT && count > 1) {
		fputs("--- ", c->out);
		print_sanitized(c->out, client_addr(c));
		fprintf(c->out, ": %lu pings, min/avg/max = %.3f/%.3f/%.3f ms\n", count, min,
			sum / (double)count, max);
	}
	return TRIAD_EXIT_OK;
}

static const CliOption ping_options[] = {
	{"db", 0, NULL, "also make a round trip through the database"},
	{"count", 'c', "N", "send N pings, one after another (default 1)"},
	{NULL, 0, NULL, NULL},
};

const Command cmd_ping = {
	.name = "ping",
	.summary = "Check that the server answers and measure the round trip",
	.usage = "[--db] [--count N]",
	.description =
		"Opens a session and sends N pings on it, printing the time each took from\n"
		"request to answer. With --db each ping also runs a transaction in the\n"
		"database, so a success proves the whole path works. With --json each ping\n"
		"is one JSON object on a line of its own.\n",
	.options = ping_options,
	.handler = ping_run,
};

/*
 * Print the client's version, then the server's from the HelloReply. When
 * the server cannot be reached the client's line is still printed and the
 * failure decides the exit code.
 */
static int
version_run(Client *c, const Command *cmd, const CliArgs *args)
{
	static const char *const headers[] = {"component", "version", "protocol", "address"};
	const char *client_row[] = {"client", "triad/" TRIAD_VERSION, NULL, NULL};
	char client_proto[16], server_proto[16];
	TriadExit rc = TRIAD_EXIT_OK;
	RpcSession *s = NULL;
	Table *t;

	snprintf(client_proto, sizeof client_proto, "%d", TRIAD_PROTOCOL_VERSION);
	client_row[2] = client_proto;
	if (!cli_args_has(args, "client"))
		rc = client_session(c, &s);

	t = client_table(c, 4, headers);
	if (t != NULL)
		table_set_kind(t, 2, CELL_NUMBER);
	if (t == NULL || !table_add_row(t, client_row)) {
		table_free(t);
		fprintf(c->err, "triad: out of memory\n");
		return TRIAD_EXIT_SERVER;
	}
	if (s != NULL) {
		const Triad__V1__HelloReply *hello = rpc_session_hello(s);
		const char *server_row[] = {"server", hello->server_version, server_proto,
					    rpc_session_addr(s)};

		snprintf(server_proto, sizeof server_proto, "%" PRIu32, hello->protocol_version);
		if (!table_add_row(t, server_row)) {
			table_free(t);
			fprintf(c->err, "triad: out of memory\n");
			return TRIAD_EXIT_SERVER;
		}
	}
	if (!table_print(t, c->format, c->out)) {
		table_free(t);
		return TRIAD_EXIT_SERVER;
	}
	table_free(t);
	return rc;
}

int
version_print_client(Client *c)
{
	if (c->format == PRINT_JSON)
		fprintf(c->out, "{\"component\":\"client\",\"version\":\"triad/%s\","
			"\"protocol\":%d}\n", TRIAD_VERSION, TRIAD_PROTOCOL_VERSION);
	else if (c->format == PRINT_CSV)
		fprintf(c->out, "component,version,protocol\r\nclient,triad/%s,%d\r\n",
			TRIAD_VERSION, TRIAD_PROTOCOL_VERSION);
	else
		fprintf(c->out, "triad %s (protocol %d)\n", TRIAD_VERSION, TRIAD_PROTOCOL_VERSION);
	return fflush(c->out) == 0 && !ferror(c->out) ? TRIAD_EXIT_OK : TRIAD_EXIT_SERVER;
}

static const CliOption version_options[] = {
	{"client", 0, NULL, "print only the client's version; do not connect"},
	{NULL, 0, NULL, NULL},
};

const Command cmd_version = {
	.name = "version",
	.summary = "Print the versions of this client and of the server",
	.usage = "[--client]",
	.description =
		"Connects to the server to learn its version and protocol. If it cannot be\n"
		"reached, the client's version is still printed and the exit status says\n"
		"why the server's is missing.\n",
	.options = version_options,
	.handler = version_run,
};
