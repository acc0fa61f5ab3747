-- SPDX-License-Identifier: BSD-2-Clause
-- Client secret rotation (issue 4, the admin pages): the secret a rotation replaces stays
-- accepted by the token endpoint as the retiring secret (PROTOCOL.md §2 retiringSecret) until this
-- time, so services can switch without downtime. NULL: no end (a retiring secret set before
-- this migration, or by an operator).
ALTER TABLE client_application ADD COLUMN retiring_secret_expires_at DATETIME(3) NULL AFTER retiring_secret_hash;
