/*
 * config.h: triadd's settings, one table, three sources.
 *
 * Every setting has a name, a type, a default and a reloadable flag in one
 * table (config.c). Values come from the defaults, then the ini file
 * (section [triadd]), then command-line flags, in that order. SIGHUP rereads
 * the file and reapplies the flags; settings that cannot change while running
 * keep their old value and say so in the log.
 *
 * Config is a plain value: it owns no pointers, so it can be copied with '='
 * and a half-built copy can be thrown away without cleanup.
 */
#ifndef TRIAD_CONFIG_H
#define TRIAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

#define CONFIG_STR_MAX 1024
#define CONFIG_ERR_MAX 256

typedef struct Config {
	char listen[CONFIG_STR_MAX];     /* HOST:PORT of the protocol port */
	char http_listen[CONFIG_STR_MAX]; /* HOST:PORT of metrics and health; "" for none */
	char db[CONFIG_STR_MAX];         /* libpq conninfo of the daemon's role */
	int pool_size;                   /* PostgreSQL connections kept open */
	LogLevel log_level;
	int max_frame_bytes;             /* largest frame body accepted */
	int max_in_flight;               /* requests outstanding per connection */
	int max_output_bytes;            /* output buffered per connection before reading pauses */
	int max_connections;             /* signed-in client connections (sessions) */
	int max_unauthenticated;         /* connections without a session yet, in total */
	int max_unauthenticated_per_address; /* the same, from one address */
	int hello_timeout_ms;            /* time allowed to send the Hello */
	int idle_timeout_ms;             /* silence between frames after which a session is closed */
	int frame_timeout_ms;            /* time allowed for one frame, from its first byte */
	int partial_frames_max_bytes;    /* bytes of partial frames held, all connections */
	int db_queue_max;                /* requests waiting for a database connection */
	int db_queue_per_client_max;     /* of which one client connection's */
	int db_queue_per_principal_max;  /* of which one principal's, over its connections */
	int db_backlog_connections;      /* pool connections clients with a backlog may hold */
	int db_group_commit_max;         /* writes one transaction may commit together */
	int db_timeout_ms;               /* longest a request waits for, and runs on, the database */
	int drain_timeout_ms;            /* longest a shutdown waits for requests in flight */
	int signin_failures_max;         /* failed sign-ins per address per minute */
	int idempotency_ttl_s;           /* how long an idempotency key keeps its first answer */
	int event_retention_days;        /* how long domain events are kept for partners */
	/* Webhooks and their sender (webhook.c). */
	int webhook_concurrency;         /* webhooks one daemon sends to at once; 0: sends none */
	int webhook_inflight;            /* requests at once per webhook (1 keeps commit order) */
	int webhook_poll_ms;             /* how often the sender looks for work */
	int webhook_timeout_ms;          /* longest one request may take, connect to answer */
	int webhook_response_max_bytes;  /* largest answer read; a longer one fails the attempt */
	int webhook_retry_ms;            /* first wait before a failed delivery is tried again */
	int webhook_retry_max_ms;        /* longest wait between tries (the wait doubles) */
	int webhook_give_up_s;           /* how long a delivery is tried before it fails */
	char webhook_ca_file[CONFIG_STR_MAX]; /* CAs for https endpoints; "": the system's */
	bool webhook_allow_private;      /* send to loopback, private and link-local addresses */
	bool proxy_protocol;             /* connections start with a PROXY header (v1 or v2) */
	bool tls;                        /* TLS on the protocol port (off: loopback only) */
	char tls_cert[CONFIG_STR_MAX];   /* server certificate chain, PEM */
	char tls_key[CONFIG_STR_MAX];    /* its private key, PEM */
	char tls_ca[CONFIG_STR_MAX];     /* CAs for client certificates; "" asks for none */
	int signin_codes_per_address;    /* e-mail sign-in codes asked for per address per minute */
	/* The notification outbox and its sender (mailer.c). */
	char smtp_relay[CONFIG_STR_MAX]; /* HOST:PORT of the mail relay; "" keeps mail in the outbox */
	char smtp_from[CONFIG_STR_MAX];  /* the sender's address */
	int smtp_timeout_ms;             /* longest wait for the relay, per step */
	int smtp_retry_ms;               /* first wait before a failed mail is tried again */
	int smtp_retry_max_ms;           /* longest wait between tries (the wait doubles) */
	int smtp_attempts_max;           /* tries before a mail counts as failed */
	int outbox_poll_ms;              /* how often the sender looks for mail to send */
	int outbox_sweep_s;              /* how often reminders are written and codes expired */
	int document_max_bytes;          /* largest document (internship report, reflection) kept */
	/* The standards port: OOAPI v5 and xAPI over HTTP (ooapi.c). */
	char ooapi_listen[CONFIG_STR_MAX]; /* HOST:PORT; "" (the default) for none */
	char ooapi_public_url[CONFIG_STR_MAX]; /* how partners reach it; the base of xAPI IRIs */
	char ooapi_contact_email[CONFIG_STR_MAX]; /* the service's contact (OOAPI's GET /) */
	int ooapi_max_connections;       /* HTTP connections open at once on that port */
	int report_min_group;            /* smallest group of persons a report shows a figure of */
	/* Certificates (badges.c): where the HTTP port is reached from outside
	 * (issuer ids, kids and status URLs are made from it; "" for
	 * http://<http_listen>), the master key that seals signing keys, and
	 * the algorithm of new keys. */
	char public_url[CONFIG_STR_MAX];
	char credential_key_file[CONFIG_STR_MAX];
	char credential_key_alg[CONFIG_STR_MAX]; /* EdDSA or ES256 */
} Config;

/* Fills every field with its default. */
void config_defaults(Config *cfg);

/*
 * Sets one setting by name from its text form, as found in the file or on
 * the command line. On failure writes a sentence naming the setting and the
 * problem into err and leaves cfg unchanged.
 */
__attribute__((warn_unused_result))
bool config_set(Config *cfg, const char *name, const char *value, char err[CONFIG_ERR_MAX]);

/*
 * Applies the ini file at path on top of cfg. Only section [triadd] is read;
 * an unknown key, a bad value or a syntax error fails the whole load with
 * the file name and line in err, and cfg is then unspecified (callers load
 * into a copy).
 */
__attribute__((warn_unused_result))
bool config_load_file(Config *cfg, const char *path, char err[CONFIG_ERR_MAX]);

/* Checks relations between settings that config_set cannot see alone. */
__attribute__((warn_unused_result))
bool config_validate(const Config *cfg, char err[CONFIG_ERR_MAX]);

/*
 * Copies the reloadable settings of next into cur. For each setting that is
 * not reloadable and differs, logs that a restart is needed and keeps cur's
 * value. Returns the number of settings that changed.
 */
int config_apply_reload(Config *cur, const Config *next);

#endif
