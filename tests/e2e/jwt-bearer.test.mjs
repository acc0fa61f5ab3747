// SPDX-License-Identifier: BSD-2-Clause
// The jwt-bearer grant (RFC 7523 §2.1; PROTOCOL.md §7.2.6, §S.16): an assertion signed by the
// client's trusted issuer (its identityProvider's issuer and JWKS) about a user of the client's
// project, naming the client it is for. The SDK's startJwtBearerLogin; replayed, expired, far-future,
// wrong-audience and wrong-issuer assertions; keys not in the issuer's set, alg none and HS256; a
// user of another project; a client without a trusted issuer; a confidential client's own
// authentication; an issuer whose key server hangs; the binding to one client (another project's
// client trusting the same issuer, a sibling client, each naming claim, aud arrays, claims of the
// wrong type, a client configured with another's id). The issuer's JWKS servers listen on loopback
// ports the system picks, so runs against several stacks at once never collide.
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
  addMember,
  assertOAuthError,
  authMe,
  basicAuth,
  createSigninClient,
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
// A kid of this run's key: the token programs cache the issuer's JWKS, so a run against a stack
// that served an earlier run must not meet that run's key under the same kid.
const KID = `idp-${randomUUID()}`;

let issuerKey; // { privateKey, jwk }
let servers = [];
let jwksUrl, hangingUrl; // the issuer's key server, and one that never answers
let fx; // project A: a client trusting ISSUER, a user
let other; // project B: another user, its own client

function setIdentityProvider(clientId, idp) {
  const dir = mkdtempSync(join(tmpdir(), 'jwtb-'));
  const file = join(dir, 'idp.json');
  writeFileSync(file, JSON.stringify(idp));
  tesseraAdmin('client', 'set', '--id', clientId, '--identity-provider', file);
}

/** A server on a free loopback port; returns its URL for /jwks. */
async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${server.address().port}/jwks`;
}

const held = [];
before(async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  issuerKey = { privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid: KID, alg: 'ES256', use: 'sig' } };
  jwksUrl = await listen((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [issuerKey.jwk] })));
  hangingUrl = await listen((req, res) => held.push(res)); // never answers
  fx = createSigninFixture('jwtb');
  setIdentityProvider(fx.clientId, { issuer: ISSUER, jwksUri: jwksUrl });
  other = createSigninFixture('jwtb-other');
});
after(() => {
  for (const res of held) res.destroy();
  for (const s of servers) s.close();
});

/** An assertion of ISSUER about sub (an email by default), for the token endpoint, 60 s, naming
 * `client` (fx's client by default; null: none) in its client_id claim. */
async function assertion({ sub = fx.email, client = fx.clientId, claims = {}, key = issuerKey.privateKey, kid = KID, exp = '60s' } = {}) {
  const named = client === null ? {} : { client_id: client };
  // aud goes in the payload as given (setAudience refuses the wrong types tested here).
  const jwt = new jose.SignJWT({ jti: randomUUID(), aud: TOKEN_URL, ...named, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setSubject(sub);
  if (!('iat' in claims)) jwt.setIssuedAt();
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
    setIdentityProvider(s.clientId, { issuer: ISSUER, jwksUri: jwksUrl, useSubject: true });
    const ext = `ext-${randomUUID()}`;
    dbExec('UPDATE project_membership SET external_id = ? WHERE id = ?', [ext, s.membershipId]);
    const ok = await grant(await assertion({ sub: ext, client: s.clientId }), { client_id: s.clientId });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(decodeJwt(ok.json.access_token).sub, s.userId);
    // With useSubject an email in sub names nobody.
    assert.equal((await grant(await assertion({ sub: s.email, client: s.clientId }), { client_id: s.clientId })).status, 400);
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
    refused(await grant(`${b64({ alg: 'none', kid: KID })}.${b64(claims)}.`), 'Invalid assertion signature');
    const input = `${b64({ alg: 'HS256', kid: KID })}.${b64({ ...claims, jti: randomUUID() })}`;
    const mac = createHmac('sha256', JSON.stringify(issuerKey.jwk)).update(input).digest('base64url');
    refused(await grant(`${input}.${mac}`), 'Invalid assertion signature');
  });

  it('a user of another project: not found in this client\'s project', async () => {
    const r = await grant(await assertion({ sub: other.email }));
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_grant');
    assert.equal((await grant(await assertion({ sub: `nobody-${randomUUID()}@example.com` }))).status, 400);
  });

  it('a project with google-auth-required takes no assertion for its users (PROTOCOL.md §5.2)', async () => {
    const g = createSigninFixture('jwtb-google');
    setIdentityProvider(g.clientId, { issuer: ISSUER, jwksUri: jwksUrl });
    const ask = async () => grant(await assertion({ sub: g.email, client: g.clientId }), { client_id: g.clientId });
    assert.equal((await ask()).status, 200, 'the assertion works before the feature is set');
    dbExec('UPDATE project SET features = ? WHERE id = ?', [JSON.stringify(['google-auth-required']), g.projectId]);
    refused(await ask(), 'Google authentication is required');
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
    setIdentityProvider(c.clientId, { issuer: ISSUER, jwksUri: jwksUrl });
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'client_secret_basic');
    const body = async () => ({ grant_type: GRANT, client_id: c.clientId, assertion: await assertion({ sub: c.email, client: c.clientId }) });
    assertOAuthError(await postForm('oauth2/token', await body()), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await postForm('oauth2/token', await body(), { Authorization: basicAuth(c.clientId, 'f'.repeat(64)) }), 401, 'invalid_client', 'Invalid secret');
    const ok = await postForm('oauth2/token', await body(), { Authorization: basicAuth(c.clientId, c.clientSecret) });
    assert.equal(ok.status, 200, ok.text);
  });

  it('an issuer whose key server hangs: 504, no tokens', async () => {
    const h = createSigninFixture('jwtb-hang');
    setIdentityProvider(h.clientId, { issuer: ISSUER, jwksUri: hangingUrl });
    const r = await grant(await assertion({ sub: h.email, client: h.clientId }), { client_id: h.clientId });
    assert.equal(r.status, 504, r.text);
  });
});

// The binding (PROTOCOL.md §7.2.6): an assertion names the client it was issued for — in client_id,
// azp, cid or appid, or in aud beside Tessera — by its Tessera id or its identityProvider.clientId.
describe('jwt-bearer: the assertion is bound to one client', () => {
  const TESSERA_ISSUER = BASE_URL; // the issuer defaults to the base URL
  let b; // project B: a client trusting the same ISSUER; fx's user is also a member of B
  let up; // a client the issuer knows by an upstream id (identityProvider.clientId)
  const upstreamId = `upstream-app-${randomUUID()}`;
  before(() => {
    b = createSigninFixture('jwtb-b');
    setIdentityProvider(b.clientId, { issuer: ISSUER, jwksUri: jwksUrl });
    addMember({ project: b.projectId, user: fx.userId });
    up = createSigninFixture('jwtb-up');
    setIdentityProvider(up.clientId, { issuer: ISSUER, jwksUri: jwksUrl, clientId: upstreamId });
  });
  const atB = (jwt) => grant(jwt, { client_id: b.clientId });
  const atUp = (jwt) => grant(jwt, { client_id: up.clientId });
  const projectOf = (r) => dbQuery('SELECT project_id FROM login WHERE id = ?', [decodeJwt(r.json.access_token).login_id])[0][0];

  it("A's assertion is refused at B's client (same issuer, user of both) and its jti stays unspent", async () => {
    const jwt = await assertion();
    refused(await atB(jwt), 'Invalid assertion: issued for another client');
    const ok = await grant(jwt);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(projectOf(ok), fx.projectId);
    // A's assertion bound by aud alone, or by A's own upstream id, is no better at B.
    refused(await atB(await assertion({ client: null, claims: { aud: [TOKEN_URL, fx.clientId] } })), 'Invalid assertion: client not named');
    refused(await atB(await assertion({ client: upstreamId })), 'Invalid assertion: issued for another client');
    // B's own assertion for the same user works at B, into B.
    const mine = await atB(await assertion({ client: b.clientId }));
    assert.equal(mine.status, 200, mine.text);
    assert.equal(projectOf(mine), b.projectId);
  });

  it('an assertion naming no client is refused, and its jti stays unspent', async () => {
    const jwt = await assertion({ client: null });
    refused(await grant(jwt), 'Invalid assertion: client not named');
    refused(await grant(jwt), 'Invalid assertion: client not named'); // not "already used"
  });

  it('each accepted claim names the client: client_id, azp, cid, appid, aud; by Tessera id or upstream id', async () => {
    for (const claim of ['client_id', 'azp', 'cid', 'appid']) {
      const r = await grant(await assertion({ client: null, claims: { [claim]: fx.clientId } }));
      assert.equal(r.status, 200, `${claim}: ${r.text}`);
      const u = await atUp(await assertion({ sub: up.email, client: null, claims: { [claim]: upstreamId } }));
      assert.equal(u.status, 200, `${claim} (upstream id): ${u.text}`);
    }
    const byAud = await grant(await assertion({ client: null, claims: { aud: [fx.clientId, TOKEN_URL] } }));
    assert.equal(byAud.status, 200, byAud.text);
    const byUpAud = await atUp(await assertion({ sub: up.email, client: null, claims: { aud: [TESSERA_ISSUER, upstreamId] } }));
    assert.equal(byUpAud.status, 200, byUpAud.text);
    // Both names of one client, in two claims, agree.
    const both = await atUp(await assertion({ sub: up.email, client: up.clientId, claims: { azp: upstreamId } }));
    assert.equal(both.status, 200, both.text);
  });

  it('a client naming another client of the same project is refused; claims that disagree are refused', async () => {
    const sibling = createSigninClient(fx.projectId, `jwtb-sibling-${randomUUID()}`);
    setIdentityProvider(sibling.id, { issuer: ISSUER, jwksUri: jwksUrl });
    refused(await grant(await assertion({ client: sibling.id })), 'Invalid assertion: issued for another client');
    refused(await grant(await assertion({ claims: { azp: sibling.id } })), 'Invalid assertion: issued for another client');
    refused(await grant(await assertion({ client: sibling.id, claims: { azp: fx.clientId } })), 'Invalid assertion: issued for another client');
    const ok = await grant(await assertion({ client: sibling.id }), { client_id: sibling.id });
    assert.equal(ok.status, 200, ok.text);
  });

  it('aud as an array with extra values; an aud naming only the client is not Tessera\'s audience', async () => {
    const extra = await grant(await assertion({ claims: { aud: ['https://other.example/api', TOKEN_URL, 'urn:x:y', b.clientId] } }));
    assert.equal(extra.status, 200, extra.text);
    refused(await grant(await assertion({ client: null, claims: { aud: [fx.clientId] } })), 'Invalid assertion audience');
    refused(await grant(await assertion({ claims: { aud: [fx.clientId, 'https://other.example/api'] } })), 'Invalid assertion audience');
  });

  it('claims of the wrong type are refused, never a 5xx', async () => {
    for (const claim of ['client_id', 'azp', 'cid', 'appid']) {
      for (const value of [42, [fx.clientId], { id: fx.clientId }, null, true, '']) {
        const claims = { [claim]: value };
        const r = await grant(await assertion({ client: claim === 'client_id' ? null : fx.clientId, claims }));
        assertOAuthError(r, 400, 'invalid_grant', value === '' ? 'Invalid assertion: issued for another client' : `Invalid assertion: ${claim} must be a string`);
      }
    }
    for (const aud of [42, { a: TOKEN_URL }, [42, fx.clientId], [[TOKEN_URL], fx.clientId], null]) {
      refused(await grant(await assertion({ client: null, claims: { aud } })), 'Invalid assertion audience');
    }
    // aud naming Tessera beside values of other types binds nothing by itself.
    refused(await grant(await assertion({ client: null, claims: { aud: [TOKEN_URL, 42, [fx.clientId], { id: fx.clientId }] } })), 'Invalid assertion: client not named');
    // Near misses are other names: case, whitespace, a NUL, SQL, a prefix.
    for (const value of [fx.clientId.toUpperCase(), ` ${fx.clientId}`, `${fx.clientId}\u0000`, `${fx.clientId}' OR '1'='1`, fx.clientId.slice(0, 8)]) {
      const r = await grant(await assertion({ client: value }));
      assert.equal(r.status, 400, `${JSON.stringify(value)}: ${r.text}`);
      assert.equal(r.json.error, 'invalid_grant');
    }
  });

  it("a client's identityProvider.clientId cannot claim another client's id or Tessera's own audience", async () => {
    const thief = createSigninFixture('jwtb-thief');
    addMember({ project: thief.projectId, user: fx.userId });
    // Configured with A's Tessera id as its upstream id: A's assertions still do not bind it.
    setIdentityProvider(thief.clientId, { issuer: ISSUER, jwksUri: jwksUrl, clientId: fx.clientId });
    refused(await grant(await assertion(), { client_id: thief.clientId }), 'Invalid assertion: issued for another client');
    setIdentityProvider(thief.clientId, { issuer: ISSUER, jwksUri: jwksUrl, clientId: fx.clientId.toUpperCase() });
    refused(await grant(await assertion(), { client_id: thief.clientId }), 'Invalid assertion: issued for another client');
    // Configured with Tessera's token endpoint: an aud naming Tessera does not name the client.
    setIdentityProvider(thief.clientId, { issuer: ISSUER, jwksUri: jwksUrl, clientId: TOKEN_URL });
    refused(await grant(await assertion({ client: null }), { client_id: thief.clientId }), 'Invalid assertion: client not named');
    refused(await grant(await assertion({ client: null, claims: { aud: [TOKEN_URL, fx.clientId] } }), { client_id: thief.clientId }), 'Invalid assertion: client not named');
  });
});

describe('jwt-bearer: iat and nbf (RFC 7523 §3)', () => {
  it('an iat far ahead, or times that are not numbers, are refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    refused(await grant(await assertion({ claims: { iat: now + 3600 } })), 'Invalid assertion: not yet valid');
    refused(await grant(await assertion({ claims: { iat: String(now) } })), 'Invalid assertion: not yet valid');
    refused(await grant(await assertion({ claims: { nbf: [now] } })), 'Invalid assertion: not yet valid');
    refused(await grant(await assertion({ exp: null, claims: { exp: String(now + 60) } })), 'Invalid assertion: exp required');
    // Within the 30 s leeway, both pass.
    const ok = await grant(await assertion({ claims: { iat: now + 10, nbf: now + 10 } }));
    assert.equal(ok.status, 200, ok.text);
  });
});
