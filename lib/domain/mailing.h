/* SPDX-License-Identifier: BSD-2-Clause */
/* mailing: an email of a project, as the domain sends it — the project's brand and name read
 * with the project (projects.c), then lib/mail/mail.c renders and queues it. */
#ifndef TESSERA_MAILING_H
#define TESSERA_MAILING_H
#include "mail/mail.h"

/* mail_enqueue with the project's brand and name (a message of no project: Tessera's). 0, 1
 * refused (no such project, or mail_enqueue's refusals), -1. */
int mailing_enqueue(struct mail_message *m, char id_out[37]);
/* mail_preview with the project's brand and name, as mailing_enqueue would send it. */
int mailing_preview(struct mail_message *m, char **subject, char **text, char **html);

#endif
