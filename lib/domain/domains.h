/* SPDX-License-Identifier: BSD-2-Clause */
/* domains: DomainConfiguration rows — which identity provider signs in the users of an email
 * domain. */
#ifndef TESSERA_DOMAINS_H
#define TESSERA_DOMAINS_H
#include <jansson.h>
#include "domain/store.h"

/* The identity provider configured for an email domain (lower-case): 0 (*idp set, or NULL
 * when the domain has none or its JSON cannot be read; the caller owns it) or -1. */
int domains_identity_provider(const char *domain, json_t **idp);

/* DomainConfiguration resources for the resource API (global: super admins only): a lower-cased
 * email domain, unique, and its identityProvider, whose clientSecret is never handed out (an
 * update without it keeps it). */
extern const struct resource_store domains_store;

/* 1 when the email domain (lower-case) has a DomainConfiguration, 0 when not, -1. */
int domains_configured(const char *domain);
/* tessera-admin domain set: creates or replaces the domain's identity provider (checked as the
 * resource API checks it; a configuration without clientSecret keeps the stored one, sealed).
 * 0, 1 refused (err), -1. */
int domains_set(const char *domain, json_t *identity_provider, struct refusal *err);
/* tessera-admin domain list: [{domain, identityProvider (no secret)}] by domain. 0 or -1. */
int domains_list(json_t **out);
/* tessera-admin domain remove: 0 removed, 1 no such domain, -1. */
int domains_remove(const char *domain);

#endif
