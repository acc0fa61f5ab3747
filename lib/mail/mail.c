/* SPDX-License-Identifier: BSD-2-Clause */
/* mail: the outbox. Rendering and enqueueing run inside the caller's transaction; delivery
 * claims a row, builds the message (lib/mime.c), sends it (lib/smtp.c) and records the
 * outcome, each step one autocommitted statement. */
#include "mail/mail.h"
#include "mail/overrides.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/mime.h"
#include "mail/smtp.h"
#include "core/template.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST 30
#define BACKOFF_CAP 3600
#define SUBJECT_MAX 998   /* the email_outbox.subject column, and RFC 5322's line limit */
#define NAME_MAX_LEN 255  /* the email_outbox.recipient_name column */
#define TEMPLATE_NAME_MAX 64

/* The HTML part of a project template that has only a text body. */
static const char PLAIN_HTML[] = "<!DOCTYPE html>\n<html><body><pre>{{text}}</pre></body></html>\n";

struct rendered {
	char *subject, *text, *html;
};

static void rendered_free(struct rendered *r)
{
	free(r->subject);
	free(r->text);
	free(r->html);
	*r = (struct rendered){ 0 };
}

long mail_backoff_seconds(int attempts)
{
	long wait = BACKOFF_FIRST;
	for (int i = 1; i < attempts && wait < BACKOFF_CAP; i++)
		wait *= 2;
	return wait < BACKOFF_CAP ? wait : BACKOFF_CAP;
}

/* ---- rendering ---- */

/* Template names become file names: lower-case letters, digits and '-' only. */
static bool template_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > TEMPLATE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

/* 0 when the message may be rendered, 1 when it is refused (logged without the values). */
static int check_message(const struct mail_message *m)
{
	const char *why = NULL;
	if (!template_name_valid(m->template_name))
		why = "invalid template name";
	else if (!mime_address_valid(m->to_address))
		why = "invalid recipient address";
	else if (m->to_name && (!mime_header_safe(m->to_name) || strlen(m->to_name) > NAME_MAX_LEN))
		why = "recipient name with a control character or too long";
	else if (m->project_id && !crypto_is_uuid(m->project_id))
		why = "invalid project id";
	if (why)
		log_error("mail refused: %s", why);
	return why ? 1 : 0;
}

/* The project's brand (else "Tessera") and name into vars: the sender (domain/mailing.c) read
 * them with the project. */
static void add_project_vars(const struct mail_message *m, json_t *vars)
{
	json_object_set_new(vars, "brand", json_string(m->brand && *m->brand ? m->brand : "Tessera"));
	if (m->project_name)
		json_object_set_new(vars, "project_name", json_string(m->project_name));
}

/* The caller's vars with ours on top. NULL when out of memory. */
static json_t *template_vars(const struct mail_message *m)
{
	json_t *vars = json_is_object(m->vars) ? json_deep_copy(m->vars) : json_object();
	if (vars) {
		json_object_set_new(vars, "app_base_url", json_string(cfg.app_base_url));
		json_object_set_new(vars, "recipient_name", json_string(m->to_name ? m->to_name : ""));
	}
	return vars;
}

/* Subject files end in a newline: trailing white space goes. A line break inside stays, to be
 * refused (a var that carries one must not start a header of its own). */
static void subject_trim(char *s)
{
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	s[n] = '\0';
}

static char *plain_html(const char *text)
{
	json_t *ctx = json_pack("{s:s}", "text", text);
	char *html = ctx ? template_render(PLAIN_HTML, ctx, NULL) : NULL;
	json_decref(ctx);
	return html;
}

bool mail_template_overridable(const char *name)
{
	static const char *const names[] = { "invite", "invite-existing", "reset", "welcome", "verify-email", NULL };
	for (int i = 0; name && names[i]; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

bool mail_template_needs_link(const char *name)
{
	return name && (!strcmp(name, "invite") || !strcmp(name, "reset") || !strcmp(name, "verify-email"));
}

/* Whether rendered output shows the link: the text as it is, the HTML escaped. */
static bool shows_link(const char *out, const char *link, bool html)
{
	if (!html)
		return strstr(out, link) != NULL;
	json_t *ctx = json_pack("{s:s}", "link", link);
	char *escaped = ctx ? template_render("{{link}}", ctx, NULL) : NULL;
	bool shown = escaped && strstr(out, escaped);
	free(escaped);
	json_decref(ctx);
	return shown;
}

bool mail_template_renders_link(const char *source, bool html)
{
	/* Letters and digits only: the HTML escaping leaves them as they are. */
	static const char probe[] = "tesseraLinkProbe7c1f";
	json_t *ctx = json_pack("{s:s}", "link", probe);
	char *out = ctx ? (html ? template_render(source, ctx, NULL) : template_render_text(source, ctx, NULL)) : NULL;
	bool shown = out && strstr(out, probe);
	free(out);
	json_decref(ctx);
	return shown;
}

/* A link message whose override lost its link (a row stored before overrides were checked):
 * the caller falls back to the files, so the person still gets a working email. */
static bool override_lost_link(const char *name, const struct rendered *out, json_t *vars)
{
	const char *link = json_string_value(json_object_get(vars, "link"));
	return mail_template_needs_link(name) && link &&
	       (!shows_link(out->text, link, false) || !shows_link(out->html, link, true));
}

/* The project's override: 0 rendered, 1 none (or not to be used), -1 failure. */
static int render_override(const char *project_id, const char *name, json_t *vars, struct rendered *out)
{
	struct db_result r;
	if (!project_id)
		return 1;
	if (overrides_get(project_id, name, &r) < 0)
		return -1;
	int rc = r.nrows ? 0 : 1;
	const char *err = "out of memory";
	if (rc == 0) {
		out->subject = template_render_text(db_cell(&r, 0, 1), vars, &err);
		out->text = out->subject ? template_render_text(db_cell(&r, 0, 2), vars, &err) : NULL;
		const char *html = db_cell(&r, 0, 3);
		if (out->text)
			out->html = html ? template_render(html, vars, &err) : plain_html(out->text);
		if (!out->html) {
			log_error("mail: project template %s of project %s: %s", name, project_id, err);
			rc = -1;
		} else if (override_lost_link(name, out, vars)) {
			log_error("mail: project template %s of project %s shows no {{link}}: the file is used", name,
				  project_id);
			rendered_free(out);
			rc = 1;
		}
	}
	db_result_free(&r);
	return rc;
}

/* The files <templates_dir>/email/<name>.subject, .txt and .html: 0, 1 unknown, -1 failure. */
static int render_files(const char *name, json_t *vars, struct rendered *out)
{
	char dir[4096], file[TEMPLATE_NAME_MAX + 16], probe[sizeof dir + sizeof file];
	snprintf(dir, sizeof dir, "%s/email", cfg.templates_dir);
	snprintf(file, sizeof file, "%s.subject", name);
	snprintf(probe, sizeof probe, "%s/%s", dir, file);
	if (access(probe, R_OK) != 0) {
		log_error("mail refused: no template %s in %s", name, dir);
		return 1;
	}
	const char *err = "out of memory";
	out->subject = template_render_file(dir, file, vars, false, &err);
	snprintf(file, sizeof file, "%s.txt", name);
	out->text = out->subject ? template_render_file(dir, file, vars, false, &err) : NULL;
	out->html = out->text ? template_render_page(dir, name, vars, &err) : NULL;
	if (!out->html) {
		log_error("mail: template %s: %s", name, err);
		return -1;
	}
	return 0;
}

static int render(const struct mail_message *m, struct rendered *out)
{
	json_t *vars = template_vars(m);
	int rc = vars ? 0 : -1;
	if (vars)
		add_project_vars(m, vars);
	if (rc == 0)
		rc = m->files_only ? 1 : render_override(m->project_id, m->template_name, vars, out);
	if (rc == 1)
		rc = render_files(m->template_name, vars, out);
	json_decref(vars);
	if (rc == 0) {
		subject_trim(out->subject);
		if (!mime_header_safe(out->subject) || strlen(out->subject) > SUBJECT_MAX) {
			log_error("mail refused: the subject of %s has a control character or is too long", m->template_name);
			rc = 1;
		}
	}
	return rc;
}

int mail_preview(const struct mail_message *m, char **subject, char **text, char **html)
{
	struct rendered r = { 0 };
	int rc = check_message(m);
	if (rc == 0)
		rc = render(m, &r);
	if (rc != 0) {
		rendered_free(&r);
		return rc;
	}
	*subject = r.subject;
	*text = r.text;
	*html = r.html;
	return 0;
}

static char *read_source(const char *name, const char *ext)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/email/%s%s", cfg.templates_dir, name, ext);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(65537);
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

int mail_template_files(const char *name, char **subject, char **text)
{
	if (!template_name_valid(name))
		return 1;
	*subject = read_source(name, ".subject");
	*text = *subject ? read_source(name, ".txt") : NULL;
	if (*text) {
		subject_trim(*subject);
		return 0;
	}
	free(*subject);
	*subject = NULL;
	return 1;
}

int mail_outbox_counts(struct db_result *out)
{
	return db_query(out,
			"SELECT status, COUNT(*), COALESCE(TIMESTAMPDIFF(SECOND, MIN(created_at), UTC_TIMESTAMP(3)), 0) "
			"FROM email_outbox GROUP BY status ORDER BY status",
			"");
}

int mail_outbox_status(const char *id, struct db_result *out)
{
	return db_query(out, "SELECT status, COALESCE(last_error, '') FROM email_outbox WHERE id = ?", "s", id);
}

int mail_outbox_open(struct db_result *out)
{
	return db_query(out,
			"SELECT id, DATE_FORMAT(created_at, '%Y-%m-%d %H:%i:%s'), status, template, recipient, attempts, "
			"last_error, DATE_FORMAT(next_attempt_at, '%Y-%m-%d %H:%i:%s') FROM email_outbox "
			"WHERE status IN ('pending', 'failed', 'sending') ORDER BY created_at DESC LIMIT 100",
			"");
}

int mail_outbox_retry(const char *id, unsigned long long *pending, unsigned long long *failed)
{
	*pending = *failed = 0;
	if (db_exec(pending,
		    "UPDATE email_outbox SET next_attempt_at = UTC_TIMESTAMP(3) "
		    "WHERE status = 'pending' AND next_attempt_at > UTC_TIMESTAMP(3) AND (? IS NULL OR id = ?)",
		    "ss", id, id) < 0)
		return -1;
	return db_exec(failed,
		       "UPDATE email_outbox SET status = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(3) "
		       "WHERE status = 'failed' AND (? IS NULL OR id = ?)",
		       "ss", id, id);
}

int mail_enqueue(const struct mail_message *m, char id_out[37])
{
	struct rendered r = { 0 };
	int rc = check_message(m);
	if (rc == 0)
		rc = render(m, &r);
	if (rc == 0 && crypto_uuid_v4(id_out) < 0)
		rc = -1;
	if (rc == 0 &&
	    db_exec(NULL,
		    "INSERT INTO email_outbox (id, project_id, template, recipient, recipient_name, subject, body_text, "
		    "body_html) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		    "ssssssss", id_out, m->project_id, m->template_name, m->to_address, m->to_name, r.subject, r.text,
		    r.html) < 0)
		rc = -1;
	rendered_free(&r);
	return rc;
}

/* ---- delivery ---- */

/* This process's claims carry its own random id (claimed_by): only the holder of a row's
 * claim records its outcome. */
static const char *claimant(void)
{
	static char id[37];
	if (!id[0] && crypto_uuid_v4(id) < 0)
		return NULL;
	return id;
}

/* Takes a due pending row for this process, for MAIL_STALE_SECONDS (the lease): 1 when this
 * process won it, 0 when it is not due, not pending or another process was faster, -1 on a
 * database failure. The conditional UPDATE is the arbiter: InnoDB re-reads the row under its
 * lock, so exactly one claimant changes it; on a Galera cluster the claimants on other nodes
 * lose certification (error 1213 once wsrep_retry_autocommit's retries found the row taken):
 * a lost race as well, not a failure. */
static int claim(const char *id)
{
	unsigned long long n = 0;
	const char *me = claimant();
	if (!me)
		return -1;
	if (db_exec(&n,
		    "UPDATE email_outbox SET status = 'sending', claimed_at = UTC_TIMESTAMP(3), claimed_by = ? "
		    "WHERE id = ? AND status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(3)",
		    "ss", me, id) < 0)
		return db_deadlock() ? 0 : -1;
	return n == 1;
}

static int record_sent(const char *id, int attempts)
{
	return db_exec(NULL,
		       "UPDATE email_outbox SET status = 'sent', sent_at = UTC_TIMESTAMP(3), attempts = ?, claimed_at = NULL, "
		       "claimed_by = NULL, last_error = NULL, body_text = '', body_html = NULL "
		       "WHERE id = ? AND status = 'sending' AND claimed_by = ?",
		       "iss", (long long)attempts, id, claimant());
}

static int record_failure(const char *id, int attempts, const char *error)
{
	bool final = attempts >= cfg.mail_max_attempts;
	long wait = mail_backoff_seconds(attempts);
	if (final)
		log_error("mail %s failed for good after %d attempts: %s", id, attempts, error);
	else
		log_error("mail %s not sent (attempt %d of %d, next in %ld s): %s", id, attempts, cfg.mail_max_attempts,
			  wait, error);
	return db_exec(NULL,
		       "UPDATE email_outbox SET status = ?, attempts = ?, next_attempt_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND, "
		       "claimed_at = NULL, claimed_by = NULL, last_error = ? WHERE id = ? AND status = 'sending' AND claimed_by = ?",
		       "siisss", final ? "failed" : "pending", (long long)attempts, (long long)wait, error, id, claimant());
}

/* Builds and sends the claimed row r (recipient, recipient_name, subject, body_text,
 * body_html). 0 sent, -1 with the reason in err. */
static int send_row(const char *id, const struct db_result *r, struct smtp_limits limits, char *err, size_t errlen)
{
	char from_name[256], from_addr[MIME_ADDRESS_MAX + 1];
	if (mime_parse_mailbox(cfg.smtp_from, from_name, sizeof from_name, from_addr) < 0) {
		snprintf(err, errlen, "smtp_from is not a valid \"Name <address>\"");
		return -1;
	}
	struct mime_message m = {
		.from_name = from_name, .from_addr = from_addr, .to_addr = db_cell(r, 0, 0), .to_name = db_cell(r, 0, 1),
		.subject = db_cell(r, 0, 2), .text = db_cell(r, 0, 3), .html = db_cell(r, 0, 4), .message_id = id,
		.date = time(NULL),
	};
	size_t len = 0;
	char *msg = mime_build(&m, &len);
	if (!msg) {
		snprintf(err, errlen, "the message could not be built (a header value was refused)");
		return -1;
	}
	int rc = smtp_send(from_addr, m.to_addr, msg, len, limits, err, errlen);
	free(msg);
	return rc;
}

/* One attempt at row id: 0 sent, 1 not sent (or not ours to send), -1 database failure. */
static int attempt(const char *id, struct smtp_limits limits)
{
	int won = claim(id);
	if (won <= 0)
		return won < 0 ? -1 : 1;
	struct db_result r;
	if (db_query(&r,
		     "SELECT recipient, recipient_name, subject, body_text, body_html, attempts FROM email_outbox WHERE id = ?",
		     "s", id) < 0)
		return -1; /* left in 'sending': handed back after MAIL_STALE_SECONDS */
	int rc = -1;
	if (r.nrows == 1) {
		char err[256];
		int attempts = atoi(db_cell(&r, 0, 5)) + 1;
		bool sent = send_row(id, &r, limits, err, sizeof err) == 0;
		if (sent)
			log_info("mail %s sent (attempt %d)", id, attempts);
		rc = sent ? record_sent(id, attempts) : record_failure(id, attempts, err);
		if (rc == 0 && !sent)
			rc = 1;
	}
	db_result_free(&r);
	return rc;
}

int mail_deliver(const char *outbox_id)
{
	return attempt(outbox_id, SMTP_LIMITS_REQUEST);
}

/* Rows whose process died while sending go back to pending (or failed: the attempt counts,
 * so a message that kills its sender cannot loop forever). MariaDB assigns left to right, so
 * status is decided on the attempts before this one is added. */
static int release_stale(void)
{
	unsigned long long n = 0;
	if (db_exec(&n,
		    "UPDATE email_outbox SET status = IF(attempts + 1 >= ?, 'failed', 'pending'), attempts = attempts + 1, "
		    "claimed_at = NULL, claimed_by = NULL, next_attempt_at = UTC_TIMESTAMP(3), "
		    "last_error = 'interrupted while sending' "
		    "WHERE status = 'sending' AND claimed_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND",
		    "ii", (long long)cfg.mail_max_attempts, (long long)MAIL_STALE_SECONDS) < 0)
		return db_deadlock() ? 0 : -1; /* two mailers handing back the same rows: one did */
	if (n)
		log_error("mail: %llu message(s) left in 'sending' by a stopped process handed back", n);
	return 0;
}

int mail_deliver_due(int limit)
{
	return mail_deliver_due_until(limit, NULL);
}

int mail_deliver_due_until(int limit, volatile sig_atomic_t *stop)
{
	struct db_result r;
	if (release_stale() < 0 ||
	    db_query(&r,
		     "SELECT id FROM email_outbox WHERE status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(3) "
		     "ORDER BY next_attempt_at LIMIT ?",
		     "i", (long long)limit) < 0)
		return -1;
	int sent = 0, rc = 0;
	for (unsigned i = 0; i < r.nrows && rc >= 0 && !(stop && *stop); i++) {
		rc = attempt(db_cell(&r, i, 0), SMTP_LIMITS_MAILER);
		sent += rc == 0;
	}
	db_result_free(&r);
	return rc < 0 ? -1 : sent;
}

long long mail_purge_sent(long long keep)
{
	return db_purge("DELETE FROM email_outbox WHERE status = 'sent' AND sent_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND "
			"LIMIT " DB_PURGE_BATCH_TEXT,
			keep);
}
