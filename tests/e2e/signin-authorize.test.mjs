// SPDX-License-Identifier: BSD-2-Clause
// /oauth2/authorize without a browser (§7.1): plain-text errors for client and redirect
// URI, redirect errors, the continuation to the sign-in page, and session reuse through
// the SSO cookie (prompt=none / prompt=login, max_age; id_token_hint only names the user); the code of a
// reused session is bound to the authorize request's redirect_uri (PROTOCOL.md §S.3).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  assertOAuthError,
  assertUnauthorized,
  authLogin,
  authMe,
  bearer,
  createSigninClient,
  createSigninFixture,
  decodeJwt,
  http,
  pkcePair,
  postForm,
  randomUUID,
  readConfig,
  redeemCode,
  setCookies,
  uniqueName,
} from './lib.mjs';

const APP_BASE = (() => {
  const a = readConfig().app_base_url || BASE_URL;
  return a.endsWith('/') ? a : a + '/';
})();

let fx;
before(() => {
  fx = createSigninFixture('authz');
});

function authorizeUrl(params) {
  const u = new URL('oauth2/authorize', BASE_URL);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

function baseParams(extra = {}) {
  const pkce = pkcePair();
  return {
    pkce,
    params: {
      response_type: 'code',
      client_id: fx.clientId,
      redirect_uri: fx.redirectUri,
      state: `st-${randomUUID()}`,
      scope: 'openid profile',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      ...extra,
    },
  };
}

function authorize(params, headers = {}) {
  return http(authorizeUrl(params), { headers });
}

/** Asserts a 302 to the client's redirect URI and returns its query parameters. */
function redirectParams(r, redirectUri = fx.redirectUri) {
  assert.equal(r.status, 302, `expected 302, got ${r.status}: ${r.text}`);
  const loc = r.headers.get('location');
  assert.ok(loc.startsWith(redirectUri + '?'), `redirect to the client: ${loc}`);
  return new URL(loc).searchParams;
}

/** A signed-in session of the fixture through /auth/login with the client: returns its cookie. */
async function session(extra = {}) {
  const pkce = pkcePair();
  const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce, ...extra });
  assert.equal(r.status, 200, r.text);
  const cookie = setCookies(r.headers).find((c) => c.startsWith(`medplum-${fx.clientId}=`));
  assert.ok(cookie, 'an SSO cookie');
  const t = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
  assert.equal(t.status, 200, t.text);
  return { login: r.json.login, cookie: cookie.split(';')[0], tokens: t.json, pkce };
}

describe('plain-text errors (no redirect)', () => {
  it('unknown client: 400 Client not found', async () => {
    for (const client_id of [randomUUID(), 'nope', undefined]) {
      const r = await authorize({ ...baseParams().params, client_id });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.text, 'Client not found');
      assert.equal(r.headers.get('location'), null);
    }
  });

  it('missing redirect_uri: Missing redirect URI', async () => {
    const r = await authorize({ ...baseParams().params, redirect_uri: undefined });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.text, 'Missing redirect URI');
  });

  it('an unregistered or extended redirect_uri: Invalid redirect URI', async () => {
    for (const redirect_uri of [
      fx.redirectUri + '/x',
      fx.redirectUri + '?a=b',
      fx.redirectUri + '#frag',
      fx.redirectUri.toUpperCase(),
      fx.redirectUri.replace('https:', 'http:'),
      'https://evil.example.com/callback',
      'not a uri',
    ]) {
      const r = await authorize({ ...baseParams().params, redirect_uri });
      assert.equal(r.status, 400, `${redirect_uri}: ${r.status} ${r.text}`);
      assert.equal(r.text, 'Invalid redirect URI', redirect_uri);
      assert.equal(r.headers.get('location'), null);
    }
  });
});

describe('redirect errors (302 to redirect_uri)', () => {
  it('response_type=token: unsupported_response_type with the state', async () => {
    const { params } = baseParams({ response_type: 'token' });
    const q = redirectParams(await authorize(params));
    assert.equal(q.get('error'), 'unsupported_response_type');
    assert.equal(q.get('error_description'), 'Invalid response type');
    assert.equal(q.get('state'), params.state);
    assert.equal(q.get('code'), null);
  });

  it('no scope and no default scope: Missing scope; a default scope is used', async () => {
    const { params } = baseParams({ scope: undefined });
    const q = redirectParams(await authorize(params));
    assert.equal(q.get('error'), 'invalid_request');
    assert.equal(q.get('error_description'), 'Missing scope');
    assert.equal(q.get('state'), params.state);

    const redirect = `https://app.example.com/${uniqueName('dflt')}`;
    const c = createSigninClient(fx.projectId, uniqueName('authz-dflt'), { redirectUris: [redirect], defaultScope: 'openid email' });
    const r = await authorize({ ...params, client_id: c.id, redirect_uri: redirect });
    assert.equal(r.status, 302, r.text);
    const loc = new URL(r.headers.get('location'));
    assert.equal(loc.toString().startsWith(`${APP_BASE}oauth?`), true, loc.toString());
    assert.equal(loc.searchParams.get('scope'), 'openid email');
  });

  it('code_challenge without a method: Missing code challenge method', async () => {
    const { params } = baseParams({ code_challenge_method: undefined });
    const q = redirectParams(await authorize(params));
    assert.equal(q.get('error'), 'invalid_request');
    assert.equal(q.get('error_description'), 'Missing code challenge method');
  });

  it('a request object: request_not_supported; a foreign aud: Invalid audience', async () => {
    let q = redirectParams(await authorize(baseParams({ request: 'eyJhbGciOiJub25lIn0.e30.' }).params));
    assert.equal(q.get('error'), 'request_not_supported');
    q = redirectParams(await authorize(baseParams({ aud: 'https://other.example.com/fhir' }).params));
    assert.equal(q.get('error_description'), 'Invalid audience');
  });

  it('prompt=none without a session: login_required', async () => {
    const { params } = baseParams({ prompt: 'none' });
    const q = redirectParams(await authorize(params));
    assert.equal(q.get('error'), 'login_required');
    assert.equal(q.get('error_description'), 'Login required');
    assert.equal(q.get('state'), params.state);
  });
});

describe('continuation to the sign-in page', () => {
  it('GET: 302 to <appBaseUrl>oauth carrying the parameters', async () => {
    const { params } = baseParams({ nonce: 'n-123', prompt: 'consent' });
    const r = await authorize(params);
    assert.equal(r.status, 302, r.text);
    const loc = r.headers.get('location');
    assert.ok(loc.startsWith(`${APP_BASE}oauth?`), loc);
    const q = new URL(loc).searchParams;
    for (const k of ['response_type', 'client_id', 'redirect_uri', 'state', 'scope', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt'])
      assert.equal(q.get(k), params[k], k);
    assert.equal(q.get('login'), null, 'no session, no login');
  });

  it('POST (form body) works the same', async () => {
    const { params } = baseParams();
    const r = await postForm('oauth2/authorize', params);
    assert.equal(r.status, 302, r.text);
    const q = new URL(r.headers.get('location')).searchParams;
    assert.equal(q.get('state'), params.state);
    assert.equal(q.get('redirect_uri'), fx.redirectUri);
  });
});

describe('session reuse', () => {
  it('SSO cookie + prompt=none: a code for redirect_uri that redeems with the new PKCE', async () => {
    const s = await session({ scope: 'openid profile' });
    const nonce = `n-${randomUUID()}`;
    const { params, pkce } = baseParams({ prompt: 'none', nonce });
    const r = await authorize(params, { Cookie: s.cookie });
    const q = redirectParams(r);
    assert.match(q.get('code'), /^[0-9a-f]{32}$/);
    assert.equal(q.get('state'), params.state);
    assert.equal(q.get('error'), null);
    const renewed = setCookies(r.headers).find((c) => c.startsWith(`medplum-${fx.clientId}=`));
    assert.ok(renewed, 'the SSO cookie is renewed');

    // The old verifier no longer fits; the one of this request does.
    assertOAuthError(
      await redeemCode(q.get('code'), { clientId: fx.clientId, verifier: s.pkce.verifier, redirectUri: fx.redirectUri }),
      400,
      'invalid_request',
      'Invalid code verifier',
    );
    const t = await redeemCode(q.get('code'), { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    const idt = decodeJwt(t.json.id_token);
    assert.equal(idt.nonce, nonce, 'the nonce of the authorize request');
    assert.equal(idt.login_id, s.login, 'the same login');
    assert.equal((await authMe(t.json.access_token)).status, 200);
  });

  it('the reused code is bound to the redirect_uri of /oauth2/authorize (row 3)', async () => {
    const s = await session();
    const { params, pkce } = baseParams({ prompt: 'none' });
    const q = redirectParams(await authorize(params, { Cookie: s.cookie }));
    const code = q.get('code');
    assertOAuthError(
      await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: 'https://app.example.com/elsewhere' }),
      400,
      'invalid_grant',
      'Invalid redirect URI',
    );
    assertOAuthError(await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier }), 400, 'invalid_grant', 'Invalid redirect URI');
    const t = await redeemCode(code, { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
  });

  it('id_token_hint + prompt=none reuses the session of the cookie it names; alone it is no session (row 17)', async () => {
    const s = await session();
    const { params, pkce } = baseParams({ prompt: 'none', id_token_hint: s.tokens.id_token });
    const q = redirectParams(await authorize(params, { Cookie: s.cookie }));
    const t = await redeemCode(q.get('code'), { clientId: fx.clientId, verifier: pkce.verifier, redirectUri: fx.redirectUri });
    assert.equal(t.status, 200, t.text);
    const alone = redirectParams(await authorize(baseParams({ prompt: 'none', id_token_hint: s.tokens.id_token }).params));
    assert.equal(alone.get('error'), 'login_required');
  });

  it('a cookie without prompt: on to the sign-in page, no login id in the URL', async () => {
    const s = await session();
    const { params } = baseParams();
    const r = await authorize(params, { Cookie: s.cookie });
    assert.equal(r.status, 302);
    const loc = r.headers.get('location');
    assert.ok(loc.startsWith(`${APP_BASE}oauth?`), loc);
    assert.equal(new URL(loc).searchParams.get('login'), null);
  });

  it('prompt=login ignores the cookie', async () => {
    const s = await session();
    const { params } = baseParams({ prompt: 'login' });
    const r = await authorize(params, { Cookie: s.cookie });
    assert.equal(r.status, 302);
    const loc = r.headers.get('location');
    assert.ok(loc.startsWith(`${APP_BASE}oauth?`), loc);
    assert.equal(new URL(loc).searchParams.get('login'), null);
    assert.equal((await authMe(s.tokens.access_token)).status, 200, 'the old session is untouched');
  });

  it('no reuse: a revoked session, a login never redeemed, another client, a forged cookie, max_age', async () => {
    // Revoked.
    const revoked = await session();
    await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(revoked.tokens.access_token) } });
    assertUnauthorized(await authMe(revoked.tokens.access_token));
    let q = redirectParams(await authorize(baseParams({ prompt: 'none' }).params, { Cookie: revoked.cookie }));
    assert.equal(q.get('error'), 'login_required');

    // A login whose code was never redeemed.
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    const fresh = setCookies(r.headers).find((c) => c.startsWith(`medplum-${fx.clientId}=`)).split(';')[0];
    q = redirectParams(await authorize(baseParams({ prompt: 'none' }).params, { Cookie: fresh }));
    assert.equal(q.get('error'), 'login_required');

    // The cookie of one client does not open another client's session.
    const s = await session();
    const redirect = `https://app.example.com/${uniqueName('other')}`;
    const other = createSigninClient(fx.projectId, uniqueName('authz-other'), { redirectUris: [redirect] });
    const value = s.cookie.split('=')[1];
    q = redirectParams(
      await authorize({ ...baseParams({ prompt: 'none' }).params, client_id: other.id, redirect_uri: redirect }, { Cookie: `medplum-${other.id}=${value}` }),
      redirect,
    );
    assert.equal(q.get('error'), 'login_required');

    // A forged cookie.
    q = redirectParams(await authorize(baseParams({ prompt: 'none' }).params, { Cookie: `medplum-${fx.clientId}=${'0'.repeat(32)}` }));
    assert.equal(q.get('error'), 'login_required');

    // max_age=0 once a second has passed since the sign-in.
    const aged = await session();
    await new Promise((res) => setTimeout(res, 1100));
    q = redirectParams(await authorize(baseParams({ prompt: 'none', max_age: '0' }).params, { Cookie: aged.cookie }));
    assert.equal(q.get('error'), 'login_required');
    q = redirectParams(await authorize(baseParams({ prompt: 'none', max_age: '3600' }).params, { Cookie: aged.cookie }));
    assert.ok(q.get('code'), 'a generous max_age reuses it');
  });
});
