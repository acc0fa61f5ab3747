-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 21: writes that web nodes of a Galera cluster would otherwise make to the same rows.
--
-- An outbox row is claimed by one process (claimed_by, a random id of that process) for a
-- lease (claimed_at + MAIL_STALE_SECONDS, lib/mail/mail.h). Only the holder records the
-- outcome, so a mailer that outlived its lease cannot overwrite the row another mailer took
-- over; a row whose mailer died is handed back after the lease and retaken.
ALTER TABLE email_outbox
  ADD COLUMN claimed_by CHAR(36) CHARACTER SET ascii NULL AFTER claimed_at;

-- The per-minute client_credentials counts: one row per client, minute and web node
-- (node_name), so two nodes never add to the same row (a hot row: their batches lost Galera
-- certification to each other). '' is a node without a name (rows written before this).
ALTER TABLE client_grant_minute
  ADD COLUMN node VARCHAR(64) CHARACTER SET ascii NOT NULL DEFAULT '' AFTER minute,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (client_id, minute, node);
