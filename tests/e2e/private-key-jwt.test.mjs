// SPDX-License-Identifier: BSD-2-Clause
// private_key_jwt client authentication (RFC 7523 §2.2; PROTOCOL.md §7.2.5) and the per-client
// tokenEndpointAuthMethod (issue 18): oauth4webapi's PrivateKeyJwt and the SDK's
// startJwtAssertionLogin get tokens; every claim rule refuses (replay, expiry, exp too far ahead,
// audience, issuer, jti); keys not in the client's set, alg none and HS256 keyed with the public
// key are refused; a client registered for keys cannot use its secret and one registered for a
// secret cannot use keys, at the token, introspection and revocation endpoints.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import * as oauth from 'oauth4webapi';
import * as jose from 'jose';
import {
  BASE_URL,
  assertBadRequest,
  assertOAuthError,
  assertUnauthorized,
  authMe,
  basicAuth,
  bearer,
  createFixture,
  createSigninFixture,
  dbExec,
  dbQuery,
  decodeJwt,
  loadMedplum,
  pkcePair,
  postForm,
  authLogin,
  http,
  redeemCode,
  signIn,
  tesseraAdmin,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

const TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_URL = new URL('oauth2/token', BASE_URL).href;
const ALGS = ['ES256', 'ES384', 'RS256', 'RS384', 'PS256'];

/** A key pair for alg with a kid; jwk is the public half as a client registers it. */
async function keyPair(alg, kid = `${alg}-${randomUUID().slice(0, 8)}`) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

/** Gives a client keys and a method with tessera-admin. */
function setKeys(clientId, keys, method = 'private_key_jwt') {
  tesseraAdmin('client', 'set', '--id', clientId, '--token-endpoint-auth-method', method, '--jwks', JSON.stringify({ keys }));
}

/** A client assertion signed with key: iss = sub = clientId, aud = the token endpoint, 60 s. */
async function assertion(clientId, key, { claims = {}, header = {}, exp = '60s' } = {}) {
  const jwt = new jose.SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .setIssuer(claims.iss ?? clientId)
    .setSubject(claims.sub ?? clientId)
    .setAudience(claims.aud ?? TOKEN_URL)
    .setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key.privateKey);
}

function grant(jwt, extra = {}) {
  return postForm('oauth2/token', { grant_type: 'client_credentials', client_assertion_type: TYPE, client_assertion: jwt, ...extra });
}

/** A token unsigned with alg none, or HMAC-signed with secret: built by hand (jose refuses to). */
function handMade(header, payload, sign = () => '') {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(input)}`;
}

let fx; // a private_key_jwt client with one ES256 key
let es;
before(async () => {
  fx = createFixture('pkjwt');
  es = await keyPair('ES256');
  setKeys(fx.clientId, [es.jwk]);
});

describe('discovery lists private_key_jwt and its algorithms', () => {
  for (const path of ['.well-known/openid-configuration', '.well-known/smart-configuration']) {
    it(path, async () => {
      const d = await (await fetch(new URL(path, BASE_URL))).json();
      assert.ok(d.token_endpoint_auth_methods_supported.includes('private_key_jwt'));
      assert.deepEqual(d.token_endpoint_auth_signing_alg_values_supported, ALGS);
      if (path.includes('smart')) assert.ok(d.capabilities.includes('client-confidential-asymmetric'));
      else assert.ok(d.introspection_endpoint_auth_methods_supported.includes('private_key_jwt'));
    });
  }
});

describe('tokens with an assertion', () => {
  it("oauth4webapi's PrivateKeyJwt (aud = the issuer)", async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(BASE_URL);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
    const client = { client_id: fx.clientId };
    const auth = oauth.PrivateKeyJwt({ key: es.privateKey, kid: es.kid });
    const response = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'openid' }), insecure);
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    assert.equal(result.token_type, 'bearer');
    const me = await authMe(result.access_token);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.profile.resourceType, 'ClientApplication');
    assert.equal(me.json.profile.id, fx.clientId);
  });

  it("the SDK's startJwtAssertionLogin", async () => {
    const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch });
    await medplum.startJwtAssertionLogin(await assertion(fx.clientId, es));
    assert.equal(medplum.getProfile()?.id, fx.clientId);
    assert.equal(decodeJwt(medplum.getAccessToken()).client_id, fx.clientId);
  });

  it('every accepted algorithm, chosen by kid among several keys; aud may be an array', async () => {
    const c = createFixture('pkjwt-algs');
    const keys = [];
    for (const alg of ALGS) keys.push(await keyPair(alg));
    setKeys(c.clientId, keys.map((k) => k.jwk));
    for (const k of keys) {
      const r = await grant(await assertion(c.clientId, k, { claims: { aud: ['https://elsewhere.example/', TOKEN_URL] } }));
      assert.equal(r.status, 200, `${k.alg}: ${r.text}`);
    }
    // Without a kid every key that fits the algorithm is tried.
    const r = await grant(await assertion(c.clientId, keys[2], { header: { kid: undefined } }));
    assert.equal(r.status, 200, r.text);
  });

  it('the token is self-contained and ends when the client is turned off', async () => {
    const r = await grant(await assertion(fx.clientId, es));
    assert.equal(r.status, 200, r.text);
    const c = createFixture('pkjwt-off');
    const k = await keyPair('ES256');
    setKeys(c.clientId, [k.jwk]);
    const t = await grant(await assertion(c.clientId, k));
    assert.equal(t.status, 200, t.text);
    dbExec("UPDATE client_application SET status = 'off' WHERE id = ?", [c.clientId]);
    assertUnauthorized(await authMe(t.json.access_token));
    assertOAuthError(await grant(await assertion(c.clientId, k)), 400, 'invalid_request', 'Invalid client');
  });
});

describe('claims that are refused (401 invalid_client)', () => {
  const refused = (r, text) => assertOAuthError(r, 401, 'invalid_client', text);

  it('a replayed assertion', async () => {
    const jwt = await assertion(fx.clientId, es);
    assert.equal((await grant(jwt)).status, 200);
    refused(await grant(jwt), 'Invalid client assertion: already used');
  });

  it('an expired one, one without exp, one whose exp is more than 5 minutes ahead', async () => {
    const now = Math.floor(Date.now() / 1000);
    refused(await grant(await assertion(fx.clientId, es, { exp: now - 5 })), 'Invalid client assertion: expired');
    refused(await grant(await assertion(fx.clientId, es, { exp: null })), 'Invalid client assertion: exp required');
    refused(await grant(await assertion(fx.clientId, es, { exp: '1h' })), 'Invalid client assertion: exp more than 5 minutes ahead');
    refused(await grant(await assertion(fx.clientId, es, { exp: now + 310 })), 'Invalid client assertion: exp more than 5 minutes ahead');
    assert.equal((await grant(await assertion(fx.clientId, es, { exp: now + 270 }))).status, 200);
    refused(await grant(await assertion(fx.clientId, es, { claims: { nbf: now + 600 } })), 'Invalid client assertion: not yet valid');
  });

  it('a wrong audience, a missing jti, iss other than sub', async () => {
    refused(await grant(await assertion(fx.clientId, es, { claims: { aud: 'https://other.example/oauth2/token' } })), 'Invalid client assertion audience');
    refused(await grant(await assertion(fx.clientId, es, { claims: { aud: new URL('oauth2/introspect', BASE_URL).href } })), 'Invalid client assertion audience');
    refused(await grant(await assertion(fx.clientId, es, { claims: { jti: undefined } })), 'Invalid client assertion: jti required');
    refused(await grant(await assertion(fx.clientId, es, { claims: { sub: randomUUID() } })), 'Invalid client assertion issuer');
  });

  it('a key not in the JWKS: same kid, other key; unknown kid', async () => {
    const stranger = await keyPair('ES256', es.kid);
    refused(await grant(await assertion(fx.clientId, stranger)), 'Invalid client assertion signature');
    refused(await grant(await assertion(fx.clientId, await keyPair('ES256'))), 'Invalid client assertion signature');
    // A key of the right type but the wrong curve for the algorithm is never tried.
    const p384 = await keyPair('ES384', es.kid);
    refused(await grant(await assertion(fx.clientId, p384)), 'Invalid client assertion signature');
  });

  it('alg none, and HS256 keyed with the public key (algorithm confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: fx.clientId, sub: fx.clientId, aud: TOKEN_URL, exp: now + 60, jti: randomUUID() };
    refused(await grant(handMade({ alg: 'none', kid: es.kid }, claims)), 'Invalid client assertion signature');
    for (const secret of [JSON.stringify(es.jwk), await jose.exportSPKI(es.publicKey)]) {
      const hs = handMade({ alg: 'HS256', kid: es.kid }, { ...claims, jti: randomUUID() }, (input) =>
        createHmac('sha256', secret).update(input).digest('base64url'));
      refused(await grant(hs), 'Invalid client assertion signature');
    }
  });

  it("a verified-but-refused assertion's jti is not spent; an unverified one spends nothing", async () => {
    const jti = randomUUID();
    const stranger = await keyPair('ES256', es.kid);
    refused(await grant(await assertion(fx.clientId, stranger, { claims: { jti } })), 'Invalid client assertion signature');
    assert.equal((await grant(await assertion(fx.clientId, es, { claims: { jti } }))).status, 200);
  });

  it('another client named by client_id, an unknown client, another project\'s client', async () => {
    const other = createFixture('pkjwt-other');
    const ok = await assertion(fx.clientId, es);
    refused(await grant(ok, { client_id: other.clientId }), 'Invalid client');
    refused(await grant(await assertion(randomUUID(), es)), 'Client not found');
    // fx's key asserting to be a client of another project (which has its own key).
    const ko = await keyPair('ES256', es.kid);
    setKeys(other.clientId, [ko.jwk]);
    refused(await grant(await assertion(other.clientId, es)), 'Invalid client assertion signature');
    // client_id naming the assertion's own client is fine (oauth4webapi sends it).
    assert.equal((await grant(await assertion(fx.clientId, es), { client_id: fx.clientId })).status, 200);
  });

  it('malformed: wrong type, not a JWT, a payload that is not JSON, oversized, NUL bytes', async () => {
    const jwt = await assertion(fx.clientId, es);
    refused(await grant(jwt, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }), 'Unsupported client assertion type');
    refused(await grant('not-a-jwt'), 'Invalid client assertion');
    refused(await grant('e30.bm90IGpzb24.sig'), 'Invalid client assertion');
    refused(await grant('e30.e30.sig'), 'Invalid client assertion issuer');
    const big = await grant('a'.repeat(9000));
    assert.equal(big.status, 400, big.text);
    const nul = await postForm('oauth2/token', `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(TYPE)}&client_assertion=a%00b`);
    assert.equal(nul.status, 400, nul.text);
    const noType = await postForm('oauth2/token', { grant_type: 'client_credentials', client_assertion: jwt });
    refused(noType, 'Unsupported client assertion type');
  });

  it('an assertion beside a secret or a Basic header: one method per request', async () => {
    const jwt = await assertion(fx.clientId, es);
    assertOAuthError(await grant(jwt, { client_secret: fx.clientSecret }), 400, 'invalid_request', 'Multiple client authentication methods');
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials', client_assertion_type: TYPE, client_assertion: jwt },
      { Authorization: basicAuth(fx.clientId, fx.clientSecret) }), 400, 'invalid_request', 'Multiple client authentication methods');
    // Neither spent the jti.
    assert.equal((await grant(jwt)).status, 200);
  });
});

describe('tokenEndpointAuthMethod is enforced', () => {
  it('a client registered for keys cannot use its secret (body, Basic, API Basic)', async () => {
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret }),
      401, 'invalid_client', 'Client authentication method not allowed');
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) }),
      401, 'invalid_client', 'Client authentication method not allowed');
    const me = await fetch(new URL('auth/me', BASE_URL), { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(me.status, 401);
  });

  it('a client registered for a secret cannot use keys', async () => {
    const c = createFixture('pkjwt-secret');
    const k = await keyPair('ES256');
    setKeys(c.clientId, [k.jwk], 'client_secret_basic');
    assertOAuthError(await grant(await assertion(c.clientId, k)), 401, 'invalid_client', 'Client authentication method not allowed');
    const r = await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.clientId, c.clientSecret) });
    assert.equal(r.status, 200, r.text);
  });

  it('a client with the default method "none" and keys may use either', async () => {
    const c = createFixture('pkjwt-none');
    const k = await keyPair('ES256');
    setKeys(c.clientId, [k.jwk], 'none');
    assert.equal((await grant(await assertion(c.clientId, k))).status, 200);
    assert.equal((await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret })).status, 200);
  });

  it('a private_key_jwt client without keys: Client must have a JWK Set URL', async () => {
    const c = createFixture('pkjwt-nokeys');
    dbExec("UPDATE client_application SET token_endpoint_auth_method = 'private_key_jwt' WHERE id = ?", [c.clientId]);
    assertOAuthError(await grant(await assertion(c.clientId, es)), 401, 'invalid_client', 'Client must have a JWK Set URL');
  });

  it('introspection: with an assertion, not with the secret of a key client', async () => {
    const t = (await grant(await assertion(fx.clientId, es))).json.access_token;
    const r = await postForm('oauth2/introspect', { token: t, client_assertion_type: TYPE, client_assertion: await assertion(fx.clientId, es) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, true);
    assert.equal(r.json.client_id, fx.clientId);
    const s = await postForm('oauth2/introspect', { token: t, client_id: fx.clientId, client_secret: fx.clientSecret });
    assertOAuthError(s, 401, 'invalid_client');
    const b = await postForm('oauth2/introspect', { token: t }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assertOAuthError(b, 401, 'invalid_client');
    const bad = await postForm('oauth2/introspect', { token: t, client_assertion_type: TYPE, client_assertion: await assertion(fx.clientId, await keyPair('ES256')) });
    assertOAuthError(bad, 401, 'invalid_client', 'Invalid client assertion signature');
  });

  it('revocation: with an assertion; the secret of a key client and no authentication are refused', async () => {
    const t = (await grant(await assertion(fx.clientId, es))).json.access_token;
    assertOAuthError(await postForm('oauth2/revoke', { token: t, client_id: fx.clientId }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await postForm('oauth2/revoke', { token: t, client_id: fx.clientId, client_secret: fx.clientSecret }), 401, 'invalid_client', 'Invalid client');
    assert.equal((await authMe(t)).status, 200);
    const r = await postForm('oauth2/revoke', { token: t, client_assertion_type: TYPE, client_assertion: await assertion(fx.clientId, es) });
    assert.equal(r.status, 200, r.text);
    assertUnauthorized(await authMe(t));
  });

  it('authorization_code: a private_key_jwt client redeems its code with an assertion, never without', async () => {
    const f = createSigninFixture('pkjwt-code');
    const k = await keyPair('ES256');
    setKeys(f.clientId, [k.jwk]);
    const start = async () => {
      const pkce = pkcePair();
      const r = await authLogin({ email: f.email, password: f.password, clientId: f.clientId, pkce, scope: 'openid offline' });
      assert.equal(r.status, 200, r.text);
      return { code: r.json.code, pkce };
    };
    const a = await start();
    assertOAuthError(await redeemCode(a.code, { verifier: a.pkce.verifier }), 401, 'invalid_client', 'Client authentication required');
    const b = await start();
    const t = await redeemCode(b.code, { verifier: b.pkce.verifier, extra: { client_assertion_type: TYPE, client_assertion: await assertion(f.clientId, k) } });
    assert.equal(t.status, 200, t.text);
    // Its refresh token needs the assertion too, and a secret is not the method.
    const plain = await postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: t.json.refresh_token });
    assertOAuthError(plain, 401, 'invalid_client', 'Client authentication required');
    const withSecret = await postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, client_id: f.clientId, client_secret: f.clientSecret });
    assertOAuthError(withSecret, 401, 'invalid_client', 'Client authentication method not allowed');
    const ok = await postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, client_assertion_type: TYPE, client_assertion: await assertion(f.clientId, k) });
    assert.equal(ok.status, 200, ok.text);
  });
});

/** A JWKS server on 127.0.0.1:port (this file's ports: 8150-8159): serve(req, res) answers. */
async function keyServer(port, serve) {
  const server = createServer(serve);
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return server;
}

describe('keys at the client\'s jwksUri (fetched, cached, fetched again for an unknown kid)', () => {
  let served; // the keys the server publishes now
  let fetches = 0;
  let server;
  let hanging;
  const held = [];
  before(async () => {
    server = await keyServer(8150, (req, res) => {
      fetches++;
      if (req.url === '/garbage') return res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"not":"a key set"}');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    // Accepts the connection and never answers.
    hanging = await keyServer(8151, (req, res) => held.push(res));
  });
  after(() => {
    for (const res of held) res.destroy();
    server.close();
    hanging.close();
  });

  function uriClient(path) {
    const c = createFixture('pkjwt-uri');
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', `http://127.0.0.1:8150${path}`);
    return c;
  }

  it('the SDK and oauth4webapi-style assertions verify with keys from the URL; a rotated-in key is fetched', async () => {
    const k1 = await keyPair('RS256');
    const k2 = await keyPair('ES256');
    served = [k1.jwk];
    const c = uriClient(`/${randomUUID()}`);
    const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch });
    await medplum.startJwtAssertionLogin(await assertion(c.clientId, k1));
    assert.equal(medplum.getProfile()?.id, c.clientId);
    assert.ok(fetches >= 1);
    // The client rotates in a new key: its unknown kid makes the server fetch the set again.
    served = [k1.jwk, k2.jwk];
    await new Promise((r) => setTimeout(r, 10_500)); // the refetch floor per URL (JWKS_REFETCH_SECONDS)
    const r = await grant(await assertion(c.clientId, k2));
    assert.equal(r.status, 200, r.text);
    // A key the set never had is still refused.
    assertOAuthError(await grant(await assertion(c.clientId, await keyPair('ES256'))), 401, 'invalid_client', 'Invalid client assertion signature');
  });

  it('a JWKS endpoint that hangs, or serves no key set: 401 Client JWK Set unavailable, no 5xx', async () => {
    const k = await keyPair('ES256');
    const c = createFixture('pkjwt-hang');
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', 'http://127.0.0.1:8151/jwks');
    assertOAuthError(await grant(await assertion(c.clientId, k)), 401, 'invalid_client', 'Client JWK Set unavailable');
    const g = uriClient('/garbage');
    assertOAuthError(await grant(await assertion(g.clientId, k)), 401, 'invalid_client', 'Client JWK Set unavailable');
    // Nothing listens on 8152.
    const d = createFixture('pkjwt-down');
    tesseraAdmin('client', 'set', '--id', d.clientId, '--token-endpoint-auth-method', 'private_key_jwt', '--jwks-uri', 'http://127.0.0.1:8152/jwks');
    assertOAuthError(await grant(await assertion(d.clientId, k)), 401, 'invalid_client', 'Client JWK Set unavailable');
  });
});

describe('registering keys (resource API and tessera-admin)', () => {
  it('the resource API: a private_key_jwt client with inline jwks; read back; bad sets refused', async () => {
    const a = createSigninFixture('pkjwt-admin');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [a.membershipId]);
    const { tokens } = await signIn(a);
    const api = (method, path, body) => http(`fhir/R4/${path}`, {
      method, headers: { Authorization: bearer(tokens.access_token), 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body),
    });
    const k = await keyPair('PS256');
    const c = await api('POST', 'ClientApplication', { resourceType: 'ClientApplication', name: 'keys', tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [k.jwk] } });
    assert.equal(c.status, 201, c.text);
    assert.deepEqual(c.json.jwks, { keys: [k.jwk] });
    assert.equal((await grant(await assertion(c.json.id, k))).status, 200);
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: c.json.id, client_secret: c.json.secret }),
      401, 'invalid_client', 'Client authentication method not allowed');
    for (const [jwks, text] of [[{ keys: [{ ...k.jwk, d: 'AAAA' }] }, 'Invalid jwks: private key'], [{ keys: 'x' }, 'Invalid jwks'], [undefined, 'private_key_jwt needs jwks or jwksUri']]) {
      const r = await api('POST', 'ClientApplication', { resourceType: 'ClientApplication', name: 'bad', tokenEndpointAuthMethod: 'private_key_jwt', jwks });
      assertBadRequest(r, text);
    }
  });

  it('a JWK Set with a private member, or of the wrong shape, is refused', () => {
    const bad = [{ keys: [{ ...es.jwk, d: 'AAAA' }] }, { keys: [] }, { keys: [{ kty: 'oct', k: 'AAAA' }] }, { nokeys: 1 }];
    for (const jwks of bad)
      assert.throws(() => tesseraAdmin('client', 'set', '--id', fx.clientId, '--jwks', JSON.stringify(jwks)), /JWK Set/);
    assert.deepEqual(dbQuery('SELECT JSON_VALUE(jwks, "$.keys[0].kid") FROM client_application WHERE id = ?', [fx.clientId]), [[es.kid]]);
  });
});
