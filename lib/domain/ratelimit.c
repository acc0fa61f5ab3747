/* SPDX-License-Identifier: BSD-2-Clause */
/* ratelimit: per-IP windows, the 429 decision and the password delay (see ratelimit.h). */
#include "domain/ratelimit.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/db.h"
#include "core/emailfold.h"
#include "core/log.h"
#include "core/shmcount.h"
#include "http/request.h"
#include "http/response.h"
#include "core/text.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The pages that take passwords, emails and link secrets: the same guesses as the JSON
 * routes, so the same limit (Medplum has no such pages; it counts /auth/ and /oauth2/). */
static bool auth_page(const char *path)
{
	static const char *const pages[] = { "/signin", "/oauth", "/register", "/resetpassword", "/setpassword",
					     "/verifyemail", "/changepassword", NULL };
	for (const char *const *p = pages; *p; p++) {
		size_t n = strlen(*p);
		if (!strncmp(path, *p, n) && (path[n] == '\0' || path[n] == '/' || path[n] == '?'))
			return true;
	}
	return false;
}

enum rl_class ratelimit_class(const char *path)
{
	if (!path)
		return RL_OTHER;
	/* Medplum exempts exactly /auth/me: apps poll it, and it is counted as a normal request. */
	if (!strcmp(path, "/auth/me"))
		return RL_OTHER;
	if (!strncmp(path, "/auth/", 6) || !strncmp(path, "/oauth2/", 8) || auth_page(path))
		return RL_AUTH;
	return RL_OTHER;
}

size_t ratelimit_key(const char *ip, enum rl_class cls, char *out, size_t cap)
{
	int n = snprintf(out, cap, "ip:%c:%s", cls == RL_AUTH ? 'a' : 'o', ip ? ip : "");
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static int setting_int(json_t *s)
{
	json_t *v = json_object_get(s, "valueInteger");
	if (!v)
		v = json_object_get(s, "valueDecimal");
	double d = json_is_integer(v) ? (double)json_integer_value(v) : json_is_real(v) ? json_real_value(v) : 0;
	if (!(d >= 1 && d <= 2147483647.0) || d != floor(d))
		return 0;
	return (int)d;
}

void ratelimit_parse_settings(const char *text, struct rl_override *o)
{
	memset(o, 0, sizeof *o);
	if (!text || !*text)
		return;
	json_t *a = json_loads(text, 0, NULL);
	size_t i;
	json_t *s;
	json_array_foreach(a, i, s) {
		const char *name = json_string_value(json_object_get(s, "name"));
		if (!name)
			continue;
		if (!strcmp(name, "rateLimit"))
			o->rate_limit = setting_int(s);
		else if (!strcmp(name, "authRateLimit"))
			o->auth_rate_limit = setting_int(s);
		else if (!strcmp(name, "clientRateLimit"))
			o->client_rate_limit = setting_int(s);
	}
	json_decref(a);
}

long ratelimit_login_delay(int failures, int after, int max)
{
	if (after < 0 || failures < after || max <= 0)
		return 0;
	int shift = failures - after;
	if (shift >= 30)
		return max;
	long d = 1L << shift;
	return d < max ? d : max;
}

int ratelimit_start(void)
{
	/* Opened even with the per-IP limits off: the per-client limit (or a project's
	 * clientRateLimit) counts there too. */
	char err[300];
	if (shmcount_open(cfg.ratelimit_table, (unsigned)(cfg.ratelimit_buckets > 0 ? cfg.ratelimit_buckets : 0), err,
			  sizeof err) < 0) {
		log_error("rate limits: %s; requests go uncounted", err);
		return -1;
	}
	return 0;
}

/* A count that cannot be made (no table, or its key's buckets all taken by live keys) lets the
 * request go on uncounted: said once a minute per process. */
static void uncounted(const char *what)
{
	static long long said;
	long long now = shmcount_now_ms() / 60000;
	if (said != now) {
		said = now;
		log_error("rate limits: %s not counted (%s)", what,
			  shmcount_ready() ? "its buckets are all taken: raise ratelimit_buckets" : "no table");
	}
}

int ratelimit_count(struct request *req)
{
	memset(&req->rl, 0, sizeof req->rl);
	if (cfg.rate_limit < 0)
		return 0;
	enum rl_class cls = ratelimit_class(req->path);
	req->rl.auth_class = cls == RL_AUTH;
	req->rl.limit = cls == RL_AUTH ? cfg.auth_rate_limit : cfg.rate_limit;
	char key[96];
	size_t n = ratelimit_key(req->remote_addr, cls, key, sizeof key);
	struct shmcount c;
	if (shmcount_hit(key, n, shmcount_now_ms(), 0, &c) < 0) {
		uncounted("a request");
		return 0;
	}
	req->rl.counted = true;
	req->rl.hits = c.cur;
	req->rl.reset = (int)((SHMCOUNT_WINDOW_MS - c.now_ms % SHMCOUNT_WINDOW_MS + 999) / 1000);
	return 0;
}

int ratelimit_client_grant(const char *client_id, int limit, long long *wait_ms)
{
	*wait_ms = 0;
	if (limit <= 0)
		return 0;
	char key[64];
	int n = snprintf(key, sizeof key, "cc:%s", client_id);
	struct shmcount c;
	int rc = shmcount_hit(key, (size_t)n, shmcount_now_ms(), limit, &c);
	if (rc < 0) {
		uncounted("a client_credentials grant");
		return 0;
	}
	if (rc == 1)
		return 0;
	*wait_ms = shmcount_sliding_wait(&c, limit);
	if (*wait_ms <= 0)
		*wait_ms = 1;
	return 1;
}

void ratelimit_use_project(struct request *req, const struct rl_override *o)
{
	int v = req->rl.auth_class ? o->auth_rate_limit : o->rate_limit;
	if (v > 0)
		req->rl.limit = v;
}

bool ratelimit_exceeded(const struct request *req)
{
	return req->rl.counted && req->rl.limit >= 0 && req->rl.hits > req->rl.limit;
}

bool ratelimit_refuse(struct request *req)
{
	if (!ratelimit_exceeded(req))
		return false;
	response_rate_limited(req, req->rl.hits, req->rl.limit, (long long)req->rl.reset * 1000);
	return true;
}

bool ratelimit_login_account(const char *user_id, const char *email, char *out, size_t cap)
{
	if (user_id && *user_id)
		return snprintf(out, cap, "u:%s", user_id) < (int)cap;
	if (cap < 3 || email_fold(email ? email : "", out + 2, cap - 2) < 0)
		return false;
	memcpy(out, "e:", 2);
	return true;
}

static void login_bucket(const char *prefix, const char *ip, const char *account, uint8_t out[RATELIMIT_BUCKET_LEN])
{
	uint8_t digest[SHA256_LEN];
	char key[96 + RATELIMIT_ACCOUNT_LEN];
	int n = snprintf(key, sizeof key, "%s%s\n%s", prefix, ip ? ip : "", account);
	crypto_sha256(key, n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1, digest);
	memcpy(out, digest, RATELIMIT_BUCKET_LEN);
}

/* Failures older than this are forgotten. */
#define LOGIN_FAILURE_MEMORY 86400
/* An address that signed in to an account this recently is the owner's: the per-account
 * ceiling never applies to it, so an attacker cannot lock the owner out with it. */
#define LOGIN_KNOWN_ADDRESS (30 * 86400)

/* The wait one count imposes, in ms (0: none); fills *st's wait when it is the longest. */
static void login_wait(struct db_result *r, unsigned row, int after, int max, struct rl_login *st)
{
	int failures = atoi(db_cell(r, row, 1) ? db_cell(r, row, 1) : "0");
	long long since_ms = atoll(db_cell(r, row, 2) ? db_cell(r, row, 2) : "0");
	if (after < 0 || since_ms > (long long)LOGIN_FAILURE_MEMORY * 1000)
		return;
	long long wait = (long long)ratelimit_login_delay(failures, after, max) * 1000 - (since_ms > 0 ? since_ms : 0);
	if (wait > st->retry_ms) {
		st->retry_ms = wait;
		st->failures = failures;
		st->limit = after;
	}
}

int ratelimit_login_check(const char *account, const char *ip, struct rl_login *st)
{
	memset(st, 0, sizeof *st);
	if (cfg.login_delay_after < 0 && cfg.login_account_delay_after < 0)
		return 0;
	uint8_t per_ip[RATELIMIT_BUCKET_LEN], all[RATELIMIT_BUCKET_LEN];
	login_bucket("pw:", ip, account, per_ip);
	login_bucket("acct:", "", account, all);
	struct db_result r;
	/* Both counts in one statement: the address's (first) and the account's. */
	if (db_query(&r,
		     "SELECT bucket = ?, failures, CAST((UNIX_TIMESTAMP(NOW(3)) - last_failure) * 1000 AS SIGNED), "
		     "COALESCE(signed_in > UNIX_TIMESTAMP(NOW(3)) - ?, 0), COALESCE(signed_in > UNIX_TIMESTAMP(NOW(3)) - ?, 0) "
		     "FROM login_throttle WHERE bucket IN (?, ?) ORDER BY 1 DESC",
		     "biibb", per_ip, sizeof per_ip, (long long)LOGIN_KNOWN_ADDRESS, (long long)LOGIN_FAILURE_MEMORY, per_ip,
		     sizeof per_ip, all, sizeof all) < 0)
		return -1;
	bool known = false;
	for (unsigned i = 0; i < r.nrows; i++) {
		if (!text_true(db_cell(&r, i, 0)))
			continue;
		known = text_true(db_cell(&r, i, 3));
		st->fresh_sign_in = text_true(db_cell(&r, i, 4));
		login_wait(&r, i, cfg.login_delay_after, cfg.login_delay_max, st);
		st->ip_failures = atoi(db_cell(&r, i, 1) ? db_cell(&r, i, 1) : "0");
	}
	for (unsigned i = 0; i < r.nrows && !known; i++)
		if (!text_true(db_cell(&r, i, 0)))
			login_wait(&r, i, cfg.login_account_delay_after, cfg.login_account_delay_max, st);
	db_result_free(&r);
	return st->retry_ms > 0;
}

int ratelimit_login_known(const char *user_id, const char *ip)
{
	char account[RATELIMIT_ACCOUNT_LEN];
	if (!ip || !*ip || !ratelimit_login_account(user_id, NULL, account, sizeof account))
		return 0;
	uint8_t per_ip[RATELIMIT_BUCKET_LEN];
	login_bucket("pw:", ip, account, per_ip);
	return db_exec(NULL,
		       "INSERT INTO login_throttle (bucket, failures, last_failure, signed_in) "
		       "VALUES (?, 0, 0, UNIX_TIMESTAMP(NOW(3))) "
		       "ON DUPLICATE KEY UPDATE failures = 0, signed_in = UNIX_TIMESTAMP(NOW(3))",
		       "b", per_ip, sizeof per_ip);
}

int ratelimit_login_result(const char *account, const char *ip, bool success, const struct rl_login *st)
{
	if (cfg.login_delay_after < 0 && cfg.login_account_delay_after < 0)
		return 0;
	uint8_t per_ip[RATELIMIT_BUCKET_LEN], all[RATELIMIT_BUCKET_LEN];
	login_bucket("pw:", ip, account, per_ip);
	login_bucket("acct:", "", account, all);
	/* A success marks the address known (at most once a day: no write per sign-in). The
	 * account's count stays: the owner's success must not give an attacker fresh tries. */
	if (success)
		return st->ip_failures > 0 || !st->fresh_sign_in
			       ? db_exec(NULL,
					 "INSERT INTO login_throttle (bucket, failures, last_failure, signed_in) "
					 "VALUES (?, 0, 0, UNIX_TIMESTAMP(NOW(3))) "
					 "ON DUPLICATE KEY UPDATE failures = 0, signed_in = UNIX_TIMESTAMP(NOW(3))",
					 "b", per_ip, sizeof per_ip)
			       : 0;
	return db_exec(NULL,
		       "INSERT INTO login_throttle (bucket, failures, last_failure) VALUES "
		       "(?, 1, UNIX_TIMESTAMP(NOW(3))), (?, 1, UNIX_TIMESTAMP(NOW(3))) "
		       "ON DUPLICATE KEY UPDATE failures = IF(last_failure < UNIX_TIMESTAMP(NOW(3)) - ?, 1, failures + 1), "
		       "last_failure = UNIX_TIMESTAMP(NOW(3))",
		       "bbi", per_ip, sizeof per_ip, all, sizeof all, (long long)LOGIN_FAILURE_MEMORY);
}

long long ratelimit_purge_delays(long long seconds)
{
	return db_purge("DELETE FROM login_throttle WHERE last_failure < UNIX_TIMESTAMP() - ? "
			"AND (signed_in IS NULL OR signed_in < UNIX_TIMESTAMP() - 2592000) LIMIT " DB_PURGE_BATCH_TEXT,
			seconds);
}
