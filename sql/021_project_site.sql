-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 17: Project.site (Medplum's [{name, domain[], googleClientId?, recaptchaSiteKey?}]), for
-- the project-specific Google client ids of POST /auth/google (PROTOCOL.md §6.3): a Google ID
-- token whose audience is such a client id signs in to that project.
ALTER TABLE project ADD COLUMN site JSON NULL AFTER system_setting;
