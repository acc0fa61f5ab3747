/* SPDX-License-Identifier: BSD-2-Clause */
/* import: the resources of a Medplum export and what tessera-admin import does with them
 * (bin/admin-import.c reads the file, bin/import-check.c checks, bin/import-write.c writes). */
#ifndef TESSERA_IMPORT_H
#define TESSERA_IMPORT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The kinds, in the order a project's rows are written (each names only earlier ones). */
enum import_kind {
	IK_PROJECT,
	IK_POLICY,
	IK_PRACTITIONER,
	IK_PATIENT,
	IK_RELATED,
	IK_USER,
	IK_CLIENT,
	IK_BOT,
	IK_MEMBERSHIP,
	IK_DOMAIN,
	IK_COUNT,
	IK_SKIPPED = IK_COUNT /* a resource type that is not identity data */
};

struct import_item {
	json_t *res;
	char where[48];      /* "line 7" or "entry 3" */
	enum import_kind kind;
	char id[37];
	char project[37];    /* the project it belongs to; "" for server users and domains */
	char group[37];      /* the project whose transaction writes it ("" the server's) */
	bool bad;            /* refused by the checks */
	bool fresh;          /* written by this transaction (not already here) */
};

struct import {
	const char *file;
	bool bundle, progress;
	struct import_item *items;
	size_t n, cap;
	unsigned errors;
	unsigned created[IK_COUNT], existing[IK_COUNT], skipped;
	json_t *unmapped;    /* {"Type.field": count} */
	bool into_existing;  /* --into-existing: new rows may go into projects already on the server */
	json_t *server_projects; /* {"<id>": true}: the export's projects that were on the server before */
};

extern const char *const import_type_names[IK_COUNT];

/* Takes the resource (a new reference) found at `where`. */
void import_add(struct import *im, json_t *res, const char *where);
/* One refusal: "FILE line 7 (User/<id>): message" on stderr (the first 50). */
void import_error(struct import *im, const char *where, const char *message);
void import_item_error(struct import *im, const struct import_item *it, const char *message);
/* Checks every item alone and against the others, and assigns groups. 0 or the error count. */
unsigned import_check(struct import *im);
/* Counts in im->unmapped what Tessera does not keep ("Type.member", and whole types). */
void import_note_unmapped(struct import *im);
/* Writes one group's items in one transaction; commit or roll back (dry). 0, 1 refused (errors
 * reported), -1 database failure. */
int import_write_group(struct import *im, const char *group, bool commit);
/* The checks, the rehearsal and (unless dry) the writes; the report and the summary line.
 * The exit status: 0, 1. */
int import_run(struct import *im, bool dry);
void import_free(struct import *im);

#endif
