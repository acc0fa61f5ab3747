/* SPDX-License-Identifier: BSD-2-Clause */
/* csrf: tokens that bind a form to the browser that was shown it.
 *
 * CSRF: the browser holds a random cookie `tessera-csrf` (HttpOnly, SameSite=Lax); every form
 * carries the hidden field `csrf` = hex HMAC-SHA256(hash_key, "csrf:" + cookie). A forged
 * cross-site post has neither the cookie value nor the key to derive the field from it.
 *
 * Binding cookies tie a login to a browser: `<cookie>=<login id>.<hex HMAC-SHA256(hash_key,
 * "<kind>:" + login id)>` (HttpOnly, SameSite=Lax, Path=<path of app_base_url><suffix>):
 * - BIND_SIGNIN `tessera-login` (Path …oauth, 15 minutes): possession of a login id is a
 *   credential between the stages of a sign-in (§5), so the profile and consent pages require
 *   the browser that typed the password;
 * - BIND_REGISTER `tessera-register` (Path …register, 15 minutes): a new user's login until
 *   the project page gives it a membership;
 * - BIND_SESSION `tessera-session` (Path = app_base_url's path, 8 hours): a user signed in on
 *   the pages without a client (/signin, /register), for /account and /changepassword. The
 *   cookie only names the login: the pages re-read it, so a revoked login ends the session. */
#ifndef TESSERA_CSRF_H
#define TESSERA_CSRF_H
#include <stdbool.h>
#include <stddef.h>

struct request;

#define CSRF_COOKIE "tessera-csrf"
#define CSRF_FIELD "csrf"
#define LOGIN_COOKIE "tessera-login"
#define LOGIN_COOKIE_SECONDS 900
#define REGISTER_COOKIE "tessera-register"
#define SESSION_COOKIE "tessera-session"
#define SESSION_SECONDS (8 * 3600)

/* The form token for this browser (65 bytes: 64 hex + NUL). When the browser has no valid
 * cookie yet a new one is made and its Set-Cookie line goes with the response. Returns 0, or
 * -1 when no randomness or no hash_key is available. */
int csrf_token(struct request *req, char token[65]);
/* True when the posted form field matches this browser's cookie (constant-time compare). */
bool csrf_check(const struct request *req);

enum csrf_binding { BIND_SIGNIN, BIND_REGISTER, BIND_SESSION };

/* The response binds login_id to this browser (its Set-Cookie line); -1 without a hash_key or
 * for an id that is not a UUID. */
int csrf_bind(struct request *req, enum csrf_binding b, const char *login_id);
/* The response clears the binding. */
void csrf_unbind(struct request *req, enum csrf_binding b);
/* True when the browser's binding cookie names login_id with a valid MAC. */
bool csrf_bound(const struct request *req, enum csrf_binding b, const char *login_id);
/* The login the browser's binding cookie names, when its MAC is valid (else false, ""). */
bool csrf_bound_login(const struct request *req, enum csrf_binding b, char login_id[37]);

/* Show once: a value that must be shown to this browser exactly once after a post (a new
 * client secret) without ever being stored or put in a URL travels in the cookie
 * `tessera-shown` (Path = <app_base_url's path><path_suffix>, HttpOnly, SameSite=Strict,
 * SHOWN_SECONDS), sealed with AES-256-GCM under a key derived from hash_key and bound to aad
 * (the session's login and what it is about). The page that shows it clears the cookie. */
#define SHOWN_COOKIE "tessera-shown"
#define SHOWN_SECONDS 300
int csrf_show_once(struct request *req, const char *path_suffix, const char *aad, const char *value);
/* The sealed value of this browser's cookie for aad (out holds it); the response clears the
 * cookie. False when there is none or it does not open for aad. */
bool csrf_take_shown(struct request *req, const char *path_suffix, const char *aad, char *out, size_t outlen);

#endif
