/* SPDX-License-Identifier: BSD-2-Clause */
/* mail: transactional email through the outbox (issue 4).
 *
 * A message is rendered from a template (the project's override in email_template, else
 * <templates_dir>/email/<name>.subject, .txt and .html) and written to email_outbox by
 * mail_enqueue, inside the caller's transaction: the invite, the reset request and its email
 * commit together or not at all. After the commit the caller calls mail_deliver, which tries
 * SMTP once (libcurl); a failure leaves the row pending for bin/tessera-mailer, which retries
 * with backoff and records the final status. Delivery never fails the request.
 *
 * Templates never see a raw secret: messages with a security request's link get it as
 * {{link}} (secreq_link, under app_base_url). A project's override of such a template must show
 * the link (checked when it is stored; one that does not is skipped for the file).
 *
 * Templates see the caller's vars plus "brand" (the project's brand name, else "Tessera"),
 * "app_base_url", "recipient_name" and, with a project, "project_name"; these four come from
 * trusted sources and win over a caller's var of the same name. The HTML part is escaped like
 * the pages; the text part and the subject are not (they are not HTML), but no header may
 * carry CR or LF. File templates wrap <name>.html in <templates_dir>/email/layout.html; a
 * project's body_html is used as it is (a whole document), and without one the HTML part is
 * the text part, escaped, in <pre>.
 *
 * Delivery is at least once: a row is claimed (status 'sending') with one conditional UPDATE,
 * so two mailers or web nodes never send it at the same time; a row left in 'sending' by a
 * process that died goes back to pending after MAIL_STALE_SECONDS and may then be sent twice
 * (same Message-ID). A failed attempt waits mail_backoff_seconds(attempts) before the next;
 * after mail_max_attempts the row is 'failed'. Once sent, the bodies are emptied: the links in
 * them carry secrets that have no business staying in the database. */
#ifndef TESSERA_MAIL_H
#define TESSERA_MAIL_H
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>

struct mail_message {
	const char *project_id;    /* for the template override and the brand; may be NULL */
	const char *template_name; /* invite, invite-existing, reset, welcome, verify-email */
	const char *to_address;
	const char *to_name;       /* display name; may be NULL */
	json_t *vars;              /* template values; only read */
	bool files_only;           /* never the project's override (a link the project must not see) */
	const char *brand;         /* the project's brand ({{brand}}); NULL: "Tessera" */
	const char *project_name;  /* {{project_name}}; may be NULL */
};

/* The templates a project admin may override (PUT …/email-templates/:name). */
bool mail_template_overridable(const char *name);
/* The templates whose default carries {{link}} (invite, reset, verify-email): an override of
 * one must show it too. */
bool mail_template_needs_link(const char *name);
/* Whether a template source (HTML-escaped or text) shows {{link}} when only the link is set:
 * a {{link}} in a comment or in a section of another name does not count. */
bool mail_template_renders_link(const char *source, bool html);

/* The message mail_enqueue would write, rendered and not written (the admin pages' preview):
 * 0 (the three parts, the caller frees them), 1 refused, -1. */
int mail_preview(const struct mail_message *m, char **subject, char **text, char **html);
/* The shipped sources of a template (<templates_dir>/email/<name>.subject and .txt), at most
 * 64 KiB each, to start an override from: 0 (the caller frees them), 1 no such template, -1. */
int mail_template_files(const char *name, char **subject, char **text);

struct db_result;
/* The outbox for super admins: rows status, count, age in seconds of the oldest, by status. 0 or -1. */
int mail_outbox_counts(struct db_result *out);
/* One message's row: status, last_error ('' for none); no row when there is no such message.
 * 0 or -1 (tessera-admin mail send-test says what became of its message). */
int mail_outbox_status(const char *id, struct db_result *out);
/* The newest pending and failed messages (at most 100), never a body: rows id, created (UTC),
 * status, template, recipient, attempts, last_error, next attempt (UTC). 0 or -1. */
int mail_outbox_open(struct db_result *out);
/* After an outage or a fix: pending messages due now, failed ones pending again with their
 * attempts reset; one message (id) or all (NULL). The counts of each. 0 or -1. */
int mail_outbox_retry(const char *id, unsigned long long *pending, unsigned long long *failed);

/* Renders and inserts one outbox row; id_out receives its id. Returns 0, 1 when the message
 * is refused (an address or name with CR, LF or NUL, an invalid address, an unknown template),
 * -1 on a database or rendering failure. */
int mail_enqueue(const struct mail_message *m, char id_out[37]);

/* One delivery attempt of a pending outbox row (call after the commit). Returns 0 when sent,
 * 1 when it stays pending (or failed for good), -1 on a database failure. */
int mail_deliver(const char *outbox_id);

/* Delivers every due row (the mailer's loop body), at most limit of them, with the mailer's
 * longer SMTP timeouts; first hands stale 'sending' rows back. Returns how many were sent,
 * -1 on a database failure. */
int mail_deliver_due(int limit);

/* mail_deliver_due that also stops before the next row once *stop is non-zero (the mailer's
 * SIGTERM flag), so a shutdown waits for one SMTP attempt at most. */
int mail_deliver_due_until(int limit, volatile sig_atomic_t *stop);

/* A row left in 'sending' this long belongs to a process that died: far longer than any
 * attempt can last (SMTP_LIMITS_MAILER allows 60 s). */
#define MAIL_STALE_SECONDS 600

/* Seconds to wait after the attempts-th failed attempt (1, 2, ...): 30 s doubling, capped at
 * one hour. */
long mail_backoff_seconds(int attempts);

/* tessera-admin purge: deletes the messages sent more than keep seconds ago. The number
 * deleted, or -1. */
long long mail_purge_sent(long long keep);

#endif
