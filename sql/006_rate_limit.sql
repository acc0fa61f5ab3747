-- SPDX-License-Identifier: BSD-2-Clause
-- Per-IP request counts (lib/ratelimit.c): one upsert per request, so the table is MEMORY,
-- not InnoDB. A counter needs no durability (Medplum keeps it in Redis), and as InnoDB every
-- request paid a redo-log flush it waited for: measured on the 2-core machine, /healthz fell
-- from ~7,000 to ~1,100 req/s (each FastCGI process blocks on its commit), client_credentials
-- by a quarter; as MEMORY the upsert costs a table lock of microseconds and no I/O. Rows
-- vanish when MariaDB restarts (every window starts afresh). In a Galera cluster MEMORY
-- tables are not replicated: each database node counts the requests that reach it (docs/
-- ARCHITECTURE.md "Rate limits"). bucket is a 16-byte hash; each program deletes windows
-- older than the previous one once a minute, tessera-admin purge those older than an hour.
ALTER TABLE rate_limit
  MODIFY bucket BINARY(16) NOT NULL,
  ADD KEY rate_limit_window (window_start) USING BTREE,
  ENGINE=MEMORY;

-- Password attempts per account and client IP (lib/ratelimit.c): after login_delay_after
-- failures each attempt waits min(2^n s, login_delay_max) after the last one; a success
-- deletes the row, tessera-admin purge deletes rows a day old. bucket = first 16 bytes of
-- SHA-256("pw:<ip>\n<lower-cased email>"). InnoDB: rare writes, shared by every node.
CREATE TABLE login_throttle (
  bucket BINARY(16) NOT NULL PRIMARY KEY,
  failures INT NOT NULL,
  last_failure DECIMAL(16,3) NOT NULL,
  KEY login_throttle_last (last_failure)
) ENGINE=InnoDB;
