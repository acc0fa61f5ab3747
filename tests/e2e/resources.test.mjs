// SPDX-License-Identifier: BSD-2-Clause
// The resource API at /fhir/R4/<Type> (issue 16) with the unmodified SDK (@medplum/core
// createResource, readResource, updateResource, deleteResource, searchResources) and raw HTTP:
// every access decided by the caller's effective policy (PROTOCOL.md §11) — project admins
// confined to their project, super admins everywhere, patients to their own record, hidden
// fields never returned (read, search, _elements), read-only resources and fields refused or
// kept — ETags with If-Match (412, races), secrets shown once, and bad input answered 4xx.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMember,
  openIdpSecret,
  assertNotFound,
  createProject,
  createUser,
  dbExec,
  dbQuery,
  http,
  pkcePair,
  postJson,
  randomUUID,
  TEST_PASSWORD,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';
import { api, member, patientOf, sdk } from './fhir-lib.mjs';

async function rejects(promise, status) {
  await assert.rejects(promise, (e) => {
    const s = e?.outcome?.issue ? e : e;
    // The SDK's OperationOutcomeError carries the outcome; its status shows in the id/code.
    if (status === 404) return /not.found/i.test(JSON.stringify(s.outcome ?? s.message));
    if (status === 403) return /forbidden/i.test(JSON.stringify(s.outcome ?? s.message));
    return true;
  });
}

let admin, other;
before(async () => {
  admin = await member('res-admin', { admin: true });
  other = await member('res-other', { admin: true });
});

describe('AccessPolicy through the SDK', () => {
  it('create, read, update, search, delete', async () => {
    const m = admin.medplum;
    const created = await m.createResource({
      resourceType: 'AccessPolicy',
      name: uniqueName('pol'),
      resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id', hiddenFields: ['birthDate'] }],
      ipAccessRule: [{ name: 'lan', value: '10.0.0.0/8', action: 'allow' }],
    });
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.meta.project, admin.fx.projectId);
    assert.match(created.meta.versionId, /^\d+$/);
    const read = await m.readResource('AccessPolicy', created.id);
    assert.deepEqual(read.resource, created.resource);
    read.resource.push({ resourceType: 'Observation', readonly: true });
    const updated = await m.updateResource(read);
    assert.equal(updated.resource.length, 2);
    assert.notEqual(updated.meta.versionId, created.meta.versionId);
    const found = await m.searchResources('AccessPolicy', { name: created.name });
    assert.deepEqual(found.map((p) => p.id), [created.id]);
    await m.deleteResource('AccessPolicy', created.id);
    await rejects(m.readResource('AccessPolicy', created.id), 404);
  });

  it('refuses malformed policies: bad criteria type, unknown interaction, bad IP rule, writeConstraint', async () => {
    const bad = [
      { resource: [{ resourceType: 'Patient', criteria: 'Observation?code=1' }] },
      { resource: [{ resourceType: 'Patient', interaction: ['read', 'sudo'] }] },
      { resource: [{ resourceType: 'Pat ient' }] },
      { resource: [{ resourceType: 'Patient' }], ipAccessRule: [{ value: 'evil.example.com', action: 'allow' }] },
      { resource: [{ resourceType: 'Patient' }], ipAccessRule: [{ value: '10.0.0.0/8', action: 'maybe' }] },
      { resource: [{ resourceType: 'Patient', writeConstraint: [{ expression: 'true' }] }] },
      { resource: 'all' },
    ];
    for (const body of bad) {
      const r = await api(admin.token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', ...body });
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.status} ${r.text}`);
      assert.equal(r.json.resourceType, 'OperationOutcome');
    }
  });
});

describe('ClientApplication', () => {
  it('16 creations into one project at once, then 16 deletions: no 5xx; each whole, with its event and a working secret (a lost deadlock is run again)', async () => {
    const own = await member('res-burst', { admin: true });
    const names = Array.from({ length: 16 }, (_, i) => uniqueName(`burst${i}`));
    const made = await Promise.all(names.map((name) => api(own.token, 'POST', 'ClientApplication', { resourceType: 'ClientApplication', name })));
    for (const r of made) assert.equal(r.status, 201, r.text);
    const ids = made.map((r) => r.json.id);
    assert.equal(new Set(ids).size, 16);
    for (const r of made) {
      const [[clients, members, events]] = dbQuery(
        'SELECT (SELECT COUNT(*) FROM client_application WHERE id = ? AND project_id = ? AND name = ?), ' +
          '(SELECT COUNT(*) FROM project_membership WHERE user_id = ? AND project_id = ?), ' +
          "(SELECT COUNT(*) FROM audit_event WHERE type = 'resource-created' AND entity = ?)",
        [r.json.id, own.fx.projectId, r.json.name, r.json.id, own.fx.projectId, `ClientApplication/${r.json.id}`],
      );
      assert.deepEqual([clients, members, events], ['1', '1', '1'], r.json.name);
      // The secret handed back is the stored one (the committed attempt's).
      const t = await http('oauth2/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + Buffer.from(`${r.json.id}:${r.json.secret}`).toString('base64') },
        body: 'grant_type=client_credentials',
      });
      assert.equal(t.status, 200, t.text);
    }
    const gone = await Promise.all(ids.map((id) => api(own.token, 'DELETE', `ClientApplication/${id}`)));
    for (const r of gone) assert.ok(r.status < 300, `${r.status} ${r.text}`);
    for (const id of ids) {
      const [[clients, members, events]] = dbQuery(
        'SELECT (SELECT COUNT(*) FROM client_application WHERE id = ?), (SELECT COUNT(*) FROM project_membership WHERE user_id = ?), ' +
          "(SELECT COUNT(*) FROM audit_event WHERE type = 'resource-deleted' AND entity = ?)",
        [id, id, `ClientApplication/${id}`],
      );
      assert.deepEqual([clients, members, events], ['0', '0', '1'], id);
    }
  });

  it('every field through the SDK; the secret only in the create answer; identityProvider.clientSecret never', async () => {
    const m = admin.medplum;
    const c = await m.createResource({
      resourceType: 'ClientApplication',
      name: uniqueName('app'),
      description: 'd',
      redirectUris: ['https://app.example.com/cb', 'https://app.example.com/cb2'],
      pkceOptional: true,
      jwksUri: 'https://app.example.com/jwks.json',
      signInForm: { welcomeString: 'Hi', logo: { url: 'https://app.example.com/logo.png', contentType: 'image/png' } },
      identityProvider: { authorizeUrl: 'https://idp.example.com/a', tokenUrl: 'https://idp.example.com/t', clientId: 'cid', clientSecret: 'idp-secret' },
      allowedOrigin: ['https://app.example.com'],
      defaultScope: ['openid', 'patient/*.rs'],
      accessTokenLifetime: '30m',
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    assert.match(c.secret, /^[0-9a-f]{64}$/);
    assert.equal(c.identityProvider.clientSecret, undefined);
    const row = dbQuery('SELECT pkce_optional, jwks_uri, default_scope, JSON_VALUE(identity_provider, "$.clientSecretSealed"), HEX(secret_hash), identity_provider FROM client_application WHERE id = ?', [c.id])[0];
    assert.deepEqual(row.slice(0, 3), ['1', 'https://app.example.com/jwks.json', 'openid patient/*.rs']);
    // The upstream secret is sealed at rest (issue 17), never stored in clear.
    assert.equal(openIdpSecret(row[3]), 'idp-secret');
    assert.ok(!row[5].includes('idp-secret'), row[5]);
    assert.ok(!row[4].toLowerCase().includes(c.secret), 'only a keyed hash is stored');
    // the secret works for client_credentials
    const t = await http('oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + Buffer.from(`${c.id}:${c.secret}`).toString('base64') },
      body: 'grant_type=client_credentials',
    });
    assert.equal(t.status, 200, t.text);
    const read = await m.readResource('ClientApplication', c.id);
    assert.equal(read.secret, undefined);
    assert.equal(read.identityProvider.clientSecret, undefined);
    assert.deepEqual(read.redirectUris, ['https://app.example.com/cb', 'https://app.example.com/cb2']);
    assert.equal(read.signInForm.welcomeString, 'Hi');
    read.description = 'changed';
    read.secret = 'attacker-chosen';
    const updated = await m.updateResource(read);
    assert.equal(updated.description, 'changed');
    assert.equal(updated.secret, undefined);
    const after = dbQuery('SELECT JSON_VALUE(identity_provider, "$.clientSecretSealed"), HEX(secret_hash) = ? FROM client_application WHERE id = ?', [row[4], c.id])[0];
    assert.equal(openIdpSecret(after[0]), 'idp-secret', 'an update keeps the idp secret');
    assert.equal(after[1], '1', 'an update cannot set the client secret');
    const list = await m.searchResources('ClientApplication', { name: c.name });
    assert.equal(list.length, 1);
    assert.equal(list[0].secret, undefined);
    await m.deleteResource('ClientApplication', c.id);
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE user_id = ?', [c.id])[0][0], '0');
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ? AND NOT revoked', [c.id])[0][0], '0');
  });

  it('refuses bad fields with 400', async () => {
    for (const extra of [{ redirectUris: ['javascript:alert(1)'] }, { defaultScope: ['user/Patient.rw'] }, { accessTokenLifetime: '1 hour' },
      { signInForm: { logo: { url: 'http://evil.example.com/x.png' } } }, { status: 'maybe' }, { tokenEndpointAuthMethod: 'private_key_jwt' }, { name: '' }]) {
      const r = await api(admin.token, 'POST', 'ClientApplication', { resourceType: 'ClientApplication', name: 'x', ...extra });
      assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
    }
  });
});

describe('ETags and If-Match', () => {
  it('ETag header is the versionId; a stale If-Match is 412; two racing updates: one wins', async () => {
    const created = await api(admin.token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', name: 'etag', resource: [] });
    assert.equal(created.status, 201, created.text);
    const v1 = created.json.meta.versionId;
    assert.equal(created.headers.get('etag'), `W/"${v1}"`);
    assert.match(created.headers.get('location'), new RegExp(`fhir/R4/AccessPolicy/${created.json.id}/_history/${v1}$`));
    const body = { ...created.json, name: 'etag2' };
    const ok = await api(admin.token, 'PUT', `AccessPolicy/${created.json.id}`, body, { 'If-Match': `W/"${v1}"` });
    assert.equal(ok.status, 200, ok.text);
    const stale = await api(admin.token, 'PUT', `AccessPolicy/${created.json.id}`, { ...body, name: 'etag3' }, { 'If-Match': `W/"${v1}"` });
    assert.equal(stale.status, 412, stale.text);
    assert.equal(stale.json.id, 'precondition-failed');
    const v2 = ok.json.meta.versionId;
    const race = await Promise.all(
      [1, 2, 3, 4].map((i) => api(admin.token, 'PUT', `AccessPolicy/${created.json.id}`, { ...body, name: `race${i}` }, { 'If-Match': `W/"${v2}"` })),
    );
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 412, 412, 412]);
    const staleDelete = await api(admin.token, 'DELETE', `AccessPolicy/${created.json.id}`, undefined, { 'If-Match': `W/"${v1}"` });
    assert.equal(staleDelete.status, 412);
  });
});

describe('confinement', () => {
  it("a project admin never reaches another project's resources", async () => {
    const theirs = await other.medplum.createResource({ resourceType: 'AccessPolicy', name: 'theirs', resource: [{ resourceType: '*' }] });
    assertNotFound(await api(admin.token, 'GET', `AccessPolicy/${theirs.id}`));
    assertNotFound(await api(admin.token, 'PUT', `AccessPolicy/${theirs.id}`, { ...theirs, name: 'mine now' }));
    assertNotFound(await api(admin.token, 'DELETE', `AccessPolicy/${theirs.id}`));
    assertNotFound(await api(admin.token, 'GET', `Project/${other.fx.projectId}`));
    const list = await admin.medplum.searchResources('AccessPolicy', { _count: 1000 });
    assert.ok(list.every((p) => p.meta.project === admin.fx.projectId));
    const viaProject = await api(admin.token, 'GET', `AccessPolicy?_project=${other.fx.projectId}&_id=${theirs.id}`);
    assert.equal(viaProject.json.total, 0, '_project is for super admins only');
    // meta.project naming another project is ignored for a project admin
    const c = await api(admin.token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', meta: { project: other.fx.projectId }, resource: [] });
    assert.equal(c.status, 201);
    assert.equal(c.json.meta.project, admin.fx.projectId);
    // a membership cannot be given another project's policy
    const mine = await api(admin.token, 'GET', `ProjectMembership/${admin.fx.membershipId}`);
    assert.equal(mine.status, 200, mine.text);
    const r = await api(admin.token, 'PUT', `ProjectMembership/${admin.fx.membershipId}`, { ...mine.json, accessPolicy: { reference: `AccessPolicy/${theirs.id}` } });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.issue[0].details.text, /does not belong to this project/);
    // nor can an admin move a membership to another project or user
    const moved = await api(admin.token, 'PUT', `ProjectMembership/${admin.fx.membershipId}`, { ...mine.json, project: { reference: `Project/${other.fx.projectId}` }, user: { reference: `User/${other.fx.userId}` } });
    assert.equal(moved.status, 200, moved.text);
    assert.equal(moved.json.project.reference, `Project/${admin.fx.projectId}`);
    assert.equal(moved.json.user.reference, `User/${admin.fx.userId}`);
  });

  it('a project admin cannot make its project super admin, change features or system settings, or create projects', async () => {
    const p = await admin.medplum.readResource('Project', admin.fx.projectId);
    assert.equal(p.superAdmin, undefined, 'hidden from project admins');
    assert.equal(p.strictMode, undefined);
    const r = await api(admin.token, 'PUT', `Project/${p.id}`, { ...p, superAdmin: true, strictMode: false, features: ['bots'], systemSetting: [{ name: 'rateLimit', valueInteger: 999999 }], description: 'ok' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.description, 'ok');
    const row = dbQuery('SELECT super_admin, strict_mode, features, system_setting FROM project WHERE id = ?', [p.id])[0];
    assert.deepEqual(row, ['0', '1', 'NULL', 'NULL']);
    const create = await api(admin.token, 'POST', 'Project', { resourceType: 'Project', name: 'mine' });
    assert.equal(create.status, 403);
    const del = await api(admin.token, 'DELETE', `Project/${p.id}`);
    assert.equal(del.status, 403);
  });

  it('a member without admin rights reaches no administration type; a narrow scope narrows an admin', async () => {
    const plain = await member('res-plain');
    for (const type of ['AccessPolicy', 'ClientApplication', 'ProjectMembership', 'Project', 'DomainConfiguration']) {
      const r = await api(plain.token, 'GET', type);
      assert.equal(r.status, 403, `${type}: ${r.text}`);
      const c = await api(plain.token, 'POST', type, { resourceType: type, name: 'x' });
      assert.equal(c.status, 403, `${type}: ${c.text}`);
    }
    const narrowed = await member('res-narrow', { admin: true, scope: 'openid user/Patient.rs' });
    assert.equal((await api(narrowed.token, 'GET', 'ClientApplication')).status, 403);
    assert.equal((await api(narrowed.token, 'GET', 'Patient')).status, 200);
    assert.equal((await api(narrowed.token, 'POST', 'Patient', { resourceType: 'Patient' })).status, 403);
  });

  it('super admins reach every project and the global types; project admins do not', async () => {
    const su = await member('res-super', { superAdmin: true });
    const theirs = await other.medplum.createResource({ resourceType: 'ClientApplication', name: 'seen-by-super' });
    const read = await su.medplum.readResource('ClientApplication', theirs.id);
    assert.equal(read.meta.project, other.fx.projectId);
    assert.equal(read.secret, undefined);
    const scoped = await api(su.token, 'GET', `ClientApplication?_project=${other.fx.projectId}&name=seen-by-super`);
    assert.equal(scoped.json.total, 1);
    const domain = `${uniqueName('dom')}.example.com`;
    const d = await su.medplum.createResource({ resourceType: 'DomainConfiguration', domain: domain.toUpperCase(), identityProvider: { authorizeUrl: 'https://idp.example.com/a', clientId: 'x', clientSecret: 'y' } });
    assert.equal(d.domain, domain);
    assert.equal(d.identityProvider.clientSecret, undefined);
    const dup = await api(su.token, 'POST', 'DomainConfiguration', { resourceType: 'DomainConfiguration', domain, identityProvider: { clientId: 'z' } });
    assert.equal(dup.status, 409, dup.text);
    assert.equal((await api(admin.token, 'GET', `DomainConfiguration/${d.id}`)).status, 403);
    assert.equal((await api(admin.token, 'POST', 'DomainConfiguration', { resourceType: 'DomainConfiguration', domain: 'x.example.com', identityProvider: {} })).status, 403);
    const m = await api(su.token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', meta: { project: other.fx.projectId }, resource: [] });
    assert.equal(m.json.meta.project, other.fx.projectId, 'a super admin creates where meta.project says');
    await su.medplum.deleteResource('DomainConfiguration', d.id);
  });
});

describe('patients and hidden fields', () => {
  it("a patient reads its own record, never another patient's; hidden fields never come back", async () => {
    const policy = await admin.medplum.createResource({
      resourceType: 'AccessPolicy',
      name: 'patient-self',
      resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id', hiddenFields: ['birthDate', 'identifier'], readonlyFields: ['gender'] }],
    });
    const a = await patientOf(admin.fx.projectId, policy.id);
    const b = await patientOf(admin.fx.projectId, policy.id);
    // the admin fills in the record (as a clinic would)
    const stored = await admin.medplum.readResource('Patient', a.patientId);
    await admin.medplum.updateResource({ ...stored, birthDate: '1970-01-02', gender: 'female', identifier: [{ system: 'urn:mrn', value: 'MRN-1' }] });
    const pm = sdk(a.token);
    const mine = await pm.readResource('Patient', a.patientId);
    assert.equal(mine.id, a.patientId);
    assert.equal(mine.birthDate, undefined);
    assert.equal(mine.identifier, undefined);
    assertNotFound(await api(a.token, 'GET', `Patient/${b.patientId}`));
    assertNotFound(await api(a.token, 'PUT', `Patient/${b.patientId}`, { resourceType: 'Patient', id: b.patientId }));
    const all = await pm.searchResources('Patient', { _count: 100 });
    assert.deepEqual(all.map((p) => p.id), [a.patientId]);
    // hidden fields decide no search and come back through no _elements
    assert.equal((await api(a.token, 'GET', `Patient?birthDate=1970-01-02`)).json.total, 0);
    assert.equal((await api(a.token, 'GET', `Patient?identifier=MRN-1`)).json.total, 0);
    const el = await api(a.token, 'GET', `Patient?_elements=birthDate,identifier,gender`);
    assert.equal(el.json.entry[0].resource.birthDate, undefined);
    assert.equal(el.json.entry[0].resource.gender, 'female');
    // an update keeps hidden and read-only fields
    const upd = await pm.updateResource({ ...mine, gender: 'male', birthDate: '2000-01-01', name: [{ given: ['Renamed'], family: 'P' }] });
    assert.equal(upd.name[0].given[0], 'Renamed');
    assert.equal(upd.gender, 'female');
    const row = JSON.parse(dbQuery('SELECT resource FROM profile WHERE id = ?', [a.patientId])[0][0]);
    assert.equal(row.birthDate, '1970-01-02');
    assert.deepEqual(row.identifier, [{ system: 'urn:mrn', value: 'MRN-1' }]);
    // a patient cannot create another patient outside its criteria
    assert.equal((await api(a.token, 'POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'X' }] })).status, 403);
    // nor change its own id into another's
    const moved = await api(a.token, 'PUT', `Patient/${a.patientId}`, { ...mine, id: b.patientId });
    assert.equal(moved.status, 400);
  });

  it('a readonly policy refuses every write', async () => {
    const policy = await admin.medplum.createResource({ resourceType: 'AccessPolicy', name: 'ro', resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id', readonly: true }] });
    const p = await patientOf(admin.fx.projectId, policy.id);
    const mine = await api(p.token, 'GET', `Patient/${p.patientId}`);
    assert.equal(mine.status, 200);
    assert.equal((await api(p.token, 'PUT', `Patient/${p.patientId}`, { ...mine.json, gender: 'other' })).status, 403);
    assert.equal((await api(p.token, 'DELETE', `Patient/${p.patientId}`)).status, 403);
  });
});

describe('ProjectMembership and SmartAppLaunch', () => {
  it('an admin adds a member with a profile of the project, sets its policy, removes it (sessions end)', async () => {
    const m = admin.medplum;
    const prac = await m.createResource({ resourceType: 'Practitioner', name: [{ given: ['Dana'], family: 'Doc' }] });
    const userId = createUser({ email: uniqueEmail('pm'), password: TEST_PASSWORD });
    const pol = await m.createResource({ resourceType: 'AccessPolicy', name: 'pm', resource: [{ resourceType: 'Patient' }] });
    const pm = await m.createResource({
      resourceType: 'ProjectMembership',
      user: { reference: `User/${userId}` },
      profile: { reference: `Practitioner/${prac.id}` },
      accessPolicy: { reference: `AccessPolicy/${pol.id}` },
    });
    assert.equal(pm.project.reference, `Project/${admin.fx.projectId}`);
    const dup = await api(admin.token, 'POST', 'ProjectMembership', { resourceType: 'ProjectMembership', user: { reference: `User/${userId}` }, profile: { reference: `Practitioner/${prac.id}` } });
    assert.equal(dup.status, 409);
    // a profile of another project, or a client of another project, is refused
    const theirPrac = await other.medplum.createResource({ resourceType: 'Practitioner', name: [{ family: 'Other' }] });
    const u2 = createUser({ email: uniqueEmail('pm2'), password: TEST_PASSWORD });
    const bad = await api(admin.token, 'POST', 'ProjectMembership', { resourceType: 'ProjectMembership', user: { reference: `User/${u2}` }, profile: { reference: `Practitioner/${theirPrac.id}` } });
    assert.equal(bad.status, 400, bad.text);
    // deleting the profile a membership names is refused
    assert.equal((await api(admin.token, 'DELETE', `Practitioner/${prac.id}`)).status, 400);
    await m.deleteResource('ProjectMembership', pm.id);
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE id = ?', [pm.id])[0][0], '0');
    // the owner's membership cannot be removed
    const ownerRow = dbQuery('SELECT m.id FROM project_membership m JOIN project p ON p.id = m.project_id AND p.owner_user_id = m.user_id LIMIT 1');
    if (ownerRow.length) {
      const su = await member('res-owner', { superAdmin: true });
      assert.equal((await api(su.token, 'DELETE', `ProjectMembership/${ownerRow[0][0]}`)).status, 400);
    }
  });

  it('SmartAppLaunch: a patient of the project; another project refused', async () => {
    const pt = await admin.medplum.createResource({ resourceType: 'Patient', name: [{ family: 'Launch' }] });
    const enc = randomUUID();
    const l = await admin.medplum.createResource({ resourceType: 'SmartAppLaunch', patient: { reference: `Patient/${pt.id}` }, encounter: { reference: `Encounter/${enc}` } });
    assert.equal(l.patient.reference, `Patient/${pt.id}`);
    assert.equal(dbQuery('SELECT patient_id, encounter_id FROM smart_app_launch WHERE id = ?', [l.id])[0].join(), `${pt.id},${enc}`);
    const theirs = await other.medplum.createResource({ resourceType: 'Patient', name: [{ family: 'Theirs' }] });
    const bad = await api(admin.token, 'POST', 'SmartAppLaunch', { resourceType: 'SmartAppLaunch', patient: { reference: `Patient/${theirs.id}` } });
    assert.equal(bad.status, 400);
  });
});

describe('bad input is a clear 4xx, never 5xx', () => {
  it('auth, types, ids, bodies, content types, encodings, parameters and injection strings', async () => {
    const t = admin.token;
    assert.equal((await http('fhir/R4/AccessPolicy')).status, 401);
    assert.equal((await http('fhir/R4/AccessPolicy', { headers: { Authorization: 'Bearer nope' } })).status, 401);
    assertNotFound(await api(t, 'GET', 'Observation'));
    assertNotFound(await api(t, 'GET', 'AccessPolicy/not-a-uuid'));
    assertNotFound(await api(t, 'GET', `AccessPolicy/${randomUUID()}`));
    assertNotFound(await api(t, 'GET', "AccessPolicy/'%20OR%201=1--"));
    const cases = [
      ['POST', 'AccessPolicy', '{"resourceType":', 400],
      ['POST', 'AccessPolicy', '[1,2]', 400],
      ['POST', 'AccessPolicy', { resourceType: 'ClientApplication', name: 'x' }, 400],
      ['POST', 'AccessPolicy', '', 400],
      ['POST', 'AccessPolicy', { resourceType: 'AccessPolicy', name: 'x'.repeat(300) }, 400],
      ['POST', 'AccessPolicy', { resourceType: 'AccessPolicy', name: 'a\u0000b' }, 400],
      ['POST', 'ClientApplication', { resourceType: 'ClientApplication', name: "x'); DROP TABLE client_application; --", redirectUris: 'x' }, 400],
      ['PUT', `AccessPolicy/${randomUUID()}`, { resourceType: 'AccessPolicy', id: randomUUID() }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const r = await api(t, method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.status} ${r.text}`);
      assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
    }
    const form = await http('fhir/R4/AccessPolicy', { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'resourceType=AccessPolicy' });
    assert.equal(form.status, 415, form.text);
    const text = await http('fhir/R4/AccessPolicy', { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'text/plain' }, body: '{}' });
    assert.ok([400, 415].includes(text.status), text.text);
    const utf8 = await http('fhir/R4/AccessPolicy', { method: 'POST', headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/fhir+json' }, body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) });
    assert.equal(utf8.status, 400, utf8.text);
    const big = await api(t, 'POST', 'Patient', { resourceType: 'Patient', text: 'x'.repeat(4 * 1024 * 1024) });
    assert.ok(big.status === 400 || big.status === 413, `${big.status}`);
    for (const q of ['_count=abc', '_count=-1', '_count=100000', '_offset=x', '_sort=name', 'name=a&name=b']) {
      const r = await api(t, 'GET', `AccessPolicy?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.text}`);
    }
    for (const q of ["name=' OR '1'='1", 'name=%25', 'name=%27%3B%20DROP%20TABLE%20project%3B--', 'identifier=a|b|c', '_id=x,y', 'unknown=1', '_elements=passwordHash']) {
      const r = await api(t, 'GET', `AccessPolicy?${q}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(r.json.resourceType, 'Bundle');
    }
    assert.ok(Number(dbQuery('SELECT COUNT(*) FROM project')[0][0]) > 0);
    // paging and sorting
    const names = [];
    for (let i = 0; i < 3; i++) names.push((await admin.medplum.createResource({ resourceType: 'AccessPolicy', name: `page-${i}`, resource: [] })).id);
    const page = await api(t, 'GET', 'AccessPolicy?name=page-&_count=2&_offset=0&_sort=-_lastUpdated');
    assert.equal(page.json.entry.length, 2);
    assert.equal(page.json.entry[0].resource.id, names[2]);
    const page2 = await api(t, 'GET', 'AccessPolicy?name=page-&_count=2&_offset=2&_sort=-_lastUpdated');
    assert.equal(page2.json.entry[0].resource.id, names[0]);
    const asc = await api(t, 'GET', 'AccessPolicy?name=page-&_count=1&_sort=_lastUpdated');
    assert.equal(asc.json.entry[0].resource.id, names[0]);
  });
});

void createProject;
