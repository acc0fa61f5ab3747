// SPDX-License-Identifier: BSD-2-Clause
// The client_credentials grant and Basic auth with real clients: the unmodified Medplum SDK,
// oauth4webapi and jose (PROTOCOL.md §3, §3.1, §4, §7.2.1, §16).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  BASE_URL,
  assertLoginId,
  basicAuth,
  bearer,
  createFixture,
  http,
  loadMedplum,
  loginCount,
  postForm,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

function newMedplum() {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
}

let fx;
let discovery;
let jwks;

before(async () => {
  fx = createFixture('cc');
  const r = await http('.well-known/openid-configuration');
  assert.equal(r.status, 200);
  discovery = r.json;
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
});

async function verifyAccessToken(token) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: BASE_URL, algorithms: ['ES256'] });
  return { payload, protectedHeader };
}

function assertAccessClaims(payload, loginIdExpected) {
  assert.equal(typeof payload.login_id, 'string');
  assertLoginId(payload.login_id);
  if (loginIdExpected) assert.equal(payload.login_id, loginIdExpected);
  assert.equal(payload.client_id, fx.clientId);
  assert.equal(payload.sub, fx.clientId);
  assert.equal(payload.username, fx.clientId);
  assert.equal(payload.profile, `ClientApplication/${fx.clientId}`);
  assert.equal(payload.scope, 'openid');
  assert.equal(payload.aud, fx.clientId);
  assert.equal(payload.iss, BASE_URL);
  assert.equal(payload.exp - payload.iat, 3600);
  assert.equal(payload.nbf, payload.iat);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, 'iat is now');
  assert.ok(!('refresh_secret' in payload));
}

describe('MedplumClient (unmodified @medplum/core)', () => {
  it('startClientLogin, then getProfile and getProject', async () => {
    const medplum = newMedplum();
    const before = loginCount(fx.clientId);
    const profile = await medplum.startClientLogin(fx.clientId, fx.clientSecret);
    assert.equal(loginCount(fx.clientId), before, 'a self-contained token: no Login row (issue 15)');
    assert.equal(profile.resourceType, 'ClientApplication');
    assert.equal(profile.id, fx.clientId);
    assert.equal(medplum.getProfile()?.id, fx.clientId);
    assert.equal(medplum.getProfile()?.resourceType, 'ClientApplication');
    assert.equal(medplum.getProfile()?.name, fx.clientName);
    assert.ok(!('secret' in medplum.getProfile()), 'the profile never carries the secret');
    const project = medplum.getProject();
    assert.equal(project?.id, fx.projectId);
    assert.equal(project?.name, fx.projectName);
    assert.equal(medplum.isLoading(), false);
    const login = medplum.getActiveLogin();
    assert.equal(login?.project?.reference, `Project/${fx.projectId}`);
    assert.equal(login?.profile?.reference, `ClientApplication/${fx.clientId}`);
    const { payload } = await verifyAccessToken(medplum.getAccessToken());
    assertAccessClaims(payload);
    // An authenticated request with the stored token.
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.profile.id, fx.clientId);
    assert.equal(me.project.id, fx.projectId);
    assert.equal(me.membership.resourceType, 'ProjectMembership');
    assert.equal(me.membership.profile.reference, `ClientApplication/${fx.clientId}`);
    assert.equal(me.accessPolicy?.resourceType, 'AccessPolicy');
    assert.ok(!('user' in me) && !('security' in me), 'no user/security for a client login');
  });

  it('a wrong secret is rejected by startClientLogin', async () => {
    const medplum = newMedplum();
    await assert.rejects(medplum.startClientLogin(fx.clientId, 'f'.repeat(64)), /Invalid secret/);
    assert.equal(medplum.getProfile(), undefined);
  });

  it('setBasicAuth, then get("auth/me") (no Login row)', async () => {
    const medplum = newMedplum();
    medplum.setBasicAuth(fx.clientId, fx.clientSecret);
    const before = loginCount(fx.clientId);
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.profile.resourceType, 'ClientApplication');
    assert.equal(me.profile.id, fx.clientId);
    assert.equal(me.project.id, fx.projectId);
    assert.equal(me.project.name, fx.projectName);
    assert.equal(loginCount(fx.clientId), before, 'Basic auth keeps its login in memory');
  });

  it('setBasicAuth with a wrong secret is refused', async () => {
    const raw = await http('auth/me', { headers: { Authorization: basicAuth(fx.clientId, '0'.repeat(64)) } });
    assert.equal(raw.status, 401, raw.text);
    // On the 401 the SDK retries once with a client_credentials grant, which fails too.
    const medplum = newMedplum();
    medplum.setBasicAuth(fx.clientId, '0'.repeat(64));
    await assert.rejects(medplum.get('auth/me', { cache: 'no-cache' }), /Unauthorized|Invalid secret/);
  });
});

describe('token response (§3.1) and the access token (§3)', () => {
  let r;
  before(async () => {
    r = await postForm('oauth2/token', {
      grant_type: 'client_credentials',
      client_id: fx.clientId,
      client_secret: fx.clientSecret,
    });
  });

  it('has the Medplum shape', () => {
    assert.equal(r.status, 200, r.text);
    assert.match(r.contentType, /^application\/json/);
    assert.match(r.headers.get('cache-control') || '', /no-store/);
    const b = r.json;
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.expires_in, 3600);
    assert.equal(b.scope, 'openid');
    assert.equal(typeof b.access_token, 'string');
    assert.equal(b.access_token.split('.').length, 3);
    assert.equal(typeof b.id_token, 'string');
    assert.equal(b.id_token.split('.').length, 3);
    assert.ok(!('refresh_token' in b), 'client credentials never get a refresh token');
    assert.deepEqual(b.project, { reference: `Project/${fx.projectId}`, display: fx.projectName });
    assert.deepEqual(b.profile, { reference: `ClientApplication/${fx.clientId}`, display: fx.clientName });
    assert.ok(!('patient' in b));
    assert.equal(b.need_patient_banner, false);
    assert.equal(b.smart_style_url, `${BASE_URL}fhir/R4/.well-known/smart-styles.json`);
  });

  it('the access token verifies against the JWKS with the right claims', async () => {
    const { payload, protectedHeader } = await verifyAccessToken(r.json.access_token);
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(typeof protectedHeader.kid, 'string');
    assertAccessClaims(payload);
  });

  it('the id token verifies too and names the same login', async () => {
    const access = decodeProtectedHeader(r.json.access_token);
    const { payload } = await jwtVerify(r.json.id_token, jwks, {
      issuer: BASE_URL,
      audience: fx.clientId,
      algorithms: ['ES256'],
    });
    const { payload: ap } = await verifyAccessToken(r.json.access_token);
    assert.equal(payload.login_id, ap.login_id);
    assert.equal(payload.sub, fx.clientId);
    assert.equal(payload.fhirUser, `ClientApplication/${fx.clientId}`);
    assert.equal(typeof payload.auth_time, 'number');
    assert.equal(decodeProtectedHeader(r.json.id_token).kid, access.kid);
  });

  it('the access token works as a bearer on /auth/me', async () => {
    const me = await http('auth/me', { headers: { Authorization: bearer(r.json.access_token) } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.profile.id, fx.clientId);
    assert.equal(me.json.project.id, fx.projectId);
    // /api twin with the same token
    const api = await http('api/auth/me', { headers: { Authorization: bearer(r.json.access_token) } });
    assert.equal(api.status, 200, api.text);
    assert.equal(api.json.profile.id, fx.clientId);
  });

  it('a scope parameter is kept', async () => {
    const s = await postForm('oauth2/token', {
      grant_type: 'client_credentials',
      client_id: fx.clientId,
      client_secret: fx.clientSecret,
      scope: 'openid system/*.read',
    });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.scope, 'openid system/*.read');
    const { payload } = await verifyAccessToken(s.json.access_token);
    assert.equal(payload.scope, 'openid system/*.read');
  });

  it('a grant writes no Login row; each token has a fresh login_id (its jti)', async () => {
    const before = loginCount(fx.clientId);
    const ids = new Set();
    for (let i = 0; i < 3; i++) {
      const g = await postForm('oauth2/token', {
        grant_type: 'client_credentials',
        client_id: fx.clientId,
        client_secret: fx.clientSecret,
      });
      assert.equal(g.status, 200, g.text);
      ids.add((await verifyAccessToken(g.json.access_token)).payload.login_id);
    }
    assert.equal(ids.size, 3);
    assert.equal(loginCount(fx.clientId), before);
  });

  it('Basic header instead of body credentials', async () => {
    const before = loginCount(fx.clientId);
    const g = await postForm('oauth2/token', { grant_type: 'client_credentials' }, {
      Authorization: basicAuth(fx.clientId, fx.clientSecret),
    });
    assert.equal(g.status, 200, g.text);
    assertAccessClaims((await verifyAccessToken(g.json.access_token)).payload);
    assert.equal(loginCount(fx.clientId), before);
  });
});

describe('oauth4webapi', () => {
  const insecure = { [oauth.allowInsecureRequests]: true };
  let as;

  before(async () => {
    const issuer = new URL(BASE_URL);
    const res = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure });
    as = await oauth.processDiscoveryResponse(issuer, res);
  });

  it('RFC 8414 discovery (oauth-authorization-server) validates too', async () => {
    const issuer = new URL(BASE_URL);
    const res = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure });
    const meta = await oauth.processDiscoveryResponse(issuer, res);
    assert.equal(meta.issuer, BASE_URL);
    assert.equal(meta.token_endpoint, as.token_endpoint);
  });

  for (const [name, auth] of [
    ['ClientSecretBasic', () => oauth.ClientSecretBasic(fx.clientSecret)],
    ['ClientSecretPost', () => oauth.ClientSecretPost(fx.clientSecret)],
  ]) {
    it(`client_credentials with ${name}`, async () => {
      const client = { client_id: fx.clientId };
      const before = loginCount(fx.clientId);
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth(), new URLSearchParams({ scope: 'openid' }), insecure);
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      assert.equal(result.token_type, 'bearer'); // oauth4webapi lower-cases it
      assert.equal(result.expires_in, 3600);
      assert.equal(result.refresh_token, undefined);
      const { payload } = await verifyAccessToken(result.access_token);
      assertAccessClaims(payload);
      assert.equal(loginCount(fx.clientId), before);
    });
  }

  it(`a wrong secret is an OAuth error oauth4webapi understands`, async () => {
    const client = { client_id: fx.clientId };
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic('0'.repeat(64)),
      new URLSearchParams(),
      insecure,
    );
    assert.equal(response.status, 401);
    // A 401 with a Basic challenge (RFC 6749 §5.2): oauth4webapi reports the challenge.
    await assert.rejects(oauth.processClientCredentialsResponse(as, client, response), (e) => {
      assert.ok(e instanceof oauth.WWWAuthenticateChallengeError, `${e}`);
      assert.equal(e.status, 401);
      assert.equal(e.cause?.[0]?.scheme, 'basic');
      return true;
    });
  });
});
