// SPDX-License-Identifier: BSD-2-Clause
// The sign-in pages without a browser (issue 3): /signin, the /oauth continuation of
// /oauth2/authorize, the profile chooser and consent, driven with fetch and a small cookie
// jar. Security headers and CSP, CSRF refusal, a crafted redirect_uri refused, escaping of
// client- and request-controlled text, bad input answered 4xx (never 5xx), the same answer
// for an unknown email and a wrong password, and the login-to-browser binding.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  Browser,
  assertPageHeaders,
  decodeHtml,
  formOf,
  addMember,
  authorizeRequest,
  createProject,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http,
  loginCount,
  assertSimilarTiming,
  randomUUID,
  readConfig,
  redeemCode,
  setCookies,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const APP_BASE = (() => {
  const a = readConfig().app_base_url || BASE_URL;
  return a.endsWith('/') ? a : a + '/';
})();

/** /oauth2/authorize → the /oauth sign-in page; returns the page and its form. */
async function openSignin(browser, fx, extra = {}) {
  const a = authorizeRequest(fx, extra);
  const r = await http(a.url);
  assert.equal(r.status, 302, r.text);
  const loc = r.headers.get('location');
  assert.ok(loc.startsWith(`${APP_BASE}oauth?`), `continues to the sign-in page: ${loc}`);
  const page = await browser.get(loc);
  assert.equal(page.status, 200, page.text);
  return { ...a, page, form: formOf(page.text) };
}

/** Posts the sign-in form with these credentials. */
function submitSignin(browser, form, email, password) {
  return browser.post(form.action, { ...form.fields, email, password });
}

/** The login id the browser's binding cookie names (no page or URL carries it). */
function boundLogin(b) {
  return b.cookies.get('tessera-login')?.split('.')[0];
}

/** Asserts a 303 to the client with a code and this state; returns the code. */
function codeFrom(r, fx, state) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text}`);
  const loc = new URL(r.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, fx.redirectUri);
  assert.equal(loc.searchParams.get('state'), state);
  const code = loc.searchParams.get('code');
  assert.match(code, /^[0-9a-f]{32}$/);
  return code;
}

let fx;
before(() => {
  fx = createSigninFixture('pages', { welcome: 'Welcome to the <b>clinic</b> & lab' });
});

describe('sign-in page: headers, markup, CSRF cookie', () => {
  it('GET /signin: a form with labels, autocomplete, autofocus, CSRF token and page headers', async () => {
    const b = new Browser();
    const r = await b.get('signin');
    assert.equal(r.status, 200, r.text);
    assertPageHeaders(r);
    assert.match(r.headers.get('content-security-policy'), /form-action 'self';/);
    assert.match(r.text, /<html lang="en">/);
    assert.match(r.text, /<label for="email">/);
    assert.match(r.text, /<label for="password">/);
    assert.match(r.text, /id="email"[^>]*autocomplete="username"[^>]*autofocus/);
    assert.match(r.text, /id="password"[^>]*autocomplete="current-password"/);
    assert.match(r.text, /name="csrf" value="[0-9a-f]{64}"/);
    assert.match(r.text, /resetpassword">Forgot password\?/);
    assert.match(r.text, /register">Create an account/);
    const csrf = setCookies(r.headers).find((c) => c.startsWith('tessera-csrf='));
    assert.match(csrf, /^tessera-csrf=[0-9a-f]{32}; Path=\/; HttpOnly;.* SameSite=Lax/);
    // a second visit keeps the cookie and the token
    const again = await b.get('signin');
    assert.equal(setCookies(again.headers).length, 0);
    assert.equal(formOf(again.text).fields.csrf, formOf(r.text).fields.csrf);
  });

  it('the stylesheet is served at <app_base_url>tessera.css', async () => {
    const r = await http(`${APP_BASE}tessera.css`);
    assert.equal(r.status, 200);
    assert.match(r.contentType, /^text\/css/);
    assert.match(r.text, /--accent/);
  });

  it('/oauth from /oauth2/authorize: the parameters travel as hidden fields; form-action allows the client origin', async () => {
    const b = new Browser();
    const { page, form, params } = await openSignin(b, fx, { scope: 'openid profile' });
    assertPageHeaders(page);
    assert.match(page.headers.get('content-security-policy'), /form-action 'self' https:\/\/app\.example\.com;/);
    assert.equal(form.action, `${APP_BASE}oauth`);
    for (const k of ['client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method', 'nonce'])
      assert.equal(form.fields[k], params[k], k);
    // the client's name and welcome string, escaped
    assert.match(page.text, /to continue to <strong>pages-client-/);
    assert.match(page.text, /Welcome to the &lt;b&gt;clinic&lt;&#x2F;b&gt; &amp; lab/);
  });
});

describe('sign-in through the pages to a code', () => {
  it('openid only: password → 303 straight to the client with code and state, SSO cookie; the code redeems', async () => {
    const b = new Browser();
    const { form, params, pkce } = await openSignin(b, fx);
    const r = await submitSignin(b, form, fx.email, fx.password);
    const code = codeFrom(r, fx, params.state);
    assert.ok(b.cookies.has(`medplum-${fx.clientId}`), 'the SSO cookie');
    assert.ok(!b.cookies.has('tessera-login'), 'no binding left behind');
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'openid');
  });

  it('more than openid: consent first; a subset ticked is what the token gets', async () => {
    const b = new Browser();
    const { form, params, pkce } = await openSignin(b, fx, { scope: 'openid profile email offline_access' });
    const r = await submitSignin(b, form, fx.email.toUpperCase(), fx.password);
    assert.equal(r.status, 303, r.text);
    const loc = r.headers.get('location');
    assert.ok(loc.startsWith(`${APP_BASE}oauth/consent?flow=`), loc);
    assert.equal(new URL(loc).searchParams.get('state'), params.state);
    assert.match(setCookies(r.headers).find((c) => c.startsWith('tessera-login=')), /Path=\/oauth; HttpOnly/);
    const page = await b.get(loc);
    assert.equal(page.status, 200, page.text);
    assertPageHeaders(page);
    assert.match(page.headers.get('content-security-policy'), /form-action 'self' https:\/\/app\.example\.com;/);
    for (const s of ['profile', 'email', 'offline_access']) assert.match(page.text, new RegExp(`name="scope" value="${s}" checked`));
    assert.doesNotMatch(page.text, /value="openid"/);
    const f = formOf(page.text);
    const body = new URLSearchParams({ ...f.fields, decision: 'allow' });
    body.append('scope', 'profile');
    body.append('scope', 'offline_access');
    const done = b.take(
      await http(f.action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: b.header() },
        body: body.toString(),
      }),
    );
    const code = codeFrom(done, fx, params.state);
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'openid profile offline_access');
    assert.ok(t.json.refresh_token, 'offline_access kept: a refresh token');
  });

  it('consent Deny: access_denied with the state, and the login is revoked', async () => {
    const b = new Browser();
    const { form, params } = await openSignin(b, fx, { scope: 'openid profile' });
    const r = await submitSignin(b, form, fx.email, fx.password);
    const page = await b.get(r.headers.get('location'));
    const f = formOf(page.text);
    const loginId = boundLogin(b);
    const denied = await b.post(f.action, { ...f.fields, decision: 'deny' });
    assert.equal(denied.status, 303, denied.text);
    const loc = new URL(denied.headers.get('location'));
    assert.equal(`${loc.origin}${loc.pathname}`, fx.redirectUri);
    assert.equal(loc.searchParams.get('error'), 'access_denied');
    assert.equal(loc.searchParams.get('state'), params.state);
    assert.equal(loc.searchParams.get('code'), null);
    assert.equal(dbQuery('SELECT revoked FROM login WHERE id = ?', [loginId])[0][0], '1');
    // the consent page is gone for that login
    const again = await b.post(f.action, { ...f.fields, decision: 'allow', scope: 'profile' });
    assert.equal(again.status, 403, 'the binding was cleared');
  });

  it('several memberships: the profile chooser, then the code for the chosen membership', async () => {
    const second = createProject(uniqueName('pages-second'));
    const email = uniqueEmail('pages-two');
    const userId = createUser({ email, password: fx.password, first: 'Bea', last: 'Two' });
    const m1 = addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
    const m2 = addMember({ project: fx.projectId, user: userId, profile: 'Patient' });
    addMember({ project: second, user: userId }); // another project: not offered for this client
    const b = new Browser();
    const { form, params, pkce } = await openSignin(b, fx);
    const r = await submitSignin(b, form, email, fx.password);
    assert.equal(r.status, 303, r.text);
    const loc = r.headers.get('location');
    assert.ok(loc.startsWith(`${APP_BASE}oauth/profile?flow=`), loc);
    const page = await b.get(loc);
    assert.equal(page.status, 200, page.text);
    assertPageHeaders(page);
    const radios = [...page.text.matchAll(/name="profile" value="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(radios.sort(), [m1.membershipId, m2.membershipId].sort());
    const f = formOf(page.text);
    // nothing chosen: the message beside the choice
    const none = await b.post(f.action, f.fields);
    assert.equal(none.status, 400);
    assert.match(none.text, /aria-describedby="profile-error"/);
    assert.match(none.text, /id="profile-error">Choose one of your profiles/);
    // another user's membership is refused
    const foreign = await b.post(f.action, { ...f.fields, profile: fx.membershipId });
    assert.equal(foreign.status, 400);
    assert.match(foreign.text, /Invalid profile/);
    const chosen = await b.post(f.action, { ...f.fields, profile: m2.membershipId });
    const code = codeFrom(chosen, fx, params.state);
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.profile.reference, `Patient/${m2.profileId}`);
  });

  it('/signin without a client: a page session, then "Signed in as" the profile at /account', async () => {
    const b = new Browser();
    const page = await b.get('signin');
    const f = formOf(page.text);
    assert.deepEqual(Object.keys(f.fields), ['csrf']);
    const done = await b.post(f.action, { ...f.fields, email: fx.email, password: fx.password });
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.get('location'), `${APP_BASE}account`);
    assert.ok(b.cookies.has('tessera-session'), 'the page session cookie');
    const r = await b.get('account');
    assert.equal(r.status, 200, r.text);
    assertPageHeaders(r);
    assert.match(r.text, new RegExp(`Signed in as <strong>${fx.first} ${fx.last}</strong> in ${fx.projectName}`));
  });

  it('a user with MFA enrolled gets no code from the pages: the password leads to the MFA step', async () => {
    const email = uniqueEmail('pages-mfa');
    const userId = createUser({ email, password: fx.password });
    addMember({ project: fx.projectId, user: userId });
    dbExec('UPDATE user SET mfa_enrolled = 1 WHERE id = ?', [userId]);
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const r = await submitSignin(b, form, email, fx.password);
    assert.equal(r.status, 303, r.text);
    const loc = new URL(r.headers.get('location'));
    assert.equal(`${loc.origin}${loc.pathname}`, `${APP_BASE}oauth/mfa`);
    assert.equal(loc.searchParams.get('code'), null);
    const page = await b.get(loc.toString());
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /Two-step verification/);
    assert.match(page.text, /autocomplete="one-time-code"/);
  });
});

describe('refusals', () => {
  it('CSRF: no token, a wrong one, or no cookie → 403 page, and no Login is created', async () => {
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const before = loginCount(fx.clientId);
    const cases = [
      [b, { ...form.fields, csrf: undefined }],
      [b, { ...form.fields, csrf: '0'.repeat(64) }],
      [new Browser(), form.fields], // another browser: the right token without its cookie
    ];
    for (const [browser, fields] of cases) {
      const clean = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const r = await submitSignin(browser, { action: form.action, fields: clean }, fx.email, fx.password);
      assert.equal(r.status, 403, r.text);
      assertPageHeaders(r);
      assert.match(r.text, /This form has expired/);
    }
    assert.equal(loginCount(fx.clientId), before);
  });

  it('a crafted redirect_uri or client on /oauth is refused on GET and on POST', async () => {
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const evil = new URL('oauth', APP_BASE);
    for (const [k, v] of Object.entries({ ...form.fields, csrf: undefined, redirect_uri: 'https://evil.example/cb' }))
      if (v !== undefined) evil.searchParams.set(k, v);
    const g = await b.get(evil.toString());
    assert.equal(g.status, 400, g.text);
    assert.match(g.text, /Invalid redirect URI/);
    assert.doesNotMatch(g.text, /<form/);
    const before = loginCount(fx.clientId);
    for (const fields of [
      { ...form.fields, redirect_uri: 'https://evil.example/cb' },
      { ...form.fields, redirect_uri: `${fx.redirectUri}/more` },
      { ...form.fields, redirect_uri: '' , client_id: fx.clientId },
      { ...form.fields, client_id: randomUUID() },
    ]) {
      const r = await submitSignin(b, { action: form.action, fields }, fx.email, fx.password);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.headers.get('location'), null);
    }
    assert.equal(loginCount(fx.clientId), before);
  });

  it('unknown email and wrong password: the same message beside the password, in about the same time', async () => {
    // Its own account: the file's other refusals must not bring it near the password delay.
    let own;
    const answers = [];
    await assertSimilarTiming(async () => {
      own = createSigninFixture('pages-timing');
      const b = new Browser();
      const { form } = await openSignin(b, own);
      answers.length = 0;
      return {
        a: () => submitSignin(b, form, uniqueEmail('nobody'), 'whatever-password'),
        b: (i) => submitSignin(b, form, own.email, `not-the-password-${i}`),
      };
    }, 10, (r, kind) => answers.push({ r, kind }), { what: 'unknown email vs wrong password on the sign-in page' });
    const norm = (s) => s.replace(/name="email" type="email" value="[^"]*"/, '').replace(/value="[0-9a-f]{64}"/, '');
    const wrong = answers.find((x) => x.kind === 'b').r;
    for (const { r } of answers) {
      assert.equal(r.status, 400);
      assertPageHeaders(r);
      assert.match(r.text, /id="password"[^>]*aria-invalid="true" aria-describedby="password-error"/);
      assert.match(r.text, /id="password-error">Email or password is invalid</);
      assert.equal(norm(r.text), norm(wrong.text));
    }
    // the email typed comes back (escaped), and the focus moves to the password
    assert.match(wrong.text, new RegExp(`value="${own.email}"`));
    assert.match(wrong.text, /id="password"[^>]*autofocus/);
  });

  it('typed-field errors sit beside their field with aria-describedby', async () => {
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const badEmail = await submitSignin(b, form, 'not-an-email', fx.password);
    assert.equal(badEmail.status, 400);
    assert.match(badEmail.text, /id="email"[^>]*aria-invalid="true" aria-describedby="email-error"/);
    assert.match(badEmail.text, /id="email-error">Enter your email address/);
    const noPassword = await submitSignin(b, form, fx.email, '');
    assert.equal(noPassword.status, 400);
    assert.match(noPassword.text, /id="password-error">Enter your password</);
    // the form still carries the OAuth parameters
    assert.equal(formOf(noPassword.text).fields.state, form.fields.state);
  });

  it('escaping: a state and an email with markup come back as text', async () => {
    const b = new Browser();
    const state = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const { page, form } = await openSignin(b, fx, { state });
    assert.doesNotMatch(page.text, /<script|<img src=x/);
    assert.match(page.text, /&quot;&gt;&lt;script&gt;alert\(1\)&lt;&#x2F;script&gt;/);
    assert.equal(form.fields.state, state);
    const r = await submitSignin(b, form, '"><script>x</script>@example.com', fx.password);
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.text, /<script/);
    // and the state survives to the client exactly
    const ok = await submitSignin(b, form, fx.email, fx.password);
    codeFrom(ok, fx, state);
  });

  it('the client logo: shown from https:, never from javascript:', async () => {
    const f2 = createSigninFixture('pages-logo');
    const setLogo = (url) =>
      dbExec('UPDATE client_application SET sign_in_form = ? WHERE id = ?', [
        JSON.stringify({ welcomeString: 'Hello', logo: { url, title: 'Clinic "logo"' } }),
        f2.clientId,
      ]);
    setLogo('https://cdn.example.com/logo.png?a=1&b=2');
    let { page } = await openSignin(new Browser(), f2);
    assert.match(page.text, /<img class="logo" src="https:&#x2F;&#x2F;cdn.example.com&#x2F;logo.png\?a&#61;1&amp;b&#61;2" alt="Clinic &quot;logo&quot;">/);
    setLogo('javascript:alert(1)');
    ({ page } = await openSignin(new Browser(), f2));
    assert.doesNotMatch(page.text, /<img|javascript/);
  });

  it('bad input is 4xx, never 5xx', async () => {
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const longState = 'x'.repeat(3000);
    const checks = [
      await b.get(`oauth?client_id=${fx.clientId}&redirect_uri=${encodeURIComponent(fx.redirectUri)}&state=${longState}`),
      await b.get(`oauth?client_id=not-a-client`),
      await b.get(`oauth?client_id=${fx.clientId}`),
      await b.get(`oauth?scope=${encodeURIComponent('openid  profile')}`),
      await b.get('oauth?state=%ZZ'),
      await b.get('oauth/profile'),
      await b.get('oauth/profile?flow=not-a-ref'),
      await b.get(`oauth/profile?login=${randomUUID()}`),
      await b.get(`oauth/consent?flow=${'0'.repeat(24)}`),
      await b.post('oauth/consent', { csrf: form.fields.csrf, flow: '0'.repeat(24), decision: 'allow' }),
      await b.post('oauth/profile', { flow: 'x'.repeat(40) }),
      await submitSignin(b, { action: form.action, fields: { ...form.fields, code_challenge: 'short' } }, fx.email, fx.password),
      await submitSignin(b, { action: form.action, fields: { ...form.fields, code_challenge_method: 'S512' } }, fx.email, fx.password),
      await submitSignin(b, { action: form.action, fields: { ...form.fields, launch: randomUUID() } }, fx.email, fx.password),
      await submitSignin(b, form, 'a@b.c', 'p'.repeat(5000)),
    ];
    for (const r of checks) {
      assert.ok(r.status >= 400 && r.status < 500, `${r.status}: ${r.text.slice(0, 200)}`);
      assert.equal(r.headers.get('location'), null);
    }
  });

  it('the profile and consent stages belong to the browser that signed in', async () => {
    const email = uniqueEmail('pages-bind');
    const userId = createUser({ email, password: fx.password });
    addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
    addMember({ project: fx.projectId, user: userId, profile: 'Patient' });
    const b = new Browser();
    const { form } = await openSignin(b, fx);
    const r = await submitSignin(b, form, email, fx.password);
    const loc = r.headers.get('location');
    // another browser with the link (and even its own CSRF cookie) is refused
    const other = new Browser();
    await other.get('signin');
    const g = await other.get(loc);
    assert.equal(g.status, 403, g.text);
    assert.doesNotMatch(g.text, /name="profile"/);
    const page = await b.get(loc);
    const f = formOf(page.text);
    const memberships = [...page.text.matchAll(/name="profile" value="([^"]+)"/g)].map((m) => m[1]);
    const p = await other.post(f.action, { ...f.fields, csrf: formOf((await other.get('signin')).text).fields.csrf, profile: memberships[0] });
    assert.equal(p.status, 403, p.text);
    // and the right browser without a CSRF token is refused too
    const noCsrf = await b.post(f.action, { flow: f.fields.flow, profile: memberships[0] });
    assert.equal(noCsrf.status, 403);
    assert.equal(dbQuery('SELECT membership_id IS NULL FROM login WHERE id = ?', [boundLogin(b)])[0][0], '1');
  });
});
