-- SPDX-License-Identifier: BSD-2-Clause
-- Review 4: a session vouched for only by an identity provider a project chose (a client's
-- identityProvider through /auth/external, token exchange or the jwt-bearer grant; an
-- external auth provider's bearer token, which names one project's profile) is confined to
-- that project (PROTOCOL.md §S.25). It is recorded when the Login is made, not derived later:
-- the project admin who chose the IdP could remove it from the client afterwards, and the
-- Login would then pass for one a domain's IdP vouched for.
ALTER TABLE login ADD COLUMN confined BOOLEAN NOT NULL DEFAULT FALSE AFTER auth_method;

-- Sessions already open: token exchange and jwt-bearer only ever trust a client's IdP; an
-- external sign-in through a client that has an IdP used that client's.
UPDATE login l LEFT JOIN client_application c ON c.id = l.client_id
SET l.confined = TRUE
WHERE NOT l.revoked AND (l.auth_method IN ('exchange', 'jwt-bearer')
  OR (l.auth_method = 'external' AND c.identity_provider IS NOT NULL));
