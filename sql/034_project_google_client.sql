-- SPDX-License-Identifier: BSD-2-Clause
-- Review 4: a Google client id (Project.site[].googleClientId, POST /auth/google, PROTOCOL.md
-- §6.3) belongs to one project at most. Without an owner, a project admin could list another
-- project's id in its own site: sign-ins without projectId became ambiguous (refused), and a
-- token audienced for the first project's Google client could be offered to the second. The
-- primary key decides who holds an id, atomically, between concurrent writes; lib/domain/
-- projects.c rewrites a project's rows in the transaction that writes its site, and a row goes
-- with its project. Binary: the token's aud is compared byte for byte, so is the claim.
CREATE TABLE project_google_client (
  google_client_id VARBINARY(1020) NOT NULL PRIMARY KEY,  -- 255 characters of site, 4 bytes at most each
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  KEY project_google_client_project (project_id),
  CONSTRAINT project_google_client_project FOREIGN KEY (project_id) REFERENCES project (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- The sites already stored: an id listed by several projects stays with the oldest of them (the
-- others keep the entry in their site but no longer sign in with it; their next write of site
-- must leave it out).
INSERT IGNORE INTO project_google_client (google_client_id, project_id)
SELECT j.google_client_id, p.id
FROM project p, JSON_TABLE(p.site, '$[*]' COLUMNS (google_client_id VARCHAR(255) CHARACTER SET utf8mb4 PATH '$.googleClientId')) j
WHERE p.site IS NOT NULL AND j.google_client_id IS NOT NULL
ORDER BY p.created_at, p.id;
