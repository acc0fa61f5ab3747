// SPDX-License-Identifier: BSD-2-Clause
// Rate limits (issue 7, PROTOCOL.md §S.11): the RateLimit header on every program's
// responses, parsed by @medplum/core's own rateLimitStatus; 429 with Medplum's exact body
// and Retry-After; a project's systemSetting overrides; the per-client client_credentials
// limit; the growing delay per account and client IP, and that it never locks the owner out
// from elsewhere; the SDK waiting for the reset and retrying.
//
// scripts/dev raises auth_rate_limit for the whole suite (everything comes from 127.0.0.1),
// so these tests never rely on the configured limits being low. Instead each test sends from
// its own loopback address (127.x.y.z: its own per-IP counters, untouched by the other test
// files running at the same time) and lowers the limits for its own project through the
// project's system settings, which Tessera applies wherever the request's project is known.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  Browser,
  TEST_PASSWORD,
  basicAuth,
  createFixture,
  createSigninFixture,
  dbExec,
  dbQuery,
  formOf,
  loadMedplum,
  loginCount,
  pkcePair,
  readConfig,
  uniqueEmail,
  grantMinuteCount,
} from './lib.mjs';
import { fromNewIp } from './loopback-lib.mjs';

const cfg = readConfig();
const AUTH_LIMIT = Number(cfg.auth_rate_limit || 160);
const OTHER_LIMIT = Number(cfg.rate_limit || 60000);
const DELAY_AFTER = Number(cfg.login_delay_after || 5);

/**
 * Per-IP windows are fixed 60 s windows of Unix time (the server runs on this machine):
 * a test that counts requests within one window starts with at least 10 s of it left.
 */
async function roomInWindow(seconds = 10) {
  const left = 60 - ((Date.now() / 1000) % 60);
  if (left < seconds) await new Promise((res) => setTimeout(res, left * 1000 + 200));
}

/** The project's systemSetting, as Medplum stores it. */
function setSystemSettings(projectId, settings) {
  const json = JSON.stringify(Object.entries(settings).map(([name, valueInteger]) => ({ name, valueInteger })));
  dbExec('UPDATE project SET system_setting = ? WHERE id = ?', [json, projectId]);
}

let medplumCore;
let parser;
before(async () => {
  medplumCore = await loadMedplum();
  parser = new medplumCore.MedplumClient({ baseUrl: BASE_URL, fetch: async () => new Response('{}') });
});

/** The header parsed by the SDK itself (it throws on any other format). */
function sdkRateLimit(r, what) {
  const value = r.headers.get('ratelimit');
  assert.ok(value, `${what}: no RateLimit header (status ${r.status})`);
  assert.match(value, /^"requests";r=\d+;t=\d+$/, `${what}: ${value}`);
  parser.currentRateLimits = value;
  const status = parser.rateLimitStatus();
  assert.equal(status.length, 1, `${what}: ${value}`);
  assert.equal(status[0].name, 'requests');
  assert.ok(status[0].secondsUntilReset >= 0 && status[0].secondsUntilReset <= 60, `${what}: ${value}`);
  return { remaining: status[0].remainingUnits, reset: status[0].secondsUntilReset };
}

/** Medplum's 429 (PROTOCOL.md §1.3), exactly, with Retry-After and a RateLimit header saying r=0. */
function assertRateLimited(r, limit, consumed, what) {
  assert.equal(r.status, 429, `${what}: expected 429, got ${r.status}: ${r.text}`);
  assert.match(r.contentType, /^application\/json/, what);
  const retryAfter = r.headers.get('retry-after');
  assert.match(retryAfter || '', /^[1-9]\d*$/, `${what}: Retry-After ${retryAfter}`);
  const body = JSON.parse(r.text);
  const diagnostics = JSON.parse(body.issue[0].diagnostics);
  assert.deepEqual(Object.keys(diagnostics), ['_remainingPoints', '_msBeforeNext', '_consumedPoints', '_isFirstInDuration', 'limit']);
  assert.ok(Number.isInteger(diagnostics._msBeforeNext) && diagnostics._msBeforeNext >= 0 && diagnostics._msBeforeNext <= 900_000, r.text);
  assert.equal(Number(retryAfter), Math.max(1, Math.ceil(diagnostics._msBeforeNext / 1000)), `${what}: Retry-After vs _msBeforeNext`);
  if (consumed !== undefined) assert.equal(diagnostics._consumedPoints, consumed, r.text);
  assert.deepEqual(diagnostics, { _remainingPoints: 0, _msBeforeNext: diagnostics._msBeforeNext, _consumedPoints: diagnostics._consumedPoints, _isFirstInDuration: false, limit });
  // The exact text of Medplum's body, with this answer's numbers.
  const expected =
    '{"resourceType":"OperationOutcome","id":"too-many-requests","issue":[{"severity":"error","code":"throttled",' +
    '"details":{"text":"Too Many Requests"},"diagnostics":' +
    JSON.stringify(JSON.stringify(diagnostics)) +
    '}]}';
  assert.equal(r.text, expected, what);
  const rl = sdkRateLimit(r, what);
  assert.equal(rl.remaining, 0, `${what}: the SDK must wait for the reset`);
  assert.equal(rl.reset, Number(retryAfter), `${what}: RateLimit t= and Retry-After agree`);
  return Number(retryAfter);
}

describe('the RateLimit header', { concurrency: true }, () => {
  it('is on every response of every program, errors and pages included, in the SDK format', async () => {
    const c = fromNewIp();
    // [program, method, path, body, expected status]; auth class = /auth/* and /oauth2/*, not
    // /auth/me, and the sign-in, registration and password pages.
    const cases = [
      ['tessera-wellknown', 'GET', 'healthz', undefined, 200],
      ['tessera-wellknown', 'GET', '.well-known/openid-configuration', undefined, 200],
      ['tessera-wellknown', 'GET', '.well-known/jwks.json', undefined, 200],
      ['tessera-login', 'POST', 'auth/login', {}, 400],
      ['tessera-login', 'GET', 'auth/clientinfo/00000000-0000-4000-8000-000000000000', undefined, 404],
      ['tessera-login', 'GET', 'auth/no-such-route', undefined, 404],
      ['tessera-login', 'GET', 'signin', undefined, 200],
      ['tessera-login', 'POST', 'signin', {}, 403],
      ['tessera-password', 'POST', 'auth/resetpassword', {}, 400],
      ['tessera-password', 'GET', 'resetpassword', undefined, 200],
      ['tessera-authorize', 'GET', 'oauth2/authorize', undefined, 400],
      ['tessera-token', 'POST', 'oauth2/token', {}, 400],
      ['tessera-session', 'GET', 'auth/me', undefined, 401],
      ['tessera-session', 'GET', 'api/auth/me', undefined, 401],
      ['tessera-session', 'POST', 'oauth2/introspect', {}, 400],
      ['tessera-manage', 'GET', 'admin/projects/00000000-0000-4000-8000-000000000000/settings', undefined, 401],
      ['tessera-manage', 'GET', 'manage/projects/00000000-0000-4000-8000-000000000000/members', undefined, 303],
    ];
    const seen = { auth: [], other: [] };
    for (const [program, method, path, body, status] of cases) {
      const r = body === undefined
        ? await c.http(path, { method })
        : await c.http(path, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
      const what = `${program} ${method} /${path}`;
      assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 200)}`);
      const rl = sdkRateLimit(r, what);
      // The pages that take passwords, emails and link secrets count as auth requests too.
      const page = /^(api\/)?(signin|oauth|register|resetpassword|setpassword|verifyemail|changepassword)(\/|$)/.test(path);
      const cls = page || (/^(api\/)?(auth\/|oauth2\/)/.test(path) && !/^(api\/)?auth\/me$/.test(path)) ? 'auth' : 'other';
      seen[cls].push(rl);
    }
    // The count is this address's alone: each class starts at its limit - 1 and goes down by
    // one per request (unless a window ended in between: then it starts over).
    for (const [cls, limit] of [['auth', AUTH_LIMIT], ['other', OTHER_LIMIT]]) {
      const list = seen[cls];
      assert.equal(list[0].remaining, limit - 1, `${cls}: first request of a fresh address`);
      for (let i = 1; i < list.length; i++) {
        if (list[i].reset > list[i - 1].reset) continue; // a new window
        assert.equal(list[i].remaining, list[i - 1].remaining - 1, `${cls}: request ${i}`);
      }
    }
  });

  it('on the preflight too, and CORS exposes it to browser apps', async () => {
    const c = fromNewIp();
    const origin = new URL(cfg.app_base_url || BASE_URL).origin;
    const pre = await c.http('auth/login', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    sdkRateLimit(pre, 'OPTIONS /auth/login');
    const r = await c.postJson('auth/login', {}, { Origin: origin });
    sdkRateLimit(r, 'POST /auth/login with Origin');
    const exposed = (r.headers.get('access-control-expose-headers') || '').split(',').map((s) => s.trim().toLowerCase());
    assert.ok(exposed.includes('ratelimit'), `Access-Control-Expose-Headers: ${r.headers.get('access-control-expose-headers')}`);
  });
});

describe('per-IP limits with project overrides', { concurrency: true }, () => {
  it("authRateLimit: over the project's limit → 429 with the exact body, Retry-After and r=0", async () => {
    const fx = createFixture('rl-auth');
    setSystemSettings(fx.projectId, { authRateLimit: 3 });
    const c = fromNewIp();
    const basic = { Authorization: basicAuth(fx.clientId, fx.clientSecret) };
    await roomInWindow();
    for (let i = 1; i <= 3; i++) {
      const r = await c.http('oauth2/userinfo', { headers: basic });
      assert.notEqual(r.status, 429, `request ${i}: ${r.text}`);
      assert.equal(sdkRateLimit(r, `userinfo ${i}`).remaining, 3 - i, 'the project limit, counted down');
    }
    const refused = await c.http('oauth2/userinfo', { headers: basic });
    assertRateLimited(refused, 3, 4, 'the 4th authenticated auth request');
    // The same address without credentials: the project is unknown, the configured limit applies.
    const anonymous = await c.postJson('auth/login', {});
    assert.equal(anonymous.status, 400, anonymous.text);
    // Another address of the same project is not affected.
    const other = await fromNewIp().http('oauth2/userinfo', { headers: basic });
    assert.notEqual(other.status, 429, other.text);
  });

  it('rateLimit applies to the other routes (/auth/me counts as one, as in Medplum)', async () => {
    const fx = createFixture('rl-other');
    setSystemSettings(fx.projectId, { rateLimit: 2, authRateLimit: 1000 });
    const c = fromNewIp();
    const basic = { Authorization: basicAuth(fx.clientId, fx.clientSecret) };
    await roomInWindow();
    assert.equal((await c.http('auth/me', { headers: basic })).status, 200);
    assert.equal((await c.http('auth/me', { headers: basic })).status, 200);
    assertRateLimited(await c.http('auth/me', { headers: basic }), 2, 3, 'the 3rd /auth/me');
    // The auth class of the same address keeps counting on its own.
    assert.equal((await c.http('oauth2/userinfo', { headers: basic })).status, 200);
  });

  it('a Bearer request is counted once; a refused token, a revoked token and Basic count alike', async () => {
    // Every request is counted once, in the node's shared counters, before it is authenticated;
    // the project's limit applies once the token (or Basic) names the project.
    const fx = createFixture('rl-bearer');
    setSystemSettings(fx.projectId, { rateLimit: 5, authRateLimit: 1000 });
    const c = fromNewIp();
    await roomInWindow();
    const grant = await c.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(grant.status, 200, grant.text);
    const bearer = { Authorization: `Bearer ${grant.json.access_token}` };
    const first = await c.http('auth/me', { headers: bearer });
    assert.equal(first.status, 200, first.text);
    assert.equal(sdkRateLimit(first, 'bearer 1').remaining, 4, 'counted once, against the project limit');
    const second = await c.http('auth/me', { headers: bearer });
    assert.equal(sdkRateLimit(second, 'bearer 2').remaining, 3);
    // Unknown to the project (no valid token): the configured limit, but still one hit of this address.
    const bad = await c.http('auth/me', { headers: { Authorization: 'Bearer not.a.token' } });
    assert.equal(bad.status, 401, bad.text);
    assert.equal(sdkRateLimit(bad, 'bad token').remaining, OTHER_LIMIT - 3);
    const basic = await c.http('auth/me', { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(sdkRateLimit(basic, 'basic').remaining, 1);
    // A client_credentials token is self-contained (issue 15): revoked by its id.
    dbExec('INSERT INTO token_revocation (jti, expires_at) VALUES (?, UTC_TIMESTAMP(3) + INTERVAL 1 HOUR)', [
      JSON.parse(Buffer.from(grant.json.access_token.split('.')[1], 'base64url')).jti,
    ]);
    const revoked = await c.http('auth/me', { headers: bearer });
    assert.equal(revoked.status, 401, revoked.text);
    assert.equal(sdkRateLimit(revoked, 'revoked').remaining, OTHER_LIMIT - 5, 'a revoked login is not the project’s: the configured limit');
    const fresh = await c.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    const over = await c.http('auth/me', { headers: { Authorization: `Bearer ${fresh.json.access_token}` } });
    assertRateLimited(over, 5, 6, 'the 6th /auth/me of this address');
  });

  it('a client_credentials grant applies its project authRateLimit; a wrong secret is counted too', async () => {
    const fx = createFixture('rl-cc-ip');
    setSystemSettings(fx.projectId, { authRateLimit: 2 });
    const c = fromNewIp();
    const grant = (secret = fx.clientSecret) =>
      c.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: secret });
    await roomInWindow();
    assert.equal((await grant()).status, 200);
    assert.equal((await grant('0'.repeat(64))).status, 400);
    const before = loginCount(fx.clientId);
    assertRateLimited(await grant(), 2, 3, 'the 3rd grant from this address');
    assert.equal(loginCount(fx.clientId), before, 'a refused grant writes no Login');
  });
});

describe('per-client client_credentials limit', { concurrency: true }, () => {
  it('clientRateLimit: the n+1-th token within 60 s is refused, whatever the address; others are not', async () => {
    const fx = createFixture('rl-client');
    const other = createFixture('rl-client-other');
    setSystemSettings(fx.projectId, { clientRateLimit: 3 });
    const grant = (c, f = fx, secret = f.clientSecret) =>
      c.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: f.clientId, client_secret: secret });
    for (let i = 0; i < 3; i++) {
      const r = await grant(fromNewIp());
      assert.equal(r.status, 200, r.text);
      sdkRateLimit(r, `grant ${i + 1}`);
    }
    const c = fromNewIp();
    const retry = assertRateLimited(await grant(c), 3, 4, 'the 4th token of the client');
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    // No Login rows (self-contained tokens): the audit's per-minute count has the three.
    for (let i = 0; i < 40 && grantMinuteCount(fx.clientId) < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(grantMinuteCount(fx.clientId), 3);
    // Only after the secret: a wrong one is still "Invalid secret", so nobody without it can
    // learn about, or use up, the client's tokens.
    const wrong = await grant(c, fx, '0'.repeat(64));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error_description, 'Invalid secret');
    // Basic authentication at the token endpoint is limited alike.
    const basic = await c.postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assertRateLimited(basic, 3, 4, 'Basic');
    // Another client is not affected.
    assert.equal((await grant(c, other)).status, 200);
  });
});

// One test at a time: the first wait is 1 s, and tests running scrypt side by side keep the
// sign-in processes busy long enough for a queued attempt to arrive after it.
describe('growing delay per account and client IP', { concurrency: false }, () => {
  async function login(c, email, password, clientId) {
    return c.postJson('auth/login', { email, password, clientId, codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' });
  }

  it('after login_delay_after failures each attempt waits 1, 2, 4… s; the owner elsewhere is never locked out', async () => {
    const fx = createSigninFixture('rl-pw');
    const attacker = fromNewIp();
    for (let i = 0; i < DELAY_AFTER; i++) {
      const r = await login(attacker, fx.email, 'wrong-password-123', fx.clientId);
      assert.equal(r.status, 400, `failure ${i + 1}: ${r.text}`);
      sdkRateLimit(r, `failure ${i + 1}`);
    }
    // The next attempt must wait: even the right password is not checked now.
    let r = await login(attacker, fx.email, TEST_PASSWORD, fx.clientId);
    let wait = assertRateLimited(r, DELAY_AFTER, DELAY_AFTER, 'attempt after the free failures');
    assert.equal(wait, 1);
    // The owner, from another address, signs in at once.
    const owner = fromNewIp();
    const ok = await login(owner, fx.email, fx.password, fx.clientId);
    assert.equal(ok.status, 200, `the owner is not locked out: ${ok.text}`);
    assert.ok(ok.json.code || ok.json.login);
    // Waiting is enough: one more failure, then the wait doubles.
    await new Promise((res) => setTimeout(res, wait * 1000 + 100));
    r = await login(attacker, fx.email, 'wrong-password-123', fx.clientId);
    assert.equal(r.status, 400, r.text);
    r = await login(attacker, fx.email, 'wrong-password-123', fx.clientId);
    wait = assertRateLimited(r, DELAY_AFTER, DELAY_AFTER + 1, 'after one more failure');
    assert.equal(wait, 2);
    // After the wait the right password works and clears the count.
    await new Promise((res) => setTimeout(res, wait * 1000 + 100));
    r = await login(attacker, fx.email, fx.password, fx.clientId);
    assert.equal(r.status, 200, r.text);
    r = await login(attacker, fx.email, 'wrong-password-123', fx.clientId);
    assert.equal(r.status, 400, `a success starts over: ${r.text}`);
  });

  it('an unknown email is delayed exactly like a real one (the delay tells nothing)', async () => {
    const c = fromNewIp();
    const fx = createSigninFixture('rl-pw-unknown');
    const nobody = uniqueEmail('nobody');
    for (let i = 0; i < DELAY_AFTER - 1; i++) {
      assert.equal((await login(c, nobody, 'wrong-password-123', fx.clientId)).status, 400);
      assert.equal((await login(c, fx.email, 'wrong-password-123', fx.clientId)).status, 400);
    }
    // Each account's next attempt right after its own last failure: the first wait is 1 s, and
    // a loaded machine's sign-in (scrypt) in between once took most of it.
    assert.equal((await login(c, nobody, 'wrong-password-123', fx.clientId)).status, 400);
    assertRateLimited(await login(c, nobody, 'wrong-password-123', fx.clientId), DELAY_AFTER, DELAY_AFTER, 'unknown email');
    assert.equal((await login(c, fx.email, 'wrong-password-123', fx.clientId)).status, 400);
    assertRateLimited(await login(c, fx.email, 'wrong-password-123', fx.clientId), DELAY_AFTER, DELAY_AFTER, 'real email');
    // Keyed by the lower-cased email: case does not open a new count.
    assertRateLimited(await login(c, fx.email.toUpperCase(), 'wrong-password-123', fx.clientId), DELAY_AFTER, DELAY_AFTER, 'upper case');
  });

  it('the sign-in page answers 429 with the wait beside the password field', async () => {
    // A fresh email is a fresh account+IP key even from the suite's own address.
    const fx = createSigninFixture('rl-page');
    const b = new Browser();
    let form = formOf((await b.get('signin')).text);
    let r;
    // Two failures past the limit (waiting out each delay): the wait is then 4 s, so the
    // right password posted next meets it even when a loaded machine's scrypt took a second or
    // more (the first wait, 1 s, once ran out before the next request arrived).
    for (let failures = 0; failures < DELAY_AFTER + 2;) {
      r = await b.post(form.action, { ...form.fields, email: fx.email, password: 'wrong-password-123' });
      if (r.status === 429) {
        await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after')) * 1000 + 100));
      } else {
        assert.equal(r.status, 400, r.text.slice(0, 300));
        failures++;
      }
      form = formOf(r.text);
    }
    r = await b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
    assert.equal(r.status, 429);
    assert.match(r.contentType, /^text\/html/);
    const retryAfter = r.headers.get('retry-after') || '';
    assert.match(retryAfter, /^[1-4]$/);
    const m = /Too many failed attempts: try again in (\d) (seconds?)\./.exec(r.text);
    assert.ok(m, 'the wait is told beside the password field');
    assert.equal(m[1], retryAfter);
    assert.equal(m[2], m[1] === '1' ? 'second' : 'seconds');
    assert.match(r.text, /id="password"[^>]*aria-describedby="password-error"/);
    assert.equal(sdkRateLimit(r, 'page').remaining, 0);
    const delayed = dbQuery('SELECT COUNT(*) FROM login WHERE user_id = ?', [fx.userId]);
    assert.equal(Number(delayed[0][0]), 0, 'no Login was made');
  });
});

describe('the SDK on 429', { concurrency: true }, () => {
  it('MedplumClient waits for the window to reset (RateLimit r=0;t=…) and retries, then succeeds', async () => {
    const fx = createFixture('rl-sdk');
    setSystemSettings(fx.projectId, { rateLimit: 2 });
    const c = fromNewIp();
    const statuses = [];
    const medplum = new medplumCore.MedplumClient({
      baseUrl: BASE_URL,
      // A wait up to a whole window is acceptable here (the default maxRetryTime is 2 s).
      maxRetryTime: 65_000,
      fetch: async (u, init) => {
        const res = await c.fetch(u, init);
        statuses.push(res.status);
        return res;
      },
    });
    await roomInWindow();
    await medplum.startClientLogin(fx.clientId, fx.clientSecret);
    // Until one call meets the limit: the SDK itself may have read /auth/me already.
    let waited = 0;
    for (let i = 0; i < 4 && !statuses.includes(429); i++) {
      const t0 = Date.now();
      const me = await medplum.get('auth/me', { cache: 'no-cache' });
      waited = (Date.now() - t0) / 1000;
      assert.equal(me.profile.id, fx.clientId, 'every call succeeded in the end');
    }
    assert.deepEqual(statuses.slice(-2), [429, 200], `statuses: ${statuses.join(',')}`);
    const status = medplum.rateLimitStatus();
    assert.equal(status[0].remainingUnits, 1, 'a new window: the retry was its first request');
    assert.ok(waited >= 0.4, `waited ${waited} s for the reset`);
  });

  it('with the default maxRetryTime the SDK gives up at once and reports Too Many Requests', async () => {
    const fx = createFixture('rl-sdk-default');
    setSystemSettings(fx.projectId, { rateLimit: 1 });
    const c = fromNewIp();
    const medplum = new medplumCore.MedplumClient({ baseUrl: BASE_URL, fetch: c.fetch });
    await roomInWindow();
    await medplum.startClientLogin(fx.clientId, fx.clientSecret); // reads /auth/me once itself
    // The reset is many seconds away (roomInWindow): more than maxRetryTime, so no retry.
    const t0 = Date.now();
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 3; i++) await medplum.get('auth/me', { cache: 'no-cache' });
      })(),
      (err) => /Too Many Requests/i.test(err.message) || /too-many-requests/.test(JSON.stringify(err.outcome ?? {})),
    );
    assert.ok(Date.now() - t0 < 5000, 'it did not wait for the reset');
  });
});

// The counters are one table in shared memory for every program of the node: the /auth and
// /oauth2 class of one address counts the same whichever program serves the request.
describe('one count per address across programs', () => {
  it('tessera-session, tessera-login and tessera-token count into the same bucket', async () => {
    const fx = createFixture('rl-shared');
    const c = fromNewIp();
    await roomInWindow();
    const seen = [];
    const basic = { Authorization: basicAuth(fx.clientId, fx.clientSecret) };
    seen.push(sdkRateLimit(await c.http('oauth2/userinfo', { headers: basic }), 'session').remaining);
    seen.push(sdkRateLimit(await c.postJson('auth/login', { email: 'nobody@example.com' }), 'login').remaining);
    seen.push(sdkRateLimit(await c.postForm('oauth2/token', { grant_type: 'nothing' }), 'token').remaining);
    seen.push(sdkRateLimit(await c.http('oauth2/userinfo', { headers: basic }), 'session again').remaining);
    assert.deepEqual(seen, [seen[0], seen[0] - 1, seen[0] - 2, seen[0] - 3], JSON.stringify(seen));
  });
});
