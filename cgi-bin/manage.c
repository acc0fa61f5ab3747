/* SPDX-License-Identifier: BSD-2-Clause */
/* tessera-manage: the admin API (PROTOCOL.md §9) under /admin/, and the admin pages under /manage/
 * (manage-pages.c). Project admins act on their own
 * project, super admins on any: invite (lib/invite.c), clients, bots, members, a project-scoped
 * user's password, the project's email templates and brand name; super admins also set any
 * user's password and purge old logins and audit events. Every route needs authentication
 * (401) and an admin (403 "Forbidden"); every multi-row change is one transaction.
 *
 * This file is the route table; each route's handler and input table live with their concern
 * (manage-api.h): manage-members.c, manage-clients.c, manage-passwords.c, manage-purge.c,
 * manage-templates.c, manage-settings.c and manage-audit.c, sharing manage-api.c. */
#include "http/app.h"
#include "domain/pipeline.h"
#include "manage-api.h"
#include "manage-audit.h"
#include "manage-pages.h"

#define P "/admin/projects/:projectId"
#define M "/manage/projects/:projectId"
static const struct route routes[] = {
	{ "POST", "/admin/projects/setpassword", project_setpassword, setpassword_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/invite", invite, invite_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/client", create_client, client_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/bot", create_bot, bot_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "GET", P "/members/:membershipId", get_member, member_path_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/members/:membershipId", update_member, member_update_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "DELETE", P "/members/:membershipId", delete_member, member_path_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "GET", P "/email-templates", list_templates, NULL, ROUTE_AUTH | ROUTE_ADMIN },
	{ "GET", P "/email-templates/:name", get_template, NULL, ROUTE_AUTH | ROUTE_ADMIN },
	{ "PUT", P "/email-templates/:name", put_template, template_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "DELETE", P "/email-templates/:name", delete_template, NULL, ROUTE_AUTH | ROUTE_ADMIN },
	{ "GET", P "/settings", get_settings, NULL, ROUTE_AUTH | ROUTE_ADMIN },
	{ "GET", P "/audit", manage_audit_list, manage_audit_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/settings", post_settings, settings_inputs, ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", P "/client-registration-tokens", post_registration_token, registration_token_inputs,
	  ROUTE_AUTH | ROUTE_ADMIN },
	{ "POST", "/admin/super/setpassword", super_setpassword, super_setpassword_inputs, ROUTE_AUTH | ROUTE_SUPER_ADMIN },
	{ "POST", "/admin/super/purge", super_purge, purge_inputs, ROUTE_AUTH | ROUTE_SUPER_ADMIN },
	/* The admin pages for browsers (manage-pages.c): the page session, not a bearer token. */
	{ "GET", M "/members", manage_members_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/members/:membershipId/remove", manage_remove_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/members/:membershipId/remove", manage_remove_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/members/:membershipId", manage_member_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/members/:membershipId", manage_member_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/members/:membershipId/signout", manage_signout_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/members/:membershipId/resend", manage_resend_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/invite", manage_invite_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/invite", manage_invite_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/clients", manage_clients_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/clients", manage_clients_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/clients/:clientId/rotate", manage_rotate_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/clients/:clientId", manage_client_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/clients/:clientId", manage_client_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/clients/:clientId/revoke", manage_client_revoke_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/clients/:clientId/secret", manage_secret_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/bots", manage_bots_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/bots", manage_bots_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/bots/:botId", manage_bot_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/bots/:botId", manage_bot_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/bots/:botId/rotate", manage_bot_rotate_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/bots/:botId/secret", manage_bot_secret_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/policies", manage_policies_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/policies", manage_policies_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/policies/:policyId", manage_policy_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/policies/:policyId", manage_policy_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/policies/:policyId/delete", manage_policy_delete_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/policies/:policyId/delete", manage_policy_delete_post, manage_delete_inputs,
	  ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/settings", manage_settings_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/settings", manage_settings_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/manage/super", manage_super_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", "/manage/super/outbox/retry", manage_super_retry_all_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", "/manage/super/outbox/:messageId/retry", manage_super_retry_one_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/manage/super/domains", manage_domains_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", "/manage/super/domains", manage_domains_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/manage/super/domains/:domainId", manage_domain_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", "/manage/super/domains/:domainId", manage_domain_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/manage/super/domains/:domainId/delete", manage_domain_delete_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", "/manage/super/domains/:domainId/delete", manage_domain_delete_post, manage_delete_inputs,
	  ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", "/manage/super/users", manage_super_users_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/templates", manage_templates_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/templates/:name", manage_template_get, manage_done_inputs, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/templates/:name", manage_template_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/templates/:name/preview", manage_template_preview_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "POST", M "/templates/:name/reset", manage_template_reset_post, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/audit", manage_audit_get, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ "GET", M "/audit.csv", manage_audit_csv, NULL, ROUTE_PAGE | ROUTE_CSRF | ROUTE_PAGE_SESSION },
	{ 0 },
};

int main(void)
{
	return pipeline_run("tessera-manage", routes);
}
