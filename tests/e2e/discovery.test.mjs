// SPDX-License-Identifier: BSD-2-Clause
// Discovery documents, the JWKS, the /api twin of every route, the standard response
// headers and CORS (PROTOCOL.md §1.1, §1.2, §3, §8).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, ORIGIN, http } from './lib.mjs';

// What the foundation implements; grows as grants land (lib/discovery.c keeps the list
// equal to the token endpoint's grant table).
const GRANTS = ['client_credentials', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:ietf:params:oauth:grant-type:jwt-bearer'];

async function getJson(path, headers = {}) {
  const r = await http(path, { headers });
  assert.equal(r.status, 200, `${path}: ${r.status} ${r.text}`);
  assert.match(r.contentType, /^application\/json/, `${path}: content type ${r.contentType}`);
  assert.ok(r.json && typeof r.json === 'object', `${path}: not JSON: ${r.text}`);
  return r;
}

describe('OpenID / OAuth metadata', () => {
  for (const doc of ['openid-configuration', 'oauth-authorization-server']) {
    it(`/.well-known/${doc}`, async () => {
      const { json: d } = await getJson(`.well-known/${doc}`);
      assert.equal(d.issuer, BASE_URL, 'issuer is the base URL with its trailing slash');
      assert.ok(d.issuer.endsWith('/'));
      assert.equal(d.token_endpoint, `${BASE_URL}oauth2/token`);
      assert.equal(d.jwks_uri, `${BASE_URL}.well-known/jwks.json`);
      assert.equal(d.introspection_endpoint, `${BASE_URL}oauth2/introspect`);
      assert.deepEqual(d.grant_types_supported, GRANTS);
      assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_basic'));
      assert.ok(d.token_endpoint_auth_methods_supported.includes('client_secret_post'));
      assert.ok(d.id_token_signing_alg_values_supported.includes('ES256'));
    });
  }

  it('both documents agree', async () => {
    const a = await getJson('.well-known/openid-configuration');
    const b = await getJson('.well-known/oauth-authorization-server');
    assert.deepEqual(a.json, b.json);
  });

  for (const path of ['.well-known/smart-configuration', 'fhir/R4/.well-known/smart-configuration']) {
    it(`/${path}`, async () => {
      const { json: d } = await getJson(path);
      assert.equal(d.issuer, BASE_URL);
      assert.equal(d.token_endpoint, `${BASE_URL}oauth2/token`);
      assert.equal(d.jwks_uri, `${BASE_URL}.well-known/jwks.json`);
      assert.deepEqual(d.grant_types_supported, GRANTS);
      assert.ok(Array.isArray(d.capabilities), 'capabilities is a list');
      assert.ok(Array.isArray(d.token_endpoint_auth_methods_supported));
    });
  }

  it('/.well-known/oauth-protected-resource: RFC 9728 metadata for the base URL or a resource under it', async () => {
    const { json: oidc } = await getJson('.well-known/openid-configuration');
    const { json: d } = await getJson('.well-known/oauth-protected-resource');
    // RFC 9728 §2: resource (required) is the protected resource's identifier; the
    // authorization servers that issue its tokens; how a bearer token is sent (the header only).
    assert.deepEqual(d, {
      resource: BASE_URL,
      issuer: BASE_URL,
      authorization_servers: [oidc.issuer],
      scopes_supported: oidc.scopes_supported, // PROTOCOL.md §8: the same list as the discovery document
      bearer_methods_supported: ['header'],
      introspection_endpoint: `${BASE_URL}oauth2/introspect`,
    });
    const fhir = `${BASE_URL}fhir/R4`;
    const { json: r } = await getJson(`.well-known/oauth-protected-resource?resource=${encodeURIComponent(fhir)}`);
    assert.deepEqual(r, { ...d, resource: fhir }, 'the resource asked for, under the base URL');
    // Anything not under the base URL (a look-alike host included): 400 text, PROTOCOL.md §8.
    for (const other of ['https://evil.example/', BASE_URL.replace(/\/$/, '.evil.example/'), BASE_URL.replace(/\/$/, '')]) {
      const bad = await http(`.well-known/oauth-protected-resource?resource=${encodeURIComponent(other)}`);
      assert.equal(bad.status, 400, `${other}: ${bad.text}`);
      assert.equal(bad.text, 'Invalid resource URL', other);
    }
  });

  it('unknown .well-known documents are 404, not 5xx', async () => {
    const r = await http('.well-known/no-such-document');
    assert.equal(r.status, 404, r.text);
  });
});

describe('JWKS', () => {
  it('publishes ES256 public keys only', async () => {
    const { json } = await getJson('.well-known/jwks.json');
    assert.ok(Array.isArray(json.keys) && json.keys.length >= 1, `no keys: ${JSON.stringify(json)}`);
    const es256 = json.keys.filter((k) => k.alg === 'ES256');
    assert.ok(es256.length >= 1, 'an ES256 key');
    for (const k of es256) {
      assert.equal(k.kty, 'EC');
      assert.equal(k.crv, 'P-256');
      assert.equal(k.use, 'sig');
      assert.equal(typeof k.kid, 'string');
      assert.ok(k.kid.length > 0);
      assert.equal(typeof k.x, 'string');
      assert.equal(typeof k.y, 'string');
    }
    for (const k of json.keys) {
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        assert.ok(!(priv in k), `key ${k.kid} leaks private member "${priv}"`);
      }
    }
    const kids = json.keys.map((k) => k.kid);
    assert.equal(new Set(kids).size, kids.length, 'kids are unique');
  });
});

describe('/api prefix (Medplum mounts every router at / and /api/)', () => {
  for (const path of [
    '.well-known/openid-configuration',
    '.well-known/oauth-authorization-server',
    '.well-known/jwks.json',
    '.well-known/smart-configuration',
    'fhir/R4/.well-known/smart-configuration',
  ]) {
    it(`/api/${path} equals /${path}`, async () => {
      const plain = await getJson(path);
      const api = await getJson(`api/${path}`);
      assert.deepEqual(api.json, plain.json);
    });
  }

  it('/api/auth/me and /api/oauth2/token are routed (401 and 400, not 404)', async () => {
    const me = await http('api/auth/me');
    assert.equal(me.status, 401, me.text);
    const token = await http('api/oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=nonsense',
    });
    assert.equal(token.status, 400, token.text);
    assert.equal(token.json?.error_description, 'Unsupported grant_type');
  });
});

describe('standard response headers', () => {
  function assertSecurityHeaders(r, what) {
    const h = r.headers;
    assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
    assert.equal(h.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
    const csp = h.get('content-security-policy') || '';
    assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP ${csp}`);
    assert.match(csp, /default-src 'none'/, `${what}: CSP ${csp}`);
    assert.equal(h.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
    assert.match(h.get('cache-control') || '', /no-store/, `${what}: Cache-Control`);
    assert.equal(h.get('x-powered-by'), null, `${what}: X-Powered-By`);
    // Plain-HTTP base URL: no HSTS (only for https).
    if (BASE_URL.startsWith('http:')) assert.equal(h.get('strict-transport-security'), null);
    const server = h.get('server');
    assert.ok(!server || !/\d/.test(server), `${what}: Server header reveals a version: ${server}`);
  }

  it('on a discovery document', async () => {
    assertSecurityHeaders(await http('.well-known/openid-configuration'), 'openid-configuration');
  });
  it('on the JWKS', async () => {
    assertSecurityHeaders(await http('.well-known/jwks.json'), 'jwks.json');
  });
  it('on a 401 from /auth/me', async () => {
    const r = await http('auth/me');
    assert.equal(r.status, 401);
    assertSecurityHeaders(r, '/auth/me 401');
  });
  it('on a token endpoint error', async () => {
    const r = await http('oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(r.status, 400);
    assertSecurityHeaders(r, '/oauth2/token 400');
  });
  it('on a 404', async () => {
    const r = await http('auth/no-such-route');
    assert.equal(r.status, 404, r.text);
    assertSecurityHeaders(r, '/auth 404');
  });
});

describe('CORS', () => {
  it('reflects the base URL origin with credentials', async () => {
    for (const path of ['.well-known/openid-configuration', 'auth/me']) {
      const r = await http(path, { headers: { Origin: ORIGIN } });
      assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN, path);
      assert.equal(r.headers.get('access-control-allow-credentials'), 'true', path);
      assert.match(r.headers.get('vary') || '', /origin/i, `${path}: Vary: Origin`);
    }
  });

  it('gives a foreign origin nothing', async () => {
    for (const origin of ['http://evil.example', 'null', `${ORIGIN}.evil.example`]) {
      const r = await http('.well-known/openid-configuration', { headers: { Origin: origin } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), null, origin);
      assert.equal(r.headers.get('access-control-allow-credentials'), null, origin);
    }
  });

  it('does not take a prefix of the app origin for the origin', async () => {
    // appBaseUrl.startsWith(origin) alone would let "http://127.0.0.1:80" in when the app
    // is at "http://127.0.0.1:8080/" ("https://app.example.co" for ".com").
    const prefix = ORIGIN.slice(0, -1);
    const r = await http('.well-known/openid-configuration', { headers: { Origin: prefix } });
    assert.equal(r.headers.get('access-control-allow-origin'), null, prefix);
  });

  it('answers a preflight with 204 and the allowed methods and headers', async () => {
    const r = await http('oauth2/token', {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-medplum',
      },
    });
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    const methods = (r.headers.get('access-control-allow-methods') || '').split(',').map((s) => s.trim());
    for (const m of ['GET', 'POST']) assert.ok(methods.includes(m), `Allow-Methods ${methods}`);
    assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    const allowed = (r.headers.get('access-control-allow-headers') || '').toLowerCase();
    for (const h of ['authorization', 'content-type', 'x-medplum']) assert.ok(allowed.includes(h), `Allow-Headers ${allowed}`);
  });

  it('answers a foreign preflight without CORS grants', async () => {
    const r = await http('auth/me', {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.ok(r.status < 500, `status ${r.status}`);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    assert.equal(r.headers.get('access-control-allow-methods'), null);
  });
});
