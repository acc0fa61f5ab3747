// SPDX-License-Identifier: BSD-2-Clause
// Client authentication at the token endpoint (issue 14, findings 4 and 7; PROTOCOL.md §S.20):
// presented credentials are always checked, whatever their form, and must name the client the
// code or token belongs to; a refresh token is bound to its client and to how that client
// authenticated when it was issued; a code issued without PKCE needs client authentication; a
// client marked confidential (tokenEndpointAuthMethod) authenticates on every grant, with its
// method; the unmodified SDK still signs in and refreshes with PKCE and no secret. And no
// tokens for a deactivated membership (finding 7).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  assertBadRequest,
  assertOAuthError,
  authLogin,
  authMe,
  basicAuth,
  bearer,
  createSigninClient,
  createSigninFixture,
  dbExec,
  dbQuery,
  decodeJwt,
  loadMedplum,
  pkcePair,
  postForm,
  postJson,
  quietPkceWarning,
  redeemCode,
  refreshGrant,
  signIn,
  tesseraAdmin,
  uniqueName,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

let fx; // a default client (PKCE required, no tokenEndpointAuthMethod)
let loose; // a pkceOptional client
before(() => {
  fx = createSigninFixture('cauth');
  loose = createSigninFixture('cauth-loose', { pkceOptional: true });
});

const OFFLINE = { scope: 'openid offline' };

/** /auth/login of a fixture; pkce null for none. Returns { login, code, pkce }. */
async function startLogin(f, { pkce = pkcePair(), ...fields } = {}) {
  const r = await authLogin({ email: f.email, password: f.password, clientId: f.clientId, pkce, ...OFFLINE, ...fields });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.code, r.text);
  return { login: r.json.login, code: r.json.code, pkce };
}

/** A refresh token whose code was redeemed with PKCE and no client authentication (the SDK's way). */
async function publicTokens(f = fx) {
  const { tokens } = await signIn(f, { login: OFFLINE });
  assert.ok(tokens.refresh_token);
  return tokens;
}

/** A refresh token whose code was redeemed with PKCE and the client's secret in a Basic header. */
async function authenticatedTokens(f = fx) {
  const s = await startLogin(f);
  const t = await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(f.clientId, f.clientSecret) } });
  assert.equal(t.status, 200, t.text);
  return t.json;
}

function refreshBody(token, extra = {}) {
  return postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: token, ...extra });
}

/** A project admin's bearer token for fx's project (the admin clients API). */
let adminToken;
async function admin() {
  if (!adminToken) {
    const a = createSigninFixture('cauth-admin');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [a.membershipId]);
    adminToken = { fx: a, token: (await signIn(a)).tokens.access_token };
  }
  return adminToken;
}

/** Creates a client through the admin API; returns the response. */
async function apiClient(fields) {
  const { fx: a, token } = await admin();
  return postJson(`admin/projects/${a.projectId}/client`, { name: uniqueName('cauth-api'), ...fields }, {
    Authorization: bearer(token),
    'Content-Type': 'application/fhir+json',
  });
}

/** A sign-in fixture whose client has this tokenEndpointAuthMethod (set with tessera-admin). */
function confidentialFixture(prefix, method) {
  const f = createSigninFixture(prefix);
  tesseraAdmin('client', 'set', '--id', f.clientId, '--token-endpoint-auth-method', method);
  return f;
}

describe('finding 4: refresh_token checks the credentials presented', () => {
  it('a wrong client_secret in the body is refused, and the token stays usable', async () => {
    const tokens = await publicTokens();
    assertOAuthError(await refreshBody(tokens.refresh_token, { client_id: fx.clientId, client_secret: 'b'.repeat(64) }),
      400, 'invalid_request', 'Incorrect client secret');
    const ok = await refreshBody(tokens.refresh_token, { client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(ok.status, 200, ok.text);
  });

  it("another client's id in the body, with or without its secret: invalid_grant Incorrect client", async () => {
    const tokens = await publicTokens();
    const other = createSigninClient(fx.projectId, uniqueName('cauth-other'));
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: other.id }), 400, 'invalid_grant', 'Incorrect client');
    assertOAuthError(await refreshBody(tokens.refresh_token, { client_id: other.id, client_secret: other.secret }),
      400, 'invalid_grant', 'Incorrect client');
    const ok = await refreshGrant(tokens.refresh_token, { clientId: fx.clientId });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a wrong secret in a Basic header: 401 invalid_client with WWW-Authenticate', async () => {
    const tokens = await publicTokens();
    for (const secret of ['a'.repeat(64), '']) {
      const r = await refreshGrant(tokens.refresh_token, { headers: { Authorization: basicAuth(fx.clientId, secret) } });
      assertOAuthError(r, 401, 'invalid_client', 'Incorrect client secret');
      assert.match(r.headers.get('www-authenticate') || '', /^Basic /);
    }
  });

  it('a client assertion that does not verify is refused, not ignored', async () => {
    const tokens = await publicTokens();
    assertOAuthError(await refreshBody(tokens.refresh_token, {
      client_id: fx.clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'e30.e30.sig',
    }), 401, 'invalid_client');
  });

  it('a body secret without client_id is refused; with a Basic header it must be the same secret', async () => {
    const tokens = await publicTokens();
    assertOAuthError(await refreshBody(tokens.refresh_token, { client_secret: fx.clientSecret }), 400, 'invalid_request', 'Missing client_id');
    // A right Basic header does not let a second, wrong secret in the body pass unchecked.
    const r = await postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_secret: 'c'.repeat(64) },
      { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assertOAuthError(r, 401, 'invalid_client', 'Invalid client');
    // The SDK (setBasicAuth) sends the same secret in both places: accepted.
    const ok = await postForm('oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: fx.clientId, client_secret: fx.clientSecret },
      { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('finding 4: a refresh token is bound to how its client authenticated', () => {
  it('issued to an authenticated client: no credentials now is 401 invalid_client', async () => {
    const tokens = await authenticatedTokens();
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: fx.clientId }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await refreshGrant(tokens.refresh_token), 401, 'invalid_client', 'Client authentication required');
    // The body form authenticates as well as the header.
    const ok = await refreshBody(tokens.refresh_token, { client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(ok.status, 200, ok.text);
    // The rotated token keeps the binding.
    assertOAuthError(await refreshGrant(ok.json.refresh_token, { clientId: fx.clientId }), 401, 'invalid_client');
    const again = await refreshGrant(ok.json.refresh_token, { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(again.status, 200, again.text);
  });

  it('a public token refreshed once with the secret is bound from then on', async () => {
    const tokens = await publicTokens();
    const authed = await refreshBody(tokens.refresh_token, { client_id: fx.clientId, client_secret: fx.clientSecret });
    assert.equal(authed.status, 200, authed.text);
    assertOAuthError(await refreshGrant(authed.json.refresh_token, { clientId: fx.clientId }), 401, 'invalid_client');
  });

  it('the unmodified SDK: PKCE sign-in and refresh without a secret still work (default client)', async () => {
    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: fx.clientId, fetch: (u, o) => fetch(u, o) });
    const res = await medplum.startLogin({ email: fx.email, password: fx.password, scope: 'openid offline' });
    await medplum.processCode(res.code);
    const first = medplum.getActiveLogin();
    assert.ok(first.refreshToken);
    await medplum.refreshIfExpired(1e10); // refresh now
    const second = medplum.getActiveLogin();
    assert.notEqual(second.refreshToken, first.refreshToken, 'refreshed');
    assert.equal((await authMe(second.accessToken)).status, 200);
  });
});

describe('finding 4: a client turned off', () => {
  it('gets no tokens from its codes or refresh tokens: invalid_grant Invalid client', async () => {
    const f = createSigninFixture('cauth-off');
    const tokens = await publicTokens(f);
    const s = await startLogin(f);
    dbExec("UPDATE client_application SET status = 'off' WHERE id = ?", [f.clientId]);
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: f.clientId }), 400, 'invalid_grant', 'Invalid client');
    assertOAuthError(await redeemCode(s.code, { clientId: f.clientId, verifier: s.pkce.verifier }), 400, 'invalid_grant', 'Invalid client');
  });
});

describe('finding 4: authorization_code', () => {
  it('a code issued without PKCE (pkceOptional client) needs client authentication', async () => {
    const s = await startLogin(loose, { pkce: null });
    assertOAuthError(await redeemCode(s.code, { clientId: loose.clientId }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await redeemCode(s.code, {}), 401, 'invalid_client');
    const ok = await redeemCode(s.code, { extra: { client_id: loose.clientId, client_secret: loose.clientSecret } });
    assert.equal(ok.status, 200, ok.text);
    // Its refresh token is bound: authenticated then, so now too.
    assertOAuthError(await refreshGrant(ok.json.refresh_token, { clientId: loose.clientId }), 401, 'invalid_client');
  });

  it("another client's valid credentials do not redeem the code: invalid_grant", async () => {
    const s = await startLogin(fx);
    const other = createSigninClient(fx.projectId, uniqueName('cauth-code-other'));
    assertOAuthError(await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(other.id, other.secret) } }),
      400, 'invalid_grant', 'Invalid client');
    assertOAuthError(await redeemCode(s.code, { verifier: s.pkce.verifier, extra: { client_id: other.id, client_secret: other.secret } }),
      400, 'invalid_grant', 'Invalid client');
    const ok = await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a wrong body secret with a valid PKCE verifier is refused', async () => {
    const s = await startLogin(fx);
    assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier, extra: { client_secret: 'd'.repeat(64) } }),
      400, 'invalid_request', 'Invalid secret');
  });
});

describe('finding 4: confidential clients (tokenEndpointAuthMethod)', () => {
  it('the admin API sets and shows it; unknown values are refused', async () => {
    const r = await apiClient({ tokenEndpointAuthMethod: 'client_secret_post' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.tokenEndpointAuthMethod, 'client_secret_post');
    assert.deepEqual(dbQuery('SELECT token_endpoint_auth_method FROM client_application WHERE id = ?', [r.json.id]), [['client_secret_post']]);
    const d = await apiClient({});
    assert.equal(d.status, 201, d.text);
    assert.equal(d.json.tokenEndpointAuthMethod, 'none');
    assertBadRequest(await apiClient({ tokenEndpointAuthMethod: 'private_key_jwt' }), 'Invalid tokenEndpointAuthMethod');
    assertBadRequest(await apiClient({ tokenEndpointAuthMethod: 'basic' }), 'Invalid tokenEndpointAuthMethod');
    // A client_secret_post client gets client_credentials tokens with the body, not with Basic.
    const post = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: r.json.id, client_secret: r.json.secret });
    assert.equal(post.status, 200, post.text);
    const basic = await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(r.json.id, r.json.secret) });
    assertOAuthError(basic, 401, 'invalid_client', 'Client authentication method not allowed');
  });

  it('client_secret_basic: a PKCE code still needs the client, over Basic only; so does every refresh', async () => {
    const c = confidentialFixture('cauth-basic', 'client_secret_basic');
    const s = await startLogin(c);
    assertOAuthError(await redeemCode(s.code, { clientId: c.clientId, verifier: s.pkce.verifier }), 401, 'invalid_client', 'Client authentication required');
    assertOAuthError(await redeemCode(s.code, { verifier: s.pkce.verifier, extra: { client_id: c.clientId, client_secret: c.clientSecret } }),
      401, 'invalid_client', 'Client authentication method not allowed');
    const t = await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(c.clientId, c.clientSecret) } });
    assert.equal(t.status, 200, t.text);
    assertOAuthError(await refreshGrant(t.json.refresh_token, { clientId: c.clientId }), 401, 'invalid_client');
    const r = await refreshGrant(t.json.refresh_token, { clientId: c.clientId, headers: { Authorization: basicAuth(c.clientId, c.clientSecret) } });
    assert.equal(r.status, 200, r.text);
  });

  it('made confidential after issuance: refresh tokens issued publicly now need the client too', async () => {
    const c = createSigninFixture('cauth-later');
    const tokens = await publicTokens(c);
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'client_secret_post');
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: c.clientId }), 401, 'invalid_client', 'Client authentication required');
    const ok = await refreshBody(tokens.refresh_token, { client_id: c.clientId, client_secret: c.clientSecret });
    assert.equal(ok.status, 200, ok.text);
    // And back to none: the token stays bound to its authenticated issuance.
    tesseraAdmin('client', 'set', '--id', c.clientId, '--token-endpoint-auth-method', 'none');
    assertOAuthError(await refreshGrant(ok.json.refresh_token, { clientId: c.clientId }), 401, 'invalid_client');
  });

  it('the SDK with setBasicAuth signs in and refreshes with a client_secret_basic client', async () => {
    const c = confidentialFixture('cauth-sdk', 'client_secret_basic');
    const medplum = new MedplumClient({ baseUrl: BASE_URL, clientId: c.clientId, fetch: (u, o) => fetch(u, o) });
    medplum.setBasicAuth(c.clientId, c.clientSecret);
    const res = await medplum.startLogin({ email: c.email, password: c.password, scope: 'openid offline' });
    await medplum.processCode(res.code);
    const first = medplum.getActiveLogin();
    await medplum.refreshIfExpired(1e10);
    assert.notEqual(medplum.getActiveLogin().refreshToken, first.refreshToken);
    assert.equal(decodeJwt(medplum.getAccessToken()).client_id, c.clientId);
  });
});

describe('finding 7: no tokens for a deactivated membership', () => {
  it('refresh after the membership is deactivated: invalid_grant, nothing signed', async () => {
    const f = createSigninFixture('cauth-inactive');
    const tokens = await publicTokens(f);
    dbExec('UPDATE project_membership SET active = FALSE WHERE id = ?', [f.membershipId]);
    const r = await refreshGrant(tokens.refresh_token, { clientId: f.clientId });
    assertOAuthError(r, 400, 'invalid_grant', 'Invalid profile');
    assert.equal(r.json.access_token, undefined);
    // Active again: the same refresh token works (the refusal did not rotate it).
    dbExec('UPDATE project_membership SET active = TRUE WHERE id = ?', [f.membershipId]);
    const ok = await refreshGrant(tokens.refresh_token, { clientId: f.clientId });
    assert.equal(ok.status, 200, ok.text);
  });

  it('a code whose membership was deactivated before redemption: invalid_grant', async () => {
    const f = createSigninFixture('cauth-inactive-code');
    const s = await startLogin(f);
    dbExec('UPDATE project_membership SET active = FALSE WHERE id = ?', [f.membershipId]);
    assertOAuthError(await redeemCode(s.code, { clientId: f.clientId, verifier: s.pkce.verifier }), 400, 'invalid_grant', 'Invalid profile');
    assert.deepEqual(dbQuery('SELECT granted FROM login WHERE id = ?', [s.login]), [['0']]);
  });
});
