// SPDX-License-Identifier: BSD-2-Clause
// The registration and password pages without a browser (issue 4): /register (account, then a
// new project; or a patient of a project open to registration), /resetpassword and its email,
// /setpassword/:id/:secret, /verifyemail/:id/:secret, the page session of /signin and
// /register (/account, sign out) and /changepassword. Driven with fetch and a small cookie jar:
// page headers and CSP, CSRF refusal, messages beside their fields, escaping of names, bad
// input answered 4xx (never 5xx), links refused once used or expired.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appBase,
  Browser,
  TEST_PASSWORD,
  addMember,
  assertPageHeaders,
  authMe,
  createOpenProject,
  createProject,
  createSecurityRequest,
  createUser,
  dbExec,
  dbQuery,
  decodeHtml,
  formOf,
  http,
  signIn,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const APP_BASE = appBase();
const NEW_PASSWORD = 'Tiramisu_Eagle_Orbit_77';

/** GET a form page in a fresh (or given) browser; returns { b, page, form }. */
async function openForm(path, b = new Browser()) {
  const page = await b.get(path);
  assert.equal(page.status, 200, page.text);
  assertPageHeaders(page);
  return { b, page, form: formOf(page.text) };
}

/** Asserts the message of a field beside it: aria-invalid, aria-describedby, the text. */
function assertFieldError(r, field, text) {
  assert.equal(r.status, 400, r.text);
  assertPageHeaders(r);
  const input = r.text.match(new RegExp(`<input id="${field}"[^>]*>`))?.[0];
  assert.ok(input, `an input ${field}: ${r.text}`);
  assert.match(input, /aria-invalid="true"/);
  assert.match(input, new RegExp(`aria-describedby="[^"]*${field}-error`));
  const shown = r.text.match(new RegExp(`<p class="error" id="${field}-error">([^<]*)</p>`))?.[1];
  assert.equal(shown, text, r.text);
}

/** Asserts a 303 to <app base>path. */
function assertSeeOther(r, path) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text}`);
  assert.equal(r.headers.get('location'), `${APP_BASE}${path}`);
}

/** /register → /register/project → /account; returns { b, email, userId, projectId }. */
async function registerWithProject({ first = 'Grace', last = 'Hopper', projectName = uniqueName('pg-project') } = {}) {
  const email = uniqueEmail('pg-reg');
  const { b, form } = await openForm('register');
  const r = await b.post(form.action, { ...form.fields, firstName: first, lastName: last, email, password: TEST_PASSWORD });
  assertSeeOther(r, 'register/project');
  assert.ok(b.cookies.has('tessera-register'), 'the registration is bound to this browser');
  const p = await openForm('register/project', b);
  const done = await b.post(p.form.action, { ...p.form.fields, projectName });
  assertSeeOther(done, 'account');
  assert.ok(b.cookies.has('tessera-session') && !b.cookies.has('tessera-register'));
  const [[userId]] = dbQuery('SELECT id FROM user WHERE email = ? AND project_id IS NULL', [email]);
  const [[projectId]] = dbQuery('SELECT id FROM project WHERE owner_user_id = ?', [userId]);
  return { b, email, userId, projectId, projectName };
}

/** Signs in on /signin without a client; returns the browser holding the page session. */
async function pageSignIn(email, password) {
  const { b, form } = await openForm('signin');
  const r = await b.post(form.action, { ...form.fields, email, password });
  assertSeeOther(r, 'account');
  return b;
}

/** A server-scoped user with a password and a membership. */
function memberUser(prefix) {
  const email = uniqueEmail(prefix);
  const projectId = createProject(uniqueName(`${prefix}-project`));
  const userId = createUser({ email, first: 'Ada', last: 'Lovelace', password: TEST_PASSWORD });
  addMember({ project: projectId, user: userId });
  return { email, userId, projectId, password: TEST_PASSWORD, clientId: '' };
}

describe('register: an account, then a project', () => {
  it('the sign-in page links to /register and /resetpassword, and both answer', async () => {
    const { page } = await openForm('signin');
    for (const path of ['register', 'resetpassword']) {
      assert.ok(page.text.includes(`href="${APP_BASE.replaceAll('/', '&#x2F;')}${path}"`), `links ${path}`);
      const r = await http(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assertPageHeaders(r);
    }
  });

  it('GET /register: labels, autocomplete, autofocus, the CSRF cookie, frame-ancestors none', async () => {
    const { b, page, form } = await openForm('register');
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.ok(b.cookies.has('tessera-csrf'));
    assert.deepEqual(Object.keys(form.fields), ['csrf']);
    for (const [id, label, auto] of [
      ['firstName', 'First name', 'given-name'],
      ['lastName', 'Last name', 'family-name'],
      ['email', 'Email', 'username'],
      ['password', 'Password', 'new-password'],
    ]) {
      assert.match(page.text, new RegExp(`<label for="${id}">${label}</label>`));
      assert.match(page.text, new RegExp(`<input id="${id}" name="${id}"[^>]*autocomplete="${auto}"`));
    }
    assert.match(page.text, /<input id="firstName"[^>]*autofocus/);
  });

  it('a post without the CSRF token (or with another browser\'s) is refused with 403 and creates nothing', async () => {
    const email = uniqueEmail('pg-csrf');
    const fields = { firstName: 'Eve', lastName: 'Forger', email, password: TEST_PASSWORD };
    const { b, form } = await openForm('register');
    const other = await openForm('register');
    for (const body of [fields, { ...fields, csrf: other.form.fields.csrf }, { ...fields, csrf: '0'.repeat(64) }]) {
      const r = await b.post(form.action, body);
      assert.equal(r.status, 403, r.text);
      assertPageHeaders(r);
      assert.match(r.text, /This form has expired/);
    }
    const anon = await new Browser().post('register', { ...fields, csrf: form.fields.csrf });
    assert.equal(anon.status, 403);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [email])[0][0], '0');
  });

  it('every field\'s message (PROTOCOL.md §6.11) beside it; typed values kept, the password never', async () => {
    const { b, form } = await openForm('register');
    const r = await b.post(form.action, { ...form.fields, firstName: '', lastName: 'x'.repeat(129), email: 'not-an-email', password: 'short' });
    assertFieldError(r, 'firstName', 'First name must be between 1 and 128 characters');
    assertFieldError(r, 'lastName', 'Last name must be between 1 and 128 characters');
    assertFieldError(r, 'email', 'Valid email address between 3 and 72 characters is required');
    assertFieldError(r, 'password', 'Password must be between 8 and 72 characters');
    assert.match(r.text, /value="not-an-email"/);
    assert.doesNotMatch(r.text, /value="short"/);
  });

  it('a breached password and an email already registered are refused beside their field', async () => {
    const { email } = memberUser('pg-dup');
    const { b, form } = await openForm('register');
    const breached = await b.post(form.action, { ...form.fields, firstName: 'A', lastName: 'B', email: uniqueEmail('pg-br'), password: 'password1' });
    assertFieldError(breached, 'password', 'Password found in breach database');
    const dup = await b.post(form.action, { ...form.fields, firstName: 'A', lastName: 'B', email: email.toUpperCase(), password: TEST_PASSWORD });
    assertFieldError(dup, 'email', 'Email already registered');
  });

  it('register → new project → signed in: the project, its admin membership, the welcome email', async () => {
    const { b, email, userId, projectId, projectName } = await registerWithProject();
    const account = await b.get('account');
    assert.equal(account.status, 200, account.text);
    assertPageHeaders(account);
    assert.match(account.text, new RegExp(`Signed in as <strong>Grace Hopper</strong> in ${projectName}`));
    const [[admin, profileType]] = dbQuery('SELECT admin, profile_type FROM project_membership WHERE user_id = ? AND project_id = ?', [userId, projectId]);
    assert.deepEqual([admin, profileType], ['1', 'Practitioner']);
    // The verification email of the new account, then the project's welcome email.
    const mails = await waitForMail(email, 2);
    assert.ok(mails.some((m) => /^Welcome to /.test(m.subject)), mails.map((m) => m.subject).join(', '));
    assert.match(account.text, /Please confirm your email address/);
  });

  it('names and project names with markup are escaped on every page', async () => {
    const first = '<script>alert(1)</script>';
    const last = '"><img src=x onerror=alert(2)>';
    const projectName = `<b>Lab</b> & "Co" ${uniqueName('x')}`;
    const { b } = await registerWithProject({ first, last, projectName });
    const account = await b.get('account');
    assert.equal(account.status, 200);
    assert.doesNotMatch(account.text, /<script>|<img src=x|<b>Lab/);
    assert.ok(account.text.includes('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;'), account.text);
    assert.ok(account.text.includes('&lt;b&gt;Lab&lt;&#x2F;b&gt; &amp; &quot;Co&quot;'), account.text);
    // and typed back into a refused form
    const { b: b2, form } = await openForm('register');
    const r = await b2.post(form.action, { ...form.fields, firstName: first, lastName: last, email: 'x', password: 'p' });
    assert.equal(r.status, 400);
    assert.doesNotMatch(r.text, /<script>|<img src=x/);
  });

  it('the project page needs the browser that made the account', async () => {
    const r = await new Browser().get('register/project');
    assert.equal(r.status, 403, r.text);
    assertPageHeaders(r);
    const b = new Browser();
    b.cookies.set('tessera-register', `${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}.${'a'.repeat(64)}`);
    const forged = await b.get('register/project');
    assert.equal(forged.status, 403);
    const { form } = await openForm('register', b);
    const post = await b.post('register/project', { csrf: form.fields.csrf, projectName: 'Stolen project' });
    assert.equal(post.status, 403);
  });

  it('project name: the spec\'s message beside the field', async () => {
    const email = uniqueEmail('pg-pn');
    const { b, form } = await openForm('register');
    assertSeeOther(await b.post(form.action, { ...form.fields, firstName: 'A', lastName: 'B', email, password: TEST_PASSWORD }), 'register/project');
    const p = await openForm('register/project', b);
    assertFieldError(await b.post(p.form.action, { ...p.form.fields, projectName: 'abc' }), 'projectName', 'Project name must be between 4 and 72 characters');
  });
});

describe('register: a patient of a project open to registration', () => {
  it('?projectId= of an open project: a project-scoped user with a Patient membership, signed in', async () => {
    const { projectId, policyId } = createOpenProject('pg-open');
    const [[name]] = dbQuery('SELECT name FROM project WHERE id = ?', [projectId]);
    const { b, page, form } = await openForm(`register?projectId=${projectId}`);
    assert.match(page.text, new RegExp(`Register with ${name}`));
    assert.equal(form.fields.projectId, projectId);
    const email = uniqueEmail('pg-patient');
    const r = await b.post(form.action, { ...form.fields, firstName: 'Pat', lastName: 'Ient', email, password: TEST_PASSWORD });
    assertSeeOther(r, 'account');
    const rows = dbQuery(
      `SELECT m.profile_type, m.access_policy_id, m.admin FROM user u JOIN project_membership m ON m.user_id = u.id
        WHERE u.email = ? AND u.project_id = ?`,
      [email, projectId],
    );
    assert.deepEqual(rows, [['Patient', policyId, '0']]);
    const account = await b.get('account');
    assert.match(account.text, /Signed in as <strong>Pat Ient<\/strong>/);
  });

  it('a project without open registration → 403; unknown → 404; a malformed id → 400', async () => {
    const closed = createProject(uniqueName('pg-closed'));
    const r = await http(`register?projectId=${closed}`);
    assert.equal(r.status, 403, r.text);
    assert.match(r.text, /Project does not allow open registration/);
    assert.equal((await http(`register?projectId=${crypto.randomUUID()}`)).status, 404);
    const bad = await http('register?projectId=%3Cscript%3E');
    assert.equal(bad.status, 400);
    assertPageHeaders(bad);
    assert.doesNotMatch(bad.text, /<script>/);
    // posting another project's id in the form is checked again
    const { b, form } = await openForm('register');
    const post = await b.post(form.action, { ...form.fields, projectId: closed, firstName: 'A', lastName: 'B', email: uniqueEmail('pg-c'), password: TEST_PASSWORD });
    assert.equal(post.status, 403);
  });
});

describe('reset password: the form, the email, the link', () => {
  it('the same answer whether or not the account exists; the email carries <appBaseUrl>setpassword/<id>/<secret>', async () => {
    const u = memberUser('pg-reset');
    const { b, form } = await openForm('resetpassword');
    const unknown = await b.post(form.action, { ...form.fields, email: uniqueEmail('pg-nobody') });
    const known = await b.post(form.action, { ...form.fields, email: u.email });
    for (const r of [unknown, known]) assertSeeOther(r, 'resetpassword/sent');
    assert.equal(unknown.text, known.text);
    const sent = await b.get('resetpassword/sent');
    assert.equal(sent.status, 200);
    assert.match(sent.text, /If an account exists for that address/);
    const [mail] = await waitForMail(u.email);
    assert.match(mail.subject, /Password Reset/);
    const link = mail.text.match(/(\S+setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32})/)?.[1];
    assert.ok(link?.startsWith(`${APP_BASE}setpassword/`), mail.text);
  });

  it('a bad email beside the field; no CSRF token → 403', async () => {
    const { b, form } = await openForm('resetpassword');
    assertFieldError(await b.post(form.action, { ...form.fields, email: 'nope' }), 'email', 'Valid email address between 3 and 72 characters is required');
    assert.equal((await b.post(form.action, { email: 'a@example.com' })).status, 403);
  });
});

describe('set password: /setpassword/:id/:secret', () => {
  it('new password twice → set, single use, sign in with it; the old one and old sessions end', async () => {
    const u = memberUser('pg-set');
    const before = await signIn(u, { clientId: undefined });
    const { id, secret } = createSecurityRequest({ type: 'reset', userId: u.userId });
    const path = `setpassword/${id}/${secret}`;
    const { b, page, form } = await openForm(path);
    assert.ok(page.text.includes(u.email), 'says whose password');
    assert.match(page.text, /<input id="password"[^>]*autocomplete="new-password"[^>]*autofocus/);
    assertFieldError(await b.post(form.action, { ...form.fields, password: NEW_PASSWORD, confirm: 'something-else' }), 'confirm', 'The passwords do not match');
    assertFieldError(await b.post(form.action, { ...form.fields, password: 'short', confirm: 'short' }), 'password', 'Invalid password, must be at least 8 characters');
    assertFieldError(await b.post(form.action, { ...form.fields, password: 'x'.repeat(73), confirm: 'x'.repeat(73) }), 'password', 'Password must be no more than 72 characters');
    assertFieldError(await b.post(form.action, { ...form.fields, password: 'password1', confirm: 'password1' }), 'password', 'Password found in breach database');
    assert.equal(dbQuery('SELECT used FROM security_request WHERE id = ?', [id])[0][0], '0', 'refusals do not spend the link');
    assertSeeOther(await b.post(form.action, { ...form.fields, password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'setpassword/done');
    const done = await b.get('setpassword/done');
    assert.equal(done.status, 200);
    assert.ok(done.text.includes(`href="${APP_BASE.replaceAll('/', '&#x2F;')}signin"`), 'links to sign in');
    assert.equal((await authMe(before.tokens.access_token)).status, 401, 'sessions from before end');
    // used: the GET and the POST both refuse it
    const again = await http(path);
    assert.equal(again.status, 410, again.text);
    assertPageHeaders(again);
    assert.match(again.text, /already been used/);
    assert.equal((await b.post(form.action, { ...form.fields, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).status, 410);
    await pageSignIn(u.email, NEW_PASSWORD);
    const { form: f2, b: b2 } = await openForm('signin');
    assert.equal((await b2.post(f2.action, { ...f2.fields, email: u.email, password: TEST_PASSWORD })).status, 400);
  });

  it('expired, wrong secret, unknown, malformed and wrong-type links: 4xx pages, never a form', async () => {
    const u = memberUser('pg-bad');
    const expired = createSecurityRequest({ type: 'reset', userId: u.userId });
    dbExec('UPDATE security_request SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [expired.id]);
    const r = await http(`setpassword/${expired.id}/${expired.secret}`);
    assert.equal(r.status, 410, r.text);
    assert.match(r.text, /This link has expired/);
    const ok = createSecurityRequest({ type: 'reset', userId: u.userId });
    const verify = createSecurityRequest({ type: 'verify-email', userId: u.userId });
    for (const path of [
      `setpassword/${ok.id}/${'0'.repeat(32)}`,
      `setpassword/${crypto.randomUUID()}/${ok.secret}`,
      `setpassword/not-a-uuid/${ok.secret}`,
      `setpassword/${verify.id}/${verify.secret}`,
      `setpassword/${ok.id}/%3Cscript%3Ealert(1)%3C%2Fscript%3E`,
      `setpassword/${ok.id}/${'a'.repeat(3000)}`,
    ]) {
      const bad = await http(path);
      assert.ok(bad.status >= 400 && bad.status < 500, `${path.slice(0, 80)}: ${bad.status}`);
      assert.doesNotMatch(bad.text, /<form|<script>/);
    }
    assert.equal(dbQuery('SELECT used FROM security_request WHERE id = ?', [ok.id])[0][0], '0');
  });

  it('an invite link sets the first password too', async () => {
    const email = uniqueEmail('pg-invite');
    const userId = createUser({ email });
    addMember({ project: createProject(uniqueName('pg-inv')), user: userId });
    const { id, secret } = createSecurityRequest({ type: 'invite', userId });
    const { b, form } = await openForm(`setpassword/${id}/${secret}`);
    assertSeeOther(await b.post(form.action, { ...form.fields, password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'setpassword/done');
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE id = ?', [userId])[0][0], '1');
    await pageSignIn(email, NEW_PASSWORD);
  });
});

describe('verify email: /verifyemail/:id/:secret', () => {
  it('GET asks (does not spend the link), the button confirms, the link is then used', async () => {
    const u = memberUser('pg-verify');
    const { id, secret } = createSecurityRequest({ type: 'verify-email', userId: u.userId });
    const path = `verifyemail/${id}/${secret}`;
    const { b, page, form } = await openForm(path);
    assert.ok(page.text.includes(u.email));
    assert.equal(dbQuery('SELECT used FROM security_request WHERE id = ?', [id])[0][0], '0');
    assert.equal((await b.post(form.action, {})).status, 403, 'CSRF');
    assertSeeOther(await b.post(form.action, form.fields), 'verifyemail/done');
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE id = ?', [u.userId])[0][0], '1');
    assert.equal((await b.get('verifyemail/done')).status, 200);
    assert.equal((await http(path)).status, 410);
    assert.equal((await b.post(form.action, form.fields)).status, 410);
    const reset = createSecurityRequest({ type: 'reset', userId: u.userId });
    assert.equal((await http(`verifyemail/${reset.id}/${reset.secret}`)).status, 400, 'a reset link is not a verify link');
  });
});

describe('the page session: /account, sign out, /changepassword', () => {
  it('without a session /account and /changepassword send the browser to /signin', async () => {
    for (const path of ['account', 'changepassword']) assertSeeOther(await http(path), 'signin');
    const b = new Browser();
    b.cookies.set('tessera-session', `${crypto.randomUUID()}.${'a'.repeat(64)}`);
    assertSeeOther(await b.get('changepassword'), 'signin');
    const { form } = await openForm('signin', b);
    assertSeeOther(await b.post('changepassword', { csrf: form.fields.csrf, oldPassword: 'x', password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'signin');
  });

  it('change password: old one checked, new one twice; other sessions end, this one stays', async () => {
    const u = memberUser('pg-change');
    const other = await signIn(u, { clientId: undefined });
    const b = await pageSignIn(u.email, TEST_PASSWORD);
    const { page, form } = await openForm('changepassword', b);
    assert.match(page.text, /<input id="oldPassword"[^>]*autocomplete="current-password"[^>]*autofocus/);
    assertFieldError(await b.post(form.action, { ...form.fields, oldPassword: 'wrong-password', password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'oldPassword', 'Incorrect password');
    assertFieldError(await b.post(form.action, { ...form.fields, oldPassword: TEST_PASSWORD, password: NEW_PASSWORD, confirm: 'nope-nope' }), 'confirm', 'The passwords do not match');
    assertFieldError(await b.post(form.action, { ...form.fields, oldPassword: TEST_PASSWORD, password: 'password1', confirm: 'password1' }), 'password', 'Password found in breach database');
    assertFieldError(await b.post(form.action, { ...form.fields, oldPassword: '', password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'oldPassword', 'Enter your current password');
    assert.equal((await b.post(form.action, { oldPassword: TEST_PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD })).status, 403);
    assertSeeOther(await b.post(form.action, { ...form.fields, oldPassword: TEST_PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD }), 'changepassword/done');
    assert.equal((await b.get('changepassword/done')).status, 200);
    assert.equal((await authMe(other.tokens.access_token)).status, 401, 'the other session ended');
    assert.equal((await b.get('account')).status, 200, 'this session goes on');
    await pageSignIn(u.email, NEW_PASSWORD);
  });

  it('sign out revokes the session; a session past its time or revoked is no session', async () => {
    const u = memberUser('pg-out');
    const b = await pageSignIn(u.email, TEST_PASSWORD);
    const { form } = await openForm('account', b);
    assert.equal((await b.post('account', {})).status, 403);
    const session = b.cookies.get('tessera-session');
    assertSeeOther(await b.post('account', form.fields), 'signin');
    assert.ok(!b.cookies.has('tessera-session'));
    const stale = new Browser();
    stale.cookies.set('tessera-session', session);
    assertSeeOther(await stale.get('account'), 'signin');
    // 8 hours after sign-in the session is over, whatever the cookie says
    const b2 = await pageSignIn(u.email, TEST_PASSWORD);
    const loginId = b2.cookies.get('tessera-session').split('.')[0];
    dbExec('UPDATE login SET auth_time = auth_time - INTERVAL 9 HOUR WHERE id = ?', [loginId]);
    assertSeeOther(await b2.get('account'), 'signin');
  });
});

describe('bad input on the pages: the exact refusal, never a 5xx', () => {
  it('malformed bodies, encodings and parameters', async () => {
    const { b, form } = await openForm('register');
    const ENCODING = 'Invalid encoding: text must be valid UTF-8 without NUL bytes';
    // [method, path, body, status, what the answer must say: the page's alert, a field's
    // error, the OperationOutcome's text, or where a 303 goes]
    const cases = [
      ['POST', 'register', 'csrf=%zz', 400, { alert: ENCODING }],
      ['POST', 'register', `csrf=${form.fields.csrf}&firstName=%C0%AF`, 400, { alert: ENCODING }],
      // A NUL in the email: refused as an encoding error, not a registration (a 303 would be one).
      ['POST', 'register', `csrf=${form.fields.csrf}&email=a%00b`, 400, { alert: ENCODING }],
      ['POST', 'resetpassword', `csrf=${form.fields.csrf}&email=${'a'.repeat(5000)}%40example.com`, 400, { field: 'Valid email address between 3 and 72 characters is required' }],
      ['POST', 'resetpassword', `csrf=${form.fields.csrf}&projectId=zzz&email=a%40example.com`, 400, { alert: 'This link names no project' }],
      // Without a session the change-password form goes to the sign-in page before reading anything.
      ['POST', 'changepassword', `csrf=${form.fields.csrf}&oldPassword[]=1`, 303, { location: 'signin' }],
      ['GET', 'resetpassword?projectId=%3Cx%3E', undefined, 400, { alert: 'This link names no project' }],
      // Refused by the web server (lighttpd) or the program: a 400 either way.
      ['GET', `setpassword/${'%FF'.repeat(4)}/x`, undefined, 400, {}],
      ['PUT', 'register', 'x=1', 405, { outcome: 'Method not allowed' }],
    ];
    for (const [method, path, body, status, says] of cases) {
      const what = `${method} ${path.slice(0, 60)}`;
      const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: b.header() };
      const r = await http(path, { method, headers, body });
      assert.equal(r.status, status, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
      if (says.alert) {
        assertPageHeaders(r);
        assert.equal(decodeHtml(r.text.match(/<p class="message" role="alert">([^<]*)<\/p>/)?.[1] ?? ''), says.alert, what);
      }
      if (says.field) {
        assertPageHeaders(r);
        assert.equal(decodeHtml(r.text.match(/<p class="error" id="[^"]*-error">([^<]*)<\/p>/)?.[1] ?? ''), says.field, what);
      }
      if (says.outcome) assert.equal(r.json?.issue?.[0]?.details?.text, says.outcome, what);
      if (says.location) assert.equal(r.headers.get('location'), appBase() + says.location, what);
    }
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', ['a\0b'])[0][0], '0', 'no user registered');
  });
});
