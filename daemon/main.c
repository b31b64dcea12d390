/*
 * main.c: triadd's command line, configuration, signals and the loop.
 *
 *   triadd [OPTIONS]            serve the protocol
 *   triadd migrate [OPTIONS]    bring the database schema up to date
 *   triadd check [OPTIONS]      check the request registry against the database
 *   triadd routes [--json]      print who may call which request
 *   triadd keys rotate --institution SLUG   a new signing key for certificates
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bootstrap.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "migrate.h"
#include "registry.h"
#include "sdnotify.h"
#include "server.h"

static const char usage_text[] =
	"usage: triadd [OPTIONS]              serve the triad protocol\n"
	"       triadd migrate [OPTIONS]      apply pending database migrations\n"
	"       triadd bootstrap [--force]    print a new operator token (once)\n"
	"       triadd check [OPTIONS]        check every request's row against the\n"
	"                                     descriptors and the database, then exit\n"
	"       triadd routes [--json]        print the permission table (Markdown or JSON)\n"
	"       triadd keys rotate --institution SLUG\n"
	"                                     make the institution's new certificate signing\n"
	"                                     key (credential_key_file); the old one stays\n"
	"                                     published\n"
	"\n"
	"migrate and bootstrap connect as the schema owner: give them its conninfo.\n"
	"bootstrap refuses when an operator exists, unless --force (audited).\n"
	"\n"
	"options:\n"
	"  -c, --config FILE      ini file with a [triadd] section (see triadd.conf.example)\n"
	"  -l, --listen HOST:PORT protocol address (default 127.0.0.1:7411)\n"
	"  -d, --db CONNINFO      PostgreSQL connection string\n"
	"  -p, --pool N           database connections (default 16)\n"
	"  -L, --log-level LEVEL  debug, info, warn or error (default info)\n"
	"  -h, --help             show this help\n"
	"  -V, --version          show the version\n"
	"\n"
	"Flags override the config file. SIGHUP rereads the file; SIGTERM or SIGINT\n"
	"finish the requests in flight and exit.\n";

/* A flag given on the command line, reapplied over the file on every reload. */
typedef struct Override {
	const char *name;
	const char *value;
} Override;

typedef struct Options {
	const char *command;       /* NULL to serve, or migrate, bootstrap, check, routes, keys */
	const char *institution;   /* keys rotate --institution */
	bool force;                /* bootstrap --force */
	bool json;                 /* routes --json */
	const char *config_path;
	Override overrides[8];
	int noverrides;
} Options;

/* Parses argv; exits with 2 and a message on a usage error. */
static void
options_parse(int argc, char **argv, Options *opt)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"listen", required_argument, NULL, 'l'},
		{"db", required_argument, NULL, 'd'},
		{"pool", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"force", no_argument, NULL, 'F'},
		{"json", no_argument, NULL, 'J'},
		{"institution", required_argument, NULL, 'I'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(opt, 0, sizeof *opt);
	while ((ch = getopt_long(argc, argv, "c:l:d:p:L:hV", longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (ch) {
		case 'c': opt->config_path = optarg; break;
		case 'l': name = "listen"; break;
		case 'd': name = "db"; break;
		case 'p': name = "pool_size"; break;
		case 'L': name = "log_level"; break;
		case 'F': opt->force = true; break;
		case 'J': opt->json = true; break;
		case 'I': opt->institution = optarg; break;
		case 'h': fputs(usage_text, stdout); exit(0);
		case 'V': printf("triadd %s (protocol %d, schema %d)\n", TRIAD_VERSION,
				 TRIAD_PROTOCOL_VERSION, migrations_count); exit(0);
		default:
			fputs("Try 'triadd --help'.\n", stderr);
			exit(2);
		}
		if (name == NULL)
			continue;
		if (opt->noverrides == (int)(sizeof opt->overrides / sizeof opt->overrides[0])) {
			fputs("triadd: too many options\n", stderr);
			exit(2);
		}
		opt->overrides[opt->noverrides++] = (Override){name, optarg};
	}
	if (optind < argc) {
		/* getopt_long() moved the operands behind the options. */
		opt->command = argv[optind++];
		bool known = strcmp(opt->command, "migrate") == 0 ||
			     strcmp(opt->command, "bootstrap") == 0 ||
			     strcmp(opt->command, "check") == 0 ||
			     strcmp(opt->command, "routes") == 0 ||
			     strcmp(opt->command, "keys") == 0;
		/* keys takes one more word: what to do with them. */
		if (known && strcmp(opt->command, "keys") == 0) {
			if (optind >= argc || strcmp(argv[optind], "rotate") != 0) {
				fputs("triadd: keys: say what to do: triadd keys rotate "
				      "--institution SLUG\n", stderr);
				exit(2);
			}
			optind++;
		}
		if (!known || optind < argc) {
			fprintf(stderr, "triadd: unexpected argument '%s'\nTry 'triadd --help'.\n",
				!known ? opt->command : argv[optind]);
			exit(2);
		}
	}
	if (opt->force && (opt->command == NULL || strcmp(opt->command, "bootstrap") != 0)) {
		fputs("triadd: --force is only for bootstrap\n", stderr);
		exit(2);
	}
	bool keys = opt->command != NULL && strcmp(opt->command, "keys") == 0;
	if (keys != (opt->institution != NULL)) {
		fputs(keys ? "triadd: keys rotate: --institution SLUG is required\n"
			   : "triadd: --institution is only for keys rotate\n", stderr);
		exit(2);
	}
	if (opt->json && (opt->command == NULL || strcmp(opt->command, "routes") != 0)) {
		fputs("triadd: --json is only for routes\n", stderr);
		exit(2);
	}
}

/*
 * The registry's checks: every request kind has a row that resolves, and
 * every statement prepares on db with columns for every reply field. Prints
 * the first problem and returns false.
 */
static bool
routes_check(const char *db)
{
	char err[512];
	if (!registry_check(err, sizeof err) || !registry_check_db(db, err, sizeof err)) {
		fprintf(stderr, "triadd: the request registry is broken: %s\n", err);
		return false;
	}
	return true;
}

/* Builds the settings from defaults, the file and the flags, in that order. */
static bool
config_build(const Options *opt, Config *cfg, char err[CONFIG_ERR_MAX])
{
	config_defaults(cfg);
	if (opt->config_path != NULL && !config_load_file(cfg, opt->config_path, err))
		return false;
	for (int i = 0; i < opt->noverrides; i++) {
		if (!config_set(cfg, opt->overrides[i].name, opt->overrides[i].value, err))
			return false;
	}
	return config_validate(cfg, err);
}

typedef struct SignalCtx {
	Server *srv;
	const Options *opt;
	SdNotify *sd;
} SignalCtx;

static void
on_stop_signal(evutil_socket_t sig, short what, void *arg)
{
	SignalCtx *ctx = arg;
	log_info("signal", "name=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	sdnotify_stopping(ctx->sd);
	server_drain(ctx->srv);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	SignalCtx *ctx = arg;
	Config next;
	char err[CONFIG_ERR_MAX];

	sdnotify_reloading(ctx->sd);
	if (!config_build(ctx->opt, &next, err)) {
		char q[CONFIG_ERR_MAX + 16];
		log_warn("config_reload_failed", "error=%s keeping=old",
			 log_quote(q, sizeof q, err));
		sdnotify_reloaded(ctx->sd, false);
		return;
	}
	server_reload(ctx->srv, &next);
	sdnotify_reloaded(ctx->sd, true);
}

static int
serve(const Options *opt, const Config *cfg)
{
	char err[512];

	if (cfg->db[0] == '\0') {
		fprintf(stderr, "triadd: no database configured: set db in the config file or use --db\n");
		return 2;
	}
	if (!migrate_check(cfg->db, err)) {
		fprintf(stderr, "triadd: %s\n", err);
		return 1;
	}
	if (!routes_check(cfg->db))
		return 1;
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	Server *srv = server_new(cfg, err);
	if (srv == NULL) {
		fprintf(stderr, "triadd: %s\n", err);
		return 1;
	}
	SignalCtx ctx = {srv, opt, sdnotify_new(srv->base)};
	if (ctx.sd == NULL) {
		fprintf(stderr, "triadd: out of memory\n");
		server_free(srv);
		return 1;
	}
	struct event *sigs[3] = {
		evsignal_new(srv->base, SIGTERM, on_stop_signal, &ctx),
		evsignal_new(srv->base, SIGINT, on_stop_signal, &ctx),
		evsignal_new(srv->base, SIGHUP, on_hup, &ctx),
	};
	for (int i = 0; i < 3; i++) {
		if (sigs[i] == NULL || event_add(sigs[i], NULL) != 0) {
			fprintf(stderr, "triadd: cannot install signal handlers\n");
			return 1;
		}
	}
	/* Listening, and the schema and the registry checked: ready. */
	sdnotify_ready(ctx.sd, srv->bound);
	int rc = server_run(srv);
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	sdnotify_free(ctx.sd);
	server_free(srv);
	return rc;
}

int
main(int argc, char **argv)
{
	Options opt;
	Config cfg;
	char err[CONFIG_ERR_MAX];

	options_parse(argc, argv, &opt);
	if (!config_build(&opt, &cfg, err)) {
		fprintf(stderr, "triadd: %s\n", err);
		return 2;
	}
	log_set_level(cfg.log_level);

	if (opt.command != NULL && strcmp(opt.command, "routes") == 0) {
		char rerr[512];
		if (!registry_check(rerr, sizeof rerr)) {
			fprintf(stderr, "triadd: the request registry is broken: %s\n", rerr);
			return 1;
		}
		registry_print(stdout, opt.json);
		return 0;
	}
	if (opt.command != NULL) {
		char merr[512];
		if (cfg.db[0] == '\0') {
			fprintf(stderr, "triadd: no database configured: set db in the config file or use --db\n");
			return 2;
		}
		if (strcmp(opt.command, "check") == 0) {
			if (!migrate_check(cfg.db, merr)) {
				fprintf(stderr, "triadd: %s\n", merr);
				return 1;
			}
			if (!routes_check(cfg.db))
				return 1;
			puts("triadd: every request has a row, and every row resolves and prepares");
			return 0;
		}
		if (strcmp(opt.command, "keys") == 0) {
			if (!migrate_check(cfg.db, merr) ||
			    !keys_rotate(&cfg, opt.institution, stdout, merr)) {
				fprintf(stderr, "triadd: %s\n", merr);
				return 1;
			}
			fputs("The institution's new signing key; the previous one is retired and "
			      "stays published.\n", stderr);
			return 0;
		}
		if (strcmp(opt.command, "bootstrap") == 0) {
			if (!migrate_check(cfg.db, merr) ||
			    !bootstrap_operator(cfg.db, opt.force, stdout, merr)) {
				fprintf(stderr, "triadd: %s\n", merr);
				return 1;
			}
			fputs("This is the operator token. It is shown only now: store it safely, "
			      "then sign in with `triad login`.\n", stderr);
			return 0;
		}
		if (!migrate_apply(cfg.db, stdout, merr)) {
			fprintf(stderr, "triadd: %s\n", merr);
			return 1;
		}
		return 0;
	}
	return serve(&opt, &cfg);
}
