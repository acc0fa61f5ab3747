-- SPDX-License-Identifier: BSD-2-Clause
-- The resource API's remaining types (issue 16, PROTOCOL.md §11.5): a Bot's secret (shown once at
-- creation, only its keyed hash kept, as a ClientApplication's), UserConfiguration resources of
-- their own, and the keys every search orders by (updated_at) inside a project.
ALTER TABLE bot ADD COLUMN secret_hash BINARY(32) NULL AFTER description;
ALTER TABLE bot DROP KEY bot_project, ADD KEY bot_project (project_id, updated_at);

CREATE TABLE user_configuration (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  name VARCHAR(255) NULL,
  resource JSON NOT NULL,               -- menu, search, option: the whole resource less id and meta
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY user_configuration_project (project_id, updated_at),
  CONSTRAINT user_configuration_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE client_application DROP KEY client_project, ADD KEY client_project (project_id, updated_at);
ALTER TABLE user ADD KEY user_updated (updated_at);
