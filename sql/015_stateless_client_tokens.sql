-- SPDX-License-Identifier: BSD-2-Clause
-- Issue 15: a client_credentials access token is self-contained (no Login row), and the
-- per-IP and per-client counts live in each node's shared memory (lib/core/shmcount.c).
--
-- token_revocation: the ids (jti) of self-contained tokens revoked before they expire
-- (RFC 7009 /oauth2/revoke, /oauth2/logout). Every use of such a token reads its row by
-- primary key in the query that authenticates it; tessera-admin purge deletes rows whose
-- token has expired, so the table holds at most one access-token lifetime of revocations.
CREATE TABLE token_revocation (
  jti CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  client_id CHAR(36) CHARACTER SET ascii NULL,
  expires_at DATETIME(3) NOT NULL,
  revoked_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  KEY token_revocation_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A client's not_before: a generation (ms of the database clock when it was last raised)
-- copied into every self-contained token as "cnb"; a token whose cnb is below it is refused.
-- Raised when a secret is rotated without a retiring period (lib/domain/clients.c), and by
-- the triggers below whatever makes the change (the admin API, tessera-admin, plain SQL):
-- when the client stops being active, and when its membership is deactivated or deleted. So
-- every token issued before is refused at once, and stays refused when the client or its
-- membership comes back.
ALTER TABLE client_application
  ADD COLUMN tokens_not_before BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER client_tokens_end BEFORE UPDATE ON client_application FOR EACH ROW
BEGIN
  IF OLD.status = 'active' AND NEW.status <> 'active' THEN
    SET NEW.tokens_not_before = GREATEST(OLD.tokens_not_before + 1, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED));
  END IF;
END;

CREATE TRIGGER membership_tokens_end_update AFTER UPDATE ON project_membership FOR EACH ROW
BEGIN
  IF OLD.active AND NOT NEW.active AND OLD.user_type = 'ClientApplication' THEN
    UPDATE client_application
      SET tokens_not_before = GREATEST(tokens_not_before + 1, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))
      WHERE id = OLD.user_id;
  END IF;
END;

CREATE TRIGGER membership_tokens_end_delete AFTER DELETE ON project_membership FOR EACH ROW
BEGIN
  IF OLD.user_type = 'ClientApplication' THEN
    UPDATE client_application
      SET tokens_not_before = GREATEST(tokens_not_before + 1, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED))
      WHERE id = OLD.user_id;
  END IF;
END;

-- client_credentials grants per client and minute (UTC), written in batches by each token
-- program process (about once a second while it issues tokens); the audit API lists them.
-- The address and user agent are those of the batch's latest grant.
CREATE TABLE client_grant_minute (
  client_id CHAR(36) CHARACTER SET ascii NOT NULL,
  minute DATETIME NOT NULL,
  project_id CHAR(36) CHARACTER SET ascii NOT NULL,
  grants INT UNSIGNED NOT NULL,
  remote_address VARCHAR(64) CHARACTER SET ascii NULL,
  user_agent VARCHAR(512) NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3),
  PRIMARY KEY (client_id, minute),
  KEY client_grant_project (project_id, minute)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The per-IP counts left the database: the MEMORY table and its function go.
DROP FUNCTION IF EXISTS tessera_hit;
DROP TABLE IF EXISTS rate_limit;
