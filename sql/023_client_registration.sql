-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 18: dynamic client registration (RFC 7591, RFC 7592; PROTOCOL.md §7.6).
--
-- project.client_registration: the project accepts registrations at /oauth2/register (off by
-- default); each needs an initial access token of the project (client_registration_token),
-- which a project admin makes (shown once, stored as a keyed hash, with an expiry and a number
-- of uses).
ALTER TABLE project ADD COLUMN client_registration BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE client_registration_token (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  token_hash BINARY(32) NOT NULL,       -- HMAC-SHA256(hash_key, token)
  expires_at DATETIME(3) NOT NULL,
  uses_left INT NOT NULL,
  created_by CHAR(36) CHARACTER SET ascii NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY client_registration_token_hash (token_hash),
  KEY client_registration_token_project (project_id),
  CONSTRAINT client_registration_token_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A registered client: the keyed hash of its registration access token (RFC 7592, never stored
-- in the clear), the metadata it registered (client_name, grant_types, ...: RFC 7591 §2, as
-- read back), and pkce_s256: its codes need PKCE with S256 (public clients that registered).
ALTER TABLE client_application
  ADD COLUMN registration_token_hash BINARY(32) NULL,
  ADD COLUMN registration JSON NULL,
  ADD COLUMN pkce_s256 BOOLEAN NOT NULL DEFAULT FALSE;
