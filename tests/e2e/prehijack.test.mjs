// SPDX-License-Identifier: BSD-2-Clause
// Account pre-hijacking (issue 14, finding 3): anyone can self-register an address they do not
// own. Such an account is unverified and its address gets a verification link; an admin invite
// for that address resets it (the squatter's password and sessions end, the invitee gets a
// set-password link), so the membership never reaches the squatter; a project can refuse
// sign-in to unverified accounts (emailVerificationRequired, off by default); the pages say
// what to do.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  Browser,
  TEST_PASSWORD,
  appBase,
  assertBadRequest,
  authLogin,
  authMe,
  bearer,
  createOpenProject,
  createSigninFixture,
  dbExec,
  dbQuery,
  formOf,
  http,
  loadMedplum,
  pkcePair,
  postJson,
  quietPkceWarning,
  signIn,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

const APP_BASE = appBase();
const FHIR = { 'Content-Type': 'application/fhir+json' };
const SQUATTER_PASSWORD = 'Squatter_Owns_This_81';
const VICTIM_PASSWORD = 'Rightful_Owner_Lake_27';

function sdk() {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
}

/** A project admin signed in through the JSON API (a bearer token for the admin API). */
async function adminFixture(prefix) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  fx.headers = { Authorization: bearer(tokens.access_token), ...FHIR };
  return fx;
}

/** The messages to an address whose text has a link of this kind: [{ id, secret, text }]. */
function linksIn(mails, kind) {
  const re = new RegExp(`(\\S*)${kind}/([0-9a-f-]{36})/([0-9a-f]{32})`);
  return mails.map((m) => ({ m, found: m.text.match(re) })).filter((x) => x.found)
    .map(({ m, found }) => ({ base: found[1], id: found[2], secret: found[3], text: m.text, subject: m.subject }));
}

describe('self-registration is unverified and verified by email', () => {
  it('newuser: emailVerified false, a verify-email link under app_base_url reaches the address, and it verifies', async () => {
    const email = uniqueEmail('ph-reg');
    const pkce = pkcePair();
    const r = await postJson('auth/newuser', {
      firstName: 'Sam', lastName: 'Squat', email, password: SQUATTER_PASSWORD,
      codeChallenge: pkce.challenge, codeChallengeMethod: 'S256',
    }, FHIR);
    assert.equal(r.status, 200, r.text);
    const [[userId, verified]] = dbQuery('SELECT id, email_verified FROM user WHERE email = ?', [email]);
    assert.equal(verified, '0', 'a self-registered address is not verified');
    const mails = await waitForMail(email);
    const [link] = linksIn(mails, 'verifyemail');
    assert.ok(link, `a verification link in: ${mails.map((m) => m.text).join('\n---\n')}`);
    assert.equal(link.base, APP_BASE);
    const row = dbQuery('SELECT type, user_id, used FROM security_request WHERE id = ?', [link.id]);
    assert.deepEqual(row, [['verify-email', userId, '0']]);
    // The page asks first (a GET never spends the link), the JSON route verifies.
    const page = await http(`verifyemail/${link.id}/${link.secret}`);
    assert.equal(page.status, 200, page.text);
    const ok = await postJson('auth/verifyemail', { id: link.id, secret: link.secret }, FHIR);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE id = ?', [userId])[0][0], '1');
  });
});

describe('an invite to a squatted address', () => {
  it("resets the squatter's account: password and sessions end; the invitee's link gets the admin membership", async () => {
    const admin = await adminFixture('ph-adm');
    const victim = uniqueEmail('ph-victim');
    // The squatter registers the victim's address, makes a project and holds a session.
    const squatter = sdk();
    const reg = await squatter.startNewUser({ firstName: 'Vic', lastName: 'Tim', email: victim, password: SQUATTER_PASSWORD });
    const proj = await squatter.startNewProject({ login: reg.login, projectName: uniqueName('squat') });
    await squatter.processCode(proj.code);
    const squatterToken = squatter.getAccessToken();
    assert.equal((await authMe(squatterToken)).status, 200);
    const before = (await waitForMail(victim, 2)).length;

    // The admin invites the address, with admin rights.
    const inv = await postJson(`admin/projects/${admin.projectId}/invite`, {
      resourceType: 'Practitioner', firstName: 'Vic', lastName: 'Tim', email: victim, admin: true,
    }, admin.headers);
    assert.equal(inv.status, 200, inv.text);

    // The squatter is out: the session ends and the password no longer signs in.
    assert.equal((await authMe(squatterToken)).status, 401, "the squatter's session ended");
    const again = await authLogin({ email: victim, password: SQUATTER_PASSWORD, pkce: pkcePair() }, FHIR);
    assertBadRequest(again, 'Email or password is invalid');

    // The address's owner gets a set-password link, and with it the admin membership.
    const mails = await waitForMail(victim, before + 1);
    const [link] = linksIn(mails.slice(before), 'setpassword');
    assert.ok(link, `a set-password link in the invite: ${mails.slice(before).map((m) => m.text).join('\n---\n')}`);
    assert.equal(link.base, APP_BASE);
    const set = await postJson('auth/setpassword', { id: link.id, secret: link.secret, password: VICTIM_PASSWORD }, FHIR);
    assert.equal(set.status, 200, set.text);
    const owner = sdk();
    const login = await owner.startLogin({ email: victim, password: VICTIM_PASSWORD, projectId: admin.projectId });
    await owner.processCode(login.code);
    assert.equal(owner.getProject().id, admin.projectId);
    assert.equal(owner.isProjectAdmin(), true);
    assert.equal(dbQuery('SELECT email_verified FROM user WHERE email = ? AND project_id IS NULL', [victim])[0][0], '1');
  });
});

describe('project setting emailVerificationRequired', () => {
  it('off by default; on, an unverified account cannot sign in to the project (API and page say why) until verified', async () => {
    const admin = await adminFixture('ph-set');
    const settingsPath = `admin/projects/${admin.projectId}/settings`;
    const fx = createSigninFixture('ph-unv');
    // Move the unverified member into the admin's project.
    dbExec('UPDATE project_membership SET project_id = ? WHERE id = ?', [admin.projectId, fx.membershipId]);
    dbExec('UPDATE user SET email_verified = FALSE WHERE id = ?', [fx.userId]);
    const got = await http(settingsPath, { headers: admin.headers });
    assert.equal(got.json?.emailVerificationRequired, false, got.text);
    const off = await authLogin({ email: fx.email, password: fx.password, pkce: pkcePair() }, FHIR);
    assert.ok(off.json?.code, `default off: the SDK flow works: ${off.text}`);

    const on = await postJson(settingsPath, { emailVerificationRequired: true }, admin.headers);
    assert.equal(on.status, 200, on.text);
    assert.equal(on.json.emailVerificationRequired, true);
    assertBadRequest(await postJson(settingsPath, { emailVerificationRequired: 'maybe' }, admin.headers),
      'Invalid emailVerificationRequired');

    const refused = await authLogin({ email: fx.email, password: fx.password, pkce: pkcePair() }, FHIR);
    assertBadRequest(refused, 'Email not verified');
    // The page says what to do.
    const b = new Browser();
    const form = formOf((await b.get('signin')).text);
    const page = await b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
    assert.equal(page.status, 400, page.text);
    assert.match(page.text, /confirm your email address/i);
    assert.match(page.text, /resetpassword/);
    // The admin sees nothing else change: their own (verified) sign-in still works.
    assert.ok((await authLogin({ email: admin.email, password: admin.password, pkce: pkcePair() }, FHIR)).json?.code);

    dbExec('UPDATE user SET email_verified = TRUE WHERE id = ?', [fx.userId]);
    const verified = await authLogin({ email: fx.email, password: fx.password, pkce: pkcePair() }, FHIR);
    assert.ok(verified.json?.code, verified.text);
  });

  it('patient registration in such a project: the membership is made, no code until the address is verified', async () => {
    const { projectId } = createOpenProject('ph-pat');
    dbExec('UPDATE project SET email_verification_required = TRUE WHERE id = ?', [projectId]);
    const email = uniqueEmail('ph-pat');
    const pkce = pkcePair();
    const r = await postJson('auth/newuser', {
      firstName: 'Pat', lastName: 'Ient', email, password: TEST_PASSWORD, projectId,
      codeChallenge: pkce.challenge, codeChallengeMethod: 'S256',
    }, FHIR);
    assert.equal(r.status, 200, r.text);
    const p = await postJson('auth/newpatient', { login: r.json.login, projectId }, FHIR);
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(p.json, { login: r.json.login, emailVerificationRequired: true });
    assert.equal(dbQuery("SELECT COUNT(*) FROM project_membership m JOIN user u ON u.id = m.user_id WHERE u.email = ? AND m.project_id = ?",
      [email, projectId])[0][0], '1');
    const [link] = linksIn(await waitForMail(email), 'verifyemail');
    assert.ok(link);
    assert.equal((await postJson('auth/verifyemail', { id: link.id, secret: link.secret }, FHIR)).status, 200);
    const login = await authLogin({ email, password: TEST_PASSWORD, projectId, pkce: pkcePair() }, FHIR);
    assert.ok(login.json?.code, login.text);
  });
});

describe('the pages say what to do', () => {
  it('after /register the account page asks to confirm the address', async () => {
    const b = new Browser();
    const email = uniqueEmail('ph-page');
    const form = formOf((await b.get('register')).text);
    const r = await b.post(form.action, { ...form.fields, firstName: 'Page', lastName: 'Reg', email, password: TEST_PASSWORD });
    assert.equal(r.status, 303, r.text);
    const pf = formOf((await b.get(r.headers.get('location').slice(APP_BASE.length))).text);
    const done = await b.post(pf.action, { ...pf.fields, projectName: uniqueName('Page Project') });
    assert.equal(done.status, 303, done.text);
    const account = await b.get('account');
    assert.equal(account.status, 200, account.text);
    assert.match(account.text, /confirm your email address/i);
    assert.ok(account.text.includes(email), account.text);
  });
});
