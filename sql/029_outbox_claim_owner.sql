-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 21: an outbox row is claimed by one process (claimed_by, a random id of that
-- process) for a lease (claimed_at + MAIL_STALE_SECONDS, lib/mail/mail.h). Only the holder
-- records the outcome, so a mailer that outlived its lease cannot overwrite the row another
-- mailer took over; a row whose mailer died is handed back after the lease and retaken.
ALTER TABLE email_outbox
  ADD COLUMN claimed_by CHAR(36) CHARACTER SET ascii NULL AFTER claimed_at;
