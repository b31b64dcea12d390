/*
 * envelope_seeds.c: the seed corpus of fuzz_envelope, one packed Request per
 * request kind, made from the descriptors that protoc-c generated.
 *
 *   envelope_seeds write DIR   writes DIR/<kind> for every member of
 *                              Request.body (the oneof), replacing what is there
 *   envelope_seeds check DIR   exits 1 unless DIR holds exactly one seed per
 *                              kind, each a Request of that kind
 *
 * Each seed is a Request with id 1 whose body has every field set to a small
 * value that is not the default (so that every field's tag is on the wire for
 * the fuzzer to mutate): "x" or an id-shaped string for strings, 1 for
 * numbers, the second value of an enum, one element in a repeated field, the
 * first member of each oneof, and nested messages filled the same way down to
 * a few levels. The seeds are kept in the tree (tests/fuzz/corpus/fuzz_envelope/)
 * and rewritten with `write` when a request kind is added; `check` runs in
 * ctest, so a kind without a seed fails the suite.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "triad/v1/envelope.pb-c.h"

/* How deep nested messages are filled; deeper ones stay empty. */
#define MAX_DEPTH 3

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (p == NULL) {
		fprintf(stderr, "envelope_seeds: out of memory\n");
		exit(2);
	}
	return p;
}

static char *
xstrdup(const char *s)
{
	char *c = xcalloc(strlen(s) + 1, 1);
	memcpy(c, s, strlen(s) + 1);
	return c;
}

static size_t
value_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	default:
		return 4;   /* the 32-bit integers, enums and float */
	}
}

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *d, int depth);

/*
 * Stores the small non-default value of field f at p, which points at
 * value_size(f->type) bytes of zeroes. Strings and nested messages are
 * malloc'd, so protobuf_c_message_free_unpacked() frees them.
 */
static void
set_value(const ProtobufCFieldDescriptor *f, void *p, int depth)
{
	size_t n = strlen(f->name);

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		/* Ids are UUIDs in text form; a well-formed one gets past the first checks. */
		*(char **)p = xstrdup(n >= 2 && strcmp(f->name + n - 2, "id") == 0
					      ? "00000000-0000-4000-8000-000000000001"
					      : "x");
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = p;
		b->data = xcalloc(1, 1);
		b->data[0] = 'x';
		b->len = 1;
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		*(ProtobufCMessage **)p = new_message(f->descriptor, depth + 1);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		*(int32_t *)p = e->n_values > 1 ? e->values[1].value : e->values[0].value;
		break;
	}
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)p = 1;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)p = 1;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)p = 1;
		break;
	default:
		if (value_size(f->type) == 8)
			*(uint64_t *)p = 1;
		else
			*(uint32_t *)p = 1;
		break;
	}
}

/* Sets every field of m (see the file's comment); nothing below MAX_DEPTH. */
static void
fill(ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char *base = (char *)m;

	if (depth > MAX_DEPTH)
		return;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		void *member = base + f->offset;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *which = (uint32_t *)(base + f->quantifier_offset);
			if (*which != 0)
				continue;   /* an earlier member of this oneof is set */
			*which = f->id;
			set_value(f, member, depth);
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			void *arr = xcalloc(1, value_size(f->type));
			set_value(f, arr, depth);
			*(size_t *)(base + f->quantifier_offset) = 1;
			*(void **)member = arr;
		} else {
			if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset != 0 &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
				*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
			set_value(f, member, depth);
		}
	}
}

static ProtobufCMessage *
new_message(const ProtobufCMessageDescriptor *d, int depth)
{
	ProtobufCMessage *m = xcalloc(1, d->sizeof_message);
	protobuf_c_message_init(d, m);
	fill(m, depth);
	return m;
}

/*
 * The request kinds: the fields of Request that are members of the oneof
 * body (protobuf-c describes a oneof only through its members' flags and
 * their shared case field), in descriptor order.
 */
typedef struct Kinds {
	unsigned n;
	const ProtobufCFieldDescriptor *f[1024];
} Kinds;

static void
request_kinds(Kinds *k)
{
	const ProtobufCMessageDescriptor *d = &triad__v1__request__descriptor;

	k->n = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    f->quantifier_offset == offsetof(Triad__V1__Request, body_case) &&
		    k->n < sizeof k->f / sizeof k->f[0])
			k->f[k->n++] = f;
	}
	if (k->n == 0) {
		fprintf(stderr, "envelope_seeds: Request has no members of the oneof body\n");
		exit(2);
	}
}

/* Packs the seed of kind f into a malloc'd buffer; *len is its size. */
static uint8_t *
make_seed(const ProtobufCFieldDescriptor *f, size_t *len)
{
	Triad__V1__Request req = TRIAD__V1__REQUEST__INIT;
	char *base = (char *)&req;

	req.id = 1;
	*(uint32_t *)(base + f->quantifier_offset) = f->id;
	*(ProtobufCMessage **)(base + f->offset) = new_message(f->descriptor, 1);
	*len = triad__v1__request__get_packed_size(&req);
	uint8_t *buf = xcalloc(*len, 1);
	if (triad__v1__request__pack(&req, buf) != *len) {
		fprintf(stderr, "envelope_seeds: %s: packed size changed\n", f->name);
		exit(2);
	}
	protobuf_c_message_free_unpacked(*(ProtobufCMessage **)(base + f->offset), NULL);
	return buf;
}

static int
write_seeds(const char *dir)
{
	static Kinds k;
	char path[4096];

	request_kinds(&k);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "envelope_seeds: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	for (unsigned i = 0; i < k.n; i++) {
		const ProtobufCFieldDescriptor *f = k.f[i];
		size_t len;
		uint8_t *buf = make_seed(f, &len);
		snprintf(path, sizeof path, "%s/%s", dir, f->name);
		FILE *out = fopen(path, "wb");
		if (out == NULL || fwrite(buf, 1, len, out) != len || fclose(out) != 0) {
			fprintf(stderr, "envelope_seeds: %s: %s\n", path, strerror(errno));
			return 2;
		}
		free(buf);
	}
	printf("envelope_seeds: %u seeds in %s\n", k.n, dir);
	return 0;
}

/* The index in k of the request kind named name, or -1. */
static int
kind_named(const Kinds *k, const char *name)
{
	for (unsigned i = 0; i < k->n; i++)
		if (strcmp(k->f[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static int
check_seeds(const char *dir)
{
	static Kinds k;
	bool seen[sizeof k.f / sizeof k.f[0]] = {false};
	char path[4096];
	uint8_t buf[65536];
	int bad = 0;

	request_kinds(&k);
	DIR *dh = opendir(dir);
	if (dh == NULL) {
		fprintf(stderr, "envelope_seeds: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	for (struct dirent *e; (e = readdir(dh)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		int i = kind_named(&k, e->d_name);
		if (i < 0) {
			fprintf(stderr, "envelope_seeds: %s names no request kind\n", e->d_name);
			bad = 1;
			continue;
		}
		const ProtobufCFieldDescriptor *f = k.f[i];
		seen[i] = true;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *in = fopen(path, "rb");
		size_t n = in != NULL ? fread(buf, 1, sizeof buf, in) : 0;
		if (in != NULL)
			fclose(in);
		Triad__V1__Request *req = triad__v1__request__unpack(NULL, n, buf);
		if (req == NULL || (uint32_t)req->body_case != f->id) {
			fprintf(stderr, "envelope_seeds: %s is not a Request of kind %s\n", path,
				f->name);
			bad = 1;
		}
		if (req != NULL)
			triad__v1__request__free_unpacked(req, NULL);
	}
	closedir(dh);
	for (unsigned i = 0; i < k.n; i++)
		if (!seen[i]) {
			fprintf(stderr, "envelope_seeds: no seed for request kind %s in %s\n",
				k.f[i]->name, dir);
			bad = 1;
		}
	if (bad) {
		fprintf(stderr, "envelope_seeds: regenerate with: envelope_seeds write %s\n", dir);
		return 1;
	}
	printf("envelope_seeds: %u request kinds, one seed each\n", k.n);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return write_seeds(argv[2]);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return check_seeds(argv[2]);
	fprintf(stderr, "usage: %s write|check DIR\n", argv[0]);
	return 2;
}
