/*
 * commands.h: the commands this program knows, each defined in a cmd_*.c
 * file next to its handler and listed in the table in main.c.
 */
#ifndef TRIAD_CLIENT_COMMANDS_H
#define TRIAD_CLIENT_COMMANDS_H

#include "cli.h"

/* cmd_assessment.c */
extern const Command cmd_assignment;
extern const Command cmd_submission;
extern const Command cmd_assessment;
extern const Command cmd_completion;
extern const Command cmd_certificate_check; /* a subcommand of cmd_certificate */
extern const Command cmd_transcript;

/* cmd_audit.c */
extern const Command cmd_audit;

/* cmd_catalogue.c */
extern const Command cmd_programme;
extern const Command cmd_line;
extern const Command cmd_outcome;
extern const Command cmd_module;

/* cmd_certificate.c */
extern const Command cmd_certificate;

/* cmd_community.c */
extern const Command cmd_community;
extern const Command cmd_question;
extern const Command cmd_board;

/* cmd_enrollment.c */
extern const Command cmd_cohort;
extern const Command cmd_run;
extern const Command cmd_enroll;
extern const Command cmd_enrollment;
extern const Command cmd_waitlist;
extern const Command cmd_attendance;
extern const Command cmd_prior_learning;
extern const Command cmd_progress;

/* cmd_event.c */
extern const Command cmd_event;
extern const Command cmd_alumni;
extern const Command cmd_ambassador;

/* cmd_stream.c */
extern const Command cmd_events;
extern const Command cmd_webhook;

/* cmd_feedback.c */
extern const Command cmd_coachees;
extern const Command cmd_feedback;

/* cmd_grant.c */
extern const Command cmd_grant;

/* cmd_help.c */
extern const Command cmd_help;

/* cmd_institution.c */
extern const Command cmd_institution;

/* cmd_internship.c */
extern const Command cmd_internship;
extern const Command cmd_document;
extern const Command cmd_intervision;

/* cmd_invite.c */
extern const Command cmd_invite;

/* cmd_journey.c */
extern const Command cmd_journey;
extern const Command cmd_conversation;
extern const Command cmd_logbook;
extern const Command cmd_timeline;

/* cmd_report.c */
extern const Command cmd_report;

/* cmd_login.c */
extern const Command cmd_login;
extern const Command cmd_logout;
extern const Command cmd_whoami;

/* cmd_me.c */
extern const Command cmd_me;

/* cmd_self.c: `triad me` without a command, the summary */
int me_summary_run(Client *c, const Command *cmd, const CliArgs *args);

/* cmd_notification.c */
extern const Command cmd_notification;

/* cmd_org.c */
extern const Command cmd_org;

/* cmd_person.c */
extern const Command cmd_person;

/* cmd_self.c */
extern const Command cmd_me;

/* cmd_session.c */
extern const Command cmd_ping;
extern const Command cmd_version;
/* `triad --version`: this client's version, without asking the server. */
int version_print_client(Client *c);

/* cmd_token.c */
extern const Command cmd_token;

/* cmd_triangle.c */
extern const Command cmd_partner;
extern const Command cmd_agreement;
extern const Command cmd_relation;
extern const Command cmd_consent;
extern const Command cmd_employer;
extern const Command cmd_judgement;

#endif
