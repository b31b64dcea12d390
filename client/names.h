/*
 * names.h: the words the command line uses for the contract's enums, in
 * one place, both ways.
 *
 * On the command line and in --json/--csv output an enum value is a
 * lower-case word with dashes, such as "workplace-coach" for
 * ROLE_WORKPLACE_COACH; in sentences it has a label such as
 * "workplace coach". Parsing ignores case and treats '_' like '-', and
 * also accepts the contract's own name ("ROLE_WORKPLACE_COACH"), so that
 * values copied from the proto file or another tool work too.
 */
#ifndef TRIAD_CLIENT_NAMES_H
#define TRIAD_CLIENT_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

/* One enum value. */
typedef struct NameEntry {
	int value;
	const char *name;   /* "workplace-coach" */
	const char *label;  /* "workplace coach" */
	bool output_only;   /* shown, but not accepted as input (ROLE_OPERATOR) */
} NameEntry;

/* The words for one enum. */
typedef struct NameMap {
	const char *what;      /* "role", for messages */
	const char *plural;    /* "roles" */
	const char *prefix;    /* the contract's prefix, "ROLE_" */
	const NameEntry *entries;
	size_t n;
} NameMap;

extern const NameMap names_role;           /* Triad__V1__Role */
extern const NameMap names_title;          /* Triad__V1__StaffTitle */
extern const NameMap names_org_kind;       /* Triad__V1__OrganisationKind */
extern const NameMap names_principal_kind; /* Triad__V1__PrincipalKind */

/*
 * The words for any enum of the contract, made from its descriptor: the
 * value ENROLLMENT_STATUS_INTAKE_PLANNED of EnrollmentStatus is named
 * "intake-planned" and labelled "intake planned", and the enum is an
 * "enrollment status" in messages. Made on first use and kept until the
 * program ends; NULL only when out of memory.
 */
const NameMap *names_of(const ProtobufCEnumDescriptor *d);

/*
 * A CamelCase name in lower-case words, "LearningLine" as
 * "learning line", into buf; with upper, as "LEARNING_LINE". Returns buf.
 */
const char *names_words(const char *camel, bool upper, char *buf, size_t len);

/*
 * The word for value: its name, "" for 0 (unspecified), or NULL for a
 * value this client does not know (a newer server's).
 */
const char *names_name(const NameMap *m, int value);

/* The label for value, as names_name() but for sentences. */
const char *names_label(const NameMap *m, int value);

/*
 * The word for value, or its number in buf for a value this client does
 * not know, so that output never loses information. Returns name or buf.
 */
const char *names_show(const NameMap *m, int value, char *buf, size_t len);

/*
 * How a role reads in a sentence: the title's label for programme staff
 * with a title ("lecturer"), else the role's ("workplace coach"); a value
 * this client does not know as "role N". Returns a label or buf.
 */
const char *names_role_phrase(int role, int title, char *buf, size_t len);

/*
 * The value named s (see the top of this file); false when s names none
 * of the values accepted as input, or is unspecified.
 */
__attribute__((warn_unused_result))
bool names_parse(const NameMap *m, const char *s, int *value);

/*
 * Explain why s is not valid, for a usage error: "'coach' is not a valid role.
 * Did you mean 'workplace-coach'? Valid roles: institution-admin, ...".
 * The suggestion is the closest name by edit distance when that is close
 * enough, else the one name that contains s.
 */
void names_explain(const NameMap *m, const char *s, char *buf, size_t len);

#endif
