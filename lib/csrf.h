/* csrf: tokens that bind a form to the browser that was shown it.
 *
 * CSRF: the browser holds a random cookie `tessera-csrf` (HttpOnly, SameSite=Lax); every form
 * carries the hidden field `csrf` = hex HMAC-SHA256(hash_key, "csrf:" + cookie). A forged
 * cross-site post has neither the cookie value nor the key to derive the field from it.
 *
 * In-progress logins: possession of a login id is a credential between the stages of a
 * sign-in (§5), so the pages also tie the login to the browser that typed the password:
 * `tessera-login=<login id>.<hex HMAC-SHA256(hash_key, "login:" + login id)>` (HttpOnly,
 * SameSite=Lax, Path=<path of app_base_url>oauth, 15 minutes). The profile and consent stages require it. */
#ifndef TESSERA_CSRF_H
#define TESSERA_CSRF_H
#include <stdbool.h>
#include <stddef.h>

struct request;

#define CSRF_COOKIE "tessera-csrf"
#define CSRF_FIELD "csrf"
#define LOGIN_COOKIE "tessera-login"
#define LOGIN_COOKIE_SECONDS 900

/* The form token for this browser (65 bytes: 64 hex + NUL). When the browser has no valid
 * cookie yet a new one is made and its Set-Cookie line is appended to headers (which must
 * hold a string). Returns 0, or -1 when no randomness or no hash_key is available. */
int csrf_token(const struct request *req, char token[65], char *headers, size_t headers_len);
/* True when the posted form field matches this browser's cookie (constant-time compare). */
bool csrf_check(const struct request *req);

/* Appends the Set-Cookie line binding login_id to this browser; -1 without a hash_key. */
int csrf_bind_login(const char *login_id, char *headers, size_t headers_len);
/* Appends the Set-Cookie line that clears the binding. */
void csrf_unbind_login(char *headers, size_t headers_len);
/* True when the browser's binding cookie names login_id with a valid MAC. */
bool csrf_login_bound(const struct request *req, const char *login_id);

#endif
