/*
 * cmd_catalogue.c: `triad programme|line|outcome|module ...`, the
 * catalogue of an institution (proto/triad/v1/catalogue.proto). Every
 * command is a Call (call.h): options fill the fields they name.
 */
#include "call.h"
#include "commands.h"
#include "resource.h"

#define END_OPTIONS {NULL, 0, NULL, NULL}
#define PROGRAMME_OPTION {"programme", 0, "CODE", "the programme, by its code"}
#define RQ(x) TRIAD__V1__REQUEST__BODY_##x
#define RS(x) TRIAD__V1__RESPONSE__BODY_##x

/* What the catalogue's delete commands say. */
#define DELETE_HELP(what)                                                                  \
	"The server refuses to delete " what " that others depend on.\n"

/* ---- programmes ---------------------------------------------------------- */

#define PROGRAMME_OPTIONS                                                                  \
	{"name", 0, "NAME", "the programme's name"},                                      \
	{"award", 0, "AWARD", "degree (a master's degree) or certificate"},               \
	{"ects", 0, "N", "credits of the whole programme, 0 to 300"},                      \
	{"duration-months", 0, "N", "nominal duration, 1 to 120 months"},                  \
	{"language", 0, "LANG", "language of instruction, such as nl or en"},             \
	{"mode", 0, "MODE", "part-time, evening, full-time or blended"},                  \
	{"start", 0, "MONTH", "a month it starts in, such as september (repeatable)"},    \
	{"fee", 0, "EUR", "fee per participant in euros, such as 17,950.00"},    \
	{"specialisation", 0, "NAME", "a specialisation (repeatable)"},                   \
	{"standalone-share", 0, "SHARE",                                                   \
	 "standalone members stay below this share (default 0.5)"}

static const CliOption programme_create_options[] = {
	{"code", 0, "CODE", "short code, unique in the institution, such as MPM"},
	PROGRAMME_OPTIONS,
	END_OPTIONS,
};

static const Call programme_create_call = {
	.request = RQ(CREATE_PROGRAMME),
	.reply = RS(PROGRAMME),
	.object = "programme",
	.fields = "start=start_moments",
	.required = "code name",
};

static const Command programme_create = {
	.name = "create",
	.summary = "Add a programme to the catalogue",
	.usage = "--code CODE --name NAME [OPTIONS]",
	.description =
		"Example:\n"
		"  triad programme create --code MPM --name 'Master Public Management'\n"
		"      --award degree --ects 60 --duration-months 24 --language nl\n"
		"      --mode part-time --start september --start february --fee 17,950.00\n"
		"\n"
		"Standalone participants (of single masterclasses) must stay strictly below\n"
		"--standalone-share of every group, from 0.05 to 0.95.\n",
	.options = programme_create_options,
	.handler = call_run,
	.ctx = &programme_create_call,
};

CALL_SHOW(programme_show, "programme", RQ(GET_PROGRAMME), RS(PROGRAMME));

static const CliOption paging_options[] = {
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call programme_list_call = {
	.request = RQ(LIST_PROGRAMMES),
	.reply = RS(PROGRAMMES),
	.items = "programmes",
	.columns = "id code name award ects mode fee",
};

static const Command programme_list = {
	.name = "list",
	.summary = "List the programmes of the institution",
	.usage = LIST_PAGING_USAGE,
	.options = paging_options,
	.handler = call_run,
	.ctx = &programme_list_call,
};

static const CliOption programme_update_options[] = {
	PROGRAMME_OPTIONS,
	END_OPTIONS,
};

static const Call programme_update_call = {
	.request = RQ(UPDATE_PROGRAMME),
	.reply = RS(PROGRAMME),
	.object = "programme",
	.fetch = RQ(GET_PROGRAMME),
	.args = "id",
	.fields = "start=start_moments",
};

static const Command programme_update = {
	.name = "update",
	.summary = "Change a programme",
	.usage = "ID [OPTIONS]",
	.description = CALL_UPDATE_HELP "A programme's code does not change.\n",
	.options = programme_update_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &programme_update_call,
};

CALL_DELETE(programme_delete, "programme", RQ(DELETE_PROGRAMME), RS(PROGRAMME),
	    DELETE_HELP("a programme with modules"));

static const Command *const programme_commands[] = {
	&programme_create, &programme_show, &programme_list, &programme_update,
	&programme_delete, NULL,
};

const Command cmd_programme = {
	.name = "programme",
	.summary = "Add, change and look up the programmes of the catalogue",
	.subcommands = programme_commands,
};

/* ---- learning lines ------------------------------------------------------- */

#define LINE_OPTIONS                                                                       \
	{"code", 0, "CODE", "short code, unique in the programme"},                       \
	{"name", 0, "NAME", "such as 'personal development'"}

static const CliOption line_create_options[] = {
	PROGRAMME_OPTION,
	LINE_OPTIONS,
	END_OPTIONS,
};

static const Call line_create_call = {
	.request = RQ(CREATE_LEARNING_LINE),
	.reply = RS(LEARNING_LINE),
	.object = "line",
	.required = "programme code name",
};

static const Command line_create = {
	.name = "create",
	.summary = "Add a learning line to a programme",
	.usage = "--programme ID --code CODE --name NAME",
	.description = "A learning line is a thread through the modules, such as cognitive\n"
		       "deepening or personal development. Modules name theirs with --line.\n",
	.options = line_create_options,
	.handler = call_run,
	.ctx = &line_create_call,
};

CALL_SHOW(line_show, "learning line", RQ(GET_LEARNING_LINE), RS(LEARNING_LINE));

static const CliOption programme_list_options[] = {
	{"programme", 0, "CODE", "only those of this programme"},
	LIST_PAGING_OPTIONS,
	END_OPTIONS,
};

static const Call line_list_call = {
	.request = RQ(LIST_LEARNING_LINES),
	.reply = RS(LEARNING_LINES),
	.items = "learning lines",
	.columns = "id code name",
};

static const Command line_list = {
	.name = "list",
	.summary = "List learning lines",
	.usage = "[--programme ID] " LIST_PAGING_USAGE,
	.options = programme_list_options,
	.handler = call_run,
	.ctx = &line_list_call,
};

static const CliOption line_update_options[] = {
	LINE_OPTIONS,
	END_OPTIONS,
};

static const Call line_update_call = {
	.request = RQ(UPDATE_LEARNING_LINE),
	.reply = RS(LEARNING_LINE),
	.object = "line",
	.fetch = RQ(GET_LEARNING_LINE),
	.args = "id",
};

static const Command line_update = {
	.name = "update",
	.summary = "Change a learning line",
	.usage = "ID [OPTIONS]",
	.description = CALL_UPDATE_HELP,
	.options = line_update_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &line_update_call,
};

CALL_DELETE(line_delete, "learning line", RQ(DELETE_LEARNING_LINE), RS(LEARNING_LINE),
	    DELETE_HELP("a learning line"));

static const Command *const line_commands[] = {
	&line_create, &line_show, &line_list, &line_update, &line_delete, NULL,
};

const Command cmd_line = {
	.name = "line",
	.summary = "Add, change and look up the learning lines of a programme",
	.subcommands = line_commands,
};

/* ---- learning outcomes ---------------------------------------------------- */

#define OUTCOME_OPTIONS                                                                    \
	{"code", 0, "CODE", "short code, unique in the programme"},                       \
	{"description", 0, "TEXT", "what a participant can do at the end"},               \
	{"credits", 0, "ECTS", "what it is worth, such as 5 or 7.5"}

static const CliOption outcome_create_options[] = {
	PROGRAMME_OPTION,
	OUTCOME_OPTIONS,
	END_OPTIONS,
};

static const Call outcome_create_call = {
	.request = RQ(CREATE_LEARNING_OUTCOME),
	.reply = RS(LEARNING_OUTCOME),
	.object = "outcome",
	.required = "programme code description",
};

static const Command outcome_create = {
	.name = "create",
	.summary = "Add a learning outcome to a programme",
	.usage = "--programme ID --code CODE --description TEXT [--credits ECTS]",
	.description = "Modules name the outcomes they cover with --outcome; participants may\n"
		       "claim an outcome from prior learning ('triad prior-learning claim').\n",
	.options = outcome_create_options,
	.handler = call_run,
	.ctx = &outcome_create_call,
};

CALL_SHOW(outcome_show, "learning outcome", RQ(GET_LEARNING_OUTCOME), RS(LEARNING_OUTCOME));

static const Call outcome_list_call = {
	.request = RQ(LIST_LEARNING_OUTCOMES),
	.reply = RS(LEARNING_OUTCOMES),
	.items = "learning outcomes",
	.columns = "id code credits description",
};

static const Command outcome_list = {
	.name = "list",
	.summary = "List learning outcomes",
	.usage = "[--programme ID] " LIST_PAGING_USAGE,
	.options = programme_list_options,
	.handler = call_run,
	.ctx = &outcome_list_call,
};

static const CliOption outcome_update_options[] = {
	OUTCOME_OPTIONS,
	END_OPTIONS,
};

static const Call outcome_update_call = {
	.request = RQ(UPDATE_LEARNING_OUTCOME),
	.reply = RS(LEARNING_OUTCOME),
	.object = "outcome",
	.fetch = RQ(GET_LEARNING_OUTCOME),
	.args = "id",
};

static const Command outcome_update = {
	.name = "update",
	.summary = "Change a learning outcome",
	.usage = "ID [OPTIONS]",
	.description = CALL_UPDATE_HELP,
	.options = outcome_update_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &outcome_update_call,
};

CALL_DELETE(outcome_delete, "learning outcome", RQ(DELETE_LEARNING_OUTCOME),
	    RS(LEARNING_OUTCOME), DELETE_HELP("a learning outcome"));

static const Command *const outcome_commands[] = {
	&outcome_create, &outcome_show, &outcome_list, &outcome_update, &outcome_delete, NULL,
};

const Command cmd_outcome = {
	.name = "outcome",
	.summary = "Add, change and look up the learning outcomes of a programme",
	.subcommands = outcome_commands,
};

/* ---- modules -------------------------------------------------------------- */

#define MODULE_OPTIONS                                                                     \
	{"code", 0, "CODE", "short code, unique in the programme, such as M1"},           \
	{"name", 0, "NAME", "the module's name"},                                         \
	{"kind", 0, "KIND", "core, elective, masterclass, internship or final"},          \
	{"sequence", 0, "N", "its place in the programme, from 1"},                       \
	{"credits", 0, "ECTS", "what it is worth, such as 5 or 7.5"},                      \
	{"mandatory-attendance", 0, NULL, "sessions must be attended to complete it"},    \
	{"cannot-be-missed", 0, NULL, "missing a session blocks the enrollment"},         \
	{"line", 0, "CODE", "a learning line it belongs to (repeatable)"},               \
	{"outcome", 0, "CODE", "a learning outcome it covers (repeatable)"},             \
	{"staff", 0, "NAME", "a lecturer or trainer (repeatable)"}

/* Options renamed for every module command. */
#define MODULE_FIELDS "mandatory-attendance=attendance_mandatory"

static const CliOption module_create_options[] = {
	PROGRAMME_OPTION,
	MODULE_OPTIONS,
	END_OPTIONS,
};

static const Call module_create_call = {
	.request = RQ(CREATE_MODULE),
	.reply = RS(MODULE),
	.object = "module",
	.fields = MODULE_FIELDS,
	.required = "programme code name",
};

static const Command module_create = {
	.name = "create",
	.summary = "Add a module to a programme",
	.usage = "--programme ID --code CODE --name NAME [OPTIONS]",
	.description =
		"Example:\n"
		"  triad module create --programme ID --code M1 --name 'Leadership'\n"
		"      --kind core --sequence 1 --credits 7.5 --cannot-be-missed\n"
		"      --line PD --outcome LO1 --staff 'Prof. A. Jansen'\n"
		"\n"
		"Core modules come first; elective and masterclass modules require the\n"
		"core. Set other prerequisites with 'triad module require'.\n",
	.options = module_create_options,
	.handler = call_run,
	.ctx = &module_create_call,
};

CALL_SHOW(module_show, "module", RQ(GET_MODULE), RS(MODULE));

static const Call module_list_call = {
	.request = RQ(LIST_MODULES),
	.reply = RS(MODULES),
	.items = "modules",
	.columns = "id sequence code name kind credits",
};

static const Command module_list = {
	.name = "list",
	.summary = "List modules",
	.usage = "[--programme ID] " LIST_PAGING_USAGE,
	.options = programme_list_options,
	.handler = call_run,
	.ctx = &module_list_call,
};

static const CliOption module_update_options[] = {
	MODULE_OPTIONS,
	{"no-mandatory-attendance", 0, NULL, "sessions need not be attended"},
	{"no-cannot-be-missed", 0, NULL, "missing a session does not block"},
	END_OPTIONS,
};

static const Call module_update_call = {
	.request = RQ(UPDATE_MODULE),
	.reply = RS(MODULE),
	.object = "module",
	.fetch = RQ(GET_MODULE),
	.args = "id",
	.fields = MODULE_FIELDS,
};

static const Command module_update = {
	.name = "update",
	.summary = "Change a module",
	.usage = "ID [OPTIONS]",
	.description = CALL_UPDATE_HELP,
	.options = module_update_options,
	.min_args = 1,
	.max_args = 1,
	.handler = call_run,
	.ctx = &module_update_call,
};

CALL_DELETE(module_delete, "module", RQ(DELETE_MODULE), RS(MODULE),
	    DELETE_HELP("a module with enrollments"));

static const Call module_require_call = {
	.request = RQ(ADD_PREREQUISITE),
	.reply = RS(MODULE),
	.args = "module_id required_module_id",
};

static const Command module_require = {
	.name = "require",
	.summary = "Make a module require another one first",
	.usage = "MODULE REQUIRED_MODULE",
	.description = "Both modules must be in the same programme. A prerequisite that would\n"
		       "close a circle is refused, naming the circle.\n",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &module_require_call,
};

static const Call module_unrequire_call = {
	.request = RQ(REMOVE_PREREQUISITE),
	.reply = RS(MODULE),
	.args = "module_id required_module_id",
};

static const Command module_unrequire = {
	.name = "unrequire",
	.summary = "Take a prerequisite away",
	.usage = "MODULE REQUIRED_MODULE",
	.min_args = 2,
	.max_args = 2,
	.handler = call_run,
	.ctx = &module_unrequire_call,
};

static const Command *const module_commands[] = {
	&module_create, &module_show,    &module_list,      &module_update,
	&module_delete, &module_require, &module_unrequire, NULL,
};

const Command cmd_module = {
	.name = "module",
	.summary = "Add, change and look up modules and their prerequisites",
	.subcommands = module_commands,
};
