// SPDX-License-Identifier: BSD-2-Clause
// Review 4: a dynamically registered client (RFC 7591, PROTOCOL.md §7.6) is a third party's app,
// registered by whoever holds an initial access token, under a name it chose. Before the fix, a
// user who followed its link with scope=openid and signed in went straight back to it with a
// code: no consent page, and the token read everything the user's access policy allows.
// Now every sign-in through a registered client passes the consent page (PROTOCOL.md §5.4, §7.1),
// which names it as registered by the app itself, escaped; Deny is access_denied; prompt=none is
// consent_required; the JSON API gives it no code (400, the pages are its only way). Clients
// made by admins are unchanged.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  answerConsent,
  appBase,
  assertBadRequest,
  authLogin,
  authMe,
  authorizeRequest,
  bearer,
  consentedCode,
  dbQuery,
  http,
  pkcePair,
  postJson,
  redeemCode,
  registerClient,
  registrationAdmin,
  submitSigninPage,
} from './lib.mjs';

const REDIRECT = 'http://127.0.0.1:9/r4-consent/callback';
const MARK = 'registered by the app itself, not by your administrators';
const JSON_REFUSED = 'This client signs in through /oauth2/authorize only';

let admin, fx, app, user;
before(async () => {
  admin = await registrationAdmin('r4cons');
  fx = admin.fx;
  app = (await registerClient(admin, { client_name: 'Helpful app', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' })).client_id;
  user = { email: fx.email, password: fx.password };
});

/** The sign-in page submitted for the registered client (`extra`: authorize parameters). */
function signInTo(clientId, extra = {}) {
  return submitSigninPage({ ...user, clientId, redirectUri: REDIRECT }, extra);
}

/** The 303 answer's target, as a URL. */
function target(r) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text}`);
  return new URL(r.headers.get('location'));
}

describe('review4: a registered client always passes the consent page', () => {
  it('scope openid alone: the consent page first (no code before it), Allow → a code whose token works', async () => {
    const { b, answer, params, pkce } = await signInTo(app);
    const next = target(answer);
    assert.equal(`${next.origin}${next.pathname}`, `${appBase()}oauth/consent`, 'not back to the app');
    assert.equal(next.searchParams.get('code'), null);
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ? AND code_hash IS NOT NULL', [app])[0][0], '0',
      'no code was issued before consent');
    const { page, done } = await answerConsent(b, answer);
    assert.match(page.text, /<strong>Helpful app<\/strong>/);
    assert.ok(page.text.includes(MARK), 'marked as a third party');
    assert.match(page.text, /Who you are/);
    assert.ok(page.text.includes(fx.projectName), 'names the project whose records it reaches');
    const back = target(done);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('state'), params.state);
    const t = await redeemCode(back.searchParams.get('code'), { clientId: app, verifier: pkce.verifier, redirectUri: REDIRECT });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'openid');
    assert.equal((await authMe(t.json.access_token)).status, 200);
  });

  it('more than openid: the same page lists what it asks for', async () => {
    const { b, answer } = await signInTo(app, { scope: 'openid profile email' });
    const { page, done } = await answerConsent(b, answer);
    assert.ok(page.text.includes(MARK));
    assert.match(page.text, /name="scope" value="email" checked/);
    assert.ok(target(done).searchParams.get('code'));
  });

  it('Deny: access_denied with the state, no code, the login revoked', async () => {
    const { b, answer, params } = await signInTo(app);
    const loginId = b.cookies.get('tessera-login')?.split('.')[0];
    const { done } = await answerConsent(b, answer, 'deny');
    const back = target(done);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), params.state);
    assert.equal(back.searchParams.get('code'), null);
    assert.equal(dbQuery('SELECT revoked FROM login WHERE id = ?', [loginId])[0][0], '1');
  });

  it('prompt=none: consent_required with a session (consent is asked every time), login_required without', async () => {
    const { code, pkce, b } = await consentedCode(user, { clientId: app, redirectUri: REDIRECT });
    assert.equal((await redeemCode(code, { clientId: app, verifier: pkce.verifier, redirectUri: REDIRECT })).status, 200);
    assert.ok(b.cookies.has(`medplum-${app}`), 'the session cookie');
    const a = authorizeRequest({ clientId: app, redirectUri: REDIRECT }, { prompt: 'none' });
    const r = await b.get(a.url);
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.headers.get('location'));
    assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT);
    assert.equal(loc.searchParams.get('error'), 'consent_required');
    assert.equal(loc.searchParams.get('state'), a.params.state);
    assert.equal(loc.searchParams.get('code'), null);
    const none = await http(a.url);
    assert.equal(new URL(none.headers.get('location')).searchParams.get('error'), 'login_required');
  });

  it('a name with markup, or copying a client the admins made: escaped and marked as the app’s own', async () => {
    const evil = '<script>alert(1)</script><b>Admin</b> & "co"';
    const hostile = (await registerClient(admin, { client_name: evil, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' })).client_id;
    let { b, answer } = await signInTo(hostile);
    // the sign-in page said so already (its name is the app's own claim)
    let { page } = await answerConsent(b, answer);
    assert.doesNotMatch(page.text, /<script|<b>Admin/);
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;&lt;b&gt;Admin&lt;&#x2F;b&gt; &amp; &quot;co&quot;'), page.text);
    assert.ok(page.text.includes(MARK));

    const adminMade = dbQuery('SELECT name FROM client_application WHERE id = ?', [fx.clientId])[0][0];
    const copy = (await registerClient(admin, { client_name: adminMade, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' })).client_id;
    ({ b, answer } = await signInTo(copy));
    assert.ok(answer.headers.get('location').startsWith(`${appBase()}oauth/consent?`), 'the copy is asked about too');
    ({ page } = await answerConsent(b, answer));
    assert.ok(page.text.includes(`<strong>${adminMade}</strong>`));
    assert.ok(page.text.includes(MARK), 'the copy is marked');
    // the sign-in page of the copy is marked as well
    const signinPage = await http((await http(authorizeRequest({ clientId: copy, redirectUri: REDIRECT }).url)).headers.get('location'));
    assert.equal(signinPage.status, 200, signinPage.text);
    assert.ok(signinPage.text.includes(MARK), 'the sign-in page marks it');

    // the client the admins made: its consent page (more than openid) carries no such mark
    const real = await submitSigninPage(fx, { scope: 'openid profile' });
    ({ page } = await answerConsent(real.b, real.answer));
    assert.ok(page.text.includes(`<strong>${adminMade}</strong>`));
    assert.ok(!page.text.includes(MARK), 'the admin-made client is not marked');
  });

  it('a client the admins made, scope openid: still straight back with a code (no consent page)', async () => {
    const { answer, params, pkce } = await submitSigninPage(fx);
    const back = target(answer);
    assert.equal(`${back.origin}${back.pathname}`, fx.redirectUri);
    assert.equal(back.searchParams.get('state'), params.state);
    const t = await redeemCode(back.searchParams.get('code'), { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
  });
});

describe('review4: the JSON API gives a registered client no code (the pages are its only way)', () => {
  it('/auth/login: 400 before the password is looked at', async () => {
    for (const password of [user.password, 'wrong-password-123']) {
      const r = await authLogin({ ...user, password, clientId: app, pkce: pkcePair(), scope: 'openid' });
      assertBadRequest(r, JSON_REFUSED);
      assert.equal(r.json.code, undefined);
    }
  });

  it('/auth/newuser and the SDK’s federated start: the same 400', async () => {
    const pkce = pkcePair();
    const n = await postJson('auth/newuser', { firstName: 'Eve', lastName: 'Third', email: `r4cons-new-${Date.now()}@example.com`,
      password: 'Tr0ub4dor&3-zyx-r4c', clientId: app, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' },
    { 'Content-Type': 'application/fhir+json' });
    assertBadRequest(n, JSON_REFUSED);
    // "page" in the caller's state is not the pages' own flow
    const state = JSON.stringify({ clientId: app, redirectUri: REDIRECT, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', page: true });
    assertBadRequest(await http(`auth/external/authorize?${new URLSearchParams({ state })}`), JSON_REFUSED);
  });

  it('a page sign-in waiting at the consent page cannot be finished through the JSON stages', async () => {
    const { b, answer } = await signInTo(app);
    const loginId = b.cookies.get('tessera-login')?.split('.')[0];
    assert.match(loginId, /^[0-9a-f-]{36}$/);
    assertBadRequest(await postJson('auth/scope', { login: loginId, scope: 'openid' }, { 'Content-Type': 'application/fhir+json' }), JSON_REFUSED);
    assertBadRequest(await http(`auth/login/${loginId}`), JSON_REFUSED);
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE id = ? AND code_hash IS NOT NULL', [loginId])[0][0], '0');
    // the person can still decide on the page
    const { done } = await answerConsent(b, answer);
    assert.ok(target(done).searchParams.get('code'));
  });

  it('the token of a consented code reads as before and carries no admin rights', async () => {
    const { code, pkce } = await consentedCode(user, { clientId: app, redirectUri: REDIRECT });
    const t = await redeemCode(code, { clientId: app, verifier: pkce.verifier, redirectUri: REDIRECT });
    assert.equal(t.status, 200, t.text);
    const r = await postJson(`admin/projects/${fx.projectId}/client`, { name: 'r4-consent-evil' }, { Authorization: bearer(t.json.access_token) });
    assert.equal(r.status, 403, r.text);
  });
});
