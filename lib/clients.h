/* clients: ClientApplication lookup and secret verification. Secrets are stored only as
 * keyed hashes (HMAC-SHA256 under hash_key) and compared in constant time. */
#ifndef TESSERA_CLIENTS_H
#define TESSERA_CLIENTS_H
#include <stdbool.h>
#include <stdint.h>

struct client {
	char id[37];
	char project_id[37];
	char membership_id[37];    /* empty when the client has no membership */
	char name[256];
	char project_name[256];
	char status[16];
	bool has_secret, has_retiring;
	uint8_t secret_hash[32];
	uint8_t retiring_hash[32];
	bool pkce_optional;
	long access_lifetime;      /* seconds */
	long refresh_lifetime;
	bool project_super_admin;
};

/* 0 found, 1 not found (including ids that are not UUIDs), -1 database error. */
int clients_get(const char *id, struct client *c);
/* Accepts the current secret, and the retiring one when allow_retiring. */
bool clients_secret_ok(const struct client *c, const char *secret, bool allow_retiring);
/* Usable for client credentials: active status and a membership. */
bool clients_usable(const struct client *c);
/* Creates a client in a project with its membership; writes a fresh secret (64 hex) to
 * secret_out. One transaction. */
int clients_create(const char *project_id, const char *name, const char *description, char id_out[37],
		   char secret_out[65]);

#endif
