-- SPDX-License-Identifier: BSD-2-Clause
-- The admin API (issue 4). An invite may name a person by the membership's externalId alone
-- (PROTOCOL.md §9.1: "either email or externalId"): such a User has no email. NULLs never collide in
-- the unique key, so any number of them can live in one project.
ALTER TABLE user MODIFY email VARCHAR(320) NULL;
