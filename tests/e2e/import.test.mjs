// SPDX-License-Identifier: BSD-2-Clause
// tessera-admin import: a Medplum export made here (bcryptjs hashes, Medplum's resource shapes)
// is imported (dry run, real, again: idempotent); its users sign in with their old passwords
// through the unmodified SDK and their hashes become scrypt; its client keeps its secret.
// Malformed and hostile exports are refused with line numbers and leave nothing behind
// (docs/MIGRATING.md, PROTOCOL.md §S.23).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import {
  BASE_URL,
  clientCredentialsToken,
  createClient,
  createProject,
  createUser,
  dbQuery,
  loadMedplum,
  postJson,
  quietPkceWarning,
  randomUUID,
  tesseraAdminResult,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

const dir = mkdtempSync(join(tmpdir(), 'tessera-import-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function writeExport(text) {
  const path = join(dir, `export-${++fileNo}`);
  writeFileSync(path, text);
  return path;
}
const ndjson = (resources) => resources.map((r) => JSON.stringify(r)).join('\n') + '\n';
const bundle = (resources) =>
  JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }, null, 2);
const ref = (type, id) => ({ reference: `${type}/${id}` });
const meta = (project) => ({ project, versionId: randomUUID(), lastUpdated: '2025-01-01T00:00:00.000Z' });

function importFile(path, ...flags) {
  return tesseraAdminResult('import', path, ...flags);
}
function count(table, id) {
  return Number(dbQuery(`SELECT COUNT(*) FROM ${table} WHERE id = ?`, [id])[0][0]);
}
function newMedplum(clientId) {
  return new MedplumClient({ baseUrl: BASE_URL, clientId, fetch: (u, o) => fetch(u, o) });
}

/** A Medplum project as its export holds it: project, policy, practitioner and patient,
 * a server user (bcrypt $2b$) and a project user ($2a$), memberships, a client, a bot, a
 * domain and one resource that is not identity data. */
function medplumProject() {
  const x = {
    project: randomUUID(), policy: randomUUID(), practitioner: randomUUID(), patient: randomUUID(),
    serverUser: randomUUID(), projectUser: randomUUID(), adminMember: randomUUID(), patientMember: randomUUID(),
    client: randomUUID(), clientMember: randomUUID(), bot: randomUUID(), botMember: randomUUID(),
    domain: randomUUID(), domainName: `${randomUUID().slice(0, 8)}.import.example.org`,
    email: uniqueEmail('imp-admin'), patientEmail: uniqueEmail('imp-patient'),
    password: 'medplum-old-password-1', patientPassword: 'medplum-old-password-2',
    secret: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''),
    name: uniqueName('imported'),
  };
  const hashB = bcrypt.hashSync(x.password, 10);
  const hashA = bcrypt.hashSync(x.patientPassword, 10).replace(/^\$2b\$/, '$2a$');
  assert.match(hashB, /^\$2b\$10\$/);
  x.resources = [
    { resourceType: 'Project', id: x.project, name: x.name, strictMode: true, owner: ref('User', x.serverUser),
      defaultPatientAccessPolicy: ref('AccessPolicy', x.policy), link: [], meta: meta(x.project) },
    { resourceType: 'AccessPolicy', id: x.policy, name: 'Patients', meta: meta(x.project),
      resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id' }] },
    { resourceType: 'Practitioner', id: x.practitioner, meta: meta(x.project),
      name: [{ given: ['Ada'], family: 'Imported' }], telecom: [{ system: 'email', value: x.email }] },
    { resourceType: 'Patient', id: x.patient, meta: meta(x.project), name: [{ given: ['Pat'], family: 'Imported' }] },
    { resourceType: 'User', id: x.serverUser, firstName: 'Ada', lastName: 'Imported', email: x.email,
      emailVerified: true, passwordHash: hashB, mfaEnrolled: false, meta: { versionId: randomUUID() } },
    { resourceType: 'User', id: x.projectUser, firstName: 'Pat', lastName: 'Imported', email: x.patientEmail,
      emailVerified: true, passwordHash: hashA, project: ref('Project', x.project), meta: meta(x.project) },
    { resourceType: 'ProjectMembership', id: x.adminMember, meta: meta(x.project), project: ref('Project', x.project),
      user: ref('User', x.serverUser), profile: ref('Practitioner', x.practitioner), admin: true },
    { resourceType: 'ProjectMembership', id: x.patientMember, meta: meta(x.project), project: ref('Project', x.project),
      user: ref('User', x.projectUser), profile: ref('Patient', x.patient), accessPolicy: ref('AccessPolicy', x.policy) },
    { resourceType: 'ClientApplication', id: x.client, meta: meta(x.project), name: 'Imported app', secret: x.secret,
      redirectUris: ['https://app.example.com/imported/callback'], pkceOptional: false },
    { resourceType: 'ProjectMembership', id: x.clientMember, meta: meta(x.project), project: ref('Project', x.project),
      user: ref('ClientApplication', x.client), profile: ref('ClientApplication', x.client) },
    { resourceType: 'Bot', id: x.bot, meta: meta(x.project), name: 'Imported bot', runtimeVersion: 'awslambda',
      sourceCode: { url: 'https://example.com/bot.ts' } },
    { resourceType: 'ProjectMembership', id: x.botMember, meta: meta(x.project), project: ref('Project', x.project),
      user: ref('Bot', x.bot), profile: ref('Bot', x.bot) },
    { resourceType: 'DomainConfiguration', id: x.domain, domain: x.domainName, meta: { versionId: randomUUID() },
      identityProvider: { authorizeUrl: 'https://idp.example.com/authorize', tokenUrl: 'https://idp.example.com/token',
        userInfoUrl: 'https://idp.example.com/userinfo', clientId: 'medplum', clientSecret: 'idp-secret' } },
    { resourceType: 'Observation', id: randomUUID(), meta: meta(x.project), status: 'final', code: { text: 'not identity' } },
  ];
  return x;
}

describe('tessera-admin import of a Medplum export', () => {
  let x, path;
  before(() => {
    x = medplumProject();
    path = writeExport(ndjson(x.resources));
  });

  it('the dry run reports what it would create and what it cannot map, and writes nothing', () => {
    const r = importFile(path, '--dry-run');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /would create: 1 Project, 1 AccessPolicy, 1 Practitioner, 1 Patient, 2 User, 1 ClientApplication, 1 Bot, 4 ProjectMembership, 1 DomainConfiguration/);
    assert.match(r.stdout, /Observation \(not identity data: not imported\): 1/);
    assert.match(r.stdout, /Bot\.runtimeVersion: 1/);
    assert.match(r.stdout, /User\.mfaEnrolled: 1/);
    assert.match(r.stdout, /Project\.link: 1/);
    assert.match(r.stdout, /^import \(dry run\): 13 resources to create, 0 already here, .*nothing was written$/m);
    for (const [table, id] of [['project', x.project], ['user', x.serverUser], ['client_application', x.client],
      ['project_membership', x.adminMember], ['domain_configuration', x.domain]])
      assert.equal(count(table, id), 0, `${table} written by a dry run`);
  });

  it('imports every project in one go, keeping Medplum ids, bcrypt hashes and the client secret', async () => {
    const r = importFile(path);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^import: 13 resources created, 0 already here/m);
    const [proj] = dbQuery('SELECT name, owner_user_id, default_patient_access_policy_id, super_admin FROM project WHERE id = ?', [x.project]);
    assert.deepEqual(proj, [x.name, x.serverUser, x.policy, '0']);
    const [user] = dbQuery('SELECT email, project_id IS NULL, LEFT(password_hash, 4), email_verified FROM user WHERE id = ?', [x.serverUser]);
    assert.deepEqual(user, [x.email, '1', '$2b$', '1']);
    assert.equal(dbQuery('SELECT project_id FROM user WHERE id = ?', [x.projectUser])[0][0], x.project);
    const [m] = dbQuery('SELECT admin, profile_id FROM project_membership WHERE id = ?', [x.adminMember]);
    assert.deepEqual(m, ['1', x.practitioner]);
    assert.equal(dbQuery('SELECT access_policy_id FROM project_membership WHERE id = ?', [x.patientMember])[0][0], x.policy);
    assert.equal(count('bot', x.bot), 1);
    assert.equal(count('project_membership', x.botMember), 1);
    assert.equal(dbQuery('SELECT domain FROM domain_configuration WHERE id = ?', [x.domain])[0][0], x.domainName);
    // The client keeps working with the secret its users already hold.
    const token = await clientCredentialsToken(x.client, x.secret);
    assert.ok(token.access_token);
  });

  it('a second run changes nothing', () => {
    const before = dbQuery('SELECT COUNT(*), MAX(updated_at) FROM user WHERE id IN (?, ?)', [x.serverUser, x.projectUser]);
    const memberships = dbQuery('SELECT COUNT(*) FROM project_membership WHERE project_id = ?', [x.project]);
    const r = importFile(path);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^import: 0 resources created, 13 already here/m);
    assert.deepEqual(dbQuery('SELECT COUNT(*), MAX(updated_at) FROM user WHERE id IN (?, ?)', [x.serverUser, x.projectUser]), before);
    assert.deepEqual(dbQuery('SELECT COUNT(*) FROM project_membership WHERE project_id = ?', [x.project]), memberships);
  });

  it('a wrong password is refused and the bcrypt hash stays', async () => {
    const r = await postJson('auth/login', { email: x.email, password: 'not-the-password-1', clientId: x.client });
    assert.equal(r.status, 400);
    assert.equal(r.json.issue[0].details.text, 'Email or password is invalid');
    assert.equal(dbQuery('SELECT LEFT(password_hash, 4) FROM user WHERE id = ?', [x.serverUser])[0][0], '$2b$');
  });

  it('the server user signs in with the old password through the SDK; the hash is scrypt afterwards', async () => {
    const medplum = newMedplum(x.client);
    const res = await medplum.startLogin({ email: x.email, password: x.password });
    const profile = await medplum.processCode(res.code);
    assert.equal(profile.resourceType, 'Practitioner');
    assert.equal(profile.id, x.practitioner);
    assert.equal(dbQuery('SELECT LEFT(password_hash, 4) FROM user WHERE id = ?', [x.serverUser])[0][0], '$s1$');
    // And again, now against the scrypt hash.
    const again = await newMedplum(x.client).startLogin({ email: x.email, password: x.password });
    assert.ok(again.code);
  });

  it('the project user ($2a$) signs in to its project; the hash is scrypt afterwards', async () => {
    const medplum = newMedplum(x.client);
    const res = await medplum.startLogin({ email: x.patientEmail, password: x.patientPassword, projectId: x.project });
    const profile = await medplum.processCode(res.code);
    assert.equal(profile.resourceType, 'Patient');
    assert.equal(profile.id, x.patient);
    assert.equal(dbQuery('SELECT LEFT(password_hash, 4) FROM user WHERE id = ?', [x.projectUser])[0][0], '$s1$');
  });

  it('the same export as a Bundle is already here', () => {
    const r = importFile(writeExport(bundle(x.resources)));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^import: 0 resources created, 13 already here/m);
  });
});

/** Imports text that must be refused: exit 1, the message, and not one row of any project. */
function assertRefused(text, pattern, ...absent) {
  const r = importFile(writeExport(text));
  assert.equal(r.status, 1, `accepted: ${r.stdout}`);
  assert.match(r.stderr, pattern);
  assert.match(r.stderr, /nothing was imported/);
  for (const id of absent) {
    assert.equal(count('project', id), 0, 'a project was half-imported');
    assert.equal(Number(dbQuery('SELECT COUNT(*) FROM user WHERE project_id = ? OR id = ?', [id, id])[0][0]), 0);
  }
  return r;
}

describe('tessera-admin import refuses malformed and hostile exports', () => {
  it('wrong types, with the NDJSON line', () => {
    const x = medplumProject();
    const bad = x.resources.map((r) => (r.id === x.projectUser ? { ...r, email: 42 } : r));
    assertRefused(ndjson(bad), /line 6 \(User\/[0-9a-f-]{36}\): email must be an address/, x.project);
    const flag = x.resources.map((r) => (r.id === x.serverUser ? { ...r, emailVerified: 'yes' } : r));
    assertRefused(ndjson(flag), /line 5 .*emailVerified must be true or false/, x.project);
    const notObject = ndjson(x.resources).replace(/^\{"resourceType":"Patient".*$/m, '["Patient"]');
    assertRefused(notObject, /line 4: the line is not a JSON object/, x.project);
  });

  it('huge fields', () => {
    const x = medplumProject();
    const bad = x.resources.map((r) => (r.id === x.patient ? { ...r, name: [{ family: 'x'.repeat(100000) }] } : r));
    assertRefused(ndjson(bad), /line 4 \(Patient\/.*larger than 64 KiB/, x.project);
    const longName = x.resources.map((r) => (r.id === x.serverUser ? { ...r, firstName: 'y'.repeat(129) } : r));
    assertRefused(ndjson(longName), /line 5 .*firstName and lastName/, x.project);
  });

  it('duplicate emails in one scope name both places, also in a Bundle', () => {
    const x = medplumProject();
    const twin = { ...x.resources[5], id: randomUUID(), email: x.patientEmail.toUpperCase() };
    assertRefused(ndjson([...x.resources, twin]), new RegExp(`line 15 .*also the User's at line 6`), x.project);
    assertRefused(bundle([...x.resources, twin]), /entry 14 .*also the User's at entry 5/, x.project);
    const sameId = { ...x.resources[3] };
    assertRefused(ndjson([...x.resources, sameId]), /line 15 \(Patient\/.*the same id as line 4/, x.project);
  });

  it("a membership naming another project's user is refused, and neither project is written", () => {
    const a = medplumProject();
    const b = medplumProject();
    const stolen = { ...a.resources[6], id: randomUUID(), user: ref('User', b.projectUser) };
    assertRefused(ndjson([...a.resources, ...b.resources, stolen]),
      new RegExp(`line 29 .*user User/${b.projectUser} \\(line 20\\) belongs to project ${b.project}`), a.project, b.project);
  });

  it('invalid UTF-8 and NUL bytes, with their lines', () => {
    const x = medplumProject();
    const lines = ndjson(x.resources).split('\n');
    const bytes = Buffer.concat([
      Buffer.from(lines.slice(0, 2).join('\n') + '\n'),
      Buffer.from('{"resourceType":"Practitioner","id":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n' + lines.slice(3).join('\n')),
    ]);
    assertRefused(bytes, /line 3: not JSON .*(UTF-8|decode)/i, x.project);
    const nul = ndjson(x.resources).replace('"Ada"', '"A\\u0000da"');
    assertRefused(nul, /line 3: not JSON/, x.project);
  });

  it('a bcrypt cost that would stall sign-in, an unknown hash, an id that is not a UUID', () => {
    const x = medplumProject();
    const slow = x.resources.map((r) => (r.id === x.serverUser ? { ...r, passwordHash: r.passwordHash.replace('$10$', '$31$') } : r));
    assertRefused(ndjson(slow), /line 5 .*passwordHash is not a bcrypt hash/, x.project);
    const md5 = x.resources.map((r) => (r.id === x.serverUser ? { ...r, passwordHash: '$1$abc$def' } : r));
    assertRefused(ndjson(md5), /line 5 .*passwordHash/, x.project);
    const badId = x.resources.map((r) => (r.id === x.patient ? { ...r, id: "1' OR '1'='1" } : r));
    assertRefused(ndjson(badId), /line 4: id must be a UUID/, x.project);
  });

  it("a refusal in a later project's writes leaves the earlier project unwritten", () => {
    const a = medplumProject();
    const b = medplumProject();
    const badClient = b.resources.map((r) => (r.id === b.client ? { ...r, redirectUris: ['javascript:alert(1)'] } : r));
    assertRefused(ndjson([...a.resources, ...badClient]), /line 23 \(ClientApplication\/.*Invalid redirectUris/, a.project, b.project);
  });

  it("an id that is another project's on this server is refused (no take-over)", () => {
    const other = createProject(uniqueName('victim'));
    const victim = createClient(other, 'victim client');
    const x = medplumProject();
    const hijack = x.resources.map((r) => (r.id === x.client ? { ...r, id: victim.id } : r.id === x.clientMember
      ? { ...r, user: ref('ClientApplication', victim.id), profile: ref('ClientApplication', victim.id) } : r));
    assertRefused(ndjson(hijack), /already another project's on this server/, x.project);
    assert.equal(dbQuery('SELECT project_id FROM client_application WHERE id = ?', [victim.id])[0][0], other);
  });

  // Review 4: project ids are no secret (tokens, URLs, audit events carry them). Before the fix an
  // export that named a project of this server wrote an administrator with a password of its
  // choice and a client with a secret of its choice into it; a DomainConfiguration for a domain
  // whose people already have accounts here put their sign-in in the hands of the export's IdP.
  it('an export adds no administrator or client to a project of this server unless told to', () => {
    const victim = createProject(uniqueName('victim'));
    const x = medplumProject();
    const mine = randomUUID(), member = randomUUID(), client = randomUUID();
    const hostile = [
      { resourceType: 'Practitioner', id: x.practitioner, meta: meta(victim), name: [{ given: ['Eve'], family: 'Evil' }] },
      { resourceType: 'User', id: mine, firstName: 'Eve', lastName: 'Evil', email: uniqueEmail('imp-evil'),
        emailVerified: true, passwordHash: bcrypt.hashSync('evil-password-1', 4) },
      { resourceType: 'ProjectMembership', id: member, meta: meta(victim), project: ref('Project', victim),
        user: ref('User', mine), profile: ref('Practitioner', x.practitioner), admin: true },
      { resourceType: 'ClientApplication', id: client, meta: meta(victim), name: 'evil', secret: x.secret },
    ];
    const r = assertRefused(ndjson(hostile), /project .* is already on this server .*--into-existing/);
    assert.match(r.stderr, /ClientApplication\/|ProjectMembership\//);
    assert.equal(count('project_membership', member), 0);
    assert.equal(count('client_application', client), 0);
    assert.equal(count('user', mine), 0);
    // The Project resource in the export, with the server's id, changes nothing.
    const named = [{ resourceType: 'Project', id: victim, name: 'victim', meta: meta(victim) }, hostile[3]];
    assertRefused(ndjson(named), /is already on this server/);
    assert.equal(count('client_application', client), 0);
    // The operator who means it (a later export of a project imported before) says so.
    const ok = importFile(writeExport(ndjson([hostile[3]])), '--into-existing');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(count('client_application', client), 1);
  });

  it("a DomainConfiguration of a domain whose accounts are on this server is refused unless told to", () => {
    const domain = `${randomUUID().slice(0, 8)}.victim.example.org`;
    createUser({ email: `someone@${domain}`, password: 'correct-horse-battery-9' });
    const x = medplumProject();
    const hostile = x.resources.map((r) => (r.id === x.domain ? { ...r, domain: domain.toUpperCase() } : r));
    assertRefused(ndjson(hostile), /the email domain already has accounts on this server, .*--into-existing/, x.project);
    assert.equal(Number(dbQuery('SELECT COUNT(*) FROM domain_configuration WHERE domain = ?', [domain])[0][0]), 0);
  });

  it('a super admin project comes in as an ordinary project', () => {
    const x = medplumProject();
    x.resources[0].superAdmin = true;
    const r = importFile(writeExport(ndjson(x.resources)));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Project\.superAdmin: 1/);
    assert.equal(dbQuery('SELECT super_admin FROM project WHERE id = ?', [x.project])[0][0], '0');
  });

  it('a project neither in the export nor on the server; a Bundle that is not JSON', () => {
    const x = medplumProject();
    const orphan = x.resources.slice(1);
    assertRefused(ndjson(orphan), /line 1 \(AccessPolicy\/.*neither in the export nor on this server/, x.project);
    assertRefused(bundle(x.resources).replace('"entry"', '"entry" ,'), /line \d+: not JSON/, x.project);
  });
});
