/*
 * cmd_internship.c: the internship (placement, plan, hours), its documents
 * and intervision (proto/triad/v1/internship.proto).
 *
 * Every command but two is a Call (call.h). By hand below: `document put`,
 * which sends a file in chunks and resumes where the server is after a
 * dropped connection, and `document get`, which reads one back in chunks
 * and checks it against its SHA-256.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* Bytes per chunk: well inside the smallest frame a server is likely to
 * allow (1 MiB by default). */
#define DOCUMENT_CHUNK (256 * 1024)
/* Times a dropped connection is resumed before giving up. */
#define DOCUMENT_RETRIES 3

#define PARTICIPANT_HELP                                                                   \
	"PARTICIPANT is the participant's e-mail address, with the programme's code\n"    \
	"when she has several (anna@example.org/METRO); left out, your own.\n"

/* ---- placements ------------------------------------------------------------ */

/*
 * The placement as a record; when the supervisor cannot sign in yet, on a
 * terminal a sentence and the command that lets him, elsewhere the
 * record of the answer's invite code.
 */
static TriadExit
placement_created_print(Client *c, const ProtobufCMessage *answer)
{
	const Triad__V1__CreatePlacementReply *r = (const Triad__V1__CreatePlacementReply *)answer;
	const Triad__V1__InternshipPlacement *p = r->placement;
	char command[512];

	if (p == NULL)
		return client_bad_answer(c);
	if (r->invite_code[0] == '\0')
		return call_print_record(c, &p->base);
	if (c->format != PRINT_TEXT)
		return call_print_record(c, answer);
	client_invite_command(c, r->invite_code, command, sizeof command);
	fputs("Placed ", c->out);
	print_sanitized(c->out, p->participant_name);
	fputs(" at ", c->out);
	print_sanitized(c->out, p->organisation_name);
	fputs(" from ", c->out);
	print_sanitized(c->out, p->starts_on);
	fputs(" to ", c->out);
	print_sanitized(c->out, p->ends_on);
	fputs(", supervised by ", c->out);
	print_sanitized(c->out, p->supervisor_name);
	fputs(".\n\n", c->out);
	print_sanitized(c->out, p->supervisor_name);
	fputs(" has no sign-in yet. Send them this command; the code works once:\n\n  ", c->out);
	print_sanitized(c->out, command);
	fputs("\n", c->out);
	return TRIAD_EXIT_OK;
}

static const CliOption placement_create_options[] = {
	{"org", 0, "ORG", "the host organisation: its name or registry number"},
	{"supervisor", 0, "EMAIL", "the host supervisor"},
	{"starts", 0, "YYYY-MM-DD", "the first day"},
	{"ends", 0, "YYYY-MM-DD", "the last day (at most a year later)"},
	END_OPTIONS,
};

static const Call placement_create_call = {
	.request = RQ(CREATE_PLACEMENT),
	.reply = RS(CREATE_PLACEMENT),
	.args = "enrollment_id",
	.fields = "org=organisation_id",
	.required = "org supervisor starts ends",
	.print = placement_created_print,
};

static const Command placement_create = {
	.name = "place",
	.summary = "Place a participant with a host organisation and supervisor",
	.usage = "PARTICIPANT --org ORG --supervisor EMAIL --starts YYYY-MM-DD --ends YYYY-MM-DD",
	.description =
		"PARTICIPANT is the participant's e-mail address, with the programme's code\n"
		"when she has several enrollments. The supervisor is someone the service\n"
		"knows (add them with `triad person create` first). When he cannot sign in\n"
		"yet, the answer holds the command that lets him, as for a new coach: send\n"
		"it to him. With one sign-in he reaches every institution he works with.\n",
	.options = placement_create_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &placement_create_call,
};

static const Call placement_show_call = {
	.request = RQ(GET_PLACEMENT),
	.reply = RS(PLACEMENT),
	.args = "participant",
};

static const Command placement_show = {
	.name = "show",
	.summary = "Show an internship: the placement, the plan and the hours",
	.usage = "[PARTICIPANT]",
	.description = PARTICIPANT_HELP
		       "Only verified hours count towards the programme's minimum.\n",
	.max_args = 1,
	.handler = call_run,
	.ctx = &placement_show_call,
};

static const CliOption placement_list_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call placement_list_call = {
	.request = RQ(LIST_PLACEMENTS),
	.reply = RS(PLACEMENTS),
	.items = "placements",
	.columns = "participant_email organisation_name supervisor_email starts_on ends_on "
		   "plan_status hours_verified hours_minimum minimum_met",
};

static const Command placement_list = {
	.name = "list",
	.summary = "List the internships you may see",
	.usage = LIST_PAGING_USAGE,
	.description = "Staff see the institution's; a host supervisor those he supervises.\n",
	.options = placement_list_options,
	.handler = call_run,
	.ctx = &placement_list_call,
};

static const CliOption plan_options[] = {
	{"motivation", 0, "TEXT", "why this place, and what you want to learn there"},
	{"question", 0, "TEXT", "the research question you will work on there"},
	END_OPTIONS,
};

static const Call plan_call = {
	.request = RQ(WRITE_PLACEMENT_PLAN),
	.reply = RS(PLACEMENT),
	.fields = "question=research_question",
	.required = "motivation question",
};

static const Command plan_write = {
	.name = "plan",
	.summary = "Write your motivation and research question, for staff to approve",
	.usage = "--motivation TEXT --question TEXT",
	.description = "Writing them again after a decision asks for a new one.\n",
	.options = plan_options,
	.handler = call_run,
	.ctx = &plan_call,
};

static TriadExit
approve_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	(void)c;
	(void)args;
	((Triad__V1__DecidePlacementPlanRequest *)target)->approve = true;
	return TRIAD_EXIT_OK;
}

static const CliOption decide_options[] = {
	{"note", 0, "TEXT", "a note for the participant"},
	END_OPTIONS,
};

static const Call approve_call = {
	.request = RQ(DECIDE_PLACEMENT_PLAN),
	.reply = RS(PLACEMENT),
	.args = "participant",
	.prepare = approve_prepare,
};

static const Command plan_approve = {
	.name = "approve",
	.summary = "Approve a participant's motivation and research question",
	.usage = "PARTICIPANT [--note TEXT]",
	.options = decide_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &approve_call,
};

static const Call return_call = {
	.request = RQ(DECIDE_PLACEMENT_PLAN),
	.reply = RS(PLACEMENT),
	.args = "participant",
	.required = "note",
};

static const Command plan_return = {
	.name = "return",
	.summary = "Return a participant's plan with a note saying why",
	.usage = "PARTICIPANT --note TEXT",
	.options = decide_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &return_call,
};

static const Call minimum_call = {
	.request = RQ(SET_INTERNSHIP_MINIMUM),
	.reply = RS(INTERNSHIP_MINIMUM),
	.args = "programme_id hours",
};

static const Command placement_minimum = {
	.name = "minimum",
	.summary = "Set the hours a programme's internship needs (verified hours count)",
	.usage = "PROGRAMME HOURS",
	.description = "PROGRAMME is the programme's code; Metropool asks 160 hours.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &minimum_call,
};

/* ---- hours ------------------------------------------------------------------ */

static const Call hours_log_call = {
	.request = RQ(LOG_HOURS),
	.reply = RS(HOURS_ENTRY),
	.args = "day hours description",
};

static const Command hours_log = {
	.name = "log",
	.summary = "Log the hours of a day of your internship",
	.usage = "YYYY-MM-DD HOURS DESCRIPTION",
	.description =
		"A new day is a draft you may change until you submit it; a rejected day\n"
		"logged again is a draft again. HOURS may have decimals (7.5).\n",
	.min_args = 3,
	.max_args = 3,
	.handler = call_run,
	.ctx = &hours_log_call,
};

/* The days given as arguments: none submits every draft. */
static TriadExit
submit_prepare(Client *c, const CliArgs *args, ProtobufCMessage *target)
{
	Triad__V1__SubmitHoursRequest *m = (Triad__V1__SubmitHoursRequest *)target;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(target->descriptor, "days");
	char why[256];

	if (args->n_pos == 0)
		return TRIAD_EXIT_OK;
	switch (fields_set(target, f, args->pos, args->n_pos, why, sizeof why)) {
	case FIELDS_OK:
		break;
	case FIELDS_INVALID:
		return client_usage_error(c, "%s", why);
	case FIELDS_NO_MEMORY:
		return client_out_of_memory(c);
	}
	(void)m;
	return TRIAD_EXIT_OK;
}

static const Call hours_submit_call = {
	.request = RQ(SUBMIT_HOURS),
	.reply = RS(HOURS),
	.items = "entries",
	.columns = "day hours status description",
	.prepare = submit_prepare,
};

static const Command hours_submit = {
	.name = "submit",
	.summary = "Submit your draft hours to your host supervisor",
	.usage = "[YYYY-MM-DD...]",
	.description = "Without days, every draft is submitted.\n",
	.max_args = CLI_ARGS_ANY,
	.handler = call_run,
	.ctx = &hours_submit_call,
};

static const Call hours_verify_call = {
	.request = RQ(VERIFY_HOURS),
	.reply = RS(HOURS_ENTRY),
	.args = "participant day",
};

static const Command hours_verify = {
	.name = "verify",
	.summary = "Verify a participant's submitted hours of a day (host supervisors)",
	.usage = "PARTICIPANT YYYY-MM-DD",
	.description = "The verification names you. Only staff can reopen it.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &hours_verify_call,
};

static const CliOption reason_options[] = {
	{"reason", 0, "TEXT", "why"},
	END_OPTIONS,
};

static const Call hours_reject_call = {
	.request = RQ(REJECT_HOURS),
	.reply = RS(HOURS_ENTRY),
	.args = "participant day",
	.required = "reason",
};

static const Command hours_reject = {
	.name = "reject",
	.summary = "Reject a participant's submitted hours of a day, saying why",
	.usage = "PARTICIPANT YYYY-MM-DD --reason TEXT",
	.description = "The participant may correct the day and submit it again.\n",
	.options = reason_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &hours_reject_call,
};

static const Call hours_reopen_call = {
	.request = RQ(REOPEN_HOURS),
	.reply = RS(HOURS_ENTRY),
	.args = "participant day",
	.required = "reason",
};

static const Command hours_reopen = {
	.name = "reopen",
	.summary = "Reopen a verification or rejection (staff), saying why",
	.usage = "PARTICIPANT YYYY-MM-DD --reason TEXT",
	.description = "The day is submitted again, for the supervisor to decide anew. The\n"
		       "reopening and its reason are kept and audited.\n",
	.options = reason_options,
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &hours_reopen_call,
};

static const CliOption hours_list_options[] = {
	{"status", 0, "STATUS", "only draft, submitted, verified or rejected hours"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call hours_list_call = {
	.request = RQ(LIST_HOURS),
	.reply = RS(HOURS),
	.args = "participant",
	.items = "entries",
	.columns = "participant_email day hours status description decided_by_name reason",
};

static const Command hours_list = {
	.name = "list",
	.summary = "List internship hours by day",
	.usage = "[PARTICIPANT] [--status STATUS] " LIST_PAGING_USAGE,
	.description = PARTICIPANT_HELP
		       "A host supervisor, without PARTICIPANT, sees the hours submitted to him.\n",
	.options = hours_list_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &hours_list_call,
};

static const Command *const hours_commands[] = {
	&hours_log, &hours_submit, &hours_verify, &hours_reject, &hours_reopen, &hours_list, NULL,
};

static const Command hours_group = {
	.name = "hours",
	.summary = "Hours logged per day, verified by the host supervisor",
	.subcommands = hours_commands,
};

static const Command *const internship_commands[] = {
	&placement_create, &placement_show, &placement_list, &plan_write, &plan_approve,
	&plan_return,      &placement_minimum, &hours_group, NULL,
};

const Command cmd_internship = {
	.name = "internship",
	.summary = "Internships: placements, plans and hours",
	.subcommands = internship_commands,
};

/* ---- documents ------------------------------------------------------------- */

static const NameEntry kind_entries[] = {
	{TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REPORT, "report", "report", false},
	{TRIAD__V1__DOCUMENT_KIND__DOCUMENT_KIND_REFLECTION, "reflection", "reflection", false},
};
static const NameMap kinds = {"kind of document", "kinds", "DOCUMENT_KIND_", kind_entries, 2};

/* A media type from the file's name, for the common kinds of report. */
static const char *
media_type_of(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".pdf", "application/pdf"},
		{".txt", "text/plain"},
		{".md", "text/markdown"},
		{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{".odt", "application/vnd.oasis.opendocument.text"},
		{".html", "text/html"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++) {
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* The whole of the file at path, and its SHA-256 in hex. */
static TriadExit
read_file(Client *c, const char *path, uint8_t **data, size_t *len, char sha[65])
{
	FILE *f = fopen(path, "rb");
	uint8_t digest[SHA256_DIGEST_LENGTH];
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf;

	if (f == NULL)
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "FILE", "%s: %s", path,
				    strerror(errno));
	if ((buf = malloc(cap)) == NULL) {
		fclose(f);
		return client_out_of_memory(c);
	}
	for (;;) {
		if (n == cap) {
			uint8_t *more = realloc(buf, cap * 2);
			if (more == NULL) {
				free(buf);
				fclose(f);
				return client_out_of_memory(c);
			}
			buf = more;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool failed = ferror(f) != 0;
	fclose(f);
	if (failed) {
		free(buf);
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "FILE",
				    "%s: cannot be read", path);
	}
	if (n == 0) {
		free(buf);
		return client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "FILE", "%s is empty",
				    path);
	}
	SHA256(buf, n, digest);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(sha + 2 * i, 3, "%02x", digest[i]);
	*data = buf;
	*len = n;
	return TRIAD_EXIT_OK;
}

/* One PutDocument: data[0..len-1] at offset (len 0 asks what the server has). */
static TriadExit
put_chunk(Client *c, int kind, const char *media, const char *sha, size_t size, size_t offset,
	  const uint8_t *data, size_t len, Triad__V1__Response **resp, RpcError *err)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	Triad__V1__PutDocumentRequest m = TRIAD__V1__PUT_DOCUMENT_REQUEST__INIT;

	m.kind = (Triad__V1__DocumentKind)kind;
	m.media_type = (char *)media;
	m.size = (int64_t)size;
	m.sha256 = (char *)sha;
	m.offset = (int64_t)offset;
	m.data.data = (uint8_t *)data;
	m.data.len = len;
	req.body_case = RQ(PUT_DOCUMENT);
	req.put_document = &m;
	return call_quietly(c, &req, RS(DOCUMENT), resp, err);
}

/* A connection that broke or timed out: worth opening another and going on. */
static bool
dropped(const RpcError *err)
{
	return err->kind == RPC_ERR_CLOSED || err->kind == RPC_ERR_TIMEOUT ||
	       err->kind == RPC_ERR_SERVER_CLOSED;
}

/*
 * Sends the file in chunks from the offset the server has. When the
 * connection drops, a new one asks again where the server is and goes on
 * from there, up to DOCUMENT_RETRIES times.
 */
static int
document_put_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *path = args->pos[0], *media = cli_args_value(args, "type");
	uint8_t *data = NULL;
	size_t size = 0;
	char sha[65];
	int kind = 0, retries = 0;
	Triad__V1__Response *resp = NULL;
	RpcError err;
	TriadExit rc;

	(void)cmd;
	if ((rc = resource_name_option(c, args, "kind", &kinds, true, &kind)) != TRIAD_EXIT_OK)
		return rc;
	if ((rc = read_file(c, path, &data, &size, sha)) != TRIAD_EXIT_OK)
		return rc;
	if (media == NULL)
		media = media_type_of(path);

	size_t have = 0;
	bool asked = false, resumed = false;
	for (;;) {
		/* Where is the server? Then the next chunk from there. */
		if (!asked) {
			rc = put_chunk(c, kind, media, sha, size, 0, NULL, 0, &resp, &err);
		} else {
			size_t len = size - have < DOCUMENT_CHUNK ? size - have : DOCUMENT_CHUNK;
			rc = put_chunk(c, kind, media, sha, size, have, data + have, len, &resp,
				       &err);
		}
		if (rc != TRIAD_EXIT_OK) {
			if (err.kind != RPC_ERR_NONE && dropped(&err) && retries < DOCUMENT_RETRIES) {
				retries++;
				client_close_session(c);
				asked = false;
				continue;
			}
			free(data);
			return call_report(c, &err, rc);
		}
		const Triad__V1__Document *d = resp->document;
		size_t before = have;
		have = (size_t)d->received;
		if (!asked && have > 0 && d->status != TRIAD__V1__DOCUMENT_STATUS__DOCUMENT_STATUS_SUBMITTED)
			resumed = true;
		if (!asked && c->format == PRINT_TEXT && resumed)
			fprintf(c->err, "triad: the server has %zu of %zu bytes; going on from there\n",
				have, size);
		if (d->status == TRIAD__V1__DOCUMENT_STATUS__DOCUMENT_STATUS_SUBMITTED)
			break;
		if (asked && have == 0 && before + DOCUMENT_CHUNK >= size) {
			rpc_response_free(resp);
			free(data);
			return client_error(c, TRIAD_EXIT_SERVER, "FAILED_PRECONDITION", "FILE",
					    "the server found that %s does not match its SHA-256 "
					    "(did it change while it was sent?); send it again",
					    path);
		}
		asked = true;
		rpc_response_free(resp);
		resp = NULL;
	}
	free(data);
	rc = call_print_record(c, &resp->document->base);
	rpc_response_free(resp);
	return rc;
}

static const CliOption document_put_options[] = {
	{"kind", 0, "KIND", "report or reflection"},
	{"type", 0, "MEDIA_TYPE", "the file's media type (default: from its name, such as "
				  "application/pdf for .pdf)"},
	END_OPTIONS,
};

static const Command document_put = {
	.name = "put",
	.summary = "Submit your internship report or reflection",
	.usage = "FILE --kind KIND [--type MEDIA_TYPE]",
	.description =
		"The file goes up in chunks. When the connection drops, the command goes on\n"
		"where the server is; run it again with the same file to resume a transfer\n"
		"that gave up: the server keeps what it received. The server checks the\n"
		"whole against its SHA-256 and refuses files larger than its limit.\n",
	.options = document_put_options,
	.min_args = 1,
	.max_args = 1,
	.handler = document_put_run,
};

/*
 * Reads the document chunk by chunk into --output (or standard output)
 * and checks it against its SHA-256.
 */
static int
document_get_run(Client *c, const Command *cmd, const CliArgs *args)
{
	const char *out_path = cli_args_value(args, "output");
	int kind = 0;
	TriadExit rc;
	EVP_MD_CTX *sha = NULL;
	uint8_t digest[SHA256_DIGEST_LENGTH];
	char hex[65], want[65] = "";
	size_t got = 0, size = 0;
	FILE *out = NULL;
	Triad__V1__Response *resp = NULL;

	(void)cmd;
	if ((rc = resource_name_option(c, args, "kind", &kinds, true, &kind)) != TRIAD_EXIT_OK)
		return rc;
	if (out_path == NULL && c->format != PRINT_TEXT)
		return client_usage_error(c, "--json and --csv need --output FILE");
	if ((sha = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(sha, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(sha);
		return client_out_of_memory(c);
	}
	out = out_path != NULL ? fopen(out_path, "wb") : c->out;
	if (out == NULL) {
		rc = client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--output", "%s: %s",
				  out_path, strerror(errno));
		goto done;
	}
	do {
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		Triad__V1__GetDocumentRequest m = TRIAD__V1__GET_DOCUMENT_REQUEST__INIT;
		RpcError err;
		m.participant = (char *)(args->n_pos > 0 ? args->pos[0] : "");
		m.kind = (Triad__V1__DocumentKind)kind;
		m.offset = (int64_t)got;
		req.body_case = RQ(GET_DOCUMENT);
		req.get_document = &m;
		rpc_response_free(resp);
		resp = NULL;
		if ((rc = call_quietly(c, &req, RS(GET_DOCUMENT), &resp, &err)) != TRIAD_EXIT_OK) {
			rc = call_report(c, &err, rc);
			goto done;
		}
		const Triad__V1__GetDocumentReply *r = resp->get_document;
		if (r->document == NULL || (r->data.len == 0 && got < (size_t)r->document->size)) {
			rc = client_bad_answer(c);
			goto done;
		}
		size = (size_t)r->document->size;
		snprintf(want, sizeof want, "%s", r->document->sha256);
		if (fwrite(r->data.data, 1, r->data.len, out) != r->data.len) {
			rc = client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--output",
					  "cannot write the document");
			goto done;
		}
		EVP_DigestUpdate(sha, r->data.data, r->data.len);
		got += r->data.len;
	} while (got < size);
	EVP_DigestFinal_ex(sha, digest, NULL);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (out_path != NULL) {
		FILE *f = out;
		out = NULL;
		if (fclose(f) != 0) {
			rc = client_error(c, TRIAD_EXIT_USAGE, "INVALID_ARGUMENT", "--output",
					  "cannot write %s", out_path);
			goto done;
		}
	}
	if (strcmp(hex, want) != 0) {
		rc = client_error(c, TRIAD_EXIT_UNREACHABLE, "DATA_LOSS", NULL,
				  "the document read back does not match its SHA-256");
		goto done;
	}
	rc = out_path != NULL ? call_print_record(c, &resp->get_document->document->base)
			      : TRIAD_EXIT_OK;
done:
	if (out_path != NULL && out != NULL)
		fclose(out);
	EVP_MD_CTX_free(sha);
	rpc_response_free(resp);
	return rc;
}

static const CliOption document_get_options[] = {
	{"kind", 0, "KIND", "report or reflection"},
	{"output", 'o', "FILE", "write it to FILE (default: standard output)"},
	END_OPTIONS,
};

static const Command document_get = {
	.name = "get",
	.summary = "Fetch an internship report or reflection",
	.usage = "[PARTICIPANT] --kind KIND [--output FILE]",
	.description = PARTICIPANT_HELP
		       "The latest submitted version is fetched and checked against its SHA-256.\n",
	.options = document_get_options,
	.max_args = 1,
	.handler = document_get_run,
};

static const Call document_list_call = {
	.request = RQ(LIST_DOCUMENTS),
	.reply = RS(DOCUMENTS),
	.args = "participant",
	.items = "documents",
	.columns = "kind media_type size status submitted_at sha256",
};

static const CliOption list_paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Command document_list = {
	.name = "list",
	.summary = "List the documents of an internship, with every version",
	.usage = "[PARTICIPANT] " LIST_PAGING_USAGE,
	.options = list_paging_options,
	.description = PARTICIPANT_HELP,
	.max_args = 1,
	.handler = call_run,
	.ctx = &document_list_call,
};

static const Command *const document_commands[] = {&document_put, &document_get, &document_list,
						    NULL};

const Command cmd_document = {
	.name = "document",
	.summary = "Internship documents: the report and the reflection",
	.subcommands = document_commands,
};

/* ---- intervision ----------------------------------------------------------- */

static const CliOption iv_plan_options[] = {
	{"starts", 0, "WHEN", "day and local time it begins, such as '2026-11-20 13:00'"},
	{"facilitator", 0, "EMAIL", "who leads it"},
	{"history", 0, NULL, "record a session that was held: --starts may be in the past"},
	END_OPTIONS,
};

static const Call iv_plan_call = {
	.request = RQ(CREATE_INTERVISION_SESSION),
	.reply = RS(INTERVISION_SESSION),
	.args = "group",
	.fields = "starts=starts_at history=record_history",
	.required = "starts facilitator",
};

static const Command iv_plan = {
	.name = "plan",
	.summary = "Plan a session of an intervision group",
	.usage = "GROUP --starts WHEN --facilitator EMAIL [--history]",
	.description =
		"GROUP is an intervision sub-group's name, with its cohort and module when\n"
		"the name alone is not enough ('Metropool 24/M1/Intervisie A'). A group\n"
		"meets at most once a day; the session is named by its group and day\n"
		"('Intervisie A/2026-11-20').\n",
	.options = iv_plan_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &iv_plan_call,
};

static const Call iv_sessions_call = {
	.request = RQ(LIST_INTERVISION_SESSIONS),
	.reply = RS(INTERVISION_SESSIONS),
	.args = "group",
	.items = "sessions",
	.columns = "key starts_at facilitator_name cases cohort_name module_code",
};

static const Command iv_sessions = {
	.name = "sessions",
	.summary = "List intervision sessions, of one group or all you may see",
	.usage = "[GROUP] " LIST_PAGING_USAGE,
	.options = list_paging_options,
	.max_args = 1,
	.handler = call_run,
	.ctx = &iv_sessions_call,
};

static const CliOption iv_case_options[] = {
	{"title", 0, "TITLE", "what the case is about, in a line"},
	{"text", 0, "TEXT", "the case"},
	END_OPTIONS,
};

static const Call iv_case_call = {
	.request = RQ(BRING_CASE),
	.reply = RS(INTERVISION_CASE),
	.args = "session",
	.required = "title text",
};

static const Command iv_case = {
	.name = "case",
	.summary = "Bring a case to a session of your group",
	.usage = "SESSION --title TITLE --text TEXT",
	.description = "SESSION is its group and day, such as 'Intervisie A/2026-11-20'. Only\n"
		       "the group and the session's facilitator read the case. Bringing one\n"
		       "again replaces it.\n",
	.options = iv_case_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &iv_case_call,
};

static const Call iv_cases_call = {
	.request = RQ(LIST_CASES),
	.reply = RS(INTERVISION_CASES),
	.args = "session",
	.items = "cases",
	.columns = "participant_name title text hidden",
};

static const Command iv_cases = {
	.name = "cases",
	.summary = "The cases brought to a session",
	.usage = "SESSION " LIST_PAGING_USAGE,
	.options = list_paging_options,
	.description = "Outside the group and its facilitator, a case shows who brought it\n"
		       "and nothing more (hidden).\n",
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &iv_cases_call,
};

static const Call iv_attend_call = {
	.request = RQ(RECORD_INTERVISION_ATTENDANCE),
	.reply = RS(INTERVISION_ATTENDANCE),
	.args = "session participant status",
};

static const Command iv_attend = {
	.name = "attend",
	.summary = "Record whether a member came to a session",
	.usage = "SESSION EMAIL STATUS",
	.description = "STATUS is present, absent or excused.\n",
	.min_args = 3,
	.max_args = 3,
	.handler = call_run,
	.ctx = &iv_attend_call,
};

static const Call iv_attendance_call = {
	.request = RQ(LIST_INTERVISION_ATTENDANCE),
	.reply = RS(INTERVISION_ATTENDANCE_LIST),
	.args = "session",
	.items = "attendance",
	.columns = "participant_name participant_email status recorded_at",
};

static const Command iv_attendance = {
	.name = "attendance",
	.summary = "Who came to a session",
	.usage = "SESSION " LIST_PAGING_USAGE,
	.options = list_paging_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &iv_attendance_call,
};

static const Command *const intervision_commands[] = {
	&iv_plan, &iv_sessions, &iv_case, &iv_cases, &iv_attend, &iv_attendance, NULL,
};

const Command cmd_intervision = {
	.name = "intervision",
	.summary = "Intervision: sessions of the intervision groups, cases, attendance",
	.subcommands = intervision_commands,
};
