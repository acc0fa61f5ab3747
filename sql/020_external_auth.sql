-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 17: the round trips through an external identity provider (PROTOCOL.md §6.4).
-- One row per trip, written when Tessera sends the browser to the IdP and spent (used_at)
-- when the IdP sends it back to /auth/external: the `state` the IdP carries is this row's id
-- with a MAC, the browser that started the trip holds a cookie whose keyed hash is
-- browser_hash, and the login request it will continue (client, redirect URI, scope, the
-- client's own PKCE challenge, ...) waits here, never in the URL. The PKCE verifier and the
-- nonce sent to the IdP are derived from the id under hash_key, so no secret is stored.
-- Rows older than an hour are deleted as new trips start.
CREATE TABLE external_auth (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  browser_hash BINARY(32) NOT NULL,
  client_id CHAR(36) CHARACTER SET ascii NULL,
  domain VARCHAR(253) NULL,
  request JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  used_at DATETIME(3) NULL,
  KEY external_auth_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
