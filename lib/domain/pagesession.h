/* SPDX-License-Identifier: BSD-2-Clause */
/* pagesession: the page session, a browser signed in on Tessera's own pages (cookie
 * tessera-session, csrf.h BIND_SESSION): which Login it names, and whether that Login may still
 * use the pages. */
#ifndef TESSERA_PAGESESSION_H
#define TESSERA_PAGESESSION_H

struct request;
/* The login of this browser's page session (csrf.h BIND_SESSION): bound by the cookie's MAC,
 * a User's, not revoked, with a membership, signed in less than SESSION_SECONDS ago.
 * 0 (l filled), 1 not signed in, -1 database failure. */
struct login;
int page_session(const struct request *req, struct login *l);
/* page_session for a page that needs it: without a session the cookie is cleared and the
 * browser sent to /signin (303; 1). 0 signed in (l filled; the login goes to the log line), -1. */
int page_require_session(struct request *req, struct login *l);

#endif
