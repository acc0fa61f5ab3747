/* SPDX-License-Identifier: BSD-2-Clause */
/* smtp: one SMTP transaction per message with libcurl (which does EHLO, STARTTLS, AUTH and
 * the dot-stuffing of DATA). A new handle per message keeps no state between requests. */
#include "mail/smtp.h"
#include "core/config.h"

#include <curl/curl.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct upload {
	const char *data;
	size_t len, off;
};

static size_t read_message(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct upload *u = userdata;
	size_t room = size * nitems, n = u->len - u->off;
	if (n > room)
		n = room;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

static int global_init(void)
{
	static bool done;
	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		done = true;
	return done ? 0 : -1;
}

static void set_options(CURL *c, const char *envelope_from, struct curl_slist *rcpt, struct upload *u,
			struct smtp_limits limits)
{
	curl_easy_setopt(c, CURLOPT_URL, cfg.smtp_url);
	/* smtp_url comes from the configuration, but nothing else should ever be fetched here. */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope_from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
	curl_easy_setopt(c, CURLOPT_READDATA, u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, limits.connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, limits.total_ms);
	/* No SIGALRM for DNS timeouts: a FastCGI program's signals are not libcurl's to take. */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (cfg.smtp_user && *cfg.smtp_user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, cfg.smtp_password);
	}
}

int smtp_send(const char *from, const char *to, const char *message, size_t len, struct smtp_limits limits,
	      char *err, size_t errlen)
{
	char envelope_from[400], envelope_to[400];
	snprintf(err, errlen, "out of memory");
	if (global_init() < 0)
		return -1;
	CURL *c = curl_easy_init();
	snprintf(envelope_from, sizeof envelope_from, "<%s>", from);
	snprintf(envelope_to, sizeof envelope_to, "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, envelope_to);
	if (!c || !rcpt) {
		curl_easy_cleanup(c);
		curl_slist_free_all(rcpt);
		return -1;
	}
	struct upload u = { message, len, 0 };
	set_options(c, envelope_from, rcpt, &u, limits);
	CURLcode rc = curl_easy_perform(c);
	long reply = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	/* libcurl's text for the code and the server's reply code only: the ERRORBUFFER can quote
	 * server replies, which are not ours to copy into logs and the database. */
	if (rc != CURLE_OK && reply)
		snprintf(err, errlen, "%s (SMTP reply %ld)", curl_easy_strerror(rc), reply);
	else if (rc != CURLE_OK)
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}
