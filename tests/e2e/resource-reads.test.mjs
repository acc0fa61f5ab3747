// SPDX-License-Identifier: BSD-2-Clause
// The resource API's read-only types and its audit trail (PROTOCOL.md §11.4): Login (one's own
// sign-ins, a project admin's project, a super admin's all; named by reference, never a code,
// secret or hash), AuditEvent (search in SQL by type, date range, entity, agent, paging and
// sort), UserSecurityRequest (never the secret); every write through /fhir/R4 and every
// refused write recorded. Then SMART launch contexts (§11.2: patient and encounter in the token
// response, another project's launch refused) and scopes that only ever narrow the policy.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  addMember,
  assertBadRequest,
  authLogin,
  authorizeRequest,
  createSecurityRequest,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  decodeJwt,
  formOf,
  http,
  pkcePair,
  postJson,
  randomUUID,
  readConfig,
  redeemCode,
  signIn,
  submitSigninPage,
  TEST_PASSWORD,
  uniqueEmail,
} from './lib.mjs';
import { api, member, patientOf, sdk } from './fhir-lib.mjs';

const REF = /^[0-9a-f]{24}$/;
const LOGIN_SECRETS = ['code', 'cookie', 'refreshSecret', 'refreshToken', 'nonce', 'codeChallenge', 'codeChallengeMethod', 'redirectUri', 'refreshHash', 'codeHash', 'cookieHash'];

/** The resources of a searchset Bundle answered by the raw API. */
function entries(r) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.resourceType, 'Bundle');
  return (r.json.entry ?? []).map((e) => e.resource);
}

/** The events of one entity, oldest first. */
async function eventsOf(token, entity) {
  return entries(await api(token, 'GET', `AuditEvent?entity=${encodeURIComponent(entity)}&_sort=_lastUpdated`));
}

function eventType(e) {
  return e.subtype[0].code;
}

/** Another (non-admin) member of a fixture's project, signed in: { token, profileId }. */
async function secondMember(fx, prefix) {
  const email = uniqueEmail(prefix);
  const userId = createUser({ email, password: TEST_PASSWORD });
  const m = addMember({ project: fx.projectId, user: userId, profile: 'Practitioner' });
  const { tokens } = await signIn({ ...fx, email, userId, ...m });
  return { token: tokens.access_token, profileId: m.profileId };
}

let admin, other, superAdmin;
before(async () => {
  admin = await member('rr-admin', { admin: true });
  other = await member('rr-other', { admin: true });
  superAdmin = await member('rr-super', { superAdmin: true });
});

describe('Login (§11.4)', () => {
  it('a member reads and searches its own sign-ins by reference; never a code, secret or hash; never the id', async () => {
    const fx = createSigninFixture('rr-login');
    const first = await signIn(fx);
    const second = await signIn(fx);
    const me = sdk(second.tokens.access_token);
    const mine = await me.searchResources('Login', { _count: 10 });
    assert.equal(mine.length, 2);
    for (const l of mine) {
      assert.match(l.id, REF);
      assert.notEqual(l.id, first.login);
      assert.notEqual(l.id, second.login);
      for (const k of LOGIN_SECRETS) assert.equal(l[k], undefined, `Login.${k} handed out`);
      assert.equal(l.user.reference, `User/${fx.userId}`);
      assert.equal(l.profile.reference, `Practitioner/${fx.profileId}`);
      assert.equal(l.meta.project, fx.projectId);
      assert.equal(l.authMethod, 'password');
      assert.equal(l.granted, true);
      assert.equal(l.revoked, false);
      assert.equal(l.remoteAddress, '127.0.0.1');
    }
    const text = JSON.stringify(mine);
    assert.ok(!text.includes(first.login) && !text.includes(second.login), 'a login id in a Login resource');
    assert.ok(!text.includes(first.code) && !text.includes(second.code), 'a code in a Login resource');
    // read by reference; the login id itself names nothing
    const one = await me.readResource('Login', mine[0].id);
    assert.equal(one.id, mine[0].id);
    assert.equal((await api(second.tokens.access_token, 'GET', `Login/${second.login}`)).status, 404);
    // read-only whatever the policy: every write is 403
    const t = second.tokens.access_token;
    assert.equal((await api(t, 'POST', 'Login', { resourceType: 'Login' })).status, 403);
    assert.equal((await api(t, 'PUT', `Login/${one.id}`, { ...one, revoked: true })).status, 403);
    assert.equal((await api(t, 'DELETE', `Login/${one.id}`)).status, 403);
  });

  it("a member never sees another member's sign-ins; a project admin sees the project's, a super admin any", async () => {
    const fx = createSigninFixture('rr-login-a');
    const a = await signIn(fx);
    const b = await secondMember(fx, 'rr-login-b');
    const aRef = (await sdk(a.tokens.access_token).searchResources('Login'))[0].id;
    const bLogins = await sdk(b.token).searchResources('Login');
    assert.equal(bLogins.length, 1);
    assert.notEqual(bLogins[0].id, aRef);
    assert.equal((await api(b.token, 'GET', `Login/${aRef}`)).status, 404);

    // the project admin of that project sees both
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const adminSignIn = await signIn(fx);
    const all = entries(await api(adminSignIn.tokens.access_token, 'GET', 'Login?_count=50'));
    assert.ok(all.some((l) => l.id === aRef) && all.some((l) => l.id === bLogins[0].id));
    // another project's admin does not, even naming it
    assert.equal((await api(other.token, 'GET', `Login/${aRef}`)).status, 404);
    assert.ok(!entries(await api(other.token, 'GET', `Login?_project=${fx.projectId}`)).some((l) => l.id === aRef));
    // a super admin reads it, and finds it with _project
    assert.equal((await superAdmin.medplum.readResource('Login', aRef)).id, aRef);
    assert.ok((await superAdmin.medplum.searchResources('Login', { _project: fx.projectId, _count: 50 })).some((l) => l.id === aRef));
  });

  it('a narrow SMART scope leaves out even its own sign-ins', async () => {
    const narrowed = await member('rr-login-scope', { scope: 'openid user/Patient.rs' });
    assert.equal((await api(narrowed.token, 'GET', 'Login')).status, 403);
  });
});

describe('audit events for API writes (§11.4)', () => {
  it('create, update and delete each record who, what and the outcome; the SDK searches and reads them', async () => {
    const m = admin.medplum;
    const pol = await m.createResource({ resourceType: 'AccessPolicy', name: 'audited', resource: [{ resourceType: 'Patient' }] });
    await m.updateResource({ ...pol, name: 'audited-2' });
    await m.deleteResource('AccessPolicy', pol.id);
    const events = await eventsOf(admin.token, `AccessPolicy/${pol.id}`);
    assert.deepEqual(events.map(eventType), ['resource-created', 'resource-updated', 'resource-deleted']);
    assert.deepEqual(events.map((e) => e.action), ['C', 'U', 'D']);
    for (const e of events) {
      assert.equal(e.outcome, '0');
      assert.equal(e.meta.project, admin.fx.projectId);
      assert.equal(e.agent[0].who.reference, `Practitioner/${admin.fx.profileId}`);
      assert.equal(e.entity[0].what.reference, `AccessPolicy/${pol.id}`);
      assert.equal(e.agent[0].network.address, '127.0.0.1');
    }
    // the SDK: searchResources with the same filters, readResource of one
    const viaSdk = await m.searchResources('AuditEvent', { entity: `AccessPolicy/${pol.id}`, type: 'resource-updated' });
    assert.equal(viaSdk.length, 1);
    assert.equal((await m.readResource('AuditEvent', viaSdk[0].id)).id, viaSdk[0].id);
  });

  it('a write in a transaction (ClientApplication, ProjectMembership) records its event with it', async () => {
    const client = await admin.medplum.createResource({ resourceType: 'ClientApplication', name: 'audited client' });
    const [created] = await eventsOf(admin.token, `ClientApplication/${client.id}`);
    assert.equal(eventType(created), 'resource-created');
    // the event is stored with the row's own transaction: same project, recorded once
    assert.equal(dbQuery('SELECT COUNT(*) FROM audit_event WHERE entity = ?', [`ClientApplication/${client.id}`])[0][0], '1');
    const userId = createUser({ email: uniqueEmail('rr-pm'), password: TEST_PASSWORD });
    const prac = await admin.medplum.createResource({ resourceType: 'Practitioner', name: [{ family: 'Audit' }] });
    const pm = await admin.medplum.createResource({ resourceType: 'ProjectMembership', user: { reference: `User/${userId}` }, profile: { reference: `Practitioner/${prac.id}` } });
    await admin.medplum.deleteResource('ProjectMembership', pm.id);
    assert.deepEqual((await eventsOf(admin.token, `ProjectMembership/${pm.id}`)).map(eventType), ['resource-created', 'resource-deleted']);
  });

  it('refused writes are recorded: 403 for a member, 412 for a stale If-Match, 404 for another project', async () => {
    const plain = await secondMember(admin.fx, 'rr-refused');
    assert.equal((await api(plain.token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', name: 'nope' })).status, 403);
    const refused = entries(await api(admin.token, 'GET', `AuditEvent?type=resource-create-refused&agent=Practitioner/${plain.profileId}`));
    assert.equal(refused.length, 1);
    assert.equal(refused[0].outcome, '4');
    assert.equal(refused[0].outcomeDesc, '403 Forbidden');
    assert.equal(refused[0].entity[0].what.reference, 'AccessPolicy');

    const pol = await admin.medplum.createResource({ resourceType: 'AccessPolicy', name: 'etag', resource: [{ resourceType: 'Patient' }] });
    const stale = await api(admin.token, 'PUT', `AccessPolicy/${pol.id}`, { ...pol, name: 'x' }, { 'If-Match': 'W/"1"' });
    assert.equal(stale.status, 412);
    const theirs = await other.medplum.createResource({ resourceType: 'AccessPolicy', name: 'theirs', resource: [{ resourceType: 'Patient' }] });
    assert.equal((await api(admin.token, 'DELETE', `AccessPolicy/${theirs.id}`)).status, 404);
    const mine = entries(await api(admin.token, 'GET', `AuditEvent?agent=${admin.fx.profileId}&_count=50`));
    const staleEvent = mine.find((e) => eventType(e) === 'resource-update-refused' && e.entity[0].what.reference === `AccessPolicy/${pol.id}`);
    assert.equal(staleEvent?.outcomeDesc, '412 Precondition Failed');
    const foreign = mine.find((e) => eventType(e) === 'resource-delete-refused' && e.entity[0].what.reference === `AccessPolicy/${theirs.id}`);
    assert.equal(foreign?.outcomeDesc, '404 Not found');
    // the other project's admins never see the refusal aimed at their resource by a stranger
    assert.ok(!(await eventsOf(other.token, `AccessPolicy/${theirs.id}`)).some((e) => eventType(e) === 'resource-delete-refused'));
  });
});

describe('AuditEvent search (§11.4)', () => {
  it('date ranges, _count/_offset pages, both sorts; login events readable by their reference ids', async () => {
    const a = await member('rr-ae', { admin: true });
    const before = new Date(Date.now() - 1000).toISOString();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await a.medplum.createResource({ resourceType: 'Patient', name: [{ family: `Page${i}` }] })).id);
    const after = new Date(Date.now() + 60_000).toISOString();
    const q = `type=resource-created&date=ge${before}&date=lt${after}`;
    const newest = entries(await api(a.token, 'GET', `AuditEvent?${q}`));
    assert.deepEqual(newest.map((e) => e.entity[0].what.reference), ids.map((id) => `Patient/${id}`).reverse());
    const oldest = entries(await api(a.token, 'GET', `AuditEvent?${q}&_sort=_lastUpdated`));
    assert.deepEqual(oldest.map((e) => e.id), newest.map((e) => e.id).reverse());
    const page2 = entries(await api(a.token, 'GET', `AuditEvent?${q}&_count=1&_offset=1&_sort=-_lastUpdated`));
    assert.deepEqual(page2.map((e) => e.id), [newest[1].id]);
    assert.equal(entries(await api(a.token, 'GET', `AuditEvent?${q.replace(`lt${after}`, `lt${before}`)}`)).length, 0);
    assert.equal(entries(await api(a.token, 'GET', `AuditEvent?type=resource-created&date=gt${after}`)).length, 0);

    // the sign-in's own events: "<login ref>.signin" and ".code", never the login id
    const signins = entries(await api(a.token, 'GET', 'AuditEvent?type=sign-in-success'));
    assert.equal(signins.length, 1);
    assert.match(signins[0].id, /^[0-9a-f]{24}\.signin$/);
    const read = await api(a.token, 'GET', `AuditEvent/${signins[0].id}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.id, signins[0].id);
    const loginRef = signins[0].id.slice(0, 24);
    assert.equal((await sdk(a.token).readResource('Login', loginRef)).id, loginRef);
  });

  it('bad parameters are 400; members without admin rights get 403; admins only their project; super admins any', async () => {
    for (const q of ['type=nope', 'date=2026-01-01', 'date=xx2026-01-01', 'date=ge2026-01-01&date=ge2026-02-01', 'agent=not-a-uuid', 'entity=noslash', 'subject=Patient/x', "type=' OR 1=1 --", 'entity=' + 'A/'.repeat(50)]) {
      const r = await api(admin.token, 'GET', `AuditEvent?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.status} ${r.text}`);
      assert.equal(r.json.resourceType, 'OperationOutcome');
    }
    // the refusal names the parameter at fault
    const unknown = await api(admin.token, 'GET', 'AuditEvent?subject=Patient/x');
    assert.equal(unknown.json.issue[0].details.text, 'Unknown search parameter');
    assert.deepEqual(unknown.json.issue[0].expression, ['subject']);
    for (const id of [randomUUID(), "x' OR '1'='1", 'a'.repeat(24) + '.signin', 'cc.x.y', '%00']) {
      assert.equal((await api(admin.token, 'GET', `AuditEvent/${encodeURIComponent(id)}`)).status, 404, id);
    }
    // injection strings in the values SQL binds are data: nothing found, never an error or more
    for (const q of ["entity=Patient/x' OR '1'='1", 'entity=Patient/%25', "agent=00000000-0000-4000-8000-000000000000' OR 1=1 --"]) {
      const r = await api(admin.token, 'GET', `AuditEvent?${q.replace(/ /g, '%20')}`);
      assert.ok(r.status === 200 || r.status === 400, `${q}: ${r.status} ${r.text}`);
      if (r.status === 200) assert.equal(entries(r).length, 0, q);
    }
    for (const q of ["_id=' OR 1=1 --", '_id=%25', `_project=${other.fx.projectId}' OR '1'='1`]) {
      const r = await api(admin.token, 'GET', `Login?${q.replace(/ /g, '%20')}`);
      assert.equal(r.status, 200, `${q}: ${r.text}`);
      assert.equal(entries(r).length, q.startsWith('_project') ? entries(await api(admin.token, 'GET', 'Login')).length : 0, q);
    }
    const plain = await member('rr-ae-plain');
    assert.equal((await api(plain.token, 'GET', 'AuditEvent')).status, 403);
    // another project's event: 404 for this admin, found by the super admin
    const theirs = await other.medplum.createResource({ resourceType: 'Patient', name: [{ family: 'Elsewhere' }] });
    const [event] = await eventsOf(other.token, `Patient/${theirs.id}`);
    assert.equal((await api(admin.token, 'GET', `AuditEvent/${event.id}`)).status, 404);
    assert.equal(entries(await api(admin.token, 'GET', `AuditEvent?entity=Patient/${theirs.id}&_project=${other.fx.projectId}`)).length, 0);
    assert.equal((await superAdmin.medplum.readResource('AuditEvent', event.id)).id, event.id);
    const viaProject = entries(await api(superAdmin.token, 'GET', `AuditEvent?entity=Patient/${theirs.id}&_project=${other.fx.projectId}`));
    assert.deepEqual(viaProject.map((e) => e.id), [event.id]);
    // events are read-only
    assert.equal((await api(admin.token, 'POST', 'AuditEvent', { resourceType: 'AuditEvent' })).status, 403);
    assert.equal((await api(superAdmin.token, 'DELETE', `AuditEvent/${event.id}`)).status, 403);
  });
});

describe('UserSecurityRequest (§11.4)', () => {
  it("read by the project's admins and super admins, never the secret; read-only; another project's 404", async () => {
    const userId = createUser({ email: uniqueEmail('rr-usr'), password: TEST_PASSWORD });
    const { id, secret } = createSecurityRequest({ type: 'invite', userId, projectId: admin.fx.projectId });
    const r = await admin.medplum.readResource('UserSecurityRequest', id);
    assert.equal(r.type, 'invite');
    assert.equal(r.user.reference, `User/${userId}`);
    assert.equal(r.used, false);
    assert.equal(r.meta.project, admin.fx.projectId);
    const text = JSON.stringify(r);
    assert.ok(!text.includes(secret) && r.secret === undefined && r.secretHash === undefined, 'a secret handed out');
    assert.ok((await admin.medplum.searchResources('UserSecurityRequest', { _count: 100 })).some((x) => x.id === id));
    assert.equal((await api(other.token, 'GET', `UserSecurityRequest/${id}`)).status, 404);
    assert.equal((await superAdmin.medplum.readResource('UserSecurityRequest', id)).id, id);
    assert.equal((await api(admin.token, 'PUT', `UserSecurityRequest/${id}`, { ...r, used: true })).status, 403);
    assert.equal((await api(superAdmin.token, 'POST', 'UserSecurityRequest', { resourceType: 'UserSecurityRequest', type: 'reset' })).status, 403);
    const plain = await member('rr-usr-plain');
    assert.equal((await api(plain.token, 'GET', 'UserSecurityRequest')).status, 403);
  });
});

describe('SMART launch contexts (§11.2)', () => {
  it("a launch's patient and encounter are in the token response; another project's or an unknown launch is refused", async () => {
    const fx = createSigninFixture('rr-launch');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const { tokens } = await signIn(fx);
    const m = sdk(tokens.access_token);
    const pt = await m.createResource({ resourceType: 'Patient', name: [{ family: 'Launched' }] });
    const enc = randomUUID();
    const launch = await m.createResource({ resourceType: 'SmartAppLaunch', patient: { reference: `Patient/${pt.id}` }, encounter: { reference: `Encounter/${enc}` } });
    const withLaunch = await signIn(fx, { login: { launch: launch.id, scope: 'openid launch patient/*.rs' } });
    assert.equal(withLaunch.tokens.patient, pt.id);
    assert.equal(withLaunch.tokens.encounter, enc);
    const plainTokens = await signIn(fx);
    assert.equal(plainTokens.tokens.patient, undefined);
    assert.equal(plainTokens.tokens.encounter, undefined);

    // another project's launch, and an unknown one: /auth/login 404, authorize invalid_request
    const foreign = await other.medplum.createResource({ resourceType: 'SmartAppLaunch' });
    for (const id of [foreign.id, randomUUID()]) {
      const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair(), launch: id });
      assert.equal(r.status, 404, r.text);
      const a = await http(authorizeRequest(fx, { launch: id, state: 's-launch' }).url);
      assert.equal(a.status, 302, a.text);
      const loc = new URL(a.headers.get('location'));
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
      assert.equal(loc.searchParams.get('error_description'), 'Invalid launch');
    }
    // without a client, the project is known only at the membership: refused there
    const noClient = await postJson('auth/login', { email: fx.email, password: fx.password, launch: foreign.id, codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' });
    assertBadRequest(noClient, 'Invalid launch');
    // and a launch stored for another project never reaches a token (the grant reads its project)
    const pkce = pkcePair();
    const ok = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce, launch: launch.id });
    dbExec('UPDATE login SET launch_id = ? WHERE id = ?', [foreign.id, ok.json.login]);
    const t = await redeemCode(ok.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.encounter, undefined);
    assert.equal(t.json.patient, undefined);
  });
});

describe('SMART scopes only narrow (§11.2, §6.8)', () => {
  it('a wide scope never widens a narrow policy; /auth/scope narrows what the resource API allows', async () => {
    const a = await member('rr-scope', { admin: true });
    const pol = await a.medplum.createResource({
      resourceType: 'AccessPolicy',
      name: 'own record, read-only',
      resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id', readonly: true }],
    });
    const p = await patientOf(a.fx.projectId, pol.id);
    // the widest scope: still its own record only, still read-only, no administration type
    const pkce = pkcePair();
    const r = await postJson('auth/login', { email: p.email, password: TEST_PASSWORD, projectId: a.fx.projectId, scope: 'openid system/*.* user/*.cruds patient/Patient.*', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(r.status, 200, r.text);
    const t = await redeemCode(r.json.code, { clientId: '', verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    const wide = t.json.access_token;
    const own = await api(wide, 'GET', `Patient/${p.patientId}`);
    assert.equal(own.status, 200, own.text);
    assert.equal((await api(wide, 'PUT', `Patient/${p.patientId}`, { ...own.json, gender: 'other' })).status, 403);
    assert.equal((await api(wide, 'POST', 'Patient', { resourceType: 'Patient' })).status, 403);
    const stranger = await a.medplum.createResource({ resourceType: 'Patient', name: [{ family: 'Stranger' }] });
    assert.equal((await api(wide, 'GET', `Patient/${stranger.id}`)).status, 404);
    assert.equal((await api(wide, 'GET', 'AccessPolicy')).status, 403);
    assert.equal((await api(wide, 'GET', 'Practitioner')).status, 403);

    // the scope stage: an admin's sign-in narrowed to reading patients; writes and search go
    const fx = a.fx;
    const pk2 = pkcePair();
    const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pk2, scope: 'openid user/Patient.crs user/AccessPolicy.rs' });
    assert.equal(l.status, 200, l.text);
    const widened = await postJson('auth/scope', { login: l.json.login, scope: 'openid user/Patient.cruds' });
    assert.equal(widened.status, 400);
    const narrowed = await postJson('auth/scope', { login: l.json.login, scope: 'openid user/Patient.r' });
    assert.equal(narrowed.status, 200, narrowed.text);
    const nt = await redeemCode(narrowed.json.code, { clientId: fx.clientId, verifier: pk2.verifier });
    assert.equal(nt.status, 200, nt.text);
    assert.equal(decodeJwt(nt.json.access_token).scope, 'openid user/Patient.r');
    const n = nt.json.access_token;
    assert.equal((await api(n, 'GET', `Patient/${stranger.id}`)).status, 200);
    assert.equal((await api(n, 'GET', 'Patient')).status, 403);
    assert.equal((await api(n, 'POST', 'Patient', { resourceType: 'Patient' })).status, 403);
    assert.equal((await api(n, 'GET', 'AccessPolicy')).status, 403);
    // /auth/me shows the narrowed effective policy
    const me = await http('auth/me', { headers: { Authorization: `Bearer ${n}` } });
    assert.deepEqual(me.json.accessPolicy.resource.map((e) => [e.resourceType, e.interaction.sort().join()]), [['Patient', 'history,read,vread']]);
  });

  it('/oauth2/authorize: a wide scope consented through the pages stays within the policy; consent cannot widen it', async () => {
    const fx = createSigninFixture('rr-authz');
    const policyId = randomUUID();
    dbExec('INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, ?, ?)', [
      policyId,
      fx.projectId,
      'read patients',
      JSON.stringify({ resourceType: 'AccessPolicy', id: policyId, name: 'read patients', resource: [{ resourceType: 'Patient', readonly: true }] }),
    ]);
    dbExec('UPDATE project_membership SET access_policy_id = ? WHERE id = ?', [policyId, fx.membershipId]);
    const appBase = (readConfig().app_base_url || BASE_URL).replace(/\/?$/, '/');

    /** authorize → sign-in page → consent page; returns { b, consent, params, pkce }. */
    async function toConsent(scope) {
      const { b, answer: signedIn, params, pkce } = await submitSigninPage(fx, { scope });
      assert.equal(signedIn.status, 303, signedIn.text);
      assert.ok(signedIn.headers.get('location').startsWith(`${appBase}oauth/consent?flow=`));
      const consent = await b.get(signedIn.headers.get('location'));
      assert.equal(consent.status, 200, consent.text);
      return { b, consent: formOf(consent.text), params, pkce };
    }
    function allow(b, form, scopes) {
      const body = new URLSearchParams({ ...form.fields, decision: 'allow' });
      for (const s of scopes) body.append('scope', s);
      return http(form.action, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: b.header() }, body: body.toString() }).then((r) => b.take(r));
    }

    const wide = await toConsent('openid user/*.cruds user/AccessPolicy.cruds');
    const done = await allow(wide.b, wide.consent, ['user/*.cruds', 'user/AccessPolicy.cruds']);
    assert.equal(done.status, 303, done.text);
    const code = new URL(done.headers.get('location')).searchParams.get('code');
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: wide.pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'openid user/*.cruds user/AccessPolicy.cruds');
    const token = t.json.access_token;
    assert.equal((await api(token, 'GET', 'Patient')).status, 200);
    assert.equal((await api(token, 'POST', 'Patient', { resourceType: 'Patient' })).status, 403);
    assert.equal((await api(token, 'GET', 'AccessPolicy')).status, 403);
    assert.equal((await api(token, 'POST', 'AccessPolicy', { resourceType: 'AccessPolicy', name: 'x' })).status, 403);
    assert.equal((await api(token, 'GET', 'Practitioner')).status, 403);
    const me = await http('auth/me', { headers: { Authorization: `Bearer ${token}` } });
    const types = me.json.accessPolicy.resource.map((e) => e.resourceType);
    assert.ok(!types.includes('AccessPolicy') && !types.includes('Practitioner'), types.join());
    assert.ok(me.json.accessPolicy.resource.every((e) => e.readonly === true), JSON.stringify(me.json.accessPolicy));

    // the consent answer may only keep or drop what was asked, never add or widen
    const narrow = await toConsent('openid user/Patient.rs');
    const widened = await allow(narrow.b, narrow.consent, ['user/Patient.cruds']);
    assert.equal(widened.status, 400, widened.text);
    assert.match(widened.text, /Invalid scope/);
    const added = await allow(narrow.b, narrow.consent, ['user/Patient.rs', 'user/Observation.rs']);
    assert.equal(added.status, 400, added.text);
  });
});
