-- SPDX-License-Identifier: BSD-2-Clause
-- Client authentication at the token endpoint (issue 14, finding 4; PROTOCOL.md §S.20).
--
-- tokenEndpointAuthMethod: 'none' (the default, Medplum's behaviour: a code redeemed with
-- PKCE needs no secret, a code without PKCE does) or 'client_secret_basic' /
-- 'client_secret_post' (confidential: every grant authenticates, with that method).
ALTER TABLE client_application
  ADD COLUMN token_endpoint_auth_method VARCHAR(32) CHARACTER SET ascii NOT NULL DEFAULT 'none' AFTER pkce_optional,
  ADD CONSTRAINT client_token_endpoint_auth_method
    CHECK (token_endpoint_auth_method IN ('none', 'client_secret_basic', 'client_secret_post'));

-- How the client authenticated when the login's current refresh token was issued (NULL: it
-- did not). A refresh must authenticate at least as strongly, so a token issued to an
-- authenticated client is useless without the client's credentials.
ALTER TABLE login ADD COLUMN client_auth_method VARCHAR(32) CHARACTER SET ascii NULL AFTER refresh_allowed;
