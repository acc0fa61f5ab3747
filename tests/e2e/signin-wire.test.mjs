// SPDX-License-Identifier: BSD-2-Clause
// Wire details of the interactive sign-in: /auth/login result shapes (§5.3), the SSO
// cookie, the token response (§3.1), token claims verified against the JWKS (§3), /auth/me
// (§6.10), userinfo (§7.3), /auth/revoke (§6.15), /auth/login/:login (§6.6),
// /auth/clientinfo (§6.16) and /auth/method (§6.1).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  BASE_URL,
  addMember,
  assertBadRequest,
  assertLoginId,
  assertNotFound,
  assertUnauthorized,
  authLogin,
  authMe,
  bearer,
  createProject,
  createSigninClient,
  createSigninFixture,
  createUser,
  dbExec,
  decodeJwt,
  http,
  pkcePair,
  postJson,
  randomUUID,
  redeemCode,
  setCookies,
  signIn,
  TEST_PASSWORD,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let fx;
let jwks;
before(async () => {
  fx = createSigninFixture('wire', { welcome: 'Welcome to the wire clinic' });
  const d = await http('.well-known/openid-configuration');
  assert.equal(d.status, 200);
  jwks = createRemoteJWKSet(new URL(d.json.jwks_uri));
});

async function verify(token) {
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: BASE_URL, algorithms: ['ES256', 'RS256'] });
  assert.equal(protectedHeader.typ, 'JWT');
  assert.ok(protectedHeader.kid);
  assert.equal(payload.nbf, payload.iat);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 120, 'iat is now');
  return payload;
}

describe('/auth/login result shapes (§5.3)', () => {
  it('one membership: exactly {login, code}', async () => {
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    assert.equal(r.status, 200, r.text);
    assert.match(r.contentType, /^application\/json/);
    assert.deepEqual(Object.keys(r.json).sort(), ['code', 'login']);
    assertLoginId(r.json.login);
    assert.match(r.json.code, /^[0-9a-f]{32}$/);
  });

  it('several memberships: exactly {login, memberships[]} with id, project, profile', async () => {
    const email = uniqueEmail('wire-multi');
    const user = createUser({ email, first: 'Carol', last: 'Diaz', password: TEST_PASSWORD });
    const pa = createProject(uniqueName('wire-multi-a'));
    const pb = createProject(uniqueName('wire-multi-b'));
    const ma = addMember({ project: pa, user, profile: 'Practitioner' });
    const mb = addMember({ project: pb, user, profile: 'Practitioner' });
    const r = await authLogin({ email, password: TEST_PASSWORD, clientId: '', pkce: pkcePair() });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['login', 'memberships']);
    assert.equal(setCookies(r.headers).length, 0, 'no cookie before a code');
    const byId = Object.fromEntries(r.json.memberships.map((m) => [m.id, m]));
    assert.deepEqual(Object.keys(byId).sort(), [ma.membershipId, mb.membershipId].sort());
    assert.equal(byId[ma.membershipId].project.reference, `Project/${pa}`);
    assert.equal(byId[ma.membershipId].profile.reference, `Practitioner/${ma.profileId}`);
    assert.equal(byId[ma.membershipId].profile.display, 'Carol Diaz');

    // resourceType restricts the memberships (profileType); the only Patient is chosen at once.
    const pc = createProject(uniqueName('wire-multi-c'));
    const mc = addMember({ project: pc, user, profile: 'Patient' });
    const p = await authLogin({ email, password: TEST_PASSWORD, clientId: '', resourceType: 'Patient', pkce: pkcePair() });
    assert.equal(p.status, 200, p.text);
    assert.ok(p.json.code, p.text);
    // Its code is outstanding: the status route gives no second one (issue 14).
    assertBadRequest(await http(`auth/login/${p.json.login}`), 'Login code already issued');
    void mc;
  });

  it('the SSO cookie medplum-<clientId> is set when a client is used, not without', async () => {
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    const cookies = setCookies(r.headers).filter((c) => c.startsWith(`medplum-${fx.clientId}=`));
    assert.equal(cookies.length, 1, `one SSO cookie: ${setCookies(r.headers)}`);
    const [pair, ...attrs] = cookies[0].split(';').map((s) => s.trim());
    assert.match(pair, new RegExp(`^medplum-${fx.clientId}=[0-9a-f]{32}$`));
    const lower = attrs.map((a) => a.toLowerCase());
    assert.ok(lower.includes('httponly'), cookies[0]);
    assert.ok(lower.includes('path=/'), cookies[0]);
    assert.ok(lower.includes('max-age=3600'), cookies[0]);
    assert.ok(lower.some((a) => a.startsWith('samesite=')), cookies[0]);

    const none = await authLogin({ email: fx.email, password: fx.password, clientId: '', pkce: pkcePair() });
    assert.equal(none.status, 200, none.text);
    assert.equal(setCookies(none.headers).length, 0, 'no client, no cookie');
  });
});

describe('token response (§3.1) and claims (§3)', () => {
  it('fields, and refresh_token only with offline/offline_access/remember', async () => {
    const { tokens } = await signIn(fx);
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.scope, 'openid');
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.id_token, 'string');
    assert.equal(tokens.refresh_token, undefined, 'no refresh token for plain openid');
    assert.deepEqual(tokens.project, { reference: `Project/${fx.projectId}`, display: fx.projectName });
    assert.deepEqual(tokens.profile, { reference: `Practitioner/${fx.profileId}`, display: `${fx.first} ${fx.last}` });
    assert.equal(tokens.smart_style_url, `${BASE_URL}fhir/R4/.well-known/smart-styles.json`);
    assert.equal(tokens.need_patient_banner, false);
    assert.equal(tokens.patient, undefined);

    for (const login of [{ scope: 'openid offline' }, { scope: 'openid offline_access' }, { remember: true }]) {
      const { tokens: t } = await signIn(fx, { login });
      assert.equal(typeof t.refresh_token, 'string', `refresh token with ${JSON.stringify(login)}`);
      const rp = await verify(t.refresh_token);
      assert.match(rp.refresh_secret, /^[0-9a-f]{64}$/);
      assert.equal(rp.client_id, fx.clientId);
      assert.equal(rp.login_id, decodeLogin(t.access_token));
    }
  });

  it('access and id token claims verified against the JWKS', async () => {
    const nonce = `n-${randomUUID()}`;
    const before = Math.floor(Date.now() / 1000);
    const { login, tokens } = await signIn(fx, { login: { scope: 'openid profile', nonce } });
    const at = await verify(tokens.access_token);
    assert.equal(at.login_id, login);
    assert.equal(at.sub, fx.userId);
    assert.equal(at.username, fx.userId);
    assert.equal(at.scope, 'openid profile');
    assert.equal(at.profile, `Practitioner/${fx.profileId}`);
    assert.equal(at.client_id, fx.clientId);
    assert.equal(at.aud, fx.clientId);
    assert.equal(at.exp - at.iat, 3600);
    assert.equal(at.email, undefined, 'no email claim without the email scope');
    assert.equal(at.refresh_secret, undefined);

    const it_ = await verify(tokens.id_token);
    assert.equal(it_.sub, fx.userId);
    assert.equal(it_.aud, fx.clientId);
    assert.equal(it_.client_id, fx.clientId);
    assert.equal(it_.login_id, login);
    assert.equal(it_.nonce, nonce);
    assert.equal(it_.fhirUser, `Practitioner/${fx.profileId}`);
    assert.equal(typeof it_.auth_time, 'number');
    assert.ok(it_.auth_time >= before - 2 && it_.auth_time <= Math.ceil(Date.now() / 1000), 'auth_time is the sign-in');
    assert.equal(it_.exp - it_.iat, 3600);
    assert.equal(it_.email, undefined);
  });

  it('a generated nonce when none was sent; email claims with the email scope', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid email' } });
    const at = await verify(tokens.access_token);
    const idt = await verify(tokens.id_token);
    assert.equal(at.email, fx.email);
    assert.equal(idt.email, fx.email);
    assert.match(idt.nonce, UUID_RE, 'a random UUID nonce');
  });
});

function decodeLogin(t) {
  return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).login_id;
}

describe('/auth/me for a user (§6.10)', () => {
  it('user, project, membership, profile, config, accessPolicy and security', async () => {
    const { login, tokens } = await signIn(fx);
    const r = await authMe(tokens.access_token);
    assert.equal(r.status, 200, r.text);
    const me = r.json;
    assert.equal(me.user.resourceType, 'User');
    assert.equal(me.user.id, fx.userId);
    assert.equal(me.user.email, fx.email);
    assert.ok(!('passwordHash' in me.user) && !('password_hash' in me.user), 'no password hash');
    assert.equal(me.project.id, fx.projectId);
    assert.equal(me.project.name, fx.projectName);
    assert.equal(me.project.superAdmin, false);
    assert.equal(me.membership.id, fx.membershipId);
    assert.equal(me.membership.user.reference, `User/${fx.userId}`);
    assert.equal(me.membership.profile.reference, `Practitioner/${fx.profileId}`);
    assert.equal(me.profile.resourceType, 'Practitioner');
    assert.equal(me.profile.id, fx.profileId);
    assert.equal(me.config.resourceType, 'UserConfiguration');
    assert.equal(me.accessPolicy.resourceType, 'AccessPolicy');
    assert.equal(me.security.mfaEnrolled, false);
    const session = me.security.sessions.find((s) => s.id === login);
    assert.ok(session, `this login is among the sessions: ${JSON.stringify(me.security.sessions)}`);
    assert.equal(session.authMethod, 'password');
    assert.match(session.lastUpdated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    assert.ok(me.security.memberships.some((m) => m.id === fx.membershipId && m.resourceType === 'ProjectMembership'));
  });

  it('a revoked session is not listed; a login without a profile is not listed', async () => {
    const a = await signIn(fx);
    const b = await signIn(fx);
    await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(b.tokens.access_token) } });
    const me = (await authMe(a.tokens.access_token)).json;
    const ids = me.security.sessions.map((s) => s.id);
    assert.ok(ids.includes(a.login));
    assert.ok(!ids.includes(b.login), 'revoked session hidden');
  });
});

describe('userinfo (§7.3)', () => {
  it('sub is the ID token subject (OIDC Core §5.3.2, not Medplum\'s profile id); fhirUser; claims follow the scope', async () => {
    const only = await signIn(fx);
    let r = await http('oauth2/userinfo', { headers: { Authorization: bearer(only.tokens.access_token) } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { sub: fx.userId, fhirUser: `Practitioner/${fx.profileId}` }, 'openid alone: sub and fhirUser');
    assert.equal(r.json.sub, decodeJwt(only.tokens.id_token).sub, 'the same subject as the ID token');

    const full = await signIn(fx, { login: { scope: 'openid profile email phone address' } });
    r = await http('oauth2/userinfo', { method: 'POST', headers: { Authorization: bearer(full.tokens.access_token) } });
    assert.equal(r.status, 200, r.text);
    const u = r.json;
    assert.equal(u.sub, fx.userId);
    assert.equal(u.profile, `Practitioner/${fx.profileId}`);
    assert.equal(u.name, `${fx.first} ${fx.last}`);
    assert.equal(u.given_name, fx.first);
    assert.equal(u.family_name, fx.last);
    assert.equal(u.middle_name, '');
    assert.equal(u.locale, 'en-US');
    assert.equal(typeof u.updated_at, 'number');
    for (const k of ['website', 'zoneinfo', 'gender', 'preferred_username', 'picture', 'nickname']) assert.equal(u[k], '', k);
    assert.equal(u.email, fx.email);
    assert.equal(typeof u.email_verified, 'boolean');
    assert.equal(u.phone_number_verified, false);
    assert.ok('phone_number' in u);
    assert.equal(typeof u.address?.formatted, 'string');

    const em = await signIn(fx, { login: { scope: 'openid email' } });
    r = await http('oauth2/userinfo', { headers: { Authorization: bearer(em.tokens.access_token) } });
    assert.deepEqual(Object.keys(r.json).sort(), ['email', 'email_verified', 'fhirUser', 'sub']);
  });

  it('without a token: 401', async () => {
    assertUnauthorized(await http('oauth2/userinfo'));
  });
});

describe('/auth/revoke (§6.15)', () => {
  it('revoking another own session: allOk, and that session gets 401', async () => {
    const a = await signIn(fx);
    const b = await signIn(fx);
    const r = await postJson('auth/revoke', { loginId: b.login }, { Authorization: bearer(a.tokens.access_token) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, 'ok');
    assert.equal(r.json.issue[0].details.text, 'All OK');
    assertUnauthorized(await authMe(b.tokens.access_token));
    assert.equal((await authMe(a.tokens.access_token)).status, 200, 'the caller stays signed in');
  });

  it("someone else's session: 404 and it stays valid", async () => {
    const other = createSigninFixture('wire-other');
    const mine = await signIn(fx);
    const theirs = await signIn(other);
    const r = await postJson('auth/revoke', { loginId: theirs.login }, { Authorization: bearer(mine.tokens.access_token) });
    assertNotFound(r);
    assert.equal((await authMe(theirs.tokens.access_token)).status, 200);
  });

  it('validation and authentication', async () => {
    const mine = await signIn(fx);
    assertBadRequest(await postJson('auth/revoke', { loginId: 'nope' }, { Authorization: bearer(mine.tokens.access_token) }), 'Login ID is required.');
    assertNotFound(await postJson('auth/revoke', { loginId: randomUUID() }, { Authorization: bearer(mine.tokens.access_token) }));
    assertUnauthorized(await postJson('auth/revoke', { loginId: mine.login }));
  });
});

describe('/auth/login/:login (§6.6)', () => {
  it('unknown 404; non-UUID 400; granted 400; revoked 400; open → result', async () => {
    assertNotFound(await http(`auth/login/${randomUUID()}`));
    assertBadRequest(await http('auth/login/not-a-uuid'), 'Login ID is required');

    const pkce = pkcePair();
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    // While the code of /auth/login is outstanding the status call gives no second one (issue 14).
    assertBadRequest(await http(`auth/login/${r.json.login}`), 'Login code already issued');
    // Once it has expired unredeemed, the status call issues a fresh code; the earlier one stays dead.
    dbExec('UPDATE login SET code_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [r.json.login]);
    const open = await http(`auth/login/${r.json.login}`);
    assert.equal(open.status, 200, open.text);
    assert.deepEqual(Object.keys(open.json).sort(), ['code', 'login']);
    assert.equal(open.json.login, r.json.login);
    assert.notEqual(open.json.code, r.json.code);
    const stale = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(stale.status, 400, stale.text);
    const t = await redeemCode(open.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assertBadRequest(await http(`auth/login/${r.json.login}`), 'Login already granted');

    const r2 = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    const t2 = await signIn(fx);
    const rv = await postJson('auth/revoke', { loginId: r2.json.login }, { Authorization: bearer(t2.tokens.access_token) });
    assert.equal(rv.status, 200, rv.text);
    assertBadRequest(await http(`auth/login/${r2.json.login}`), 'Login revoked');
  });
});

describe('/auth/clientinfo/:clientId (§6.16) and /auth/method (§6.1)', () => {
  it('welcomeString of the client; without one, {}; unknown 404', async () => {
    const r = await http(`auth/clientinfo/${fx.clientId}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { welcomeString: 'Welcome to the wire clinic' });
    const plain = createSigninClient(fx.projectId, uniqueName('wire-plain'));
    const p = await http(`auth/clientinfo/${plain.id}`);
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(p.json, {});
    assertNotFound(await http(`auth/clientinfo/${randomUUID()}`));
    assertNotFound(await http('auth/clientinfo/not-a-uuid'));
  });

  it('/auth/method answers {} for a domain without an identity provider', async () => {
    const r = await postJson('auth/method', { email: fx.email }, { 'Content-Type': 'application/fhir+json' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {});
    assertBadRequest(await postJson('auth/method', { email: 'no-at-sign' }), 'Valid email address is required');
    assertBadRequest(await postJson('auth/method', {}), 'Valid email address is required');
  });
});
