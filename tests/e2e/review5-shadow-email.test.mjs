// SPDX-License-Identifier: BSD-2-Clause
// Review 5: SCIM (and the resource API) could give a project-scoped user the email of a
// server-scoped user who is already a member of the same project: two accounts of one address in
// one project, so a password sign-in to that project became ambiguous, and the caller's own
// project account could shadow the member (the project-scoped account is looked up first).
// PROTOCOL.md §10.4: a create, PUT or PATCH that would give the project's user the email of another
// live member of the project is 409 `uniqueness`, as a userName collision is; the resource API's
// User create and update are 409 `Email already registered`; nothing is written. The invite already
// refused the same collision both ways (§9.1); checked here as a regression.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_PASSWORD, addMember, authLogin, bearer, createOpenProject, createUser, clientCredentialsToken, createSigninFixture, dbQuery, http, pkcePair, postJson,
  signIn, tesseraAdmin, uniqueEmail, uniqueName,
} from './lib.mjs';
import { api, member } from './fhir-lib.mjs';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let fx; // project P and its server-scoped, password-holding member (the one to shadow)
let directory; // P's SCIM client
let admin; // a project admin of P, signed in (resource API and invite)

function scim(path, { method = 'GET', body } = {}) {
  return http(`scim/v2/${path}`, { method, body: body && JSON.stringify(body),
    headers: { Accept: SCIM, Authorization: directory, ...(body ? { 'Content-Type': SCIM } : {}) } });
}

function assertUniqueness(r) {
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json?.scimType, 'uniqueness', r.text);
}

/** Accounts holding this address (any scope) with a live membership in P. */
function membersWithEmail(email) {
  return dbQuery('SELECT u.id FROM project_membership m JOIN user u ON u.id = m.user_id WHERE m.project_id = ? AND u.email = ? '
    + 'AND m.deprovisioned_at IS NULL', [fx.projectId, email.toLowerCase()]).map((r) => r[0]);
}

/** A fresh SCIM user of P with an address of its own: its SCIM id. */
async function provisioned() {
  const userName = uniqueEmail('r5-dir');
  const r = await scim('Users', { method: 'POST', body: { schemas: [USER], userName, name: { givenName: 'Dee', familyName: 'Rectory' },
    emails: [{ value: userName, primary: true }] } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** The member still signs in to P with their password, as themselves. */
async function assertMemberSignsIn() {
  const pkce = pkcePair();
  const r = await authLogin({ email: fx.email, password: TEST_PASSWORD, projectId: fx.projectId, pkce });
  assert.equal(r.status, 200, r.text);
  const login = r.json.login ?? null;
  const code = r.json.code;
  assert.ok(code || login, r.text);
  assert.deepEqual(membersWithEmail(fx.email), [fx.userId], 'one account of this address in the project');
}

before(async () => {
  fx = createSigninFixture('r5-shadow');
  const out = tesseraAdmin('client', 'create', '--project', fx.projectId, '--name', uniqueName('r5-scim'), '--admin', 'true');
  const id = out.match(/client_id:\s*(\S+)/)[1], secret = out.match(/client_secret:\s*([0-9a-f]{64})/)[1];
  directory = bearer((await clientCredentialsToken(id, secret)).access_token);
  // A project admin of P (another server account).
  const email = uniqueEmail('r5-shadow-admin');
  addMember({ project: fx.projectId, user: createUser({ email, password: TEST_PASSWORD }), admin: true });
  const { tokens } = await signIn({ email, password: TEST_PASSWORD, clientId: fx.clientId });
  admin = tokens.access_token;
});

describe('no second account of a member\'s email in the project (§10.4)', () => {
  it('SCIM create with the member\'s email, in any case: 409 uniqueness, nothing made', async () => {
    for (const value of [fx.email, fx.email.toUpperCase()]) {
      const r = await scim('Users', { method: 'POST', body: { schemas: [USER], userName: uniqueName('r5-c'), emails: [{ value }] } });
      assertUniqueness(r);
    }
    await assertMemberSignsIn();
  });

  it('SCIM PUT giving a provisioned user the member\'s email: 409 uniqueness, the user unchanged', async () => {
    const u = await provisioned();
    for (const value of [fx.email, fx.email.toUpperCase()]) {
      const r = await scim(`Users/${u.id}`, { method: 'PUT', body: { schemas: [USER], userName: u.userName, emails: [{ value }] } });
      assertUniqueness(r);
    }
    assert.equal((await scim(`Users/${u.id}`)).json.emails[0].value, u.emails[0].value, 'nothing changed');
    await assertMemberSignsIn();
  });

  it('SCIM PATCH (each path shape) giving the member\'s email: 409 uniqueness, the user unchanged', async () => {
    const u = await provisioned();
    const shapes = [
      { op: 'replace', path: 'emails', value: [{ value: fx.email, primary: true }] },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: fx.email },
      { op: 'add', path: 'emails.value', value: fx.email.toUpperCase() },
      { op: 'replace', value: { 'emails[type eq "work"].value': fx.email } },
    ];
    for (const op of shapes) {
      const r = await scim(`Users/${u.id}`, { method: 'PATCH', body: { schemas: [PATCH], Operations: [op] } });
      assertUniqueness(r);
    }
    assert.equal((await scim(`Users/${u.id}`)).json.emails[0].value, u.emails[0].value, 'nothing changed');
    await assertMemberSignsIn();
  });

  it('the user\'s own address, unchanged or in another case, still passes', async () => {
    const u = await provisioned();
    const r = await scim(`Users/${u.id}`, { method: 'PUT', body: { schemas: [USER], userName: u.userName,
      name: { givenName: 'New', familyName: 'Name' }, emails: [{ value: u.emails[0].value.toUpperCase() }] } });
    assert.equal(r.status, 200, r.text);
  });

  it('the resource API: a project User created or updated with the member\'s email is 409, nothing written', async () => {
    const made = await api(admin, 'POST', 'User', { resourceType: 'User', email: fx.email, firstName: 'Sha', lastName: 'Dow' });
    assert.equal(made.status, 409, made.text);
    assert.equal(made.json.issue[0].details.text, 'Email already registered');
    const u = await provisioned();
    const userId = dbQuery('SELECT user_id FROM project_membership WHERE id = ?', [u.id])[0][0];
    const read = await api(admin, 'GET', `User/${userId}`);
    assert.equal(read.status, 200, read.text);
    const body = { ...read.json, email: fx.email.toUpperCase() };
    delete body.meta;
    // A project admin cannot change a User's email at all (read-only for them): kept.
    let put = await api(admin, 'PUT', `User/${userId}`, body);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.email, u.emails[0].value);
    // A super admin can: not to a member's address of the user's project.
    const sup = await member('r5-shadow-sup', { superAdmin: true });
    const again = (await api(sup.token, 'GET', `User/${userId}`)).json;
    delete again.meta;
    put = await api(sup.token, 'PUT', `User/${userId}`, { ...again, email: fx.email.toUpperCase() });
    assert.equal(put.status, 409, put.text);
    assert.equal(put.json.issue[0].details.text, 'Email already registered');
    assert.equal(dbQuery('SELECT email FROM user WHERE id = ?', [userId])[0][0], u.emails[0].value);
    await assertMemberSignsIn();
  });

  it('the resource API: a ProjectMembership bringing in a server account with a member\'s email is 409', async () => {
    const u = await provisioned();
    const server = createUser({ email: u.emails[0].value, password: TEST_PASSWORD }); // another scope: allowed
    const r = await api(admin, 'POST', 'ProjectMembership', { resourceType: 'ProjectMembership',
      user: { reference: `User/${server}` }, profile: { reference: `Practitioner/${fx.profileId}` } });
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.issue[0].details.text, 'Email already registered');
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE user_id = ?', [server])[0][0], '0');
    // An account of its own address joins as before.
    const other = createUser({ email: uniqueEmail('r5-joins'), password: TEST_PASSWORD });
    const ok = await api(admin, 'POST', 'ProjectMembership', { resourceType: 'ProjectMembership',
      user: { reference: `User/${other}` }, profile: { reference: `Practitioner/${fx.profileId}` } });
    assert.equal(ok.status, 201, ok.text);
  });

  it('self-registration into an open project with a member\'s email: 400 Email already registered, nothing made', async () => {
    const open = createOpenProject('r5-open');
    const email = uniqueEmail('r5-open-member');
    const member = createUser({ email, password: TEST_PASSWORD });
    addMember({ project: open.projectId, user: member, profile: 'Patient' });
    const pkce = pkcePair();
    const body = { firstName: 'Sha', lastName: 'Dow', password: 'another-horse-battery-7', projectId: open.projectId,
      codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' };
    for (const e of [email, email.toUpperCase()]) {
      const r = await postJson('auth/newuser', { ...body, email: e }, { 'Content-Type': 'application/fhir+json' });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.issue[0].details.text, 'Email already registered');
    }
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [email])[0][0], '1');
    // The member still signs in to the project with their password.
    const r = await authLogin({ email, password: TEST_PASSWORD, projectId: open.projectId, pkce: pkcePair() });
    assert.equal(r.status, 200, r.text);
    // An address no member has registers as before.
    const fresh = await postJson('auth/newuser', { ...body, email: uniqueEmail('r5-open-new') }, { 'Content-Type': 'application/fhir+json' });
    assert.equal(fresh.status, 200, fresh.text);
  });

  it('invites (regression): a project-scope invite of the member\'s email, and a server invite of a SCIM user\'s, are 409', async () => {
    const h = { Authorization: bearer(admin) };
    let r = await postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Patient', firstName: 'Sha', lastName: 'Dow',
      email: fx.email, sendEmail: false }, h);
    assert.equal(r.status, 409, r.text);
    const u = await provisioned();
    r = await postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Sha', lastName: 'Dow',
      email: u.emails[0].value, sendEmail: false }, h);
    assert.equal(r.status, 409, r.text);
    await assertMemberSignsIn();
  });
});
