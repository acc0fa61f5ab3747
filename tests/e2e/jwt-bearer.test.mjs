// SPDX-License-Identifier: BSD-2-Clause
// The jwt-bearer grant (RFC 7523 §2.1; PROTOCOL.md §7.2.6, §S.16): an assertion signed by the
// client's trusted issuer (its identityProvider's issuer and JWKS) about a user of the client's
// project. The SDK's startJwtBearerLogin; replayed, expired, far-future, wrong-audience and
// wrong-issuer assertions; keys not in the issuer's set, alg none and HS256; a user of another
// project; a client without a trusted issuer; a confidential client's own authentication; an
// issuer whose key server hangs (JWKS servers on 127.0.0.1:8153-8154).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import {
  BASE_URL,
  assertOAuthError,
  authMe,
  basicAuth,
  createSigninFixture,
  dbExec,
  dbQuery,
  decodeJwt,
  loadMedplum,
  postForm,
  tesseraAdmin,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_URL = new URL('oauth2/token', BASE_URL).href;
const ISSUER = 'https://idp.example.test/';

let issuerKey; // { privateKey, jwk }
let servers = [];
let fx; // project A: a client trusting ISSUER, a user
let other; // project B: another user, its own client

function setIdentityProvider(clientId, idp) {
  const dir = mkdtempSync(join(tmpdir(), 'jwtb-'));
  const file = join(dir, 'idp.json');
  writeFileSync(file, JSON.stringify(idp));
  tesseraAdmin('client', 'set', '--id', clientId, '--identity-provider', file);
}

async function listen(port, handler) {
  const server = createServer(handler);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  servers.push(server);
  return server;
}

const held = [];
before(async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  issuerKey = { privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' } };
  await listen(8153, (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [issuerKey.jwk] })));
  await listen(8154, (req, res) => held.push(res)); // never answers
  fx = createSigninFixture('jwtb');
  setIdentityProvider(fx.clientId, { issuer: ISSUER, jwksUri: 'http://127.0.0.1:8153/jwks' });
  other = createSigninFixture('jwtb-other');
});
after(() => {
  for (const res of held) res.destroy();
  for (const s of servers) s.close();
});

/** An assertion of ISSUER about sub (an email by default), for the token endpoint, 60 s. */
async function assertion({ sub = fx.email, claims = {}, key = issuerKey.privateKey, kid = 'idp-1', exp = '60s' } = {}) {
  const jwt = new jose.SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setSubject(sub)
    .setAudience(claims.aud ?? TOKEN_URL)
    .setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

function grant(jwt, extra = {}, headers = {}) {
  return postForm('oauth2/token', { grant_type: GRANT, client_id: fx.clientId, assertion: jwt, ...extra }, headers);
}

const refused = (r, text) => assertOAuthError(r, 400, 'invalid_grant', text);

describe('jwt-bearer: tokens for a user of the client\'s project', () => {
  it('discovery lists the grant', async () => {
    const d = await (await fetch(new URL('.well-known/openid-configuration', BASE_URL))).json();
    assert.ok(d.grant_types_supported.includes(GRANT));
  });

  it("the SDK's startJwtBearerLogin", async () => {
    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: fx.clientId, fetch });
    await medplum.startJwtBearerLogin(fx.clientId, await assertion(), 'openid');
    assert.equal(medplum.getProfile()?.id, fx.profileId);
    const claims = decodeJwt(medplum.getAccessToken());
    assert.equal(claims.sub, fx.userId);
    assert.equal(claims.client_id, fx.clientId);
    assert.deepEqual(dbQuery('SELECT auth_method, granted FROM login WHERE id = ?', [claims.login_id]), [['jwt-bearer', '1']]);
  });

  it('a form post: the token works at /auth/me; no refresh token unless offline is asked for', async () => {
    const r = await grant(await assertion());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.refresh_token, undefined);
    const me = await authMe(r.json.access_token);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.user.email, fx.email);
    const offline = await grant(await assertion(), { scope: 'openid offline' });
    assert.equal(offline.status, 200, offline.text);
    assert.ok(offline.json.refresh_token);
  });

  it('the email claim names the user when sub does not; useSubject matches the membership\'s externalId', async () => {
    assert.equal((await grant(await assertion({ sub: 'opaque-123', claims: { email: fx.email.toUpperCase() } }))).status, 200);
    refused(await grant(await assertion({ sub: 'opaque-123', claims: { email: fx.email, email_verified: false } })), 'Assertion does not name a user');
    refused(await grant(await assertion({ sub: 'opaque-123' })), 'Assertion does not name a user');
    const s = createSigninFixture('jwtb-sub');
    setIdentityProvider(s.clientId, { issuer: ISSUER, jwksUri: 'http://127.0.0.1:8153/jwks', useSubject: true });
    const ext = `ext-${randomUUID()}`;
    dbExec('UPDATE project_membership SET external_id = ? WHERE id = ?', [ext, s.membershipId]);
    const ok = await grant(await assertion({ sub: ext }), { client_id: s.clientId });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(decodeJwt(ok.json.access_token).sub, s.userId);
    // With useSubject an email in sub names nobody.
    assert.equal((await grant(await assertion({ sub: s.email }), { client_id: s.clientId })).status, 400);
  });
});

describe('jwt-bearer: refusals', () => {
  it('a replayed assertion', async () => {
    const jwt = await assertion();
    assert.equal((await grant(jwt)).status, 200);
    refused(await grant(jwt), 'Invalid assertion: already used');
  });

  it('expired, without exp, more than 5 minutes ahead, not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    refused(await grant(await assertion({ exp: now - 5 })), 'Invalid assertion: expired');
    refused(await grant(await assertion({ exp: null })), 'Invalid assertion: exp required');
    refused(await grant(await assertion({ exp: now + 3600 })), 'Invalid assertion: exp more than 5 minutes ahead');
    refused(await grant(await assertion({ claims: { nbf: now + 600 } })), 'Invalid assertion: not yet valid');
  });

  it('a wrong audience, another issuer, no jti', async () => {
    refused(await grant(await assertion({ claims: { aud: 'https://elsewhere.example/token' } })), 'Invalid assertion audience');
    refused(await grant(await assertion({ claims: { iss: 'https://evil.example/' } })), 'Invalid assertion issuer');
    refused(await grant(await assertion({ claims: { jti: undefined } })), 'Invalid assertion: jti required');
  });

  it('a key not in the issuer\'s JWKS, alg none, HS256 keyed with the public key', async () => {
    const { privateKey } = await jose.generateKeyPair('ES256');
    refused(await grant(await assertion({ key: privateKey })), 'Invalid assertion signature');
    refused(await grant(await assertion({ key: privateKey, kid: 'other' })), 'Invalid assertion signature');
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = { iss: ISSUER, sub: fx.email, aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 60, jti: randomUUID() };
    refused(await grant(`${b64({ alg: 'none', kid: 'idp-1' })}.${b64(claims)}.`), 'Invalid assertion signature');
    const input = `${b64({ alg: 'HS256', kid: 'idp-1' })}.${b64({ ...claims, jti: randomUUID() })}`;
    const mac = createHmac('sha256', JSON.stringify(issuerKey.jwk)).update(input).digest('base64url');
    refused(await grant(`${input}.${mac}`), 'Invalid assertion signature');
  });

  it('a user of another project: not found in this client\'s project', async () => {
    const r = await grant(await assertion({ sub: other.email }));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_grant');
    assert.equal((await grant(await assertion({ sub: `nobody-${randomUUID()}@example.com` }))).status, 400);
  });

  it('a client without a trusted issuer; an unknown client; no client; no assertion', async () => {
    assertOAuthError(await grant(await assertion(), { client_id: other.clientId }), 400, 'unauthorized_client', 'Client has no trusted assertion issuer');
    assertOAuthError(await grant(await assertion(), { client_id: randomUUID() }), 400, 'invalid_request', 'Invalid client');
    assertOAuthError(await postForm('oauth2/token', { grant_type: GRANT, assertion: await assertion() }), 400, 'invalid_request', 'Missing client_id');
    assertOAuthError(await postForm('oauth2/token', { grant_type: GRANT, client_id: fx.clientId }), 400, 'invalid_request', 'Missing assertion');
    const bad = await postForm('oauth2/token', `grant_type=${encodeURIComponent(GRANT)}&client_id=${fx.clientId}&assertion=a%00b`);
    assert.equal(bad.status, 400, bad.text);
  });

  it('a confidential client authenticates with its method; a wrong secret is refused', async () => {
    const c = createSigninFixture('jwtb-conf');
    setIdentityProvider(c.clientId, { issuer: ISSUER, jwksUri: 'http://127.0.0.1:8153/jwks' });
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'client_secret_basic');
    const body = async () => ({ grant_type: GRANT, client_id: c.clientId, assertion: await assertion({ sub: c.email }) });
    assertOAuthError(await postForm('oauth2/token', await body()), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await postForm('oauth2/token', await body(), { Authorization: basicAuth(c.clientId, 'f'.repeat(64)) }), 401, 'invalid_client', 'Invalid secret');
    const ok = await postForm('oauth2/token', await body(), { Authorization: basicAuth(c.clientId, c.clientSecret) });
    assert.equal(ok.status, 200, ok.text);
  });

  it('an issuer whose key server hangs: 504, no tokens', async () => {
    const h = createSigninFixture('jwtb-hang');
    setIdentityProvider(h.clientId, { issuer: ISSUER, jwksUri: 'http://127.0.0.1:8154/jwks' });
    const r = await grant(await assertion({ sub: h.email }), { client_id: h.clientId });
    assert.equal(r.status, 504, r.text);
  });
});
