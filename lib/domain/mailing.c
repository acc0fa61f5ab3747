/* SPDX-License-Identifier: BSD-2-Clause */
/* mailing: a project's email. */
#include "domain/mailing.h"
#include "core/log.h"
#include "domain/projects.h"

int mailing_enqueue(struct mail_message *m, char id_out[37])
{
	char brand[256], name[256];
	if (m->project_id) {
		int rc = projects_brand(m->project_id, brand, sizeof brand, name, sizeof name);
		if (rc != 0) {
			if (rc == 1)
				log_error("mail refused: no project %s", m->project_id);
			return rc;
		}
		m->brand = brand;
		m->project_name = name;
	}
	int rc = mail_enqueue(m, id_out);
	m->brand = m->project_name = NULL;
	return rc;
}
