// SPDX-License-Identifier: BSD-2-Clause
// Review 4 (PROTOCOL.md §7.2.4, §6.5): token exchange must authenticate a confidential client.
// Medplum's SDK sends only client_id, and a client without an explicit tokenEndpointAuthMethod
// keeps that behaviour; but a client whose tokenEndpointAuthMethod is client_secret_basic,
// client_secret_post or private_key_jwt exchanges only when it authenticates with that method
// (RFC 8693 §2.1; as Keycloak does), else 401 invalid_client, before the IdP is asked anything.
// /auth/exchange (Medplum's JSON route) carries no client credentials, so such a client is
// refused there. Refresh tokens of an authenticated exchange are bound to that authentication.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import {
  BASE_URL, addMember, assertOAuthError, basicAuth, createProject, createSigninClient, createUser, postForm, postJson,
  refreshGrant, tesseraAdmin, uniqueName,
} from './lib.mjs';
import { setClientIdp, startFakeIdp } from './idp-lib.mjs';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
let idp, projectId, email;

before(async () => {
  idp = await startFakeIdp();
  email = `${uniqueName('xauth')}@example.com`.toLowerCase();
  projectId = createProject(uniqueName('xauth-project'));
  addMember({ project: projectId, user: createUser({ email }) });
  idp.state.claims = { sub: 'xauth-sub', email };
});
after(() => idp?.close());

/** A client of the project trusting the fake IdP, with this tokenEndpointAuthMethod (null: none set). */
function exchangeClient(method) {
  const c = createSigninClient(projectId, uniqueName(`xauth-${method || 'default'}`), {});
  setClientIdp(c.id, { authorizeUrl: `${idp.issuer}/authorize`, tokenUrl: `${idp.issuer}/token`,
    userInfoUrl: `${idp.issuer}/userinfo`, clientId: 'x' });
  if (method) tesseraAdmin('client', 'set', '--id', c.id, '--token-endpoint-auth-method', method);
  return c;
}

function exchange(fields, headers = {}) {
  return postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, subject_token: `opaque-${randomUUID()}`, ...fields }, headers);
}

/** How often the IdP's userinfo was called. */
const userinfoCalls = () => idp.state.requests.filter((r) => r.path === '/userinfo').length;

describe('a confidential client authenticates its token exchange', () => {
  it('client_secret_basic: client_id alone is 401 before the IdP is asked; Basic works; another method or a wrong secret does not', async () => {
    const c = exchangeClient('client_secret_basic');
    const calls = userinfoCalls();
    assertOAuthError(await exchange({ client_id: c.id }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await exchange({ client_id: c.id, client_secret: c.secret }), 401, 'invalid_client', 'Client authentication method not allowed');
    assertOAuthError(await exchange({}, { Authorization: basicAuth(c.id, 'f'.repeat(64)) }), 401, 'invalid_client', 'Invalid secret');
    assert.equal(userinfoCalls(), calls, 'no upstream call for an unauthenticated exchange');
    const ok = await exchange({}, { Authorization: basicAuth(c.id, c.secret) });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.access_token && ok.json.refresh_token);
    assert.equal(userinfoCalls(), calls + 1);
    // Its refresh token is bound to that authentication (§S.20).
    assertOAuthError(await refreshGrant(ok.json.refresh_token, { clientId: c.id }), 401, 'invalid_client', 'Client authentication required');
    const refreshed = await refreshGrant(ok.json.refresh_token, { headers: { Authorization: basicAuth(c.id, c.secret) } });
    assert.equal(refreshed.status, 200, refreshed.text);
  });

  it('client_secret_post: the body secret works, none does not; a Basic header naming another client is refused', async () => {
    const c = exchangeClient('client_secret_post');
    const other = exchangeClient(null);
    assertOAuthError(await exchange({ client_id: c.id }), 401, 'invalid_client', 'Client authentication required');
    // Another client's credentials authenticate that client, not this one.
    assertOAuthError(await exchange({ client_id: c.id }, { Authorization: basicAuth(other.id, other.secret) }), 401, 'invalid_client', 'Invalid client');
    const ok = await exchange({ client_id: c.id, client_secret: c.secret });
    assert.equal(ok.status, 200, ok.text);
  });

  it('private_key_jwt: its client assertion works, its secret does not', async () => {
    const c = exchangeClient(null);
    const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
    const kid = `xauth-${randomUUID().slice(0, 8)}`;
    const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    tesseraAdmin('client', 'set', '--id', c.id, '--token-endpoint-auth-method', 'private_key_jwt', '--jwks', JSON.stringify({ keys: [jwk] }));
    const assertion = await new jose.SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(c.id).setSubject(c.id).setAudience(new URL('oauth2/token', BASE_URL).href).setExpirationTime('60s').sign(privateKey);
    assertOAuthError(await exchange({ client_id: c.id }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await exchange({ client_id: c.id, client_secret: c.secret }), 401, 'invalid_client', 'Client authentication method not allowed');
    const ok = await exchange({ client_assertion_type: ASSERTION, client_assertion: assertion });
    assert.equal(ok.status, 200, ok.text);
  });

  it('/auth/exchange cannot authenticate a client: a confidential one is refused there', async () => {
    const c = exchangeClient('client_secret_basic');
    const calls = userinfoCalls();
    const r = await postJson('auth/exchange', { externalAccessToken: `opaque-${randomUUID()}`, clientId: c.id });
    assertOAuthError(r, 401, 'invalid_client', 'Client authentication required');
    assert.equal(userinfoCalls(), calls);
  });
});

describe('a client without tokenEndpointAuthMethod keeps Medplum\'s behaviour', () => {
  it('client_id alone exchanges at /oauth2/token and /auth/exchange; a presented secret is still checked', async () => {
    const c = exchangeClient(null);
    const ok = await exchange({ client_id: c.id });
    assert.equal(ok.status, 200, ok.text);
    const legacy = await postJson('auth/exchange', { externalAccessToken: `opaque-${randomUUID()}`, clientId: c.id });
    assert.equal(legacy.status, 200, legacy.text);
    const withSecret = await exchange({}, { Authorization: basicAuth(c.id, c.secret) });
    assert.equal(withSecret.status, 200, withSecret.text);
    assertOAuthError(await exchange({ client_id: c.id, client_secret: 'f'.repeat(64) }), 400, 'invalid_request', 'Invalid secret');
    assertOAuthError(await exchange({}, { Authorization: basicAuth(c.id, 'f'.repeat(64)) }), 401, 'invalid_client', 'Invalid secret');
  });
});
