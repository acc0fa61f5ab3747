-- SPDX-License-Identifier: BSD-2-Clause
-- Refresh eligibility is decided at sign-in (scope offline/offline_access or remember) and
-- lost when the membership is in a super-admin project; the secret itself is issued (and
-- stored hashed in refresh_hash) only with the tokens.
ALTER TABLE login ADD COLUMN refresh_allowed BOOLEAN NOT NULL DEFAULT FALSE AFTER refresh_hash;
