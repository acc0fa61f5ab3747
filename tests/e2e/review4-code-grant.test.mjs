// SPDX-License-Identifier: BSD-2-Clause
// Review 4 (PROTOCOL.md §7.1, §7.6): a client registered (RFC 7591) without authorization_code
// must not be given an authorization code anywhere, not only be refused one at the token
// endpoint. /oauth2/authorize answers such a client, once its client_id and redirect_uri are
// verified, with a redirect carrying error=unauthorized_client and the state
// (RFC 6749 §4.1.2.1); the sign-in routes that issue codes (/auth/login, /auth/newuser, the /oauth page)
// refuse it with a 400. A client that registered authorization_code, and a client made by an
// admin (no registered grant types, Medplum's clients), keep signing in.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, Browser, TEST_PASSWORD, assertBadRequest, authLogin, authorizeRequest, basicAuth, consentedCode, createSigninFixture,
  dbQuery, formOf, http, pkcePair, postJson, readConfig, redeemCode, registerClient, registrationAdmin, signIn,
  uniqueEmail,
} from './lib.mjs';

const REDIRECT = 'https://app.example.com/r4code/callback';
const REFUSED = 'Client not authorized for this grant type';
const APP_BASE = (() => {
  const a = readConfig().app_base_url || BASE_URL;
  return a.endsWith('/') ? a : a + '/';
})();
let admin;

before(async () => {
  admin = await registrationAdmin('r4code');
});

const registered = (metadata) => registerClient(admin, metadata);

/** A machine client that also listed a redirect URI (registration accepts one). */
function machineClient() {
  return registered({ client_name: 'Lab system', grant_types: ['client_credentials'], redirect_uris: [REDIRECT] });
}

function loginRows(clientId) {
  return Number(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ?', [clientId])[0][0]);
}

describe('a client registered without authorization_code gets no code', () => {
  it('/oauth2/authorize redirects back with unauthorized_client and the state', async () => {
    const c = await machineClient();
    for (const prompt of [undefined, 'none', 'login']) {
      const a = authorizeRequest({ clientId: c.client_id, redirectUri: REDIRECT }, { prompt });
      const r = await http(a.url);
      assert.equal(r.status, 302, r.text);
      const loc = new URL(r.headers.get('location'));
      assert.equal(`${loc.origin}${loc.pathname}`, REDIRECT, 'back to the client, not on to the sign-in page');
      assert.equal(loc.searchParams.get('error'), 'unauthorized_client');
      assert.equal(loc.searchParams.get('error_description'), REFUSED);
      assert.equal(loc.searchParams.get('state'), a.params.state);
      assert.equal(loc.searchParams.get('code'), null);
    }
    // POST reads the same parameters from a form body.
    const a = authorizeRequest({ clientId: c.client_id, redirectUri: REDIRECT });
    const post = await http('oauth2/authorize', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(a.params).toString() });
    assert.equal(post.status, 302, post.text);
    assert.equal(new URL(post.headers.get('location')).searchParams.get('error'), 'unauthorized_client');
  });

  it('an unverified redirect URI stays a 400 page, never a redirect', async () => {
    const c = await machineClient();
    const a = authorizeRequest({ clientId: c.client_id, redirectUri: 'https://evil.example.net/cb' });
    const r = await http(a.url);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.headers.get('location'), null);
    assert.match(r.text, /Invalid redirect URI/);
  });

  it('/auth/login with its clientId is a 400 OperationOutcome, and no Login is stored', async () => {
    const c = await machineClient();
    const before = loginRows(c.client_id);
    const r = await authLogin({ email: admin.fx.email, password: admin.fx.password, clientId: c.client_id, pkce: pkcePair() });
    assertBadRequest(r, REFUSED);
    // A wrong password gets the same answer: the client is refused before any credential check.
    const wrong = await authLogin({ email: admin.fx.email, password: 'not-the-password-1', clientId: c.client_id, pkce: pkcePair() });
    assertBadRequest(wrong, REFUSED);
    assert.equal(loginRows(c.client_id), before);
  });

  it('/auth/newuser with its clientId makes no user', async () => {
    const c = await machineClient();
    const email = uniqueEmail('r4code-new');
    const r = await postJson('auth/newuser', { firstName: 'A', lastName: 'B', email, password: TEST_PASSWORD, clientId: c.client_id,
      codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' }, { 'Content-Type': 'application/fhir+json' });
    assertBadRequest(r, REFUSED);
    assert.equal(r.json.issue[0].details.text, REFUSED, r.text);
    assert.equal(Number(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [email])[0][0]), 0);
  });

  it('a federated sign-in for it does not leave for the identity provider', async () => {
    const c = await machineClient();
    const state = JSON.stringify({ clientId: c.client_id, redirectUri: REDIRECT, codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' });
    const r = await http(`auth/external/authorize?domain=example.com&state=${encodeURIComponent(state)}`);
    assertBadRequest(r, REFUSED);
  });

  it('the /oauth sign-in page refuses it, on GET and on a posted form', async () => {
    const c = await machineClient();
    const a = authorizeRequest({ clientId: c.client_id, redirectUri: REDIRECT });
    const b = new Browser();
    const page = await b.get(`${APP_BASE}oauth?${new URLSearchParams(a.params)}`);
    assert.equal(page.status, 400, page.text);
    assert.match(page.text, new RegExp(REFUSED));
    assert.doesNotMatch(page.text, /name="password"/);
    // A form taken from the plain sign-in page, posted to /oauth with the client's parameters.
    const signin = await b.get('signin');
    assert.equal(signin.status, 200, signin.text);
    const form = formOf(signin.text);
    const before = loginRows(c.client_id);
    const r = await b.post(`${APP_BASE}oauth`, { ...form.fields, ...a.params, email: admin.fx.email, password: admin.fx.password });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.headers.get('location'), null);
    assert.equal(loginRows(c.client_id), before);
  });
});

describe('clients that may have codes keep them', () => {
  it('a client that registered authorization_code signs a user in and redeems with its secret', async () => {
    const c = await registered({ client_name: 'Patient app', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'] });
    const a = authorizeRequest({ clientId: c.client_id, redirectUri: REDIRECT });
    const r = await http(a.url);
    assert.equal(r.status, 302, r.text);
    assert.ok(r.headers.get('location').startsWith(`${APP_BASE}oauth?`), r.headers.get('location'));
    // through the pages, past the consent page (review4-dcr-consent, PROTOCOL.md §5.5)
    const { code, pkce } = await consentedCode(admin.fx, { clientId: c.client_id, redirectUri: REDIRECT });
    assert.match(code, /^[0-9a-f]{32}$/);
    const t = await redeemCode(code, { verifier: pkce.verifier, redirectUri: REDIRECT, headers: { Authorization: basicAuth(c.client_id, c.client_secret) } });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.access_token);
  });

  it('a client made by an admin (no registered grant types) is unchanged', async () => {
    const fx = createSigninFixture('r4code-admin');
    const a = authorizeRequest(fx);
    const r = await http(a.url);
    assert.equal(r.status, 302, r.text);
    assert.ok(r.headers.get('location').startsWith(`${APP_BASE}oauth?`));
    await signIn(fx);
  });
});
