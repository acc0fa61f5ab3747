// SPDX-License-Identifier: BSD-2-Clause
// Token introspection (§7.5, made client-authenticated by PROTOCOL.md §S.8) and logout
// (§7.4): revocation is immediate for /auth/me and for introspection.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  assertUnauthorized,
  basicAuth,
  bearer,
  clientCredentialsToken,
  createClient,
  createFixture,
  dbQuery,
  tokenRevoked,
  http,
  loadMedplum,
  postForm,
  postJson,
  uniqueName,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

let a; // project A with client A1 (the token holder)
let a2; // a second client of project A
let b; // project B with client B1
let token;
let claims;

before(async () => {
  a = createFixture('intro-a');
  a2 = createClient(a.projectId, uniqueName('intro-a2'));
  b = createFixture('intro-b');
  token = (await clientCredentialsToken(a.clientId, a.clientSecret)).access_token;
  claims = decode(token);
});

function introspect(tok, headers = {}, extra = {}) {
  const params = tok === undefined ? { ...extra } : { token: tok, ...extra };
  return postForm('oauth2/introspect', params, headers);
}

function decode(t) {
  return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
}

function assertActive(r, c = claims) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.contentType, /^application\/json/);
  const j = r.json;
  assert.equal(j.active, true, r.text);
  assert.equal(j.sub, a.clientId);
  assert.equal(j.client_id, a.clientId);
  assert.equal(j.scope, 'openid');
  assert.equal(j.iss, BASE_URL);
  assert.equal(j.iat, c.iat);
  assert.equal(j.exp, c.exp);
  assert.equal(j.exp - j.iat, 3600);
}

function assertInactive(r) {
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { active: false }, 'an inactive answer tells nothing else');
}

describe('introspection', () => {
  it('requires client authentication (no auth: 401)', async () => {
    const r = await introspect(token);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json?.active, undefined, 'no token information without authentication');
  });

  it('refuses wrong client credentials (401)', async () => {
    assert.equal((await introspect(token, { Authorization: basicAuth(a2.id, 'f'.repeat(64)) })).status, 401);
    assert.equal((await introspect(token, {}, { client_id: a2.id })).status, 401);
    assert.equal((await introspect(token, {}, { client_id: a2.id, client_secret: '0'.repeat(64) })).status, 401);
    assert.equal((await introspect(token, { Authorization: 'Bearer not-a-token' })).status, 401);
  });

  it('a client of the same project (Basic) sees the token', async () => {
    assertActive(await introspect(token, { Authorization: basicAuth(a2.id, a2.secret) }));
  });

  it('the token holder itself (Basic) sees the token', async () => {
    assertActive(await introspect(token, { Authorization: basicAuth(a.clientId, a.clientSecret) }));
  });

  it('client_secret_post works too', async () => {
    assertActive(await introspect(token, {}, { client_id: a2.id, client_secret: a2.secret }));
  });

  it('JSON bodies work too', async () => {
    const r = await postJson('oauth2/introspect', { token }, { Authorization: basicAuth(a2.id, a2.secret) });
    assertActive(r);
  });

  it('a bearer token of the same project may introspect', async () => {
    const other = (await clientCredentialsToken(a2.id, a2.secret)).access_token;
    assertActive(await introspect(token, { Authorization: bearer(other) }));
  });

  it('a client of another project sees active:false', async () => {
    assertInactive(await introspect(token, { Authorization: basicAuth(b.clientId, b.clientSecret) }));
    assertInactive(await introspect(token, {}, { client_id: b.clientId, client_secret: b.clientSecret }));
    const otherBearer = (await clientCredentialsToken(b.clientId, b.clientSecret)).access_token;
    assertInactive(await introspect(token, { Authorization: bearer(otherBearer) }));
  });

  it('missing token: 400 "Token to introspect must be provided" (plain text)', async () => {
    const r = await introspect(undefined, { Authorization: basicAuth(a2.id, a2.secret) });
    assert.equal(r.status, 400);
    assert.match(r.contentType, /^text\/plain/);
    assert.equal(r.text, 'Token to introspect must be provided');
    const empty = await introspect('', { Authorization: basicAuth(a2.id, a2.secret) });
    assert.equal(empty.status, 400);
    assert.equal(empty.text, 'Token to introspect must be provided');
  });

  it('garbage tokens are inactive', async () => {
    for (const t of ['garbage', 'a.b.c', token.slice(0, -4) + 'AAAA']) {
      assertInactive(await introspect(t, { Authorization: basicAuth(a2.id, a2.secret) }));
    }
  });
});

describe('logout', () => {
  it('without authentication is 401', async () => {
    assertUnauthorized(await postJson('oauth2/logout', {}));
  });

  it('POST /oauth2/logout revokes the login at once', async () => {
    const t = (await clientCredentialsToken(a.clientId, a.clientSecret)).access_token;
    const loginId = decode(t).login_id;
    assert.equal((await http('auth/me', { headers: { Authorization: bearer(t) } })).status, 200);

    const r = await http('oauth2/logout', {
      method: 'POST',
      headers: { Authorization: bearer(t), 'Content-Type': 'application/fhir+json' },
      body: '{}',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json?.resourceType, 'OperationOutcome');
    assert.equal(r.json?.id, 'ok');
    assert.equal(r.json?.issue?.[0]?.severity, 'information');
    assert.equal(r.json?.issue?.[0]?.code, 'informational');
    assert.equal(r.json?.issue?.[0]?.details?.text, 'All OK');
    // The client's SSO cookie is cleared.
    assert.match(r.headers.get('set-cookie') || '', new RegExp(`medplum-${a.clientId}=;`));

    // A client_credentials token has no Login (issue 15): its id goes to the revocation table.
    assert.deepEqual(dbQuery('SELECT COUNT(*) FROM login WHERE id = ?', [loginId]), [['0']]);
    assert.ok(tokenRevoked(loginId), 'the token id is revoked');
    assertInactive(await introspect(t, { Authorization: basicAuth(a2.id, a2.secret) }));
    assertUnauthorized(await http('auth/me', { headers: { Authorization: bearer(t) } }));
    // A second logout with the revoked token is 401 too.
    assertUnauthorized(await postJson('oauth2/logout', {}, { Authorization: bearer(t) }));
    // Other logins of the same client are untouched.
    assertActive(await introspect(token, { Authorization: basicAuth(a2.id, a2.secret) }));
  });

  it('GET /oauth2/logout works too', async () => {
    const t = (await clientCredentialsToken(a.clientId, a.clientSecret)).access_token;
    const r = await http('oauth2/logout', { headers: { Authorization: bearer(t) } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json?.id, 'ok');
    assertUnauthorized(await http('auth/me', { headers: { Authorization: bearer(t) } }));
  });

  it('MedplumClient.signOut() revokes its login', async () => {
    const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    await medplum.startClientLogin(a.clientId, a.clientSecret);
    const t = medplum.getAccessToken();
    assert.ok(t);
    assertActive(await introspect(t, { Authorization: basicAuth(a2.id, a2.secret) }), decode(t));
    await medplum.signOut();
    assert.ok(tokenRevoked(decode(t).login_id), 'the token id is revoked');
    assert.equal(medplum.getAccessToken(), undefined);
    assert.equal(medplum.getProfile(), undefined);
    assertInactive(await introspect(t, { Authorization: basicAuth(a2.id, a2.secret) }));
    assertUnauthorized(await http('auth/me', { headers: { Authorization: bearer(t) } }));
  });
});
