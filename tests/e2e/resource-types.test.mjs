// SPDX-License-Identifier: BSD-2-Clause
// The resource API's remaining types (issue 16, PROTOCOL.md §11.5): User, Bot,
// UserConfiguration, JsonWebKey, and ClientApplication's every field, with the unmodified SDK
// (createResource, readResource, updateResource, deleteResource, searchResources) and raw HTTP.
// Project admins confined to their project, plain members refused, super admins everywhere,
// secrets never in a read or a search, ETag/If-Match 412, bad input answered 4xx with an
// OperationOutcome, and searches filtered and paged by the database (_id, name, email,
// identifier, _count, _offset, _sort, _project, total).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNotFound,
  createSigninFixture,
  dbExec,
  dbQuery,
  http,
  signIn,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';
import { api, member } from './fhir-lib.mjs';

function assertOutcome(r, status) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
}

/** No secret-looking member anywhere in a resource or bundle. */
function assertNoSecrets(value, ...secrets) {
  const text = JSON.stringify(value);
  for (const key of ['passwordHash', 'mfaSecret', 'secret', 'clientSecret', '"d"', '"p"', '"q"', 'password_hash']) {
    assert.ok(!text.includes(key.startsWith('"') ? `${key}:` : `"${key}"`), `${key} in ${text.slice(0, 300)}`);
  }
  for (const s of secrets.filter(Boolean)) assert.ok(!text.includes(s), 'a stored secret came back');
}

let admin, other, plain, su;
before(async () => {
  [admin, other, plain, su] = await Promise.all([
    member('rt-admin', { admin: true }),
    member('rt-other', { admin: true }),
    member('rt-plain'),
    member('rt-super', { superAdmin: true }),
  ]);
});

describe('User', () => {
  it('CRUD through the SDK: scoped to the project, no password, never a hash or MFA secret', async () => {
    const m = admin.medplum;
    const email = uniqueEmail('rt-user');
    const u = await m.createResource({
      resourceType: 'User',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: email.toUpperCase(),
      emailVerified: true, // not taken on the creator's word
      identifier: [{ system: 'https://hr.example.com', value: 'E-1' }],
    });
    assert.equal(u.email, email, 'lower-cased');
    assert.equal(u.meta.project, admin.fx.projectId);
    assert.equal(u.project.reference, `Project/${admin.fx.projectId}`);
    assert.equal(u.emailVerified, false);
    const row = dbQuery('SELECT password_hash, project_id FROM user WHERE id = ?', [u.id])[0];
    assert.deepEqual(row, ['NULL', admin.fx.projectId], 'created without a password');
    // a hash and an MFA secret stored later never come back
    dbExec("UPDATE user SET password_hash = '$7$secret-hash-marker', mfa_secret = 'MFASECRETMARKER' WHERE id = ?", [u.id]);
    const read = await m.readResource('User', u.id);
    assertNoSecrets(read, 'secret-hash-marker', 'MFASECRETMARKER');
    read.firstName = 'Amazing';
    read.email = 'changed@example.com'; // read-only for project admins: kept
    const updated = await m.updateResource(read);
    assert.equal(updated.firstName, 'Amazing');
    assert.equal(updated.email, email);
    assert.notEqual(updated.meta.versionId, u.meta.versionId);
    const found = await m.searchResources('User', { email });
    assert.deepEqual(found.map((x) => x.id), [u.id]);
    assertNoSecrets(found, 'secret-hash-marker', 'MFASECRETMARKER');
    await m.deleteResource('User', u.id);
    assertNotFound(await api(admin.token, 'GET', `User/${u.id}`));
  });

  it('refuses a password hash, an MFA secret, unknown fields, another project and bad shapes (400)', async () => {
    const base = { resourceType: 'User', firstName: 'A', lastName: 'B' };
    for (const extra of [
      { passwordHash: '$2a$10$abc' },
      { mfaSecret: 'JBSWY3DPEHPK3PXP' },
      { admin: true },
      { favouriteColour: 'blue' },
      { email: 'not an email' },
      { firstName: '' },
      { firstName: 'x'.repeat(129) },
      { project: { reference: `Project/${other.fx.projectId}` } },
      { identifier: 'E-1' },
      { emailVerified: 'yes' },
    ]) {
      const r = await api(admin.token, 'POST', 'User', { ...base, ...extra });
      assertOutcome(r, 400);
    }
    assertOutcome(await api(admin.token, 'POST', 'User', { ...base, resourceType: 'Patient' }), 400);
    const email = uniqueEmail('rt-dup');
    assert.equal((await api(admin.token, 'POST', 'User', { ...base, email })).status, 201);
    assertOutcome(await api(admin.token, 'POST', 'User', { ...base, email }), 409);
  });

  it("a project admin reads its members' users but writes only its project's; never another project's", async () => {
    // the admin's own user is server-wide, reached through its membership: read, not written
    const me = await admin.medplum.readResource('User', admin.fx.userId);
    assert.equal(me.email, admin.fx.email);
    assert.equal(me.meta.project, undefined);
    assert.equal((await api(admin.token, 'PUT', `User/${me.id}`, { ...me, firstName: 'X' })).status, 403);
    assert.equal((await api(admin.token, 'DELETE', `User/${me.id}`)).status, 403);
    const mine = await admin.medplum.searchResources('User', { _count: 100 });
    assert.ok(mine.some((x) => x.id === admin.fx.userId));
    assert.ok(!mine.some((x) => x.id === other.fx.userId));
    // another project's users: not found, whatever is asked
    assertNotFound(await api(admin.token, 'GET', `User/${other.fx.userId}`));
    assertNotFound(await api(admin.token, 'PUT', `User/${other.fx.userId}`, { resourceType: 'User', id: other.fx.userId, firstName: 'P', lastName: 'W' }));
    assertNotFound(await api(admin.token, 'DELETE', `User/${other.fx.userId}`));
    const sneaky = await api(admin.token, 'GET', `User?_project=${other.fx.projectId}&email=${encodeURIComponent(other.fx.email)}`);
    assert.equal(sneaky.json.total, 0, '_project is for super admins only');
    // a member of a project is not deleted before its memberships
    const theirs = await other.medplum.createResource({ resourceType: 'User', firstName: 'T', lastName: 'U' });
    assertNotFound(await api(admin.token, 'GET', `User/${theirs.id}`));
  });

  it('a user still a member is not deleted (400); plain members reach no User; super admins every one', async () => {
    const u = await admin.medplum.createResource({ resourceType: 'User', firstName: 'M', lastName: 'N', email: uniqueEmail('rt-mem') });
    const ms = await admin.medplum.createResource({
      resourceType: 'ProjectMembership',
      user: { reference: `User/${u.id}` },
      profile: { reference: `Practitioner/${admin.fx.profileId}` },
    });
    assertOutcome(await api(admin.token, 'DELETE', `User/${u.id}`), 400);
    await admin.medplum.deleteResource('ProjectMembership', ms.id);
    assert.equal((await api(admin.token, 'DELETE', `User/${u.id}`)).status, 200);
    for (const [method, path, body] of [['GET', 'User'], ['GET', `User/${plain.fx.userId}`], ['POST', 'User', { resourceType: 'User', firstName: 'a', lastName: 'b' }]]) {
      assertOutcome(await api(plain.token, method, path, body), 403);
    }
    const theirs = await su.medplum.readResource('User', other.fx.userId);
    assert.equal(theirs.email, other.fx.email);
    const viaProject = await su.medplum.searchResources('User', { _project: other.fx.projectId });
    assert.ok(viaProject.some((x) => x.id === other.fx.userId));
    assert.ok(!viaProject.some((x) => x.id === admin.fx.userId));
  });

  it('search in SQL: name prefix, email, identifier, _id, _count/_offset, _sort, total', async () => {
    const tag = uniqueName('Srch').replace(/[^A-Za-z0-9]/g, '');
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await admin.medplum.createResource({
        resourceType: 'User', firstName: `${tag}${i}`, lastName: 'Lovelace', email: uniqueEmail(`rt-s${i}`),
        identifier: [{ system: 'https://hr.example.com', value: `${tag}-${i}` }],
      }));
    }
    const byName = await api(admin.token, 'GET', `User?name=${tag.toLowerCase()}&_count=2&_sort=-_lastUpdated`);
    assert.equal(byName.status, 200, byName.text);
    assert.equal(byName.json.total, 5);
    assert.deepEqual(byName.json.entry.map((e) => e.resource.id), [made[4].id, made[3].id]);
    const page2 = await api(admin.token, 'GET', `User?name=${tag}&_count=2&_offset=2`);
    assert.deepEqual(page2.json.entry.map((e) => e.resource.id), [made[2].id, made[1].id]);
    const oldest = await api(admin.token, 'GET', `User?name=${tag}&_count=1&_sort=_lastUpdated`);
    assert.equal(oldest.json.entry[0].resource.id, made[0].id);
    const byIdent = await admin.medplum.searchResources('User', { identifier: `https://hr.example.com|${tag}-3` });
    assert.deepEqual(byIdent.map((x) => x.id), [made[3].id]);
    const byValue = await admin.medplum.searchResources('User', { identifier: `${tag}-2` });
    assert.deepEqual(byValue.map((x) => x.id), [made[2].id]);
    const byIds = await api(admin.token, 'GET', `User?_id=${made[0].id},${made[1].id}`);
    assert.equal(byIds.json.total, 2);
    const count0 = await api(admin.token, 'GET', `User?name=${tag}&_count=0`);
    assert.equal(count0.json.total, 5);
    assert.equal(count0.json.entry.length, 0);
    // LIKE's own characters are literal
    const wild = await api(admin.token, 'GET', 'User?name=%25');
    assert.equal(wild.json.total, 0, '% matches nothing');
    const underscore = await api(admin.token, 'GET', 'User?name=_');
    assert.equal(underscore.json.total, 0);
  });
});

describe('Bot', () => {
  it('CRUD through the SDK; the secret once at creation, only its keyed hash stored', async () => {
    const m = admin.medplum;
    const b = await m.createResource({
      resourceType: 'Bot', name: uniqueName('bot'), description: 'd', runtimeVersion: 'vmcontext', timeout: 30,
      sourceCode: { contentType: 'text/typescript', url: 'Binary/123', title: 'index.ts' },
      identifier: [{ system: 'https://bots.example.com', value: 'b1' }],
    });
    assert.match(b.secret, /^[0-9a-f]{64}$/);
    assert.equal(b.meta.project, admin.fx.projectId);
    const hash = dbQuery('SELECT HEX(secret_hash) FROM bot WHERE id = ?', [b.id])[0][0];
    assert.equal(hash.length, 64);
    assert.ok(!hash.toLowerCase().includes(b.secret));
    const read = await m.readResource('Bot', b.id);
    assert.equal(read.secret, undefined);
    assert.equal(read.sourceCode.title, 'index.ts');
    assert.equal(read.timeout, 30);
    // the create's answer sent back: the secret is ignored, never set
    const updated = await m.updateResource({ ...b, description: 'changed', secret: 'attacker-chosen' });
    assert.equal(updated.description, 'changed');
    assert.equal(updated.secret, undefined);
    assert.equal(dbQuery('SELECT HEX(secret_hash) FROM bot WHERE id = ?', [b.id])[0][0], hash);
    const found = await m.searchResources('Bot', { name: b.name });
    assert.deepEqual(found.map((x) => x.id), [b.id]);
    assertNoSecrets(found, b.secret);
    assert.deepEqual((await m.searchResources('Bot', { identifier: 'https://bots.example.com|b1', _project: admin.fx.projectId })).map((x) => x.id), [b.id]);
    // there is no history to leak through: _history is not served
    const hist = await api(admin.token, 'GET', `Bot/${b.id}/_history`);
    assert.ok(hist.status >= 400 && hist.status < 500, `history: ${hist.status}`);
    assert.ok(!hist.text.includes(b.secret));
    await m.deleteResource('Bot', b.id);
    assertNotFound(await api(admin.token, 'GET', `Bot/${b.id}`));
  });

  it('confined to its project; plain members refused; super admins everywhere; bad input 400', async () => {
    const theirs = await other.medplum.createResource({ resourceType: 'Bot', name: uniqueName('their-bot') });
    assertNotFound(await api(admin.token, 'GET', `Bot/${theirs.id}`));
    assertNotFound(await api(admin.token, 'PUT', `Bot/${theirs.id}`, { resourceType: 'Bot', id: theirs.id, name: 'mine' }));
    assertNotFound(await api(admin.token, 'DELETE', `Bot/${theirs.id}`));
    assert.ok(!(await admin.medplum.searchResources('Bot', { _count: 1000 })).some((x) => x.id === theirs.id));
    assertOutcome(await api(plain.token, 'GET', 'Bot'), 403);
    assertOutcome(await api(plain.token, 'POST', 'Bot', { resourceType: 'Bot', name: 'x' }), 403);
    const seen = await su.medplum.readResource('Bot', theirs.id);
    assert.equal(seen.meta.project, other.fx.projectId);
    assert.equal(seen.secret, undefined);
    for (const body of [{ name: '' }, { name: 'x', runtimeVersion: 'docker' }, { name: 'x', timeout: 0 }, { name: 'x', timeout: '5' },
      { name: 'x', code: 'process.exit()' }, { name: 'x', sourceCode: 'inline' }, { name: 'x', description: 'x'.repeat(70000) }]) {
      assertOutcome(await api(admin.token, 'POST', 'Bot', { resourceType: 'Bot', ...body }), 400);
    }
  });
});

describe('UserConfiguration', () => {
  it('CRUD and search by name for project admins; plain members refused; other projects not found', async () => {
    const m = admin.medplum;
    const name = uniqueName('cfg');
    const c = await m.createResource({
      resourceType: 'UserConfiguration', name,
      menu: [{ title: 'Favorites', link: [{ name: 'Patients', target: '/Patient' }] }],
      search: [{ name: 'Active', criteria: 'Patient?active=true' }],
      option: [{ id: 'theme', valueString: 'dark' }],
    });
    assert.equal(c.meta.project, admin.fx.projectId);
    const read = await m.readResource('UserConfiguration', c.id);
    assert.deepEqual(read.menu, c.menu);
    read.option.push({ id: 'compact', valueBoolean: true });
    const updated = await m.updateResource(read);
    assert.equal(updated.option.length, 2);
    assert.deepEqual((await m.searchResources('UserConfiguration', { name })).map((x) => x.id), [c.id]);
    assertNotFound(await api(other.token, 'GET', `UserConfiguration/${c.id}`));
    assertOutcome(await api(plain.token, 'GET', 'UserConfiguration'), 403);
    assertOutcome(await api(plain.token, 'POST', 'UserConfiguration', { resourceType: 'UserConfiguration', name: 'x' }), 403);
    for (const body of [{ menu: 'x' }, { menu: [{ title: { nested: { deep: 1 } } }] }, { option: [1, 2] }, { theme: 'dark' },
      { menu: Array.from({ length: 101 }, () => ({ title: 't' })) }]) {
      assertOutcome(await api(admin.token, 'POST', 'UserConfiguration', { resourceType: 'UserConfiguration', ...body }), 400);
    }
    await m.deleteResource('UserConfiguration', c.id);
    assertNotFound(await api(admin.token, 'GET', `UserConfiguration/${c.id}`));
  });
});

describe('JsonWebKey', () => {
  it('super admins read and search the public parts and status; never the private key; no writes; nobody else', async () => {
    const keys = await su.medplum.searchResources('JsonWebKey', { _count: 50 });
    assert.ok(keys.length >= 1);
    const active = keys.find((k) => k.active);
    assert.ok(active, 'an active key');
    assert.equal(active.use, 'sig');
    assert.ok(active.kty && (active.x || active.n), 'public parts');
    assertNoSecrets(keys);
    const served = await (await http('.well-known/jwks.json')).json;
    const pub = served.keys.find((k) => k.kid === active.id);
    assert.ok(pub, 'the served JWKS has the same key');
    for (const p of ['kty', 'crv', 'x', 'y', 'n', 'e']) assert.equal(active[p], pub[p], p);
    const read = await su.medplum.readResource('JsonWebKey', active.id);
    assert.equal(read.kid, active.id);
    assert.ok(!('d' in read));
    const one = await api(su.token, 'GET', `JsonWebKey?_id=${active.id}`);
    assert.equal(one.json.total, 1);
    assertOutcome(await api(su.token, 'POST', 'JsonWebKey', { resourceType: 'JsonWebKey', kid: 'x', alg: 'ES256' }), 403);
    assertOutcome(await api(su.token, 'PUT', `JsonWebKey/${active.id}`, { ...read, active: false }), 403);
    assertOutcome(await api(su.token, 'DELETE', `JsonWebKey/${active.id}`), 403);
    assert.equal(dbQuery('SELECT active FROM signing_key WHERE id = ?', [active.id])[0][0], '1');
    for (const t of [admin.token, plain.token]) {
      assertOutcome(await api(t, 'GET', 'JsonWebKey'), 403);
      assert.ok([403, 404].includes((await api(t, 'GET', `JsonWebKey/${active.id}`)).status));
    }
  });
});

describe('ClientApplication: every field round-trips', () => {
  it('create, read, update every field; the secret once; identityProvider.clientSecret never', async () => {
    const m = admin.medplum;
    const c = await m.createResource({ resourceType: 'ClientApplication', name: uniqueName('rt-app') });
    assert.match(c.secret, /^[0-9a-f]{64}$/);
    const all = {
      ...c,
      secret: undefined,
      description: 'every field',
      redirectUris: ['https://a.example.com/cb', 'https://b.example.com/cb'],
      launchUri: 'https://a.example.com/launch',
      pkceOptional: true,
      jwksUri: 'https://a.example.com/jwks.json',
      signInForm: { welcomeString: 'Welcome', logo: { url: 'https://a.example.com/logo.png', contentType: 'image/png', title: 'logo' } },
      identityProvider: { authorizeUrl: 'https://idp.example.com/a', tokenUrl: 'https://idp.example.com/t', userInfoUrl: 'https://idp.example.com/u', clientId: 'cid', clientSecret: 'IDP-SECRET-MARKER', usePkce: true },
      allowedOrigin: ['https://a.example.com'],
      defaultScope: ['openid', 'offline_access'],
      accessTokenLifetime: '15m',
      refreshTokenLifetime: '7d',
      tokenEndpointAuthMethod: 'client_secret_post',
    };
    const updated = await m.updateResource(all);
    const read = await m.readResource('ClientApplication', c.id);
    for (const r of [updated, read]) {
      for (const k of ['description', 'redirectUris', 'launchUri', 'pkceOptional', 'jwksUri', 'signInForm', 'allowedOrigin', 'defaultScope',
        'accessTokenLifetime', 'refreshTokenLifetime', 'tokenEndpointAuthMethod']) {
        assert.deepEqual(r[k], all[k], k);
      }
      const { clientSecret, ...idp } = all.identityProvider;
      assert.deepEqual(r.identityProvider, idp);
      assertNoSecrets(r, 'IDP-SECRET-MARKER', c.secret);
    }
    // the identity provider's secret is kept (whatever form it is stored in) and never handed out
    assert.equal(dbQuery('SELECT COUNT(*) FROM client_application WHERE id = ? AND identity_provider IS NOT NULL', [c.id])[0][0], '1');
    const back = await m.updateResource({ ...read, pkceOptional: false, redirectUris: ['https://c.example.com/cb'] });
    assert.equal(back.pkceOptional, false);
    assert.deepEqual(back.redirectUris, ['https://c.example.com/cb']);
    const found = await api(admin.token, 'GET', `ClientApplication?name=${encodeURIComponent(c.name)}`);
    assert.equal(found.json.total, 1);
    assertNoSecrets(found.json, 'IDP-SECRET-MARKER', c.secret);
  });
});

describe('ETags on the new types', () => {
  for (const [type, body] of [
    ['User', () => ({ resourceType: 'User', firstName: 'E', lastName: 'T' })],
    ['Bot', () => ({ resourceType: 'Bot', name: uniqueName('etag-bot') })],
    ['UserConfiguration', () => ({ resourceType: 'UserConfiguration', name: uniqueName('etag-cfg') })],
  ]) {
    it(`${type}: ETag is the versionId; a stale If-Match on update and delete is 412`, async () => {
      const created = await api(admin.token, 'POST', type, body());
      assert.equal(created.status, 201, created.text);
      const v1 = created.json.meta.versionId;
      assert.equal(created.headers.get('etag'), `W/"${v1}"`);
      const { secret, ...fresh } = created.json;
      const ok = await api(admin.token, 'PUT', `${type}/${fresh.id}`, fresh, { 'If-Match': `W/"${v1}"` });
      assert.equal(ok.status, 200, ok.text);
      assertOutcome(await api(admin.token, 'PUT', `${type}/${fresh.id}`, fresh, { 'If-Match': `W/"${v1}"` }), 412);
      assertOutcome(await api(admin.token, 'DELETE', `${type}/${fresh.id}`, undefined, { 'If-Match': `W/"${v1}"` }), 412);
      assert.equal((await api(admin.token, 'DELETE', `${type}/${fresh.id}`, undefined, { 'If-Match': `W/"${ok.json.meta.versionId}"` })).status, 200);
    });
  }
});

describe('bad input on the new types', () => {
  it('wrong resourceType, wrong id, invalid UTF-8, oversized, not JSON: 4xx OperationOutcome, never 5xx', async () => {
    for (const type of ['User', 'Bot', 'UserConfiguration']) {
      assertOutcome(await api(admin.token, 'POST', type, { resourceType: 'Patient', name: 'x' }), 400);
      assertOutcome(await api(admin.token, 'POST', type, { name: 'x' }), 400);
      const bad = Buffer.concat([Buffer.from(`{"resourceType":"${type}","name":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
      const r = await api(admin.token, 'POST', type, bad);
      assert.ok(r.status >= 400 && r.status < 500, `${type} invalid UTF-8: ${r.status}`);
      const big = await api(admin.token, 'POST', type, { resourceType: type, name: 'x'.repeat(2 * 1024 * 1024) });
      assert.ok(big.status >= 400 && big.status < 500, `${type} oversized: ${big.status}`);
      const notJson = await api(admin.token, 'POST', type, '{"resourceType":');
      assert.ok(notJson.status >= 400 && notJson.status < 500, `${type} truncated: ${notJson.status}`);
      assertOutcome(await api(admin.token, 'PUT', `${type}/00000000-0000-4000-8000-000000000000`, { resourceType: type, id: 'other', name: 'x' }), 400);
    }
  });

  it('injection strings and oddities in search parameters are data, never SQL', async () => {
    const before = dbQuery('SELECT COUNT(*) FROM user')[0][0];
    for (const type of ['User', 'Bot', 'UserConfiguration', 'ClientApplication']) {
      for (const q of [
        "name=' OR '1'='1",
        'name=x%27)%20OR%201%3D1%20--%20',
        'email=a@b.c%27%20OR%20%271%27%3D%271',
        'identifier=%22%7D%5D%27%20OR%201%3D1%20--',
        "_id=' OR 1=1 --",
        '_id=%25',
        'name=%5C',
        'identifier=a|b|c',
        'identifier=|x',
      ]) {
        const r = await api(admin.token, 'GET', `${type}?${q}`);
        assert.ok(r.status === 200 || r.status === 400, `${type}?${q}: ${r.status} ${r.text}`);
        if (r.status === 200) assert.equal(r.json.total, 0, `${type}?${q} matched`);
      }
      // _project is a super admin's (a project admin's is ignored): an injection there is data too
      const p = await api(su.token, 'GET', `${type}?_project=${encodeURIComponent("' OR 1=1 --")}`);
      assert.ok(p.status === 200 || p.status === 400, `${type} _project: ${p.status}`);
      if (p.status === 200) assert.equal(p.json.total, 0);
      assertOutcome(await api(admin.token, 'GET', `${type}?_count=1001`), 400);
      assertOutcome(await api(admin.token, 'GET', `${type}?_count=-1`), 400);
      assertOutcome(await api(admin.token, 'GET', `${type}?_offset=abc`), 400);
      assertOutcome(await api(admin.token, 'GET', `${type}?_sort=name;DROP TABLE user`), 400);
    }
    assert.equal(dbQuery('SELECT COUNT(*) FROM user')[0][0] >= before, true);
  });
});

describe('search in SQL on the older types', () => {
  it('Patient: name (any given, family or text, case-insensitive prefix), email telecom, identifier, paging and total', async () => {
    const tag = uniqueName('Pq').replace(/[^A-Za-z0-9]/g, '');
    const made = [];
    for (let i = 0; i < 4; i++) {
      made.push(await admin.medplum.createResource({
        resourceType: 'Patient',
        name: [{ given: ['Ada', `${tag}Mid${i}`], family: `${tag}Fam` }],
        telecom: [{ system: 'email', value: `${tag}.${i}@Example.COM` }],
        identifier: [{ system: 'https://mrn.example.com', value: `${tag}-${i}` }],
      }));
    }
    const byFamily = await api(admin.token, 'GET', `Patient?name=${tag.toLowerCase()}fam&_count=3`);
    assert.equal(byFamily.status, 200, byFamily.text);
    assert.equal(byFamily.json.total, 4);
    assert.deepEqual(byFamily.json.entry.map((e) => e.resource.id), [made[3].id, made[2].id, made[1].id]);
    const bySecondGiven = await admin.medplum.searchResources('Patient', { name: `${tag}mid2` });
    assert.deepEqual(bySecondGiven.map((p) => p.id), [made[2].id]);
    const byEmail = await admin.medplum.searchResources('Patient', { email: `${tag}.1@example.com` });
    assert.deepEqual(byEmail.map((p) => p.id), [made[1].id]);
    const byIdent = await admin.medplum.searchResources('Patient', { identifier: `https://mrn.example.com|${tag}-0` });
    assert.deepEqual(byIdent.map((p) => p.id), [made[0].id]);
    const lastPage = await api(admin.token, 'GET', `Patient?name=${tag}fam&_count=3&_offset=3`);
    assert.equal(lastPage.json.total, 4);
    assert.deepEqual(lastPage.json.entry.map((e) => e.resource.id), [made[0].id]);
    // another project's patients are never found, by any parameter
    const theirs = await api(other.token, 'GET', `Patient?name=${tag}fam`);
    assert.equal(theirs.json.total, 0);
  });

  it('AccessPolicy and ProjectMembership: name and identifier, _count, _offset, _sort; one project only', async () => {
    const tag = uniqueName('apq');
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await admin.medplum.createResource({ resourceType: 'AccessPolicy', name: `${tag}-${i}`, resource: [] }));
    const page = await api(admin.token, 'GET', `AccessPolicy?name=${tag}&_count=2&_sort=_lastUpdated`);
    assert.equal(page.json.total, 3);
    assert.deepEqual(page.json.entry.map((e) => e.resource.id), [made[0].id, made[1].id]);
    assert.equal((await api(other.token, 'GET', `AccessPolicy?name=${tag}`)).json.total, 0);
    const mine = await api(admin.token, 'GET', `ProjectMembership?_id=${admin.fx.membershipId},${other.fx.membershipId}`);
    assert.deepEqual(mine.json.entry.map((e) => e.resource.id), [admin.fx.membershipId]);
    const all = await api(su.token, 'GET', `ProjectMembership?_id=${admin.fx.membershipId},${other.fx.membershipId}`);
    assert.equal(all.json.total, 2, 'a super admin without _project searches every project');
  });
});

describe('search and the caller policy', () => {
  it('a hidden field never decides a match, though SQL could answer it; criteria still confine the page', async () => {
    const fx = createSigninFixture('rt-hidden');
    const policy = await su.medplum.createResource({
      resourceType: 'AccessPolicy', meta: { project: fx.projectId }, name: 'hide-ident',
      resource: [{ resourceType: 'Patient', hiddenFields: ['identifier', 'telecom'] }, { resourceType: 'Practitioner', criteria: 'Practitioner?_id=%profile.id' }],
    });
    dbExec('UPDATE project_membership SET access_policy_id = ? WHERE id = ?', [policy.id, fx.membershipId]);
    const { tokens } = await signIn(fx);
    const tag = uniqueName('hid');
    const p = await su.medplum.createResource({
      resourceType: 'Patient', meta: { project: fx.projectId }, name: [{ family: tag }],
      identifier: [{ system: 'https://mrn.example.com', value: tag }], telecom: [{ system: 'email', value: `${tag}@example.com` }],
    });
    const byName = await api(tokens.access_token, 'GET', `Patient?name=${tag}`);
    assert.equal(byName.json.total, 1, byName.text);
    assert.equal(byName.json.entry[0].resource.identifier, undefined);
    for (const q of [`identifier=${tag}`, `identifier=https://mrn.example.com|${tag}`, `email=${tag}@example.com`]) {
      const r = await api(tokens.access_token, 'GET', `Patient?${q}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.total, 0, `${q}: a hidden field decided a match`);
    }
    // criteria: only the member's own Practitioner, however the page is asked for
    await su.medplum.createResource({ resourceType: 'Practitioner', meta: { project: fx.projectId }, name: [{ family: 'Other' }] });
    const pr = await api(tokens.access_token, 'GET', 'Practitioner?_count=1&_offset=0');
    assert.equal(pr.json.total, 1);
    assert.equal(pr.json.entry[0].resource.id, fx.profileId);
    assert.equal((await api(tokens.access_token, 'GET', 'Practitioner?_count=1&_offset=1')).json.entry.length, 0);
    assert.ok(p.id);
  });
});
