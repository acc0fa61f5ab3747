-- SPDX-License-Identifier: BSD-2-Clause
-- Tessera identity schema. Typed columns for every lookup and rule (PROTOCOL.md §16b); JSON columns
-- only where a FHIR-shaped resource must round-trip. Unique keys enforce what Medplum only
-- checks by searching. All times are UTC. Secrets never appear in plain text: passwords are
-- scrypt MCF strings, every other secret is an HMAC-SHA256 under the configured hash_key.

CREATE TABLE project (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  description TEXT NULL,
  super_admin BOOLEAN NOT NULL DEFAULT FALSE,
  strict_mode BOOLEAN NOT NULL DEFAULT TRUE,
  owner_user_id CHAR(36) CHARACTER SET ascii NULL,
  features JSON NULL,
  default_patient_access_policy_id CHAR(36) CHARACTER SET ascii NULL,
  setting JSON NULL,          -- [{name, valueString|valueBoolean|valueInteger|valueDecimal}]
  system_setting JSON NULL,   -- rateLimit, authRateLimit, ...
  brand_name VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Server-scoped users have project_id NULL; scope_key makes the email unique per scope
-- (MariaDB has no partial unique indexes).
CREATE TABLE user (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id VARCHAR(36) CHARACTER SET ascii NULL,  -- VARCHAR: MariaDB refuses COALESCE on CHAR below
  scope_key VARCHAR(36) CHARACTER SET ascii AS (COALESCE(project_id, '')) PERSISTENT,
  email VARCHAR(320) NOT NULL,          -- stored lower-cased
  email_verified BOOLEAN NOT NULL DEFAULT FALSE,
  first_name VARCHAR(128) NOT NULL,
  last_name VARCHAR(128) NOT NULL,
  password_hash VARCHAR(255) NULL,
  admin BOOLEAN NOT NULL DEFAULT FALSE,
  external_id VARCHAR(255) NULL,
  identifier JSON NULL,
  mfa_secret VARCHAR(255) NULL,
  mfa_required BOOLEAN NOT NULL DEFAULT FALSE,
  mfa_enrolled BOOLEAN NOT NULL DEFAULT FALSE,
  mfa_methods VARCHAR(64) NULL,
  mfa_last_step BIGINT NULL,            -- last accepted TOTP step: no replay inside the window
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY user_email_scope (scope_key, email),
  KEY user_external (project_id, external_id),
  CONSTRAINT user_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Practitioner, Patient and RelatedPerson profiles as FHIR JSON.
CREATE TABLE profile (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  resource_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  display VARCHAR(512) NULL,
  resource JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY profile_project (project_id, resource_type),
  CONSTRAINT profile_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE access_policy (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(255) NULL,
  resource JSON NOT NULL,               -- the whole AccessPolicy resource
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY access_policy_project (project_id),
  CONSTRAINT access_policy_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE client_application (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(255) NOT NULL,
  description TEXT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'active',
  secret_hash BINARY(32) NULL,          -- HMAC-SHA256(hash_key, secret)
  retiring_secret_hash BINARY(32) NULL,
  redirect_uris JSON NULL,
  launch_uri VARCHAR(2048) NULL,
  pkce_optional BOOLEAN NOT NULL DEFAULT FALSE,
  jwks_uri VARCHAR(2048) NULL,
  identity_provider JSON NULL,
  access_token_lifetime VARCHAR(16) CHARACTER SET ascii NULL,
  refresh_token_lifetime VARCHAR(16) CHARACTER SET ascii NULL,
  allowed_origins JSON NULL,
  default_scope VARCHAR(1024) NULL,
  sign_in_form JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY client_project (project_id),
  CONSTRAINT client_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE bot (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(255) NOT NULL,
  description TEXT NULL,
  resource JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY bot_project (project_id),
  CONSTRAINT bot_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- user_type/user_id: the User, ClientApplication or Bot; profile_type/profile_id: the profile
-- (a ClientApplication or Bot membership points at itself twice).
CREATE TABLE project_membership (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  user_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  user_id CHAR(36) CHARACTER SET ascii NOT NULL,
  profile_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  profile_id CHAR(36) CHARACTER SET ascii NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  admin BOOLEAN NOT NULL DEFAULT FALSE,
  access_policy_id CHAR(36) CHARACTER SET ascii NULL,
  access JSON NULL,
  external_id VARCHAR(255) NULL,
  user_name VARCHAR(255) NULL,
  invited_by CHAR(36) CHARACTER SET ascii NULL,
  user_configuration JSON NULL,
  identifier JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY membership_user (user_id, project_id),
  KEY membership_profile (profile_id, project_id),
  UNIQUE KEY membership_external (project_id, external_id),
  UNIQUE KEY membership_user_name (project_id, user_name),
  CONSTRAINT membership_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE smart_app_launch (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  patient_id CHAR(36) CHARACTER SET ascii NULL,
  encounter_id CHAR(36) CHARACTER SET ascii NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  CONSTRAINT launch_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per sign-in or session. Codes, cookies and refresh secrets are stored as SHA-256
-- digests: they are 128/256-bit random values, so a plain digest is enough and lets the
-- token endpoint find a login by its code with one indexed lookup.
CREATE TABLE login (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  user_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  user_id CHAR(36) CHARACTER SET ascii NOT NULL,
  client_id CHAR(36) CHARACTER SET ascii NULL,
  project_id CHAR(36) CHARACTER SET ascii NULL,   -- restriction chosen at sign-in
  project_new BOOLEAN NOT NULL DEFAULT FALSE,     -- Medplum's "Project/new"
  profile_type VARCHAR(32) CHARACTER SET ascii NULL,
  membership_id CHAR(36) CHARACTER SET ascii NULL,
  auth_method VARCHAR(16) CHARACTER SET ascii NOT NULL,
  auth_time DATETIME(3) NOT NULL,
  scope VARCHAR(1024) NULL,
  nonce VARCHAR(512) NULL,
  code_hash BINARY(32) NULL,
  code_expires_at DATETIME(3) NULL,
  cookie_hash BINARY(32) NULL,
  code_challenge VARCHAR(128) CHARACTER SET ascii NULL,
  code_challenge_method VARCHAR(8) CHARACTER SET ascii NULL,
  redirect_uri VARCHAR(2048) NULL,
  refresh_hash BINARY(32) NULL,
  mfa_verified BOOLEAN NOT NULL DEFAULT FALSE,
  mfa_attempts INT NOT NULL DEFAULT 0,
  email_mfa_hash BINARY(32) NULL,
  email_mfa_expires_at DATETIME(3) NULL,
  granted BOOLEAN NOT NULL DEFAULT FALSE,
  revoked BOOLEAN NOT NULL DEFAULT FALSE,
  launch_id CHAR(36) CHARACTER SET ascii NULL,
  remote_address VARCHAR(64) CHARACTER SET ascii NULL,
  user_agent VARCHAR(512) NULL,
  picture_url VARCHAR(2048) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY login_code (code_hash),
  UNIQUE KEY login_cookie (cookie_hash),
  KEY login_user (user_id, updated_at),
  KEY login_updated (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE signing_key (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,   -- the JWT kid
  alg VARCHAR(8) CHARACTER SET ascii NOT NULL,
  jwk TEXT CHARACTER SET ascii NOT NULL,                  -- private JWK, or wrapped (see wrapped)
  wrapped BOOLEAN NOT NULL DEFAULT FALSE,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  retired_at DATETIME(3) NULL,                             -- no longer signs; verifies until expires_at
  expires_at DATETIME(3) NULL,
  KEY signing_key_active (active, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE domain_configuration (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  domain VARCHAR(255) NOT NULL,                            -- lower-cased
  identity_provider JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  UNIQUE KEY domain_configuration_domain (domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE security_request (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  type VARCHAR(16) CHARACTER SET ascii NOT NULL,           -- invite | verify-email | reset
  user_id CHAR(36) CHARACTER SET ascii NOT NULL,
  project_id CHAR(36) CHARACTER SET ascii NULL,
  secret_hash BINARY(32) NOT NULL,
  used BOOLEAN NOT NULL DEFAULT FALSE,
  redirect_uri VARCHAR(2048) NULL,
  expires_at DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY security_request_user (user_id, type, used),
  CONSTRAINT security_request_user FOREIGN KEY (user_id) REFERENCES user (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE audit_event (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  recorded DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  type VARCHAR(64) CHARACTER SET ascii NOT NULL,           -- e.g. login, token, logout, password
  action CHAR(1) CHARACTER SET ascii NOT NULL DEFAULT 'E', -- FHIR AuditEvent.action
  outcome CHAR(2) CHARACTER SET ascii NOT NULL DEFAULT '0',-- 0 success, 4 minor failure, 8 serious
  outcome_desc VARCHAR(512) NULL,
  project_id CHAR(36) CHARACTER SET ascii NULL,
  agent_type VARCHAR(32) CHARACTER SET ascii NULL,
  agent_id CHAR(36) CHARACTER SET ascii NULL,
  client_id CHAR(36) CHARACTER SET ascii NULL,
  login_id CHAR(36) CHARACTER SET ascii NULL,
  remote_address VARCHAR(64) CHARACTER SET ascii NULL,
  user_agent VARCHAR(512) NULL,
  detail JSON NULL,
  KEY audit_project (project_id, recorded),
  KEY audit_agent (agent_id, recorded),
  KEY audit_recorded (recorded)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE email_outbox (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NULL,
  recipient VARCHAR(320) NOT NULL,
  subject VARCHAR(998) NOT NULL,
  body_text MEDIUMTEXT NOT NULL,
  body_html MEDIUMTEXT NULL,
  status VARCHAR(16) CHARACTER SET ascii NOT NULL DEFAULT 'pending', -- pending | sent | failed
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  last_error VARCHAR(512) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  sent_at DATETIME(3) NULL,
  KEY outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE email_template (
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(64) CHARACTER SET ascii NOT NULL,           -- invite, invite-existing, reset, welcome
  subject VARCHAR(998) NOT NULL,
  body_text MEDIUMTEXT NOT NULL,
  body_html MEDIUMTEXT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  PRIMARY KEY (project_id, name),
  CONSTRAINT email_template_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Shared by every web node: one INSERT ... ON DUPLICATE KEY UPDATE per request.
CREATE TABLE rate_limit (
  bucket VARBINARY(128) NOT NULL,
  window_start BIGINT NOT NULL,
  hits INT NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, window_start)
) ENGINE=InnoDB;
