-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 18: clients that authenticate with keys (private_key_jwt, RFC 7523 §2.2; PROTOCOL.md §7.2).
--
-- jwks: the client's public keys inline (a JWK Set, as RFC 7591's "jwks"), beside jwks_uri
-- (the keys fetched from the client's URL). A client whose tokenEndpointAuthMethod is
-- private_key_jwt authenticates only with an assertion signed by one of them; its secret,
-- if it has one, is refused everywhere.
ALTER TABLE client_application
  ADD COLUMN jwks JSON NULL AFTER jwks_uri,
  DROP CONSTRAINT client_token_endpoint_auth_method,
  ADD CONSTRAINT client_token_endpoint_auth_method
    CHECK (token_endpoint_auth_method IN ('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'));

-- The assertions already used (RFC 7523 §3 item 7: a jti is single use). Keyed by
-- SHA-256(issuer, NUL, jti), so any jti text fits and two issuers never collide; kept until the
-- assertion's exp (at most five minutes ahead), after which the assertion is refused as
-- expired anyway; tessera-admin purge deletes the rows whose time is over.
CREATE TABLE assertion_jti (
  id BINARY(32) NOT NULL PRIMARY KEY,
  expires_at DATETIME NOT NULL,
  KEY assertion_jti_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
