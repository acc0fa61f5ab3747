/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-mail: tessera-admin mail send-test | status | retry — check outgoing mail, watch the
 * outbox, and make the backlog due again after the SMTP server is fixed. */
#include "admin.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "domain/mailing.h"
#include "mail/mail.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enqueues in a transaction of its own, as the web programs do, then tries delivery once. */
static int enqueue(struct mail_message *m, char id[37])
{
	if (db_begin() < 0)
		return -1;
	int rc = mailing_enqueue(m, id);
	if (rc != 0 || db_commit() < 0) {
		db_rollback();
		return rc ? rc : -1;
	}
	return 0;
}

static void print_outcome(const char *id, int delivered)
{
	struct db_result r;
	printf("outbox id: %s\n", id);
	if (delivered == 0) {
		printf("sent\n");
		return;
	}
	if (mail_outbox_status(id, &r) < 0)
		return;
	if (r.nrows == 1)
		printf("not sent (%s): %s\n", db_cell(&r, 0, 0), db_cell(&r, 0, 1));
	if (r.nrows == 1 && !strcmp(db_cell(&r, 0, 0), "pending"))
		printf("tessera-mailer retries it\n");
	db_result_free(&r);
}

static int cmd_send_test(int argc, char **argv)
{
	static const char *const known[] = { "--to", "--name", "--project", "--template", NULL };
	if (!options_ok(argc, argv, 3, known) || !option(argc, argv, "--to"))
		return admin_usage();
	const char *template = option(argc, argv, "--template");
	/* A sample {{link}} (templates with a link show where it goes), never a working one. */
	char link[4200];
	snprintf(link, sizeof link, "%sexample-link", cfg.app_base_url);
	json_t *vars = json_pack("{s:s}", "link", link);
	struct mail_message m = {
		.project_id = option(argc, argv, "--project"),
		.template_name = template ? template : "test",
		.to_address = option(argc, argv, "--to"),
		.to_name = option(argc, argv, "--name"),
		.vars = vars,
	};
	char id[37];
	int rc = vars ? enqueue(&m, id) : -1;
	json_decref(vars);
	if (rc != 0) {
		fprintf(stderr, "tessera-admin: %s\n", rc == 1 ? "message refused (see the log line above)"
							  : "could not queue the message");
		return rc == 1 ? 2 : 1;
	}
	int delivered = mail_deliver(id);
	print_outcome(id, delivered);
	return delivered == 0 ? 0 : 1;
}

static int cmd_status(void)
{
	struct db_result r;
	if (mail_outbox_counts(&r) < 0)
		return 1;
	long long counts[4] = { 0 }, oldest_pending = 0;
	static const char *const names[] = { "pending", "sending", "sent", "failed" };
	for (unsigned i = 0; i < r.nrows; i++)
		for (int k = 0; k < 4; k++)
			if (!strcmp(db_cell(&r, i, 0), names[k])) {
				counts[k] = strtoll(db_cell(&r, i, 1), NULL, 10);
				if (k == 0)
					oldest_pending = strtoll(db_cell(&r, i, 2), NULL, 10);
			}
	db_result_free(&r);
	for (int k = 0; k < 4; k++)
		printf("%s: %lld\n", names[k], counts[k]);
	printf("oldest pending: %lld s\n", oldest_pending);
	return 0;
}

/* After an SMTP outage or a configuration fix: every pending row due now, failed rows pending
 * again with their attempts reset. */
static int cmd_retry(void)
{
	unsigned long long pending = 0, failed = 0;
	if (mail_outbox_retry(NULL, &pending, &failed) < 0)
		return 1;
	printf("due now: %llu pending, %llu failed made pending again\n", pending, failed);
	return 0;
}

int cmd_mail(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[2], "send-test"))
		return cmd_send_test(argc, argv);
	if (argc == 3 && !strcmp(argv[2], "status"))
		return cmd_status();
	if (argc == 3 && !strcmp(argv[2], "retry"))
		return cmd_retry();
	return admin_usage();
}
