-- SPDX-License-Identifier: BSD-2-Clause
-- Email verification against account pre-hijacking (issue 14, finding 3): a project may refuse
-- sign-in to accounts whose address is not verified (admin setting emailVerificationRequired,
-- off by default so that the Medplum SDK's sign-up flows keep working).
ALTER TABLE project
  ADD COLUMN email_verification_required BOOLEAN NOT NULL DEFAULT FALSE AFTER allowed_mfa_methods;
