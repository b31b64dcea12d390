/*
 * cmd_certificate.c: certificates as Open Badges 3.0 credentials, and the
 * institution's signing keys (proto/triad/v1/certificate.proto).
 *
 * Every command is a Call (call.h). A certificate prints as a few readable
 * lines on a terminal; with --json as the credential itself (the Open
 * Badges JSON, as signed), and `export` prints the signed credential (the
 * VC-JWT) that a participant hands to a third party.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"
#include "when.h"

#include <stdio.h>
#include <string.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

#define CERTIFICATE_HELP                                                                   \
	"CERTIFICATE is the participant's e-mail address (her valid certificate, else\n"  \
	"her latest revoked one; add --programme CODE when she has several), or the\n"    \
	"certificate's id or credential id (urn:uuid:...). Left out, your own.\n"

static const char *
status_word(Triad__V1__CertificateStatus s)
{
	switch (s) {
	case TRIAD__V1__CERTIFICATE_STATUS__CERTIFICATE_STATUS_VALID: return "valid";
	case TRIAD__V1__CERTIFICATE_STATUS__CERTIFICATE_STATUS_REVOKED: return "revoked";
	default: return "unknown";
	}
}

static void
line(Client *c, const char *label, const char *value)
{
	fprintf(c->out, "  %-13s", label);
	print_sanitized(c->out, value);
	fputc('\n', c->out);
}

/*
 * A certificate: on a terminal, who, what, its status and how to verify it;
 * with --json the credential itself; with --csv the record.
 */
static TriadExit
certificate_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Certificate *m = (const Triad__V1__Certificate *)answer;
	char buf[256];

	if (c->format == PRINT_JSON) {
		/* The server's JSON, as signed: print it as it is. */
		fputs(m->credential, c->out);
		fputc('\n', c->out);
		return TRIAD_EXIT_OK;
	}
	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	fputs("Certificate of ", c->out);
	print_sanitized(c->out, m->participant_name);
	fputs(" <", c->out);
	print_sanitized(c->out, m->participant_email);
	fputs(">\n", c->out);
	snprintf(buf, sizeof buf, "%s  %s", m->programme_code, m->programme_name);
	line(c, "programme", buf);
	line(c, "status", status_word(m->status));
	char at[WHEN_MAX];
	line(c, "issued", WHEN_US(m, issued_at, at));
	if (m->status == TRIAD__V1__CERTIFICATE_STATUS__CERTIFICATE_STATUS_REVOKED) {
		line(c, "revoked", WHEN_US(m, revoked_at, at));
		line(c, "reason", m->revocation_reason);
	}
	/* A certificate programme without ECTS (a masterclass series) has none to show. */
	if (m->credits_available > 0 || m->credits_earned > 0) {
		snprintf(buf, sizeof buf, "%g of %g ECTS", m->credits_earned, m->credits_available);
		line(c, "credits", buf);
	}
	line(c, "credential", m->credential_id);
	snprintf(buf, sizeof buf, "%s (%s)", m->kid, m->alg);
	line(c, "signed with", buf);
	fputs("\nAn Open Badges 3.0 credential, signed as a VC-JWT. `triad certificate export`\n"
	      "prints it for a third party, who verifies it against the key above.\n", c->out);
	return TRIAD_EXIT_OK;
}

/* The VC-JWT alone, on one line, whatever the format. */
static TriadExit
certificate_export_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__Certificate *m = (const Triad__V1__Certificate *)answer;
	fputs(m->jwt, c->out);
	fputc('\n', c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption issue_options[] = {
	{"programme", 0, "CODE", "the programme, when the participant has several enrollments"},
	END_OPTIONS,
};

static const Call issue_call = {
	.request = RQ(ISSUE_CERTIFICATE),
	.reply = RS(CERTIFICATE),
	.args = "participant",
	.print = certificate_print,
};

static const Command certificate_issue = {
	.name = "issue",
	.summary = "Issue the certificate of a completed enrollment",
	.usage = "PARTICIPANT [--programme CODE]",
	.description =
		"PARTICIPANT is the participant's e-mail address. The enrollment must be\n"
		"completed. The certificate is an Open Badges 3.0 credential naming the\n"
		"institution, the programme with its criteria and credits, and the\n"
		"participant by a salted hash of her e-mail address, signed with the\n"
		"institution's key. Institution admins, deans and programme managers.\n"
		"Completing an enrollment (triad enrollment move ID completed) issues it\n"
		"already when the server can sign; issue by hand after a revocation, or\n"
		"for a completion done without a key.\n",
	.options = issue_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &issue_call,
};

static const CliOption show_options[] = {
	{"programme", 0, "CODE", "the programme, when the participant has several"},
	END_OPTIONS,
};

static const Call show_call = {
	.request = RQ(GET_CERTIFICATE),
	.reply = RS(CERTIFICATE),
	.args = "certificate",
	.print = certificate_print,
};

static const Command certificate_show = {
	.name = "show",
	.summary = "Show a certificate (--json: the credential itself)",
	.usage = "[CERTIFICATE] [--programme CODE]",
	.description = CERTIFICATE_HELP,
	.options = show_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &show_call,
};

static const Call export_call = {
	.request = RQ(GET_CERTIFICATE),
	.reply = RS(CERTIFICATE),
	.args = "certificate",
	.print = certificate_export_print,
};

static const Command certificate_export = {
	.name = "export",
	.summary = "Print the signed credential (a VC-JWT) to hand to a third party",
	.usage = "[CERTIFICATE] [--programme CODE]",
	.description = CERTIFICATE_HELP
		       "Anyone can verify it offline against the institution's published\n"
		       "keys; see docs/certificates.md.\n",
	.options = show_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &export_call,
};

static const CliOption list_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call list_call = {
	.request = RQ(LIST_CERTIFICATES),
	.reply = RS(CERTIFICATES),
	.items = "certificates",
	.columns = "participant_email programme_code status issued_at revoked_at credits_earned",
};

static const Command certificate_list = {
	.name = "list",
	.summary = "List the certificates you may see",
	.usage = LIST_PAGING_USAGE,
	.description = "Staff see the institution's; a participant her own.\n",
	.options = list_options,
	.handler = call_run,
	.ctx = &list_call,
};

static const CliOption revoke_options[] = {
	{"programme", 0, "CODE", "the programme, when the participant has several"},
	{"reason", 0, "TEXT", "why (required; shown to staff and the participant)"},
	END_OPTIONS,
};

static const Call revoke_call = {
	.request = RQ(REVOKE_CERTIFICATE),
	.reply = RS(CERTIFICATE),
	.args = "certificate",
	.required = "reason",
	.print = certificate_print,
};

static const Command certificate_revoke = {
	.name = "revoke",
	.summary = "Revoke a certificate, saying why",
	.usage = "CERTIFICATE --reason TEXT [--programme CODE]",
	.description = CERTIFICATE_HELP
		       "The institution's published revocation list names the credential from\n"
		       "then on, so verifiers see it revoked; the reason stays inside triad.\n"
		       "Institution admins, deans and programme managers; audited.\n",
	.options = revoke_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &revoke_call,
};

static const Call keys_call = {
	.request = RQ(LIST_CREDENTIAL_KEYS),
	.reply = RS(CREDENTIAL_KEYS),
	.items = "keys",
	.columns = "kid alg created_at retired_at current",
};

static const Command certificate_keys = {
	.name = "keys",
	.summary = "List the institution's signing keys, current and retired",
	.usage = LIST_PAGING_USAGE,
	.description = "Every key stays published, so what it signed still verifies.\n",
	.options = list_options,
	.handler = call_run,
	.ctx = &keys_call,
};

static const Call rotate_call = {
	.request = RQ(ROTATE_CREDENTIAL_KEY),
	.reply = RS(CREDENTIAL_KEY),
};

static const Command certificate_rotate = {
	.name = "rotate-key",
	.summary = "Make a new signing key and retire the current one",
	.description = "Certificates issued from now on are signed with the new key; the\n"
		       "retired one stays published, so earlier certificates still verify.\n"
		       "Institution admins only; audited. `triadd keys rotate` does the same\n"
		       "on the server.\n",
	.handler = call_run,
	.ctx = &rotate_call,
};

static const Command *const certificate_commands[] = {
	&cmd_certificate_check, &certificate_issue, &certificate_show, &certificate_export, &certificate_list,
	&certificate_revoke, &certificate_keys, &certificate_rotate, NULL,
};

const Command cmd_certificate = {
	.name = "certificate",
	.summary = "Completion rules, and certificates as verifiable Open Badges 3.0 credentials",
	.subcommands = certificate_commands,
};
