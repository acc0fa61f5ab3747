-- Password attempts per account and client IP (lib/ratelimit.c): after login_delay_after
-- failures each attempt waits min(2^n s, login_delay_max) after the last one; a success
-- deletes the row, tessera-admin purge deletes rows a day old. bucket = first 16 bytes of
-- SHA-256("pw:<ip>\n<lower-cased email>").
CREATE TABLE login_throttle (
  bucket BINARY(16) NOT NULL PRIMARY KEY,
  failures INT NOT NULL,
  last_failure DECIMAL(16,3) NOT NULL,
  KEY login_throttle_last (last_failure)
) ENGINE=InnoDB;
