/*
 * commands.h: the commands this program knows, each defined in a cmd_*.c
 * file next to its handler and listed in the table in main.c.
 */
#ifndef TRIAD_CLIENT_COMMANDS_H
#define TRIAD_CLIENT_COMMANDS_H

#include "cli.h"

/* cmd_help.c */
extern const Command cmd_help;

/* cmd_session.c */
extern const Command cmd_ping;
extern const Command cmd_version;

#endif
