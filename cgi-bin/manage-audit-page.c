/* SPDX-License-Identifier: BSD-2-Clause */
/* manage-audit-page: /manage/projects/:projectId/audit, the project's audit events for its
 * admins (PROTOCOL.md §9.3): the same events as the audit API (login_audit_search), filtered by type,
 * user and time range (UTC), AUDIT_PAGE_SIZE a page with newer/older links that keep the
 * filters, and …/audit.csv with the same filters (at most AUDIT_CSV_ROWS rows). A login is
 * named by its reference, never its id (a bearer secret while its sign-in runs). CSV cells
 * that a spreadsheet would run as a formula (=, +, -, @, tab, CR) start with an apostrophe. */
#include "manage-pages.h"
#include "manage-audit.h"
#include "core/config.h"
#include "core/fhir.h"
#include "domain/audit.h"
#include "domain/login.h"
#include "http/page.h"
#include "http/redirect.h"
#include "http/request.h"
#include "http/response.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE_SIZE 50
#define AUDIT_CSV_ROWS 10000

/* The filters of the query string, checked; "" is "any". */
struct audit_page_query {
	const char *type, *user, *since, *until;
	char since_utc[20], until_utc[20];
	long offset;
};

static const char *param(const struct request *req, const char *name)
{
	const char *v = req_param(req, name);
	return v && *v ? v : NULL;
}

/* 0 the filters are usable; else the number of fields in error (messages in ctx). */
static int read_query(const struct request *req, struct audit_page_query *q, json_t *ctx)
{
	int errors = 0;
	memset(q, 0, sizeof *q);
	q->type = param(req, "type");
	q->user = param(req, "user");
	q->since = param(req, "since");
	q->until = param(req, "until");
	const char *offset = param(req, "offset");
	if (q->type && !audit_type_known(q->type))
		page_field_error(ctx, "type", "Choose a type from the list"), errors++;
	if (q->user && (strlen(q->user) > 80 || !manage_audit_user_ok(q->user)))
		page_field_error(ctx, "user", "Enter a user's id (a UUID), or Type/id"), errors++;
	if (q->since && (strlen(q->since) > 40 || !fhir_datetime_utc(q->since, q->since_utc)))
		page_field_error(ctx, "since", "Enter a date and time (UTC)"), errors++;
	if (q->until && (strlen(q->until) > 40 || !fhir_datetime_utc(q->until, q->until_utc)))
		page_field_error(ctx, "until", "Enter a date and time (UTC)"), errors++;
	char *end = NULL;
	q->offset = offset ? strtol(offset, &end, 10) : 0;
	if (offset && (*end || strlen(offset) > 7 || q->offset < 0))
		page_field_error(ctx, "offset", "Invalid page"), errors++, q->offset = 0;
	return errors;
}

static int search(const char *project, const struct audit_page_query *q, long limit, struct db_result *r)
{
	return login_audit_search(&(struct audit_filter){ .project_id = project, .type = q->type,
						    .agent_id = q->user ? manage_audit_user_id(q->user) : NULL,
						    .since = q->since ? q->since_utc : NULL,
						    .until = q->until ? q->until_utc : NULL },
			    limit, q->offset, r);
}

/* What the event names: the changed resource, or the login by its reference. */
static void entity_text(const struct db_result *r, unsigned row, char *out, size_t cap)
{
	const char *entity = db_cell(r, row, AE_ENTITY), *login = db_cell(r, row, AE_LOGIN);
	*out = '\0';
	if (entity && !strncmp(entity, "Login/", 6))
		manage_audit_login_reference(entity + 6, out, cap);
	else if (entity)
		snprintf(out, cap, "%s", entity);
	else if (login)
		manage_audit_login_reference(login, out, cap);
}

static void agent_text(const struct db_result *r, unsigned row, char *out, size_t cap)
{
	const char *type = db_cell(r, row, AE_AGENT_TYPE), *id = db_cell(r, row, AE_AGENT_ID);
	snprintf(out, cap, "%s%s%s", type && id ? type : "", type && id ? "/" : "", type && id ? id : "");
}

static json_t *event_row(const struct db_result *r, unsigned row)
{
	char agent[120], entity[120];
	agent_text(r, row, agent, sizeof agent);
	entity_text(r, row, entity, sizeof entity);
	const char *recorded = db_cell(r, row, AE_RECORDED), *type = db_cell(r, row, AE_TYPE);
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:b}", "recorded", recorded ? recorded : "", "type",
			 type ? type : "", "agent", agent, "entity", entity, "client", db_cell(r, row, AE_CLIENT), "address",
			 db_cell(r, row, AE_ADDRESS), "reason", db_cell(r, row, AE_REASON), "failed",
			 strcmp(audit_type_outcome(type ? type : ""), "0") != 0);
}

/* A link to this page with the filters and an offset (or to the CSV). */
static json_t *link_to(const struct request *req, const struct admin_page *p, const char *page, long offset)
{
	char base[2200], o[24];
	snprintf(base, sizeof base, "%smanage/projects/%s/%s", cfg.app_base_url, p->project, page);
	snprintf(o, sizeof o, "%ld", offset);
	struct url_builder u;
	url_start(&u, base);
	static const char *const kept[] = { "type", "user", "since", "until", NULL };
	for (int i = 0; kept[i]; i++)
		url_param(&u, kept[i], param(req, kept[i]));
	if (offset > 0)
		url_param(&u, "offset", o);
	json_t *link = url_get(&u) ? json_string(url_get(&u)) : NULL;
	url_free(&u);
	return link;
}

static void filter_choices(json_t *ctx, const struct request *req)
{
	json_t *types = json_array();
	const char *chosen = param(req, "type");
	for (unsigned i = 0; audit_type_at(i); i++)
		json_array_append_new(types, json_pack("{s:s, s:b}", "name", audit_type_at(i), "selected",
						       chosen && !strcmp(chosen, audit_type_at(i))));
	json_object_set_new(ctx, "types", types);
	static const char *const kept[] = { "user", "since", "until", NULL };
	for (int i = 0; kept[i]; i++) {
		const char *v = param(req, kept[i]);
		if (v && strlen(v) <= 80)
			json_object_set_new(ctx, kept[i], json_string(v));
	}
}

static int fill_events(json_t *ctx, const struct request *req, const struct admin_page *p, const struct audit_page_query *q)
{
	struct db_result r;
	/* One row more than the page: its presence is the older link. */
	if (search(p->project, q, AUDIT_PAGE_SIZE + 1, &r) < 0)
		return -1;
	json_t *events = json_array();
	unsigned shown = r.nrows > AUDIT_PAGE_SIZE ? AUDIT_PAGE_SIZE : r.nrows;
	for (unsigned i = 0; i < shown; i++)
		json_array_append_new(events, event_row(&r, i));
	json_object_set_new(ctx, "events", events);
	json_object_set_new(ctx, "any", json_boolean(shown > 0));
	if (r.nrows > AUDIT_PAGE_SIZE)
		json_object_set_new(ctx, "older", link_to(req, p, "audit", q->offset + AUDIT_PAGE_SIZE));
	if (q->offset > 0)
		json_object_set_new(ctx, "newer",
				    link_to(req, p, "audit", q->offset > AUDIT_PAGE_SIZE ? q->offset - AUDIT_PAGE_SIZE : 0));
	json_object_set_new(ctx, "csv", link_to(req, p, "audit.csv", 0));
	char range[64];
	snprintf(range, sizeof range, "%ld to %ld", shown ? q->offset + 1 : 0, q->offset + (long)shown);
	json_object_set_new(ctx, "range", json_string(range));
	db_result_free(&r);
	return 0;
}

int manage_audit_get(struct request *req)
{
	struct admin_page p;
	struct audit_page_query q;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *ctx = manage_project_context(req, &p, "Audit events", "audit");
	if (!ctx)
		return -1;
	filter_choices(ctx, req);
	json_object_set_new(ctx, "all_types", json_boolean(!param(req, "type")));
	if (read_query(req, &q, ctx) > 0)
		return manage_send(req, 400, "manage-audit", ctx);
	if (fill_events(ctx, req, &p, &q) < 0) {
		json_decref(ctx);
		return -1;
	}
	return manage_send(req, 200, "manage-audit", ctx);
}

/* ------------------------------------------------------------------ CSV */

/* The whole file in one growing buffer. */
struct csv {
	char *text;
	size_t len, cap;
	bool failed;
};

/* One cell: quoted, quotes doubled, and a leading character a spreadsheet reads as the start of
 * a formula neutralised with an apostrophe (OWASP's advice on CSV injection). */
static void csv_add(struct csv *c, const char *v, bool last)
{
	const char *s = v ? v : "";
	size_t need = c->len + 2 * strlen(s) + 8;
	if (c->failed)
		return;
	if (need > c->cap) {
		char *grown = realloc(c->text, need * 2);
		if (!grown) {
			c->failed = true;
			return;
		}
		c->text = grown;
		c->cap = need * 2;
	}
	char *w = c->text + c->len;
	*w++ = '"';
	if (*s && strchr("=+-@\t\r", *s))
		*w++ = '\'';
	for (; *s; s++) {
		if (*s == '"')
			*w++ = '"';
		*w++ = *s;
	}
	*w++ = '"';
	*w++ = last ? '\n' : ',';
	*w = '\0';
	c->len = (size_t)(w - c->text);
}

static void csv_rows(struct csv *c, const struct db_result *r)
{
	static const char *const head[] = { "recorded", "type", "outcome", "agent", "client", "address", "user_agent",
					    "entity", "reason" };
	for (size_t i = 0; i < 9; i++)
		csv_add(c, head[i], i == 8);
	for (unsigned row = 0; row < r->nrows; row++) {
		char agent[120], entity[120];
		agent_text(r, row, agent, sizeof agent);
		entity_text(r, row, entity, sizeof entity);
		const char *type = db_cell(r, row, AE_TYPE);
		const char *cells[] = { db_cell(r, row, AE_RECORDED), type, audit_type_outcome(type ? type : ""), agent,
					db_cell(r, row, AE_CLIENT), db_cell(r, row, AE_ADDRESS), db_cell(r, row, AE_UA),
					entity, db_cell(r, row, AE_REASON) };
		for (size_t i = 0; i < 9; i++)
			csv_add(c, cells[i], i == 8);
	}
}

int manage_audit_csv(struct request *req)
{
	struct admin_page p;
	struct audit_page_query q;
	int rc = manage_require_admin(req, &p);
	if (rc != 0)
		return rc;
	json_t *errors = json_object();
	int bad = read_query(req, &q, errors);
	json_decref(errors);
	if (bad > 0)
		return page_answered(page_message(req, 400, "Not downloaded", "The filters are not valid."));
	q.offset = 0;
	struct db_result r;
	if (search(p.project, &q, AUDIT_CSV_ROWS, &r) < 0)
		return -1;
	struct csv c = { 0 };
	csv_rows(&c, &r);
	db_result_free(&r);
	if (c.failed || !c.text) {
		free(c.text);
		return -1;
	}
	char disposition[120];
	snprintf(disposition, sizeof disposition, "Content-Disposition: attachment; filename=\"audit-%s.csv\"\r\n", p.project);
	rc = req_add_header(req, disposition) < 0 ? -1 : 0;
	if (rc == 0)
		send_typed(req, 200, "text/csv; charset=utf-8", c.text, c.len);
	free(c.text);
	return rc;
}
