// SPDX-License-Identifier: BSD-2-Clause
// Issue 14, finding 1 (§S.17): a session is proven only by the browser's own
// cookie bound to its login, or by the JSON stages' own login id while that sign-in is in
// progress. id_token_hint only names the expected user, max_age only shortens the server's
// session age, and a login id is a bearer secret of its flow: never in a URL, never in what
// admins can list (the audit shows a keyed hash) or /auth/me lists, and GET /auth/login/:id
// never hands out a second code while one is outstanding (nor any for a login whose tokens
// were issued).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  Browser,
  addMember,
  assertBadRequest,
  authLogin,
  authorizeRequest,
  bearer,
  createSigninFixture,
  createUser,
  dbExec,
  decodeJwt,
  formOf,
  http,
  keyedHash,
  pkcePair,
  postJson,
  readConfig,
  redeemCode,
  setCookies,
  uniqueEmail,
} from './lib.mjs';

const APP_BASE = (() => {
  const a = readConfig().app_base_url || BASE_URL;
  return a.endsWith('/') ? a : a + '/';
})();
const FHIR = { 'Content-Type': 'application/fhir+json' };

let fx;
before(() => {
  fx = createSigninFixture('proof');
});

/** A signed-in session of a fixture through /auth/login and the code: its SSO cookie and tokens. */
async function session(f = fx, extra = {}) {
  const pkce = pkcePair();
  const r = await authLogin({ email: f.email, password: f.password, clientId: f.clientId, pkce, ...extra });
  assert.equal(r.status, 200, r.text);
  const cookie = setCookies(r.headers).find((c) => c.startsWith(`medplum-${f.clientId}=`));
  assert.ok(cookie, 'an SSO cookie');
  const t = await redeemCode(r.json.code, { clientId: f.clientId, verifier: pkce.verifier });
  assert.equal(t.status, 200, t.text);
  return { login: r.json.login, cookie: cookie.split(';')[0], tokens: t.json };
}

/** /oauth2/authorize for the fixture's client; returns the response and the request. */
async function authorize(extra, headers = {}, f = fx) {
  const a = authorizeRequest(f, extra);
  return { r: await http(a.url, { headers }), a };
}

/** The query of a 302 to the client's redirect URI. */
function atClient(r, f = fx) {
  assert.equal(r.status, 302, `expected 302, got ${r.status}: ${r.text}`);
  const loc = new URL(r.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, f.redirectUri, loc.toString());
  return loc.searchParams;
}

const FOREVER = '2000000000';

describe('session proof at /oauth2/authorize', () => {
  it('a stolen id_token without the browser cookie: prompt=none with any max_age is login_required', async () => {
    const s = await session();
    for (const max_age of [FOREVER, undefined]) {
      const { r, a } = await authorize({ prompt: 'none', max_age, id_token_hint: s.tokens.id_token });
      const q = atClient(r);
      assert.equal(q.get('code'), null, 'no code from an id_token alone');
      assert.equal(q.get('error'), 'login_required');
      assert.equal(q.get('error_description'), 'Login required');
      assert.equal(q.get('state'), a.params.state);
    }
    // Without prompt the hint alone is not a session either: the sign-in page, no login named.
    const { r } = await authorize({ id_token_hint: s.tokens.id_token });
    const loc = new URL(r.headers.get('location'));
    assert.ok(loc.toString().startsWith(`${APP_BASE}oauth?`), loc.toString());
    assert.equal(loc.searchParams.get('login'), null);
    // The stolen token's session is untouched: still granted, its tokens still work.
    assert.equal((await http('auth/me', { headers: { Authorization: bearer(s.tokens.access_token) } })).status, 200);
  });

  it('id_token_hint names the expected user: another user is login_required, the same user reuses the session', async () => {
    const other = createSigninFixture('proof-other');
    const mine = await session();
    const theirs = await session(other);
    // The hint of another user's token beside this browser's cookie.
    let q = atClient((await authorize({ prompt: 'none', id_token_hint: theirs.tokens.id_token }, { Cookie: mine.cookie })).r);
    assert.equal(q.get('error'), 'login_required');
    assert.equal(q.get('code'), null);
    // A hint that is not one of Tessera's tokens names nobody.
    const forged = `${mine.tokens.id_token.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
    for (const hint of [forged, 'not-a-jwt']) {
      q = atClient((await authorize({ prompt: 'none', id_token_hint: hint }, { Cookie: mine.cookie })).r);
      assert.equal(q.get('error'), 'login_required', hint);
    }
    // The matching hint with the cookie: the session, a code that redeems.
    const { r, a } = await authorize({ prompt: 'none', id_token_hint: mine.tokens.id_token }, { Cookie: mine.cookie });
    q = atClient(r);
    assert.match(q.get('code') || '', /^[0-9a-f]{32}$/, q.toString());
    const t = await redeemCode(q.get('code'), { clientId: fx.clientId, verifier: a.pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    assert.equal(decodeJwt(t.json.id_token).login_id, mine.login);
  });

  it("max_age never lengthens the server's session age", async () => {
    const s = await session();
    // The session was signed in two hours ago: past the server's hour whatever max_age says.
    dbExec('UPDATE login SET auth_time = auth_time - INTERVAL 2 HOUR WHERE id = ?', [s.login]);
    for (const max_age of [FOREVER, '86400', undefined]) {
      const q = atClient((await authorize({ prompt: 'none', max_age }, { Cookie: s.cookie })).r);
      assert.equal(q.get('error'), 'login_required', `max_age=${max_age}`);
      assert.equal(q.get('code'), null);
    }
  });
});

describe('the login id is a bearer secret of its flow', () => {
  it('GET /auth/login/:id never issues a second code while one is outstanding', async () => {
    const pkce = pkcePair();
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.code);
    assertBadRequest(await http(`auth/login/${r.json.login}`), 'Login code already issued');
    // The first code is still the one that works.
    const t = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assertBadRequest(await http(`auth/login/${r.json.login}`), 'Login already granted');
  });

  it('a login still choosing its profile continues with GET /auth/login/:id (memberships, no code)', async () => {
    const email = uniqueEmail('proof-two');
    const userId = createUser({ email, password: fx.password });
    addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
    addMember({ project: fx.projectId, user: userId, profile: 'Patient' });
    const r = await authLogin({ email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.memberships.length, 2);
    const g = await http(`auth/login/${r.json.login}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.json.memberships.length, 2);
    assert.equal(g.json.code, undefined);
  });

  it("a reopened session's login id (the login_id of its tokens) opens no JSON stage", async () => {
    const s = await session({ ...fx }, { scope: 'openid profile' });
    const { r, a } = await authorize({ prompt: 'none', scope: 'openid profile' }, { Cookie: s.cookie });
    const code = atClient(r).get('code');
    assert.ok(code, 'the browser with the cookie reuses its session');
    const id = decodeJwt(s.tokens.id_token).login_id;
    assert.equal(id, s.login);
    assertBadRequest(await http(`auth/login/${id}`), 'Login already granted');
    assertBadRequest(await postJson('auth/scope', { login: id, scope: 'openid' }, FHIR), 'Login granted');
    assertBadRequest(await postJson('auth/profile', { login: id, profile: fx.membershipId }, FHIR), 'Login granted');
    assertBadRequest(await postJson('auth/mfa/verify', { login: id, token: '123456' }, FHIR), 'Login granted');
    // The code the browser got is still the only one, and it redeems.
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: a.pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
  });

  it('no URL carries the login id: authorize with a session, and every sign-in page', async () => {
    const s = await session();
    const { r } = await authorize({}, { Cookie: s.cookie });
    assert.equal(r.status, 302, r.text);
    assert.doesNotMatch(r.headers.get('location'), /[?&]login=/);
    assert.ok(!r.headers.get('location').includes(s.login));

    // Several memberships and a scope to consent to: profile, then consent, then the client.
    const email = uniqueEmail('proof-pages');
    const userId = createUser({ email, password: fx.password });
    const m1 = addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
    addMember({ project: fx.projectId, user: userId, profile: 'Patient' });
    const b = new Browser();
    const a = authorizeRequest(fx, { scope: 'openid profile' });
    const start = await http(a.url);
    const signin = await b.get(start.headers.get('location'));
    const form = formOf(signin.text);
    const posted = await b.post(form.action, { ...form.fields, email, password: fx.password });
    assert.equal(posted.status, 303, posted.text);
    const loginId = b.cookies.get('tessera-login')?.split('.')[0];
    assert.ok(loginId, 'the login is bound to this browser by its cookie');
    const toProfile = posted.headers.get('location');
    assert.ok(toProfile.startsWith(`${APP_BASE}oauth/profile`), toProfile);
    assert.ok(!toProfile.includes(loginId), toProfile);
    const profile = await b.get(toProfile);
    assert.equal(profile.status, 200, profile.text);
    assert.ok(!profile.text.includes(loginId), 'not in the page either');
    const chosen = await b.post(formOf(profile.text).action, { ...formOf(profile.text).fields, profile: m1.membershipId });
    assert.equal(chosen.status, 303, chosen.text);
    const toConsent = chosen.headers.get('location');
    assert.ok(toConsent.startsWith(`${APP_BASE}oauth/consent`), toConsent);
    assert.ok(!toConsent.includes(loginId), toConsent);
    const consent = await b.get(toConsent);
    assert.equal(consent.status, 200, consent.text);
    assert.ok(!consent.text.includes(loginId));
    const f = formOf(consent.text);
    const done = await b.post(f.action, { ...f.fields, decision: 'allow', scope: 'profile' });
    assert.equal(done.status, 303, done.text);
    const back = new URL(done.headers.get('location'));
    assert.equal(`${back.origin}${back.pathname}`, fx.redirectUri);
    assert.ok(back.searchParams.get('code'));
    assert.ok(!back.toString().includes(loginId));
    // Another browser that learnt the page address gets nothing.
    const other = new Browser();
    assert.equal((await other.get(toConsent)).status, 403);
  });

  it('/auth/me lists only sessions whose tokens were issued, not a sign-in in progress', async () => {
    const s = await session();
    const pending = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    assert.ok(pending.json.code);
    const me = await http('auth/me', { headers: { Authorization: bearer(s.tokens.access_token) } });
    assert.equal(me.status, 200, me.text);
    assert.ok(me.json.security.sessions.some((x) => x.id === s.login), 'this session is listed');
    assert.ok(!me.text.includes(pending.json.login), 'the sign-in in progress is not');
  });

  it('audit events show a keyed hash of the login id, never the id', async () => {
    const admin = createSigninFixture('proof-audit');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [admin.membershipId]);
    const s = await session(admin);
    const headers = { Authorization: bearer(s.tokens.access_token) };
    // A session revoked by its user: an event whose entity is a login.
    const other = await session(admin);
    const rv = await postJson('auth/revoke', { loginId: other.login }, { ...headers, ...FHIR });
    assert.equal(rv.status, 200, rv.text);
    const r = await http(`admin/projects/${admin.projectId}/audit?_count=1000`, { headers });
    assert.equal(r.status, 200, r.text);
    for (const id of [s.login, other.login]) assert.ok(!r.text.includes(id), `login id ${id} listed`);
    const ref = (id) => `Login/${keyedHash(`login-ref:${id}`).slice(0, 24)}`;
    const events = r.json.entry.map((e) => e.resource);
    const signin = events.find((e) => e.subtype[0].code === 'sign-in-success' && e.entity.some((x) => x.what.reference === ref(s.login)));
    assert.ok(signin, `a sign-in event names the login by its hash: ${r.text.slice(0, 2000)}`);
    const revoked = events.find((e) => e.subtype[0].code === 'session-revoked');
    assert.ok(revoked.entity.some((x) => x.what.reference === ref(other.login)), JSON.stringify(revoked));
  });
});
