/* SPDX-License-Identifier: BSD-2-Clause */
/* admin: pieces shared by the tessera-admin command modules. */
#ifndef TESSERA_ADMIN_H
#define TESSERA_ADMIN_H
#include <stdbool.h>
#include <stddef.h>

const char *option(int argc, char **argv, const char *name);
/* Options must be known and each take a value; anything else is a usage error. */
bool options_ok(int argc, char **argv, int first, const char *const *known);
int cmd_user(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_mail(int argc, char **argv);
/* admin-dcr.c: dynamic client registration's tokens and switch */
int cmd_client_registration(int argc, char **argv);
int admin_project_set(int argc, char **argv);
/* admin-purge.c */
int cmd_purge(int argc, char **argv);
/* admin-import.c: a Medplum export (docs/MIGRATING.md) */
int cmd_import(int argc, char **argv);
int admin_usage(void);
int cmd_migrate(int argc, char **argv);
/* Migrations not yet applied: a count, or -1. */
int admin_pending_migrations(void);
int admin_find(const char *email, char user_id[37]);
int admin_create(const char *email, const char *hash);
/* admin-idp.c: external identity providers of domains and clients */
int cmd_domain(int argc, char **argv);
int admin_client_identity_provider(const char *id, const char *path);
/* admin-setup.c */
int cmd_setup(int argc, char **argv);
/* admin-schema.c */
int cmd_upgrade(int argc, char **argv);
/* The migration account for DDL into db_user/db_password: from the root-only admin file
 * (admin_config, config_load_admin), else the web account. */
int use_migration_account(char *err, size_t len);

#endif
