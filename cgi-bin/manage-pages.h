/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-pages: the admin pages tessera-manage serves to browsers (see manage-pages.c). */
#ifndef TESSERA_MANAGE_PAGES_H
#define TESSERA_MANAGE_PAGES_H
#include "http/app.h"

extern const struct input manage_members_inputs[];
/* /manage/projects/:projectId/members: the list; ?done= names a notice. */
int manage_members_get(struct request *req);
/* …/members/:membershipId/remove (a confirmation, then the removal) and …/resend. */
int manage_remove_get(struct request *req);
int manage_remove_post(struct request *req);
int manage_resend_post(struct request *req);
/* …/invite */
int manage_invite_get(struct request *req);
int manage_invite_post(struct request *req);
/* …/clients (list and create), …/clients/:clientId/rotate, …/clients/:clientId/secret. */
int manage_clients_get(struct request *req);
int manage_clients_post(struct request *req);
int manage_rotate_post(struct request *req);
int manage_secret_get(struct request *req);

#endif
