/* SPDX-License-Identifier: BSD-2-Clause */
/* password-pages: the password pages tessera-password serves to browsers (see
 * password-pages.c). Each GET and POST handler answers one page route. */
#ifndef TESSERA_PASSWORD_PAGES_H
#define TESSERA_PASSWORD_PAGES_H
#include "http/app.h"

/* /resetpassword (?projectId= for a project's users). */
extern const struct input password_pages_reset_inputs[];
int password_pages_reset_get(struct request *req);
int password_pages_reset_post(struct request *req);
int password_pages_reset_sent(struct request *req);
/* /setpassword/:id/:secret (reset and invite links). */
int password_pages_set_get(struct request *req);
int password_pages_set_post(struct request *req);
int password_pages_set_done(struct request *req);
/* /verifyemail/:id/:secret */
int password_pages_verify_get(struct request *req);
int password_pages_verify_post(struct request *req);
int password_pages_verify_done(struct request *req);
/* /changepassword for a user signed in on the pages. */
int password_pages_change_get(struct request *req);
int password_pages_change_post(struct request *req);
int password_pages_change_done(struct request *req);

#endif
