-- SPDX-License-Identifier: BSD-2-Clause
-- The per-account password ceiling across addresses (lib/domain/ratelimit.c, issue 14 finding 2):
-- besides the rows per account and address, login_throttle holds one row per account
-- (bucket = SHA-256("acct:\n<account>")) counting failures from every address, where the
-- account is "u:<user id>", or "e:<email folded as utf8mb4_unicode_ci compares it>" for an
-- unknown email. signed_in is when the address last signed in to the account (a success sets
-- failures = 0 instead of deleting the row): such an address is the owner's for 30 days and
-- never waits for the account-wide count, so an attacker cannot lock the owner out with it.
-- tessera-admin purge keeps those rows while signed_in is recent.
ALTER TABLE login_throttle
  ADD COLUMN signed_in DECIMAL(16,3) NULL AFTER last_failure;
