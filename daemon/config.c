/*
 * config.c: the settings table, the ini reader and reloading.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp.h"

typedef enum SettingType {
	SET_STRING,
	SET_INT,
	SET_LOGLEVEL,
	SET_BOOL,           /* on/off, true/false, yes/no, 1/0 */
} SettingType;

typedef struct Setting {
	const char *name;
	SettingType type;
	size_t offset;
	const char *def;
	int min, max;       /* bounds for SET_INT */
	bool reloadable;
} Setting;

#define OFF(f) offsetof(Config, f)

static const Setting settings[] = {
	{"listen", SET_STRING, OFF(listen), "127.0.0.1:7411", 0, 0, false},
	{"http_listen", SET_STRING, OFF(http_listen), "127.0.0.1:7412", 0, 0, false},
	{"db", SET_STRING, OFF(db), "", 0, 0, false},
	{"pool_size", SET_INT, OFF(pool_size), "16", 1, 256, false},
	{"log_level", SET_LOGLEVEL, OFF(log_level), "info", 0, 0, true},
	{"max_frame_bytes", SET_INT, OFF(max_frame_bytes), "1048576", 1024, 64 << 20, true},
	{"max_in_flight", SET_INT, OFF(max_in_flight), "128", 1, 65536, true},
	{"max_output_bytes", SET_INT, OFF(max_output_bytes), "8388608", 4096, 1 << 30, true},
	{"max_connections", SET_INT, OFF(max_connections), "10000", 1, 1000000, true},
	{"max_unauthenticated", SET_INT, OFF(max_unauthenticated), "4096", 1, 1000000, true},
	{"max_unauthenticated_per_address", SET_INT, OFF(max_unauthenticated_per_address), "256",
	 1, 1000000, true},
	{"hello_timeout_ms", SET_INT, OFF(hello_timeout_ms), "10000", 10, 3600000, true},
	{"idle_timeout_ms", SET_INT, OFF(idle_timeout_ms), "300000", 10, 86400000, true},
	{"frame_timeout_ms", SET_INT, OFF(frame_timeout_ms), "10000", 10, 3600000, true},
	{"partial_frames_max_bytes", SET_INT, OFF(partial_frames_max_bytes), "67108864", 2048,
	 1 << 30, true},
	{"db_queue_max", SET_INT, OFF(db_queue_max), "4096", 1, 1000000, true},
	{"db_queue_per_client_max", SET_INT, OFF(db_queue_per_client_max), "128", 1, 1000000, true},
	{"db_queue_per_principal_max", SET_INT, OFF(db_queue_per_principal_max), "4096", 1, 1000000,
	 true},
	{"db_backlog_connections", SET_INT, OFF(db_backlog_connections), "1", 1, 256, true},
	{"db_group_commit_max", SET_INT, OFF(db_group_commit_max), "8", 1, 64, true},
	{"db_timeout_ms", SET_INT, OFF(db_timeout_ms), "5000", 10, 3600000, true},
	{"idempotency_ttl_s", SET_INT, OFF(idempotency_ttl_s), "86400", 60, 30 * 86400, true},
	{"event_retention_days", SET_INT, OFF(event_retention_days), "30", 1, 3650, true},
	{"webhook_concurrency", SET_INT, OFF(webhook_concurrency), "16", 0, 1024, true},
	{"webhook_inflight", SET_INT, OFF(webhook_inflight), "1", 1, 6, true},
	{"webhook_poll_ms", SET_INT, OFF(webhook_poll_ms), "1000", 10, 3600000, true},
	{"webhook_timeout_ms", SET_INT, OFF(webhook_timeout_ms), "10000", 100, 600000, true},
	{"webhook_response_max_bytes", SET_INT, OFF(webhook_response_max_bytes), "65536", 1024,
	 16 << 20, true},
	{"webhook_retry_ms", SET_INT, OFF(webhook_retry_ms), "60000", 10, 86400000, true},
	{"webhook_retry_max_ms", SET_INT, OFF(webhook_retry_max_ms), "3600000", 10, 86400000, true},
	{"webhook_give_up_s", SET_INT, OFF(webhook_give_up_s), "259200", 1, 30 * 86400, true},
	{"webhook_ca_file", SET_STRING, OFF(webhook_ca_file), "", 0, 0, false},
	{"webhook_allow_private", SET_BOOL, OFF(webhook_allow_private), "off", 0, 0, true},
	{"drain_timeout_ms", SET_INT, OFF(drain_timeout_ms), "10000", 0, 3600000, true},
	{"signin_failures_max", SET_INT, OFF(signin_failures_max), "10", 1, 1000000, true},
	{"proxy_protocol", SET_BOOL, OFF(proxy_protocol), "off", 0, 0, false},
	{"tls", SET_BOOL, OFF(tls), "on", 0, 0, false},
	{"tls_cert", SET_STRING, OFF(tls_cert), "", 0, 0, true},
	{"tls_key", SET_STRING, OFF(tls_key), "", 0, 0, true},
	{"tls_ca", SET_STRING, OFF(tls_ca), "", 0, 0, true},
	{"signin_codes_per_address", SET_INT, OFF(signin_codes_per_address), "10", 1, 1000000, true},
	{"smtp_relay", SET_STRING, OFF(smtp_relay), "", 0, 0, true},
	{"smtp_from", SET_STRING, OFF(smtp_from), "", 0, 0, true},
	{"smtp_timeout_ms", SET_INT, OFF(smtp_timeout_ms), "30000", 10, 600000, true},
	{"smtp_retry_ms", SET_INT, OFF(smtp_retry_ms), "60000", 10, 86400000, true},
	{"smtp_retry_max_ms", SET_INT, OFF(smtp_retry_max_ms), "3600000", 10, 86400000, true},
	{"smtp_attempts_max", SET_INT, OFF(smtp_attempts_max), "12", 1, 1000, true},
	{"outbox_poll_ms", SET_INT, OFF(outbox_poll_ms), "5000", 10, 3600000, true},
	{"outbox_sweep_s", SET_INT, OFF(outbox_sweep_s), "300", 1, 86400, true},
	{"document_max_bytes", SET_INT, OFF(document_max_bytes), "20971520", 1024, 256 << 20, true},
	{"ooapi_listen", SET_STRING, OFF(ooapi_listen), "", 0, 0, false},
	{"ooapi_public_url", SET_STRING, OFF(ooapi_public_url), "", 0, 0, true},
	{"ooapi_contact_email", SET_STRING, OFF(ooapi_contact_email), "", 0, 0, true},
	{"ooapi_max_connections", SET_INT, OFF(ooapi_max_connections), "256", 1, 100000, true},
	{"report_min_group", SET_INT, OFF(report_min_group), "5", 2, 1000, true},
	{"public_url", SET_STRING, OFF(public_url), "", 0, 0, true},
	{"credential_key_file", SET_STRING, OFF(credential_key_file), "", 0, 0, true},
	{"credential_key_alg", SET_STRING, OFF(credential_key_alg), "EdDSA", 0, 0, true},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

static const Setting *
setting_find(const char *name)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	}
	return NULL;
}

static bool
setting_apply(const Setting *s, Config *cfg, const char *value, char err[CONFIG_ERR_MAX])
{
	void *field = (char *)cfg + s->offset;

	switch (s->type) {
	case SET_STRING:
		if (strlen(value) >= CONFIG_STR_MAX) {
			snprintf(err, CONFIG_ERR_MAX, "%s: value is longer than %d bytes",
				 s->name, CONFIG_STR_MAX - 1);
			return false;
		}
		snprintf((char *)field, CONFIG_STR_MAX, "%s", value);
		return true;
	case SET_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0') {
			snprintf(err, CONFIG_ERR_MAX, "%s: '%s' is not a whole number", s->name, value);
			return false;
		}
		if (v < s->min || v > s->max) {
			snprintf(err, CONFIG_ERR_MAX, "%s: %ld is out of range (%d to %d)",
				 s->name, v, s->min, s->max);
			return false;
		}
		*(int *)field = (int)v;
		return true;
	}
	case SET_BOOL: {
		static const char *const yes[] = {"on", "true", "yes", "1"};
		static const char *const no[] = {"off", "false", "no", "0"};
		for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
			if (strcmp(value, yes[i]) == 0 || strcmp(value, no[i]) == 0) {
				*(bool *)field = strcmp(value, yes[i]) == 0;
				return true;
			}
		}
		snprintf(err, CONFIG_ERR_MAX, "%s: '%s' is not on or off", s->name, value);
		return false;
	}
	case SET_LOGLEVEL:
		if (!log_level_parse(value, (LogLevel *)field)) {
			snprintf(err, CONFIG_ERR_MAX,
				 "%s: '%s' is not one of debug, info, warn, error", s->name, value);
			return false;
		}
		return true;
	}
	return false;
}

void
config_defaults(Config *cfg)
{
	char err[CONFIG_ERR_MAX];

	memset(cfg, 0, sizeof *cfg);
	for (size_t i = 0; i < NSETTINGS; i++) {
		bool ok = setting_apply(&settings[i], cfg, settings[i].def, err);
		(void)ok;
	}
}

bool
config_set(Config *cfg, const char *name, const char *value, char err[CONFIG_ERR_MAX])
{
	const Setting *s = setting_find(name);
	if (s == NULL) {
		snprintf(err, CONFIG_ERR_MAX, "unknown setting '%s'", name);
		return false;
	}
	Config tmp = *cfg;
	if (!setting_apply(s, &tmp, value, err))
		return false;
	*cfg = tmp;
	return true;
}

typedef struct IniState {
	Config *cfg;
	const char *path;
	char err[CONFIG_ERR_MAX];
	bool failed;
} IniState;

/* inih callback: returns 0 to stop at the first bad line. */
static int
on_ini_pair(void *user, const char *section, const char *name, const char *value)
{
	IniState *st = user;
	char err[CONFIG_ERR_MAX];

	if (strcmp(section, "triadd") != 0) {
		snprintf(st->err, sizeof st->err, "%s: unknown section [%s] (expected [triadd])",
			 st->path, section);
		st->failed = true;
		return 0;
	}
	if (!config_set(st->cfg, name, value, err)) {
		snprintf(st->err, sizeof st->err, "%s: %s", st->path, err);
		st->failed = true;
		return 0;
	}
	return 1;
}

bool
config_load_file(Config *cfg, const char *path, char err[CONFIG_ERR_MAX])
{
	IniState st = {.cfg = cfg, .path = path};
	int rc = ini_parse(path, on_ini_pair, &st);

	if (rc == -1) {
		snprintf(err, CONFIG_ERR_MAX, "%s: cannot open: %s", path, strerror(errno));
		return false;
	}
	if (rc == -2) {
		snprintf(err, CONFIG_ERR_MAX, "%s: out of memory while reading", path);
		return false;
	}
	if (st.failed) {
		snprintf(err, CONFIG_ERR_MAX, "%.*s (line %d)", CONFIG_ERR_MAX - 16, st.err, rc);
		return false;
	}
	if (rc > 0) {
		snprintf(err, CONFIG_ERR_MAX, "%s: line %d: syntax error", path, rc);
		return false;
	}
	return true;
}

/* Splits "host:port" (or "[v6]:port") checking that both parts are present. */
static bool
listen_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0')
		return false;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port >= 0 && port <= 65535;
}

/* The base of the URLs certificates carry: empty, or http(s)://HOST[...]
 * with nothing that would need escaping in JSON or a URL. */
static bool
public_url_valid(const char *u)
{
	if (*u == '\0')
		return true;
	size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
	if (skip == 0 || u[skip] == '\0' || u[skip] == '/')
		return false;
	for (const char *c = u; *c; c++) {
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f || strchr("\"\\<>?#`{}|^", *c))
			return false;
	}
	return true;
}

bool
config_validate(const Config *cfg, char err[CONFIG_ERR_MAX])
{
	if (!listen_valid(cfg->listen)) {
		snprintf(err, CONFIG_ERR_MAX, "listen: '%s' is not HOST:PORT", cfg->listen);
		return false;
	}
	if (cfg->http_listen[0] != '\0' && !listen_valid(cfg->http_listen)) {
		snprintf(err, CONFIG_ERR_MAX, "http_listen: '%s' is not HOST:PORT (or empty)",
			 cfg->http_listen);
		return false;
	}
	if (cfg->ooapi_listen[0] != '\0' && !listen_valid(cfg->ooapi_listen)) {
		snprintf(err, CONFIG_ERR_MAX, "ooapi_listen: '%s' is not HOST:PORT (or empty)",
			 cfg->ooapi_listen);
		return false;
	}
	if (cfg->ooapi_public_url[0] != '\0' && strncmp(cfg->ooapi_public_url, "https://", 8) != 0 &&
	    strncmp(cfg->ooapi_public_url, "http://", 7) != 0) {
		snprintf(err, CONFIG_ERR_MAX, "ooapi_public_url: '%s' is not an http(s):// URL",
			 cfg->ooapi_public_url);
		return false;
	}
	if (cfg->partial_frames_max_bytes / 2 < cfg->max_frame_bytes) {
		snprintf(err, CONFIG_ERR_MAX,
			 "partial_frames_max_bytes (%d) must be at least twice max_frame_bytes (%d)",
			 cfg->partial_frames_max_bytes, cfg->max_frame_bytes);
		return false;
	}
	if (cfg->webhook_retry_max_ms < cfg->webhook_retry_ms) {
		snprintf(err, CONFIG_ERR_MAX,
			 "webhook_retry_max_ms (%d) must be at least webhook_retry_ms (%d)",
			 cfg->webhook_retry_max_ms, cfg->webhook_retry_ms);
		return false;
	}
	if (cfg->smtp_relay[0] != '\0' && !listen_valid(cfg->smtp_relay)) {
		snprintf(err, CONFIG_ERR_MAX, "smtp_relay: '%s' is not HOST:PORT (or empty)",
			 cfg->smtp_relay);
		return false;
	}
	if (cfg->smtp_from[0] != '\0' && !smtp_address_ok(cfg->smtp_from)) {
		snprintf(err, CONFIG_ERR_MAX,
			 "smtp_from: '%s' is not a plain e-mail address (such as "
			 "triad@example.org)", cfg->smtp_from);
		return false;
	}
	if (cfg->smtp_relay[0] != '\0' && cfg->smtp_from[0] == '\0') {
		snprintf(err, CONFIG_ERR_MAX,
			 "smtp_from: the address mail comes from is required with smtp_relay");
		return false;
	}
	if (cfg->smtp_retry_max_ms < cfg->smtp_retry_ms) {
		snprintf(err, CONFIG_ERR_MAX,
			 "smtp_retry_max_ms (%d) must be at least smtp_retry_ms (%d)",
			 cfg->smtp_retry_max_ms, cfg->smtp_retry_ms);
		return false;
	}
	if (!public_url_valid(cfg->public_url)) {
		snprintf(err, CONFIG_ERR_MAX,
			 "public_url: '%s' is not an http:// or https:// URL without spaces, "
			 "quotes, query or fragment (or empty)", cfg->public_url);
		return false;
	}
	if (strcmp(cfg->credential_key_alg, "EdDSA") != 0 &&
	    strcmp(cfg->credential_key_alg, "ES256") != 0) {
		snprintf(err, CONFIG_ERR_MAX, "credential_key_alg: '%s' is not EdDSA or ES256",
			 cfg->credential_key_alg);
		return false;
	}
	if (cfg->max_output_bytes < cfg->max_frame_bytes) {
		snprintf(err, CONFIG_ERR_MAX,
			 "max_output_bytes (%d) must be at least max_frame_bytes (%d)",
			 cfg->max_output_bytes, cfg->max_frame_bytes);
		return false;
	}
	return true;
}

static bool
setting_equal(const Setting *s, const Config *a, const Config *b)
{
	const char *fa = (const char *)a + s->offset;
	const char *fb = (const char *)b + s->offset;

	if (s->type == SET_STRING)
		return strcmp(fa, fb) == 0;
	if (s->type == SET_LOGLEVEL)
		return *(const LogLevel *)fa == *(const LogLevel *)fb;
	if (s->type == SET_BOOL)
		return *(const bool *)fa == *(const bool *)fb;
	return *(const int *)fa == *(const int *)fb;
}

int
config_apply_reload(Config *cur, const Config *next)
{
	int changed = 0;

	for (size_t i = 0; i < NSETTINGS; i++) {
		const Setting *s = &settings[i];
		if (setting_equal(s, cur, next))
			continue;
		if (!s->reloadable) {
			log_warn("config_needs_restart", "setting=%s", s->name);
			continue;
		}
		size_t size = s->type == SET_STRING ? CONFIG_STR_MAX
			    : s->type == SET_LOGLEVEL ? sizeof(LogLevel)
			    : s->type == SET_BOOL ? sizeof(bool) : sizeof(int);
		memcpy((char *)cur + s->offset, (const char *)next + s->offset, size);
		log_info("config_changed", "setting=%s", s->name);
		changed++;
	}
	return changed;
}
