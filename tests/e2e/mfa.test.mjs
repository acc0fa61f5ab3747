// SPDX-License-Identifier: BSD-2-Clause
// Multi-factor authentication (PROTOCOL.md §5.3, §6.9; PROTOCOL.md §S.1 and §S.11), through the
// unmodified @medplum/core and the raw JSON API: enrollment during sign-in with a TOTP the
// test computes from the enrollUri's secret, verify, wrong/replayed/expired codes, the attempt
// limits (429 with the rate-limit-reset extension), emailed codes read from the SMTP sink,
// the project rule, the signed-in user's status/enroll/disable, and no code before MFA.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE_URL,
  ROOT,
  addMember,
  assertBadRequest,
  assertNotFound,
  authLogin,
  basicAuth,
  bearer,
  createProject,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http,
  loadMedplum,
  pkcePair,
  postJson,
  quietPkceWarning,
  redeemCode,
  signIn,
  tesseraAdmin,
  uniqueName,
} from './lib.mjs';
import { freshCode, lastStep, stepOf, totp, uriSecret, usedCode, waitForCode } from './mfa-lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

function newMedplum(opts = {}) {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o), ...opts });
}

function requireMfa(userId) {
  dbExec('UPDATE user SET mfa_required = 1 WHERE id = ?', [userId]);
}

function login(fx, extra = {}) {
  return authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair(), ...extra });
}

/** The PNG behind a data URL (asserting its signature). */
function assertPngDataUrl(url) {
  assert.match(url, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  const png = Buffer.from(url.split(',')[1], 'base64');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.subarray(12, 16).toString(), 'IHDR');
  assert.ok(png.readUInt32BE(16) >= 100, 'a QR image of a useful size');
}

function assertRateLimited(r) {
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
  assert.equal(r.json.id, 'too-many-requests');
  assert.equal(r.json.issue[0].code, 'throttled');
  const ext = r.json.extension.find((e) => e.url === 'https://medplum.com/fhir/StructureDefinition/rate-limit-reset');
  assert.ok(ext && Number.isInteger(ext.valueUnsignedInt) && ext.valueUnsignedInt > 0, r.text);
  assert.equal(r.headers.get('retry-after'), String(ext.valueUnsignedInt));
  return ext.valueUnsignedInt;
}

/** Enrolls a user during sign-in (raw API); returns the base32 secret. */
async function enrollDuringSignin(fx) {
  requireMfa(fx.userId);
  const r = await login(fx);
  assert.equal(r.json.mfaEnrollRequired, true, r.text);
  const secret = uriSecret(r.json.enrollUri);
  const e = await postJson('auth/mfa/login-enroll', { login: r.json.login, token: totp(secret) });
  assert.equal(e.status, 200, e.text);
  assert.match(e.json.code, /^[0-9a-f]{32}$/);
  return secret;
}

describe('the SDK through MFA', () => {
  let fx;
  before(() => {
    fx = createSigninFixture('mfa-sdk');
    requireMfa(fx.userId);
  });

  it('startLogin → mfaEnrollRequired (otpauth URI, PNG QR) → login-enroll → code → profile; then mfaRequired → verify', async () => {
    const medplum = newMedplum({ clientId: fx.clientId });
    const res = await medplum.startLogin({ email: fx.email, password: fx.password });
    assert.equal(res.code, undefined, 'no code before MFA');
    assert.equal(res.mfaEnrollRequired, true);
    assert.deepEqual(res.allowedMfaMethods, ['totp', 'email']);
    const u = new URL(res.enrollUri);
    assert.equal(decodeURIComponent(u.pathname), `/Tessera:${fx.email}`);
    assert.equal(u.searchParams.get('issuer'), 'Tessera');
    const secret = uriSecret(res.enrollUri);
    assertPngDataUrl(res.enrollQrCode);

    // The secret is stored sealed, never as it is, on this login until a code confirms it.
    const stored = dbQuery('SELECT mfa_pending_secret FROM login WHERE id = ?', [res.login])[0][0];
    assert.match(stored, /^(h1|k1)\.[A-Za-z0-9_-]+$/);
    assert.ok(!stored.includes(secret));
    assert.deepEqual(dbQuery('SELECT mfa_secret IS NULL, mfa_enrolled FROM user WHERE id = ?', [fx.userId]), [['1', '0']]);

    const enrolled = await medplum.post('auth/mfa/login-enroll', { login: res.login, token: totp(secret) });
    assert.equal(enrolled.login, res.login);
    assert.match(enrolled.code, /^[0-9a-f]{32}$/);
    const profile = await medplum.processCode(enrolled.code);
    assert.equal(profile.id, fx.profileId);
    assert.equal(dbQuery('SELECT mfa_enrolled, mfa_methods FROM user WHERE id = ?', [fx.userId])[0].join(), '1,totp');
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.security.mfaEnrolled, true);

    // Next sign-in: the second factor, with a code of a step after the one enrollment used (no replay).
    const again = newMedplum({ clientId: fx.clientId });
    const r2 = await again.startLogin({ email: fx.email, password: fx.password });
    assert.equal(r2.code, undefined);
    assert.equal(r2.mfaRequired, true);
    assert.deepEqual(r2.mfaMethods, ['totp']);
    assert.equal(r2.email, fx.email);
    const v = await again.post('auth/mfa/verify', { login: r2.login, token: await freshCode(secret, fx.userId) });
    assert.match(v.code, /^[0-9a-f]{32}$/);
    assert.equal((await again.processCode(v.code)).id, fx.profileId);
  });
});

describe('verify: refusals', () => {
  let fx;
  let secret;
  before(async () => {
    fx = createSigninFixture('mfa-verify');
    secret = await enrollDuringSignin(fx);
  });

  it('wrong, replayed and too old codes are refused; the right one then gives a code', async () => {
    const r = await login(fx);
    assert.equal(r.json.mfaRequired, true, r.text);
    const wrong = totp(secret) === '000000' ? '000001' : '000000';
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: wrong }), 'Invalid MFA token');
    // The code enrollment used (this step) is spent: a replay inside the window fails.
    const used = lastStep(fx.userId);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: totp(secret, used) }), 'Invalid MFA token');
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: totp(secret, stepOf() - 3) }), 'Invalid MFA token');
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: '12345' }), 'Invalid MFA token');
    assert.equal(dbQuery('SELECT mfa_attempts FROM login WHERE id = ?', [r.json.login])[0][0], '4');
    const next = await freshCode(secret, fx.userId);
    const ok = await postJson('auth/mfa/verify', { login: r.json.login, token: next });
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.json.code, /^[0-9a-f]{32}$/);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: totp(secret) }), 'Login already verified');
    // And that code, once used, is refused on another sign-in too (replay across logins).
    const r2 = await login(fx);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r2.json.login, token: next }), 'Invalid MFA token');
    // Audit events (issue 7): each refusal with its reason, the success once, in the client's project.
    const events = dbQuery(
      "SELECT type, COALESCE(outcome_desc, ''), COALESCE(project_id, '') FROM audit_event WHERE agent_id = ? AND type LIKE 'mfa-%'",
      [fx.userId],
    );
    const count = (type, reason) => events.filter(([t, d, p]) => t === type && (reason === undefined || d === reason) && p === fx.projectId).length;
    assert.ok(count('mfa-failure', 'wrong code') >= 5, JSON.stringify(events));
    assert.ok(count('mfa-success') >= 1, JSON.stringify(events));
  });

  it('bad input: missing fields 400, unknown login 404, not enrolled, revoked, expired', async () => {
    const r = await login(fx);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login }), 'Missing token');
    assertBadRequest(await postJson('auth/mfa/verify', { token: '123456' }), 'Missing login');
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: 'x'.repeat(65) }), 'Missing token');
    assertBadRequest(await postJson('auth/mfa/verify', '{"login":'), 'Content could not be parsed');
    assertNotFound(await postJson('auth/mfa/verify', { login: '6f1c2e3a-1b2c-4d5e-8f90-123456789abc', token: '123456' }));
    assertNotFound(await postJson('auth/mfa/verify', { login: 'not-a-uuid', token: '123456' }));

    const plain = createSigninFixture('mfa-none');
    const p = await login(plain);
    assert.ok(p.json.code, p.text);
    assertBadRequest(await postJson('auth/mfa/verify', { login: p.json.login, token: '123456' }), 'User not enrolled in MFA');

    dbExec('UPDATE login SET auth_time = auth_time - INTERVAL 16 MINUTE WHERE id = ?', [r.json.login]);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: totp(secret, stepOf() + 1) }), 'Login expired');
    dbExec('UPDATE login SET revoked = 1 WHERE id = ?', [r.json.login]);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: '123456' }), 'Login revoked');
  });
});

describe('attempt limits (PROTOCOL.md §S.11)', () => {
  it('5 wrong codes per sign-in, then 429 even for the right code; 10 per user across sign-ins', async () => {
    const fx = createSigninFixture('mfa-limit');
    const secret = await enrollDuringSignin(fx);
    const wrong = (n) => String((Number(totp(secret, stepOf() + 1)) + 1 + n) % 1e6).padStart(6, '0');
    const logins = [];
    for (let k = 0; k < 2; k++) {
      const r = await login(fx);
      logins.push(r.json.login);
      for (let i = 0; i < 5; i++)
        assertBadRequest(await postJson('auth/mfa/verify', { login: r.json.login, token: wrong(i) }), 'Invalid MFA token');
      const reset = assertRateLimited(await postJson('auth/mfa/verify', { login: r.json.login, token: await freshCode(secret, fx.userId) }));
      assert.ok(reset <= 900, `the login's window: ${reset}`);
    }
    // The user has 10 failures in the window: a fresh sign-in is limited at once.
    const r3 = await login(fx);
    assertRateLimited(await postJson('auth/mfa/verify', { login: r3.json.login, token: await freshCode(secret, fx.userId) }));
    assert.equal(dbQuery('SELECT mfa_verified FROM login WHERE id = ?', [r3.json.login])[0][0], '0');
    // When the user's window has passed, the right code works again.
    dbExec('UPDATE user SET mfa_failures_since = mfa_failures_since - 901 WHERE id = ?', [fx.userId]);
    const ok = await postJson('auth/mfa/verify', { login: r3.json.login, token: await freshCode(secret, fx.userId) });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.code);
  });
});

describe('attempt limits under parallel guessing', () => {
  it('20 wrong codes at once on one sign-in: exactly 5 are checked, the rest 429', async () => {
    const fx = createSigninFixture('mfa-race');
    const secret = await enrollDuringSignin(fx);
    const r = await login(fx);
    const right = new Set([-1, 0, 1, 2].map((d) => totp(secret, stepOf() + d)));
    const guesses = [];
    for (let n = 100000; guesses.length < 20; n++) if (!right.has(String(n))) guesses.push(String(n));
    const answers = await Promise.all(guesses.map((token) => postJson('auth/mfa/verify', { login: r.json.login, token })));
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses.filter((x) => x === 400).length, 5, statuses.join());
    assert.equal(statuses.filter((x) => x === 429).length, 15, statuses.join());
    assert.equal(dbQuery('SELECT mfa_attempts FROM login WHERE id = ?', [r.json.login])[0][0], '5');
  });
});

describe('no code before MFA (PROTOCOL.md §S.1)', () => {
  it('/auth/profile, /auth/scope and /auth/login/:id answer mfaRequired until verify; then memberships → code', async () => {
    const fx = createSigninFixture('mfa-bypass');
    const secret = await enrollDuringSignin(fx);
    const other = createProject(uniqueName('mfa-bypass-second'));
    const m2 = addMember({ project: other, user: fx.userId, profile: 'Patient' });
    const r = await authLogin({ email: fx.email, password: fx.password, pkce: pkcePair() });
    assert.equal(r.json.mfaRequired, true, r.text);
    for (const attempt of [
      await postJson('auth/profile', { login: r.json.login, profile: m2.membershipId }),
      await postJson('auth/scope', { login: r.json.login, scope: 'openid' }),
      await http(`auth/login/${r.json.login}`),
    ]) {
      assert.equal(attempt.status, 200, attempt.text);
      assert.equal(attempt.json.code, undefined, attempt.text);
      assert.equal(attempt.json.mfaRequired, true, attempt.text);
    }
    const v = await postJson('auth/mfa/verify', { login: r.json.login, token: await freshCode(secret, fx.userId) });
    assert.equal(v.status, 200, v.text);
    // /auth/profile chose m2 above (the membership was set, its code withheld): now the code.
    assert.match(v.json.code, /^[0-9a-f]{32}$/, v.text);
  });
});

describe('emailed codes', () => {
  it('send-email → the code from the SMTP sink → login-enroll (method email); single use, expiry, resend limit', async () => {
    const fx = createSigninFixture('mfa-email');
    requireMfa(fx.userId);
    const r = await login(fx);
    assert.equal(r.json.mfaEnrollRequired, true);
    const sent = await postJson('auth/mfa/send-email', { login: r.json.login });
    assert.equal(sent.status, 200, sent.text);
    assert.equal(sent.json.id, 'ok');
    assertRateLimited(await postJson('auth/mfa/send-email', { login: r.json.login }));
    const [mail] = await waitForCode(fx.email, 1);
    assert.match(mail.subject, /^Your Tessera verification code: \d{6}$/);
    assert.ok(mail.text.includes(mail.code));
    // Stored as a keyed hash, never the digits.
    const row = dbQuery('SELECT HEX(email_mfa_hash), email_mfa_expires_at > UTC_TIMESTAMP() FROM login WHERE id = ?', [r.json.login])[0];
    assert.match(row[0], /^[0-9A-F]{64}$/);
    assert.equal(row[1], '1');
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: r.json.login, method: 'email', token: mail.code === '000000' ? '000001' : '000000' }), 'Invalid MFA token');
    const e = await postJson('auth/mfa/login-enroll', { login: r.json.login, method: 'email', token: mail.code });
    assert.equal(e.status, 200, e.text);
    assert.match(e.json.code, /^[0-9a-f]{32}$/);
    assert.equal(dbQuery('SELECT mfa_enrolled, mfa_methods FROM user WHERE id = ?', [fx.userId])[0].join(), '1,email');

    // Enrolled with email: mfaRequired offers email; the old code is worthless on a new login.
    const r2 = await login(fx);
    assert.equal(r2.json.mfaRequired, true);
    assert.deepEqual(r2.json.mfaMethods, ['email']);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r2.json.login, token: mail.code }), 'Invalid MFA token');
    assert.equal((await postJson('auth/mfa/send-email', { login: r2.json.login })).status, 200);
    const mails = await waitForCode(fx.email, 2);
    const fresh = mails.map((m) => m.code).find((c) => c !== mail.code);
    assert.ok(fresh, 'a second, different code');
    // Expired: refused even though right.
    dbExec('UPDATE login SET email_mfa_expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = ?', [r2.json.login]);
    assertBadRequest(await postJson('auth/mfa/verify', { login: r2.json.login, token: fresh }), 'Invalid MFA token');
    dbExec('UPDATE login SET email_mfa_expires_at = UTC_TIMESTAMP() + INTERVAL 5 MINUTE WHERE id = ?', [r2.json.login]);
    const v = await postJson('auth/mfa/verify', { login: r2.json.login, token: fresh });
    assert.equal(v.status, 200, v.text);
    assert.ok(v.json.code);
    // Single use: the hash is gone.
    assert.equal(dbQuery('SELECT email_mfa_hash IS NULL FROM login WHERE id = ?', [r2.json.login])[0][0], '1');
  });
});

describe('the project rule (mfaRequired, allowedMfaMethods)', () => {
  it('a project admin sets the rule through POST /admin/projects/:id/settings; members then must enroll', async () => {
    const fx = createSigninFixture('mfa-settings');
    const adminFx = { ...fx, email: `admin-${fx.email}` };
    const adminId = createUser({ email: adminFx.email, password: fx.password });
    addMember({ project: fx.projectId, user: adminId, admin: true });
    const { tokens } = await signIn(adminFx);
    const auth = { Authorization: bearer(tokens.access_token) };
    const base = `admin/projects/${fx.projectId}/settings`;
    const before = await http(base, { headers: auth });
    assert.equal(before.status, 200, before.text);
    assert.equal(before.json.mfaRequired, false);
    assert.deepEqual(before.json.allowedMfaMethods, ['totp', 'email']);
    assertBadRequest(await postJson(base, { allowedMfaMethods: 'sms' }, auth), 'Invalid allowedMfaMethods');
    assertBadRequest(await postJson(base, { mfaRequired: 'maybe' }, auth), 'Invalid mfaRequired');
    const set = await postJson(base, { mfaRequired: true, allowedMfaMethods: 'totp' }, auth);
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.mfaRequired, true);
    assert.deepEqual(set.json.allowedMfaMethods, ['totp']);
    // brandName alone leaves the MFA rule as it is.
    const brand = await postJson(base, { brandName: 'Clinic' }, auth);
    assert.equal(brand.json.mfaRequired, true, brand.text);
    const r = await login(fx);
    assert.equal(r.json.mfaEnrollRequired, true, r.text);
    assert.deepEqual(r.json.allowedMfaMethods, ['totp']);
    assert.equal(new URL(r.json.enrollUri).searchParams.get('issuer'), 'Clinic');
  });

  it('a project that requires MFA with TOTP only: enrollment required, no emailed codes', async () => {
    const fx = createSigninFixture('mfa-project');
    dbExec("UPDATE project SET mfa_required = 1, allowed_mfa_methods = 'totp', brand_name = 'Acme: Care' WHERE id = ?", [fx.projectId]);
    const pkce = pkcePair();
    const r = await login(fx, { pkce });
    assert.equal(r.json.mfaEnrollRequired, true, r.text);
    assert.deepEqual(r.json.allowedMfaMethods, ['totp']);
    assert.equal(new URL(r.json.enrollUri).searchParams.get('issuer'), 'Acme Care', 'the brand, without colons');
    assertBadRequest(await postJson('auth/mfa/send-email', { login: r.json.login }), 'Email MFA is not enabled');
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: r.json.login, method: 'email', token: '123456' }), 'Invalid MFA method');
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: r.json.login }), 'Missing token');
    const secret = uriSecret(r.json.enrollUri);
    const e = await postJson('auth/mfa/login-enroll', { login: r.json.login, token: totp(secret) });
    assert.equal(e.status, 200, e.text);
    const t = await redeemCode(e.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.access_token);
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: r.json.login, token: totp(secret) }), 'Already enrolled');
  });
});

describe('status, enroll and disable (signed in)', () => {
  it('status shows a secret, enroll with a code, Already enrolled, disable renews the secret; 401 and 403', async () => {
    const fx = createSigninFixture('mfa-account');
    const { tokens } = await signIn(fx);
    const auth = { Authorization: bearer(tokens.access_token) };
    const s = await http('auth/mfa/status', { headers: auth });
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.enrolled, false);
    assertPngDataUrl(s.json.enrollQrCode);
    const secret = uriSecret(s.json.enrollUri);
    assertBadRequest(await postJson('auth/mfa/enroll', { token: totp(secret, stepOf() - 5) }, auth), 'Invalid token');
    assertBadRequest(await postJson('auth/mfa/enroll', {}, auth), 'Missing token');
    assertBadRequest(await postJson('auth/mfa/disable', { token: totp(secret) }, auth), 'User not enrolled in MFA');
    const e = await postJson('auth/mfa/enroll', { token: totp(secret) }, auth);
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.id, 'ok');
    assert.deepEqual((await http('auth/mfa/status', { headers: auth })).json, { enrolled: true });
    assertBadRequest(await postJson('auth/mfa/enroll', { token: totp(secret, stepOf() + 1) }, auth), 'Already enrolled');
    assertBadRequest(await postJson('auth/mfa/disable', { token: usedCode(secret, fx.userId) }, auth), 'Invalid token'); // used
    const d = await postJson('auth/mfa/disable', { token: await freshCode(secret, fx.userId) }, auth);
    assert.equal(d.status, 200, d.text);
    const after = await http('auth/mfa/status', { headers: auth });
    assert.equal(after.json.enrolled, false);
    assert.notEqual(uriSecret(after.json.enrollUri), secret, 'a new secret after disabling');

    assert.equal((await http('auth/mfa/status')).status, 401);
    assert.equal((await postJson('auth/mfa/enroll', { token: '123456' })).status, 401);
    const basic = await http('auth/mfa/status', { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(basic.status, 403, basic.text);
  });

  it('tessera-admin user mfa-reset: a user who lost the device enrolls again at the next sign-in', async () => {
    const fx = createSigninFixture('mfa-reset');
    const secret = await enrollDuringSignin(fx);
    const out = tesseraAdmin('user', 'mfa-reset', '--user', fx.userId);
    assert.match(out, /mfa reset/);
    assert.equal(dbQuery('SELECT mfa_enrolled, mfa_secret IS NULL FROM user WHERE id = ?', [fx.userId])[0].join(), '0,1');
    const r = await login(fx);
    assert.equal(r.json.mfaEnrollRequired, true, r.text); // mfa_required stays
    assert.notEqual(uriSecret(r.json.enrollUri), secret);
    assert.throws(() => tesseraAdmin('user', 'mfa-reset', '--user', '6f1c2e3a-1b2c-4d5e-8f90-123456789abc'));
  });

  it('no secret or code in the logs', async () => {
    const fx = createSigninFixture('mfa-logs');
    const secret = await enrollDuringSignin(fx);
    const dir = join(ROOT, 'var/log');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.ok(!text.includes(secret), `the TOTP secret in ${f}`);
    }
  });
});

// Issue 14, finding 6: the secret shown before enrollment was the user's one stored secret,
// shown again to every sign-in and every GET /auth/mfa/status, and enrollment kept it, so
// whoever saw it once held a valid second factor for good. Now each session (login) that
// asks gets a fresh secret of its own, and only the one confirmed with a code is kept.
describe('enrollment secrets are fresh per session (issue 14, finding 6)', () => {
  it('two sign-ins before enrollment get different secrets; only the confirmed one is kept', async () => {
    const fx = createSigninFixture('mfa-fresh');
    requireMfa(fx.userId);
    const seen = await login(fx); // e.g. an attacker who once had the password
    const mine = await login(fx);
    assert.equal(seen.json.mfaEnrollRequired, true, seen.text);
    assert.equal(mine.json.mfaEnrollRequired, true, mine.text);
    const seenSecret = uriSecret(seen.json.enrollUri);
    const mySecret = uriSecret(mine.json.enrollUri);
    assert.notEqual(seenSecret, mySecret, 'each sign-in gets its own secret');
    // Another session's secret does not enroll this one.
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: mine.json.login, token: totp(seenSecret) }), 'Invalid MFA token');
    const e = await postJson('auth/mfa/login-enroll', { login: mine.json.login, token: totp(mySecret) });
    assert.equal(e.status, 200, e.text);
    // The session that saw the other secret cannot enroll it any more either.
    assertBadRequest(await postJson('auth/mfa/login-enroll', { login: seen.json.login, token: totp(seenSecret, stepOf() + 1) }), 'Already enrolled');
    // The kept secret is the confirmed one: the other secret's codes are worthless.
    const next = await login(fx);
    assert.equal(next.json.mfaRequired, true, next.text);
    assertBadRequest(await postJson('auth/mfa/verify', { login: next.json.login, token: totp(seenSecret, stepOf() + 1) }), 'Invalid MFA token');
    const v = await postJson('auth/mfa/verify', { login: next.json.login, token: totp(mySecret, stepOf() + 1) });
    assert.equal(v.status, 200, v.text);
    // Sealed at rest, and gone from every login once one is confirmed.
    const stored = dbQuery('SELECT mfa_secret FROM user WHERE id = ?', [fx.userId])[0][0];
    assert.match(stored, /^(h1|k1)\.[A-Za-z0-9_-]+$/);
    assert.ok(!stored.includes(mySecret));
    assert.deepEqual(
      dbQuery('SELECT COUNT(*) FROM login WHERE user_id = ? AND mfa_pending_secret IS NOT NULL', [fx.userId]),
      [['0']],
      'every other session\'s offer is dropped',
    );
  });

  it('GET /auth/mfa/status: each session its own secret; a secret a session saw never becomes the enrolled one elsewhere', async () => {
    const fx = createSigninFixture('mfa-fresh-status');
    const a = (await signIn(fx)).tokens;
    const b = (await signIn(fx)).tokens;
    const authA = { Authorization: bearer(a.access_token) };
    const authB = { Authorization: bearer(b.access_token) };
    const s1 = await http('auth/mfa/status', { headers: authA });
    assert.equal(s1.status, 200, s1.text);
    const secretA = uriSecret(s1.json.enrollUri);
    // The same session sees the same secret again (a page shown twice must stay scannable).
    assert.equal(uriSecret((await http('auth/mfa/status', { headers: authA })).json.enrollUri), secretA);
    const secretB = uriSecret((await http('auth/mfa/status', { headers: authB })).json.enrollUri);
    assert.notEqual(secretA, secretB, 'another session, another secret');
    // Before enrollment nothing is stored on the user.
    assert.deepEqual(dbQuery('SELECT mfa_secret IS NULL FROM user WHERE id = ?', [fx.userId]), [['1']]);
    // A sign-in that must enroll is not shown either session's secret.
    requireMfa(fx.userId);
    const r = await login(fx);
    const signinSecret = uriSecret(r.json.enrollUri);
    assert.ok(![secretA, secretB].includes(signinSecret), 'the sign-in gets a fresh secret');
    assertBadRequest(await postJson('auth/mfa/enroll', { token: totp(secretA) }, authB), 'Invalid token');
    const e = await postJson('auth/mfa/enroll', { token: totp(secretB) }, authB);
    assert.equal(e.status, 200, e.text);
    assertBadRequest(await postJson('auth/mfa/enroll', { token: totp(secretA, stepOf() + 1) }, authA), 'Already enrolled');
    const v = await login(fx);
    assertBadRequest(await postJson('auth/mfa/verify', { login: v.json.login, token: totp(secretA, stepOf() + 1) }), 'Invalid MFA token');
    assertBadRequest(await postJson('auth/mfa/verify', { login: v.json.login, token: totp(signinSecret, stepOf() + 1) }), 'Invalid MFA token');
    const ok = await postJson('auth/mfa/verify', { login: v.json.login, token: totp(secretB, stepOf() + 1) });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a secret shown longer ago than mfa_login_lifetime is replaced, and no longer enrolls', async () => {
    const fx = createSigninFixture('mfa-fresh-age');
    const { tokens } = await signIn(fx);
    const auth = { Authorization: bearer(tokens.access_token) };
    const old = uriSecret((await http('auth/mfa/status', { headers: auth })).json.enrollUri);
    dbExec('UPDATE login SET mfa_pending_at = mfa_pending_at - INTERVAL 16 MINUTE WHERE user_id = ? AND mfa_pending_at IS NOT NULL', [fx.userId]);
    assertBadRequest(await postJson('auth/mfa/enroll', { token: totp(old) }, auth), 'Secret not found');
    const fresh = uriSecret((await http('auth/mfa/status', { headers: auth })).json.enrollUri);
    assert.notEqual(fresh, old);
    const e = await postJson('auth/mfa/enroll', { token: totp(fresh) }, auth);
    assert.equal(e.status, 200, e.text);
  });
});
