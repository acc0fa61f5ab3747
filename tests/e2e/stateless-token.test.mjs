// SPDX-License-Identifier: BSD-2-Clause
// Self-contained client_credentials tokens (issue 15): no Login row is written, yet every
// revocation event refuses the token at once, on /auth/me and in introspection, and stays in
// force: RFC 7009 revocation, logout, a disabled client (also once it is active again), a
// replaced secret (also a retiring one that expired), a deactivated or deleted membership (also
// once it is back), a raised not_before. Each test takes its own client, so the events of one
// never decide another's. And the attacker's side: another client cannot revoke the token, the
// ID token is no bearer token and revokes nothing, a revoked token id is never reused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import {
  assertUnauthorized,
  basicAuth,
  bearer,
  createClient,
  createFixture,
  dbExec,
  dbQuery,
  http,
  loginCount,
  postForm,
  readConfig,
  tokenRevoked,
  uniqueName,
} from './lib.mjs';

function decode(t) {
  return JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString());
}

async function grant(f, secret = f.clientSecret) {
  const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: f.clientId, client_secret: secret });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function me(token) {
  return http('auth/me', { headers: { Authorization: bearer(token) } });
}

/** Introspected by a second client of the same project (Basic). */
async function active(f, token) {
  const r = await postForm('oauth2/introspect', { token }, { Authorization: basicAuth(f.peer.id, f.peer.secret) });
  assert.equal(r.status, 200, r.text);
  return r.json.active;
}

/** Introspected by the token's own client (Basic): its row is read once for both. */
async function activeForSelf(f, token, secret = f.clientSecret) {
  const r = await postForm('oauth2/introspect', { token }, { Authorization: basicAuth(f.clientId, secret) });
  assert.equal(r.status, 200, r.text);
  return r.json.active;
}

async function assertUsable(f, token, what) {
  const r = await me(token);
  assert.equal(r.status, 200, `${what}: ${r.text}`);
  assert.equal(await active(f, token), true, `${what}: introspection`);
}

async function assertRefused(f, token, what) {
  assertUnauthorized(await me(token));
  assert.equal(await active(f, token), false, `${what}: introspection`);
}

function fixture(prefix) {
  const f = createFixture(prefix);
  f.peer = createClient(f.projectId, uniqueName(`${prefix}-peer`));
  return f;
}

function keyedHash(secret) {
  return createHmac('sha256', Buffer.from(readConfig().hash_key, 'hex')).update(secret).digest('hex');
}

describe('self-contained client_credentials tokens', { concurrency: true }, () => {
  it('carry jti (= login_id), cnb and skh, and write no Login row', async () => {
    const f = fixture('sc-shape');
    const before = loginCount(f.clientId);
    const t = await grant(f);
    const c = decode(t.access_token);
    assert.equal(c.jti, c.login_id);
    assert.match(c.jti, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(typeof c.cnb, 'number');
    assert.match(c.skh, /^[0-9a-f]{16}$/);
    assert.equal(decode(t.id_token).login_id, c.jti);
    assert.equal(loginCount(f.clientId), before);
    await assertUsable(f, t.access_token, 'fresh');
  });

  it('RFC 7009 revocation refuses that token at once, and only that one', async () => {
    const f = fixture('sc-revoke');
    const [t1, t2] = [await grant(f), await grant(f)];
    const r = await postForm('oauth2/revoke', { token: t1.access_token, client_id: f.clientId, client_secret: f.clientSecret });
    assert.equal(r.status, 200, r.text);
    assert.ok(tokenRevoked(decode(t1.access_token).jti));
    await assertRefused(f, t1.access_token, 'revoked');
    assert.equal(await activeForSelf(f, t1.access_token), false, 'its own client sees it inactive');
    await assertUsable(f, t2.access_token, 'the other token');
    assert.equal(await activeForSelf(f, t2.access_token), true);
    // The revocation is kept until the token expires (tessera-admin purge drops it after).
    const exp = dbQuery('SELECT UNIX_TIMESTAMP(expires_at) FROM token_revocation WHERE jti = ?', [decode(t1.access_token).jti]);
    assert.equal(Math.round(Number(exp[0][0])), decode(t1.access_token).exp);
  });

  it('another client cannot revoke it, nor can anyone without naming its client', async () => {
    const f = fixture('sc-revoke-other');
    const t = await grant(f);
    // The peer authenticates fine, but the token is not its own: 200 (RFC 7009) and nothing revoked.
    const byPeer = await postForm('oauth2/revoke', { token: t.access_token, client_id: f.peer.id, client_secret: f.peer.secret });
    assert.equal(byPeer.status, 200, byPeer.text);
    const anonymous = await postForm('oauth2/revoke', { token: t.access_token });
    assert.equal(anonymous.status, 200, anonymous.text);
    assert.equal(tokenRevoked(decode(t.access_token).jti), false);
    await assertUsable(f, t.access_token, 'not revoked');
  });

  it('logout revokes it; every later use and a second logout are 401', async () => {
    const f = fixture('sc-logout');
    const t = await grant(f);
    const r = await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(t.access_token) } });
    assert.equal(r.status, 200, r.text);
    await assertRefused(f, t.access_token, 'logged out');
    assert.equal(await activeForSelf(f, t.access_token), false, 'its own client sees it inactive');
    assertUnauthorized(await http('oauth2/logout', { method: 'POST', headers: { Authorization: bearer(t.access_token) } }));
  });

  it('a disabled client: its tokens are refused at once and stay refused when it is active again', async () => {
    const f = fixture('sc-disabled');
    const t = await grant(f);
    dbExec("UPDATE client_application SET status = 'off' WHERE id = ?", [f.clientId]);
    await assertRefused(f, t.access_token, 'client off');
    dbExec("UPDATE client_application SET status = 'active' WHERE id = ?", [f.clientId]);
    await assertRefused(f, t.access_token, 'client active again: the old token');
    await assertUsable(f, (await grant(f)).access_token, 'a new token');
  });

  it('a replaced secret: tokens it obtained are refused; a retiring secret’s until it expires', async () => {
    const f = fixture('sc-secret');
    const old = await grant(f);
    const next = randomBytes(32).toString('hex');
    // Rotation with a retiring period: both secrets work, and so do both secrets' tokens.
    dbExec(
      'UPDATE client_application SET retiring_secret_hash = secret_hash, secret_hash = UNHEX(?), ' +
        'retiring_secret_expires_at = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR WHERE id = ?',
      [keyedHash(next), f.clientId],
    );
    const fresh = await grant(f, next);
    const viaRetiring = await grant(f);
    await assertUsable(f, old.access_token, 'issued before the rotation');
    await assertUsable(f, viaRetiring.access_token, 'issued with the retiring secret');
    assert.notEqual(decode(fresh.access_token).skh, decode(old.access_token).skh);
    // The retiring period ends: every token of the old secret with it.
    dbExec('UPDATE client_application SET retiring_secret_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [f.clientId]);
    await assertRefused(f, old.access_token, 'retiring secret expired');
    await assertRefused(f, viaRetiring.access_token, 'retiring secret expired (its own token)');
    await assertUsable(f, fresh.access_token, 'the current secret');
    // Replaced outright (a leaked secret): the current secret's tokens end at once.
    const third = randomBytes(32).toString('hex');
    dbExec('UPDATE client_application SET secret_hash = UNHEX(?), retiring_secret_hash = NULL WHERE id = ?', [keyedHash(third), f.clientId]);
    await assertRefused(f, fresh.access_token, 'secret replaced');
    assert.equal(await activeForSelf(f, fresh.access_token, third), false, 'its own client (new secret) sees it inactive');
    await assertUsable(f, (await grant(f, third)).access_token, 'the new secret');
  });

  it('a deactivated membership: refused at once, and still refused once it is active again', async () => {
    const f = fixture('sc-member');
    const t = await grant(f);
    dbExec('UPDATE project_membership SET active = FALSE WHERE user_id = ?', [f.clientId]);
    await assertRefused(f, t.access_token, 'membership inactive');
    // Nothing is signed that the bearer check would refuse.
    const refused = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: f.clientId, client_secret: f.clientSecret });
    assert.equal(refused.status, 400, refused.text);
    dbExec('UPDATE project_membership SET active = TRUE WHERE user_id = ?', [f.clientId]);
    await assertRefused(f, t.access_token, 'membership active again: the old token');
    await assertUsable(f, (await grant(f)).access_token, 'a new token');
  });

  it('a deleted membership: refused, and a membership made again does not revive the token', async () => {
    const f = fixture('sc-member-gone');
    const t = await grant(f);
    const [m] = dbQuery('SELECT id, project_id FROM project_membership WHERE user_id = ?', [f.clientId]);
    dbExec('DELETE FROM project_membership WHERE id = ?', [m[0]]);
    await assertRefused(f, t.access_token, 'membership deleted');
    dbExec(
      "INSERT INTO project_membership (id, project_id, user_type, user_id, profile_type, profile_id) VALUES (UUID(), ?, 'ClientApplication', ?, 'ClientApplication', ?)",
      [m[1], f.clientId, f.clientId],
    );
    await assertRefused(f, t.access_token, 'membership made again: the old token');
    await assertUsable(f, (await grant(f)).access_token, 'a new token');
  });

  it('not_before: raising it refuses every token issued before, not those after', async () => {
    const f = fixture('sc-nbf');
    const [t1, t2] = [await grant(f), await grant(f)];
    dbExec(
      'UPDATE client_application SET tokens_not_before = GREATEST(tokens_not_before + 1, CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)) WHERE id = ?',
      [f.clientId],
    );
    await assertRefused(f, t1.access_token, 'before not_before');
    await assertRefused(f, t2.access_token, 'before not_before (2)');
    assert.equal(await activeForSelf(f, t2.access_token), false, 'its own client sees it inactive');
    const t3 = await grant(f);
    assert.ok(decode(t3.access_token).cnb > decode(t1.access_token).cnb);
    await assertUsable(f, t3.access_token, 'issued after');
    assert.equal(await activeForSelf(f, t3.access_token), true);
  });

  it('the ID token is no bearer token, and revoking with it revokes nothing', async () => {
    const f = fixture('sc-idtoken');
    const t = await grant(f);
    assertUnauthorized(await me(t.id_token));
    const r = await postForm('oauth2/revoke', { token: t.id_token, client_id: f.clientId, client_secret: f.clientSecret });
    assert.equal(r.status, 200, r.text);
    assert.equal(tokenRevoked(decode(t.access_token).jti), false);
    await assertUsable(f, t.access_token, 'the access token');
  });

  it('token ids are never reused, and a revoked id stays revoked for its own token only', async () => {
    const f = fixture('sc-ids');
    const ids = new Set();
    for (let i = 0; i < 20; i++) ids.add(decode((await grant(f)).access_token).jti);
    assert.equal(ids.size, 20);
    // A revocation written for an id is refused as a duplicate, never moved to another token.
    const t = await grant(f);
    const jti = decode(t.access_token).jti;
    for (let i = 0; i < 2; i++) {
      const r = await postForm('oauth2/revoke', { token: t.access_token, client_id: f.clientId, client_secret: f.clientSecret });
      assert.equal(r.status, 200, r.text);
    }
    assert.deepEqual(dbQuery('SELECT COUNT(*) FROM token_revocation WHERE jti = ?', [jti]), [['1']]);
  });

  it('another project’s client sees it inactive; the per-minute count is in the audit table', async () => {
    const f = fixture('sc-audit');
    const other = createFixture('sc-audit-other');
    const t = await grant(f);
    const r = await postForm('oauth2/introspect', { token: t.access_token }, { Authorization: basicAuth(other.clientId, other.clientSecret) });
    assert.equal(r.json.active, false);
    let n = 0;
    for (let i = 0; i < 40 && n < 1; i++) {
      n = Number(dbQuery('SELECT COALESCE(SUM(grants), 0) FROM client_grant_minute WHERE client_id = ?', [f.clientId])[0][0]);
      if (n < 1) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(n, 1);
  });
});
