// SPDX-License-Identifier: BSD-2-Clause
// The password life cycle (PROTOCOL.md §6.14, §13.2): setpassword from a reset or invite link,
// resetpassword (the email read from var/mail; the same answer for unknown emails),
// changepassword with the SDK's session, verifyemail; security requests single use,
// expiring and superseded; every validation message; bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  TEST_PASSWORD,
  assertBadRequest,
  assertNotFound,
  assertUnauthorized,
  authMe,
  createProject,
  createSecurityRequest,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http,
  loadMedplum,
  quietPkceWarning,
  postJson,
  randomUUID,
  readConfig,
  signIn,
  uniqueEmail,
  uniqueName,
  waitForMail,
  mailTo,
  outboxCount,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();
const fhir = { 'Content-Type': 'application/fhir+json' };
const post = (path, body, headers = {}) => postJson(path, body, { ...fhir, ...headers });

function assertAllOk(r) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json?.id, 'ok', r.text);
}

function assertInvalid(r, text, field) {
  assertBadRequest(r, text);
  if (field) assert.deepEqual(r.json.issue[0].expression, [field], r.text);
}

/** A signed-in-able user (fixture) and a fresh password that passes the policy. */
const NEW_PASSWORD = 'Tiramisu_Eagle_Orbit_77';

describe('resetpassword → email → setpassword', () => {
  it('the emailed link sets the password, ends old sessions, and works once', async () => {
    const fx = createSigninFixture('reset');
    const { tokens } = await signIn(fx);
    const r = await post('auth/resetpassword', { email: fx.email.toUpperCase() });
    assertAllOk(r);
    const [mail] = await waitForMail(fx.email);
    assert.match(mail.subject, /Password Reset$/);
    const base = readConfig().app_base_url || BASE_URL;
    const m = mail.text.match(/(\S+)setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
    assert.ok(m, mail.text);
    assert.equal(m[1], base.endsWith('/') ? base : `${base}/`);
    const [, , id, secret] = m;
    const row = dbQuery('SELECT type, used, HEX(secret_hash) <> HEX(?), TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), expires_at) FROM security_request WHERE id = ?', [secret, id]);
    assert.equal(row[0][0], 'reset');
    assert.equal(row[0][1], '0');
    assert.ok(Number(row[0][3]) >= 58 && Number(row[0][3]) <= 60, `reset expires in an hour: ${row[0][3]}`);
    assert.equal(dbQuery('SELECT COUNT(*) FROM security_request WHERE secret_hash = ?', [secret])[0][0], '0', 'secret not stored');

    assertAllOk(await post('auth/setpassword', { id, secret, password: NEW_PASSWORD }));
    assertUnauthorized(await authMe(tokens.access_token));
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE id = ?', [fx.userId])[0][0], '1');
    const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    await assert.rejects(medplum.startLogin({ email: fx.email, password: fx.password }), /Email or password is invalid/);
    const ok = await medplum.startLogin({ email: fx.email, password: NEW_PASSWORD });
    assert.ok(ok.code);
    // Single use.
    assertBadRequest(await post('auth/setpassword', { id, secret, password: 'another-good-one-7' }), 'Already used');
  });

  it('unknown emails get the same answer and no email, no request', async () => {
    const email = uniqueEmail('nobody');
    const r = await post('auth/resetpassword', { email });
    assertAllOk(r);
    assert.equal(outboxCount(email), 0, 'no email queued');
    assert.equal(mailTo(email).length, 0);
  });

  // The request is written after the response (issue 14, finding 9): poll for it.
  async function requestsOf(userId, want) {
    const sql = 'SELECT type, COALESCE(redirect_uri, \'\') FROM security_request WHERE user_id = ?';
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((res) => setTimeout(res, 100))) {
      const rows = dbQuery(sql, [userId]);
      if (rows.length >= want) return rows;
    }
    return dbQuery(sql, [userId]);
  }

  it("sendEmail false, from an admin of the user's project, makes the request without an email", async () => {
    const fx = createSigninFixture('quiet');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const { tokens } = await signIn(fx);
    const email = uniqueEmail('quiet');
    const userId = createUser({ email, password: TEST_PASSWORD, project: fx.projectId });
    assertAllOk(await post('auth/resetpassword', { email, projectId: fx.projectId, sendEmail: false, redirectUri: 'https://app.example.com/done' },
      { Authorization: `Bearer ${tokens.access_token}` }));
    assert.deepEqual(await requestsOf(userId, 1), [['reset', 'https://app.example.com/done']]);
    assert.equal(outboxCount(email), 0, 'no email queued');
    assert.equal(mailTo(email).length, 0);
  });

  it('sendEmail false from anyone else makes nothing (it would cancel the link the user was sent)', async () => {
    const project = createProject(uniqueName('reset-quiet'));
    const email = uniqueEmail('quiet');
    const userId = createUser({ email, password: TEST_PASSWORD, project });
    assertAllOk(await post('auth/resetpassword', { email, projectId: project, sendEmail: false }));
    assertAllOk(await post('auth/resetpassword', { email, projectId: project, sendEmail: false }, { Authorization: 'Bearer not-a-token' }));
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(await requestsOf(userId, 0), []);
    assert.equal(mailTo(email).length, 0);
  });

  it('a project-scoped user is found only with its projectId', async () => {
    const project = createProject(uniqueName('reset-scope'));
    const email = uniqueEmail('scoped');
    const userId = createUser({ email, password: TEST_PASSWORD, project });
    assertAllOk(await post('auth/resetpassword', { email }));
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(dbQuery('SELECT COUNT(*) FROM security_request WHERE user_id = ?', [userId])[0][0], '0');
    assertAllOk(await post('auth/resetpassword', { email, projectId: project }));
    assert.equal((await requestsOf(userId, 1)).length, 1);
  });

  it('a new reset supersedes the older unused one', async () => {
    const email = uniqueEmail('twice');
    const userId = createUser({ email, password: TEST_PASSWORD });
    assertAllOk(await post('auth/resetpassword', { email }));
    assertAllOk(await post('auth/resetpassword', { email }));
    const mails = await waitForMail(email, 2);
    // The emails go out after the responses, from either process: order them by the requests.
    const newest = dbQuery('SELECT id FROM security_request WHERE user_id = ? ORDER BY created_at DESC, id LIMIT 1', [userId])[0][0];
    const links = mails
      .map((mm) => mm.text.match(/setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/).slice(1))
      .sort((a, b) => (a[0] === newest) - (b[0] === newest));
    assertBadRequest(await post('auth/setpassword', { id: links[0][0], secret: links[0][1], password: NEW_PASSWORD }), 'Already used');
    assertAllOk(await post('auth/setpassword', { id: links[1][0], secret: links[1][1], password: NEW_PASSWORD }));
    assert.equal(dbQuery('SELECT COUNT(*) FROM security_request WHERE user_id = ? AND NOT used', [userId])[0][0], '0');
  });

  it('an email domain with an external identity provider is refused', async () => {
    const domain = `${uniqueName('sso')}.example.com`;
    dbExec('INSERT INTO domain_configuration (id, domain, identity_provider) VALUES (?, ?, ?)', [
      randomUUID(),
      domain,
      JSON.stringify({ authorizeUrl: 'https://idp.example.com/authorize', clientId: 'x' }),
    ]);
    assertBadRequest(
      await post('auth/resetpassword', { email: `someone@${domain}` }),
      'Cannot reset password for external auth. Contact your system administrator.',
    );
  });
});

describe('setpassword refusals', () => {
  const user = () => createUser({ email: uniqueEmail('sp'), password: TEST_PASSWORD });

  it('an invite link sets the first password', async () => {
    const userId = createUser({ email: uniqueEmail('invited') });
    const { id, secret } = createSecurityRequest({ type: 'invite', userId, expiresIn: 7 * 86400 });
    assertAllOk(await post('auth/setpassword', { id, secret, password: NEW_PASSWORD }));
    assert.match(dbQuery('SELECT password_hash FROM user WHERE id = ?', [userId])[0][0], /^\$s1\$/);
  });

  it('expired → Expired (the password is unchanged)', async () => {
    const userId = user();
    const { id, secret } = createSecurityRequest({ type: 'reset', userId });
    const before = dbQuery('SELECT password_hash FROM user WHERE id = ?', [userId])[0][0];
    dbExec('UPDATE security_request SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [id]);
    assertBadRequest(await post('auth/setpassword', { id, secret, password: NEW_PASSWORD }), 'Expired');
    assert.equal(dbQuery('SELECT password_hash FROM user WHERE id = ?', [userId])[0][0], before);
  });

  it('wrong secret, verify-email type, unknown id, breached password (the link survives)', async () => {
    const userId = user();
    const { id, secret } = createSecurityRequest({ type: 'reset', userId });
    assertBadRequest(await post('auth/setpassword', { id, secret: '0'.repeat(32), password: NEW_PASSWORD }), 'Incorrect secret');
    assertBadRequest(await post('auth/setpassword', { id, secret: secret.slice(0, 31), password: NEW_PASSWORD }), 'Incorrect secret');
    const v = createSecurityRequest({ type: 'verify-email', userId });
    assertBadRequest(await post('auth/setpassword', { ...v, password: NEW_PASSWORD }), 'Invalid request type');
    assertNotFound(await post('auth/setpassword', { id: randomUUID(), secret, password: NEW_PASSWORD }));
    const r = await post('auth/setpassword', { id, secret, password: 'password1' });
    assertInvalid(r, 'Password found in breach database', 'password');
    assertAllOk(await post('auth/setpassword', { id, secret, password: NEW_PASSWORD }));
  });

  it('validation messages', async () => {
    const id = randomUUID();
    const secret = 'a'.repeat(32);
    assertInvalid(await post('auth/setpassword', { id: 'nope', secret, password: NEW_PASSWORD }), 'Invalid request ID', 'id');
    assertInvalid(await post('auth/setpassword', { id, password: NEW_PASSWORD }), 'Missing secret', 'secret');
    assertInvalid(await post('auth/setpassword', { id, secret, password: 'short' }), 'Invalid password, must be at least 8 characters', 'password');
    assertInvalid(await post('auth/setpassword', { id, secret, password: 'x'.repeat(73) }), 'Password must be no more than 72 characters', 'password');
    assertInvalid(await post('auth/resetpassword', { email: 'nope' }), 'Valid email address between 3 and 72 characters is required', 'email');
    assertInvalid(await post('auth/resetpassword', { email: `${'a'.repeat(70)}@x.io` }), 'Valid email address between 3 and 72 characters is required', 'email');
    assertInvalid(await post('auth/resetpassword', { email: 'a@example.com', projectId: "' OR 1=1" }), 'Invalid projectId', 'projectId');
  });
});

describe('verifyemail', () => {
  it('verifies once; wrong type, wrong secret, expiry refused', async () => {
    const userId = createUser({ email: uniqueEmail('ve'), password: TEST_PASSWORD });
    const v = createSecurityRequest({ type: 'verify-email', userId, expiresIn: 7 * 86400 });
    assertBadRequest(await post('auth/verifyemail', { id: v.id, secret: 'b'.repeat(32) }), 'Incorrect secret');
    assertAllOk(await post('auth/verifyemail', v));
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE id = ?', [userId])[0][0], '1');
    assertBadRequest(await post('auth/verifyemail', v), 'Already used');
    const reset = createSecurityRequest({ type: 'reset', userId });
    assertBadRequest(await post('auth/verifyemail', reset), 'Invalid user security request type');
    const old = createSecurityRequest({ type: 'verify-email', userId, expiresIn: -5 });
    assertBadRequest(await post('auth/verifyemail', old), 'Expired');
    assertInvalid(await post('auth/verifyemail', { id: 'x', secret: 'y' }), 'Invalid request ID', 'id');
    assertInvalid(await post('auth/verifyemail', { id: v.id }), 'Missing secret', 'secret');
    assertNotFound(await post('auth/verifyemail', { id: randomUUID(), secret: 'c'.repeat(32) }));
  });
});

describe('changepassword', () => {
  it('with the SDK session: old password checked, other sessions end, this one stays', async () => {
    const fx = createSigninFixture('chg');
    const other = await signIn(fx);
    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: fx.clientId, fetch: (u, o) => fetch(u, o) });
    const res = await medplum.startLogin({ email: fx.email, password: fx.password });
    await medplum.processCode(res.code);
    await assert.rejects(
      medplum.post('auth/changepassword', { oldPassword: 'wrong-password', newPassword: NEW_PASSWORD }),
      /Incorrect password/,
    );
    await assert.rejects(medplum.post('auth/changepassword', { oldPassword: fx.password, newPassword: 'password1' }), /Password found in breach database/);
    const ok = await medplum.post('auth/changepassword', { oldPassword: fx.password, newPassword: NEW_PASSWORD });
    assert.equal(ok.id, 'ok');
    assertUnauthorized(await authMe(other.tokens.access_token));
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.user.email, fx.email, 'the caller stays signed in');
    const again = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    assert.ok((await again.startLogin({ email: fx.email, password: NEW_PASSWORD })).code);
  });

  it('messages: auth, missing fields, lengths, a client has no password', async () => {
    assertUnauthorized(await post('auth/changepassword', { oldPassword: 'x', newPassword: NEW_PASSWORD }));
    const fx = createSigninFixture('chg2');
    const { tokens } = await signIn(fx);
    const auth = { Authorization: `Bearer ${tokens.access_token}` };
    assertInvalid(await post('auth/changepassword', { newPassword: NEW_PASSWORD }, auth), 'Missing oldPassword', 'oldPassword');
    assertInvalid(await post('auth/changepassword', { oldPassword: fx.password, newPassword: 'short' }, auth), 'Invalid password, must be at least 8 characters', 'newPassword');
    assertInvalid(await post('auth/changepassword', { oldPassword: fx.password, newPassword: 'n'.repeat(73) }, auth), 'Password must be no more than 72 characters', 'newPassword');
    assertInvalid(await post('auth/changepassword', { oldPassword: 'nope-nope', newPassword: NEW_PASSWORD }, auth), 'Incorrect password', 'oldPassword');
    const basic = { Authorization: 'Basic ' + Buffer.from(`${fx.clientId}:${fx.clientSecret}`).toString('base64') };
    assertInvalid(await post('auth/changepassword', { oldPassword: 'whatever1', newPassword: NEW_PASSWORD }, basic), 'Existing password not set', 'oldPassword');
  });
});

describe('bad input is a 4xx, never a 5xx', () => {
  const bodies = [
    ['malformed JSON', '{"id":', 'application/json'],
    ['text/plain', 'id=1', 'text/plain'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'application/json'],
    ['a NUL byte', '{"email":"a\\u0000@example.com","password":"x\\u0000y"}', 'application/json'],
    ['an oversized body', JSON.stringify({ password: 'x'.repeat(2_000_000) }), 'application/json'],
    ['SQL injection', JSON.stringify({ id: "' OR 1=1 --", secret: "' OR '1'='1", email: "x@example.com' --", password: "'; DROP TABLE user; --" }), 'application/json'],
  ];
  for (const path of ['auth/setpassword', 'auth/resetpassword', 'auth/changepassword', 'auth/verifyemail']) {
    for (const [what, body, type] of bodies) {
      it(`${path}: ${what}`, async () => {
        const r = await http(path, { method: 'POST', headers: { 'Content-Type': type }, body });
        assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.json?.resourceType, 'OperationOutcome', r.text.slice(0, 200));
      });
    }
  }
});
