-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 21: at most one signing key signs, enforced by the database, so two processes (on two
-- web nodes of a Galera cluster, where GET_LOCK is local to one node) that create the first
-- key or rotate at once cannot leave two active keys: the second insert is a duplicate on one
-- server, or loses Galera's certification (the unique key is part of the write set).
--
-- A database that already has several active keys keeps the newest signing; the others
-- verify for 15 days (beyond the default refresh-token lifetime of 14), as after a rotation.
UPDATE signing_key SET active = FALSE, retired_at = UTC_TIMESTAMP(3),
  expires_at = GREATEST(COALESCE(expires_at, UTC_TIMESTAMP(3)), UTC_TIMESTAMP(3) + INTERVAL 15 DAY)
  WHERE active AND id <> (SELECT id FROM (SELECT id FROM signing_key WHERE active
                                          ORDER BY created_at DESC, id DESC LIMIT 1) AS newest);
ALTER TABLE signing_key
  ADD COLUMN active_slot TINYINT AS (IF(active, 1, NULL)) PERSISTENT,
  ADD UNIQUE KEY signing_key_one_active (active_slot);
