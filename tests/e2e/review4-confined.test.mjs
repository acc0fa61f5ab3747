// SPDX-License-Identifier: BSD-2-Clause
// Review 4 (high): a project admin took over the account-wide security of a verified server-scoped
// account. (1) Invite the victim's existing account into the admin's project; (2) point one of the
// project's clients' identityProvider at a server the admin controls, which vouches for the victim's
// email; (3) token exchange, /auth/external through that client or jwt-bearer with it gives a token
// for the victim in the admin's project (Medplum-compatible, kept); (4) /auth/me listed the victim's
// sessions in every project; (5) /auth/revoke ended them; (6) /auth/mfa/enroll set a second factor of
// the admin's choosing on the victim's account. PROTOCOL.md §S.25: a session vouched for only by a
// project-chosen identity provider is confined to that project: every account-wide action is 403
// "Not allowed for a session from this project's identity provider", its sessions view and revocation
// stop at its project, and its sign-in never verifies nor enrolls the account's second factor. A
// password session and a domain IdP's session keep every right (regression); the confined session
// still reads its own project.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  BASE_URL, Browser, TEST_PASSWORD, addMember, appBase, assertBadRequest, assertNotFound, authMe, bearer,
  createSigninFixture, createUser, dbExec, dbQuery, decodeJwt, formOf, http, pkcePair, postForm, postJson, redeemCode,
  setCookies, signIn, uniqueEmail, uniqueName,
} from './lib.mjs';
import { CALLBACK, setDomainIdp, startFakeIdp } from './idp-lib.mjs';

const CONFINED = "Not allowed for a session from this project's identity provider";
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_URL = new URL('oauth2/token', BASE_URL).href;
const APP_REDIRECT = 'https://attacker-app.example.com/callback';

let idp; // the attacker's identity provider (the hand-written fake)
let victim; // a sign-in fixture: project B (the victim's own), a password user, verified
let victimSession; // the victim's password session in project B
let attacker; // project A's admin: { fx, headers }
let client; // project A's ClientApplication whose identityProvider is the attacker's

/** A 403 OperationOutcome with the confined text. */
function assertConfined(r, what) {
  assert.equal(r.status, 403, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.json?.resourceType, 'OperationOutcome', `${what}: ${r.text}`);
  assert.equal(r.json?.issue?.[0]?.code, 'forbidden', `${what}: ${r.text}`);
  assert.equal(r.json?.issue?.[0]?.details?.text, CONFINED, `${what}: ${r.text}`);
}

function userMfa(userId) {
  const [row] = dbQuery('SELECT mfa_enrolled, mfa_secret IS NOT NULL FROM user WHERE id = ?', [userId]);
  return { enrolled: row[0] === '1', secret: row[1] === '1' };
}

function loginConfined(loginId) {
  return dbQuery('SELECT confined FROM login WHERE id = ?', [loginId])[0]?.[0] === '1';
}

/** Token exchange at the attacker's client: the fake IdP's userinfo vouches for `email`. */
async function exchangeFor(email) {
  idp.state.claims = { sub: `sub-${randomUUID()}`, email, email_verified: true };
  const r = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id,
    subject_token: `opaque-${randomUUID()}` });
  assert.equal(r.status, 200, `exchange: ${r.text}`);
  return r.json;
}

/** /auth/external for `email` with this login request (clientId, redirectUri, domain?): the trip,
 * the fake IdP, the callback. Returns { login, code, verifier } of the sign-in (not redeemed). */
async function externalSignIn(email, request) {
  idp.state.mode = 'good';
  idp.state.claims = { sub: `sub-${randomUUID()}`, email, email_verified: true };
  const pkce = pkcePair();
  const state = { ...request, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' };
  const start = await http(`auth/external/authorize?state=${encodeURIComponent(JSON.stringify(state))}`);
  assert.equal(start.status, 302, start.text);
  const cookie = setCookies(start.headers).find((c) => c.startsWith('tessera-external=')).split(';')[0];
  const back = await fetch(start.headers.get('location'), { redirect: 'manual' });
  assert.ok(back.headers.get('location').startsWith(CALLBACK));
  const r = await http(back.headers.get('location'), { headers: { Cookie: cookie } });
  assert.equal(r.status, 302, r.text);
  const to = new URL(r.headers.get('location'));
  assert.equal(`${to.origin}${to.pathname}`, request.redirectUri);
  return { login: to.searchParams.get('login'), code: to.searchParams.get('code'), verifier: pkce.verifier };
}

/** Step 2 of the attack: the attacker's client trusts the attacker's IdP, written through the
 * resource API as any project admin can. */
async function pointClientAtIdp() {
  const read = await http(`fhir/R4/ClientApplication/${client.id}`, { headers: attacker.headers });
  assert.equal(read.status, 200, read.text);
  const body = { ...read.json, identityProvider: { issuer: idp.issuer, authorizeUrl: `${idp.issuer}/authorize`,
    tokenUrl: `${idp.issuer}/token`, userInfoUrl: `${idp.issuer}/userinfo`, clientId: 'attacker-app', clientSecret: 's' } };
  delete body.meta;
  const put = await http(`fhir/R4/ClientApplication/${client.id}`, { method: 'PUT', body: JSON.stringify(body),
    headers: { ...attacker.headers, 'Content-Type': 'application/fhir+json' } });
  assert.equal(put.status, 200, put.text);
}

/** A jwt-bearer assertion of the attacker's IdP about `email`, naming the attacker's client. */
function assertionFor(email) {
  return idp.accessToken({ sub: email, email, email_verified: true, aud: TOKEN_URL, jti: randomUUID(), client_id: client.id });
}

before(async () => {
  idp = await startFakeIdp();
  victim = createSigninFixture('conf-victim');
  victimSession = (await signIn(victim)).tokens;

  // The attacker: an ordinary project admin of project A, signed in with a password.
  const fx = createSigninFixture('conf-attacker');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  attacker = { fx, headers: { Authorization: bearer(tokens.access_token) } };

  // Step 1: the victim's existing (verified, server-scoped) account is invited into project A.
  const inv = await postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Vic',
    lastName: 'Tim', email: victim.email, sendEmail: false }, attacker.headers);
  assert.ok(inv.status === 200 || inv.status === 201, inv.text);

  // Step 2: a client of project A whose identityProvider is the attacker's server, set through the
  // resource API as any project admin can.
  const made = await postJson(`admin/projects/${fx.projectId}/client`, { name: uniqueName('conf-app'),
    redirectUris: [APP_REDIRECT] }, attacker.headers);
  assert.equal(made.status, 201, made.text);
  client = { id: made.json.id };
  await pointClientAtIdp();
});
after(() => idp?.close());

describe('a session from a project\'s own identity provider is confined to that project (§S.25)', () => {
  it('token exchange: each account-wide action is refused; the victim\'s other session, MFA and password survive', async () => {
    const t = await exchangeFor(victim.email);
    const h = { Authorization: bearer(t.access_token) };
    const before = userMfa(victim.userId);

    // Step 4: /auth/me lists no session of another project, and says nothing of the account's factor.
    const me = await authMe(t.access_token);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.project.id, attacker.fx.projectId);
    const victimLogin = decodeJwt(victimSession.access_token).login_id;
    const ids = me.json.security.sessions.map((s) => s.id);
    assert.ok(!ids.includes(victimLogin), 'the victim\'s project-B session is not listed');
    assert.ok(ids.includes(decodeJwt(t.access_token).login_id), 'its own session is');
    assert.equal(me.json.security.mfaEnrolled, undefined);

    // Step 5: the victim's session in project B cannot be ended from here (404, as anyone else's).
    assertNotFound(await postJson('auth/revoke', { loginId: victimLogin }, h));

    // Step 6 and the rest of the account: second factor, password.
    assertConfined(await http('auth/mfa/status', { headers: h }), 'mfa/status');
    assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, h), 'mfa/enroll');
    assertConfined(await postJson('auth/mfa/disable', { token: '123456' }, h), 'mfa/disable');
    assertConfined(await postJson('auth/changepassword', { oldPassword: 'whatever-it-is', newPassword: 'Attacker_Owns_It_77' }, h),
      'changepassword');

    // The victim is untouched: project-B session alive, no second factor, same password.
    const still = await authMe(victimSession.access_token);
    assert.equal(still.status, 200, still.text);
    assert.deepEqual(userMfa(victim.userId), before);
    assert.equal(userMfa(victim.userId).enrolled, false);
    const again = await signIn(victim);
    assert.ok(again.tokens.access_token, 'the victim still signs in with the password, no second factor asked');

    // Ordinary work in project A still goes on.
    const profile = me.json.profile;
    const read = await http(`fhir/R4/${profile.resourceType}/${profile.id}`, { headers: h });
    assert.equal(read.status, 200, read.text);
    const info = await http('oauth2/userinfo', { headers: h });
    assert.equal(info.status, 200, info.text);
    // The resource API's Login resources stop at the project as well.
    const logins = await http('fhir/R4/Login', { headers: h });
    assert.ok(logins.status === 200 || logins.status === 403, logins.text);
    for (const e of logins.json?.entry ?? []) assert.equal(e.resource.meta.project, attacker.fx.projectId);
    assert.ok(loginConfined(decodeJwt(t.access_token).login_id), 'the Login is marked confined');
  });

  it('the confined session may end its own project\'s sessions (itself), then it is gone', async () => {
    const t = await exchangeFor(victim.email);
    const other = await exchangeFor(victim.email);
    const h = { Authorization: bearer(t.access_token) };
    const otherId = decodeJwt(other.access_token).login_id;
    assert.ok((await authMe(t.access_token)).json.security.sessions.some((s) => s.id === otherId));
    const r = await postJson('auth/revoke', { loginId: otherId }, h);
    assert.equal(r.status, 200, r.text);
    assert.equal((await authMe(other.access_token)).status, 401);
    assert.equal((await authMe(t.access_token)).status, 200);
  });

  it('/auth/external through the client: the Login is confined; no MFA stage, new project or patient from it', async () => {
    const s = await externalSignIn(victim.email, { clientId: client.id, redirectUri: APP_REDIRECT });
    assert.ok(loginConfined(s.login));
    // The login id travels in the redirect; none of the account's stages accept it.
    assertConfined(await postJson('auth/mfa/login-enroll', { login: s.login, token: '123456' }), 'login-enroll');
    assertConfined(await postJson('auth/mfa/verify', { login: s.login, token: '123456' }), 'verify');
    assertConfined(await postJson('auth/mfa/send-email', { login: s.login }), 'send-email');
    assertConfined(await postJson('auth/newproject', { login: s.login, projectName: uniqueName('conf-np') }), 'newproject');
    assertConfined(await postJson('auth/newpatient', { login: s.login, projectId: attacker.fx.projectId }), 'newpatient');
    const t = await redeemCode(s.code, { clientId: client.id, verifier: s.verifier, redirectUri: APP_REDIRECT });
    assert.equal(t.status, 200, t.text);
    const h = { Authorization: bearer(t.json.access_token) };
    assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, h), 'mfa/enroll');
    assertConfined(await postJson('auth/changepassword', { oldPassword: 'x'.repeat(8), newPassword: 'Attacker_Owns_It_77' }, h),
      'changepassword');
    assertNotFound(await postJson('auth/revoke', { loginId: decodeJwt(victimSession.access_token).login_id }, h));
    assert.equal((await authMe(victimSession.access_token)).status, 200);
    assert.equal(userMfa(victim.userId).enrolled, false);
  });

  it('jwt-bearer with the client: confined likewise', async () => {
    const a = await assertionFor(victim.email);
    const r = await postForm('oauth2/token', { grant_type: JWT_BEARER, client_id: client.id, assertion: a, scope: 'openid' });
    assert.equal(r.status, 200, r.text);
    assert.ok(loginConfined(decodeJwt(r.json.access_token).login_id));
    const h = { Authorization: bearer(r.json.access_token) };
    assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, h), 'mfa/enroll');
    assertConfined(await http('auth/mfa/status', { headers: h }), 'mfa/status');
    const me = await authMe(r.json.access_token);
    assert.equal(me.status, 200, me.text);
    assert.ok(!me.json.security.sessions.some((s) => s.id === decodeJwt(victimSession.access_token).login_id));
  });

  it('a refreshed token and a confined admin acting on behalf of another member stay confined', async () => {
    const t = await exchangeFor(victim.email);
    assert.ok(t.refresh_token, 'token exchange defaults to openid offline');
    const r = await postForm('oauth2/token', { grant_type: 'refresh_token', client_id: client.id, refresh_token: t.refresh_token });
    assert.equal(r.status, 200, r.text);
    assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, { Authorization: bearer(r.json.access_token) }),
      'mfa/enroll after refresh');
    // The attacker makes the victim's membership an admin of project A (its own right), then acts on
    // behalf of its own membership: the caller is still the confined session.
    dbExec('UPDATE project_membership SET admin = TRUE WHERE user_id = ? AND project_id = ?', [victim.userId, attacker.fx.projectId]);
    try {
      const a = await exchangeFor(victim.email);
      const h = { Authorization: bearer(a.access_token), 'X-Medplum-On-Behalf-Of': `ProjectMembership/${attacker.fx.membershipId}` };
      assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, h), 'mfa/enroll on behalf');
      assertConfined(await postJson('auth/changepassword', { oldPassword: 'whatever-it-is', newPassword: 'Attacker_Owns_It_77' }, h),
        'changepassword on behalf');
      const me = await http('auth/me', { headers: h });
      assert.equal(me.status, 200, me.text);
      for (const s of me.json.security?.sessions ?? []) {
        assert.notEqual(s.id, decodeJwt(victimSession.access_token).login_id);
      }
    } finally {
      dbExec('UPDATE project_membership SET admin = FALSE WHERE user_id = ? AND project_id = ?', [victim.userId, attacker.fx.projectId]);
    }
    assert.equal(userMfa(victim.userId).enrolled, false);
  });

  it('removing the identityProvider afterwards does not free a session it vouched for', async () => {
    const t = await exchangeFor(victim.email);
    dbExec('UPDATE client_application SET identity_provider = NULL WHERE id = ?', [client.id]);
    try {
      assertConfined(await postJson('auth/mfa/enroll', { token: '123456' }, { Authorization: bearer(t.access_token) }), 'mfa/enroll');
    } finally {
      await pointClientAtIdp();
    }
  });
});

describe('sessions that are not confined keep the account\'s rights (regression)', () => {
  it('the victim\'s password session sees and ends the confined session, and reaches its own second factor', async () => {
    const t = await exchangeFor(victim.email);
    const confinedId = decodeJwt(t.access_token).login_id;
    const h = { Authorization: bearer(victimSession.access_token) };
    const me = await authMe(victimSession.access_token);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.security.mfaEnrolled, false);
    assert.ok(me.json.security.sessions.some((s) => s.id === confinedId), 'the project-A session is listed to the account');
    const status = await http('auth/mfa/status', { headers: h });
    assert.equal(status.status, 200, status.text);
    assert.equal(status.json.enrolled, false);
    assertBadRequest(await postJson('auth/mfa/enroll', { token: '000000' }, h), 'Invalid token');
    assertBadRequest(await postJson('auth/changepassword', { oldPassword: 'not-the-password', newPassword: 'Another_Good_One_51' }, h),
      'Incorrect password');
    const r = await postJson('auth/revoke', { loginId: confinedId }, h);
    assert.equal(r.status, 200, r.text);
    assert.equal((await authMe(t.access_token)).status, 401);
  });

  it('a domain IdP\'s session (a super admin\'s configuration) is not confined', async () => {
    const domain = `${uniqueName('conf-dom')}.example.org`.toLowerCase();
    const email = `user@${domain}`;
    const userId = createUser({ email, password: TEST_PASSWORD });
    addMember({ project: victim.projectId, user: userId });
    setDomainIdp(domain, { authorizeUrl: `${idp.issuer}/authorize`, tokenUrl: `${idp.issuer}/token`,
      clientId: `fake-${domain}`, clientSecret: 'fake-secret', usePkce: true });
    // The victim's client has no IdP of its own: the domain's is used.
    const s = await externalSignIn(email, { domain, clientId: victim.clientId, redirectUri: victim.redirectUri });
    assert.equal(loginConfined(s.login), false);
    const t = await redeemCode(s.code, { clientId: victim.clientId, verifier: s.verifier, redirectUri: victim.redirectUri });
    assert.equal(t.status, 200, t.text);
    const h = { Authorization: bearer(t.json.access_token) };
    const status = await http('auth/mfa/status', { headers: h });
    assert.equal(status.status, 200, status.text);
    assert.equal((await authMe(t.json.access_token)).json.security.mfaEnrolled, false);
  });
});

describe('the guard covers the page session too (ROUTE_ACCOUNT_WIDE on pages)', () => {
  it('a page session whose Login is confined gets 403 on /changepassword and /account/mfa', async () => {
    const email = uniqueEmail('conf-page');
    const userId = createUser({ email, password: TEST_PASSWORD });
    addMember({ project: victim.projectId, user: userId });
    const b = new Browser();
    const form = formOf((await b.get('signin')).text);
    const r = await b.post(form.action, { ...form.fields, email, password: TEST_PASSWORD });
    assert.equal(r.status, 303, r.text);
    assert.equal(r.headers.get('location'), `${appBase()}account`);
    assert.equal((await b.get('changepassword')).status, 200);
    assert.equal((await b.get('account/mfa')).status, 200);
    // No sign-in on the pages is confined (they have no client's IdP); mark this one as if it were.
    const loginId = decodeURIComponent(b.cookies.get('tessera-session')).split('.')[0];
    dbExec('UPDATE login SET confined = TRUE WHERE id = ?', [loginId]);
    for (const path of ['changepassword', 'account/mfa']) {
      const page = await b.get(path);
      assert.equal(page.status, 403, `${path}: ${page.status}`);
      assert.ok(page.text.includes('identity provider'), page.text.slice(0, 400));
    }
    const account = await b.get('account');
    assert.equal(account.status, 200, 'the rest of the pages still work');
  });
});
