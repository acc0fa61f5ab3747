/* mail: transactional email through the outbox (issue 4).
 *
 * A message is rendered from a template (the project's override in email_template, else
 * <templates_dir>/email/<name>.subject, .txt and .html) and written to email_outbox by
 * mail_enqueue, inside the caller's transaction: the invite, the reset request and its email
 * commit together or not at all. After the commit the caller calls mail_deliver, which tries
 * SMTP once (libcurl); a failure leaves the row pending for bin/tessera-mailer, which retries
 * with backoff and records the final status. Delivery never fails the request.
 *
 * Templates see the caller's vars plus "brand" (the project's brand name, else "Tessera"),
 * "app_base_url" and "recipient_name". The HTML part is escaped like the pages; the text part
 * and the subject are not (they are not HTML), but no header may carry CR or LF. */
#ifndef TESSERA_MAIL_H
#define TESSERA_MAIL_H
#include <jansson.h>

struct mail_message {
	const char *project_id;    /* for the template override and the brand; may be NULL */
	const char *template_name; /* invite, invite-existing, reset, welcome, verify-email */
	const char *to_address;
	const char *to_name;       /* display name; may be NULL */
	json_t *vars;              /* template values; only read */
};

/* Renders and inserts one outbox row; id_out receives its id. Returns 0, 1 when the message
 * is refused (an address or name with CR, LF or NUL, an invalid address, an unknown template),
 * -1 on a database or rendering failure. */
int mail_enqueue(const struct mail_message *m, char id_out[37]);

/* One delivery attempt of a pending outbox row (call after the commit). Returns 0 when sent,
 * 1 when it stays pending (or failed for good), -1 on a database failure. */
int mail_deliver(const char *outbox_id);

/* Delivers every due row (the mailer's loop body). Returns how many were sent, -1 on a
 * database failure. */
int mail_deliver_due(int limit);

#endif
