// SPDX-License-Identifier: BSD-2-Clause
// Audit events (issue 7, PROTOCOL.md §S.15): each kind of event appears in
// GET /admin/projects/:projectId/audit after the action, as a FHIR AuditEvent with the
// agent, remote address and user agent; paging and filters; only the project's admins see
// them (403 otherwise; another project's events never show); bad filters are 400
// OperationOutcomes; `tessera-admin purge --audit-days` ages them out. Token grants are read
// from login rows (no audit row on the hot paths), so they must show up too.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  Browser,
  authLogin,
  formOf,
  bearer,
  createSigninFixture,
  dbExec,
  dbQuery,
  http,
  keyedHash,
  pkcePair,
  postForm,
  postJson,
  randomUUID,
  redeemCode,
  refreshGrant,
  signIn,
  tesseraAdmin,
  tesseraAdminResult,
  uniqueEmail,
} from './lib.mjs';

const FHIR = 'application/fhir+json';
const UA = `tessera-audit-test/${randomUUID()}`;
const UA_URL = 'https://tessera.invalid/fhir/StructureDefinition/user-agent';

async function adminFixture(prefix) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const pkce = pkcePair();
  const h = { 'User-Agent': UA };
  const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce, scope: 'openid offline' }, h);
  assert.equal(l.status, 200, l.text);
  const t = await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier, headers: h });
  assert.equal(t.status, 200, t.text);
  const tokens = t.json;
  fx.tokens = tokens;
  fx.headers = { Authorization: bearer(tokens.access_token), 'Content-Type': FHIR, 'User-Agent': UA };
  return fx;
}

function audit(fx, query = '', projectId = fx.projectId, headers = fx.headers) {
  return http(`admin/projects/${projectId}/audit${query ? `?${query}` : ''}`, { headers });
}

/** The events of a type, newest first, asserting a 200 searchset Bundle. */
async function eventsOf(fx, type) {
  const r = await audit(fx, `type=${type}&_count=1000`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.resourceType, 'Bundle');
  assert.equal(r.json.type, 'searchset');
  return r.json.entry.map((e) => e.resource);
}

function userAgentOf(ev) {
  return ev.agent[0].extension?.find((x) => x.url === UA_URL)?.valueString;
}

/** One event of the type was recorded with the test's user agent from 127.0.0.1. */
async function assertEvent(fx, type, check = () => true) {
  // Some events are written after the response (a password reset's): wait a little for them.
  let list = (await eventsOf(fx, type)).filter(check);
  for (let i = 0; i < 25 && !list.length; i++) {
    await new Promise((res) => setTimeout(res, 200));
    list = (await eventsOf(fx, type)).filter(check);
  }
  assert.ok(list.length >= 1, `no ${type} event: ${JSON.stringify(await eventsOf(fx, type))}`);
  const ev = list[0];
  assert.equal(ev.resourceType, 'AuditEvent');
  assert.equal(ev.subtype[0].code, type);
  assert.equal(ev.meta.project, fx.projectId);
  assert.match(ev.recorded, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
  assert.equal(ev.agent[0].network?.address, '127.0.0.1', JSON.stringify(ev));
  assert.equal(ev.type.system, 'http://dicom.nema.org/resources/ontology/DCM');
  return ev;
}

/** How an event names a login: its keyed reference, never the id (issue 14). */
function loginRef(id) {
  return `Login/${keyedHash(`login-ref:${id}`).slice(0, 24)}`;
}

function fromTest(ev) {
  return userAgentOf(ev) === UA;
}

describe('audit events', () => {
  let fx;
  before(async () => {
    fx = await adminFixture('audit');
  });

  it('sign-in success and the authorization_code token are read from the login', async () => {
    const ev = await assertEvent(fx, 'sign-in-success', fromTest);
    assert.equal(ev.agent[0].who.reference, `Practitioner/${fx.profileId}`);
    assert.equal(ev.outcome, '0');
    const t = await assertEvent(fx, 'token-issued', (e) => e.id.endsWith('.code'));
    assert.equal(t.entity.at(-1).detail[0].valueString, 'authorization_code');
    assert.equal(t.agent[1].who.reference, `ClientApplication/${fx.clientId}`);
  });

  it('sign-in failures: wrong password and unknown email, with the reason', async () => {
    const pkce = pkcePair();
    const h = { 'User-Agent': UA };
    assert.equal((await authLogin({ email: fx.email, password: 'wrong-password-1', clientId: fx.clientId, pkce }, h)).status, 400);
    assert.equal((await authLogin({ email: uniqueEmail('nobody'), password: 'x-password-1', clientId: fx.clientId, pkce }, h)).status, 400);
    const list = (await eventsOf(fx, 'sign-in-failure')).filter(fromTest);
    const wrong = list.find((e) => e.outcomeDesc === 'wrong password');
    const unknown = list.find((e) => e.outcomeDesc === 'unknown email');
    assert.ok(wrong && unknown, JSON.stringify(list));
    assert.equal(wrong.outcome, '4');
    assert.equal(wrong.agent[0].who.reference, `User/${fx.userId}`);
    assert.equal(unknown.agent[0].who, undefined);
    // Nothing typed is stored: neither the password nor the unknown address.
    const raw = dbQuery("SELECT COUNT(*) FROM audit_event WHERE CONCAT_WS(' ', outcome_desc, entity, user_agent) LIKE '%password-1%'");
    assert.equal(raw[0][0], '0');
  });

  it('client_credentials tokens and refreshes appear; refresh reuse is recorded', async () => {
    const cc = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret }, { 'User-Agent': UA });
    assert.equal(cc.status, 200, cc.text);
    const t = await assertEvent(fx, 'token-issued', (e) => e.entity.at(-1)?.detail?.[0]?.valueString === 'client_credentials' && fromTest(e));
    assert.equal(t.agent[0].who.reference, `ClientApplication/${fx.clientId}`);
    const old = fx.tokens.refresh_token;
    assert.ok(old, 'the fixture signs in with offline scope');
    const r1 = await refreshGrant(old, { headers: { 'User-Agent': UA } });
    assert.equal(r1.status, 200, r1.text);
    const rf = await assertEvent(fx, 'token-refreshed', fromTest);
    assert.match(rf.outcomeDesc, /^1 refresh grant/);
    const reuse = await refreshGrant(old, { headers: { 'User-Agent': UA } });
    assert.equal(reuse.status, 400);
    // The reuse revoked the fixture's login (and its admin token): sign in again.
    const { tokens } = await signIn(fx);
    fx.headers.Authorization = bearer(tokens.access_token);
    const ev = await assertEvent(fx, 'refresh-reuse', fromTest);
    assert.equal(ev.outcome, '8');
    assert.equal(ev.agent[0].who.reference, `User/${fx.userId}`);
  });

  it('authorization code reuse is recorded', async () => {
    const pkce = pkcePair();
    const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    const h = { 'User-Agent': UA };
    assert.equal((await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier, headers: h })).status, 200);
    assert.equal((await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier, headers: h })).status, 400);
    await assertEvent(fx, 'code-reuse', (e) => e.entity?.[0]?.what?.reference === loginRef(l.json.login));
  });

  it('password reset, change and admin set; invite; member and client changes; settings', async () => {
    const h = { 'Content-Type': FHIR, 'User-Agent': UA };
    // A project-scoped user's reset belongs to that project; an unknown address is recorded too.
    const scopedEmail = uniqueEmail('aud-reset');
    const scoped = tesseraAdmin('user', 'create', '--email', scopedEmail, '--first', 'Re', '--last', 'Set', '--project', fx.projectId).match(/user_id:\s*(\S+)/)[1];
    assert.equal((await postJson('auth/resetpassword', { email: scopedEmail, projectId: fx.projectId }, h)).status, 200);
    const reset = await assertEvent(fx, 'password-reset-requested', (e) => fromTest(e) && e.agent[0].who?.reference === `User/${scoped}`);
    assert.equal(reset.agent[0].who.reference, `User/${scoped}`);
    assert.equal((await postJson('auth/resetpassword', { email: uniqueEmail('aud-none'), projectId: fx.projectId }, h)).status, 200);
    const unknown = await assertEvent(fx, 'password-reset-requested', (e) => fromTest(e) && e.outcomeDesc === 'unknown email');
    assert.equal(unknown.outcomeDesc, 'unknown email');
    assert.equal(unknown.agent[0].who, undefined);

    // A second session to change the password with.
    const { tokens } = await signIn(fx);
    const newPassword = 'Audit_Change_Orbit_91';
    const ch = await postJson('auth/changepassword', { oldPassword: fx.password, newPassword }, { ...h, Authorization: bearer(tokens.access_token) });
    assert.equal(ch.status, 200, ch.text);
    fx.password = newPassword;
    // The change ended the admin's other sessions.
    fx.headers.Authorization = bearer(tokens.access_token);
    const changed = await assertEvent(fx, 'password-changed', fromTest);
    assert.equal(changed.agent[0].who.reference, `User/${fx.userId}`);

    const inv = await postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Ada', lastName: 'Audit', email: uniqueEmail('aud-inv'), sendEmail: false }, fx.headers);
    assert.equal(inv.status, 200, inv.text);
    const invEv = await assertEvent(fx, 'invite-sent', fromTest);
    assert.equal(invEv.agent[0].who.reference, `Practitioner/${fx.profileId}`);

    const upd = await postJson(`admin/projects/${fx.projectId}/members/${inv.json.id}`, { ...inv.json, admin: true }, fx.headers);
    assert.equal(upd.status, 200, upd.text);
    const u = await assertEvent(fx, 'membership-updated', fromTest);
    assert.equal(u.entity[0].what.reference, `ProjectMembership/${inv.json.id}`);
    const del = await http(`admin/projects/${fx.projectId}/members/${inv.json.id}`, { method: 'DELETE', headers: fx.headers });
    assert.equal(del.status, 200, del.text);
    await assertEvent(fx, 'membership-deleted', (e) => e.entity[0]?.what?.reference === `ProjectMembership/${inv.json.id}`);

    const cl = await postJson(`admin/projects/${fx.projectId}/client`, { name: 'audit client' }, fx.headers);
    assert.equal(cl.status, 201, cl.text);
    await assertEvent(fx, 'client-created', fromTest);
    const st = await postJson(`admin/projects/${fx.projectId}/settings`, { brandName: 'Audit Brand' }, fx.headers);
    assert.equal(st.status, 200, st.text);
    await assertEvent(fx, 'settings-updated', fromTest);

    const email = uniqueEmail('aud-set');
    tesseraAdmin('user', 'create', '--email', email, '--first', 'Set', '--last', 'Pw', '--project', fx.projectId);
    const sp = await postJson('admin/projects/setpassword', { email, password: 'Audit_Admin_Set_Pw_42' }, fx.headers);
    assert.equal(sp.status, 200, sp.text);
    await assertEvent(fx, 'admin-password-set', fromTest);
    // No password or secret in any stored audit column.
    // (LOCATE, not LIKE: "_" is a LIKE wildcard, and "AuditEvent/<id>" is an entity of the resource API)
    const leak = dbQuery("SELECT COUNT(*) FROM audit_event WHERE LOCATE('Audit_', CONCAT_WS(' ', outcome_desc, entity)) > 0");
    assert.equal(leak[0][0], '0');
  });

  it('changes made on the admin pages are recorded with the admin as agent', async () => {
    const b = new Browser();
    const signin = await b.get('signin');
    const f = formOf(signin.text);
    assert.equal((await b.post(f.action, { ...f.fields, email: fx.email, password: fx.password })).status, 303);
    const base = `manage/projects/${fx.projectId}/`;
    const clients = await b.get(`${base}clients`);
    const csrf = formOf(clients.text).fields.csrf;
    const created = await b.post(`${base}clients`, { csrf, name: 'audit page client' });
    assert.equal(created.status, 303, created.text);
    const clientId = created.headers.get('location').match(/clients\/([0-9a-f-]{36})\/secret$/)[1];
    const rotated = await b.post(`${base}clients/${clientId}/rotate`, { csrf });
    assert.equal(rotated.status, 303, rotated.text);
    const ev = await assertEvent(fx, 'client-secret-rotated', (e) => e.entity[0]?.what?.reference === `ClientApplication/${clientId}`);
    assert.equal(ev.agent[0].who.reference, `User/${fx.userId}`);
    await assertEvent(fx, 'client-created', (e) => e.agent[0].who?.reference === `User/${fx.userId}`);
  });

  it('a refused change writes no event', async () => {
    const before = (await eventsOf(fx, 'membership-deleted')).length;
    const r = await http(`admin/projects/${fx.projectId}/members/${randomUUID()}`, { method: 'DELETE', headers: fx.headers });
    assert.equal(r.status, 404);
    assert.equal((await eventsOf(fx, 'membership-deleted')).length, before);
  });

  it('logout and session revocation', async () => {
    const a = await signIn(fx);
    const b = await signIn(fx);
    const rv = await postJson('auth/revoke', { loginId: b.login }, { Authorization: bearer(a.tokens.access_token), 'Content-Type': FHIR, 'User-Agent': UA });
    assert.equal(rv.status, 200, rv.text);
    await assertEvent(fx, 'session-revoked', (e) => e.entity[0]?.what?.reference === loginRef(b.login));
    const lo = await postJson('oauth2/logout', {}, { Authorization: bearer(a.tokens.access_token), 'Content-Type': FHIR, 'User-Agent': UA });
    assert.equal(lo.status, 200, lo.text);
    const ev = await assertEvent(fx, 'logout', fromTest);
    assert.equal(ev.entity.at(-1).what.reference, loginRef(a.login));
  });

  it('pages with _count and _offset; filters by type, user and time', async () => {
    const p1 = await audit(fx, '_count=2');
    assert.equal(p1.status, 200, p1.text);
    assert.equal(p1.json.entry.length, 2);
    const next = p1.json.link.find((l) => l.relation === 'next');
    assert.ok(next, JSON.stringify(p1.json.link));
    const p2 = await http(next.url, { headers: fx.headers });
    assert.equal(p2.status, 200, p2.text);
    assert.equal(p2.json.entry.length, 2);
    const ids1 = p1.json.entry.map((e) => e.resource.id);
    for (const e of p2.json.entry) assert.ok(!ids1.includes(e.resource.id), 'pages do not overlap');
    assert.ok(p1.json.entry[1].resource.recorded >= p2.json.entry[0].resource.recorded, 'newest first');

    const byUser = await audit(fx, `user=User/${fx.userId}&_count=1000`);
    assert.ok(byUser.json.entry.length >= 2);
    for (const e of byUser.json.entry) assert.equal(e.resource.agent[0].who.reference, `User/${fx.userId}`);

    const future = new Date(Date.now() + 3600_000).toISOString();
    assert.equal((await audit(fx, `since=${encodeURIComponent(future)}`)).json.entry.length, 0);
    const all = (await audit(fx, '_count=1000')).json.entry.length;
    assert.equal((await audit(fx, `until=${encodeURIComponent(future)}&_count=1000`)).json.entry.length, all);
    assert.equal((await audit(fx, 'until=2000-01-01')).json.entry.length, 0);
  });

  it('bad filters are 400 OperationOutcomes', async () => {
    for (const q of ['type=nonsense', 'since=yesterday', 'until=2024-02-31', '_count=0', '_count=abc', '_offset=-1', 'user=Practitioner/xyz', 'type=bad%20type', `user=${'a'.repeat(200)}`]) {
      const r = await audit(fx, q);
      assert.equal(r.status, 400, `${q}: ${r.status} ${r.text}`);
      assert.equal(r.json?.resourceType, 'OperationOutcome', q);
    }
  });

  it('non-admins get 403; another project\'s events are never shown', async () => {
    const other = createSigninFixture('audit-other');
    const { tokens } = await signIn(other);
    const h = { Authorization: bearer(tokens.access_token) };
    assert.equal((await audit(fx, '', fx.projectId, h)).status, 403);
    assert.equal((await audit(fx, '', other.projectId, h)).status, 403, 'a member who is not admin');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [other.membershipId]);
    assert.equal((await audit(fx, '', fx.projectId, h)).status, 403, "another project's admin");
    const own = await audit(fx, '_count=1000', other.projectId, h);
    assert.equal(own.status, 200);
    for (const e of own.json.entry) assert.equal(e.resource.meta.project, other.projectId);
    const theirs = new Set(own.json.entry.map((e) => e.resource.id));
    const mine = (await audit(fx, '_count=1000')).json.entry.map((e) => e.resource.id);
    for (const id of mine) assert.ok(!theirs.has(id));
    assert.equal((await http(`admin/projects/${fx.projectId}/audit`)).status, 401);
  });

  it('tessera-admin purge --audit-days ages audit rows out', async () => {
    const id = randomUUID();
    dbExec("INSERT INTO audit_event (id, recorded, type, project_id) VALUES (?, UTC_TIMESTAMP(3) - INTERVAL 40 DAY, 'logout', ?)", [id, fx.projectId]);
    const recent = dbQuery('SELECT COUNT(*) FROM audit_event WHERE project_id = ?', [fx.projectId])[0][0];
    const out = tesseraAdmin('purge', '--audit-days', '30');
    assert.match(out, /\d+ audit events/);
    assert.equal(dbQuery('SELECT COUNT(*) FROM audit_event WHERE id = ?', [id])[0][0], '0');
    assert.equal(dbQuery('SELECT COUNT(*) FROM audit_event WHERE project_id = ?', [fx.projectId])[0][0], String(recent - 1));
    assert.throws(() => tesseraAdmin('purge', '--audit-days', 'x'));
  });

  it('tessera-admin purge: sign-in trips, registration tokens and retired keys that expired go, live ones stay', () => {
    const trip = (age) => {
      const id = randomUUID();
      dbExec(`INSERT INTO external_auth (id, browser_hash, request, created_at)
              VALUES (?, UNHEX(SHA2(?, 256)), '{}', UTC_TIMESTAMP(3) - INTERVAL ? SECOND)`, [id, id, age]);
      return id;
    };
    const token = (createdDaysAgo, expiresInDays, uses) => {
      const id = randomUUID();
      dbExec(`INSERT INTO client_registration_token (id, project_id, token_hash, expires_at, uses_left, created_at)
              VALUES (?, ?, UNHEX(SHA2(?, 256)), UTC_TIMESTAMP(3) + INTERVAL ? DAY, ?, UTC_TIMESTAMP(3) - INTERVAL ? DAY)`,
      [id, fx.projectId, id, expiresInDays, uses, createdDaysAgo]);
      return id;
    };
    const key = (expiredDaysAgo) => {
      const id = randomUUID();
      dbExec(`INSERT INTO signing_key (id, alg, jwk, active, created_at, retired_at, expires_at)
              VALUES (?, 'ES256', '{}', FALSE, UTC_TIMESTAMP(3) - INTERVAL 90 DAY, UTC_TIMESTAMP(3) - INTERVAL 60 DAY,
                      UTC_TIMESTAMP(3) - INTERVAL ? DAY)`, [id, expiredDaysAgo]);
      return id;
    };
    const gone = { trip: trip(2 * 3600), expired: token(41, -40, 1), spent: token(40, 1, 0), key: key(40) };
    // A trip under way (10 minutes) and one spent a moment ago (no harm in waiting); a token
    // still usable; tokens that ended, and a key that stopped verifying, less than --days ago.
    const kept = { trip: trip(0), recent: trip(15 * 60), live: token(40, 1, 3), ended: token(3, -2, 1), usedUp: token(2, 5, 0), key: key(2) };
    const signing = dbQuery('SELECT id FROM signing_key WHERE active').map((r) => r[0]);
    const out = tesseraAdmin('purge');
    for (const kind of ['external sign-in trips', 'registration tokens', 'expired signing keys']) {
      assert.match(out, new RegExp(`\\] ${kind}: \\d+ \\(\\d+\\.\\d s\\)`), `a progress line for ${kind}`);
    }
    const summary = out.trim().split('\n').at(-1);
    // (A trip starting at the same time elsewhere may prune the abandoned one first: its count
    // can be 0 here; that it is gone is asserted below.)
    assert.match(summary, /\d+ external sign-in trips/);
    assert.ok(Number(summary.match(/(\d+) registration tokens/)[1]) >= 2, summary);
    assert.ok(Number(summary.match(/(\d+) expired signing keys/)[1]) >= 1, summary);
    const present = (table, id) => dbQuery(`SELECT COUNT(*) FROM ${table} WHERE id = ?`, [id])[0][0] === '1';
    assert.ok(!present('external_auth', gone.trip), 'the abandoned trip is purged');
    assert.ok(!present('client_registration_token', gone.expired), 'the expired token is purged');
    assert.ok(!present('client_registration_token', gone.spent), 'the used-up token is purged');
    assert.ok(!present('signing_key', gone.key), 'the key that stopped verifying 40 days ago is purged');
    for (const id of [kept.trip, kept.recent]) assert.ok(present('external_auth', id), 'a recent trip stays');
    for (const id of [kept.live, kept.ended, kept.usedUp]) assert.ok(present('client_registration_token', id), 'a token still usable or recently ended stays');
    assert.ok(present('signing_key', kept.key), 'a key expired two days ago stays (--days 30)');
    for (const id of signing) assert.ok(present('signing_key', id), 'the signing key stays');
    // --days 1 (not 0: other test files' fresh rows must stay): what ended days ago goes; a
    // usable token and the trip under way still stay.
    tesseraAdmin('purge', '--days', '1', '--audit-days', '36500');
    assert.ok(!present('client_registration_token', kept.ended) && !present('client_registration_token', kept.usedUp));
    assert.ok(!present('signing_key', kept.key));
    assert.ok(present('client_registration_token', kept.live) && present('external_auth', kept.trip));
    for (const id of signing) assert.ok(present('signing_key', id), 'the signing key stays');
    dbExec('DELETE FROM external_auth WHERE id IN (?, ?)', [kept.trip, kept.recent]);
    dbExec('DELETE FROM client_registration_token WHERE id = ?', [kept.live]);
  });

  it('tessera-admin purge: the other kinds, each through its owner: rows past their time go, fresh ones stay', () => {
    const old = [], fresh = [];
    const row = (list, table, key, sql, params) => { dbExec(sql, params); list.push([table, key, params[0]]); };
    for (const [list, days] of [[old, 40], [fresh, 0]]) {
      const id = randomUUID();
      row(list, 'security_request', 'id', `INSERT INTO security_request (id, type, user_id, secret_hash, used, expires_at, created_at)
        VALUES (?, 'reset', ?, UNHEX(SHA2(?, 256)), TRUE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) - INTERVAL ? DAY)`, [id, fx.userId, id, days]);
      const mail = randomUUID();
      row(list, 'email_outbox', 'id', `INSERT INTO email_outbox (id, recipient, subject, body_text, status, sent_at)
        VALUES (?, 'purge@example.com', 's', 'b', 'sent', UTC_TIMESTAMP(3) - INTERVAL ? DAY)`, [mail, days]);
      const jti = randomUUID();
      row(list, 'token_revocation', 'jti', `INSERT INTO token_revocation (jti, expires_at)
        VALUES (?, UTC_TIMESTAMP(3) - INTERVAL ? DAY + INTERVAL 1 HOUR)`, [jti, days]);
      const assertion = randomUUID();
      row(list, 'assertion_jti', 'HEX(id)', `INSERT INTO assertion_jti (id, expires_at)
        VALUES (UNHEX(SHA2(?, 256)), UTC_TIMESTAMP() - INTERVAL ? DAY + INTERVAL 1 HOUR)`, [assertion, days]);
      list.at(-1)[2] = dbQuery('SELECT HEX(UNHEX(SHA2(?, 256)))', [assertion])[0][0];
      const bucket = dbQuery('SELECT HEX(RANDOM_BYTES(16))')[0][0];
      row(list, 'login_throttle', 'HEX(bucket)', `INSERT INTO login_throttle (bucket, failures, last_failure)
        VALUES (UNHEX(?), 3, UNIX_TIMESTAMP() - ? * 86400)`, [bucket, days]);
      row(list, 'client_grant_minute', 'client_id', `INSERT INTO client_grant_minute (client_id, minute, project_id, grants)
        VALUES (?, UTC_TIMESTAMP() - INTERVAL ? DAY, ?, 1)`, [randomUUID(), days * 20, fx.projectId]);
    }
    const out = tesseraAdmin('purge', '--audit-days', '365');
    const count = ([table, key, value]) => dbQuery(`SELECT COUNT(*) FROM ${table} WHERE ${key} = ?`, [value])[0][0];
    for (const r of old) assert.equal(count(r), '0', `${r[0]}: the old row is purged`);
    for (const r of fresh) assert.equal(count(r), '1', `${r[0]}: the fresh row stays`);
    for (const kind of ['security requests', 'sent emails', 'expired token revocations', 'used assertion ids', 'password delays', 'client credentials counts']) {
      assert.ok(Number(out.match(new RegExp(`(\\d+) ${kind}`))[1]) >= 1, `${kind} counted: ${out}`);
    }
    for (const [table, key, value] of fresh) dbExec(`DELETE FROM ${table} WHERE ${key} = ?`, [value]);
  });

  it('tessera-admin purge: bad arguments exit 2 and say what is expected', () => {
    for (const args of [['--days', '-1'], ['--days', '36501'], ['--days', '3x'], ['--days'], ['--weeks', '2'], ['now']]) {
      const r = tesseraAdminResult('purge', ...args);
      assert.equal(r.status, 2, `purge ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /tessera-admin: (--days takes a number of days \(0 to 36500\)|unexpected argument)/);
    }
  });
});
