// SPDX-License-Identifier: BSD-2-Clause
// The effective access policy in /auth/me (PROTOCOL.md §11.1: parameters, compartments, admin
// rules), SMART scopes v1/v2 intersected with it (§11.2), invalid_scope for malformed scope
// words, and the IP access rules (§11.3, §S.10: prefixes and CIDR, allow and block, first match
// wins) at sign-in, refresh and client_credentials. Each IP test connects from its own
// loopback address (127.x.y.z), the TCP peer the server sees.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMember,
  assertBadRequest,
  assertOAuthError,
  authMe,
  createFixture,
  createProject,
  createSigninFixture,
  dbExec,
  dbQuery,
  http as libHttp,
  pkcePair,
  randomUUID,
  signIn,
  uniqueName,
} from './lib.mjs';
import { fromIp as from } from './loopback-lib.mjs';

let octet = 10 + Math.floor(Math.random() * 200);
/** A fresh loopback network 127.<a>.<b>.0/24 for one test (its own addresses and counters). */
function freshNet() {
  const a = 1 + Math.floor(Math.random() * 253);
  octet = (octet % 250) + 1;
  return `127.${a}.${octet}`;
}

/** Stores an AccessPolicy in a project (the resource API's tests make them through the API). */
function storePolicy(projectId, policy) {
  const id = randomUUID();
  dbExec('INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, ?, ?)', [
    id,
    projectId,
    policy.name || 'p',
    JSON.stringify({ resourceType: 'AccessPolicy', id, ...policy }),
  ]);
  return id;
}

function setMembershipPolicy(membershipId, policyId, access = null) {
  dbExec('UPDATE project_membership SET access_policy_id = ?, access = ? WHERE id = ?', [
    policyId,
    access ? JSON.stringify(access) : null,
    membershipId,
  ]);
}

function setClientPolicy(clientId, policyId) {
  dbExec('UPDATE project_membership SET access_policy_id = ? WHERE user_id = ?', [policyId, clientId]);
}

async function loginFrom(c, fx, extra = {}) {
  const pkce = pkcePair();
  return c.postJson('auth/login', {
    email: fx.email,
    password: fx.password,
    clientId: fx.clientId,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    ...extra,
  }).then((r) => ({ r, pkce }));
}

async function redeemFrom(c, fx, code, pkce) {
  return c.postForm('oauth2/token', { grant_type: 'authorization_code', code, client_id: fx.clientId, code_verifier: pkce.verifier });
}

describe('/auth/me accessPolicy (§11.1)', () => {
  it('no policy: full access "*" plus the read-only defaults, no administration types', async () => {
    const fx = createSigninFixture('pol-none');
    const { tokens } = await signIn(fx);
    const me = (await authMe(tokens.access_token)).json;
    const types = me.accessPolicy.resource.map((e) => e.resourceType);
    assert.deepEqual(types, ['*', 'SearchParameter', 'StructureDefinition', 'Login']);
    assert.equal(me.accessPolicy.resource[1].readonly, true);
    // §11.4: one's own sign-ins, read-only, and nothing else of the administration types
    const own = me.accessPolicy.resource[3];
    assert.equal(own.criteria, `Login?profile=Practitioner/${fx.profileId}`);
    assert.equal(own.readonly, true);
    assert.deepEqual(own.interaction.sort(), ['history', 'read', 'search', 'vread']);
  });

  it('parameters: %patient, %profile, valueReference (.id) and valueString are filled in', async () => {
    const fx = createSigninFixture('pol-param');
    const base = storePolicy(fx.projectId, {
      name: 'self',
      resource: [{ resourceType: 'Practitioner', criteria: 'Practitioner?_id=%profile.id', readonly: true }],
    });
    const extra = storePolicy(fx.projectId, {
      name: 'org',
      compartment: { reference: '%org' },
      resource: [
        { resourceType: 'Patient', criteria: 'Patient?organization=%org.id&name=%who', hiddenFields: ['birthDate'] },
        { resourceType: 'Observation', criteria: 'Observation?subject=%patient' },
      ],
      ipAccessRule: [{ name: 'all', value: '*', action: 'allow' }],
    });
    setMembershipPolicy(fx.membershipId, base, [
      {
        policy: { reference: `AccessPolicy/${extra}` },
        parameter: [
          { name: 'org', valueReference: { reference: 'Organization/o-42' } },
          { name: 'who', valueString: 'Ali' },
        ],
      },
    ]);
    const { tokens } = await signIn(fx);
    const p = (await authMe(tokens.access_token)).json.accessPolicy;
    assert.equal(p.resourceType, 'AccessPolicy');
    assert.deepEqual(p.basedOn, [{ reference: `AccessPolicy/${base}` }, { reference: `AccessPolicy/${extra}` }]);
    const byType = Object.fromEntries(p.resource.map((e) => [e.resourceType, e]));
    assert.equal(byType.Practitioner.criteria, `Practitioner?_id=${fx.profileId}`);
    assert.deepEqual(byType.Practitioner.interaction.sort(), ['history', 'read', 'search', 'vread']);
    assert.equal(byType.Patient.criteria, 'Patient?organization=o-42&name=Ali');
    assert.deepEqual(byType.Patient.hiddenFields, ['birthDate']);
    assert.deepEqual(byType.Patient.compartment, { reference: 'Organization/o-42' });
    // the implicit patient parameter is the profile
    assert.equal(byType.Observation.criteria, `Observation?subject=Practitioner/${fx.profileId}`);
    assert.deepEqual(p.compartment, { reference: 'Organization/o-42' });
    assert.deepEqual(p.ipAccessRule, [{ name: 'all', value: '*', action: 'allow' }]);
    assert.equal(byType['*'], undefined, 'no full access once a policy is named');
  });

  it('a policy that is gone, or belongs to another project, grants nothing (never full access)', async () => {
    const fx = createSigninFixture('pol-gone');
    const otherProject = createProject(uniqueName('pol-other'));
    const foreign = storePolicy(otherProject, { resource: [{ resourceType: '*' }] });
    setMembershipPolicy(fx.membershipId, foreign);
    const { tokens } = await signIn(fx);
    const types = (await authMe(tokens.access_token)).json.accessPolicy.resource.map((e) => e.resourceType);
    assert.deepEqual(types, ['SearchParameter', 'StructureDefinition', 'Login']);
  });

  it('project admin: own Project only (hidden superAdmin), memberships, users without secrets', async () => {
    const fx = createSigninFixture('pol-admin');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const { tokens } = await signIn(fx);
    const p = (await authMe(tokens.access_token)).json.accessPolicy;
    const byType = Object.fromEntries(p.resource.map((e) => [e.resourceType, e]));
    assert.equal(byType.Project.criteria, `Project?_id=${fx.projectId}`);
    assert.ok(byType.Project.hiddenFields.includes('superAdmin'));
    assert.ok(byType.Project.readonlyFields.includes('features'));
    assert.ok(!byType.Project.interaction.includes('create') && !byType.Project.interaction.includes('delete'));
    assert.deepEqual(byType.ProjectMembership.readonlyFields, ['project', 'user']);
    assert.deepEqual(byType.User.hiddenFields, ['passwordHash', 'mfaSecret']);
    assert.equal(byType.UserSecurityRequest.readonly, true);
    assert.equal(byType.DomainConfiguration, undefined);
    assert.equal(byType.JsonWebKey, undefined);
  });

  it('super admin: every administration type', async () => {
    const fx = createSigninFixture('pol-super');
    dbExec('UPDATE project SET super_admin = TRUE WHERE id = ?', [fx.projectId]);
    const { tokens } = await signIn(fx);
    const types = (await authMe(tokens.access_token)).json.accessPolicy.resource.map((e) => e.resourceType);
    for (const t of ['Project', 'ProjectMembership', 'User', 'ClientApplication', 'AccessPolicy', 'DomainConfiguration', 'JsonWebKey'])
      assert.ok(types.includes(t), `${t} in ${types}`);
  });
});

describe('SMART scopes (§11.2)', () => {
  it('v1 patient/Observation.read: only Observation, read-only; the rest dropped', async () => {
    const fx = createSigninFixture('smart-v1');
    const { tokens } = await signIn(fx, { login: { scope: 'openid patient/Observation.read' } });
    const p = (await authMe(tokens.access_token)).json.accessPolicy;
    assert.deepEqual(p.resource.map((e) => e.resourceType), ['Observation']);
    assert.equal(p.resource[0].readonly, true);
    assert.deepEqual(p.resource[0].interaction.sort(), ['history', 'read', 'search', 'vread']);
  });

  it('v2 letters and ?criteria are intersected with the policy criteria', async () => {
    const fx = createSigninFixture('smart-v2');
    const pol = storePolicy(fx.projectId, {
      resource: [
        { resourceType: 'Observation', criteria: 'Observation?subject=%patient' },
        { resourceType: 'Patient' },
      ],
    });
    setMembershipPolicy(fx.membershipId, pol);
    const { tokens } = await signIn(fx, { login: { scope: 'openid user/Observation.rs?category=laboratory user/Patient.cud' } });
    const p = (await authMe(tokens.access_token)).json.accessPolicy;
    const byType = Object.fromEntries(p.resource.map((e) => [e.resourceType, e]));
    assert.equal(byType.Observation.criteria, `Observation?subject=Practitioner/${fx.profileId}&category=laboratory`);
    assert.equal(byType.Observation.readonly, true);
    assert.deepEqual(byType.Patient.interaction.sort(), ['create', 'delete', 'update']);
    assert.equal(byType.Patient.readonly, undefined);
  });

  it('a malformed SMART word is invalid_scope at the token endpoint and at authorize; 400 Invalid scope on /auth/login', async () => {
    const fx = createFixture('smart-bad');
    for (const scope of ['user/Patient.rw', 'openid patient/*.readx', 'system/Pati-ent.read']) {
      const r = await libHttp('oauth2/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret, scope }).toString(),
      });
      assertOAuthError(r, 400, 'invalid_scope', 'Invalid scope');
    }
    const ok = await libHttp('oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret, scope: 'openid system/*.rs launch/patient' }).toString(),
    });
    assert.equal(ok.status, 200, ok.text);

    const si = createSigninFixture('smart-bad-login');
    const pkce = pkcePair();
    const r = await libHttp('auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ email: si.email, password: si.password, clientId: si.clientId, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', scope: 'openid user/Patient.write2' }),
    });
    assertBadRequest(r, 'Invalid scope');
    const a = await libHttp(
      'oauth2/authorize?' +
        new URLSearchParams({ response_type: 'code', client_id: si.clientId, redirect_uri: si.redirectUri, scope: 'openid patient/Observation.cruds.x', state: 's1', code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
    );
    assert.equal(a.status, 302, a.text);
    const loc = new URL(a.headers.get('location'));
    assert.equal(loc.origin + loc.pathname, si.redirectUri);
    assert.equal(loc.searchParams.get('error'), 'invalid_scope');
    assert.equal(loc.searchParams.get('state'), 's1');
  });
});

describe('IP access rules (§11.3, §S.10)', () => {
  it('client_credentials: a CIDR block refuses its network, a prefix allow lets others through', async () => {
    const fx = createFixture('ip-cc');
    const net = freshNet();
    const pol = storePolicy(fx.projectId, {
      resource: [{ resourceType: '*' }],
      ipAccessRule: [
        { name: 'bad net', value: `${net}.0/24`, action: 'block' },
        { name: 'loopback', value: '127.', action: 'allow' },
        { name: 'rest', value: '*', action: 'block' },
      ],
    });
    setClientPolicy(fx.clientId, pol);
    const blocked = from(`${net}.7`);
    const before = Number(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ?', [fx.clientId])[0][0]);
    const r = await blocked.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    assertOAuthError(r, 400, 'invalid_request', 'IP address not allowed');
    const afterCount = Number(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ?', [fx.clientId])[0][0]);
    assert.equal(afterCount, before, 'a refused grant writes no Login');
    const allowed = from(`${freshNet()}.7`);
    const ok = await allowed.postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(ok.status, 200, ok.text);
  });

  it('first match wins: an allow before a block of the same address lets it through', async () => {
    const fx = createFixture('ip-first');
    const net = freshNet();
    const pol = storePolicy(fx.projectId, {
      resource: [{ resourceType: '*' }],
      ipAccessRule: [
        { name: 'me', value: `${net}.9`, action: 'allow' },
        { name: 'my net', value: `${net}.`, action: 'block' },
      ],
    });
    setClientPolicy(fx.clientId, pol);
    const ok = await from(`${net}.9`).postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(ok.status, 200, ok.text);
    const no = await from(`${net}.10`).postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
    assertOAuthError(no, 400, 'invalid_request', 'IP address not allowed');
  });

  it('interactive sign-in: the membership choice is refused from a blocked address, allowed elsewhere', async () => {
    const fx = createSigninFixture('ip-login');
    const net = freshNet();
    const pol = storePolicy(fx.projectId, {
      resource: [{ resourceType: '*' }],
      ipAccessRule: [{ name: 'blocked', value: `${net}.0/24`, action: 'block' }],
    });
    setMembershipPolicy(fx.membershipId, pol);
    const bad = from(`${net}.3`);
    const { r } = await loginFrom(bad, fx);
    assertBadRequest(r, 'IP address not allowed');
    assert.equal(r.json.code, undefined);
    const good = from(`${freshNet()}.3`);
    const { r: r2, pkce } = await loginFrom(good, fx);
    assert.equal(r2.status, 200, r2.text);
    const t = await redeemFrom(good, fx, r2.json.code, pkce);
    assert.equal(t.status, 200, t.text);
  });

  it('profile choice among several memberships is checked too', async () => {
    const fx = createSigninFixture('ip-profile');
    const net = freshNet();
    const other = createProject(uniqueName('ip-profile-2'));
    const second = addMember({ project: other, user: fx.userId, profile: 'Practitioner' });
    const pol = storePolicy(other, { resource: [{ resourceType: '*' }], ipAccessRule: [{ name: 'x', value: `${net}.`, action: 'block' }] });
    setMembershipPolicy(second.membershipId, pol);
    const c = from(`${net}.4`);
    const pkce = pkcePair();
    const r = await c.postJson('auth/login', { email: fx.email, password: fx.password, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.memberships.length, 2);
    const refused = await c.postJson('auth/profile', { login: r.json.login, profile: second.membershipId });
    assertBadRequest(refused, 'IP address not allowed');
    const fine = await c.postJson('auth/profile', { login: r.json.login, profile: fx.membershipId });
    assert.equal(fine.status, 200, fine.text);
    assert.ok(fine.json.code);
  });

  it('refresh: a token refreshed from a blocked address is refused, and still works from an allowed one', async () => {
    const fx = createSigninFixture('ip-refresh');
    const net = freshNet();
    const pol = storePolicy(fx.projectId, { resource: [{ resourceType: '*' }], ipAccessRule: [{ name: 'x', value: `${net}.128/25`, action: 'block' }] });
    setMembershipPolicy(fx.membershipId, pol);
    const good = from(`${net}.5`);
    const { r, pkce } = await loginFrom(good, fx, { scope: 'openid offline' });
    assert.equal(r.status, 200, r.text);
    const t = await redeemFrom(good, fx, r.json.code, pkce);
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.refresh_token);
    const bad = from(`${net}.200`);
    const refused = await bad.postForm('oauth2/token', { grant_type: 'refresh_token', client_id: fx.clientId, refresh_token: t.json.refresh_token });
    assertOAuthError(refused, 400, 'invalid_request', 'IP address not allowed');
    const ok = await good.postForm('oauth2/token', { grant_type: 'refresh_token', client_id: fx.clientId, refresh_token: t.json.refresh_token });
    assert.equal(ok.status, 200, ok.text);
  });
});
