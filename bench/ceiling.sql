-- SPDX-License-Identifier: BSD-2-Clause
-- The ceilings' database for bench/tessera-ceiling (bench/run loads it through the admin socket).
-- Not a migration: Tessera's own schema (sql/) never sees these tables. Safe to repeat.
CREATE DATABASE IF NOT EXISTS tessera_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE tessera_bench;
-- One primary-key SELECT per request: a small table, all in the buffer pool.
CREATE TABLE IF NOT EXISTS bench_select (
  id BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  value VARCHAR(255) NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO bench_select (id, name, value)
  WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
  SELECT i, CONCAT('row-', i), SHA2(i, 256) FROM n;
-- One durable autocommit INSERT per request: a random UUID key as a Login row has.
CREATE TABLE IF NOT EXISTS bench_insert (
  id CHAR(36) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  user_agent VARCHAR(512) NULL,
  remote_address VARCHAR(64) CHARACTER SET ascii NULL,
  created_at DATETIME(3) NOT NULL DEFAULT UTC_TIMESTAMP(3)
) ENGINE=InnoDB;
-- The web programs' account: rows only, as on the tessera database.
GRANT SELECT, INSERT, UPDATE, DELETE ON tessera_bench.* TO 'tessera'@'localhost';
