-- SPDX-License-Identifier: BSD-2-Clause
-- tessera-admin purge deletes the initial access tokens of dynamic client registration
-- (PROTOCOL.md §7.6) that are spent or expired and older than the retention (dcr_purge_tokens,
-- lib/domain/dcr.c: "(uses_left <= 0 OR expires_at < now) AND created_at < now - keep"). The
-- table had no key on its dates, so every purge read every row. The OR cannot use one index,
-- but created_at bounds every row the purge may delete: a range on this key reads only the
-- rows older than the retention (EXPLAIN: type range on this key, where it was ALL), and none
-- at all when there is nothing to purge.
ALTER TABLE client_registration_token
  ADD KEY client_registration_token_created (created_at);
