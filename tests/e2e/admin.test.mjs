// SPDX-License-Identifier: BSD-2-Clause
// The admin API (PROTOCOL.md §9, tessera-manage): invite with the unmodified SDK (new user: the
// emailed link sets the password, then the user signs in; existing user), every 409 and
// validation text, authorization (401, 403 for non-admins and other projects' admins, super
// admins anywhere), clients (secret once, stored hashed), bots, members (read, replace,
// delete: its tokens stop working), admin and super-admin setpassword, purge, email template
// overrides and the brand name, escaping in the HTML part, bad input.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  TEST_PASSWORD,
  addMember,
  assertBadRequest,
  assertNotFound,
  assertUnauthorized,
  authMe,
  bearer,
  clientCredentialsToken,
  createFixture,
  createProject,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http,
  keyedHash,
  loadMedplum,
  mailTo,
  outboxCount,
  postJson,
  quietPkceWarning,
  randomUUID,
  readConfig,
  signIn,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';
import { parseMessage } from './mail-lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

const FHIR = 'application/fhir+json';
const NEW_PASSWORD = 'Tiramisu_Eagle_Orbit_77';
const APP_BASE = (() => {
  const b = readConfig().app_base_url || BASE_URL;
  return b.endsWith('/') ? b : `${b}/`;
})();

function sdk() {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
}

/** A project whose signed-in user is a project admin; `superAdmin` makes the project a super-admin one. */
async function adminFixture(prefix, { superAdmin = false } = {}) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  if (superAdmin) dbExec('UPDATE project SET super_admin = TRUE WHERE id = ?', [fx.projectId]);
  const { tokens } = await signIn(fx);
  fx.token = tokens.access_token;
  fx.headers = { Authorization: bearer(fx.token), 'Content-Type': FHIR };
  return fx;
}

function post(fx, path, body, headers = {}) {
  return postJson(path, body, { ...fx.headers, ...headers });
}

function inviteBody(extra = {}) {
  return { resourceType: 'Practitioner', firstName: 'Grace', lastName: 'Hopper', email: uniqueEmail('invitee'), ...extra };
}

function invite(fx, body, projectId = fx.projectId) {
  return post(fx, `admin/projects/${projectId}/invite`, body);
}

function assertConflict(r, text) {
  assert.equal(r.status, 409, r.text);
  assert.equal(r.json?.id, 'conflict', r.text);
  assert.equal(r.json?.issue?.[0]?.code, 'conflict', r.text);
  assert.equal(r.json?.issue?.[0]?.details?.text, text, r.text);
}

function assertForbidden(r) {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json?.id, 'forbidden', r.text);
  assert.equal(r.json?.issue?.[0]?.details?.text, 'Forbidden', r.text);
}

function assertAllOk(r) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json?.id, 'ok', r.text);
}

function htmlPart(raw) {
  return parseMessage(raw).parts.find((p) => p.type === 'text/html')?.text || '';
}

function policy(projectId) {
  const id = randomUUID();
  dbExec(`INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, 'Nurses', ?)`, [
    id,
    projectId,
    JSON.stringify({ resourceType: 'AccessPolicy', id, name: 'Nurses', resource: [{ resourceType: 'Patient' }] }),
  ]);
  return id;
}

let fx; // one admin fixture for most tests
before(async () => {
  fx = await adminFixture('adm');
});

describe('invite with the SDK', () => {
  it('a new user: ProjectMembership back, the emailed link sets the password, the user signs in', async () => {
    const medplum = sdk();
    const login = await medplum.startLogin({ email: fx.email, password: fx.password });
    await medplum.processCode(login.code);
    const email = uniqueEmail('newbie');
    const m = await medplum.invite(fx.projectId, { resourceType: 'Practitioner', firstName: 'Ada', lastName: 'Lovelace', email });
    assert.equal(m.resourceType, 'ProjectMembership');
    assert.match(m.id, /^[0-9a-f-]{36}$/);
    assert.equal(m.project.reference, `Project/${fx.projectId}`);
    assert.equal(m.user.display, email);
    assert.match(m.profile.reference, /^Practitioner\//);
    assert.equal(m.profile.display, 'Ada Lovelace');
    assert.equal(m.admin, false);
    assert.equal(m.invitedBy.reference, `User/${fx.userId}`);

    const [mail] = await waitForMail(email);
    assert.equal(mail.subject, 'Welcome to Tessera');
    assert.ok(mail.text.includes(`You were invited to ${fx.projectName}`), mail.text);
    const link = mail.text.match(/(\S+)setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
    assert.ok(link, mail.text);
    assert.equal(link[1], APP_BASE);
    const [, , id, secret] = link;
    const row = dbQuery('SELECT type, TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), expires_at), HEX(secret_hash) FROM security_request WHERE id = ?', [id]);
    assert.equal(row[0][0], 'invite');
    assert.ok(Number(row[0][1]) >= 167 && Number(row[0][1]) <= 168, `invite valid 7 days: ${row[0][1]} h`);
    assert.equal(row[0][2].toLowerCase(), keyedHash(secret), 'only the keyed hash is stored');
    // The membership and the outbox row were written together.
    assert.equal(dbQuery("SELECT COUNT(*) FROM email_outbox WHERE recipient = ? AND template = 'invite'", [email])[0][0], '1');

    assertAllOk(await postJson('auth/setpassword', { id, secret, password: NEW_PASSWORD }, { 'Content-Type': FHIR }));
    const user = sdk();
    const res = await user.startLogin({ email, password: NEW_PASSWORD });
    const profile = await user.processCode(res.code);
    assert.equal(`Practitioner/${profile.id}`, m.profile.reference);
    assert.equal(user.getActiveLogin().project.reference, `Project/${fx.projectId}`);
  });

  it('an existing user: reused unchanged, invite-existing email, no link', async () => {
    const email = uniqueEmail('known');
    const userId = createUser({ email, first: 'Kim', last: 'Known', password: TEST_PASSWORD });
    const medplum = sdk();
    medplum.setAccessToken(fx.token);
    const m = await medplum.invite(fx.projectId, { resourceType: 'Practitioner', firstName: 'Kim', lastName: 'Known', email: email.toUpperCase() });
    assert.equal(m.user.reference, `User/${userId}`);
    const [mail] = await waitForMail(email);
    assert.equal(mail.subject, `Tessera: Welcome to ${fx.projectName}`);
    assert.ok(mail.text.includes(`You can sign in here: ${APP_BASE}signin`), mail.text);
    assert.ok(!/setpassword/.test(mail.text));
    assert.equal(dbQuery('SELECT COUNT(*) FROM security_request WHERE user_id = ?', [userId])[0][0], '0');
    // The old password still works, and the new project is among the choices.
    const r = await sdk().startLogin({ email, password: TEST_PASSWORD });
    assert.ok(r.code || r.memberships, JSON.stringify(r));
  });

  it('sendEmail false: no email, but the invite link exists (custom emails, §13.5)', async () => {
    const body = inviteBody({ sendEmail: false });
    const r = await invite(fx, body);
    assert.equal(r.status, 200, r.text);
    const user = r.json.user.reference.split('/')[1];
    assert.equal(dbQuery("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'invite'", [user])[0][0], '1');
    assert.equal(outboxCount(body.email), 0, 'no email queued');
    assert.equal(mailTo(body.email).length, 0);
  });
});

describe('invite: scopes, profiles, memberships, policies', () => {
  it('16 invites into one project at once all succeed, each whole (a lost deadlock is run again, never a 500)', async () => {
    const own = await adminFixture('adm-burst');
    const emails = Array.from({ length: 16 }, (_, i) => uniqueEmail(`burst${i}`));
    const answers = await Promise.all(emails.map((email) => invite(own, inviteBody({ email }))));
    for (const r of answers) assert.equal(r.status, 200, r.text);
    for (const email of emails) {
      const [[n]] = dbQuery(
        'SELECT COUNT(*) FROM user u JOIN project_membership m ON m.user_id = u.id WHERE u.email = ? AND m.project_id = ?',
        [email, own.projectId],
      );
      assert.equal(n, '1', email);
    }
  });

  it('server- vs project-scoped users', async () => {
    const server = await invite(fx, inviteBody());
    assert.equal(server.status, 200, server.text);
    const project = await invite(fx, inviteBody({ scope: 'project' }));
    const patient = await invite(fx, inviteBody({ resourceType: 'Patient' }));
    assert.equal(project.status, 200, project.text);
    assert.equal(patient.status, 200, patient.text);
    const scope = (r) => dbQuery("SELECT COALESCE(project_id, 'server') FROM user WHERE id = ?", [r.json.user.reference.split('/')[1]])[0][0];
    assert.equal(scope(server), 'server');
    assert.equal(scope(project), fx.projectId);
    assert.equal(scope(patient), fx.projectId);
    assert.match(patient.json.profile.reference, /^Patient\//);
  });

  it('409 for a second invite; upsert updates the same membership; forceNewMembership adds one', async () => {
    const body = inviteBody();
    const first = await invite(fx, body);
    assert.equal(first.status, 200, first.text);
    assertConflict(await invite(fx, body), 'User is already a member of this project');
    const up = await invite(fx, { ...body, upsert: true, admin: true });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.json.id, first.json.id);
    assert.equal(up.json.admin, true);
    assert.equal(up.json.profile.reference, first.json.profile.reference, 'the profile is reused by email');
    const forced = await invite(fx, { ...body, forceNewMembership: true, sendEmail: false });
    assert.equal(forced.status, 200, forced.text);
    assert.notEqual(forced.json.id, first.json.id);
    assert.equal(forced.json.user.reference, first.json.user.reference);
  });

  it('409 for the same email at the other scope', async () => {
    const body = inviteBody({ sendEmail: false });
    assert.equal((await invite(fx, body)).status, 200);
    assertConflict(await invite(fx, { ...body, scope: 'project' }), 'User is already a member of this project');
  });

  it('409 with upsert and a different profile; the given profile must be this project\'s and of the type', async () => {
    const body = inviteBody({ sendEmail: false });
    const first = await invite(fx, body);
    const other = await invite(fx, inviteBody({ sendEmail: false }));
    const r = await invite(fx, { ...body, upsert: true, membership: { profile: other.json.profile } });
    assertConflict(r, 'User is already a member of this project with a different profile');

    const elsewhere = await adminFixture('adm-other');
    const foreign = await invite(elsewhere, inviteBody({ sendEmail: false }));
    assertBadRequest(await invite(fx, inviteBody({ membership: { profile: foreign.json.profile } })), 'Profile does not belong to project');
    assertBadRequest(
      await invite(fx, inviteBody({ resourceType: 'Patient', membership: { profile: first.json.profile } })),
      'Profile resourceType does not match request',
    );
    // A given profile of the right kind is used as it is.
    const reuse = await invite(fx, inviteBody({ sendEmail: false, membership: { profile: first.json.profile } }));
    assert.equal(reuse.status, 200, reuse.text);
    assert.equal(reuse.json.profile.reference, first.json.profile.reference);
  });

  it('access policies must exist and belong to the project; membership fields win', async () => {
    const mine = policy(fx.projectId);
    const theirs = policy(createProject(uniqueName('adm-policy')));
    const missing = randomUUID();
    assertBadRequest(await invite(fx, inviteBody({ accessPolicy: { reference: `AccessPolicy/${missing}` } })),
      `Access policy AccessPolicy/${missing} does not exist`);
    assertBadRequest(await invite(fx, inviteBody({ access: [{ policy: { reference: `AccessPolicy/${theirs}` } }] })),
      `Access policy AccessPolicy/${theirs} does not belong to this project`);
    assertBadRequest(await invite(fx, inviteBody({ membership: { access: [{ policy: { reference: `AccessPolicy/${missing}` } }] } })),
      `Access policy AccessPolicy/${missing} does not exist`);
    const ok = await invite(fx, inviteBody({ sendEmail: false, admin: false, accessPolicy: { reference: `AccessPolicy/${mine}` }, membership: { admin: true, externalId: 'emp-1' } }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.accessPolicy.reference, `AccessPolicy/${mine}`);
    assert.equal(ok.json.admin, true);
    assert.equal(ok.json.externalId, 'emp-1');
  });

  it('externalId without email: a project-scoped user with no email', async () => {
    const r = await invite(fx, { resourceType: 'Patient', firstName: 'Ext', lastName: 'Only', externalId: `ext-${randomUUID()}` });
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.json.user.display);
    const row = dbQuery("SELECT COALESCE(email, 'NULL'), project_id FROM user WHERE id = ?", [r.json.user.reference.split('/')[1]]);
    assert.deepEqual(row[0], ['NULL', fx.projectId]);
    assertConflict(await invite(fx, { resourceType: 'Patient', firstName: 'Ext', lastName: 'Again', externalId: r.json.externalId }),
      'User is already a member of this project');
  });

  it('a refused invite leaves nothing behind', async () => {
    const body = inviteBody({ accessPolicy: { reference: `AccessPolicy/${randomUUID()}` } });
    assert.equal((await invite(fx, body)).status, 400);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [body.email])[0][0], '0');
    assert.equal(dbQuery('SELECT COUNT(*) FROM email_outbox WHERE recipient = ?', [body.email])[0][0], '0');
  });

  it('every validation text', async () => {
    const cases = [
      [{ resourceType: 'Organization' }, 'Resource type is required', 'resourceType'],
      [{ resourceType: undefined }, 'Resource type is required', 'resourceType'],
      [{ firstName: '' }, 'First name is required', 'firstName'],
      [{ lastName: undefined }, 'Last name is required', 'lastName'],
      [{ firstName: 'x'.repeat(129) }, 'First name must be between 1 and 128 characters', 'firstName'],
      [{ email: undefined }, 'Either email or externalId is required', 'email'],
      [{ email: 'not-an-email' }, 'Valid email address is required', 'email'],
      [{ scope: 'galaxy' }, 'Invalid scope', 'scope'],
      [{ sendEmail: 'maybe' }, 'Invalid sendEmail', 'sendEmail'],
      [{ password: 'short' }, 'Invalid password, must be at least 8 characters', 'password'],
      [{ password: 'p'.repeat(73) }, 'Password must be no more than 72 characters', 'password'],
      [{ password: 'password123' }, 'Password found in breach database', 'password'],
      [{ membership: 'admin' }, 'Invalid membership', 'membership'],
      [{ membership: { admin: 'yes' } }, 'admin must be a boolean', 'admin'],
      [{ accessPolicy: 'AccessPolicy/1' }, 'Invalid accessPolicy', 'accessPolicy'],
      [{ access: [{ policy: 'x' }] }, 'Invalid access', 'access'],
      [{ membership: { profile: { reference: 'Practitioner/nope' } } }, 'Invalid membership.profile', 'membership.profile'],
    ];
    for (const [extra, text, field] of cases) {
      const r = await invite(fx, inviteBody(extra));
      assertBadRequest(r, text);
      assert.deepEqual(r.json.issue[0].expression, [field], `${text}: ${r.text}`);
    }
    assertNotFound(await invite(fx, inviteBody({ membership: { profile: { reference: `Practitioner/${randomUUID()}` } } })));
  });
});

describe('who may call the admin API', () => {
  it('401 without or with a bad token', async () => {
    assertUnauthorized(await postJson(`admin/projects/${fx.projectId}/invite`, inviteBody()));
    assertUnauthorized(await postJson(`admin/projects/${fx.projectId}/invite`, {}, { Authorization: 'Bearer x.y.z' }));
    assertUnauthorized(await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`));
  });

  it('403 for a member who is not an admin, and for another project\'s admin', async () => {
    const plain = createSigninFixture('adm-plain');
    const { tokens } = await signIn(plain);
    const h = { Authorization: bearer(tokens.access_token), 'Content-Type': FHIR };
    assertForbidden(await postJson(`admin/projects/${plain.projectId}/invite`, inviteBody(), h));
    assertForbidden(await postJson(`admin/projects/${plain.projectId}/client`, { name: 'x' }, h));
    assertForbidden(await http(`admin/projects/${plain.projectId}/members/${plain.membershipId}`, { headers: h }));
    assertForbidden(await postJson('admin/projects/setpassword', { email: plain.email, password: NEW_PASSWORD }, h));

    const other = await adminFixture('adm-else');
    assertForbidden(await invite(other, inviteBody(), fx.projectId));
    assertForbidden(await post(other, `admin/projects/${fx.projectId}/client`, { name: 'x' }));
    assertForbidden(await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`, { headers: other.headers }));
    // Naming its own project but another project's membership: 403 too.
    assertForbidden(await http(`admin/projects/${other.projectId}/members/${fx.membershipId}`, { headers: other.headers }));
    // A client of the project (not an admin) is refused as well.
    const c = await clientCredentialsToken(fx.clientId, fx.clientSecret);
    assertForbidden(await postJson(`admin/projects/${fx.projectId}/invite`, inviteBody(), { Authorization: bearer(c.access_token) }));
    // The super-admin routes want a super admin.
    assertForbidden(await post(fx, 'admin/super/setpassword', { email: fx.email, password: NEW_PASSWORD }));
    assertForbidden(await post(fx, 'admin/super/purge', { resourceType: 'Login', before: '2000-01-01' }));
  });

  it('a super admin acts on any project; an unknown project is 404', async () => {
    const su = await adminFixture('adm-super', { superAdmin: true });
    const r = await invite(su, inviteBody({ sendEmail: false }), fx.projectId);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.project.reference, `Project/${fx.projectId}`);
    assertNotFound(await invite(su, inviteBody(), randomUUID()));
    assertNotFound(await invite(su, inviteBody(), "x' OR '1'='1"));
    const g = await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`, { headers: su.headers });
    assert.equal(g.status, 200, g.text);
  });
});

describe('clients and bots', () => {
  it('a client: 201, the secret shown once and stored hashed, client_credentials works', async () => {
    const mine = policy(fx.projectId);
    const r = await post(fx, `admin/projects/${fx.projectId}/client`, {
      name: 'Lab interface',
      description: 'HL7 feed',
      redirectUris: ['https://lab.example.com/cb'],
      accessPolicy: { reference: `AccessPolicy/${mine}` },
      accessTokenLifetime: '10m',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.resourceType, 'ClientApplication');
    assert.match(r.json.secret, /^[0-9a-f]{64}$/);
    assert.deepEqual(r.json.redirectUris, ['https://lab.example.com/cb']);
    const stored = dbQuery('SELECT HEX(secret_hash) FROM client_application WHERE id = ?', [r.json.id])[0][0];
    assert.equal(stored.toLowerCase(), keyedHash(r.json.secret));
    const dump = dbQuery('SELECT CONCAT_WS(\'|\', id, name, COALESCE(description, \'\'), COALESCE(redirect_uris, \'\'), HEX(secret_hash)) FROM client_application WHERE id = ?', [r.json.id])[0][0];
    assert.ok(!dump.includes(r.json.secret), 'no plain secret in the row');
    const t = await clientCredentialsToken(r.json.id, r.json.secret);
    assert.equal(t.expires_in, 600);
    assert.equal(t.project.reference, `Project/${fx.projectId}`);
    const me = await authMe(t.access_token);
    assert.equal(me.json.membership.accessPolicy.reference, `AccessPolicy/${mine}`);
    // The medplum SDK signs in with it too.
    const medplum = sdk();
    await medplum.startClientLogin(r.json.id, r.json.secret);
    assert.equal(medplum.getProfile().id, r.json.id);
  });

  it('client validation texts', async () => {
    const path = `admin/projects/${fx.projectId}/client`;
    assertBadRequest(await post(fx, path, {}), 'Client name is required');
    assertBadRequest(await post(fx, path, { name: 'a\nb' }), 'Client name must be between 1 and 255 characters');
    assertBadRequest(await post(fx, path, { name: 'x', redirectUris: ['javascript:alert(1)'] }), 'Invalid redirectUris');
    assertBadRequest(await post(fx, path, { name: 'x', redirectUris: 'https://a.example.com' }), 'Invalid redirectUris');
    assertBadRequest(await post(fx, path, { name: 'x', accessTokenLifetime: '1 hour' }), 'Invalid accessTokenLifetime');
    const missing = randomUUID();
    assertBadRequest(await post(fx, path, { name: 'x', accessPolicy: { reference: `AccessPolicy/${missing}` } }),
      `Access policy AccessPolicy/${missing} does not exist`);
  });

  it('a bot: 201 with its membership', async () => {
    const r = await post(fx, `admin/projects/${fx.projectId}/bot`, { name: 'Nightly', description: 'cron', runtimeVersion: 'vmcontext' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.resourceType, 'Bot');
    assert.equal(r.json.runtimeVersion, 'vmcontext');
    const m = dbQuery("SELECT user_type, profile_type, project_id FROM project_membership WHERE user_id = ?", [r.json.id]);
    assert.deepEqual(m[0], ['Bot', 'Bot', fx.projectId]);
    assertBadRequest(await post(fx, `admin/projects/${fx.projectId}/bot`, {}), 'Bot name is required');
    assertBadRequest(await post(fx, `admin/projects/${fx.projectId}/bot`, { name: 'b', runtimeVersion: 'python' }), 'Invalid runtimeVersion');
  });
});

describe('members', () => {
  /** A second member of fx's project, signed in; returns { membershipId, userId, token }. */
  async function signedInMember() {
    const email = uniqueEmail('member');
    const userId = createUser({ email, first: 'Mo', last: 'Member', password: TEST_PASSWORD });
    const { membershipId } = addMember({ project: fx.projectId, user: userId });
    const { tokens } = await signIn({ email, password: TEST_PASSWORD, clientId: fx.clientId });
    return { membershipId, userId, email, token: tokens.access_token };
  }
  const path = (id) => `admin/projects/${fx.projectId}/members/${id}`;

  it('GET reads a membership; unknown or malformed ids are 404', async () => {
    const r = await http(path(fx.membershipId), { headers: fx.headers });
    assert.equal(r.status, 200, r.text);
    assert.match(r.contentType, /^application\/fhir\+json/);
    assert.equal(r.json.id, fx.membershipId);
    assert.equal(r.json.user.reference, `User/${fx.userId}`);
    assert.equal(r.json.admin, true);
    assertNotFound(await http(path(randomUUID()), { headers: fx.headers }));
    assertNotFound(await http(path("1' OR '1'='1"), { headers: fx.headers }));
  });

  it('POST replaces the settable fields; deactivating ends its tokens', async () => {
    const mb = await signedInMember();
    const current = (await http(path(mb.membershipId), { headers: fx.headers })).json;
    const mine = policy(fx.projectId);
    const r = await post(fx, path(mb.membershipId), {
      ...current,
      admin: true,
      accessPolicy: { reference: `AccessPolicy/${mine}` },
      user: { reference: `User/${fx.userId}` }, // who it joins never changes
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.admin, true);
    assert.equal(r.json.accessPolicy.reference, `AccessPolicy/${mine}`);
    assert.equal(r.json.user.reference, `User/${mb.userId}`);
    assert.equal((await authMe(mb.token)).status, 200);
    const off = await post(fx, path(mb.membershipId), { resourceType: 'ProjectMembership', id: mb.membershipId, active: false });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.active, false);
    assert.equal(off.json.admin, false, 'left out: back to the default');
    assertUnauthorized(await authMe(mb.token));

    assertBadRequest(await post(fx, path(mb.membershipId), { ...current, resourceType: 'Patient' }), 'Incorrect resource type');
    assertBadRequest(await post(fx, path(mb.membershipId), { ...current, id: randomUUID() }), 'Incorrect ID');
    assertBadRequest(await post(fx, path(mb.membershipId), { ...current, active: 'no' }), 'active must be a boolean');
    const theirs = policy(createProject(uniqueName('adm-pol')));
    assertBadRequest(await post(fx, path(mb.membershipId), { ...current, accessPolicy: { reference: `AccessPolicy/${theirs}` } }),
      `Access policy AccessPolicy/${theirs} does not belong to this project`);
  });

  it('DELETE removes it and its tokens stop working; the owner cannot be removed', async () => {
    const mb = await signedInMember();
    assert.equal((await authMe(mb.token)).status, 200);
    assertAllOk(await http(path(mb.membershipId), { method: 'DELETE', headers: fx.headers }));
    assertUnauthorized(await authMe(mb.token));
    assertNotFound(await http(path(mb.membershipId), { headers: fx.headers }));
    assertNotFound(await http(path(mb.membershipId), { method: 'DELETE', headers: fx.headers }));

    const owner = await signedInMember();
    dbExec('UPDATE project SET owner_user_id = ? WHERE id = ?', [owner.userId, fx.projectId]);
    try {
      assertBadRequest(await http(path(owner.membershipId), { method: 'DELETE', headers: fx.headers }), 'Cannot delete the owner of the project');
    } finally {
      dbExec('UPDATE project SET owner_user_id = NULL WHERE id = ?', [fx.projectId]);
    }
  });
});

describe('passwords and purge', () => {
  it('a project admin sets a project-scoped user\'s password (through the policy); others are "User not found"', async () => {
    const email = uniqueEmail('scoped');
    const userId = createUser({ email, first: 'Sam', last: 'Scoped', password: TEST_PASSWORD, project: fx.projectId });
    addMember({ project: fx.projectId, user: userId });
    const { tokens } = await signIn({ email, password: TEST_PASSWORD, clientId: fx.clientId });
    assertAllOk(await post(fx, 'admin/projects/setpassword', { email, password: NEW_PASSWORD }));
    assertUnauthorized(await authMe(tokens.access_token));
    const r = await sdk().startLogin({ email, password: NEW_PASSWORD, projectId: fx.projectId });
    assert.ok(r.code, JSON.stringify(r));
    assertBadRequest(await post(fx, 'admin/projects/setpassword', { email: fx.email, password: NEW_PASSWORD }), 'User not found');
    assertBadRequest(await post(fx, 'admin/projects/setpassword', { email, password: 'password123' }), 'Password found in breach database');
    assertBadRequest(await post(fx, 'admin/projects/setpassword', { email, password: 'short' }), 'Invalid password, must be at least 8 characters');
    assertBadRequest(await post(fx, 'admin/projects/setpassword', { password: NEW_PASSWORD }), 'Valid email address is required');
  });

  it('super admin: setpassword for any user, purge logins and audit events', async () => {
    const su = await adminFixture('adm-su', { superAdmin: true });
    const email = uniqueEmail('anyone');
    createUser({ email, first: 'Any', last: 'One', password: TEST_PASSWORD });
    assertAllOk(await post(su, 'admin/super/setpassword', { email, password: NEW_PASSWORD }));
    assertBadRequest(await post(su, 'admin/super/setpassword', { email: uniqueEmail('nobody'), password: NEW_PASSWORD }), 'User not found');
    assertBadRequest(await post(su, 'admin/super/setpassword', { email, password: NEW_PASSWORD, projectId: 'x' }), 'Invalid projectId');

    const old = randomUUID();
    dbExec("INSERT INTO audit_event (id, recorded, type) VALUES (?, '2001-01-01 00:00:00', 'login')", [old]);
    assertAllOk(await post(su, 'admin/super/purge', { resourceType: 'AuditEvent', before: '2001-01-02T00:00:00+01:00' }));
    assert.equal(dbQuery('SELECT COUNT(*) FROM audit_event WHERE id = ?', [old])[0][0], '0');
    // Logins last used on either side of the date: the older one goes, the younger one stays.
    // (client_credentials writes no Login since issue 15: the rows are made here.)
    const cc = createFixture('adm-purge');
    const loginOf = (updated) => {
      const id = randomUUID();
      dbExec(
        "INSERT INTO login (id, user_type, user_id, client_id, project_id, auth_method, auth_time, created_at, updated_at) " +
          "VALUES (?, 'ClientApplication', ?, ?, ?, 'client', '2000-12-31 23:59:59', '2000-12-31 23:59:59', ?)",
        [id, cc.clientId, cc.clientId, cc.projectId, updated],
      );
      return id;
    };
    const [oldLogin, youngLogin] = [loginOf('2000-12-31 23:59:59'), loginOf('2001-01-01 00:00:01')];
    assertAllOk(await post(su, 'admin/super/purge', { resourceType: 'Login', before: '2001-01-01T00:00:00Z' }));
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE id = ?', [oldLogin])[0][0], '0', 'the old login is purged');
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE id = ?', [youngLogin])[0][0], '1', 'the younger one stays');
    assertBadRequest(await post(su, 'admin/super/purge', { resourceType: 'User', before: '2001-01-01' }), 'Invalid resource type');
    assertBadRequest(await post(su, 'admin/super/purge', { resourceType: 'Login', before: 'yesterday' }), 'Invalid before date');
    assertBadRequest(await post(su, 'admin/super/purge', { resourceType: 'Login', before: '2024-02-31' }), 'Invalid before date');
    assert.equal((await authMe(su.token)).status, 200, 'recent logins stay');
  });
});

describe('email templates and the brand name', () => {
  it('an override is validated, used by the next invite email, listed, and deleted', async () => {
    const a = await adminFixture('adm-tpl');
    const tpl = (name) => `admin/projects/${a.projectId}/email-templates/${name}`;
    const put = (name, body) => http(tpl(name), { method: 'PUT', headers: a.headers, body: JSON.stringify(body) });
    assertNotFound(await http(tpl('invite'), { headers: a.headers }));
    assertNotFound(await put('nonsense', { subject: 's', bodyText: 't' }));
    assertBadRequest(await put('invite', { subject: 'Hi {{#x}}', bodyText: 't' }), 'Invalid template: unclosed section');
    assertBadRequest(await put('invite', { subject: 's', bodyText: '{{oops' }), 'Invalid template: unclosed tag');
    assertBadRequest(await put('invite', { bodyText: 't' }), 'Subject is required');
    assertBadRequest(await put('invite', { subject: 'a\r\nBcc: x@example.com', bodyText: 't' }), 'Subject must be one line');
    // Templates get the link, never its id and secret (issue 14, finding 5).
    assertBadRequest(await put('invite', { subject: 's', bodyText: '{{app_base_url}}setpassword/{{id}}/{{secret}}' }),
      'Template must contain {{link}}');
    const stored = await put('invite', {
      subject: 'Join {{project_name}} at {{brand}}',
      bodyText: 'Hello {{recipient_name}}: {{link}}',
      bodyHtml: '<p>Hello {{recipient_name}}</p><a href="{{link}}">go</a>',
    });
    assert.equal(stored.status, 200, stored.text);
    assert.equal(stored.json.name, 'invite');
    const set = await post(a, `admin/projects/${a.projectId}/settings`, { brandName: 'Clinica' });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.json.brandName, 'Clinica');
    const settings = await http(`admin/projects/${a.projectId}/settings`, { headers: a.headers });
    assert.deepEqual(settings.json, {
      id: a.projectId, name: a.projectName, brandName: 'Clinica', mfaRequired: false, allowedMfaMethods: ['totp', 'email'],
      emailVerificationRequired: false, clientRegistration: false,
    });

    const email = uniqueEmail('tpl');
    // A project-scoped invitee (a Patient): a server-scoped account's link never goes through an
    // override (tests/e2e/review2-template-link.test.mjs).
    const r = await invite(a, { resourceType: 'Patient', firstName: '<script>alert(1)</script>', lastName: 'Tag', email });
    assert.equal(r.status, 200, r.text);
    const [mail] = await waitForMail(email);
    assert.equal(mail.subject, `Join ${a.projectName} at Clinica`);
    assert.match(mail.text, /^Hello <script>alert\(1\)<\/script> Tag: \S+setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32}/);
    const html = htmlPart(mail.raw);
    assert.ok(html.includes('<p>Hello &lt;script&gt;alert(1)&lt;&#x2F;script&gt; Tag</p>'), html);
    assert.ok(!html.includes('<script>'), html);

    const list = await http(`admin/projects/${a.projectId}/email-templates`, { headers: a.headers });
    assert.deepEqual(list.json.templates.map((t) => t.name), ['invite']);
    assertAllOk(await http(tpl('invite'), { method: 'DELETE', headers: a.headers }));
    assertNotFound(await http(tpl('invite'), { method: 'DELETE', headers: a.headers }));
    // Back to the shipped template, with the brand.
    const email2 = uniqueEmail('tpl2');
    assert.equal((await invite(a, inviteBody({ email: email2 }))).status, 200);
    const [mail2] = await waitForMail(email2);
    assert.equal(mail2.subject, 'Welcome to Clinica');
    const cleared = await post(a, `admin/projects/${a.projectId}/settings`, { brandName: '' });
    assert.equal(cleared.json.brandName, null, cleared.text);
    assertBadRequest(await post(a, `admin/projects/${a.projectId}/settings`, { brandName: 'x'.repeat(256) }),
      'Brand name must be between 1 and 255 characters');
  });

  it('names with markup come back escaped in the shipped HTML part', async () => {
    const projectName = `<img src=x onerror=alert(1)>${randomUUID().slice(0, 8)}`;
    const a = await adminFixture('adm-xss');
    dbExec('UPDATE project SET name = ? WHERE id = ?', [projectName, a.projectId]);
    const email = uniqueEmail('xss');
    assert.equal((await invite(a, inviteBody({ email, firstName: '"><svg onload=alert(1)>' }))).status, 200);
    const [mail] = await waitForMail(email);
    const html = htmlPart(mail.raw);
    assert.ok(html.includes('&lt;img src&#61;x onerror&#61;alert(1)&gt;'), html);
    assert.ok(!/<img|<svg/.test(html), html);
  });
});

describe('bad input is a 4xx, never a 5xx', () => {
  const path = () => `admin/projects/${fx.projectId}/invite`;
  const raw = (body, type = FHIR) => http(path(), { method: 'POST', headers: { Authorization: bearer(fx.token), 'Content-Type': type }, body });

  it('malformed, oversized, wrongly typed, invalid UTF-8, NUL', async () => {
    assertBadRequest(await raw('{"resourceType":'), 'Content could not be parsed');
    assertBadRequest(await raw('[1,2]'), 'Content could not be parsed');
    const big = await raw(JSON.stringify({ ...inviteBody(), pad: 'x'.repeat(2 * 1024 * 1024) }));
    assert.ok(big.status === 400 || big.status === 413, `${big.status} ${big.text.slice(0, 200)}`);
    assertBadRequest(await raw(JSON.stringify(inviteBody()), 'text/plain'), 'Resource type is required');
    assertBadRequest(await raw(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
      'Invalid encoding: text must be valid UTF-8 without NUL bytes');
    assertBadRequest(await raw(JSON.stringify(inviteBody({ firstName: 'a\u0000b' }))),
      'Invalid encoding: text must be valid UTF-8 without NUL bytes');
    assertBadRequest(await raw(JSON.stringify(inviteBody({ firstName: 'x'.repeat(9000) }))), 'Field too long');
    assertBadRequest(await raw(JSON.stringify({ ...inviteBody(), firstName: { given: 'x' } })), 'First name is required');
  });

  it('SQL injection strings are data', async () => {
    const evil = "Robert'); DROP TABLE user; --";
    const email = uniqueEmail('bobby');
    const r = await invite(fx, inviteBody({ firstName: evil, lastName: "' OR '1'='1", email, sendEmail: false }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.profile.display, `${evil} ' OR '1'='1`);
    assertBadRequest(await invite(fx, inviteBody({ email: "x'@example.com' OR 1=1 --" })), 'Valid email address is required');
    assert.ok(Number(dbQuery('SELECT COUNT(*) FROM user')[0][0]) > 0);
    assertNotFound(await http(`admin/projects/${fx.projectId}/members/' UNION SELECT 1 --`, { headers: fx.headers }));
    const t = await http(`admin/projects/${fx.projectId}/email-templates/invite';--`, { headers: fx.headers });
    assertNotFound(t);
  });

  it('unknown routes and methods under /admin/', async () => {
    assertNotFound(await http('admin/nothing', { headers: fx.headers }));
    const r = await http(`admin/projects/${fx.projectId}/invite`, { headers: fx.headers });
    assert.equal(r.status, 405, r.text);
    const api = await postJson(`api/admin/projects/${fx.projectId}/invite`, inviteBody({ sendEmail: false }), fx.headers);
    assert.equal(api.status, 200, api.text);
  });
});
