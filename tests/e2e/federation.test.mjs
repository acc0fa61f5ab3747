// SPDX-License-Identifier: BSD-2-Clause
// Federation (PROTOCOL.md §6.1, §6.3, §6.4, §12, §12.1, §S.6, §S.7, §S.14): sign-in through an
// external OpenID provider. The upstream is real — panva's oidc-provider started here on a free
// loopback port, with its own login and consent pages driven through Chromium — plus a small
// hand-written provider whose token endpoint misbehaves on demand (a forged id_token, a wrong
// nonce, garbage, a hang), and Google ID tokens signed by a key served as google_jwks_uri. Identity providers are configured with tessera-admin (the secret on
// standard input) and checked sealed in the database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, addMember, appBase, assertBadRequest, authMe, createOpenProject, createProject, createSigninClient,
  createSigninFixture, createUser, dbExec, dbQuery, http, loadMedplum, pkcePair, postForm, postJson, quietPkceWarning,
  randomUUID, readConfig, redeemCode, refreshGrant, setCookies, signIn, submitSigninPage, uniqueName,
} from './lib.mjs';
import { api, member as fhirMember } from './fhir-lib.mjs';

quietPkceWarning();
import { launchBrowser, openContext, skip } from './browser-lib.mjs';
import { CALLBACK, closedPort, idpLogin, setClientIdp, setDomainIdp, startFakeIdp, startGoogleKeys, startOidcProvider } from './idp-lib.mjs';

const BASIC_SECRET = 'basic-' + uniqueName('s');
const POST_SECRET = 'post-' + uniqueName('s');
const APP_SECRET = 'app-' + uniqueName('s');

let op, fake, browser;

before(async () => {
  op = await startOidcProvider({
    clients: [
      { client_id: 'tessera-basic', client_secret: BASIC_SECRET, redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
      { client_id: 'tessera-post', client_secret: POST_SECRET, redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256' },
      // An application of the IdP whose access tokens are exchanged at Tessera.
      { client_id: 'app', client_secret: APP_SECRET, redirect_uris: ['https://app.example.com/idp-cb'],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
    ],
  });
  fake = await startFakeIdp();
  if (!skip) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await op?.close();
  await fake?.close();
  await (await googleServer)?.close();
});

// One fake Google for the whole file: the server caches its key set, so a second key (another
// kid) would wait for the cache's refresh.
let googleServer;
function googleKeys() {
  googleServer ??= startGoogleKeys();
  return googleServer;
}

function uniqueDomain(prefix) {
  return `${uniqueName(prefix)}.example.test`.toLowerCase();
}

/** The oidc-provider identity provider configuration for Tessera. */
function opIdp(extra = {}) {
  return { authorizeUrl: `${op.issuer}/auth`, tokenUrl: `${op.issuer}/token`, userInfoUrl: `${op.issuer}/me`,
    clientId: 'tessera-basic', clientSecret: BASIC_SECRET, usePkce: true, ...extra };
}

/** A project with one user of the given email (no password) and a Practitioner membership. */
function member(email) {
  const projectName = uniqueName('fed-project');
  const projectId = createProject(projectName);
  const userId = createUser({ email });
  return { projectName, projectId, userId, ...addMember({ project: projectId, user: userId }) };
}

/** Captures navigations to the app's redirect URI (no such host): resolves with the URL. */
function captureApp(page, prefix) {
  return new Promise((resolve) => {
    page.route(`${prefix}**`, (route) => {
      resolve(new URL(route.request().url()));
      route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' });
    });
  });
}

describe('configuration', () => {
  it('tessera-admin seals the upstream client secret and never shows it', () => {
    const domain = uniqueDomain('seal');
    setDomainIdp(domain, opIdp());
    const [[stored]] = dbQuery('SELECT identity_provider FROM domain_configuration WHERE domain = ?', [domain]);
    assert.ok(!stored.includes(BASIC_SECRET), 'the secret is not stored in clear');
    assert.match(JSON.parse(stored).clientSecretSealed, /^(h1|k1)\./);
    assert.ok(!('clientSecret' in JSON.parse(stored)));
  });

  it('/auth/method sends a configured domain to Tessera\'s own start of the round trip', async () => {
    const domain = uniqueDomain('method');
    setDomainIdp(domain, opIdp());
    const r = await postJson('auth/method', { email: `Someone@${domain.toUpperCase()}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.domain, domain);
    assert.equal(r.json.authorizeUrl, `${BASE_URL}auth/external/authorize?domain=${domain}`);
  });
});

describe('through Chromium and oidc-provider', { skip }, () => {
  it('/signin?domain= skips the email prompt and ends signed in (domain routing)', async () => {
    const domain = uniqueDomain('page');
    const email = `doc@${domain}`;
    const m = member(email);
    setDomainIdp(domain, opIdp());
    const { context, page } = await openContext(browser, true);
    try {
      await page.goto(`${appBase()}signin?domain=${domain}`);
      assert.ok(page.url().startsWith(op.issuer), `at the IdP: ${page.url()}`);
      await idpLogin(page, email);
      await page.waitForURL(/\/account$/);
      const text = await page.textContent('main');
      assert.match(text, /You are signed in/);
      assert.ok(text.includes(m.projectName), text);
    } finally {
      await context.close();
    }
  });

  it('the sign-in form sends a federated email to its IdP without a password, then back to the client with a code', async () => {
    const domain = uniqueDomain('form');
    const email = `nurse@${domain}`;
    const m = member(email);
    const redirectUri = `https://app.example.com/${domain}/cb`;
    const client = createSigninClient(m.projectId, uniqueName('fed-client'), { redirectUris: [redirectUri] });
    setDomainIdp(domain, opIdp({ clientId: 'tessera-post', clientSecret: POST_SECRET, tokenAuthMethod: 'client_secret_post' }));
    const pkce = pkcePair();
    const { context, page } = await openContext(browser, true);
    try {
      const landed = captureApp(page, 'https://app.example.com/');
      const q = new URLSearchParams({ response_type: 'code', client_id: client.id, redirect_uri: redirectUri, state: 'st-1',
        scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
      await page.goto(`${BASE_URL}oauth2/authorize?${q}`);
      await page.fill('input[name="email"]', email);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
      await idpLogin(page, email);
      const back = await landed;
      assert.equal(back.searchParams.get('state'), 'st-1');
      const code = back.searchParams.get('code');
      assert.ok(code, back.toString());
      const t = await postForm('oauth2/token', { grant_type: 'authorization_code', code, client_id: client.id,
        redirect_uri: redirectUri, code_verifier: pkce.verifier });
      assert.equal(t.status, 200, t.text);
      assert.equal(t.json.profile.reference, `${m.profileType}/${m.profileId}`);
      const [[method]] = dbQuery('SELECT auth_method FROM login WHERE membership_id = ? ORDER BY created_at DESC LIMIT 1', [m.membershipId]);
      assert.equal(method, 'external');
    } finally {
      await context.close();
    }
  });

  it('SDK signInWithExternalAuth with a client-level IdP and external ids (useSubject), then processCode', async () => {
    const { MedplumClient } = await loadMedplum();
    const projectId = createProject(uniqueName('fed-sub'));
    const userId = createUser({ email: `${uniqueName('sub')}@elsewhere.example.org` });
    const m = addMember({ project: projectId, user: userId });
    const externalId = uniqueName('ext');
    dbExec('UPDATE project_membership SET external_id = ? WHERE id = ?', [externalId, m.membershipId]);
    const redirectUri = `https://app.example.com/${externalId}/done`;
    const client = createSigninClient(projectId, uniqueName('fed-sdk'), { redirectUris: [redirectUri] });
    setClientIdp(client.id, opIdp({ clientId: 'tessera-post', clientSecret: POST_SECRET, tokenAuthMethod: 'client_secret_post', useSubject: true }));
    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: client.id, fetch: (u, o) => fetch(u, o) });
    // signInWithExternalAuth navigates the window: under Node, a window whose location is caught.
    let target;
    const saved = { window: globalThis.window, location: globalThis.location };
    globalThis.window = globalThis;
    globalThis.location = { assign: (u) => { target = u; } };
    try {
      await medplum.signInWithExternalAuth(`${BASE_URL}auth/external/authorize`, 'tessera-post', CALLBACK,
        { clientId: client.id, redirectUri, scope: 'openid offline' });
    } finally {
      globalThis.window = saved.window;
      globalThis.location = saved.location;
    }
    assert.ok(target?.startsWith(`${BASE_URL}auth/external/authorize?`), target);
    const { context, page } = await openContext(browser, true);
    try {
      const landed = captureApp(page, redirectUri);
      await page.goto(target);
      await idpLogin(page, externalId);
      const back = await landed;
      assert.ok(back.searchParams.get('login'), back.toString());
      const profile = await medplum.processCode(back.searchParams.get('code'));
      assert.equal(`${profile.resourceType}/${profile.id}`, `${m.profileType}/${m.profileId}`);
      assert.ok(medplum.getActiveLogin()?.refreshToken, 'scope openid offline: a refresh token');
    } finally {
      await context.close();
    }
  });
});

describe('the round trip refuses what it must (the hand-written provider)', () => {
  /** A domain at the fake IdP with one user; returns its pieces. */
  function fakeDomain(prefix, extra = {}) {
    const domain = uniqueDomain(prefix);
    const email = `user@${domain}`;
    const m = member(email);
    setDomainIdp(domain, { authorizeUrl: `${fake.issuer}/authorize`, tokenUrl: `${fake.issuer}/token`,
      clientId: `fake-${domain}`, clientSecret: 'fake-secret', usePkce: true, ...extra });
    return { domain, email, ...m };
  }

  /** Starts a trip and follows the fake IdP back: { callback (path), cookie }. */
  async function trip(domain) {
    const start = await http(`auth/external/authorize?domain=${domain}`);
    assert.equal(start.status, 302, start.text);
    const cookie = setCookies(start.headers).find((c) => c.startsWith('tessera-external='))?.split(';')[0];
    assert.ok(cookie, 'the trip cookie');
    const idp = await fetch(start.headers.get('location'), { redirect: 'manual' });
    assert.equal(idp.status, 302);
    const callback = idp.headers.get('location');
    assert.ok(callback.startsWith(CALLBACK), callback);
    return { callback, cookie, authorize: new URL(start.headers.get('location')) };
  }

  function finish(t, cookie = t.cookie, callback = t.callback) {
    return http(callback, { headers: cookie ? { Cookie: cookie } : {} });
  }

  it('sends Tessera\'s own state, nonce and a real S256 challenge; the verifier reaches the token endpoint', async () => {
    const f = fakeDomain('good');
    fake.state.mode = 'good';
    fake.state.claims = { sub: 'good-sub', email: f.email };
    const t = await trip(f.domain);
    const q = t.authorize.searchParams;
    assert.match(q.get('state'), /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('nonce'));
    const r = await finish(t);
    assert.equal(r.status, 302, r.text);
    const to = new URL(r.headers.get('location'));
    assert.equal(`${to.origin}${to.pathname}`, `${appBase()}signin`);
    assert.ok(to.searchParams.get('login'));
    const tokenCall = fake.state.requests.filter((x) => x.path === '/token').at(-1);
    const form = new URLSearchParams(tokenCall.body);
    const { createHash } = await import('node:crypto');
    assert.equal(createHash('sha256').update(form.get('code_verifier')).digest('base64url'), q.get('code_challenge'));
    assert.equal(tokenCall.headers.authorization, 'Basic ' + Buffer.from(`fake-${f.domain}:fake-secret`).toString('base64'));
    assert.equal(form.get('redirect_uri'), CALLBACK);
    // The same state again (a replay, even from the same browser) is refused.
    assertBadRequest(await finish(t), 'Invalid state');
  });

  it('refuses a forged id_token (signed with a key the IdP does not publish)', async () => {
    const f = fakeDomain('forged');
    fake.state.claims = { sub: 'x', email: f.email };
    fake.state.mode = 'forged';
    assertBadRequest(await finish(await trip(f.domain)), 'Invalid token signature');
  });

  it('refuses an id_token with another nonce', async () => {
    const f = fakeDomain('nonce');
    fake.state.claims = { sub: 'x', email: f.email };
    fake.state.mode = 'nonce';
    assertBadRequest(await finish(await trip(f.domain)), 'Token nonce does not match');
  });

  it('refuses an email outside the configured domain, and an address the IdP has not verified', async () => {
    const f = fakeDomain('outside');
    fake.state.mode = 'good';
    fake.state.claims = { sub: 'x', email: `user@other-${f.domain}` };
    assertBadRequest(await finish(await trip(f.domain)), 'Email address does not match domain');
    fake.state.claims = { sub: 'x', email: f.email, email_verified: false };
    assertBadRequest(await finish(await trip(f.domain)), 'External email address is not verified');
    fake.state.claims = { sub: 'x' };
    assertBadRequest(await finish(await trip(f.domain)), 'External token does not contain email address');
  });

  it('refuses a tampered state, a state without the browser\'s cookie (the trip survives), and a missing code', async () => {
    const f = fakeDomain('tamper');
    fake.state.mode = 'good';
    fake.state.claims = { sub: 'x', email: f.email };
    const t = await trip(f.domain);
    const u = new URL(t.callback);
    const st = u.searchParams.get('state');
    const tampered = new URL(u);
    tampered.searchParams.set('state', st.slice(0, -2) + (st.endsWith('AA') ? 'BB' : 'AA'));
    assertBadRequest(await finish(t, t.cookie, tampered.toString()), 'Invalid state');
    const forged = new URL(u);
    forged.searchParams.set('state', JSON.stringify({ domain: f.domain, redirectUri: 'https://evil.example/' }));
    assertBadRequest(await finish(t, t.cookie, forged.toString()), 'Invalid state');
    assertBadRequest(await finish(t, null), 'Invalid state');
    assertBadRequest(await finish(t, 'tessera-external=someone-else'), 'Invalid state');
    const noCode = new URL(u);
    noCode.searchParams.delete('code');
    assertBadRequest(await finish(t, t.cookie, noCode.toString()), 'Missing code');
    const noState = new URL(u);
    noState.searchParams.delete('state');
    assertBadRequest(await finish(t, t.cookie, noState.toString()), 'Missing state');
    // Refusals above did not spend the trip: its own browser still finishes it.
    assert.equal((await finish(t)).status, 302);
  });

  it('an IdP that refuses the code, answers garbage, hangs, or is unreachable: 400, 502, 504, 502', async () => {
    const f = fakeDomain('upstream');
    fake.state.claims = { sub: 'x', email: f.email };
    fake.state.mode = 'refuse';
    assertBadRequest(await finish(await trip(f.domain)), 'Failed to verify code - check your identity provider configuration');
    fake.state.mode = 'garbage';
    assertBadRequest(await finish(await trip(f.domain)), 'Invalid response from identity provider', 502);
    fake.state.mode = 'hang';
    const t0 = Date.now();
    const hung = await finish(await trip(f.domain));
    assertBadRequest(hung, 'Upstream server did not answer in time', 504);
    assert.ok(Date.now() - t0 < 10_000, `answered after ${Date.now() - t0} ms`);
    assert.equal(hung.json.issue[0].code, 'timeout');
    fake.state.mode = 'good';
    // The program that waited is free again: the next trip completes.
    assert.equal((await finish(await trip(f.domain))).status, 302);
    const gone = fakeDomain('gone', { tokenUrl: `http://127.0.0.1:${await closedPort()}/token` });
    assertBadRequest(await finish(await trip(gone.domain)), 'Upstream server unreachable', 502);
  });

  it('is no proxy into the server\'s network: link-local and private token endpoints are refused', async () => {
    const f = fakeDomain('ssrf', { tokenUrl: 'http://169.254.169.254/latest/meta-data/' });
    fake.state.mode = 'good';
    assertBadRequest(await finish(await trip(f.domain)), 'Upstream address not allowed', 502);
    const g = fakeDomain('ssrf2', { tokenUrl: 'http://10.255.255.1/token' });
    assertBadRequest(await finish(await trip(g.domain)), 'Upstream address not allowed', 502);
  });

  it('the start refuses an unknown domain, a bad state, an unknown client and a foreign redirect URI', async () => {
    assertBadRequest(await http(`auth/external/authorize?domain=${uniqueDomain('none')}`), 'Identity provider not found');
    assertBadRequest(await http('auth/external/authorize?state=not-json'), 'Invalid state');
    assertBadRequest(await http(`auth/external/authorize?state=${encodeURIComponent('{"clientId":5}')}`), 'Invalid state');
    const unknown = await http(`auth/external/authorize?state=${encodeURIComponent(JSON.stringify({ clientId: '00000000-0000-4000-8000-000000000000' }))}`);
    assert.equal(unknown.status, 404, unknown.text);
    const f = fakeDomain('redir');
    const client = createSigninClient(f.projectId, uniqueName('redir'), { redirectUris: ['https://app.example.com/ok'] });
    const st = { clientId: client.id, domain: f.domain, redirectUri: 'https://app.example.com/ok.evil.example/' };
    assertBadRequest(await http(`auth/external/authorize?state=${encodeURIComponent(JSON.stringify(st))}`), 'Invalid redirect URI');
    // A page-only member in a client's state is ignored (the trip ends as §6.4 says, not as a page).
    fake.state.mode = 'good';
    fake.state.claims = { sub: 'x', email: f.email };
    const ok = { clientId: client.id, domain: f.domain, redirectUri: 'https://app.example.com/ok', page: true,
      codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' };
    const start = await http(`auth/external/authorize?state=${encodeURIComponent(JSON.stringify(ok))}`);
    assert.equal(start.status, 302, start.text);
    const cookie = setCookies(start.headers).find((c) => c.startsWith('tessera-external=')).split(';')[0];
    const back = await fetch(start.headers.get('location'), { redirect: 'manual' });
    const r = await http(back.headers.get('location'), { headers: { Cookie: cookie } });
    assert.equal(r.status, 302, r.text);
    assert.ok(r.headers.get('location').startsWith('https://app.example.com/ok?login='), r.headers.get('location'));
  });
});

describe('POST /auth/google (§6.3) with Google ID tokens signed by a local key', () => {
  const GOOGLE_CLIENT = 'tessera-test.apps.googleusercontent.com';
  const SQUATTER_PASSWORD = 'Squatter_Keeps_Gardens_43';
  let google;
  before(async () => {
    google = await googleKeys();
  });

  const claimsOf = (email, extra = {}) => ({ sub: uniqueName('g'), email, email_verified: true, given_name: 'Grace', family_name: 'Hopper', ...extra });

  it('SDK startGoogleLogin → processCode for a known user (the server\'s Google client id)', async () => {
    const { MedplumClient } = await loadMedplum();
    const email = `${uniqueName('google')}@example.com`.toLowerCase();
    const m = member(email);
    const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    const credential = await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT });
    const res = await medplum.startGoogleLogin({ googleClientId: GOOGLE_CLIENT, googleCredential: credential });
    assert.ok(res.code, JSON.stringify(res));
    const profile = await medplum.processCode(res.code);
    assert.equal(`${profile.resourceType}/${profile.id}`, `${m.profileType}/${m.profileId}`);
    assert.ok(medplum.getActiveLogin()?.refreshToken, 'Google sign-ins default to openid offline');
    const [[method]] = dbQuery('SELECT auth_method FROM login WHERE membership_id = ? ORDER BY created_at DESC LIMIT 1', [m.membershipId]);
    assert.equal(method, 'google');
  });

  it('a project\'s own Google client id binds that project; createUser makes the user', async () => {
    // A project open to patient registration (createUser makes its users, §6.3) that holds the id.
    const { projectId } = createOpenProject('gproj');
    const gcid = `${uniqueName('proj')}.apps.googleusercontent.com`;
    dbExec('UPDATE project SET site = ? WHERE id = ?', [JSON.stringify([{ name: 'site', googleClientId: gcid }]), projectId]);
    dbExec('INSERT INTO project_google_client (google_client_id, project_id) VALUES (?, ?)', [gcid, projectId]);
    const email = `${uniqueName('newg')}@example.com`.toLowerCase();
    const credential = await google.sign(claimsOf(email), { aud: gcid });
    assertBadRequest(await postJson('auth/google', { googleClientId: gcid, googleCredential: credential }), 'User not found');
    const r = await postJson('auth/google', { googleClientId: gcid, googleCredential: credential, createUser: true });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.login);
    const [[first, last, project]] = dbQuery('SELECT first_name, last_name, project_id FROM user WHERE email = ?', [email]);
    assert.deepEqual([first, last, project], ['Grace', 'Hopper', projectId]);
    // Another project's id for the same Google client id: refused.
    const other = createProject(uniqueName('gother'));
    assertBadRequest(await postJson('auth/google', { googleClientId: gcid, googleCredential: credential, projectId: other }), 'Invalid googleClientId');
  });

  it('refuses forged, foreign, expired and HMAC tokens, unknown client ids, missing fields', async () => {
    const email = `${uniqueName('gbad')}@example.com`.toLowerCase();
    member(email);
    const post = (cred, gcid = GOOGLE_CLIENT) => postJson('auth/google', { googleClientId: gcid, googleCredential: cred });
    const { generateKeyPair: gen } = await import('jose');
    const stranger = await gen('RS256');
    assertBadRequest(await post(await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT, signingKey: stranger.privateKey })), 'Invalid token signature');
    assertBadRequest(await post(await google.sign(claimsOf(email), { aud: 'someone-else' })), 'Token audience does not match');
    assertBadRequest(await post(await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT, iss: 'https://evil.example' })), 'Token issuer does not match');
    assertBadRequest(await post(await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT, exp: Math.floor(Date.now() / 1000) - 3600 })), 'Token expired');
    const hs = await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT, alg: 'HS256', signingKey: new TextEncoder().encode('x'.repeat(32)) });
    assertBadRequest(await post(hs), 'Token algorithm not allowed');
    assertBadRequest(await post(await google.sign(claimsOf(email, { email_verified: false }), { aud: GOOGLE_CLIENT })), 'Invalid google credentials');
    assertBadRequest(await post('not.a.jwt'), 'Invalid token');
    assertBadRequest(await post(await google.sign(claimsOf(email), { aud: 'unknown.apps' }), 'unknown.apps'), 'Invalid googleClientId');
    assertBadRequest(await postJson('auth/google', { googleCredential: 'x' }), 'Missing googleClientId');
    assertBadRequest(await postJson('auth/google', { googleClientId: GOOGLE_CLIENT }), 'Missing googleCredential');
  });

  it('an email of a federated domain is sent to its identity provider', async () => {
    const domain = uniqueDomain('gfed');
    setDomainIdp(domain, opIdp());
    const r = await postJson('auth/google', { googleClientId: GOOGLE_CLIENT, googleCredential: await google.sign(claimsOf(`a@${domain}`), { aud: GOOGLE_CLIENT }) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { domain, authorizeUrl: `${BASE_URL}auth/external/authorize?domain=${domain}` });
  });

  // Review 3: account pre-hijacking through a federated sign-in (PROTOCOL.md §S.19). Anyone can
  // self-register a server account for an address that is not theirs (unverified, their password);
  // the address's owner signing in with Google must take it back, as an invite does.
  it("Google's owner of a squatted address takes the account back: the squatter's password and sessions end", async () => {
    const { MedplumClient } = await loadMedplum();
    const victim = `${uniqueName('r3-victim')}@example.com`.toLowerCase();
    const squatter = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    const reg = await squatter.startNewUser({ firstName: 'Vic', lastName: 'Tim', email: victim, password: SQUATTER_PASSWORD });
    const own = await squatter.startNewProject({ login: reg.login, projectName: uniqueName('r3-squat') });
    await squatter.processCode(own.code);
    const squatterToken = squatter.getAccessToken();
    assert.equal((await authMe(squatterToken)).status, 200);
    // The owner signs in with Google and makes a project.
    const pkce = pkcePair();
    const g = await postJson('auth/google', {
      googleClientId: GOOGLE_CLIENT, googleCredential: await google.sign(claimsOf(victim), { aud: GOOGLE_CLIENT }),
      projectId: 'new', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256',
    });
    assert.equal(g.status, 200, g.text);
    const made = await postJson('auth/newproject', { login: g.json.login, projectName: uniqueName('r3-clinic') });
    assert.equal(made.status, 200, made.text);
    // The account is the owner's now: verified, and the squatter is out.
    const [[verified, hash]] = dbQuery('SELECT email_verified, password_hash IS NOT NULL FROM user WHERE email = ? AND project_id IS NULL', [victim]);
    assert.equal(verified, '1', 'Google proved the address');
    assert.equal(hash, '0', "the squatter's password is gone");
    assert.equal((await authMe(squatterToken)).status, 401, "the squatter's session ended");
    const again = await postJson('auth/login', { email: victim, password: SQUATTER_PASSWORD, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(again.status, 400, `the squatter's password no longer signs in: ${again.text}`);
  });

  it('a verified account keeps its password and sessions when its owner signs in with Google', async () => {
    const { MedplumClient } = await loadMedplum();
    const email = `${uniqueName('r3-owner')}@example.com`.toLowerCase();
    const owner = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
    const reg = await owner.startNewUser({ firstName: 'Ova', lastName: 'Wner', email, password: SQUATTER_PASSWORD });
    const own = await owner.startNewProject({ login: reg.login, projectName: uniqueName('r3-own') });
    await owner.processCode(own.code);
    dbExec('UPDATE user SET email_verified = TRUE WHERE email = ?', [email]);
    const g = await postJson('auth/google', { googleClientId: GOOGLE_CLIENT, googleCredential: await google.sign(claimsOf(email), { aud: GOOGLE_CLIENT }) });
    assert.equal(g.status, 200, g.text);
    assert.equal((await authMe(owner.getAccessToken())).status, 200, 'the earlier session goes on');
    const pkce = pkcePair();
    const again = await postJson('auth/login', { email, password: SQUATTER_PASSWORD, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(again.status, 200, again.text);
  });
});

// Review 4: Google sign-in's project rules (PROTOCOL.md §6.3, §5.2). A Google client id belongs to
// one project at most (never the server's own); createUser makes project-scoped users only where
// the project accepts open registration; a project with google-auth-required refuses passwords.
describe('POST /auth/google: who owns a Google client id, who may be created, who must use Google', () => {
  const SERVER_GCID = 'tessera-test.apps.googleusercontent.com';
  let google, superAdmin;
  before(async () => {
    google = await googleKeys();
    superAdmin = await fhirMember('gsuper', { superAdmin: true });
  });

  const claimsOf = (email) => ({ sub: uniqueName('g'), email, email_verified: true, given_name: 'Ada', family_name: 'Lovelace' });
  const gcidOf = (prefix) => `${uniqueName(prefix)}.apps.googleusercontent.com`.toLowerCase();
  const signInWith = async (gcid, email, extra = {}) =>
    postJson('auth/google', { googleClientId: gcid, googleCredential: await google.sign(claimsOf(email), { aud: gcid }), ...extra });

  /** PUT the project's resource with these sites (read first, so every other field is kept). */
  async function putSites(token, projectId, sites) {
    const got = await api(token, 'GET', `Project/${projectId}`);
    assert.equal(got.status, 200, got.text);
    const body = { ...got.json, site: sites };
    if (!sites) delete body.site;
    return api(token, 'PUT', `Project/${projectId}`, body);
  }
  const claimsIn = (gcid) => dbQuery('SELECT project_id FROM project_google_client WHERE google_client_id = ?', [gcid]).map((r) => r[0]);

  /** A project admin (signed in through the resource API) and a Google user of that project. */
  async function projectWithAdmin(prefix) {
    const admin = await fhirMember(prefix, { admin: true });
    const email = `${uniqueName(`${prefix}-g`)}@example.com`.toLowerCase();
    const userId = createUser({ email });
    addMember({ project: admin.fx.projectId, user: userId });
    return { ...admin, projectId: admin.fx.projectId, email };
  }

  it('a Google client id is one project\'s: another project\'s admin cannot list it (PUT), and the owner keeps signing in', async () => {
    const a = await projectWithAdmin('gown-a');
    const b = await projectWithAdmin('gown-b');
    const gcid = gcidOf('owned');
    const claim = await putSites(a.token, a.projectId, [{ name: 'a', googleClientId: gcid }]);
    assert.equal(claim.status, 200, claim.text);
    assert.deepEqual(claimsIn(gcid), [a.projectId]);
    // B squats A's id (alone, or hidden among other sites): refused, nothing stored.
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'b', googleClientId: gcid }]), 'googleClientId is already in use');
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'ok', googleClientId: gcidOf('fine') }, { name: 'b', googleClientId: gcid }]),
      'googleClientId is already in use');
    const bNow = await api(b.token, 'GET', `Project/${b.projectId}`);
    assert.equal(bNow.json.site, undefined, 'the refused write changed nothing');
    assert.deepEqual(claimsIn(gcid), [a.projectId]);
    // A's users sign in with it, no projectId needed; B's projectId with A's id is not a way in.
    const r = await signInWith(gcid, a.email);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.code, r.text);
    assertBadRequest(await signInWith(gcid, a.email, { projectId: b.projectId }), 'Invalid googleClientId');
    // A's admin writing its own project again (the id kept) is fine.
    assert.equal((await putSites(a.token, a.projectId, [{ name: 'a2', googleClientId: gcid }])).status, 200);
  });

  it('the server\'s own Google client id is no project\'s; a super admin cannot give A\'s id to a new project either', async () => {
    const a = await projectWithAdmin('gsrv');
    assertBadRequest(await putSites(a.token, a.projectId, [{ name: 's', googleClientId: SERVER_GCID }]), 'googleClientId is already in use');
    const gcid = gcidOf('super');
    assert.equal((await putSites(a.token, a.projectId, [{ name: 'a', googleClientId: gcid }])).status, 200);
    const made = await api(superAdmin.token, 'POST', 'Project', { resourceType: 'Project', name: uniqueName('gsrv-new'), site: [{ name: 'n', googleClientId: gcid }] });
    assertBadRequest(made, 'googleClientId is already in use');
    assert.deepEqual(claimsIn(gcid), [a.projectId]);
    const fresh = gcidOf('fresh');
    const ok = await api(superAdmin.token, 'POST', 'Project', { resourceType: 'Project', name: uniqueName('gsrv-ok'), site: [{ name: 'n', googleClientId: fresh }] });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(claimsIn(fresh), [ok.json.id]);
    // A project that goes (no route deletes one; an operator might) takes its ids with it.
    dbExec('DELETE FROM project WHERE id = ?', [ok.json.id]);
    assert.deepEqual(claimsIn(fresh), []);
  });

  it('removing the id frees it; another project may then claim it and the old owner\'s sign-ins stop binding there', async () => {
    const a = await projectWithAdmin('gfree-a');
    const b = await projectWithAdmin('gfree-b');
    const gcid = gcidOf('moved');
    assert.equal((await putSites(a.token, a.projectId, [{ name: 'a', googleClientId: gcid }])).status, 200);
    assert.equal((await putSites(a.token, a.projectId, [{ name: 'a', domain: ['a.example'] }])).status, 200);
    assert.deepEqual(claimsIn(gcid), []);
    assert.equal((await putSites(b.token, b.projectId, [{ name: 'b', googleClientId: gcid }])).status, 200, 'B claims the freed id');
    assert.deepEqual(claimsIn(gcid), [b.projectId]);
    assertBadRequest(await putSites(a.token, a.projectId, [{ name: 'a', googleClientId: gcid }]), 'googleClientId is already in use');
    assertBadRequest(await signInWith(gcid, a.email), 'User not found');
    const r = await signInWith(gcid, b.email);
    assert.equal(r.status, 200, r.text);
    // A site list that goes away entirely frees every id in it.
    assert.equal((await putSites(b.token, b.projectId, null)).status, 200);
    assert.deepEqual(claimsIn(gcid), []);
  });

  it('odd googleClientId values: the longest multibyte id is held whole, longer or non-string ones are refused, quotes are text', async () => {
    const a = await projectWithAdmin('godd-a');
    const b = await projectWithAdmin('godd-b');
    const long = 'é'.repeat(250) + uniqueName('x').slice(-5);
    assert.equal([...long].length, 255);
    const put = await putSites(a.token, a.projectId, [{ name: 'long', googleClientId: long }]);
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(claimsIn(long), [a.projectId]);
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'long', googleClientId: long }]), 'googleClientId is already in use');
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'l', googleClientId: `${long}é` }]), 'Invalid site');
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'n', googleClientId: 42 }]), 'Invalid site');
    assertBadRequest(await putSites(b.token, b.projectId, [{ name: 'z', googleClientId: 'a\u0000b' }]), 'Invalid encoding: text must be valid UTF-8 without NUL bytes');
    // An id that differs only in case or by a trailing space is another id (aud is compared exactly).
    const base = gcidOf('case');
    assert.equal((await putSites(a.token, a.projectId, [{ name: 'c', googleClientId: base }])).status, 200);
    assert.equal((await putSites(b.token, b.projectId, [{ name: 'c', googleClientId: base.toUpperCase() }, { name: 's', googleClientId: `${base} ` }])).status, 200);
    assert.deepEqual(claimsIn(base), [a.projectId]);
    const r = await signInWith(base, a.email);
    assert.equal(r.status, 200, r.text);
    // SQL in an id is only text: it claims that exact string and nothing else.
    const sql = `${uniqueName('q')}' OR '1'='1`;
    const q = await putSites(b.token, b.projectId, [{ name: 'q', googleClientId: sql }]);
    assert.equal(q.status, 200, q.text);
    assert.deepEqual(claimsIn(sql), [b.projectId]);
    assert.deepEqual(claimsIn(base), [a.projectId]);
  });

  it('concurrent claims of one fresh id by several projects: exactly one wins', async () => {
    const projects = await Promise.all([1, 2, 3, 4].map(async (i) => (await projectWithAdmin(`grace${i}`))));
    const gcid = gcidOf('race');
    const answers = await Promise.all(projects.map((p) => putSites(p.token, p.projectId, [{ name: 'r', googleClientId: gcid }])));
    const won = answers.filter((r) => r.status === 200);
    assert.equal(won.length, 1, answers.map((r) => `${r.status} ${r.text}`).join('\n'));
    for (const r of answers) if (r.status !== 200) assertBadRequest(r, 'googleClientId is already in use');
    const owners = claimsIn(gcid);
    assert.equal(owners.length, 1);
    const listing = dbQuery('SELECT id FROM project WHERE JSON_CONTAINS(JSON_EXTRACT(site, \'$[*].googleClientId\'), JSON_QUOTE(?))', [gcid]).map((r) => r[0]);
    assert.deepEqual(listing, owners, 'only the winner lists it');
  });

  it('createUser in a project that does not accept open registration is refused, and no user is left behind', async () => {
    const closed = await projectWithAdmin('gclosed');
    const gcid = gcidOf('closed');
    assert.equal((await putSites(closed.token, closed.projectId, [{ name: 'c', googleClientId: gcid }])).status, 200);
    const email = `${uniqueName('gnew')}@example.com`.toLowerCase();
    // Through the project's own Google client id, and through projectId with the server's.
    assertBadRequest(await signInWith(gcid, email, { createUser: true }), 'Project does not allow open registration');
    assertBadRequest(await signInWith(SERVER_GCID, email, { createUser: true, projectId: closed.projectId }), 'Project does not allow open registration');
    assert.deepEqual(dbQuery('SELECT id FROM user WHERE email = ?', [email]), [], 'no user was made');
    // An unknown project is not found (and makes nothing either).
    const nowhere = randomUUID();
    const r = await signInWith(SERVER_GCID, email, { createUser: true, projectId: nowhere });
    assert.equal(r.status, 404, r.text);
    assert.deepEqual(dbQuery('SELECT id FROM user WHERE email = ?', [email]), []);
  });

  it('createUser in a project open to patients makes a verified project-scoped user; newpatient finishes the sign-up', async () => {
    const { projectId } = createOpenProject('gopen');
    const email = `${uniqueName('gpat')}@example.com`.toLowerCase();
    const pkce = pkcePair();
    const r = await signInWith(SERVER_GCID, email, { createUser: true, projectId, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.login && !r.json.code, r.text);
    const [[scope, verified, hash]] = dbQuery('SELECT project_id, email_verified, password_hash IS NULL FROM user WHERE email = ?', [email]);
    assert.deepEqual([scope, verified, hash], [projectId, '1', '1']);
    const p = await postJson('auth/newpatient', { login: r.json.login, projectId });
    assert.equal(p.status, 200, p.text);
    const t = await redeemCode(p.json.code, { clientId: '', verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    // A second createUser for the same address signs the same user in (no second user).
    const again = await signInWith(SERVER_GCID, email, { createUser: true, projectId });
    assert.equal(again.status, 200, again.text);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [email])[0][0], '1');
  });

  it('google-auth-required: a password is refused for that project (API, profile choice, sign-in page); Google and other projects are not', async () => {
    const fx = createSigninFixture('greq');
    dbExec('UPDATE project SET features = ? WHERE id = ?', [JSON.stringify(['google-auth-required']), fx.projectId]);
    const pkce = pkcePair();
    const login = (extra = {}) => postJson('auth/login', { email: fx.email, password: fx.password, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256', ...extra });
    assertBadRequest(await login(), 'Google authentication is required');
    assertBadRequest(await login({ clientId: fx.clientId }), 'Google authentication is required');
    // Google with the same account works.
    const g = await signInWith(SERVER_GCID, fx.email, { codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(g.status, 200, g.text);
    assert.ok(g.json.code, g.text);
    // A second membership in an ordinary project: the password reaches only that one.
    const other = createProject(uniqueName('greq-other'));
    addMember({ project: other, user: fx.userId });
    const two = await login();
    assert.equal(two.status, 200, two.text);
    assert.equal(two.json.memberships?.length, 2, two.text);
    const required = two.json.memberships.find((m) => m.project.reference === `Project/${fx.projectId}`);
    const plain = two.json.memberships.find((m) => m.project.reference === `Project/${other}`);
    assertBadRequest(await postJson('auth/profile', { login: two.json.login, profile: required.id }), 'Google authentication is required');
    const chosen = await postJson('auth/profile', { login: two.json.login, profile: plain.id });
    assert.equal(chosen.status, 200, chosen.text);
    assert.ok(chosen.json.code, chosen.text);
    assertBadRequest(await login({ projectId: fx.projectId }), 'Google authentication is required');
    // The sign-in page refuses it too, with the same words.
    const { answer: refused } = await submitSigninPage(fx);
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /Google authentication is required/);
    // A different project's users are unaffected.
    const plainFx = createSigninFixture('greq-plain');
    const ok = await postJson('auth/login', { email: plainFx.email, password: plainFx.password, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.code, ok.text);
  });

  it('google-auth-required turned on ends the project\'s password sessions at once (their tokens and refresh), not Google\'s nor another project\'s', async () => {
    const fx = createSigninFixture('greq-on');
    const otherFx = createSigninFixture('greq-on-other');
    const pw = await signIn(fx, { login: { scope: 'openid offline' } });
    const other = await signIn(otherFx);
    const pkce = pkcePair();
    const g = await signInWith(SERVER_GCID, fx.email, { clientId: fx.clientId, scope: 'openid offline', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(g.status, 200, g.text);
    const gt = await redeemCode(g.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(gt.status, 200, gt.text);
    assert.equal((await authMe(pw.tokens.access_token)).status, 200);
    const turnOn = async () => {
      const got = await api(superAdmin.token, 'GET', `Project/${fx.projectId}`);
      assert.equal(got.status, 200, got.text);
      const put = await api(superAdmin.token, 'PUT', `Project/${fx.projectId}`, { ...got.json, features: ['google-auth-required'] });
      assert.equal(put.status, 200, put.text);
    };
    await turnOn();
    // The password session: its access token 401s now, its refresh token is refused.
    assert.equal((await authMe(pw.tokens.access_token)).status, 401);
    assert.equal((await api(pw.tokens.access_token, 'GET', `Project/${fx.projectId}`)).status, 401);
    const refreshed = await refreshGrant(pw.tokens.refresh_token, { clientId: fx.clientId });
    assert.equal(refreshed.status, 400, refreshed.text);
    assert.equal(refreshed.json.error, 'invalid_grant', refreshed.text);
    assert.equal(refreshed.json.error_description, 'Token revoked', refreshed.text);
    // The Google session and another project's password session keep working.
    assert.equal((await authMe(gt.json.access_token)).status, 200);
    const gRefreshed = await refreshGrant(gt.json.refresh_token, { clientId: fx.clientId });
    assert.equal(gRefreshed.status, 200, gRefreshed.text);
    assert.equal((await authMe(other.tokens.access_token)).status, 200);
    // Written again while already on, it ends nothing: a non-Google session that exists then (made
    // live again here by hand) outlives the write.
    dbExec('UPDATE login SET revoked = FALSE WHERE id = ?', [pw.login]);
    assert.equal((await authMe(pw.tokens.access_token)).status, 200);
    await turnOn();
    assert.equal((await authMe(pw.tokens.access_token)).status, 200);
    assert.equal((await authMe(gRefreshed.json.access_token)).status, 200);
  });

  it('google-auth-required cannot be taken off by the project\'s own admin (features are read-only to it)', async () => {
    const a = await projectWithAdmin('greq-admin');
    dbExec('UPDATE project SET features = ? WHERE id = ?', [JSON.stringify(['google-auth-required']), a.projectId]);
    const got = await api(a.token, 'GET', `Project/${a.projectId}`);
    const put = await api(a.token, 'PUT', `Project/${a.projectId}`, { ...got.json, features: [] });
    assert.equal(put.status, 200, put.text);
    const [[features]] = dbQuery('SELECT features FROM project WHERE id = ?', [a.projectId]);
    assert.deepEqual(JSON.parse(features), ['google-auth-required']);
  });
});

describe('token exchange (§7.2.4, §6.5): an access token of the client\'s IdP for Tessera\'s tokens', { skip }, () => {
  const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

  /** An access token oidc-provider issues to its client 'app' for `login` (code flow through Chromium). */
  async function idpAccessToken(login) {
    const { context, page } = await openContext(browser, true);
    try {
      const landed = captureApp(page, 'https://app.example.com/idp-cb');
      const q = new URLSearchParams({ response_type: 'code', client_id: 'app', redirect_uri: 'https://app.example.com/idp-cb',
        scope: 'openid email', state: 's', nonce: 'n' });
      await page.goto(`${op.issuer}/auth?${q}`);
      await idpLogin(page, login);
      const code = (await landed).searchParams.get('code');
      const r = await fetch(`${op.issuer}/token`, { method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + Buffer.from(`app:${APP_SECRET}`).toString('base64') },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example.com/idp-cb' }) });
      const body = await r.json();
      assert.ok(body.access_token, JSON.stringify(body));
      return body.access_token;
    } finally {
      await context.close();
    }
  }

  it('SDK exchangeExternalAccessToken, membership_id choosing; /auth/exchange; refusals', async () => {
    const { MedplumClient } = await loadMedplum();
    const email = `${uniqueName('xchg')}@example.com`.toLowerCase();
    const m = member(email);
    const second = addMember({ project: m.projectId, user: m.userId, profile: 'Patient' });
    const client = createSigninClient(m.projectId, uniqueName('xchg-client'), { redirectUris: ['https://app.example.com/x'] });
    setClientIdp(client.id, opIdp({ clientId: 'app', clientSecret: APP_SECRET }));
    const token = await idpAccessToken(email);

    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: client.id, fetch: (u, o) => fetch(u, o) });
    const profile = await medplum.exchangeExternalAccessToken(token, client.id, second.membershipId);
    assert.equal(`${profile.resourceType}/${profile.id}`, `Patient/${second.profileId}`);
    assert.ok(medplum.getActiveLogin()?.refreshToken, 'openid offline by default');
    const [[method]] = dbQuery('SELECT auth_method FROM login WHERE membership_id = ? ORDER BY created_at DESC LIMIT 1', [second.membershipId]);
    assert.equal(method, 'exchange');

    // Without membership_id: the first membership.
    const first = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: token });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.profile.reference, `${m.profileType}/${m.profileId}`);
    // A membership of someone else is no choice.
    const stranger = member(`${uniqueName('other')}@example.com`.toLowerCase());
    const other = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: token, membership_id: stranger.membershipId });
    assert.equal(other.status, 400, other.text);
    assert.equal(other.json.error_description, 'User not found');

    const legacy = await postJson('auth/exchange', { externalAccessToken: token, clientId: client.id });
    assert.equal(legacy.status, 200, legacy.text);
    assert.ok(legacy.json.access_token && legacy.json.refresh_token);

    const bad = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: 'not-a-token-of-the-idp' });
    assert.equal(bad.status, 400);
    assert.deepEqual([bad.json.error, bad.json.error_description], ['invalid_request', 'Failed to verify code - check your identity provider configuration']);
    const typ = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token', client_id: client.id, subject_token: token });
    assert.equal(typ.json.error_description, 'Invalid subject_token_type');
    const noSubject = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id });
    assert.equal(noSubject.json.error_description, 'Invalid subject_token');
    const noClient = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, subject_token: token });
    assert.equal(noClient.json.error_description, 'Invalid client');
    const plain = createSigninClient(m.projectId, uniqueName('no-idp'), {});
    const noIdp = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: plain.id, subject_token: token });
    assert.equal(noIdp.json.error_description, 'Invalid client');
    const unknown = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: '00000000-0000-4000-8000-000000000000', subject_token: token });
    assert.equal(unknown.status, 404, unknown.text);
    assertBadRequest(await postJson('auth/exchange', { clientId: client.id }), 'Missing externalAccessToken');
    assertBadRequest(await postJson('auth/exchange', { externalAccessToken: token }), 'Missing clientId');

    // The project comes to require Google (§5.2): an exchanged token is no Google sign-in.
    dbExec('UPDATE project SET features = ? WHERE id = ?', [JSON.stringify(['google-auth-required']), m.projectId]);
    const required = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: token });
    assert.equal(required.status, 400, required.text);
    assert.equal(required.json.error_description, 'Google authentication is required');
    const viaAuth = await postJson('auth/exchange', { externalAccessToken: token, clientId: client.id });
    assert.equal(viaAuth.status, 400, viaAuth.text);
    assert.equal(viaAuth.json.error_description, 'Google authentication is required');
  });

  it('a JWT access token of the IdP\'s issuer must carry its signature; useSubject matches externalId', async () => {
    const projectId = createProject(uniqueName('xjwt'));
    const userId = createUser({ email: `${uniqueName('xjwt')}@elsewhere.example.org` });
    const m = addMember({ project: projectId, user: userId });
    const externalId = uniqueName('xsub');
    dbExec('UPDATE project_membership SET external_id = ? WHERE id = ?', [externalId, m.membershipId]);
    const client = createSigninClient(projectId, uniqueName('xjwt-client'), {});
    setClientIdp(client.id, { authorizeUrl: `${fake.issuer}/authorize`, tokenUrl: `${fake.issuer}/token`,
      userInfoUrl: `${fake.issuer}/userinfo`, clientId: 'x', useSubject: true });
    fake.state.claims = { sub: externalId };
    const good = await fake.accessToken({ sub: externalId });
    const ok = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: good });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.profile.reference, `${m.profileType}/${m.profileId}`);
    // The IdP's userinfo would answer (it does not check tokens), but the signature is forged.
    const forged = await fake.accessToken({ sub: externalId }, { forgedKey: true });
    const r = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: forged });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error_description, 'Invalid subject_token');
    // A token for another subject than userinfo names.
    const mixed = await fake.accessToken({ sub: 'someone-else' });
    const r2 = await postForm('oauth2/token', { grant_type: EXCHANGE, subject_token_type: ACCESS, client_id: client.id, subject_token: mixed });
    assert.equal(r2.json?.error_description, 'Invalid subject_token', r2.text);
  });
});

describe('externalAuthProviders (§4): bearer tokens of another issuer on the API', () => {
  let provider;
  before(async () => {
    // scripts/dev configures the provider at the web port + 42.
    const [iss] = readConfig().external_auth_providers.split(' ');
    provider = await startFakeIdp(Number(new URL(iss).port));
  });
  after(() => provider?.close());

  it('a token with fhirUser, signed by the issuer and accepted by its userinfo, is that member; forgeries are not', async () => {
    const email = `${uniqueName('extb')}@example.com`.toLowerCase();
    const m = member(email);
    provider.state.userinfoStatus = 0;
    const token = await provider.accessToken({ sub: 'ext-user', fhirUser: `${m.profileType}/${m.profileId}` });
    const me = await http('auth/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.profile.id, m.profileId);
    assert.equal(me.json.membership.id, m.membershipId);
    const [[method, count]] = dbQuery("SELECT MAX(auth_method), COUNT(*) FROM login WHERE membership_id = ? AND auth_method = 'external'", [m.membershipId]);
    assert.deepEqual([method, count], ['external', '1']);
    // The same token again: the same Login (remembered), no second one.
    assert.equal((await http('auth/me', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    // It names one project's profile, never the account: confined to that project (§S.25).
    const enroll = await http('auth/mfa/enroll', { method: 'POST', body: JSON.stringify({ token: '123456' }),
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
    assert.equal(enroll.status, 403, enroll.text);
    assert.equal(enroll.json.issue[0].details.text, "Not allowed for a session from this project's identity provider");
    assert.equal(me.json.security.mfaEnrolled, undefined);

    const unauthorized = async (t) => assert.equal((await http('auth/me', { headers: { Authorization: `Bearer ${t}` } })).status, 401);
    await unauthorized(await provider.accessToken({ sub: 'x', fhirUser: `${m.profileType}/${m.profileId}` }, { forgedKey: true }));
    await unauthorized(await provider.accessToken({ sub: 'x' }));
    await unauthorized(await provider.accessToken({ sub: 'x', fhirUser: `${m.profileType}/00000000-0000-4000-8000-000000000000` }));
    await unauthorized(await provider.accessToken({ sub: 'x', fhirUser: 'Patient?identifier=x' }));
    provider.state.userinfoStatus = 401;
    await unauthorized(await provider.accessToken({ sub: 'y', fhirUser: `${m.profileType}/${m.profileId}` }));
    provider.state.userinfoStatus = 0;
  });

  it('a member of a project with google-auth-required is not signed in by another issuer\'s token (§5.2)', async () => {
    const m = member(`${uniqueName('extg')}@example.com`.toLowerCase());
    dbExec('UPDATE project SET features = ? WHERE id = ?', [JSON.stringify(['google-auth-required']), m.projectId]);
    provider.state.userinfoStatus = 0;
    const token = await provider.accessToken({ sub: 'ext-g', fhirUser: `${m.profileType}/${m.profileId}` });
    const me = await http('auth/me', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(me.status, 401, me.text);
    assert.deepEqual(dbQuery('SELECT id FROM login WHERE membership_id = ?', [m.membershipId]), [], 'no Login was made');
  });
});
