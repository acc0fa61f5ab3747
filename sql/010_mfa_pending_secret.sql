-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 14, finding 6: a TOTP secret shown before enrollment was stored on the user and shown
-- again to every later sign-in and GET /auth/mfa/status; enrollment kept it, so whoever saw it
-- once held the second factor for good. Now each login that asks gets its own secret, sealed
-- like user.mfa_secret (lib/domain/mfa.c), valid mfa_login_lifetime seconds from mfa_pending_at;
-- only the one a code confirms is copied to user.mfa_secret.
ALTER TABLE login
  ADD COLUMN mfa_pending_secret VARCHAR(255) NULL AFTER mfa_attempts,
  ADD COLUMN mfa_pending_at DATETIME(3) NULL AFTER mfa_pending_secret;
-- Secrets stored before this migration without being confirmed may have been seen by anyone
-- who signed in or held a token: none of them may be enrolled later. (Users enrolled with
-- TOTP keep theirs; NULL methods on an enrolled user mean TOTP.)
UPDATE user SET mfa_secret = NULL, updated_at = UTC_TIMESTAMP(3)
  WHERE mfa_secret IS NOT NULL
    AND (NOT mfa_enrolled OR (mfa_methods IS NOT NULL AND NOT FIND_IN_SET('totp', mfa_methods)));
