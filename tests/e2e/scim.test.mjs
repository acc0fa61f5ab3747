// SPDX-License-Identifier: BSD-2-Clause
// SCIM 2.0 at /scim/v2 (issue 18, PROTOCOL.md §10): a client script that does what Okta's and
// Entra ID's provisioning do (list, find by userName, create, conflict, deactivate, reactivate,
// rename, replace, Entra's PATCH shapes), and the attacker's side: another project's client sees
// and changes nothing of this project, non-admin clients and users are refused, filters with
// injection strings or unsupported operators are invalidFilter, malformed and oversized bodies
// are SCIM 400s, pagination totals stay right. Deactivation ends the user's sessions at once.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  authLogin,
  authMe,
  basicAuth,
  bearer,
  clientCredentialsToken,
  createClient,
  createFixture,
  createSigninFixture,
  dbExec,
  dbQuery,
  http,
  pkcePair,
  refreshGrant,
  signIn,
  tesseraAdmin,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const SCIM = 'application/scim+json';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An admin client of a project (`tessera-admin client create --admin true`), with a client_credentials token. */
async function adminClient(projectId, name = uniqueName('scim-admin')) {
  const out = tesseraAdmin('client', 'create', '--project', projectId, '--name', name, '--admin', 'true');
  const c = { id: out.match(/client_id:\s*(\S+)/)[1], secret: out.match(/client_secret:\s*([0-9a-f]{64})/)[1] };
  const token = (await clientCredentialsToken(c.id, c.secret)).access_token;
  return { ...c, auth: bearer(token) };
}

function scim(auth, path, { method = 'GET', body, type = SCIM } = {}) {
  const headers = { Accept: SCIM };
  if (auth) headers.Authorization = auth;
  if (body !== undefined) headers['Content-Type'] = type;
  const raw = typeof body === 'string' || Buffer.isBuffer(body);
  return http(`scim/v2/${path}`, { method, headers, body: raw ? body : body && JSON.stringify(body) });
}

function assertScimError(r, status, scimType) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.contentType, /^application\/scim\+json/, r.contentType);
  assert.deepEqual(r.json?.schemas, [ERROR], r.text);
  assert.equal(r.json.status, String(status), r.text);
  if (scimType) assert.equal(r.json.scimType, scimType, r.text);
  else assert.equal(r.json.scimType, undefined, r.text);
  assert.equal(typeof r.json.detail, 'string');
}

function newUser(userName, extra = {}) {
  return {
    schemas: [USER],
    userName,
    name: { givenName: 'Runscope', familyName: 'Fuhpfuwaw' },
    emails: [{ primary: true, value: userName.toLowerCase(), type: 'work' }],
    displayName: 'Runscope Fuhpfuwaw',
    active: true,
    ...extra,
  };
}

async function create(auth, body) {
  const r = await scim(auth, 'Users', { method: 'POST', body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const filter = (f) => `Users?filter=${encodeURIComponent(f)}`;
const patchOp = (...ops) => ({ schemas: [PATCH], Operations: ops });

describe('SCIM 2.0 provisioning', () => {
  let a, b, fx, admin;
  before(async () => {
    // Project A: a signed-in user (server account, password) and an admin client; project B: its own.
    fx = createSigninFixture('scim');
    admin = await adminClient(fx.projectId);
    a = admin.auth;
    const fb = createFixture('scimb');
    b = (await adminClient(fb.projectId)).auth;
  });

  it("answers Okta's provisioning script: list, find, create, conflict, case-insensitive userName", async () => {
    const list = await scim(a, 'Users');
    assert.equal(list.status, 200, list.text);
    assert.match(list.contentType, /^application\/scim\+json/);
    assert.deepEqual(list.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    const me = list.json.Resources.find((u) => u.id === fx.membershipId);
    assert.ok(me, 'the signed-in member is listed');
    assert.equal(me.userName, fx.email);
    assert.equal(me.active, true);
    assert.equal(me.name.givenName, fx.first);
    assert.equal(me.emails[0].value, fx.email);
    assert.ok(!list.json.Resources.some((u) => u.userType === 'ClientApplication'), 'clients are not SCIM users');

    const nobody = await scim(a, filter('userName eq "abcdefgh@atko.com"'));
    assert.equal(nobody.json.totalResults, 0);
    assertScimError(await scim(a, 'Users/invaliduserid'), 404);

    const userName = `Runscope${uniqueName('u')}@Atko.com`;
    const r = await scim(a, 'Users', { method: 'POST', body: newUser(userName) });
    assert.equal(r.status, 201, r.text);
    assert.match(r.contentType, /^application\/scim\+json/);
    assert.equal(r.headers.get('location'), r.json.meta.location);
    assert.match(r.json.meta.location, new RegExp(`/scim/v2/Users/${r.json.id}$`));
    assert.equal(r.json.userName, userName);
    assert.equal(r.json.active, true);
    assert.equal(r.json.userType, 'Practitioner');
    assert.deepEqual(r.json.name, { givenName: 'Runscope', familyName: 'Fuhpfuwaw' });
    assert.equal(r.json.emails[0].value, userName.toLowerCase());
    const got = await scim(a, `Users/${r.json.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.userName, userName);

    const again = await scim(a, 'Users', { method: 'POST', body: newUser(userName) });
    assertScimError(again, 409, 'uniqueness');
    assert.equal(again.json.detail, 'User is already a member of this project');
    const sameName = await scim(a, 'Users', { method: 'POST', body: newUser(userName, { emails: [] }) });
    assertScimError(sameName, 409, 'uniqueness');

    const upper = await scim(a, filter(`userName eq "${userName.toUpperCase()}"`));
    assert.equal(upper.json.totalResults, 1, upper.text);
    assert.equal(upper.json.Resources[0].id, r.json.id);
  });

  it('creates a member without an email: userName is its identity', async () => {
    const userName = uniqueName('no-mail');
    const u = await create(a, { schemas: [USER], userName, externalId: `ext-${userName}` });
    assert.equal(u.emails, undefined);
    assert.equal(u.userName, userName);
    const found = await scim(a, filter(`externalId eq "ext-${userName}"`));
    assert.equal(found.json.totalResults, 1);
    // externalId is case-exact (RFC 7643), userName is not.
    assert.equal((await scim(a, filter(`externalId eq "EXT-${userName}"`))).json.totalResults, 0);
    assert.equal((await scim(a, filter(`userName eq "${userName.toUpperCase()}"`))).json.totalResults, 1);
  });

  it('deactivation ends the sessions at once; sign-in is refused; reactivation does not revive old tokens', async () => {
    const { tokens } = await signIn(fx, { login: { scope: 'openid offline' } });
    assert.equal((await authMe(tokens.access_token)).status, 200);
    assert.ok(tokens.refresh_token);

    // Okta's shape: no path, the value an object.
    const off = await scim(a, `Users/${fx.membershipId}`, {
      method: 'PATCH',
      body: patchOp({ op: 'replace', value: { active: false } }),
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.active, false);
    assert.equal((await authMe(tokens.access_token)).status, 401, 'the access token stops at once');
    const refreshed = await refreshGrant(tokens.refresh_token, { clientId: fx.clientId });
    assert.equal(refreshed.status, 400, refreshed.text);
    const pkce = pkcePair();
    const signin = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
    assert.equal(signin.status, 400, `sign-in of a deactivated member: ${signin.text}`);
    assert.equal(signin.json?.code, undefined);
    const audit = dbQuery("SELECT COUNT(*) FROM audit_event WHERE entity = ? AND type = 'membership-deactivated'", [`ProjectMembership/${fx.membershipId}`]);
    assert.equal(audit[0][0], '1', 'the deactivation is audited once');
    const revoked = dbQuery('SELECT COUNT(*) FROM login WHERE membership_id = ? AND NOT revoked', [fx.membershipId]);
    assert.equal(revoked[0][0], '0', 'every login of the membership is revoked');

    const on = await scim(a, `Users/${fx.membershipId}`, {
      method: 'PATCH',
      body: patchOp({ op: 'replace', path: 'active', value: true }),
    });
    assert.equal(on.json.active, true);
    assert.equal((await authMe(tokens.access_token)).status, 401, 'an old token stays dead');
    const fresh = await signIn(fx);
    assert.equal((await authMe(fresh.tokens.access_token)).status, 200);
  });

  it("patches with Entra ID's shapes: capitalised ops, \"False\" as a string, value paths, ignored attributes", async () => {
    const userName = uniqueEmail('entra');
    const u = await create(a, newUser(userName));
    const r = await scim(a, `Users/${u.id}`, {
      method: 'PATCH',
      body: patchOp(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: `NEW-${userName}` },
        { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
        { op: 'Add', path: 'displayName', value: 'ignored' },
        { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber', value: '7' },
        { op: 'Replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', value: 'Given' },
      ),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, false);
    assert.equal(r.json.emails[0].value, `new-${userName}`);
    assert.deepEqual(r.json.name, { givenName: 'Given', familyName: 'Renamed' });
    const on = await scim(a, `Users/${u.id}`, { method: 'PATCH', body: patchOp({ op: 'Replace', path: 'active', value: 'True' }) });
    assert.equal(on.json.active, true);
    // rename (userName) and remove (externalId)
    const renamed = await scim(a, `Users/${u.id}`, {
      method: 'PATCH',
      body: patchOp({ op: 'replace', path: 'userName', value: `renamed-${userName}` }, { op: 'remove', path: 'externalId' }),
    });
    assert.equal(renamed.json.userName, `renamed-${userName}`);
    assert.equal((await scim(a, filter(`userName eq "renamed-${userName}"`))).json.totalResults, 1);
    assert.equal((await scim(a, filter(`userName eq "${userName}"`))).json.totalResults, 0);
    // the profile follows the new name
    const display = dbQuery('SELECT pr.display FROM project_membership m JOIN profile pr ON pr.id = m.profile_id WHERE m.id = ?', [u.id]);
    assert.equal(display[0][0], 'Given Renamed');
    for (const bad of [
      patchOp({ op: 'replace', path: 'active', value: 'maybe' }),
      patchOp({ op: 'move', path: 'active', value: true }),
      patchOp({ op: 'remove' }),
      patchOp({ op: 'remove', path: 'userName' }),
      patchOp({ op: 'replace', path: 'id', value: 'x' }),
      patchOp({ op: 'replace', path: 'nonsense', value: 'x' }),
      { schemas: [USER], Operations: [{ op: 'replace', path: 'active', value: false }] },
      patchOp(),
    ]) {
      const res = await scim(a, `Users/${u.id}`, { method: 'PATCH', body: bad });
      assert.equal(res.status, 400, `${JSON.stringify(bad)}: ${res.text}`);
      assert.deepEqual(res.json.schemas, [ERROR]);
      assert.ok(res.json.scimType, res.text);
    }
    assert.equal((await scim(a, `Users/${u.id}`)).json.active, true, 'a refused patch changes nothing');
  });

  it('replaces (PUT): name, email and userName; a server account keeps its own name and email', async () => {
    const userName = uniqueEmail('put');
    const u = await create(a, newUser(userName, { externalId: `x-${userName}` }));
    dbExec('UPDATE user u JOIN project_membership m ON m.user_id = u.id SET u.email_verified = TRUE WHERE m.id = ?', [u.id]);
    const put = await scim(a, `Users/${u.id}`, {
      method: 'PUT',
      body: { schemas: [USER], userName: `p-${userName}`, name: { givenName: 'Pat', familyName: 'Put' }, emails: [{ value: `p-${userName}` }], active: true },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.userName, `p-${userName}`);
    assert.equal(put.json.emails[0].value, `p-${userName}`);
    assert.equal(put.json.externalId, undefined, 'a replace without externalId clears it');
    // The signed-in fixture user is a server account: its name is not this project's to change.
    const server = await scim(a, `Users/${fx.membershipId}`, {
      method: 'PUT',
      body: { schemas: [USER], userName: fx.email, name: { givenName: 'Mallory', familyName: 'X' }, active: true },
    });
    assertScimError(server, 400, 'mutability');
    const same = await scim(a, `Users/${fx.membershipId}`, {
      method: 'PUT',
      body: { schemas: [USER], userName: fx.email, name: { givenName: fx.first, familyName: fx.last }, emails: [{ value: fx.email }], active: true },
    });
    assert.equal(same.status, 200, `an unchanged name is fine: ${same.text}`);
    // A new address is not proven: email_verified drops; another member's address is taken.
    assert.deepEqual(dbQuery('SELECT u.email_verified FROM project_membership m JOIN user u ON u.id = m.user_id WHERE m.id = ?', [u.id]), [['0']]);
    const other = await create(a, newUser(uniqueEmail('put-other')));
    const taken = await scim(a, `Users/${u.id}`, {
      method: 'PUT',
      body: { schemas: [USER], userName: `p-${userName}`, emails: [{ value: other.emails[0].value.toUpperCase() }] },
    });
    assertScimError(taken, 409, 'uniqueness');
    assert.equal((await scim(a, `Users/${u.id}`)).json.emails[0].value, `p-${userName}`, 'nothing changed');
    assertScimError(
      await scim(a, `Users/${u.id}`, { method: 'PUT', body: { schemas: [USER], userName: `p-${userName}`, userType: 'Patient' } }),
      400,
      'mutability',
    );
  });

  it('deletes: the membership is deactivated, 404 from then on, and the person can be provisioned again', async () => {
    const userName = uniqueEmail('del');
    const u = await create(a, newUser(userName));
    const d = await scim(a, `Users/${u.id}`, { method: 'DELETE' });
    assert.equal(d.status, 204, d.text);
    assertScimError(await scim(a, `Users/${u.id}`), 404);
    assertScimError(await scim(a, `Users/${u.id}`, { method: 'DELETE' }), 404);
    assertScimError(await scim(a, `Users/${u.id}`, { method: 'PATCH', body: patchOp({ op: 'replace', path: 'active', value: true }) }), 404);
    assert.equal((await scim(a, filter(`userName eq "${userName}"`))).json.totalResults, 0);
    const events = dbQuery("SELECT type FROM audit_event WHERE entity = ? ORDER BY recorded, type", [`ProjectMembership/${u.id}`]);
    assert.deepEqual(events.map((e) => e[0]).sort(), ['membership-deprovisioned', 'membership-provisioned']);
    const row = dbQuery('SELECT active, deprovisioned_at IS NOT NULL FROM project_membership WHERE id = ?', [u.id]);
    assert.deepEqual(row[0], ['0', '1'], 'the row stays, inactive');
    const again = await create(a, newUser(userName));
    assert.notEqual(again.id, u.id);
    assert.equal(again.active, true);
  });

  it("confines a client to its own project: project B's client cannot see or change A's users", async () => {
    const u = await create(a, newUser(uniqueEmail('conf')));
    assertScimError(await scim(b, `Users/${u.id}`), 404);
    assertScimError(await scim(b, `Users/${u.id}`, { method: 'PUT', body: newUser(u.userName) }), 404);
    assertScimError(await scim(b, `Users/${u.id}`, { method: 'PATCH', body: patchOp({ op: 'replace', path: 'active', value: false }) }), 404);
    assertScimError(await scim(b, `Users/${u.id}`, { method: 'DELETE' }), 404);
    assertScimError(await scim(b, `Users/${fx.membershipId}`), 404);
    const inB = await scim(b, filter(`userName eq "${u.userName}"`));
    assert.equal(inB.json.totalResults, 0);
    assert.ok(!(await scim(b, 'Users')).json.Resources.some((x) => x.id === u.id || x.id === fx.membershipId));
    assert.equal((await scim(a, `Users/${u.id}`)).json.active, true, 'nothing changed in A');
  });

  it('refuses callers that are not admin clients of the project', async () => {
    assertScimError(await scim(null, 'Users'), 401);
    assertScimError(await scim('Bearer not-a-token', 'Users'), 401);
    const plain = createClient(fx.projectId, uniqueName('scim-plain'));
    const token = (await clientCredentialsToken(plain.id, plain.secret)).access_token;
    assertScimError(await scim(bearer(token), 'Users'), 403);
    assertScimError(await scim(basicAuth(plain.id, plain.secret), 'Users', { method: 'POST', body: newUser(uniqueEmail('x')) }), 403);
    // An admin user's own session is not a provisioning client.
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const { tokens } = await signIn(fx);
    assertScimError(await scim(bearer(tokens.access_token), 'Users'), 403);
    dbExec('UPDATE project_membership SET admin = FALSE WHERE id = ?', [fx.membershipId]);
    // Basic with an admin client's id and secret works.
    assert.equal((await scim(basicAuth(admin.id, admin.secret), 'Users?count=1')).status, 200);
  });

  it('parses filters: and/or, parentheses; injection strings are values; unsupported forms are invalidFilter', async () => {
    const n1 = uniqueEmail('f1');
    const n2 = uniqueEmail('f2');
    const u1 = await create(a, newUser(n1, { externalId: `e-${n1}` }));
    await create(a, newUser(n2));
    const count = async (f) => {
      const r = await scim(a, filter(f));
      assert.equal(r.status, 200, `${f}: ${r.text}`);
      return r.json.totalResults;
    };
    assert.equal(await count(`userName eq "${n1}" or userName eq "${n2}"`), 2);
    assert.equal(await count(`userName eq "${n1}" and userName eq "${n2}"`), 0);
    assert.equal(await count(`(userName eq "${n1}" or userName eq "${n2}") and externalId eq "e-${n1}"`), 1);
    assert.equal(await count(`emails.value eq "${n2}" OR externalId eq "e-${n1}"`), 2);
    assert.equal(await count(`USERNAME EQ "${n1}"`), 1);
    assert.equal(await count(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "${n1}"`), 1);
    assert.equal((await scim(a, filter(`emails eq "${n1}"`))).json.Resources[0].id, u1.id);
    for (const injection of [
      `x" or "1"="1`,
      `x' OR '1'='1`,
      `${n1}' -- `,
      `${n1}") OR TRUE OR ("`,
      '%',
      `${n1}\\u0000`,
    ]) {
      assert.equal(await count(`userName eq ${JSON.stringify(injection)}`), 0, injection);
    }
    assert.equal(await count('userName eq "\\" or 1=1 -- "'), 0);
    for (const bad of [
      `userName co "${n1}"`,
      `userName sw "a"`,
      `userName ne "a"`,
      'userName pr',
      `not (userName eq "${n1}")`,
      `emails[type eq "work"]`,
      `title eq "x"`,
      'userName eq x',
      'userName eq 1',
      'userName eq true',
      `userName eq "${n1}" junk`,
      `(userName eq "${n1}"`,
      `userName eq "${n1}")`,
      `userName eq "${n1}" and`,
      '',
      `userName eq "a\\u0000b"`,
      `userName eq "unterminated`,
      `userName eq "a"; DROP TABLE user; --`,
      Array.from({ length: 11 }, (_, i) => `userName eq "${i}"`).join(' or '),
      '('.repeat(9) + 'userName eq "a"' + ')'.repeat(9),
      `userName eq "${'a'.repeat(1100)}"`,
    ]) {
      const r = await scim(a, filter(bad));
      assertScimError(r, 400, 'invalidFilter');
    }
  });

  it('refuses malformed, oversized and mistyped bodies with SCIM 400s', async () => {
    assertScimError(await scim(a, 'Users', { method: 'POST', body: '{"schemas":' }), 400, 'invalidSyntax');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: '[1,2]' }), 400, 'invalidSyntax');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: JSON.stringify(newUser('big', { pad: 'x'.repeat(1100000) })) }), 400);
    assertScimError(await scim(a, 'Users', { method: 'POST', body: 'userName=x', type: 'application/x-www-form-urlencoded' }), 415);
    assertScimError(await scim(a, 'Users', { method: 'POST', body: '{"schemas":["x"],"userName":"a\\u0000b"}' }), 400, 'invalidSyntax');
    const badUtf8 = Buffer.concat([Buffer.from(`{"schemas":["${USER}"],"userName":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    assertScimError(await scim(a, 'Users', { method: 'POST', body: badUtf8 }), 400, 'invalidSyntax');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: { userName: 'no-schemas' } }), 400, 'invalidSyntax');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: { schemas: [USER] } }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: { schemas: [USER], userName: 'a\nb' } }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: { schemas: [USER], userName: 7 } }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('m'), { emails: [{ value: 'not an email' }] }) }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('m'), { active: 'yes' }) }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('m'), { userType: 'Bot' }) }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('m'), { name: { givenName: 'x'.repeat(200) } }) }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('m'), { userType: 'Patient' }) }), 400, 'invalidValue');
    assertScimError(await scim(a, 'Users', { method: 'POST', body: newUser('x'.repeat(300)) }), 400, 'invalidValue');
    // application/json is accepted as well as application/scim+json
    const plain = await scim(a, 'Users', { method: 'POST', body: newUser(uniqueEmail('json')), type: 'application/json' });
    assert.equal(plain.status, 201, plain.text);
  });

  it('pages: totals, itemsPerPage and startIndex right; count and startIndex bounded', async () => {
    const fc = createFixture('scimc');
    const c = (await adminClient(fc.projectId)).auth;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await create(c, newUser(uniqueEmail(`pg${i}`)))).id);
    const page = async (q) => {
      const r = await scim(c, `Users?${q}`);
      assert.equal(r.status, 200, r.text);
      return r.json;
    };
    const p1 = await page('count=2');
    assert.deepEqual([p1.totalResults, p1.itemsPerPage, p1.startIndex], [5, 2, 1]);
    const p2 = await page('startIndex=3&count=2');
    const p3 = await page('startIndex=5&count=2');
    assert.deepEqual([p3.itemsPerPage, p3.startIndex], [1, 5]);
    assert.deepEqual([...p1.Resources, ...p2.Resources, ...p3.Resources].map((u) => u.id), ids, 'pages in creation order, no repeats');
    assert.equal((await page('startIndex=0&count=1')).startIndex, 1);
    const none = await page('count=-3');
    assert.deepEqual([none.totalResults, none.itemsPerPage, none.Resources.length], [5, 0, 0]);
    assert.equal((await page('count=100000')).itemsPerPage, 5);
    assert.equal((await page('startIndex=99')).Resources.length, 0);
    assertScimError(await scim(c, 'Users?count=abc'), 400, 'invalidValue');
    assertScimError(await scim(c, 'Users?startIndex=1e3'), 400, 'invalidValue');
    assertScimError(await scim(c, 'Users?startIndex=99999999'), 400, 'invalidValue');
    await scim(c, `Users/${ids[0]}`, { method: 'DELETE' });
    assert.equal((await page('count=0')).totalResults, 4, 'a deleted user leaves the total');
  });

  it("keeps the project owner: deactivating or deleting the owner's membership is refused", async () => {
    const fo = createSigninFixture('scimo');
    dbExec('UPDATE project SET owner_user_id = ? WHERE id = ?', [fo.userId, fo.projectId]);
    const o = (await adminClient(fo.projectId)).auth;
    const off = await scim(o, `Users/${fo.membershipId}`, { method: 'PATCH', body: patchOp({ op: 'replace', path: 'active', value: false }) });
    assertScimError(off, 400, 'mutability');
    assertScimError(await scim(o, `Users/${fo.membershipId}`, { method: 'DELETE' }), 400, 'mutability');
    const { tokens } = await signIn(fo);
    assert.equal((await authMe(tokens.access_token)).status, 200, 'the owner signs in as before');
  });

  it('races: one of 8 simultaneous creates of a userName wins, the rest are 409; simultaneous patches never fail', async () => {
    const userName = uniqueEmail('race');
    const results = await Promise.all(Array.from({ length: 8 }, () => scim(a, 'Users', { method: 'POST', body: newUser(userName) })));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409], results.map((r) => r.text).join('\n'));
    const id = results.find((r) => r.status === 201).json.id;
    const patches = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        scim(a, `Users/${id}`, { method: 'PATCH', body: patchOp({ op: 'replace', path: 'active', value: i % 2 === 0 }) }),
      ),
    );
    assert.deepEqual(patches.map((r) => r.status), Array(8).fill(200), patches.map((r) => r.text).join('\n'));
    assert.equal((await scim(a, filter(`userName eq "${userName}"`))).json.totalResults, 1);
  });

  it('serves the discovery documents and answers unknown paths and methods as SCIM errors', async () => {
    const spc = await scim(null, 'ServiceProviderConfig');
    assert.equal(spc.status, 200);
    assert.equal(spc.json.patch.supported, true);
    assert.equal(spc.json.filter.maxResults, 1000);
    assert.equal(spc.json.bulk.supported, false);
    const types = await scim(null, 'ResourceTypes');
    assert.equal(types.json.Resources[0].endpoint, '/Users');
    assert.equal((await scim(null, 'ResourceTypes/User')).json.schema, USER);
    const schemas = await scim(null, 'Schemas');
    assert.ok(schemas.json.Resources[0].attributes.some((x) => x.name === 'userName' && x.uniqueness === 'server'));
    assert.equal((await scim(null, `Schemas/${USER}`)).json.id, USER);
    assertScimError(await scim(null, 'Schemas/urn:nope'), 404);
    assertScimError(await scim(null, 'Groups'), 404);
    assertScimError(await scim(a, 'Users', { method: 'DELETE' }), 405);
    assertScimError(await scim(a, 'Users/x/y'), 405);
  });
});
