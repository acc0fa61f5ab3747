// SPDX-License-Identifier: BSD-2-Clause
// Stricter than Medplum (PROTOCOL.md §S.1): no stage hands out a code before MFA is
// verified — not /auth/login, /auth/profile, /auth/scope, /auth/login/:login, nor
// /oauth2/authorize through the SSO cookie or id_token_hint. MFA enrolment itself comes
// with its own issue, so the user is marked enrolled in the database here. Also the Origin
// check of §5 step 2 against a client's allowedOrigins.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addMember,
  assertBadRequest,
  authLogin,
  authorizeRequest,
  createProject,
  createSigninFixture,
  dbExec,
  http,
  pkcePair,
  postJson,
  redeemCode,
  setCookies,
  uniqueName,
} from './lib.mjs';

function setMfaEnrolled(userId, enrolled) {
  dbExec('UPDATE user SET mfa_enrolled = ? WHERE id = ?', [enrolled ? 1 : 0, userId]);
}

function assertMfaPending(r, loginId) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.code, undefined, `no code before MFA: ${r.text}`);
  assert.equal(r.json.mfaRequired, true, r.text);
  if (loginId) assert.equal(r.json.login, loginId);
}

/** A prompt=none authorization request URL for the fixture's client. */
function authorizeUrl(fx, extra = {}) {
  return authorizeRequest(fx, { prompt: 'none', ...extra }).url;
}

describe('no code before MFA (row 1)', () => {
  let fx;
  before(() => {
    fx = createSigninFixture('mfa');
  });

  it('/auth/login answers mfaRequired without a code, and leaves no SSO cookie', async () => {
    setMfaEnrolled(fx.userId, true);
    try {
      const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
      assertMfaPending(r);
      assert.ok(!setCookies(r.headers).some((c) => c.startsWith('medplum-')), 'no SSO cookie');
      // Resuming the login, choosing a scope: still no code.
      assertMfaPending(await http(`auth/login/${r.json.login}`), r.json.login);
      assertMfaPending(await postJson('auth/scope', { login: r.json.login, scope: 'openid' }), r.json.login);
    } finally {
      setMfaEnrolled(fx.userId, false);
    }
  });

  it('/auth/profile (several memberships) does not yield a code either', async () => {
    const other = createProject(uniqueName('mfa-second'));
    const m2 = addMember({ project: other, user: fx.userId, profile: 'Patient' });
    setMfaEnrolled(fx.userId, true);
    try {
      // Without a client the user may choose among both memberships.
      const r = await authLogin({ email: fx.email, password: fx.password, pkce: pkcePair() });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.code, undefined, r.text);
      assertMfaPending(await postJson('auth/profile', { login: r.json.login, profile: m2.membershipId }), r.json.login);
      assertMfaPending(await http(`auth/login/${r.json.login}`), r.json.login);
    } finally {
      setMfaEnrolled(fx.userId, false);
    }
  });

  it('a session from before enrolment is not reused by /oauth2/authorize (cookie, id_token_hint)', async () => {
    const pkce = pkcePair();
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    assert.equal(r.status, 200, r.text);
    const cookie = setCookies(r.headers).find((c) => c.startsWith(`medplum-${fx.clientId}=`)).split(';')[0];
    const t = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);

    // Control: before enrolment the cookie does give a code.
    const before = await http(authorizeUrl(fx), { headers: { Cookie: cookie } });
    assert.equal(before.status, 302);
    assert.ok(new URL(before.headers.get('location')).searchParams.get('code'), 'control: a code');

    setMfaEnrolled(fx.userId, true);
    try {
      for (const [extra, headers] of [
        [{}, { Cookie: cookie }],
        [{ id_token_hint: t.json.id_token }, {}],
      ]) {
        const a = await http(authorizeUrl(fx, extra), { headers });
        assert.equal(a.status, 302, a.text);
        const q = new URL(a.headers.get('location')).searchParams;
        assert.equal(q.get('code'), null, `no code: ${a.headers.get('location')}`);
        assert.equal(q.get('error'), 'login_required');
      }
    } finally {
      setMfaEnrolled(fx.userId, false);
    }
  });
});

describe('Origin check against allowedOrigins (§5 step 2)', () => {
  let fx;
  before(() => {
    fx = createSigninFixture('origin');
    dbExec('UPDATE client_application SET allowed_origins = ? WHERE id = ?', [JSON.stringify(['https://good.example.com']), fx.clientId]);
  });

  it('a listed Origin signs in; another is refused with Invalid origin', async () => {
    const ok = await authLogin(
      { email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() },
      { Origin: 'https://good.example.com' },
    );
    assert.equal(ok.status, 200, ok.text);
    assert.ok(ok.json.code);

    const bad = await authLogin(
      { email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() },
      { Origin: 'https://evil.example.com' },
    );
    assertBadRequest(bad, 'Invalid origin');
    assert.equal(bad.headers.get('access-control-allow-origin'), null, 'no CORS grant for the refused origin');
  });

  it('no Origin header (a server-side caller) is allowed', async () => {
    const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    assert.equal(r.status, 200, r.text);
  });
});
