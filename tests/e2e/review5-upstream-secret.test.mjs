// SPDX-License-Identifier: BSD-2-Clause
// Review 5: an upstream identity provider's sealed clientSecret followed a changed endpoint. The
// secret is never handed out, and an update that omits it keeps the stored one — so whoever could
// edit the identityProvider (any project admin of the client's project; a super admin for a domain)
// could point tokenUrl at a server of their own, omit clientSecret, start a sign-in, and receive the
// secret another admin had entered, in the Basic header or the form of the code redemption.
// PROTOCOL.md §12.2: the stored secret is kept only while tokenUrl's origin (scheme, host, port) stays
// the same; otherwise the update must carry clientSecret again (400 "clientSecret is required when
// tokenUrl changes", nothing written). Every write path: the resource API (ClientApplication,
// DomainConfiguration), the console's client and domain pages, tessera-admin client/domain set.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import {
  ADMIN, CONFIG, dbQuery, http, openIdpSecret, pkcePair, setCookies, uniqueName,
} from './lib.mjs';
import { CALLBACK, setClientIdp, setDomainIdp, startFakeIdp } from './idp-lib.mjs';
import { api, member } from './fhir-lib.mjs';
import { skip, submit } from './browser-lib.mjs';
import { fixture, pageUrl, signedIn } from './console-lib.mjs';
import { BASE_URL, createClient } from './lib.mjs';

const REQUIRED = 'clientSecret is required when tokenUrl changes';
const APP = 'https://app.example.com/cb';

let good; // the IdP the secret belongs to
let evil; // a server of the editor's own
let admin; // a project admin (resource API)
let sup; // a super admin (DomainConfiguration)

before(async () => {
  good = await startFakeIdp();
  evil = await startFakeIdp();
  admin = await member('r5-idp', { admin: true });
  sup = await member('r5-sup', { admin: true, superAdmin: true });
});
after(async () => {
  await good?.close();
  await evil?.close();
});

const idpOf = (server, extra = {}) => ({
  authorizeUrl: `${server.issuer}/authorize`, tokenUrl: `${server.issuer}/token`, issuer: server.issuer,
  clientId: 'tessera-at-idp', ...extra,
});

function storedClientIdp(id) {
  return JSON.parse(dbQuery('SELECT identity_provider FROM client_application WHERE id = ?', [id])[0][0]);
}
function storedDomainIdp(domain) {
  return JSON.parse(dbQuery('SELECT identity_provider FROM domain_configuration WHERE domain = ?', [domain])[0][0]);
}

/** No request that reached `server` carried `secret`, in a header or in its body. */
function assertNeverSent(server, secret) {
  for (const r of server.state.requests) {
    const basic = (r.headers.authorization ?? '').replace(/^Basic /, '');
    const opened = Buffer.from(basic, 'base64').toString('utf8');
    const all = `${JSON.stringify(r.headers)} ${opened} ${decodeURIComponent(r.body)} ${r.body}`;
    assert.ok(!all.includes(secret), `the secret reached ${server.issuer}${r.path}`);
  }
}

/** A 400 OperationOutcome with the rule's text. */
function assertRequired(r) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
  assert.equal(r.json.issue[0].details.text, REQUIRED, r.text);
}

/** A new client of the admin's project whose provider is `good` with this secret: { id }. */
async function clientWithSecret(secret) {
  const r = await api(admin.token, 'POST', 'ClientApplication', { resourceType: 'ClientApplication', name: uniqueName('r5-app'),
    redirectUris: [APP], identityProvider: idpOf(good, { clientSecret: secret }) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** PUT of the client read back with its identityProvider replaced. */
async function putClientIdp(id, idp) {
  const read = await api(admin.token, 'GET', `ClientApplication/${id}`);
  assert.equal(read.status, 200, read.text);
  const body = { ...read.json, identityProvider: idp };
  delete body.meta;
  return api(admin.token, 'PUT', `ClientApplication/${id}`, body);
}

/** A sign-in through the client's identity provider, as far as the code redemption. */
async function clientTrip(clientId) {
  const pkce = pkcePair();
  const state = { clientId, redirectUri: APP, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' };
  const start = await http(`auth/external/authorize?state=${encodeURIComponent(JSON.stringify(state))}`);
  assert.equal(start.status, 302, start.text);
  return follow(start);
}
async function domainTrip(domain) {
  const start = await http(`auth/external/authorize?domain=${domain}`);
  assert.equal(start.status, 302, start.text);
  return follow(start);
}
async function follow(start) {
  const cookie = setCookies(start.headers).find((c) => c.startsWith('tessera-external=')).split(';')[0];
  const back = await fetch(start.headers.get('location'), { redirect: 'manual' });
  const callback = back.headers.get('location');
  assert.ok(callback?.startsWith(CALLBACK), callback);
  return http(callback, { headers: { Cookie: cookie } });
}

describe('ClientApplication.identityProvider through the resource API (§12.2)', () => {
  it('another host in tokenUrl without clientSecret: 400, nothing written, the secret never sent there', async () => {
    const secret = `upstream-${randomUUID()}`;
    const c = await clientWithSecret(secret);
    const before = storedClientIdp(c.id);
    // The attack: keep authorizeUrl (the real IdP still answers with a code), move tokenUrl.
    const r = await putClientIdp(c.id, idpOf(good, { tokenUrl: `${evil.issuer}/token` }));
    assertRequired(r);
    assert.deepEqual(storedClientIdp(c.id), before, 'nothing written');
    assert.equal(openIdpSecret(before.clientSecretSealed), secret);
    await clientTrip(c.id);
    assertNeverSent(evil, secret);
    // The same with the whole provider moved, and with the attacker's userinfo@ trick.
    assertRequired(await putClientIdp(c.id, idpOf(evil)));
    const [host, port] = [new URL(good.issuer).hostname, new URL(good.issuer).port];
    assertRequired(await putClientIdp(c.id, idpOf(good, { tokenUrl: `http://${host}:${port}@127.0.0.2:${new URL(evil.issuer).port}/token` })));
    assertRequired(await putClientIdp(c.id, idpOf(good, { tokenUrl: `https://${host}:${port}/token` })));
    assertRequired(await putClientIdp(c.id, idpOf(good, { tokenUrl: undefined })));
    assert.deepEqual(storedClientIdp(c.id), before, 'nothing written');
  });

  it('a moved tokenUrl with clientSecret again is accepted and stores the new secret', async () => {
    const c = await clientWithSecret(`upstream-${randomUUID()}`);
    const fresh = `fresh-${randomUUID()}`;
    const r = await putClientIdp(c.id, idpOf(evil, { clientSecret: fresh }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.identityProvider.clientSecret, undefined);
    const stored = storedClientIdp(c.id);
    assert.equal(stored.tokenUrl, `${evil.issuer}/token`);
    assert.equal(openIdpSecret(stored.clientSecretSealed), fresh);
  });

  it('the same origin (another path, case, the default port spelled out) keeps the stored secret', async () => {
    const secret = `upstream-${randomUUID()}`;
    const c = await clientWithSecret(secret);
    const u = new URL(good.issuer);
    for (const tokenUrl of [`${good.issuer}/oauth2/v2/token`, `HTTP://${u.hostname}:${u.port}/token?x=1`]) {
      const r = await putClientIdp(c.id, idpOf(good, { tokenUrl }));
      assert.equal(r.status, 200, r.text);
      const stored = storedClientIdp(c.id);
      assert.equal(stored.tokenUrl, tokenUrl);
      assert.equal(openIdpSecret(stored.clientSecretSealed), secret, 'kept');
    }
    // Other members may move freely: the secret is only sent to tokenUrl.
    const r = await putClientIdp(c.id, idpOf(good, { authorizeUrl: 'https://elsewhere.example.com/a', userInfoUrl: 'https://elsewhere.example.com/u' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(openIdpSecret(storedClientIdp(c.id).clientSecretSealed), secret);
    // :443 is https's own port.
    const d = await clientWithSecret(secret);
    assert.equal((await putClientIdp(d.id, idpOf(good, { tokenUrl: 'https://idp.example.com/t', clientSecret: secret }))).status, 200);
    assert.equal((await putClientIdp(d.id, idpOf(good, { tokenUrl: 'https://IDP.example.com:443/other' }))).status, 200);
    assertRequired(await putClientIdp(d.id, idpOf(good, { tokenUrl: 'https://idp.example.com:8443/t' })));
    assertRequired(await putClientIdp(d.id, idpOf(good, { tokenUrl: 'http://idp.example.com/t' })));
  });

  it('a provider that had no secret may move without one', async () => {
    const r = await api(admin.token, 'POST', 'ClientApplication', { resourceType: 'ClientApplication', name: uniqueName('r5-nosecret'),
      redirectUris: [APP], identityProvider: idpOf(good) });
    assert.equal(r.status, 201, r.text);
    const moved = await putClientIdp(r.json.id, idpOf(evil));
    assert.equal(moved.status, 200, moved.text);
    assert.equal(storedClientIdp(r.json.id).clientSecretSealed, undefined);
  });
});

describe('DomainConfiguration.identityProvider through the resource API (§12.2)', () => {
  it('a moved tokenUrl without clientSecret is refused; with it, accepted', async () => {
    const domain = `r5${randomUUID().slice(0, 8)}.example.org`;
    const secret = `upstream-${randomUUID()}`;
    const made = await api(sup.token, 'POST', 'DomainConfiguration', { resourceType: 'DomainConfiguration', domain,
      identityProvider: idpOf(good, { clientSecret: secret }) });
    assert.equal(made.status, 201, made.text);
    const before = storedDomainIdp(domain);
    const put = (idp) => api(sup.token, 'PUT', `DomainConfiguration/${made.json.id}`, { resourceType: 'DomainConfiguration', id: made.json.id, domain, identityProvider: idp });
    assertRequired(await put(idpOf(good, { tokenUrl: `${evil.issuer}/token` })));
    assert.deepEqual(storedDomainIdp(domain), before);
    await domainTrip(domain);
    assertNeverSent(evil, secret);
    let r = await put(idpOf(good, { tokenUrl: `${good.issuer}/token2` }));
    assert.equal(r.status, 200, r.text);
    assert.equal(openIdpSecret(storedDomainIdp(domain).clientSecretSealed), secret);
    r = await put(idpOf(evil, { clientSecret: 'fresh' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(openIdpSecret(storedDomainIdp(domain).clientSecretSealed), 'fresh');
  });
});

describe('tessera-admin client set / domain set (§12.2)', () => {
  const run = (idp, ...args) => spawnSync(ADMIN, args, { input: JSON.stringify(idp), encoding: 'utf8',
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_'))), TESSERA_CONFIG: CONFIG } });

  it('client set: refused (status 2, the rule on stderr) and nothing written; accepted with the secret', async () => {
    const secret = `upstream-${randomUUID()}`;
    const c = await clientWithSecret(secret);
    const before = storedClientIdp(c.id);
    const r = run(idpOf(evil), 'client', 'set', '--id', c.id, '--identity-provider', '-');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(REQUIRED));
    assert.deepEqual(storedClientIdp(c.id), before);
    setClientIdp(c.id, idpOf(good, { tokenUrl: `${good.issuer}/v2/token` }));
    assert.equal(openIdpSecret(storedClientIdp(c.id).clientSecretSealed), secret);
    setClientIdp(c.id, idpOf(evil, { clientSecret: 'fresh' }));
    assert.equal(openIdpSecret(storedClientIdp(c.id).clientSecretSealed), 'fresh');
  });

  it('domain set: refused (status 2) and nothing written; accepted with the secret', () => {
    const domain = `r5${randomUUID().slice(0, 8)}.example.org`;
    const secret = `upstream-${randomUUID()}`;
    setDomainIdp(domain, idpOf(good, { clientSecret: secret }));
    const before = storedDomainIdp(domain);
    const r = run(idpOf(good, { tokenUrl: `${evil.issuer}/token` }), 'domain', 'set', '--domain', domain, '--identity-provider', '-');
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(REQUIRED));
    assert.deepEqual(storedDomainIdp(domain), before);
    setDomainIdp(domain, idpOf(good, { tokenUrl: `${good.issuer}/elsewhere` }));
    assert.equal(openIdpSecret(storedDomainIdp(domain).clientSecretSealed), secret);
    setDomainIdp(domain, idpOf(evil, { clientSecret: 'fresh' }));
    assert.equal(openIdpSecret(storedDomainIdp(domain).clientSecretSealed), 'fresh');
  });
});

describe('the console\'s client and domain pages (§12.2, JavaScript off)', { skip }, () => {
  it('a client page saved with another token host and an empty secret shows the rule and keeps the secret', async () => {
    const fx = fixture('r5c');
    const client = createClient(fx.projectId, 'Upstream app');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, `clients/${client.id}`));
      await page.getByLabel('Authorize URL').fill(`${good.issuer}/authorize`);
      await page.getByLabel('Token URL', { exact: true }).fill(`${good.issuer}/token`);
      await page.getByLabel('Client id at the provider').fill('tessera-at-idp');
      await page.getByLabel(/^Client secret at the provider/).fill('console-secret');
      await submit(page, 'button', 'Save client');
      assert.match(await page.locator('[role=status]').innerText(), /The client was saved/);
      const before = storedClientIdp(client.id);
      await page.getByLabel('Token URL', { exact: true }).fill(`${evil.issuer}/token`);
      await submit(page, 'button', 'Save client');
      assert.equal(await page.locator('#form-error').innerText(), REQUIRED);
      assert.deepEqual(storedClientIdp(client.id), before);
      await page.getByLabel(/^Client secret at the provider/).fill('console-secret-2');
      await submit(page, 'button', 'Save client');
      assert.match(await page.locator('[role=status]').innerText(), /The client was saved/);
      assert.equal(openIdpSecret(storedClientIdp(client.id).clientSecretSealed), 'console-secret-2');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a domain page saved with another token host and an empty secret shows the rule and keeps the secret', async () => {
    const fx = fixture('r5d', { superAdmin: true });
    const domain = `r5${randomUUID().slice(0, 8)}.example.org`;
    setDomainIdp(domain, idpOf(good, { clientSecret: 'domain-secret' }));
    const id = dbQuery('SELECT id FROM domain_configuration WHERE domain = ?', [domain])[0][0];
    const before = storedDomainIdp(domain);
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await page.goto(new URL(`manage/super/domains/${id}`, BASE_URL).href);
      await page.getByLabel('Token URL', { exact: true }).fill(`${evil.issuer}/token`);
      await submit(page, 'button', 'Save email domain');
      assert.equal(await page.locator('#form-error').innerText(), REQUIRED);
      assert.deepEqual(storedDomainIdp(domain), before);
      await page.getByLabel('Token URL', { exact: true }).fill(`${good.issuer}/token/v2`);
      await submit(page, 'button', 'Save email domain');
      assert.match(await page.locator('[role=status]').innerText(), /was saved/);
      assert.equal(openIdpSecret(storedDomainIdp(domain).clientSecretSealed), 'domain-secret');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
