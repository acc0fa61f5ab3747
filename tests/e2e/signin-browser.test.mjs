// SPDX-License-Identifier: BSD-2-Clause
// The sign-in pages in a real browser (issue 3): headless Chromium (playwright-core) driven
// through /oauth2/authorize → /oauth → [profile] → [consent] → the client's redirect URI, and
// oauth4webapi as the client: the ID token is verified (signature via JWKS, iss, aud, nonce,
// exp), then userinfo and refresh-token rotation. Once with JavaScript switched off. The
// client (https://app.example.com) does not exist: page.route fulfils its redirect URI, so
// the URL Chromium was sent to is captured exactly as a real app would see it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { chromium } from 'playwright-core';
import {
  BASE_URL,
  ROOT,
  addMember,
  createSigninFixture,
  createUser,
  dbQuery,
  uniqueEmail,
} from './lib.mjs';

const CHROMIUM = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// Over https (scripts/dev's e2e-defaults stage) the stack's certificate is self-signed.
if (BASE_URL.startsWith('https:')) FLAGS.push('--ignore-certificate-errors');
const SHOTS = join(ROOT, 'var/test-logs/screenshots');
const insecure = { [oauth.allowInsecureRequests]: true };
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

let browser, as, jwks, fx;

before(async () => {
  if (skip) return;
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  const issuer = new URL(BASE_URL);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
  jwks = createRemoteJWKSet(new URL(as.jwks_uri));
  fx = createSigninFixture('browser', { welcome: 'Welcome to Riverside Clinic' });
});

after(async () => {
  await browser?.close();
});

/** A new browser context (its own cookies) whose visits to the client are captured. */
async function openContext({ javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  const returned = [];
  await context.route('https://app.example.com/**', (route) => {
    returned.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title><p>back at the app</p>' });
  });
  return { context, page, problems, returned };
}

/** The authorization request oauth4webapi's way: PKCE S256, state, nonce. */
async function startAuthorization(scope) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const u = new URL(as.authorization_endpoint);
  u.searchParams.set('client_id', fx.clientId);
  u.searchParams.set('redirect_uri', fx.redirectUri);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('scope', scope);
  u.searchParams.set('state', state);
  u.searchParams.set('nonce', nonce);
  u.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier));
  u.searchParams.set('code_challenge_method', 'S256');
  return { url: u.toString(), codeVerifier, state, nonce };
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Types the credentials and submits, as a person would (labels, then the button). */
async function signInOnPage(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Waits until the browser is back at the client; returns the URL it was sent to. */
async function backAtClient(page, returned) {
  await page.waitForURL((u) => u.href.startsWith('https://app.example.com/'), { timeout: 15000 });
  assert.equal(returned.length, 1, `one visit to the client: ${returned}`);
  return new URL(returned[0]);
}

/** The client's side: code → tokens; the ID token verified in full; userinfo; refresh rotation. */
async function redeemAndCheck(callback, a, expected) {
  const client = { client_id: fx.clientId };
  const params = oauth.validateAuthResponse(as, client, callback, a.state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, fx.redirectUri, a.codeVerifier, insecure);
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: a.nonce, requireIdToken: true });
  // oauth4webapi checks iss, aud, exp, iat and nonce of the ID token; the signature against
  // the published JWKS is checked here.
  const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, {
    issuer: as.issuer,
    audience: fx.clientId,
    algorithms: ['ES256', 'RS256'],
  });
  assert.equal(payload.nonce, a.nonce);
  assert.ok(payload.exp > Date.now() / 1000);
  assert.ok(protectedHeader.kid);
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  assert.equal(claims.sub, payload.sub);
  assert.equal(tokens.scope, expected.scope);
  assert.equal(tokens.profile?.reference, expected.profile);

  // UserInfo's sub equals the ID token's (OIDC Core §5.3.2): the client's own subject check runs.
  const info = await oauth.processUserInfoResponse(
    as,
    client,
    claims.sub,
    await oauth.userInfoRequest(as, client, tokens.access_token, insecure),
  );
  assert.equal(info.sub, claims.sub);
  assert.equal(info.fhirUser, expected.profile);
  if (expected.email) assert.equal(info.email, expected.email);

  if (expected.scope.includes('offline_access')) {
    assert.ok(tokens.refresh_token, 'a refresh token for offline_access');
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token, insecure),
    );
    assert.ok(refreshed.access_token);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'the refresh token rotates');
    // the rotated-out token is refused (Medplum's invalid_request "Invalid token"), and that
    // reuse revokes the login: the newest refresh token stops working too
    const refuse = async (token, error) =>
      assert.rejects(
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, insecure),
        ),
        (e) => e instanceof oauth.ResponseBodyError && e.error === error,
      );
    await refuse(tokens.refresh_token, 'invalid_request');
    await refuse(refreshed.refresh_token, 'invalid_grant');
  }
  return { tokens, claims };
}

describe('sign-in pages in Chromium', { skip }, () => {
  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';
    it(`authorize → sign in → consent → code; ID token, userinfo, refresh rotation (${mode})`, async () => {
      const { context, page, problems, returned } = await openContext({ javaScriptEnabled });
      try {
        const a = await startAuthorization('openid profile email offline_access');
        await page.goto(a.url);
        assert.ok(page.url().startsWith(`${BASE_URL}oauth?`), page.url());
        assert.equal(await page.title(), 'Sign in · Tessera');
        assert.ok(await page.getByText('Welcome to Riverside Clinic').isVisible());
        // the stylesheet applied (no inline styles; CSP style-src 'self')
        const font = await page.locator('button[type=submit]').evaluate((el) => getComputedStyle(el).backgroundColor);
        assert.equal(font, 'rgb(29, 111, 114)');
        await shot(page, `signin-${javaScriptEnabled ? 'js' : 'nojs'}`);
        await signInOnPage(page, fx.email, fx.password);
        assert.ok(page.url().startsWith(`${BASE_URL}oauth/consent?`), page.url());
        assert.ok(await page.getByRole('heading', { name: 'Allow access?' }).isVisible());
        for (const label of ['Your name and profile', 'Your email address', 'Stay signed in when you are away'])
          assert.ok(await page.getByLabel(label).isChecked(), label);
        await shot(page, `consent-${javaScriptEnabled ? 'js' : 'nojs'}`);
        await page.getByRole('button', { name: 'Allow' }).click();
        const callback = await backAtClient(page, returned);
        assert.equal(callback.searchParams.get('state'), a.state);
        await redeemAndCheck(callback, a, {
          scope: 'openid profile email offline_access',
          profile: `Practitioner/${fx.profileId}`,
          email: fx.email,
        });
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }

  it('keyboard: the email field has focus, Tab goes email → password → Sign in; a wrong password shows beside the field', async () => {
    const { context, page, problems } = await openContext();
    try {
      const a = await startAuthorization('openid');
      await page.goto(a.url);
      const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent);
      // autofocus is applied after the page has loaded, a moment later on a busy machine: wait for it.
      const autofocused = async (id) => {
        await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5000 }).catch(() => {});
        return focused();
      };
      assert.equal(await autofocused('email'), 'email');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'password');
      await page.keyboard.press('Tab');
      assert.equal(await focused(), 'Sign in');
      await signInOnPage(page, fx.email, 'not-the-password');
      const password = page.getByLabel('Password');
      assert.equal(await password.getAttribute('aria-invalid'), 'true');
      assert.equal(await password.getAttribute('aria-describedby'), 'password-error');
      assert.equal(await page.locator('#password-error').textContent(), 'Email or password is invalid');
      assert.equal(await autofocused('password'), 'password');
      assert.equal(await page.getByLabel('Email').inputValue(), fx.email);
      await shot(page, 'signin-wrong-password');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('two memberships: the profile chooser, JavaScript off; openid only goes straight back', async () => {
    const email = uniqueEmail('browser-two');
    const userId = createUser({ email, password: fx.password, first: 'Noor', last: 'Haddad' });
    addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
    const patient = addMember({ project: fx.projectId, user: userId, profile: 'Patient' });
    const { context, page, problems, returned } = await openContext({ javaScriptEnabled: false });
    try {
      const a = await startAuthorization('openid');
      await page.goto(a.url);
      await signInOnPage(page, email, fx.password);
      assert.ok(page.url().startsWith(`${BASE_URL}oauth/profile?`), page.url());
      const radios = page.getByRole('radio');
      assert.equal(await radios.count(), 2);
      await shot(page, 'profile-chooser');
      await page.locator(`input[value="${patient.membershipId}"]`).check();
      await page.getByRole('button', { name: 'Continue' }).click();
      const callback = await backAtClient(page, returned);
      const { claims } = await redeemAndCheck(callback, a, { scope: 'openid', profile: `Patient/${patient.profileId}` });
      assert.ok(claims.sub);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('consent Deny: the client gets access_denied with its state, and no code', async () => {
    const { context, page, returned } = await openContext();
    try {
      const a = await startAuthorization('openid profile');
      await page.goto(a.url);
      await signInOnPage(page, fx.email, fx.password);
      // The page's URL names the sign-in by reference only; the login id is in the binding cookie.
      assert.equal(new URL(page.url()).searchParams.get('login'), null);
      const login = (await context.cookies()).find((c) => c.name === 'tessera-login').value.split('.')[0];
      await page.getByRole('button', { name: 'Deny' }).click();
      const callback = await backAtClient(page, returned);
      assert.equal(callback.searchParams.get('code'), null);
      assert.throws(
        () => oauth.validateAuthResponse(as, { client_id: fx.clientId }, callback, a.state),
        (e) => e instanceof oauth.AuthorizationResponseError && e.error === 'access_denied',
      );
      assert.equal(dbQuery('SELECT revoked FROM login WHERE id = ?', [login])[0][0], '1');
    } finally {
      await context.close();
    }
  });
});
