/* SPDX-License-Identifier: BSD-2-Clause */
/* ratelimit: request limits (PROTOCOL.md §S.11).
 *
 * - Per client IP, fixed 60-second windows: /auth/... and /oauth2/... (except exactly /auth/me)
 *   count against auth_rate_limit, everything else against rate_limit. Counted in the node's
 *   shared-memory table (lib/core/shmcount.h: no database, no lock, no system call); each web
 *   node counts on its own, as nginx's limit_req does. A project's systemSetting rateLimit /
 *   authRateLimit replaces the configured limit once the request's project is known
 *   (authenticated requests, client_credentials).
 * - Per client for client_credentials: client_rate_limit tokens per sliding 60 s, in the same
 *   table (the previous window weighted by its overlap).
 * - Per account and client IP for passwords (durable, login_throttle, only read and written
 *   by a password attempt): after login_delay_after failures each attempt
 *   waits min(2^(failures - login_delay_after) s, login_delay_max) after the last failure;
 *   a success clears it. Never a lock, and another IP (the owner's) is never delayed.
 * - Per account across addresses: after login_account_delay_after failures (all addresses)
 *   the same growing wait, up to login_account_delay_max, for every address that has not
 *   signed in to the account in the last 30 days; the owner's known addresses never wait.
 *   The account is the one the lookup found, else the email as its collation folds it.
 *
 * Every response carries RateLimit: "requests";r=<remaining>;t=<seconds> (lib/response.c). */
#ifndef TESSERA_RATELIMIT_H
#define TESSERA_RATELIMIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/emailfold.h"

struct request;

#define RATELIMIT_WINDOW 60
#define RATELIMIT_BUCKET_LEN 16

enum rl_class { RL_OTHER = 0, RL_AUTH = 1 };

/* A project's systemSetting values; 0 where the project sets none. */
struct rl_override {
	int rate_limit;
	int auth_rate_limit;
	int client_rate_limit;     /* Tessera's clientRateLimit: client_credentials per client */
};

/* Pure helpers (unit-tested). */
enum rl_class ratelimit_class(const char *path);
/* The counter's key of an address in a class ("ip:a:<address>"); its length. */
size_t ratelimit_key(const char *ip, enum rl_class cls, char *out, size_t cap);
/* Reads rateLimit, authRateLimit and clientRateLimit (positive valueInteger, or a decimal
 * holding one) from a systemSetting JSON array; anything else leaves the field 0. */
void ratelimit_parse_settings(const char *json, struct rl_override *o);
/* Seconds an account must wait after its last failure: 0 below `after` failures, else
 * min(2^(failures - after), max). */
long ratelimit_login_delay(int failures, int after, int max);

/* Maps the node's counters (ratelimit_table), creating them on the first start: called once
 * when a program starts. -1 (logged): requests go uncounted. */
int ratelimit_start(void);
/* Counts this request for its client IP (a few atomic operations in shared memory). Always 0:
 * without the table (or with limits off) the request goes on uncounted, without a header. */
int ratelimit_count(struct request *req);
/* One client_credentials grant of a client against its limit per sliding 60 s (limit <= 0:
 * none). 0 counted (or not countable), 1 refused: *wait_ms until the next may pass. */
int ratelimit_client_grant(const char *client_id, int limit, long long *wait_ms);
/* The project's limits replace the configured ones for this request. */
void ratelimit_use_project(struct request *req, const struct rl_override *o);
bool ratelimit_exceeded(const struct request *req);
/* Sends the 429 and returns true when the request is over its per-IP limit. */
bool ratelimit_refuse(struct request *req);

/* The key of a password attempt's account: "u:<user id>" when the lookup found a user, else
 * "e:<email folded as the lookup's collation compares it>", so every spelling of one address
 * meets one count. Returns false when the email cannot be folded (too long). */
#define RATELIMIT_ACCOUNT_LEN (2 + EMAIL_FOLD_SIZE(320))
bool ratelimit_login_account(const char *user_id, const char *email, char *out, size_t cap);

/* What ratelimit_login_check read, for ratelimit_login_result and the 429. */
struct rl_login {
	int ip_failures;           /* this account from this address */
	bool fresh_sign_in;        /* this address signed in to the account within a day */
	long long retry_ms;        /* must wait: how long */
	int failures;              /* must wait: the failures of the count that decided */
	int limit;                 /* must wait: that count's free failures */
};
/* Password attempts of one account from one IP, and of the account from every address not
 * known to it. 0 may try, 1 must wait (st's wait filled), -1 database failure. */
int ratelimit_login_check(const char *account, const char *ip, struct rl_login *st);
/* After the password check: a failure counts for the address and the account; a success
 * clears the address's count and marks it known to the account. 0 or -1. */
int ratelimit_login_result(const char *account, const char *ip, bool success, const struct rl_login *st);
/* The user proved the mailbox from ip (a set-password link): the address becomes known to the
 * account as a sign-in would make it, so the per-account ceiling that many addresses' failures
 * raised never keeps that owner out (the account's count stays). 0 or -1. */
int ratelimit_login_known(const char *user_id, const char *ip);

/* tessera-admin purge: deletes the password delays whose last failure is more than seconds
 * old, unless the row marks an address known to its account (signed_in), which stays 30 days.
 * The number deleted, or -1. */
long long ratelimit_purge_delays(long long seconds);

#endif
