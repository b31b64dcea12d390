/*
 * svc_util.c: input checks and list building shared by the handlers.
 */
#include "svc_util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

bool
check_text(Call *call, const char *field, const char *value, size_t min, size_t max)
{
	size_t len = strlen(value);
	if (len < min) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field, "%s is required",
			  strrchr(field, '.') ? strrchr(field, '.') + 1 : field);
		return false;
	}
	if (len > max) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "%s is longer than %zu characters",
			  strrchr(field, '.') ? strrchr(field, '.') + 1 : field, max);
		return false;
	}
	return true;
}

bool
check_id(Call *call, const char *field, const char *value, bool required)
{
	if (!required && value[0] == '\0')
		return true;
	if (is_uuid(value))
		return true;
	const char *name = strrchr(field, '.') ? strrchr(field, '.') + 1 : field;
	if (value[0] == '\0')
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field, "%s is required", name);
	else
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "%s '%.64s' is not an id (ids look like 0b6f1c1e-...)", name, value);
	return false;
}

bool
check_page_size(Call *call, const char *field, int32_t requested, int *limit)
{
	if (requested < 0) {
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "page_size must not be negative: 0 asks for the default of %d, and more "
			  "than %d is taken as %d", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MAX);
		return false;
	}
	*limit = page_size(requested);
	return true;
}

bool
check_page_token(Call *call, const char *field, const char *token, bool numeric)
{
	bool ok = token[0] == '\0';
	if (!ok && numeric) {
		ok = strlen(token) <= 19;
		for (const char *c = token; ok && *c; c++)
			ok = *c >= '0' && *c <= '9';
	} else if (!ok) {
		ok = is_uuid(token);
	}
	if (!ok)
		call_fail(call, TRIAD__V1__CODE__CODE_INVALID_ARGUMENT, field,
			  "page_token is not one this server handed out");
	return ok;
}

bool
field_given(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	assert(f != NULL);
	return !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
	       *(const uint32_t *)((const char *)m + f->quantifier_offset) == f->id;
}

bool
list_build(const ListSpec *spec, const PGresult *r, int limit, List *out)
{
	int n = PQntuples(r);
	memset(out, 0, sizeof *out);
	if (n > limit) {
		/* One row more than asked for: there is another page. */
		n = limit;
		out->next_page_token = cell(r, n - 1, spec->key_col);
	} else {
		out->next_page_token = "";
	}
	out->storage = calloc((size_t)n + 1, spec->msg_size);
	out->items = calloc((size_t)n + 1, sizeof *out->items);
	out->times = calloc(((size_t)n + 1) * (size_t)spec->ntimes + 1, sizeof *out->times);
	if (out->storage == NULL || out->items == NULL || out->times == NULL) {
		list_free(out);
		return false;
	}
	for (int i = 0; i < n; i++) {
		void *msg = (char *)out->storage + (size_t)i * spec->msg_size;
		spec->init(msg);
		spec->fill(msg, r, i, out->times + (size_t)i * (size_t)spec->ntimes);
		out->items[i] = msg;
	}
	out->n = (size_t)n;
	return true;
}

void
list_free(List *l)
{
	free(l->storage);
	free(l->items);
	free(l->times);
	l->storage = NULL;
	l->items = NULL;
	l->times = NULL;
}

void
cell_time(const PGresult *r, int row, int col, int64_t *us, char **text, TimeText buf)
{
	if (PQgetisnull(r, row, col)) {
		*us = 0;
		*text = "";
		return;
	}
	*us = strtoll(PQgetvalue(r, row, col), NULL, 10);
	*text = text_time_us(buf, TEXT_TIME_MAX, *us);
}

bool
list_answer_oom(Call *call)
{
	call_fail(call, TRIAD__V1__CODE__CODE_UNAVAILABLE, NULL, "server is out of memory");
	return false;
}
