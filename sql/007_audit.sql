-- SPDX-License-Identifier: BSD-2-Clause
-- Audit (issue 7): what was changed, and the token grants read from login rows.
-- granted_at and refreshed_at/refresh_count are set by the UPDATEs the authorization_code
-- and refresh_token grants already make, so auditing adds no write to those hot paths;
-- project_id is now also set when a sign-in chooses its membership, so the audit API finds
-- a project's logins through login_project.
ALTER TABLE audit_event ADD COLUMN entity VARCHAR(80) CHARACTER SET ascii NULL AFTER user_agent;
ALTER TABLE audit_event ADD KEY audit_project_type (project_id, type, recorded);
ALTER TABLE login ADD COLUMN granted_at DATETIME(3) NULL AFTER granted;
ALTER TABLE login ADD COLUMN refreshed_at DATETIME(3) NULL AFTER refresh_allowed;
ALTER TABLE login ADD COLUMN refresh_count INT NOT NULL DEFAULT 0 AFTER refreshed_at;
ALTER TABLE login ADD KEY login_project (project_id, created_at);
