/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-import: `tessera-admin import FILE [--dry-run]` brings a Medplum export (a FHIR Bundle or
 * NDJSON) of the identity resources into Tessera (docs/MIGRATING.md, PROTOCOL.md §S.23).
 *
 * Three passes: read and check every resource on its own and against the others (types, sizes,
 * references, duplicate ids and emails), then rehearse every project's writes in a transaction
 * that is rolled back, then (not for --dry-run) write each project in one transaction. A
 * refusal anywhere means nothing is written. Medplum's ids are kept, so a second run finds every
 * row already there and changes nothing. Every write is an owner module's operation. */
#include "admin.h"
#include "import.h"
#include "core/db.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole file is read at once; an identity export of this size holds millions of users. */
#define IMPORT_MAX_FILE (512L * 1024 * 1024)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "tessera-admin: import: cannot open %s\n", path);
		return NULL;
	}
	char *buf = NULL;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size <= IMPORT_MAX_FILE && fseek(f, 0, SEEK_SET) == 0)
		buf = malloc((size_t)size + 1);
	if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "tessera-admin: import: cannot read %s%s\n", path,
			size > IMPORT_MAX_FILE ? " (larger than 512 MiB: split it by project)" : "");
		return NULL;
	}
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/* A Bundle's entries, each at "entry N" (0-based, as FHIR paths count). */
static void add_bundle(struct import *im, json_t *bundle)
{
	json_t *entries = json_object_get(bundle, "entry");
	if (entries && !json_is_array(entries)) {
		import_error(im, "the Bundle", "Bundle.entry must be an array of entries");
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e) {
		char where[48];
		snprintf(where, sizeof where, "entry %zu", i);
		json_t *r = json_object_get(e, "resource");
		if (!json_is_object(r))
			import_error(im, where, "the entry has no resource object");
		else
			import_add(im, json_incref(r), where);
	}
}

/* NDJSON: one resource a line, "line N" counted from 1; empty lines are skipped. */
static void add_lines(struct import *im, const char *buf, size_t len)
{
	size_t start = 0;
	for (unsigned line = 1; start < len; line++) {
		const char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		char where[48];
		snprintf(where, sizeof where, "line %u", line);
		size_t n = end - start;
		while (n && (buf[start + n - 1] == '\r' || buf[start + n - 1] == ' ' || buf[start + n - 1] == '\t'))
			n--;
		if (n) {
			json_error_t jerr;
			json_t *r = json_loadb(buf + start, n, JSON_REJECT_DUPLICATES, &jerr);
			if (!r) {
				char msg[256];
				snprintf(msg, sizeof msg, "not JSON (column %d: %s)", jerr.column, jerr.text);
				import_error(im, where, msg);
			} else if (!json_is_object(r)) {
				json_decref(r);
				import_error(im, where, "the line is not a JSON object");
			} else {
				import_add(im, r, where);
			}
		}
		start = end + 1;
	}
}

/* The first non-empty line is a JSON object of its own (NDJSON), or not. */
static bool first_line_is_json(const char *buf, size_t len)
{
	size_t start = strspn(buf, " \t\r\n");
	const char *nl = memchr(buf + start, '\n', len - start);
	size_t n = (nl ? (size_t)(nl - buf) : len) - start;
	json_t *r = json_loadb(buf + start, n, 0, NULL);
	bool ok = json_is_object(r);
	json_decref(r);
	return ok;
}

/* A Bundle when the whole file is one JSON object of resourceType Bundle; else NDJSON. A file
 * that is neither (a Bundle that does not parse) is refused at the line the parser stopped. */
static void add_file(struct import *im, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *whole = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = json_string_value(json_object_get(whole, "resourceType"));
	if (type && !strcmp(type, "Bundle")) {
		im->bundle = true;
		add_bundle(im, whole);
	} else if (json_is_object(whole)) {
		import_add(im, json_incref(whole), "line 1");
	} else if (whole || first_line_is_json(buf, len)) {
		add_lines(im, buf, len);
	} else {
		char where[48], msg[256];
		snprintf(where, sizeof where, "line %d", jerr.line);
		snprintf(msg, sizeof msg, "not JSON (column %d: %s)", jerr.column, jerr.text);
		import_error(im, where, msg);
	}
	json_decref(whole);
}

/* Every group once: the projects in the export's order, then the server's own rows. */
static json_t *groups_of(const struct import *im)
{
	json_t *seen = json_object(), *list = json_array();
	for (size_t i = 0; i < im->n; i++) {
		const struct import_item *it = &im->items[i];
		if (it->kind == IK_SKIPPED || it->bad || !it->group[0] || json_object_get(seen, it->group))
			continue;
		json_object_set_new(seen, it->group, json_true());
		json_array_append_new(list, json_string(it->group));
	}
	json_array_append_new(list, json_string(""));
	json_decref(seen);
	return list;
}

static void print_counts(FILE *out, const char *label, const unsigned counts[IK_COUNT])
{
	fprintf(out, "%s:", label);
	unsigned total = 0;
	for (int k = 0; k < IK_COUNT; k++)
		if (counts[k]) {
			fprintf(out, "%s %u %s", total ? "," : "", counts[k], import_type_names[k]);
			total += counts[k];
		}
	fprintf(out, "%s\n", total ? "" : " nothing");
}

static void report(const struct import *im, bool dry)
{
	print_counts(stdout, dry ? "would create" : "created", im->created);
	print_counts(stdout, "already here (left as they are)", im->existing);
	const char *key;
	json_t *v;
	if (json_object_size(im->unmapped))
		printf("not mapped (left out):\n");
	json_object_foreach(im->unmapped, key, v) printf("  %s: %lld\n", key, (long long)json_integer_value(v));
}

static unsigned sum(const unsigned counts[IK_COUNT])
{
	unsigned total = 0;
	for (int k = 0; k < IK_COUNT; k++)
		total += counts[k];
	return total;
}

/* Each project in its own transaction; committed only when commit. 0, 1 refused, -1. */
static int write_all(struct import *im, json_t *groups, bool commit)
{
	memset(im->created, 0, sizeof im->created);
	memset(im->existing, 0, sizeof im->existing);
	size_t i;
	json_t *g;
	int rc = 0;
	json_array_foreach(groups, i, g) {
		if (im->progress)
			fprintf(stderr, "\rimport: %s project %zu of %zu ", commit ? "writing" : "checking", i + 1,
				json_array_size(groups));
		int one = import_write_group(im, json_string_value(g), commit);
		if (one < 0)
			return -1;
		rc |= one;
	}
	if (im->progress)
		fprintf(stderr, "\r%40s\r", "");
	return rc;
}

int import_run(struct import *im, bool dry)
{
	if (import_check(im)) {
		fprintf(stderr, "import: refused: %u error%s; nothing was imported\n", im->errors, im->errors == 1 ? "" : "s");
		return 1;
	}
	import_note_unmapped(im);
	json_t *groups = groups_of(im);
	/* The rehearsal: every project's writes, rolled back; a refusal anywhere stops everything. */
	int rc = write_all(im, groups, false);
	if (rc == 0 && !dry)
		rc = write_all(im, groups, true);
	json_decref(groups);
	if (rc < 0) {
		fprintf(stderr, "import: the database failed%s; run the import again (it skips what is there)\n",
			dry ? "" : " (each project is written whole or not at all)");
		return 1;
	}
	if (rc) {
		fprintf(stderr, "import: refused: %u error%s; nothing was imported\n", im->errors, im->errors == 1 ? "" : "s");
		return 1;
	}
	report(im, dry);
	printf("import%s: %u resources %s, %u already here, %zu kinds of field not mapped%s\n", dry ? " (dry run)" : "",
	       sum(im->created), dry ? "to create" : "created", sum(im->existing), json_object_size(im->unmapped),
	       dry ? "; nothing was written" : "");
	return 0;
}

int cmd_import(int argc, char **argv)
{
	const char *path = NULL;
	bool dry = false, into_existing = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = true;
		else if (!strcmp(argv[i], "--into-existing"))
			into_existing = true;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			return admin_usage();
	}
	if (!path)
		return admin_usage();
	size_t len = 0;
	char *buf = read_file(path, &len);
	if (!buf)
		return 1;
	struct import im = { .file = path, .progress = isatty(STDERR_FILENO), .into_existing = into_existing };
	add_file(&im, buf, len);
	free(buf);
	int rc = import_run(&im, dry);
	import_free(&im);
	return rc;
}
