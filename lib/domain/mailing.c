/* SPDX-License-Identifier: BSD-2-Clause */
/* mailing: a project's email. */
#include "domain/mailing.h"
#include "core/log.h"
#include "domain/projects.h"

/* The project's brand and name into m (NULL again after the call). 0, 1 no project, -1. */
static int with_project(struct mail_message *m, char brand[PROJECT_BRAND_SIZE], char name[PROJECT_NAME_SIZE])
{
	if (m->project_id) {
		int rc = projects_brand(m->project_id, brand, PROJECT_BRAND_SIZE, name, PROJECT_NAME_SIZE);
		if (rc != 0) {
			if (rc == 1)
				log_error("mail refused: no project %s", m->project_id);
			return rc;
		}
		m->brand = brand;
		m->project_name = name;
	}
	return 0;
}

int mailing_enqueue(struct mail_message *m, char id_out[37])
{
	char brand[PROJECT_BRAND_SIZE], name[PROJECT_NAME_SIZE];
	int rc = with_project(m, brand, name);
	if (rc == 0)
		rc = mail_enqueue(m, id_out);
	m->brand = m->project_name = NULL;
	return rc;
}

int mailing_preview(struct mail_message *m, char **subject, char **text, char **html)
{
	char brand[PROJECT_BRAND_SIZE], name[PROJECT_NAME_SIZE];
	int rc = with_project(m, brand, name);
	if (rc == 0)
		rc = mail_preview(m, subject, text, html);
	m->brand = m->project_name = NULL;
	return rc;
}
