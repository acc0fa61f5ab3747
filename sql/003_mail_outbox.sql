-- SPDX-License-Identifier: BSD-2-Clause
-- The outbox as lib/mail.c uses it (issue 4). status: pending | sending | sent | failed.
-- recipient_name: the To header's display name; template: which template made the row (for
-- operators); claimed_at: when a process took the row for sending, so a row left in 'sending'
-- by a process that died can be handed back.
ALTER TABLE email_outbox
  ADD COLUMN template VARCHAR(64) CHARACTER SET ascii NULL AFTER project_id,
  ADD COLUMN recipient_name VARCHAR(255) NULL AFTER recipient,
  ADD COLUMN claimed_at DATETIME(3) NULL AFTER next_attempt_at;
