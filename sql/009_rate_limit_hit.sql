-- SPDX-License-Identifier: BSD-2-Clause
-- The per-IP count (lib/ratelimit.c) as a function, so it can ride on a request's own
-- statement instead of taking a round trip of its own: the Bearer session query of
-- lib/auth.c adds the column tessera_hit(bucket, window). Same upsert as ratelimit_count;
-- LAST_INSERT_ID() inside a function is the function's own and is restored when it
-- returns, so the caller's statement is unaffected. SQL SECURITY INVOKER: the web
-- programs' account needs EXECUTE (scripts/dev, docs/INSTALL.md) and its own INSERT right
-- on rate_limit, nothing more.
CREATE FUNCTION tessera_hit(b BINARY(16), w BIGINT) RETURNS BIGINT
  NOT DETERMINISTIC MODIFIES SQL DATA SQL SECURITY INVOKER
BEGIN
  INSERT INTO rate_limit (bucket, window_start, hits) VALUES (b, w, LAST_INSERT_ID(1))
    ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(hits + 1);
  RETURN LAST_INSERT_ID();
END;
