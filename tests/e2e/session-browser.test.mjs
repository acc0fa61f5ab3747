// SPDX-License-Identifier: BSD-2-Clause
// Issue 14, finding 1 in a real browser (headless Chromium, playwright-core): a user signs in
// through the pages in one browser and the client receives an ID token; that token, stolen
// and replayed as id_token_hint with prompt=none (and the longest max_age) from another
// browser, gets login_required and no code. The browser that signed in still gets its silent
// re-authentication (its own SSO cookie is the proof). The client (https://app.example.com)
// does not exist: the context routes its redirect URI, so the URL Chromium was sent to is
// captured exactly as a real app would see it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeRequest, createSigninFixture, decodeJwt, redeemCode } from './lib.mjs';
import { launchBrowser, openContext, shot, skip } from './browser-lib.mjs';

let browser, fx;

before(async () => {
  if (skip) return;
  browser = await launchBrowser();
  fx = createSigninFixture('stolen', { welcome: 'Welcome to Riverside Clinic' });
});

after(async () => {
  await browser?.close();
});

/** A context whose visits to the client are answered and recorded. */
async function clientContext() {
  const c = await openContext(browser, true);
  c.returned = [];
  await c.context.route('https://app.example.com/**', (route) => {
    c.returned.push(new URL(route.request().url()));
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title><p>back at the app</p>' });
  });
  return c;
}

/** Waits until the browser has visited the client once more than `seen` times; that visit.
 * (Chromium first tries the redirect to the client without the route, fails to resolve the
 * name, then asks again through the route: the navigation's own promise may reject.) */
async function backAtClient(c, seen) {
  for (let i = 0; i < 150 && c.returned.length === seen; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.returned.length, seen + 1, 'one visit to the client');
  return c.returned.at(-1);
}

/** Navigates to /oauth2/authorize and waits until the browser is back at the client. */
async function authorizeIn(c, extra) {
  const a = authorizeRequest(fx, extra);
  const seen = c.returned.length;
  await c.page.goto(a.url).catch(() => {});
  return { a, back: await backAtClient(c, seen) };
}

describe('a stolen id_token in another browser', { skip }, () => {
  it('cannot be replayed with prompt=none; the browser that signed in still can', async () => {
    const victim = await clientContext();
    const thief = await clientContext();
    try {
      // The victim signs in on the pages; the client redeems the code and holds the ID token.
      const a = authorizeRequest(fx, { scope: 'openid' });
      await victim.page.goto(a.url);
      await victim.page.getByLabel('Email').fill(fx.email);
      await victim.page.getByLabel('Password').fill(fx.password);
      await victim.page.getByRole('button', { name: 'Sign in' }).click();
      const signedIn = await backAtClient(victim, 0);
      const code = signedIn.searchParams.get('code');
      assert.ok(code, `a code: ${signedIn}`);
      const t = await redeemCode(code, { clientId: fx.clientId, verifier: a.pkce.verifier, redirectUri: fx.redirectUri });
      assert.equal(t.status, 200, t.text);
      const idToken = t.json.id_token;
      assert.equal(decodeJwt(idToken).sub, fx.userId);

      // The thief's browser has no cookie of that session: the stolen token is no proof.
      const stolen = await authorizeIn(thief, { prompt: 'none', max_age: '2000000000', id_token_hint: idToken });
      assert.equal(stolen.back.searchParams.get('error'), 'login_required', stolen.back.toString());
      assert.equal(stolen.back.searchParams.get('code'), null);
      assert.equal(stolen.back.searchParams.get('state'), stolen.a.params.state);
      await shot(thief.page, 'stolen-id-token', true);

      // The victim's browser, whose cookie is bound to the login, re-authenticates silently.
      const own = await authorizeIn(victim, { prompt: 'none', id_token_hint: idToken });
      const again = own.back.searchParams.get('code');
      assert.ok(again, `silent re-authentication: ${own.back}`);
      const t2 = await redeemCode(again, { clientId: fx.clientId, verifier: own.a.pkce.verifier, redirectUri: fx.redirectUri });
      assert.equal(t2.status, 200, t2.text);
      assert.deepEqual([...victim.problems, ...thief.problems], []);
    } finally {
      await victim.context.close();
      await thief.context.close();
    }
  });
});
