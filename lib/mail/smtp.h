/* SPDX-License-Identifier: BSD-2-Clause */
/* smtp: hands one finished message to the configured SMTP server with libcurl.
 *
 * smtp_url smtp://host:port upgrades to TLS with STARTTLS when the server offers it
 * (CURLUSESSL_TRY); smtps://host:465 is TLS from the start. AUTH uses smtp_user and
 * smtp_password when smtp_user is set. The timeouts bound how long a dead or slow server can
 * hold the caller: a web request passes short ones, the mailer longer ones. */
#ifndef TESSERA_SMTP_H
#define TESSERA_SMTP_H
#include <stddef.h>

struct smtp_limits {
	long connect_ms; /* TCP and TLS connection set-up */
	long total_ms;   /* the whole transaction */
};

/* Request handlers: a dead server costs a request at most about ten seconds. */
#define SMTP_LIMITS_REQUEST ((struct smtp_limits){ 3000, 10000 })
/* The mailer has time: big messages over slow links. */
#define SMTP_LIMITS_MAILER ((struct smtp_limits){ 10000, 60000 })

/* Sends message (CRLF line ends, headers included) from envelope address `from` to `to`.
 * Returns 0 when the server accepted it, -1 with a short reason in err (libcurl's error text
 * and the SMTP reply code: never a credential, never the message). */
int smtp_send(const char *from, const char *to, const char *message, size_t len, struct smtp_limits limits,
	      char *err, size_t errlen);

#endif
