/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-mailer: delivers the email outbox. Web requests try each message once right after
 * their commit; this daemon sends what they could not, with backoff (lib/mail.c), and hands
 * back rows a dead process left in 'sending'. Any number of mailers may run against one
 * database (one per node is plenty): claiming a row is atomic.
 *
 *   tessera-mailer [--once] [--interval SECONDS]
 *
 * --once runs one pass and exits (cron, tests); otherwise it loops, sleeping --interval
 * seconds (5) when there was nothing (more) to send. SIGTERM or SIGINT: finish the message in
 * hand, exit 0. Logs go to stderr; they name outbox ids and errors, never an address or body. */
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/mail.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 20

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* No SA_RESTART: the signal cuts the sleep short. */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int usage(void)
{
	fprintf(stderr, "usage: tessera-mailer [--once] [--interval SECONDS]\n");
	return 2;
}

static int parse_args(int argc, char **argv, bool *once, long *interval)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		if (!strcmp(argv[i], "--once")) {
			*once = true;
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			*interval = strtol(argv[++i], &end, 10);
			if (*end || *interval < 1 || *interval > 3600)
				return -1;
		} else {
			return -1;
		}
	}
	return 0;
}

static void pause_for(long seconds)
{
	struct timespec ts = { .tv_sec = seconds };
	while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One pass: everything due, batch after batch. -1 when the database failed. */
static int pass(void)
{
	int n;
	do
		n = mail_deliver_due_until(BATCH, &stop);
	while (n == BATCH && !stop);
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	bool once = false;
	long interval = 5;
	char err[512];
	if (parse_args(argc, argv, &once, &interval) < 0)
		return usage();
	log_set_program("tessera-mailer");
	if (config_load(err, sizeof err) < 0) {
		log_error("configuration: %s", err);
		return 1;
	}
	setup_signals();
	if (!once)
		log_info("started (every %ld s, at most %d attempts per message)", interval, cfg.mail_max_attempts);
	bool was_down = false;
	int rc = 0;
	while (!stop) {
		rc = pass();
		/* One line when the database goes away and one when it is back, not one per pass. */
		if ((rc < 0) != was_down)
			log_info("database %s", rc < 0 ? "unreachable: retrying" : "reachable again");
		was_down = rc < 0;
		if (once)
			break;
		pause_for(interval);
	}
	if (!once)
		log_info("stopped");
	db_close();
	config_free();
	return rc < 0 ? 1 : 0;
}
