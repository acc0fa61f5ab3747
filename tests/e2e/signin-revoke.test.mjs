// SPDX-License-Identifier: BSD-2-Clause
// RFC 7009 /oauth2/revoke for interactive sign-ins (PROTOCOL.md §S.9) and introspection of
// user tokens requiring client or bearer authentication (row 8), plus /oauth2/logout's
// cookie clearing (§7.4, §15).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertOAuthError,
  assertUnauthorized,
  authMe,
  basicAuth,
  bearer,
  createSigninClient,
  createSigninFixture,
  http,
  postForm,
  postJson,
  refreshGrant,
  setCookies,
  signIn,
  uniqueName,
} from './lib.mjs';

let fx;
let other; // another project
before(() => {
  fx = createSigninFixture('rvk');
  other = createSigninFixture('rvk-other');
});

function revoke(params, headers = {}) {
  return postForm('oauth2/revoke', params, headers);
}

function assertRevokeOk(r) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.contentType, /^application\/json/);
}

describe('/oauth2/revoke (RFC 7009)', () => {
  it('an access token (public client: client_id): 200, then 401', async () => {
    const { tokens } = await signIn(fx);
    assert.equal((await authMe(tokens.access_token)).status, 200);
    assertRevokeOk(await revoke({ token: tokens.access_token, token_type_hint: 'access_token', client_id: fx.clientId }));
    assertUnauthorized(await authMe(tokens.access_token));
  });

  it('an access token with the client authenticated by Basic: 200, then 401', async () => {
    const { tokens } = await signIn(fx);
    assertRevokeOk(await revoke({ token: tokens.access_token }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) }));
    assertUnauthorized(await authMe(tokens.access_token));
  });

  it('a refresh token: 200, then the refresh fails (and the session ends)', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid offline' } });
    assertRevokeOk(await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: fx.clientId }));
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: fx.clientId }), 400, 'invalid_grant', 'Token revoked');
    assertUnauthorized(await authMe(tokens.access_token));
  });

  it('a token of a login without a client: revoked on possession', async () => {
    const { tokens } = await signIn(fx, { clientId: '' });
    assertRevokeOk(await revoke({ token: tokens.access_token }));
    assertUnauthorized(await authMe(tokens.access_token));
  });

  it('unknown, malformed or already revoked tokens: 200', async () => {
    assertRevokeOk(await revoke({ token: 'not-a-token' }));
    assertRevokeOk(await revoke({ token: 'eyJhbGciOiJFUzI1NiJ9.eyJsb2dpbl9pZCI6IngifQ.c2ln' }));
    assertRevokeOk(await revoke({ token: 'abc', client_id: fx.clientId }));
    const { tokens } = await signIn(fx);
    assertRevokeOk(await revoke({ token: tokens.access_token, client_id: fx.clientId }));
    assertRevokeOk(await revoke({ token: tokens.access_token, client_id: fx.clientId }));
  });

  it('a wrong client secret: 401 invalid_client, the token stays valid', async () => {
    const { tokens } = await signIn(fx);
    const r = await revoke({ token: tokens.access_token }, { Authorization: basicAuth(fx.clientId, '9'.repeat(64)) });
    assertOAuthError(r, 401, 'invalid_client');
    const b = await revoke({ token: tokens.access_token, client_id: fx.clientId, client_secret: '9'.repeat(64) });
    assertOAuthError(b, 401, 'invalid_client');
    assert.equal((await authMe(tokens.access_token)).status, 200);
  });

  it("another client cannot revoke this client's token", async () => {
    const { tokens } = await signIn(fx);
    const intruder = createSigninClient(other.projectId, uniqueName('rvk-intruder'));
    const r = await revoke({ token: tokens.access_token }, { Authorization: basicAuth(intruder.id, intruder.secret) });
    assert.ok(r.status < 500, r.text);
    const r2 = await revoke({ token: tokens.access_token, client_id: other.clientId });
    assert.ok(r2.status < 500, r2.text);
    assert.equal((await authMe(tokens.access_token)).status, 200, 'still valid');
  });

  it('Missing token; forms only', async () => {
    assertOAuthError(await revoke({ client_id: fx.clientId }), 400, 'invalid_request', 'Missing token');
    const { tokens } = await signIn(fx);
    const j = await postJson('oauth2/revoke', { token: tokens.access_token, client_id: fx.clientId });
    assert.equal(j.status, 400, j.text);
    assert.equal((await authMe(tokens.access_token)).status, 200, 'a refused request revokes nothing');
  });
});

describe('introspection of user tokens (row 8)', () => {
  it('needs authentication; the same project sees the token, another project does not', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid profile' } });
    const none = await postForm('oauth2/introspect', { token: tokens.access_token });
    assert.equal(none.status, 401, none.text);
    assert.equal(none.json?.active, undefined);

    const r = await postForm('oauth2/introspect', { token: tokens.access_token }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, true);
    assert.equal(r.json.sub, fx.userId);
    assert.equal(r.json.client_id, fx.clientId);
    assert.equal(r.json.scope, 'openid profile');

    const mine = await signIn(fx);
    const byBearer = await postForm('oauth2/introspect', { token: tokens.access_token }, { Authorization: bearer(mine.tokens.access_token) });
    assert.equal(byBearer.json?.active, true, byBearer.text);

    const foreign = await postForm('oauth2/introspect', { token: tokens.access_token }, { Authorization: basicAuth(other.clientId, other.clientSecret) });
    assert.equal(foreign.status, 200, foreign.text);
    assert.deepEqual(foreign.json, { active: false });

    assertRevokeOk(await revoke({ token: tokens.access_token, client_id: fx.clientId }));
    const after = await postForm('oauth2/introspect', { token: tokens.access_token }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assert.deepEqual(after.json, { active: false });
  });
});

describe('/oauth2/logout (§7.4)', () => {
  it('revokes the login, clears the SSO cookie; afterwards 401', async () => {
    const { tokens } = await signIn(fx);
    const r = await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(tokens.access_token), 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'ok');
    const cookie = setCookies(r.headers).find((c) => c.startsWith(`medplum-${fx.clientId}=`));
    assert.ok(cookie, `the SSO cookie is cleared: ${setCookies(r.headers)}`);
    assert.match(cookie, new RegExp(`^medplum-${fx.clientId}=;`));
    assert.match(cookie.toLowerCase(), /max-age=0/);
    assert.match(cookie.toLowerCase(), /path=\//);
    assertUnauthorized(await authMe(tokens.access_token));
    assertUnauthorized(await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(tokens.access_token) } }));
  });
});
