// SPDX-License-Identifier: BSD-2-Clause
// The MFA pages in headless Chromium (playwright-core): enrollment during a sign-in through
// /oauth2/authorize (the QR image loads under the page CSP, the secret shown as text gives
// the codes), a wrong code shown beside the field, "Email me a code" with JavaScript off and
// the code read from the SMTP sink, and turning MFA on and off on the account page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, authorizeRequest, createSigninFixture, dbExec, dbQuery, redeemCode } from './lib.mjs';
import { launchBrowser, openContext, shot, skip, submit } from './browser-lib.mjs';
import { freshCode, totp, waitForCode } from './mfa-lib.mjs';

let browser;
before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A context whose visits to the client (https://app.example.com) are captured. */
async function clientContext(js) {
  const c = await openContext(browser, js);
  c.returned = [];
  await c.context.route('https://app.example.com/**', (route) => {
    c.returned.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title><p>back</p>' });
  });
  return c;
}

async function typePassword(page, fx) {
  await page.getByLabel('Email').fill(fx.email);
  await page.getByLabel('Password').fill(fx.password);
  await submit(page, 'button', 'Sign in');
}

/** The secret as the page shows it (groups of four), without the spaces. */
async function shownSecret(page) {
  const text = await page.locator('#secret').textContent();
  return text.replace(/\s+/g, '');
}

/** A user who must enroll, a context (JavaScript on or off), the password typed on /oauth. */
async function startSignin(prefix, js) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE user SET mfa_required = 1 WHERE id = ?', [fx.userId]);
  const c = await clientContext(js);
  const a = authorizeRequest(fx);
  await c.page.goto(a.url);
  await typePassword(c.page, fx);
  return { fx, c, a, page: c.page, problems: c.problems };
}

async function codeAtClient(page, c, fx, a) {
  await page.waitForURL((u) => u.href.startsWith('https://app.example.com/'), { timeout: 15000 });
  assert.equal(c.returned.length, 1);
  const back = new URL(c.returned[0]);
  assert.equal(back.searchParams.get('state'), a.params.state);
  const t = await redeemCode(back.searchParams.get('code'), { clientId: fx.clientId, verifier: a.pkce.verifier, redirectUri: fx.redirectUri });
  assert.equal(t.status, 200, t.text);
  return t.json;
}

describe('MFA pages in Chromium', { skip }, () => {
  it('enrollment during sign-in: QR image, secret as text, a wrong code beside the field, then back to the client', async () => {
    const { fx, c, a, page, problems } = await startSignin('mfa-browser', true);
    assert.match(page.url(), /\/oauth\/mfa\?/);
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    const img = page.locator('img.qr');
    assert.ok(await img.evaluate((i) => i.complete && i.naturalWidth >= 100), 'the QR PNG is shown');
    const secret = await shownSecret(page);
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await shot(page, 'mfa-enroll', true);

    const right = totp(secret);
    await page.getByLabel('Code').fill(right === '000000' ? '000001' : '000000');
    await submit(page, 'button', 'Verify');
    assert.equal(await page.getByLabel('Code').getAttribute('aria-invalid'), 'true');
    assert.match(await page.locator('#code-error').textContent(), /Invalid MFA token/);
    assert.equal(c.returned.length, 0, 'no code for a wrong code');

    await page.getByLabel('Code').fill(totp(secret));
    await submit(page, 'button', 'Verify');
    const tokens = await codeAtClient(page, c, fx, a);
    assert.ok(tokens.access_token);
    assert.equal(dbQuery('SELECT mfa_enrolled FROM user WHERE id = ?', [fx.userId])[0][0], '1');
    assert.deepEqual(problems, []);
    await c.context.close();
  });

  it('issue 14 finding 6: two browsers signing in before enrollment are shown different secrets; one\'s secret does not enroll the other', async () => {
    const first = await startSignin('mfa-browser-fresh', false);
    const second = await clientContext(false);
    await second.page.goto(first.a.url);
    await typePassword(second.page, first.fx);
    const seen = await shownSecret(first.page);
    const mine = await shownSecret(second.page);
    assert.notEqual(seen, mine, 'each sign-in its own secret');
    await second.page.getByLabel('Code').fill(totp(seen));
    await submit(second.page, 'button', 'Verify');
    assert.match(await second.page.locator('#code-error').textContent(), /Invalid MFA token/);
    assert.equal(await shownSecret(second.page), mine, 'the page shown again keeps its secret');
    await second.page.getByLabel('Code').fill(totp(mine));
    await submit(second.page, 'button', 'Verify');
    await second.page.waitForURL((u) => u.href.startsWith('https://app.example.com/'), { timeout: 15000 });
    // The first browser's secret was never confirmed: it cannot enroll now.
    await first.page.getByLabel('Code').fill(await freshCode(seen, first.fx.userId));
    await submit(first.page, 'button', 'Verify');
    assert.equal(first.c.returned.length, 0);
    assert.deepEqual(first.problems, []);
    await first.c.context.close();
    await second.context.close();
  });

  it('"Email me a code" with JavaScript off: the code from the SMTP sink signs in', async () => {
    const { fx, c, a, page, problems } = await startSignin('mfa-browser-email', false);
    await submit(page, 'button', 'Email me a code');
    assert.match(await page.locator('#sent').textContent(), new RegExp(`We sent a code to ${fx.email.replace(/[.+]/g, '\\$&')}`));
    const [mail] = await waitForCode(fx.email, 1);
    await page.getByLabel('Code').fill(mail.code);
    await shot(page, 'mfa-email', false);
    await submit(page, 'button', 'Verify');
    await codeAtClient(page, c, fx, a);
    assert.equal(dbQuery('SELECT mfa_methods FROM user WHERE id = ?', [fx.userId])[0][0], 'email');
    assert.deepEqual(problems, []);
    await c.context.close();
  });

  it('the account page turns MFA on and off; the next sign-in asks for a code', async () => {
    const fx = createSigninFixture('mfa-browser-account');
    const { context, page, problems } = await openContext(browser, true);
    await page.goto(new URL('signin', BASE_URL).toString());
    await typePassword(page, fx);
    await submit(page, 'link', 'Two-step verification');
    await page.getByRole('heading', { name: 'Turn on two-step verification' }).waitFor();
    const secret = await shownSecret(page);
    await page.getByLabel('Code').fill(totp(secret));
    await submit(page, 'button', 'Turn on');
    await page.getByRole('heading', { name: 'Two-step verification is on' }).waitFor();
    assert.equal(dbQuery('SELECT mfa_enrolled FROM user WHERE id = ?', [fx.userId])[0][0], '1');
    await shot(page, 'mfa-account-on', true);

    // Another browser signing in now meets the MFA step (and gets no session without it).
    const other = await openContext(browser, true);
    await other.page.goto(new URL('signin', BASE_URL).toString());
    await typePassword(other.page, fx);
    await other.page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await other.page.goto(new URL('account', BASE_URL).toString());
    assert.match(other.page.url(), /\/signin$/, 'no session before the second factor');
    await other.context.close();

    await page.getByLabel('Code from your app, to turn it off').fill(await freshCode(secret, fx.userId));
    await submit(page, 'button', 'Turn off two-step verification');
    await page.getByRole('heading', { name: 'Turn on two-step verification' }).waitFor();
    assert.notEqual(await shownSecret(page), secret, 'a new secret');
    assert.equal(dbQuery('SELECT mfa_enrolled FROM user WHERE id = ?', [fx.userId])[0][0], '0');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
