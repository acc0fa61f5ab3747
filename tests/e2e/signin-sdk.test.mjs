// SPDX-License-Identifier: BSD-2-Clause
// Password sign-in with the unmodified Medplum SDK (@medplum/core 5.2.13): startLogin →
// processCode → getProfile, profile choice, refresh, signOut and resuming a stored login
// (PROTOCOL.md §5, §6.2, §6.7, §7.2.2, §7.2.3, §7.4, §16, §16a A/B/E).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  addMember,
  assertUnauthorized,
  authLogin,
  authMe,
  createProject,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  decodeJwt,
  loadMedplum,
  quietPkceWarning,
  loginCount,
  pkcePair,
  redeemCode,
  refreshGrant,
  TEST_PASSWORD,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const { MedplumClient, ClientStorage, MemoryStorage } = await loadMedplum();

quietPkceWarning();

function newMedplum(opts = {}) {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o), ...opts });
}

let fx;
before(() => {
  fx = createSigninFixture('sdk');
});

describe('MedplumClient password sign-in', () => {
  it('startLogin → processCode → getProfile is the Practitioner (SDK PKCE: plain)', async () => {
    const medplum = newMedplum({ clientId: fx.clientId });
    const before = loginCount(fx.clientId);
    const res = await medplum.startLogin({ email: fx.email, password: fx.password });
    assert.equal(loginCount(fx.clientId), before + 1, 'one Login row');
    assert.match(res.login, /^[0-9a-f-]{36}$/);
    assert.match(res.code, /^[0-9a-f]{32}$/);
    assert.equal(res.memberships, undefined);
    // Under Node the SDK used plain PKCE: the stored challenge is the verifier itself.
    const row = dbQuery('SELECT code_challenge_method FROM login WHERE id = ?', [res.login]);
    assert.equal(row[0][0], 'plain', 'the SDK under Node uses plain PKCE');

    const profile = await medplum.processCode(res.code);
    assert.equal(profile.resourceType, 'Practitioner');
    assert.equal(profile.id, fx.profileId);
    assert.equal(medplum.getProfile()?.id, fx.profileId);
    assert.equal(medplum.getProfile()?.resourceType, 'Practitioner');
    assert.equal(medplum.getProject()?.id, fx.projectId);
    assert.equal(medplum.getProject()?.name, fx.projectName);
    const active = medplum.getActiveLogin();
    assert.equal(active.profile.reference, `Practitioner/${fx.profileId}`);
    assert.equal(active.project.reference, `Project/${fx.projectId}`);
    assert.equal(active.refreshToken, undefined, 'no refresh token without offline/remember');
    const claims = decodeJwt(medplum.getAccessToken());
    assert.equal(claims.login_id, res.login);
    assert.equal(claims.sub, fx.userId);
    assert.equal(claims.client_id, fx.clientId);
    // The stored token works for an arbitrary call.
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.user.id, fx.userId);
    assert.equal(me.user.email, fx.email);
  });

  it('startLogin without a clientId (§16a A) redeems with client_id ""', async () => {
    const medplum = newMedplum();
    const res = await medplum.startLogin({ email: fx.email, password: fx.password });
    assert.ok(res.code, JSON.stringify(res));
    const profile = await medplum.processCode(res.code);
    assert.equal(profile.id, fx.profileId);
    const claims = decodeJwt(medplum.getAccessToken());
    assert.equal(claims.client_id, undefined, 'no client: no client_id claim');
    assert.equal(claims.aud, undefined, 'no client: no aud claim');
  });

  it('S256 PKCE through raw fetch, then the SDK uses the tokens', async () => {
    const pkce = pkcePair('S256');
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    assert.equal(r.status, 200, r.text);
    const t = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'openid');
    const medplum = newMedplum({ clientId: fx.clientId, accessToken: t.json.access_token });
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    assert.equal(me.profile.id, fx.profileId);
  });

  it('a wrong password rejects startLogin with the outcome text', async () => {
    const medplum = newMedplum({ clientId: fx.clientId });
    await assert.rejects(medplum.startLogin({ email: fx.email, password: 'wrong-password' }), /Email or password is invalid/);
  });
});

describe('a user with two memberships', () => {
  let email;
  let m1;
  let m2;
  let p2;
  before(() => {
    email = uniqueEmail('sdk-two');
    const user = createUser({ email, first: 'Bob', last: 'Jones', password: TEST_PASSWORD });
    const p1 = createProject(uniqueName('sdk-two-a'));
    p2 = createProject(uniqueName('sdk-two-b'));
    m1 = addMember({ project: p1, user, profile: 'Practitioner' });
    m2 = addMember({ project: p2, user, profile: 'Patient' });
  });

  it('startLogin returns memberships; auth/profile gives a code; processCode signs in', async () => {
    const medplum = newMedplum();
    const res = await medplum.startLogin({ email, password: TEST_PASSWORD });
    assert.equal(res.code, undefined, 'no code before a profile is chosen');
    assert.ok(Array.isArray(res.memberships), JSON.stringify(res));
    assert.equal(res.memberships.length, 2);
    const ids = res.memberships.map((m) => m.id).sort();
    assert.deepEqual(ids, [m1.membershipId, m2.membershipId].sort());
    const second = res.memberships.find((m) => m.id === m2.membershipId);
    assert.equal(second.project.reference, `Project/${p2}`);
    assert.equal(second.profile.reference, `Patient/${m2.profileId}`);
    assert.equal(second.profile.display, 'Bob Jones');

    const chosen = await medplum.post('auth/profile', { login: res.login, profile: m2.membershipId });
    assert.equal(chosen.login, res.login);
    assert.match(chosen.code, /^[0-9a-f]{32}$/);
    const profile = await medplum.processCode(chosen.code);
    assert.equal(profile.resourceType, 'Patient');
    assert.equal(profile.id, m2.profileId);
    assert.equal(medplum.getProject()?.id, p2);
  });

  it('a second profile choice on the same login is refused', async () => {
    const medplum = newMedplum();
    const res = await medplum.startLogin({ email, password: TEST_PASSWORD });
    await medplum.post('auth/profile', { login: res.login, profile: m1.membershipId });
    await assert.rejects(
      medplum.post('auth/profile', { login: res.login, profile: m2.membershipId }),
      /Login profile already set/,
    );
  });
});

describe('refresh, sign-out and resume', () => {
  let short;
  before(() => {
    short = createSigninFixture('sdk-short');
    dbExec("UPDATE client_application SET access_token_lifetime = '2s' WHERE id = ?", [short.clientId]);
  });

  it('an expired access token is refreshed by the SDK (offline scope)', async () => {
    const medplum = newMedplum({ clientId: short.clientId, refreshGracePeriod: 0 });
    const res = await medplum.startLogin({ email: short.email, password: short.password, scope: 'openid offline' });
    await medplum.processCode(res.code);
    const first = medplum.getActiveLogin();
    assert.ok(first.refreshToken, 'offline scope gives a refresh token');
    const claims = decodeJwt(first.accessToken);
    assert.equal(claims.exp - claims.iat, 2, 'the client lifetime (2s) applies');

    await new Promise((r) => setTimeout(r, 3100));
    assertUnauthorized(await authMe(first.accessToken)); // the server checks exp, no tolerance
    const me = await medplum.get('auth/me', { cache: 'no-cache' }); // refreshes first
    assert.equal(me.profile.id, short.profileId);
    const second = medplum.getActiveLogin();
    assert.notEqual(second.accessToken, first.accessToken, 'a new access token');
    assert.notEqual(second.refreshToken, first.refreshToken, 'the refresh token rotated');
    assert.equal(decodeJwt(second.accessToken).login_id, res.login, 'same login');

    // refreshIfExpired(0) after the new token expires too.
    await new Promise((r) => setTimeout(r, 3100));
    await medplum.refreshIfExpired(0);
    const third = medplum.getActiveLogin();
    assert.notEqual(third.accessToken, second.accessToken);
    assert.equal((await authMe(third.accessToken)).status, 200);
  });

  it('signOut, then the old access token gets 401', async () => {
    const medplum = newMedplum({ clientId: fx.clientId });
    const res = await medplum.startLogin({ email: fx.email, password: fx.password, scope: 'openid offline' });
    await medplum.processCode(res.code);
    const token = medplum.getAccessToken();
    const refresh = medplum.getActiveLogin().refreshToken;
    assert.ok(refresh);
    assert.equal((await authMe(token)).status, 200);
    await medplum.signOut();
    assert.equal(medplum.getAccessToken(), undefined);
    assert.equal(medplum.getProfile(), undefined);
    assertUnauthorized(await authMe(token));
    const r = await refreshGrant(refresh, { clientId: fx.clientId });
    assert.equal(r.status, 400);
    assert.equal(r.json?.error_description, 'Token revoked');
  });

  it('a new client on the same storage resumes the stored login', async () => {
    const storage = new ClientStorage(new MemoryStorage());
    const first = newMedplum({ clientId: fx.clientId, storage });
    const res = await first.startLogin({ email: fx.email, password: fx.password });
    await first.processCode(res.code);
    const token = first.getAccessToken();

    const second = newMedplum({ clientId: fx.clientId, storage });
    const profile = await second.getProfileAsync();
    assert.equal(profile?.id, fx.profileId);
    assert.equal(second.getProfile()?.resourceType, 'Practitioner');
    assert.equal(second.getAccessToken(), token);
    assert.equal(second.getProject()?.id, fx.projectId);

    // After a sign-out the stored login no longer resumes.
    await second.signOut();
    const third = newMedplum({ clientId: fx.clientId, storage });
    assert.equal(await third.getProfileAsync(), undefined);
    assertUnauthorized(await authMe(token));
  });
});
