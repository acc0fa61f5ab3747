// SPDX-License-Identifier: BSD-2-Clause
// Error paths of the token endpoint (§7.2, §7.2.1: exact OAuth error texts), of bearer and
// Basic authentication (§4: anything invalid is 401) and of body parsing (§1.3). Every
// refused grant must leave the login table untouched, and nothing here may be a 5xx.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK } from 'jose';
import {
  BASE_URL,
  assertOAuthError,
  assertUnauthorized,
  basicAuth,
  bearer,
  clientCredentialsToken,
  createFixture,
  http as rawHttp,
  loginCount,
  randomUUID,
  signingKey,
} from './lib.mjs';

// Every response of this file goes through here: no 5xx, ever.
const seen = [];
async function http(path, opts) {
  const r = await rawHttp(path, opts);
  seen.push(`${opts?.method || 'GET'} ${path} -> ${r.status}`);
  assert.ok(r.status < 500, `${opts?.method || 'GET'} ${path}: server error ${r.status}: ${r.text}`);
  return r;
}
function postForm(path, params, headers = {}) {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return http(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
}
function postJson(path, obj, headers = {}) {
  const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
  return http(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
}

let fx;
before(() => {
  fx = createFixture('err');
});
after(() => {
  const bad = seen.filter((s) => / -> 5\d\d$/.test(s));
  assert.deepEqual(bad, [], 'no 5xx anywhere');
});

/** Runs fn and asserts that it wrote no Login row for the fixture client (nor for `otherIds`). */
async function noLoginWritten(fn, otherIds = []) {
  const ids = [fx.clientId, ...otherIds];
  const before = ids.map((id) => loginCount(id));
  const r = await fn();
  assert.deepEqual(ids.map((id) => loginCount(id)), before, 'a refused grant wrote a Login row');
  return r;
}

const cc = (extra = {}) => ({ grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret, ...extra });

describe('token endpoint: request shape', () => {
  it('a JSON body is 400 "Unsupported content type" (plain text)', async () => {
    const r = await noLoginWritten(() => postJson('oauth2/token', cc()));
    assert.equal(r.status, 400);
    assert.match(r.contentType, /^text\/plain/);
    assert.equal(r.text, 'Unsupported content type');
  });

  it('no content type at all is 400 "Unsupported content type"', async () => {
    const r = await noLoginWritten(() =>
      http('oauth2/token', { method: 'POST', body: new URLSearchParams(cc()).toString(), headers: { 'Content-Type': '' } }),
    );
    assert.equal(r.status, 400);
    assert.equal(r.text, 'Unsupported content type');
  });

  it('GET is not a token request', async () => {
    const r = await http(`oauth2/token`);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status}`);
  });

  it('missing grant_type', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', { client_id: fx.clientId, client_secret: fx.clientSecret }));
    assertOAuthError(r, 400, 'invalid_request', 'Missing grant_type');
  });

  it('empty grant_type', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', cc({ grant_type: '' })));
    assertOAuthError(r, 400, 'invalid_request', 'Missing grant_type');
  });

  for (const grant of ['password', 'implicit', 'client_credentials ', 'CLIENT_CREDENTIALS', 'urn:ietf:params:oauth:grant-type:pre-authorized_code']) {
    it(`unknown grant_type ${JSON.stringify(grant)}`, async () => {
      const r = await noLoginWritten(() => postForm('oauth2/token', cc({ grant_type: grant })));
      assertOAuthError(r, 400, 'invalid_request', 'Unsupported grant_type');
    });
  }

  // Medplum's server has no jwt-bearer grant (§16); Tessera has it (PROTOCOL.md §7.2.6, §S.16):
  // a client without a trusted issuer is refused before anything is written.
  it('jwt-bearer grant of a client without a trusted issuer: unauthorized_client, nothing written', async () => {
    const r = await noLoginWritten(() =>
      postForm('oauth2/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        client_id: fx.clientId,
        assertion: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
        scope: 'openid',
      }),
    );
    assertOAuthError(r, 400, 'unauthorized_client', 'Client has no trusted assertion issuer');
  });

  it('a repeated parameter is refused (grant_type twice)', async () => {
    const body = `grant_type=client_credentials&grant_type=client_credentials&client_id=${fx.clientId}&client_secret=${fx.clientSecret}`;
    const r = await noLoginWritten(() => postForm('oauth2/token', body));
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('a repeated client_id with two values is refused', async () => {
    const body = `grant_type=client_credentials&client_id=${fx.clientId}&client_id=${randomUUID()}&client_secret=${fx.clientSecret}`;
    const r = await noLoginWritten(() => postForm('oauth2/token', body));
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('credentials in the query string are refused', async () => {
    const q = new URLSearchParams(cc()).toString();
    const r1 = await noLoginWritten(() => postForm(`oauth2/token?${q}`, ''));
    assert.equal(r1.status, 400, r1.text);
    const q2 = new URLSearchParams({ client_id: fx.clientId, client_secret: fx.clientSecret }).toString();
    const r2 = await noLoginWritten(() => postForm(`oauth2/token?${q2}`, { grant_type: 'client_credentials' }));
    assert.equal(r2.status, 400, r2.text);
  });

  it('an oversized body (2 MB) is a 4xx', async () => {
    const body = new URLSearchParams(cc()).toString() + '&pad=' + 'a'.repeat(2 * 1024 * 1024);
    const r = await noLoginWritten(() => postForm('oauth2/token', body));
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  });

  it('an oversized field is a 4xx', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', cc({ scope: 'openid ' + 'x'.repeat(20000) })));
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  });

  for (const [what, raw] of [
    ['invalid UTF-8 (%C3%28) in client_id', () => `grant_type=client_credentials&client_id=%C3%28&client_secret=${fx.clientSecret}`],
    ['invalid UTF-8 (%C3%28) after a valid secret', () => `grant_type=client_credentials&client_id=${fx.clientId}&client_secret=${fx.clientSecret}%C3%28`],
    ['NUL (%00) in client_id', () => `grant_type=client_credentials&client_id=${fx.clientId}%00x&client_secret=${fx.clientSecret}`],
    ['NUL (%00) after a valid secret', () => `grant_type=client_credentials&client_id=${fx.clientId}&client_secret=${fx.clientSecret}%00garbage`],
    ['NUL (%00) in grant_type', () => `grant_type=client_credentials%00&client_id=${fx.clientId}&client_secret=${fx.clientSecret}`],
    ['a broken percent escape', () => `grant_type=client_credentials&client_id=${fx.clientId}&client_secret=${fx.clientSecret}%G1`],
  ]) {
    it(`${what} is 400`, async () => {
      const r = await noLoginWritten(() => postForm('oauth2/token', raw()));
      assert.equal(r.status, 400, r.text);
      assertOAuthError(r, 400, 'invalid_request');
    });
  }
});

describe('token endpoint: client authentication', () => {
  it('missing client_id', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', { grant_type: 'client_credentials', client_secret: fx.clientSecret }));
    assertOAuthError(r, 400, 'invalid_request', 'Missing client_id');
  });

  it('missing client_secret', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId }));
    assertOAuthError(r, 400, 'invalid_request', 'Missing client_secret');
  });

  for (const [what, id] of [
    ['an unknown UUID', () => randomUUID()],
    ['a non-UUID string', () => 'not-a-client'],
    ['an SQL injection', () => "' OR '1'='1"],
    ['an SQL injection without spaces', () => "x'OR'1'='1"],
    ['an SQL comment', () => `${fx.clientId}'--`],
    ['a very long id', () => 'a'.repeat(5000)],
  ]) {
    it(`unknown client: ${what}`, async () => {
      const clientId = id();
      const others = /^[\x20-\x7e]{1,200}$/.test(clientId) ? [clientId] : [];
      const r = await noLoginWritten(
        () => postForm('oauth2/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: fx.clientSecret }),
        others,
      );
      assertOAuthError(r, 400, 'invalid_request', 'Invalid client');
    });
  }

  it('unknown client over Basic is 401 invalid_client', async () => {
    const r = await noLoginWritten(() =>
      postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(randomUUID(), fx.clientSecret) }),
    );
    assertOAuthError(r, 401, 'invalid_client', 'Invalid client');
    assert.match(r.headers.get('www-authenticate') || '', /^Basic /);
  });

  it('wrong secret in the body: 400 invalid_request "Invalid secret"', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', cc({ client_secret: 'f'.repeat(64) })));
    assertOAuthError(r, 400, 'invalid_request', 'Invalid secret');
  });

  it('a prefix of the secret is wrong too', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', cc({ client_secret: fx.clientSecret.slice(0, 63) })));
    assertOAuthError(r, 400, 'invalid_request', 'Invalid secret');
  });

  it('the secret in upper case is wrong', async () => {
    const r = await noLoginWritten(() => postForm('oauth2/token', cc({ client_secret: fx.clientSecret.toUpperCase() })));
    assertOAuthError(r, 400, 'invalid_request', 'Invalid secret');
  });

  it('wrong secret over Basic: 401 invalid_client with WWW-Authenticate', async () => {
    const r = await noLoginWritten(() =>
      postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(fx.clientId, '0'.repeat(64)) }),
    );
    assertOAuthError(r, 401, 'invalid_client');
    assert.match(r.headers.get('www-authenticate') || '', /^Basic realm=/);
  });

  it('Basic with one client and client_id of another in the body is refused', async () => {
    const r = await noLoginWritten(() =>
      postForm('oauth2/token', { grant_type: 'client_credentials', client_id: randomUUID() }, {
        Authorization: basicAuth(fx.clientId, fx.clientSecret),
      }),
    );
    // Client authentication over a Basic header fails as RFC 6749 §5.2 says (ARCHITECTURE.md):
    // 401 invalid_client with WWW-Authenticate, Medplum's description.
    assertOAuthError(r, 401, 'invalid_client', 'Invalid client');
    assert.match(r.headers.get('www-authenticate') || '', /^Basic realm=/);
  });

  for (const [what, header] of [
    ['Bearer', () => 'Bearer abc.def.ghi'],
    ['Digest', () => 'Digest username="x"'],
    ['lower-case basic', () => 'basic ' + Buffer.from(`${fx.clientId}:${fx.clientSecret}`).toString('base64')],
    ['Basic without a colon', () => 'Basic ' + Buffer.from(fx.clientId).toString('base64')],
    ['Basic that is not base64', () => 'Basic !!!!'],
    ['Basic with nothing', () => 'Basic '],
  ]) {
    it(`Authorization header that is not valid Basic (${what}): "Invalid authorization header"`, async () => {
      const r = await noLoginWritten(() => postForm('oauth2/token', cc(), { Authorization: header() }));
      assertOAuthError(r, 400, 'invalid_request', 'Invalid authorization header');
    });
  }
});

describe('/auth/me: anything that is not a valid session is 401', () => {
  let token;
  let claims;
  let header;
  let serverKey; // the real signing key (unwrapped when wrapped), to forge tokens that only the claim checks can stop

  before(async () => {
    token = (await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token;
    claims = decodeJwt(token);
    header = decodeProtectedHeader(token);
    // Wrapped at rest (key_encryption_key set) or not: these tests never skip.
    const { jwk, alg } = signingKey(header.kid);
    serverKey = await importJWK(jwk, alg);
  });

  async function me(authorization) {
    return http('auth/me', { headers: authorization === undefined ? {} : { Authorization: authorization } });
  }

  async function forge(overrides, key = serverKey, protectedHeader = header) {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, iat: now, nbf: now, exp: now + 3600, ...overrides };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key);
  }

  it('the real token works (control)', async () => {
    const r = await me(bearer(token));
    assert.equal(r.status, 200, r.text);
  });

  it('no Authorization header', async () => {
    assertUnauthorized(await me());
  });

  for (const [what, value] of [
    ['garbage bearer', 'Bearer garbage'],
    ['empty bearer', 'Bearer '],
    ['bearer with two spaces', null],
    ['lower-case scheme', null],
    ['three dots', 'Bearer a.b.c.d'],
    ['unknown scheme', 'Token abc'],
  ]) {
    it(`${what}`, async () => {
      let v = value;
      if (what === 'bearer with two spaces') v = 'Bearer  ' + token;
      if (what === 'lower-case scheme') v = 'bearer ' + token;
      assertUnauthorized(await me(v));
    });
  }

  it('a tampered payload', async () => {
    const [h, , s] = token.split('.');
    const p = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url');
    assertUnauthorized(await me(bearer(`${h}.${p}.${s}`)));
  });

  it('a token signed by another key with the real kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    assertUnauthorized(await me(bearer(await forge({}, privateKey))));
  });

  it('a token signed by another key with an unknown kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    assertUnauthorized(await me(bearer(await forge({}, privateKey, { alg: 'ES256', kid: randomUUID(), typ: 'JWT' }))));
  });

  it('an alg "none" token', async () => {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${enc({ alg, typ: 'JWT', kid: header.kid })}.${enc(claims)}.`;
      assertUnauthorized(await me(bearer(unsigned)));
    }
  });

  it('an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const jwks = (await http('.well-known/jwks.json')).json;
    const pub = JSON.stringify(jwks.keys.find((k) => k.kid === header.kid));
    const secret = new TextEncoder().encode(pub);
    const t = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: header.kid, typ: 'JWT' }).sign(secret);
    assertUnauthorized(await me(bearer(t)));
  });

  it('the id_token is not an access token', async () => {
    const r = await http('oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(cc()).toString(),
    });
    assert.equal(r.status, 200);
    assertUnauthorized(await me(bearer(r.json.id_token)));
  });

  it('a real-key token that expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await me(bearer(await forge({})))).status, 200, 'the forging itself works');
    assertUnauthorized(await me(bearer(await forge({ iat: now - 7200, nbf: now - 7200, exp: now - 1 }))));
    assertUnauthorized(await me(bearer(await forge({ exp: undefined }))));
    assertUnauthorized(await me(bearer(await forge({ exp: String(now + 3600) }))));
  });

  it('a real-key token that is not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertUnauthorized(await me(bearer(await forge({ nbf: now + 600 }))));
  });

  it('a real-key token with the wrong issuer', async () => {
    for (const iss of ['http://evil.example/', BASE_URL.replace(/\/$/, ''), BASE_URL + 'x', undefined]) {
      assertUnauthorized(await me(bearer(await forge({ iss }))));
    }
  });

  it('a real-key token for a login that does not exist', async () => {
    assertUnauthorized(await me(bearer(await forge({ login_id: randomUUID() }))));
    assertUnauthorized(await me(bearer(await forge({ login_id: "' OR '1'='1" }))));
    assertUnauthorized(await me(bearer(await forge({ login_id: 42 }))));
  });

  it('Basic with a wrong secret, an unknown client, or garbage', async () => {
    assertUnauthorized(await me(basicAuth(fx.clientId, 'f'.repeat(64))));
    assertUnauthorized(await me(basicAuth(randomUUID(), fx.clientSecret)));
    assertUnauthorized(await me(basicAuth("' OR '1'='1", 'x')));
    assertUnauthorized(await me('Basic !!!!'));
    assertUnauthorized(await me('Basic ' + Buffer.from(`${fx.clientId}:${fx.clientSecret}\0`).toString('base64')));
  });

  it('an oversized Authorization header is a 4xx', async () => {
    const r = await me('Bearer ' + 'a'.repeat(7000) + '.' + 'b'.repeat(7000) + '.c');
    assert.ok(r.status >= 400 && r.status < 500, `${r.status}`);
  });
});

describe('other endpoints', () => {
  it('bad JSON to /oauth2/introspect is 400', async () => {
    for (const body of ['{"token": ', '[1,2]', '"token"', '{"token":"a","token":"b"}']) {
      const r = await postJson('oauth2/introspect', body, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
      assert.equal(r.status, 400, `${body}: ${r.status} ${r.text}`);
    }
  });

  it('bad JSON to /oauth2/logout is not a 5xx', async () => {
    const t = (await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token;
    const r = await postJson('oauth2/logout', '{', { Authorization: bearer(t) });
    assert.ok(r.status >= 400, `${r.status}`);
    // The session survives a malformed logout.
    assert.equal((await http('auth/me', { headers: { Authorization: bearer(t) } })).status, 200);
  });

  it('unknown routes are 404 OperationOutcome', async () => {
    for (const path of ['auth/nothing', 'oauth2/nothing', 'api/auth/nothing']) {
      const r = await http(path);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assert.equal(r.json?.id, 'not-found');
    }
  });

  it('a wrong method is 4xx', async () => {
    const r = await http('auth/me', { method: 'DELETE' });
    assert.ok(r.status >= 400 && r.status < 500, `${r.status}`);
  });
});
