// SPDX-License-Identifier: BSD-2-Clause
// The token endpoint for interactive sign-ins: authorization_code (§7.2.2) with PKCE,
// downgrade protection, single use and expiry (PROTOCOL.md §S.2), client binding; and
// refresh_token (§7.2.3) with rotation, reuse detection (row 5) and the Basic secret (row 4);
// the rest of client authentication is token-client-auth.test.mjs.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertOAuthError,
  assertUnauthorized,
  authLogin,
  authMe,
  basicAuth,
  bearer,
  createSigninClient,
  createSigninFixture,
  dbExec,
  dbQuery,
  decodeJwt,
  http,
  pkcePair,
  postForm,
  redeemCode,
  refreshGrant,
  signIn,
  uniqueName,
} from './lib.mjs';

let fx;
let loose; // a pkceOptional client
before(() => {
  fx = createSigninFixture('code');
  loose = createSigninFixture('code-loose', { pkceOptional: true });
});

async function startLogin(f = fx, fields = {}) {
  const pkce = fields.pkce === undefined ? pkcePair() : fields.pkce;
  const r = await authLogin({ email: f.email, password: f.password, clientId: f.clientId, ...fields, pkce });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.code, r.text);
  return { login: r.json.login, code: r.json.code, pkce };
}

function granted(loginId) {
  return dbQuery('SELECT granted, revoked FROM login WHERE id = ?', [loginId])[0].map(Number);
}

describe('authorization_code: PKCE', () => {
  it('S256 and plain both redeem', async () => {
    for (const method of ['S256', 'plain']) {
      const s = await startLogin(fx, { pkce: pkcePair(method) });
      const t = await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier });
      assert.equal(t.status, 200, `${method}: ${t.text}`);
    }
  });

  it('a wrong verifier: Invalid code verifier (S256 and plain)', async () => {
    for (const method of ['S256', 'plain']) {
      const s = await startLogin(fx, { pkce: pkcePair(method) });
      assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId, verifier: pkcePair().verifier }), 400, 'invalid_request', 'Invalid code verifier');
      // S256 must not accept the challenge itself as the verifier.
      if (method === 'S256')
        assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.challenge }), 400, 'invalid_request', 'Invalid code verifier');
      assert.deepEqual(granted(s.login), [0, 0]);
    }
  });

  it('no verifier: Missing code verifier', async () => {
    const s = await startLogin();
    assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId }), 400, 'invalid_request', 'Missing code verifier');
  });

  it('a login without a challenge (client requires PKCE): Missing verification context', async () => {
    const s = await startLogin(fx, { pkce: null });
    assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId }), 400, 'invalid_request', 'Missing verification context');
  });

  it('pkceOptional client: no challenge redeems without a verifier, with the client secret (issue 14.4)', async () => {
    const s = await startLogin(loose, { pkce: null });
    assertOAuthError(await redeemCode(s.code, { clientId: loose.clientId }), 401, 'invalid_client', 'Client authentication required');
    const t = await redeemCode(s.code, { clientId: loose.clientId, extra: { client_secret: loose.clientSecret } });
    assert.equal(t.status, 200, t.text);
  });

  it('downgrade: a verifier for a code issued without a challenge is rejected', async () => {
    const s = await startLogin(loose, { pkce: null });
    const r = await redeemCode(s.code, { clientId: loose.clientId, verifier: pkcePair().verifier });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error, 'invalid_request');
    assert.deepEqual(granted(s.login), [0, 0], 'no tokens');
  });

  it('pkceOptional client with a challenge still checks the verifier', async () => {
    const s = await startLogin(loose);
    assertOAuthError(await redeemCode(s.code, { clientId: loose.clientId, verifier: pkcePair().verifier }), 400, 'invalid_request', 'Invalid code verifier');
    const t = await redeemCode(s.code, { clientId: loose.clientId, verifier: s.pkce.verifier });
    assert.equal(t.status, 200, t.text);
  });

  it('pkceOptional client: a presented secret must verify', async () => {
    const s = await startLogin(loose, { pkce: null });
    const bad = await redeemCode(s.code, { clientId: loose.clientId, extra: { client_secret: 'f'.repeat(64) } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.error_description, 'Invalid secret');
    const ok = await redeemCode(s.code, { clientId: loose.clientId, extra: { client_secret: loose.clientSecret } });
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('authorization_code: codes', () => {
  it('Missing code; unknown code: Invalid code', async () => {
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'authorization_code' }), 400, 'invalid_request', 'Missing code');
    assertOAuthError(await redeemCode('0'.repeat(32), { clientId: fx.clientId, verifier: pkcePair().verifier }), 400, 'invalid_grant', 'Invalid code');
  });

  it('reuse: Token already granted, and the first tokens are revoked (PROTOCOL.md §S.2)', async () => {
    const s = await startLogin(fx, { scope: 'openid offline' });
    const first = await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier });
    assert.equal(first.status, 200, first.text);
    assert.equal((await authMe(first.json.access_token)).status, 200);
    assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier }), 400, 'invalid_grant', 'Token already granted');
    assertUnauthorized(await authMe(first.json.access_token));
    assertOAuthError(await refreshGrant(first.json.refresh_token, { clientId: fx.clientId }), 400, 'invalid_grant', 'Token revoked');
    assert.deepEqual(granted(s.login), [1, 1]);
  });

  it('reuse by someone without the verifier still revokes', async () => {
    const s = await startLogin();
    const first = await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier });
    assert.equal(first.status, 200);
    assertOAuthError(await redeemCode(s.code, {}), 400, 'invalid_grant', 'Token already granted');
    assertUnauthorized(await authMe(first.json.access_token));
  });

  it('an expired code: Code expired, and it does not redeem later', async () => {
    const s = await startLogin();
    dbExec('UPDATE login SET code_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [s.login]);
    assertOAuthError(await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier }), 400, 'invalid_grant', 'Code expired');
    assert.deepEqual(granted(s.login), [0, 0]);
  });

  it('the code lifetime is the configured one (60 s by default, at most 10 min)', async () => {
    const s = await startLogin();
    const [[secs]] = dbQuery('SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), code_expires_at) FROM login WHERE id = ?', [s.login]);
    assert.ok(Number(secs) > 0 && Number(secs) <= 600, `code expires in ${secs} s`);
  });

  it('a code redeemed with a different client_id: invalid_grant Invalid client (and the code survives)', async () => {
    const s = await startLogin();
    const other = createSigninClient(fx.projectId, uniqueName('code-other'));
    assertOAuthError(await redeemCode(s.code, { clientId: other.id, verifier: s.pkce.verifier }), 400, 'invalid_grant', 'Invalid client');
    assertOAuthError(
      await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(other.id, other.secret) } }),
      400,
      'invalid_grant',
      'Invalid client',
    );
    const t = await redeemCode(s.code, { clientId: fx.clientId, verifier: s.pkce.verifier });
    assert.equal(t.status, 200, t.text);
  });

  it('the right client with a wrong secret in a Basic header: refused', async () => {
    const s = await startLogin();
    const r = await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(fx.clientId, 'e'.repeat(64)) } });
    // Over a Basic header: 401 invalid_client with WWW-Authenticate (RFC 6749 §5.2; ARCHITECTURE.md), Medplum's text.
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'invalid_client');
    assert.equal(r.json.error_description, 'Invalid secret');
    assert.match(r.headers.get('www-authenticate') || '', /^Basic realm=/);
    const ok = await redeemCode(s.code, { verifier: s.pkce.verifier, headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(ok.status, 200, ok.text);
  });

  it('the token endpoint only takes forms', async () => {
    const s = await startLogin();
    const r = await http('oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: s.code, code_verifier: s.pkce.verifier }),
    });
    assert.equal(r.status, 400);
    assert.equal(r.text, 'Unsupported content type');
  });
});

describe('refresh_token', () => {
  it('rotation: the new token works; the old one is Invalid token and revokes the login (row 5)', async () => {
    const { tokens, login } = await signIn(fx, { login: { scope: 'openid offline' } });
    const r1 = await refreshGrant(tokens.refresh_token, { clientId: fx.clientId });
    assert.equal(r1.status, 200, r1.text);
    assert.notEqual(r1.json.refresh_token, tokens.refresh_token);
    assert.equal(decodeJwt(r1.json.access_token).login_id, login);
    assert.equal(r1.json.scope, 'openid offline');
    const r2 = await refreshGrant(r1.json.refresh_token, { clientId: fx.clientId });
    assert.equal(r2.status, 200, r2.text);
    assert.equal((await authMe(r2.json.access_token)).status, 200);

    // Presenting the rotated-out first token: rejected, and the whole login is revoked.
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: fx.clientId }), 400, 'invalid_request', 'Invalid token');
    assertUnauthorized(await authMe(r2.json.access_token));
    assertUnauthorized(await authMe(tokens.access_token));
    assertOAuthError(await refreshGrant(r2.json.refresh_token, { clientId: fx.clientId }), 400, 'invalid_grant', 'Token revoked');
  });

  it('Basic header: wrong secret → 401 Incorrect client secret (row 4); wrong client → Incorrect client', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid offline_access' } });
    assertOAuthError(
      await refreshGrant(tokens.refresh_token, { headers: { Authorization: basicAuth(fx.clientId, 'a'.repeat(64)) } }),
      401,
      'invalid_client',
      'Incorrect client secret',
    );
    assertOAuthError(
      await refreshGrant(tokens.refresh_token, { headers: { Authorization: basicAuth(fx.clientId, '') } }),
      401,
      'invalid_client',
      'Incorrect client secret',
    );
    const other = createSigninClient(fx.projectId, uniqueName('code-ref-other'));
    assertOAuthError(
      await refreshGrant(tokens.refresh_token, { headers: { Authorization: basicAuth(other.id, other.secret) } }),
      400,
      'invalid_grant',
      'Incorrect client',
    );
    // None of these consumed the token: with the right secret it rotates.
    const ok = await refreshGrant(tokens.refresh_token, { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
    assert.equal(ok.status, 200, ok.text);
  });

  it('after logout: Token revoked', async () => {
    const { tokens } = await signIn(fx, { login: { remember: true } });
    const out = await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(tokens.access_token) } });
    assert.equal(out.status, 200, out.text);
    assertOAuthError(await refreshGrant(tokens.refresh_token, { clientId: fx.clientId }), 400, 'invalid_grant', 'Token revoked');
  });

  it('malformed or missing refresh token: Invalid refresh token; an access token is not one', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid offline' } });
    assertOAuthError(await refreshGrant('not.a.jwt'), 400, 'invalid_request', 'Invalid refresh token');
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'refresh_token' }), 400, 'invalid_request', 'Invalid refresh token');
    assertOAuthError(await refreshGrant(tokens.access_token), 400, 'invalid_request', 'Invalid refresh token');
    assertOAuthError(await refreshGrant(tokens.id_token), 400, 'invalid_request', 'Invalid refresh token');
    // A tampered signature.
    const [h, p, s] = tokens.refresh_token.split('.');
    const bad = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    assertOAuthError(await refreshGrant(bad), 400, 'invalid_request', 'Invalid refresh token');
  });
});
