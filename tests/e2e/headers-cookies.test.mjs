// SPDX-License-Identifier: BSD-2-Clause
// Issue 7: the standard headers and CORS of PROTOCOL.md §1.2 on responses of every program, errors
// included, and the flags of every cookie Tessera sets (HttpOnly; SameSite; Secure unless
// the configuration relaxes it for plain-HTTP loopback development: tests/unit/test_cookie.c
// checks the https and public-host cases of the same builder).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  Browser,
  ORIGIN,
  TEST_PASSWORD,
  addMember,
  authLogin,
  authorizeRequest,
  bearer,
  createProject,
  createSigninFixture,
  createUser,
  formOf,
  http,
  pkcePair,
  postJson,
  readConfig,
  redeemCode,
  setCookies,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none';";
const CORS_PREFIXES = ['.well-known/', 'admin/', 'auth/', 'oauth2/'];

/** Every header of §1.2 with its exact value; `page` responses bring the page CSP instead. */
function assertStandardHeaders(r, what, { page = false } = {}) {
  const h = r.headers;
  assert.equal(h.get('cache-control'), 'no-store, no-cache, must-revalidate', what);
  assert.equal(h.get('pragma'), 'no-cache', what);
  assert.equal(h.get('referrer-policy'), 'no-referrer', what);
  assert.equal(h.get('x-content-type-options'), 'nosniff', what);
  assert.equal(h.get('x-frame-options'), 'DENY', what);
  assert.equal(h.get('x-xss-protection'), '1; mode=block', what);
  assert.ok(h.get('permissions-policy'), `${what}: Permissions-Policy`);
  assert.equal(h.get('etag'), null, `${what}: no ETag`);
  assert.equal(h.get('x-powered-by'), null, `${what}: no X-Powered-By`);
  if (BASE_URL.startsWith('https:')) assert.equal(h.get('strict-transport-security'), 'max-age=63072000; includeSubDomains; preload', what);
  else assert.equal(h.get('strict-transport-security'), null, `${what}: HSTS only on https`);
  const csp = h.get('content-security-policy');
  if (page) assert.match(csp, /^default-src 'none';.*frame-ancestors 'none'/, what);
  else assert.equal(csp, API_CSP, what);
}

/** CORS exactly per §1.2: the allowed origin reflected on the CORS prefixes only. */
function assertCors(r, path, what) {
  const h = r.headers;
  if (CORS_PREFIXES.some((p) => path.startsWith(p))) {
    assert.equal(h.get('access-control-allow-origin'), ORIGIN, what);
    assert.equal(h.get('access-control-allow-credentials'), 'true', what);
    assert.match(h.get('access-control-expose-headers') || '', /Content-Location.*ETag.*Last-Modified.*Location/, what);
  } else {
    assert.equal(h.get('access-control-allow-origin'), null, `${what}: no CORS outside the API prefixes`);
    assert.equal(h.get('access-control-allow-credentials'), null, what);
  }
}

// One request per program and outcome: [method, path, body, expected status, page?].
const REQUESTS = [
  ['GET', '.well-known/openid-configuration', null, 200],
  ['GET', '.well-known/no-such-document', null, 404],
  ['GET', 'healthz', null, 200],
  ['POST', 'auth/login', { email: 'nobody@example.com' }, 400],
  ['POST', 'auth/method', { email: 'x' }, 400],
  ['GET', 'auth/login/not-a-login', null, 400],
  ['GET', `auth/login/${'0'.repeat(8)}-0000-4000-8000-000000000000`, null, 404],
  ['POST', 'auth/resetpassword', {}, 400],
  ['POST', 'auth/setpassword', { id: 'x', secret: 'y', password: 'z' }, 400],
  ['GET', 'oauth2/authorize?response_type=code', null, 400],
  ['POST', 'oauth2/token', 'grant_type=nonsense', 400],
  ['GET', 'oauth2/token', null, 405],
  ['GET', 'auth/me', null, 401],
  ['POST', 'oauth2/introspect', 'token=x', 401],
  ['GET', 'admin/projects/00000000-0000-4000-8000-000000000000/audit', null, 401],
  ['GET', 'signin', null, 200, true],
  ['GET', 'resetpassword', null, 200, true],
  ['GET', 'setpassword/x/y', null, 404, true],
  ['GET', 'manage/projects/00000000-0000-4000-8000-000000000000/members', null, 303, true],
];

describe('standard headers and CORS on every program, errors included', () => {
  for (const [method, path, body, status, page] of REQUESTS) {
    it(`${method} /${path.split('?')[0]} → ${status}`, async () => {
      const headers = { Origin: ORIGIN };
      let data;
      if (body !== null && typeof body === 'object') {
        headers['Content-Type'] = 'application/json';
        data = JSON.stringify(body);
      } else if (typeof body === 'string') {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        data = body;
      }
      const r = await http(path, { method, headers, body: data });
      assert.equal(r.status, status, `${path}: ${r.status} ${r.text.slice(0, 200)}`);
      assertStandardHeaders(r, `${method} ${path} ${r.status}`, { page: page && r.status !== 303 });
      assertCors(r, path, `${method} ${path}`);
    });
  }

  it('a foreign origin gets no CORS headers, on success and on error', async () => {
    for (const path of ['.well-known/jwks.json', 'auth/me']) {
      const r = await http(path, { headers: { Origin: 'https://evil.example' } });
      assert.equal(r.headers.get('access-control-allow-origin'), null, path);
      assertStandardHeaders(r, path);
    }
  });
});

// ---------------------------------------------------------------- cookies

const cfg = readConfig();
const LOOPBACK = /^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?\//;
const RELAXED =
  ['false', '0', 'no', 'off'].includes(String(cfg.cookie_secure).toLowerCase()) &&
  LOOPBACK.test(cfg.base_url || BASE_URL) &&
  LOOPBACK.test(cfg.app_base_url || cfg.base_url || BASE_URL);

/** A browser that keeps every Set-Cookie line it is sent. */
class RecordingBrowser extends Browser {
  constructor(lines) {
    super();
    this.lines = lines;
  }
  take(r) {
    this.lines.push(...setCookies(r.headers));
    return super.take(r);
  }
}

function cookieName(line) {
  return line.slice(0, line.indexOf('=')).trim();
}

describe('every cookie is HttpOnly, has SameSite, and is Secure unless relaxed for loopback HTTP', () => {
  const lines = [];
  const record = (r) => {
    lines.push(...setCookies(r.headers));
    return r;
  };
  let fx;
  before(() => {
    fx = createSigninFixture('cookies');
  });

  it('the JSON sign-in (SSO cookie), its logout (cleared)', async () => {
    const pkce = pkcePair();
    const l = record(await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce }));
    assert.equal(l.status, 200, l.text);
    const t = await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    record(await postJson('oauth2/logout', {}, { Authorization: bearer(t.json.access_token) }));
    assert.ok(lines.some((x) => x.startsWith(`medplum-${fx.clientId}=;`)), lines.join('\n'));
  });

  it('the sign-in page with a client: CSRF, sign-in binding, SSO cookie', async () => {
    const b = new RecordingBrowser(lines);
    const a = authorizeRequest(fx);
    const r = await http(a.url);
    const page = await b.get(r.headers.get('location'));
    const form = formOf(page.text);
    const done = await b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
    assert.equal(done.status, 303, done.text);
    for (const name of ['tessera-csrf', 'tessera-login', `medplum-${fx.clientId}`])
      assert.ok(lines.some((x) => cookieName(x) === name), `${name} in ${lines.join('\n')}`);
  });

  it('the page session: /signin, /account sign-out', async () => {
    const b = new RecordingBrowser(lines);
    const page = await b.get('signin');
    const form = formOf(page.text);
    const r = await b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
    assert.equal(r.status, 303, r.text);
    const account = await b.get('account');
    const out = await b.post(formOf(account.text).action, formOf(account.text).fields);
    assert.equal(out.status, 303, out.text);
    assert.ok(lines.some((x) => x.startsWith('tessera-session=;')), 'sign-out clears the session cookie');
  });

  it('registration binding', async () => {
    const b = new RecordingBrowser(lines);
    const page = await b.get('register');
    const form = formOf(page.text);
    const r = await b.post(form.action, { ...form.fields, firstName: 'Coo', lastName: 'Kie', email: uniqueEmail('ck-reg'), password: TEST_PASSWORD });
    assert.equal(r.status, 303, r.text);
    assert.ok(lines.some((x) => cookieName(x) === 'tessera-register'));
  });

  it('the show-once cookie of the admin pages', async () => {
    const projectId = createProject(uniqueName('ck-project'));
    const email = uniqueEmail('ck-admin');
    const userId = createUser({ email, first: 'Ada', last: 'Admin', password: TEST_PASSWORD });
    addMember({ project: projectId, user: userId, admin: true });
    const b = new RecordingBrowser(lines);
    const page = await b.get('signin');
    const form = formOf(page.text);
    assert.equal((await b.post(form.action, { ...form.fields, email, password: TEST_PASSWORD })).status, 303);
    const clients = await b.get(`manage/projects/${projectId}/clients`);
    const r = await b.post(`manage/projects/${projectId}/clients`, { csrf: formOf(clients.text).fields.csrf, name: 'cookie client' });
    assert.equal(r.status, 303, r.text);
    await b.get(r.headers.get('location'));
    assert.ok(lines.some((x) => cookieName(x) === 'tessera-shown' && /SameSite=Strict/.test(x)), lines.join('\n'));
  });

  it('every line recorded has the flags', () => {
    assert.ok(lines.length >= 10, `cookies recorded: ${lines.length}`);
    for (const line of lines) {
      const attrs = line.split(';').slice(1).map((a) => a.trim());
      assert.ok(attrs.includes('HttpOnly'), `HttpOnly: ${line}`);
      const sameSite = attrs.find((a) => a.startsWith('SameSite='));
      assert.ok(['SameSite=Strict', 'SameSite=Lax', 'SameSite=None'].includes(sameSite), `SameSite: ${line}`);
      assert.equal(attrs.includes('Secure'), !RELAXED, `Secure ${RELAXED ? 'relaxed (loopback HTTP)' : 'required'}: ${line}`);
      if (sameSite === 'SameSite=None') assert.ok(attrs.includes('Secure'), `SameSite=None needs Secure: ${line}`);
      assert.ok(attrs.some((a) => a.startsWith('Path=')), `Path: ${line}`);
    }
  });
});
