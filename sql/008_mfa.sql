-- SPDX-License-Identifier: BSD-2-Clause
-- Multi-factor authentication (issue 5). The user's TOTP secret (user.mfa_secret, sealed with
-- AES-256-GCM, see lib/mfa.c), mfa_required, mfa_enrolled, mfa_methods and mfa_last_step (no
-- replay) and the login's mfa_verified, mfa_attempts and emailed code (email_mfa_hash, keyed
-- hash, and email_mfa_expires_at) exist since 001_init.sql. Added here:
-- * the project's rule (Medplum's project setting mfaRequired and allowedMfaMethods);
-- * the per-user limit of wrong codes: failures counted in a fixed window that starts at the
--   first failure (unix seconds), so guessing across many sign-ins is limited too.
ALTER TABLE project
  ADD COLUMN mfa_required BOOLEAN NOT NULL DEFAULT FALSE AFTER brand_name,
  ADD COLUMN allowed_mfa_methods SET('totp', 'email') NOT NULL DEFAULT 'totp,email' AFTER mfa_required;
ALTER TABLE user
  ADD COLUMN mfa_failures INT NOT NULL DEFAULT 0 AFTER mfa_last_step,
  ADD COLUMN mfa_failures_since BIGINT NULL AFTER mfa_failures;
