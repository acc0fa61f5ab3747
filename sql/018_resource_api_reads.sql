-- SPDX-License-Identifier: BSD-2-Clause
-- The resource API serves Login (issue 16) under its reference, never its id (a login id is a
-- bearer secret while its sign-in is in progress, lib/domain/login.h login_ref). The reference
-- is an HMAC under hash_key, which the database does not hold, so it is written with the row
-- (login_insert) and Logins made before this migration have none: they age out with the idle
-- purge and are not served. Added last and NULL, so the column is an instant change of a large
-- table; the index is what reading one Login by its id needs.
ALTER TABLE login ADD COLUMN ref CHAR(24) CHARACTER SET ascii NULL;
ALTER TABLE login ADD KEY login_ref (ref);
-- UserSecurityRequest resources are searched by project, newest first.
ALTER TABLE security_request ADD KEY security_request_project (project_id, created_at);
