/* SPDX-License-Identifier: BSD-2-Clause */
/* extbearer: Bearer tokens of external auth providers (PROTOCOL.md §4, config
 * external_auth_providers): a JWT whose iss is a configured provider's, with a fhirUser claim
 * ("Patient/<id>", ...; also ext.fhirUser), stands for a Login of the oldest active membership
 * with that profile. Stricter than Medplum, which trusts userinfo alone: the token's signature is
 * verified against the issuer's keys (its discovery document) with its exp, and the provider's
 * userinfo must answer 200 to it. A persisted Login (authMethod "external") is made once per
 * token and remembered per process for an hour (never past the token's exp), keyed by the
 * token's SHA-256. */
#ifndef TESSERA_EXTBEARER_H
#define TESSERA_EXTBEARER_H

/* 0 login_id filled, 1 refused (an external provider's token that does not hold), 2 no token of
 * an external provider (verify it as Tessera's), -1. */
int extbearer_login(const char *token, char login_id[37]);

#endif
