-- SPDX-License-Identifier: BSD-2-Clause
-- SCIM 2.0 (issue 18, PROTOCOL.md §10). A SCIM DELETE deprovisions a membership: it stays, inactive,
-- for its history (audit events, the profile's records), and SCIM answers 404 for it from then on
-- (RFC 7644 §3.6). Its userName and externalId are released with it, so the directory can
-- provision the person again.
ALTER TABLE project_membership ADD COLUMN deprovisioned_at DATETIME(3) NULL AFTER identifier;
