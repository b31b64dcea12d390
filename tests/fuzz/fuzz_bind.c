/*
 * fuzz_bind.c: libFuzzer target for the route parameter binding.
 *
 * The input is a packed Request, as a client sends it after its Hello. When
 * it decodes and names a request answered by statements, every field those
 * statements name is bound exactly as sqlroute_handle() binds it (text
 * bounds, ids, enums, nested messages, repeated strings as arrays) and
 * thrown away (a field that takes a key as well as an id keeps its value:
 * looking the key up is the database's). It must never crash, leak or
 * read out of bounds; a refusal must say which field and why.
 *
 * Seeds (tests/fuzz/corpus/fuzz_bind/) have one request per such kind with
 * every bound field set; `fuzz_bind -seeds DIR` writes them again.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "sqlroute.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Triad__V1__Request *req = triad__v1__request__unpack(NULL, size, data);
	if (req == NULL)
		return 0;
	const Route *row = registry_find(req->body_case);
	if (row != NULL && row->handler == NULL) {
		char err[512] = "";
		if (!sqlroute_bind_check(row, req, err, sizeof err))
			assert(err[0] != '\0');
	}
	triad__v1__request__free_unpacked(req, NULL);
	return 0;
}

/* ---- seeds ---- */

/* Sets the field at path of msg (allocating messages on the way) to a value
 * of its kind that the binding accepts. */
static void
fill_path(ProtobufCMessage *msg, const char *path)
{
	char seg[64];
	size_t n = strcspn(path, ".");
	snprintf(seg, sizeof seg, "%.*s", (int)n, path);
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, seg);
	if (f == NULL)
		return;
	char *at = (char *)msg + f->offset;
	if (path[n] == '.') {
		ProtobufCMessage **sub = (ProtobufCMessage **)at;
		if (*sub == NULL) {
			const ProtobufCMessageDescriptor *d = f->descriptor;
			*sub = calloc(1, d->sizeof_message);
			protobuf_c_message_init(d, *sub);
		}
		fill_path(*sub, path + n + 1);
		return;
	}
	size_t len = strlen(f->name);
	bool id = strcmp(f->name, "id") == 0 || strcmp(f->name, "page_token") == 0 ||
		  (len > 3 && strcmp(f->name + len - 3, "_id") == 0);
	if (f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_STRING) {
		char **items = calloc(2, sizeof *items);
		items[0] = strdup("A1");
		items[1] = strdup("b \"2\"");
		*(char ***)at = items;
		*(size_t *)((char *)msg + f->quantifier_offset) = 2;
		return;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		free(*(char **)at != (char *)protobuf_c_empty_string ? *(char **)at : NULL);
		*(char **)at = strdup(id ? "0b6f1c1e-8a3e-4c1a-9d2b-3f4e5a6b7c8d" : "2026-09-01");
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)at = 1;
		break;
	case PROTOBUF_C_TYPE_ENUM:
		*(int *)at = ((const ProtobufCEnumDescriptor *)f->descriptor)->values[
			((const ProtobufCEnumDescriptor *)f->descriptor)->n_values - 1].value;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)at = 1.5;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)at = 1.5f;
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)at = 7;
		break;
	default:
		*(int32_t *)at = 7;
		break;
	}
}

/* Writes one seed per request answered by statements into dir. */
static int
write_seeds(const char *dir)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;
	int written = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const Route *row = registry_find((Triad__V1__Request__BodyCase)d->fields[i].id);
		if (row == NULL || row->handler != NULL)
			continue;
		Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
		const ProtobufCMessageDescriptor *bd = d->fields[i].descriptor;
		ProtobufCMessage *body = calloc(1, bd->sizeof_message);
		protobuf_c_message_init(bd, body);
		for (int s = 0; s < ROUTE_MAX_STMTS && row->stmts[s].sql != NULL; s++) {
			for (int n = 0; n < ROUTE_MAX_PARAMS && row->stmts[s].params[n] != NULL; n++) {
				char path[128];
				const char *kind;
				if (row->stmts[s].params[n][0] != '$' &&
				    route_param_split(row->stmts[s].params[n], path, sizeof path, &kind))
					fill_path(body, path);
			}
		}
		req.id = 2;
		req.body_case = (Triad__V1__Request__BodyCase)d->fields[i].id;
		*(ProtobufCMessage **)((char *)&req + d->fields[i].offset) = body;
		char err[512];
		if (!sqlroute_bind_check(row, &req, err, sizeof err)) {
			fprintf(stderr, "the seed for %s is refused: %s\n", d->fields[i].name, err);
			protobuf_c_message_free_unpacked(body, NULL);
			return 1;
		}
		size_t len = triad__v1__request__get_packed_size(&req);
		uint8_t *buf = malloc(len);
		triad__v1__request__pack(&req, buf);
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, d->fields[i].name);
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(buf, 1, len, f) != len) {
			perror(path);
			return 1;
		}
		fclose(f);
		free(buf);
		protobuf_c_message_free_unpacked(body, NULL);
		written++;
	}
	printf("%d seeds written to %s\n", written, dir);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (*argc == 3 && strcmp((*argv)[1], "-seeds") == 0)
		exit(write_seeds((*argv)[2]));
	return 0;
}
