-- SPDX-License-Identifier: BSD-2-Clause
-- The resource API (issue 16): every served row needs updated_at, whose value is the resource's
-- versionId and meta.lastUpdated (lib/core/fhir.h FHIR_VERSION_SQL). smart_app_launch had only
-- created_at.
ALTER TABLE smart_app_launch ADD COLUMN updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3) AFTER created_at;
UPDATE smart_app_launch SET updated_at = created_at;
ALTER TABLE smart_app_launch ADD KEY launch_project (project_id, updated_at);
