// SPDX-License-Identifier: BSD-2-Clause
// Bad input on every sign-in route (§5–§7): malformed JSON, oversized bodies, wrong content
// types, invalid UTF-8, NUL, SQL injection. Every answer is 4xx (never 5xx) and nothing is
// written: no Login row carries this run's User-Agent marker, the client's Login count and
// the user's sessions are unchanged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertBadRequest,
  authMe,
  bearer,
  createSigninFixture,
  dbQuery,
  loginCount,
  pkcePair,
  randomUUID,
  signIn,
  url,
} from './lib.mjs';

const MARKER = `tessera-badinput-${randomUUID()}`;
let fx;
let session; // a live session of the fixture user, which nothing here may end
let other; // a second live session of the same user
let clientLogins;

before(async () => {
  fx = createSigninFixture('bad', { pkceOptional: false });
  session = await signIn(fx, { login: { scope: 'openid offline' } });
  other = await signIn(fx);
  clientLogins = loginCount(fx.clientId);
});

after(() => {
  // Nothing written by any request of this file (they all carry the marker).
  const [[n]] = dbQuery('SELECT COUNT(*) FROM login WHERE user_agent LIKE ?', [`${MARKER}%`]);
  assert.equal(Number(n), 0, 'no Login row from bad input');
});

/** Sends raw bytes; returns { status, text, json }. Network errors are failures. */
async function raw(path, { method = 'POST', contentType, body, headers = {} } = {}) {
  const h = { 'User-Agent': `${MARKER} ${path}`, ...headers };
  if (contentType) h['Content-Type'] = contentType;
  const res = await fetch(path.startsWith('http') ? path : url(path), { method, headers: h, body, redirect: 'manual' });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

function assert4xx(r, what) {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: expected 4xx, got ${r.status}: ${r.text.slice(0, 300)}`);
}

function validLogin() {
  const p = pkcePair();
  return { email: fx.email, password: fx.password, clientId: fx.clientId, codeChallenge: p.challenge, codeChallengeMethod: 'S256' };
}

// The JSON routes, each with a body that would be valid (so a lenient parser would act).
const jsonRoutes = () => [
  { path: 'auth/login', body: validLogin() },
  { path: 'auth/method', body: { email: fx.email } },
  { path: 'auth/profile', body: { login: session.login, profile: fx.membershipId } },
  { path: 'auth/scope', body: { login: session.login, scope: 'openid' } },
  { path: 'auth/revoke', body: { loginId: other.login }, auth: true },
];

// The form routes.
const formRoutes = () => [
  { path: 'oauth2/token', body: { grant_type: 'refresh_token', refresh_token: session.tokens.refresh_token } },
  { path: 'oauth2/revoke', body: { token: other.tokens.access_token } },
  { path: 'oauth2/authorize', body: { response_type: 'code', client_id: fx.clientId, redirect_uri: fx.redirectUri, scope: 'openid' } },
  { path: 'oauth2/introspect', body: { token: other.tokens.access_token, client_id: fx.clientId, client_secret: fx.clientSecret } },
];

function authHeaders(r) {
  return r.auth ? { Authorization: bearer(session.tokens.access_token) } : {};
}

describe('JSON routes', () => {
  it('malformed JSON: 400 Content could not be parsed', async () => {
    for (const r of jsonRoutes()) {
      const text = JSON.stringify(r.body).slice(0, -1) + ',';
      for (const ct of ['application/json', 'application/fhir+json']) {
        const res = await raw(r.path, { contentType: ct, body: text, headers: authHeaders(r) });
        assertBadRequest(res, 'Content could not be parsed');
      }
      for (const body of ['[]', '"x"', '42', 'null', '{"a":1}{"b":2}', '{"email":"a@b.co","email":"c@d.co"}']) {
        assert4xx(await raw(r.path, { contentType: 'application/json', body, headers: authHeaders(r) }), `${r.path} ${body}`);
      }
      const deep = '['.repeat(100000) + ']'.repeat(100000);
      assert4xx(await raw(r.path, { contentType: 'application/json', body: `{"x":${deep}}`, headers: authHeaders(r) }), `${r.path} deep`);
    }
  });

  it('oversized body (2 MB): 4xx', async () => {
    for (const r of jsonRoutes()) {
      const body = JSON.stringify({ ...r.body, padding: 'x'.repeat(2 * 1024 * 1024) });
      assert4xx(await raw(r.path, { contentType: 'application/json', body, headers: authHeaders(r) }), `${r.path} 2 MB`);
    }
  });

  it('an oversized single field (64 KB email, login, scope): 4xx', async () => {
    const big = 'a'.repeat(65536);
    for (const r of jsonRoutes()) {
      const body = Object.fromEntries(Object.entries(r.body).map(([k, v]) => [k, k === 'clientId' || k === 'codeChallengeMethod' ? v : big + v]));
      assert4xx(await raw(r.path, { contentType: 'application/json', body: JSON.stringify(body), headers: authHeaders(r) }), `${r.path} big`);
    }
  });

  it('wrong content type: 4xx, nothing done', async () => {
    for (const r of jsonRoutes()) {
      for (const ct of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/jsonx', undefined]) {
        const res = await raw(r.path, { contentType: ct, body: JSON.stringify(r.body), headers: authHeaders(r) });
        assert4xx(res, `${r.path} ${ct}`);
      }
    }
  });

  it('invalid UTF-8 and NUL (raw byte and \\u0000): 400', async () => {
    for (const r of jsonRoutes()) {
      const key = Object.keys(r.body)[0];
      const text = JSON.stringify(r.body);
      const cut = text.indexOf(`"${key}":"`) + key.length + 4;
      const before = Buffer.from(text.slice(0, cut));
      const rest = Buffer.from(text.slice(cut));
      for (const bad of [Buffer.from([0xff, 0xfe]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x00])]) {
        const res = await raw(r.path, { contentType: 'application/json', body: Buffer.concat([before, bad, rest]), headers: authHeaders(r) });
        assert.equal(res.status, 400, `${r.path} bytes ${bad.toString('hex')}: ${res.status} ${res.text}`);
      }
      const nul = text.slice(0, cut) + '\\u0000' + text.slice(cut);
      const res = await raw(r.path, { contentType: 'application/json', body: nul, headers: authHeaders(r) });
      assert.equal(res.status, 400, `${r.path} \\u0000: ${res.text}`);
      // The same as a form body with %00 and an invalid escape.
      const form = new URLSearchParams(Object.entries(r.body).map(([k, v]) => [k, String(v)])).toString();
      for (const tail of ['%00', '%ff', '%C0%AF', '%zz', '%']) {
        const f = await raw(r.path, { contentType: 'application/x-www-form-urlencoded', body: form.replace(/=/, `=${tail}`), headers: authHeaders(r) });
        assert4xx(f, `${r.path} form ${tail}`);
      }
    }
  });

  it('non-string JSON values are not taken as strings', async () => {
    const p = pkcePair();
    for (const email of [{ $ne: null }, [fx.email], null, true, 12345]) {
      const res = await raw('auth/login', {
        contentType: 'application/json',
        body: JSON.stringify({ email, password: fx.password, clientId: fx.clientId, codeChallenge: p.challenge, codeChallengeMethod: 'S256' }),
      });
      assert4xx(res, `email ${JSON.stringify(email)}`);
    }
    for (const password of [{ $gt: '' }, [fx.password], null, 123456]) {
      const res = await raw('auth/login', {
        contentType: 'application/json',
        body: JSON.stringify({ email: fx.email, password, clientId: fx.clientId, codeChallenge: p.challenge, codeChallengeMethod: 'S256' }),
      });
      assert4xx(res, `password ${JSON.stringify(password)}`);
    }
  });
});

describe('SQL injection', () => {
  const injections = [
    "' OR '1'='1",
    "' OR 1=1 -- ",
    "x' OR 'x'='x'--@example.com",
    "admin'--@example.com",
    "a@b.co'; DROP TABLE login; --",
    '"; UPDATE login SET revoked=1; --',
    "1' UNION SELECT id FROM user --",
    '%27%20OR%201%3D1',
    '\\\' OR 1=1 #',
  ];

  it('as email and password at /auth/login and /auth/method', async () => {
    for (const s of injections) {
      for (const body of [
        { ...validLogin(), email: s },
        { ...validLogin(), email: `${s}${fx.email}` },
        { ...validLogin(), email: fx.email, password: s },
        { ...validLogin(), email: s, password: s },
        { ...validLogin(), projectId: s },
        { ...validLogin(), clientId: s },
        { ...validLogin(), resourceType: s },
      ]) {
        const res = await raw('auth/login', { contentType: 'application/json', body: JSON.stringify(body) });
        assert4xx(res, `login ${JSON.stringify(body).slice(0, 120)}`);
        assert.equal(res.json?.code, undefined);
      }
      // A well-formed address of an unknown domain is simply {} (no identity provider).
      const m = await raw('auth/method', { contentType: 'application/json', body: JSON.stringify({ email: s }) });
      assert.ok(m.status === 400 || (m.status === 200 && m.text === '{}'), `method ${s}: ${m.status} ${m.text}`);
    }
  });

  it('as a scope: refused when not a scope token, else stored verbatim (parameterised SQL)', async () => {
    for (const s of injections) {
      const p = pkcePair();
      // No client and no marker: this sign-in is allowed to succeed.
      const res = await raw('auth/login', {
        contentType: 'application/json',
        headers: { 'User-Agent': 'tessera-e2e' },
        body: JSON.stringify({ email: fx.email, password: fx.password, clientId: '', scope: `openid ${s}`, codeChallenge: p.challenge, codeChallengeMethod: 'S256' }),
      });
      assert.ok(res.status === 200 || res.status === 400, `${s}: ${res.status} ${res.text}`);
      if (res.status === 200) {
        const [[scope]] = dbQuery('SELECT scope FROM login WHERE id = ?', [res.json.login]);
        assert.equal(scope, `openid ${s}`);
      } else {
        assertBadRequest(res, 'Invalid scope');
      }
    }
  });

  it('as login, profile, scope and loginId ids', async () => {
    for (const s of injections) {
      for (const [path, body, auth] of [
        ['auth/profile', { login: s, profile: fx.membershipId }],
        ['auth/profile', { login: session.login, profile: s }],
        ['auth/scope', { login: s, scope: 'openid' }],
        ['auth/revoke', { loginId: s }, true],
      ]) {
        const res = await raw(path, { contentType: 'application/json', body: JSON.stringify(body), headers: auth ? { Authorization: bearer(session.tokens.access_token) } : {} });
        assert4xx(res, `${path} ${s}`);
      }
      for (const path of [`auth/login/${encodeURIComponent(s)}`, `auth/clientinfo/${encodeURIComponent(s)}`]) {
        assert4xx(await raw(path, { method: 'GET' }), `${path}`);
      }
    }
  });

  it('as code, token, client_id and redirect_uri at /oauth2/*', async () => {
    for (const s of injections) {
      for (const [path, body] of [
        ['oauth2/token', { grant_type: 'authorization_code', code: s, code_verifier: 'x'.repeat(43) }],
        ['oauth2/token', { grant_type: 'authorization_code', code: s.replace(/ /g, ''), client_id: fx.clientId }],
        ['oauth2/token', { grant_type: 'refresh_token', refresh_token: s }],
        ['oauth2/token', { grant_type: s }],
        ['oauth2/token', { grant_type: 'client_credentials', client_id: s, client_secret: s }],
        ['oauth2/revoke', { token: s, client_id: s }],
        ['oauth2/introspect', { token: s, client_id: s, client_secret: s }],
      ]) {
        const res = await raw(path, { contentType: 'application/x-www-form-urlencoded', body: new URLSearchParams(body).toString() });
        assert.ok(res.status < 500, `${path} ${s}: ${res.status} ${res.text}`);
        assert.equal(res.json?.access_token, undefined);
      }
      const q = new URLSearchParams({ response_type: 'code', client_id: s, redirect_uri: fx.redirectUri, scope: 'openid' });
      assert4xx(await raw(`oauth2/authorize?${q}`, { method: 'GET' }), `authorize client_id ${s}`);
      const q2 = new URLSearchParams({ response_type: 'code', client_id: fx.clientId, redirect_uri: s, scope: 'openid' });
      assert4xx(await raw(`oauth2/authorize?${q2}`, { method: 'GET' }), `authorize redirect_uri ${s}`);
    }
  });

  it('the sessions survived and the tables are intact', async () => {
    assert.equal((await authMe(session.tokens.access_token)).status, 200);
    assert.equal((await authMe(other.tokens.access_token)).status, 200);
    assert.equal(loginCount(fx.clientId), clientLogins, 'no Login created or removed for this client');
    const [[users]] = dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [fx.email]);
    assert.equal(Number(users), 1);
  });
});

describe('form routes', () => {
  it('malformed, oversized, wrong type, invalid UTF-8, NUL, repeated parameters: 4xx', async () => {
    for (const r of formRoutes()) {
      const form = new URLSearchParams(r.body).toString();
      const variants = [
        ['2 MB', 'application/x-www-form-urlencoded', `${form}&pad=${'x'.repeat(2 * 1024 * 1024)}`],
        ['json', 'application/json', JSON.stringify(r.body)],
        ['text', 'text/plain', form],
        ['none', undefined, form],
        ['%00', 'application/x-www-form-urlencoded', form.replace(/=/, '=%00')],
        ['%ff', 'application/x-www-form-urlencoded', form.replace(/=/, '=%ff')],
        ['%zz', 'application/x-www-form-urlencoded', form.replace(/=/, '=%zz')],
        ['raw ff', 'application/x-www-form-urlencoded', Buffer.concat([Buffer.from(form.replace(/=/, '=')), Buffer.from([0xff])])],
      ];
      variants.push(['repeated', 'application/x-www-form-urlencoded', `${form}&${form}`]);
      for (const [what, ct, body] of variants) {
        const res = await raw(r.path, { contentType: ct, body });
        if ((r.path === 'oauth2/authorize' || r.path === 'oauth2/introspect') && what === 'json') {
          // Medplum parses JSON bodies on these (§7.5: "form or JSON"): not bad input.
          assert.ok(res.status < 500, `${r.path} json: ${res.status}`);
          continue;
        }
        if (r.path === 'oauth2/introspect' && what === 'repeated') {
          // RFC 7662 has no rule on repeated parameters; only never a 5xx.
          assert.ok(res.status < 500, `${r.path} repeated: ${res.status}`);
          continue;
        }
        assert4xx(res, `${r.path} ${what}`);
      }
    }
  });

  it('the query string of GET /oauth2/authorize: NUL, invalid UTF-8, oversized', async () => {
    const base = `oauth2/authorize?response_type=code&client_id=${fx.clientId}&redirect_uri=${encodeURIComponent(fx.redirectUri)}`;
    const tails = [
      '&scope=openid%00',
      '&scope=%ff',
      '&state=%C0%AF',
      `&state=${'x'.repeat(2 * 1024 * 1024)}`,
      '&scope=openid&scope=email',
      `&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example.com/')}`,
      '&scope=openid&client_id=x',
    ];
    for (const tail of tails) {
      const res = await raw(base + tail, { method: 'GET' });
      assert4xx(res, tail.slice(0, 60));
    }
    // Sanity: the same request without the bad part is accepted.
    assert.equal((await raw(base + '&scope=openid', { method: 'GET' })).status, 302);
  });

  it('bad bearer tokens on /auth/me, /oauth2/userinfo, /oauth2/logout, /auth/revoke: 401', async () => {
    for (const token of ["' OR 1=1 --", 'a.b.c', 'x'.repeat(20000), '\u00ff', session.tokens.refresh_token, session.tokens.id_token]) {
      for (const [path, method] of [
        ['auth/me', 'GET'],
        ['oauth2/userinfo', 'GET'],
        ['oauth2/logout', 'POST'],
        ['auth/revoke', 'POST'],
      ]) {
        let res;
        try {
          res = await raw(path, { method, headers: { Authorization: `Bearer ${token}` }, contentType: 'application/json', body: method === 'POST' ? JSON.stringify({ loginId: other.login }) : undefined });
        } catch (e) {
          // A header value outside Latin-1 cannot even be sent by fetch.
          assert.equal(token, '\u00ff', e.message);
          continue;
        }
        if (token.length > 16000) {
          // Larger than the web server takes: its own refusal (lighttpd 431, Apache 400), Tessera never sees it.
          assert.ok(res.status === 431 || res.status === 400, `${path} oversized: ${res.status} ${res.text.slice(0, 200)}`);
          continue;
        }
        // An invalid token MUST be 401 (the SDK refreshes once, then drops the session), never 400.
        assert.equal(res.status, 401, `${path} ${token.slice(0, 20)}: ${res.text.slice(0, 200)}`);
        assert.equal(res.json?.id, 'unauthorized', `${path} ${token.slice(0, 20)}: ${res.text.slice(0, 200)}`);
      }
    }
    assert.equal((await authMe(other.tokens.access_token)).status, 200, 'nothing was revoked');
  });
});
