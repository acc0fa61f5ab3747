// SPDX-License-Identifier: BSD-2-Clause
// Dynamic client registration (RFC 7591, RFC 7592; PROTOCOL.md §7.6): a project opens it, an
// admin makes initial access tokens, a registration answers client_id, secret and a
// registration access token (both stored as keyed hashes) with which the client reads, replaces
// and deletes its registration. Refusals: no, wrong, expired or spent initial token, the
// project's setting off, http (not loopback), wildcard and fragment redirect URIs, bad
// metadata, another client's registration token. Registered public clients use PKCE S256.
// The operator's commands: tessera-admin client-registration token create|list|revoke and
// project set --client-registration on|off (made tokens register, list hides them, revoke
// refuses them, bad arguments exit 2 with what to do).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import {
  BASE_URL,
  assertOAuthError,
  authLogin,
  basicAuth,
  bearer,
  consentedCode,
  createProject,
  createSigninFixture,
  dbExec,
  dbQuery,
  http,
  keyedHash,
  pkcePair,
  postForm,
  postJson,
  redeemCode,
  refreshGrant,
  signIn,
  tesseraAdmin,
  tesseraAdminResult,
} from './lib.mjs';

let admin; // a project admin: { fx, token }
before(async () => {
  const fx = createSigninFixture('dcr');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  admin = { fx, token: tokens.access_token };
  const s = await postJson(`admin/projects/${fx.projectId}/settings`, { clientRegistration: true }, { Authorization: bearer(admin.token) });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.clientRegistration, true);
});

async function initialToken(body = { uses: '20' }) {
  const r = await postJson(`admin/projects/${admin.fx.projectId}/client-registration-tokens`, body, { Authorization: bearer(admin.token) });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.token, /^[0-9a-f]{64}$/);
  return r.json.token;
}

function register(metadata, token) {
  return postJson('oauth2/register', metadata, token ? { Authorization: bearer(token) } : {});
}

function manage(method, clientId, token, body) {
  return http(`oauth2/register/${clientId}`, {
    method,
    headers: { Authorization: bearer(token), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

const REDIRECT = 'https://app.example.com/dcr/callback';

describe('registration round trip', () => {
  it('discovery names the endpoint', async () => {
    const d = await (await fetch(new URL('.well-known/openid-configuration', BASE_URL))).json();
    assert.equal(d.registration_endpoint, new URL('oauth2/register', BASE_URL).href);
  });

  it('a confidential client: register, get tokens with its method, read, replace, delete', async () => {
    const token = await initialToken();
    const r = await register({ client_name: 'Lab system', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'openid', software_id: 'ignored' }, token);
    assert.equal(r.status, 201, r.text);
    const c = r.json;
    assert.match(c.client_id, /^[0-9a-f-]{36}$/);
    assert.match(c.client_secret, /^[0-9a-f]{64}$/);
    assert.match(c.registration_access_token, /^[0-9a-f]{64}$/);
    assert.equal(c.registration_client_uri, new URL(`oauth2/register/${c.client_id}`, BASE_URL).href);
    assert.equal(c.client_secret_expires_at, 0);
    assert.deepEqual(c.redirect_uris, [REDIRECT]);
    assert.equal(c.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(c.grant_types, ['authorization_code', 'client_credentials']);
    assert.equal(c.software_id, undefined);
    // Stored as keyed hashes only, in the registering project.
    const [[hash, project]] = dbQuery('SELECT HEX(registration_token_hash), project_id FROM client_application WHERE id = ?', [c.client_id]);
    assert.equal(hash, keyedHash(c.registration_access_token).toUpperCase());
    assert.equal(project, admin.fx.projectId);
    assert.equal(dbQuery('SELECT COUNT(*) FROM client_registration_token WHERE token_hash = UNHEX(?)', [keyedHash(token)])[0][0], '1');
    // Its method, and only its method.
    const basic = await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, c.client_secret) });
    assert.equal(basic.status, 200, basic.text);
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret }),
      401, 'invalid_client', 'Client authentication method not allowed');
    // RFC 7592 read: the registration, without secrets.
    const read = await manage('GET', c.client_id, c.registration_access_token);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.json.client_name, 'Lab system');
    assert.equal(read.json.client_secret, undefined);
    assert.equal(read.json.registration_access_token, undefined);
    // Replace: new redirect URIs and name; the method cannot change.
    const put = await manage('PUT', c.client_id, c.registration_access_token,
      { client_id: c.client_id, client_name: 'Lab system 2', redirect_uris: ['https://app.example.com/dcr/other'], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.redirect_uris, ['https://app.example.com/dcr/other']);
    assert.equal(put.json.client_name, 'Lab system 2');
    assertOAuthError(await manage('PUT', c.client_id, c.registration_access_token, { client_id: c.client_id, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
      400, 'invalid_client_metadata', 'token_endpoint_auth_method cannot change');
    assertOAuthError(await manage('PUT', c.client_id, c.registration_access_token, { client_id: randomUUID(), redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_basic' }),
      400, 'invalid_client_metadata', 'client_id must be the registered client\'s');
    // Each change is an audit event of the project, by the client itself.
    const events = dbQuery("SELECT type FROM audit_event WHERE project_id = ? AND entity = ? ORDER BY recorded, type", [admin.fx.projectId, `ClientApplication/${c.client_id}`]);
    assert.deepEqual(events.map((e) => e[0]).sort(), ['client-created', 'client-updated']);
    // Delete: gone, its tokens end, its registration token too.
    const access = basic.json.access_token;
    const del = await manage('DELETE', c.client_id, c.registration_access_token);
    assert.equal(del.status, 204, del.text);
    assert.equal((await http('auth/me', { headers: { Authorization: bearer(access) } })).status, 401);
    assertOAuthError(await manage('GET', c.client_id, c.registration_access_token), 401, 'invalid_token');
    assert.equal((await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, c.client_secret) })).status, 401);
    assert.equal(dbQuery("SELECT COUNT(*) FROM audit_event WHERE entity = ? AND type = 'resource-deleted'", [`ClientApplication/${c.client_id}`])[0][0], '1');
  });

  it('a public client: no secret; its codes need PKCE with S256 (plain and none refused)', async () => {
    const token = await initialToken();
    const r = await register({ redirect_uris: ['http://127.0.0.1:9999/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }, token);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.client_secret, undefined);
    assert.equal(r.json.client_name, 'Registered client');
    const clientId = r.json.client_id;
    assert.deepEqual(dbQuery('SELECT secret_hash IS NULL, pkce_s256 FROM client_application WHERE id = ?', [clientId]), [['1', '1']]);
    const f = admin.fx;
    // Its codes come through the pages, past the consent page (PROTOCOL.md §5.4): S256 works.
    const { code, pkce } = await consentedCode(f, { clientId, redirectUri: 'http://127.0.0.1:9999/cb' });
    const t = await redeemCode(code, { clientId, verifier: pkce.verifier, redirectUri: 'http://127.0.0.1:9999/cb' });
    assert.equal(t.status, 200, t.text);
    // /oauth2/authorize refuses plain and none for this client.
    for (const challenge of [{ code_challenge: pkcePair('plain').challenge, code_challenge_method: 'plain' }, {}]) {
      const a = await http(`oauth2/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'http://127.0.0.1:9999/cb',
        scope: 'openid', state: 's', ...challenge })}`);
      assert.equal(a.status, 302, a.text);
      const loc = new URL(a.headers.get('location'));
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
      assert.equal(loc.searchParams.get('error_description'), 'PKCE with S256 required');
    }
    // A public client has no client_credentials.
    assertOAuthError(await register({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, token),
      400, 'invalid_client_metadata', 'A public client cannot use client_credentials');
  });

  it('a private_key_jwt client registered with its jwks gets tokens with an assertion', async () => {
    const token = await initialToken();
    const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
    const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1' };
    const r = await register({ token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], jwks: { keys: [jwk] } }, token);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.client_secret, undefined);
    const id = r.json.client_id;
    const jwt = await new jose.SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(id).setSubject(id)
      .setAudience(new URL('oauth2/token', BASE_URL).href).setIssuedAt().setExpirationTime('60s').sign(privateKey);
    const g = await postForm('oauth2/token', { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
    assert.equal(g.status, 200, g.text);
  });
});

// PROTOCOL.md §7.6: a registered client uses only the grant types it registered (RFC 7591 §2),
// refresh_token also with authorization_code; others are 400 unauthorized_client (RFC 6749 §5.2).
describe('registered grant types are enforced', () => {
  const refused = (r) => assertOAuthError(r, 400, 'unauthorized_client', 'Client not authorized for this grant type');

  it('authorization_code only: its code and refresh grants work; client_credentials, jwt-bearer, token-exchange do not', async () => {
    const token = await initialToken();
    const r = await register({ redirect_uris: [REDIRECT], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }, token);
    assert.equal(r.status, 201, r.text);
    const c = r.json;
    const auth = { Authorization: basicAuth(c.client_id, c.client_secret) };
    refused(await postForm('oauth2/token', { grant_type: 'client_credentials' }, auth));
    refused(await postForm('oauth2/token', { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'a.b.c' }, auth));
    const exchange = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'upstream',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' };
    refused(await postForm('oauth2/token', exchange, auth));
    // Without its credentials a confidential client is told only to authenticate (§7.2.4).
    assertOAuthError(await postForm('oauth2/token', { ...exchange, client_id: c.client_id }), 401, 'invalid_client', 'Client authentication required');
    // A stranger without the secret still learns nothing but invalid_client.
    assert.equal((await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, 'wrong') })).status, 401);
    const f = admin.fx;
    const { code, pkce } = await consentedCode(f, { clientId: c.client_id, redirectUri: REDIRECT, scope: 'openid offline' });
    const t = await redeemCode(code, { verifier: pkce.verifier, headers: auth, redirectUri: REDIRECT });
    assert.equal(t.status, 200, t.text);
    assert.ok(t.json.refresh_token, t.text);
    const fresh = await refreshGrant(t.json.refresh_token, { headers: auth });
    assert.equal(fresh.status, 200, fresh.text);
  });

  it('a client that drops authorization_code by RFC 7592 replacement: its refresh token is refused from then on', async () => {
    const token = await initialToken();
    const r = await register({ redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic' }, token);
    assert.equal(r.status, 201, r.text);
    const c = r.json;
    const auth = { Authorization: basicAuth(c.client_id, c.client_secret) };
    const f = admin.fx;
    const { code, pkce } = await consentedCode(f, { clientId: c.client_id, redirectUri: REDIRECT, scope: 'openid offline' });
    const t = await redeemCode(code, { verifier: pkce.verifier, headers: auth, redirectUri: REDIRECT });
    assert.equal(t.status, 200, t.text);
    const put = await manage('PUT', c.client_id, c.registration_access_token, { client_id: c.client_id,
      grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal(put.status, 200, put.text);
    refused(await refreshGrant(t.json.refresh_token, { headers: auth }));
    assert.equal((await postForm('oauth2/token', { grant_type: 'client_credentials' }, auth)).status, 200);
  });

  it('client_credentials only: no code is given, and one given before it dropped authorization_code is not redeemed', async () => {
    const token = await initialToken();
    const meta = { redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'], token_endpoint_auth_method: 'client_secret_post' };
    const r = await register(meta, token);
    assert.equal(r.status, 201, r.text);
    const c = r.json;
    const f = admin.fx;
    const { code, pkce } = await consentedCode(f, { clientId: c.client_id, redirectUri: REDIRECT });
    const put = await manage('PUT', c.client_id, c.registration_access_token, { ...meta, client_id: c.client_id, grant_types: ['client_credentials'] });
    assert.equal(put.status, 200, put.text);
    refused(await redeemCode(code, { clientId: c.client_id, verifier: pkce.verifier, redirectUri: REDIRECT, extra: { client_secret: c.client_secret } }));
    const again = await authLogin({ email: f.email, password: f.password, clientId: c.client_id, pkce: pkcePair(), scope: 'openid' });
    assert.equal(again.status, 400, again.text);
    assert.equal(again.json.issue[0].details.text, 'Client not authorized for this grant type');
  });
});

describe('refusals', () => {
  it('no initial token, a wrong one, an expired one, a spent one: 401 invalid_token with a Bearer challenge', async () => {
    const meta = { redirect_uris: [REDIRECT] };
    const none = await register(meta);
    assertOAuthError(none, 401, 'invalid_token', 'Initial access token required');
    assert.match(none.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
    assertOAuthError(await register(meta, 'f'.repeat(64)), 401, 'invalid_token', 'Invalid initial access token');
    assertOAuthError(await register(meta, admin.token), 401, 'invalid_token', 'Invalid initial access token');
    const once = await initialToken({ uses: '1' });
    assert.equal((await register(meta, once)).status, 201);
    assertOAuthError(await register(meta, once), 401, 'invalid_token', 'Invalid initial access token');
    const old = await initialToken();
    dbExec('UPDATE client_registration_token SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE token_hash = UNHEX(?)', [keyedHash(old)]);
    assertOAuthError(await register(meta, old), 401, 'invalid_token', 'Invalid initial access token');
  });

  it("a project whose setting is off refuses its own tokens; a refused registration spends nothing it should not", async () => {
    const f = createSigninFixture('dcr-off');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [f.membershipId]);
    const { tokens } = await signIn(f);
    const t = await postJson(`admin/projects/${f.projectId}/client-registration-tokens`, { uses: '1' }, { Authorization: bearer(tokens.access_token) });
    assert.equal(t.status, 201, t.text);
    assertOAuthError(await register({ redirect_uris: [REDIRECT] }, t.json.token), 403, 'access_denied', 'Client registration is not enabled for this project');
    // The refused attempt rolled back: turned on, the single-use token still works.
    dbExec('UPDATE project SET client_registration = TRUE WHERE id = ?', [f.projectId]);
    assert.equal((await register({ redirect_uris: [REDIRECT] }, t.json.token)).status, 201);
    // A member who is not an admin cannot make tokens.
    const other = createSigninFixture('dcr-member');
    const m = await signIn(other);
    assert.equal((await postJson(`admin/projects/${f.projectId}/client-registration-tokens`, {}, { Authorization: bearer(m.tokens.access_token) })).status, 403);
  });

  it('redirect URIs: http other than loopback, wildcards, fragments, user info, none at all', async () => {
    const token = await initialToken();
    for (const uri of ['http://app.example.com/cb', 'https://*.example.com/cb', 'https://app.example.com/*', 'https://app.example.com/cb#x',
      'https://user@app.example.com/cb', 'javascript:alert(1)', 'http://127.0.0.1.evil.example/cb', 'http://localhostx/cb', 'https:///cb', 42]) {
      assertOAuthError(await register({ redirect_uris: [uri] }, token), 400, 'invalid_redirect_uri', 'Invalid redirect URI');
    }
    assertOAuthError(await register({}, token), 400, 'invalid_redirect_uri', 'Redirect URI is required');
    assertOAuthError(await register({ redirect_uris: 'https://app.example.com/cb' }, token), 400, 'invalid_redirect_uri', 'Invalid redirect URI');
    for (const uri of ['http://127.0.0.1/cb', 'http://[::1]:8000/cb', 'http://localhost:3000/cb']) {
      const r = await register({ redirect_uris: [uri] }, token);
      assert.equal(r.status, 201, `${uri}: ${r.text}`);
    }
  });

  it('bad metadata: method, grants, response types, keys, name, scope, not JSON', async () => {
    const token = await initialToken();
    const cases = [
      [{ token_endpoint_auth_method: 'tls_client_auth' }, 'Unsupported token_endpoint_auth_method'],
      [{ grant_types: ['implicit'] }, 'Unsupported grant_types'],
      [{ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }, 'Unsupported grant_types'],
      [{ response_types: ['token'] }, 'Unsupported response_types'],
      [{ token_endpoint_auth_method: 'private_key_jwt' }, 'private_key_jwt needs jwks or jwks_uri'],
      [{ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', d: 'x' }] } }, 'Invalid jwks: private key'],
      [{ jwks_uri: 'http://keys.example.com/jwks' }, 'Invalid jwks_uri'],
      [{ jwks: { keys: [] }, jwks_uri: 'https://keys.example.com/jwks' }, 'jwks and jwks_uri are exclusive'],
      [{ client_name: 'x'.repeat(300) }, 'Invalid client_name'],
      [{ scope: 'openid  profile' }, 'Invalid scope'],
    ];
    for (const [extra, text] of cases)
      assertOAuthError(await register({ redirect_uris: [REDIRECT], ...extra }, token), 400, 'invalid_client_metadata', text);
    const form = await postForm('oauth2/register', { redirect_uris: REDIRECT }, { Authorization: bearer(token) });
    assertOAuthError(form, 400, 'invalid_client_metadata', 'Client metadata must be a JSON object');
    const arr = await postJson('oauth2/register', '[1]', { Authorization: bearer(token) });
    assert.equal(arr.status, 400, arr.text);
    const broken = await postJson('oauth2/register', '{"redirect_uris":', { Authorization: bearer(token) });
    assert.equal(broken.status, 400, broken.text);
  });

  it("another client's registration token, a guessed id, no token: 401 for read, replace and delete", async () => {
    const token = await initialToken();
    const a = (await register({ redirect_uris: [REDIRECT] }, token)).json;
    const b = (await register({ redirect_uris: [REDIRECT] }, token)).json;
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const body = method === 'PUT' ? { client_id: a.client_id, redirect_uris: ['https://evil.example.com/cb'], token_endpoint_auth_method: 'client_secret_basic' } : undefined;
      assertOAuthError(await manage(method, a.client_id, b.registration_access_token, body), 401, 'invalid_token');
      assertOAuthError(await manage(method, a.client_id, token, body), 401, 'invalid_token');
      assertOAuthError(await manage(method, randomUUID(), a.registration_access_token, body), 401, 'invalid_token');
      assertOAuthError(await manage(method, 'not-a-uuid', a.registration_access_token, body), 401, 'invalid_token');
    }
    // A client made by an admin (not registered) cannot be reached with any registration token.
    assertOAuthError(await manage('GET', admin.fx.clientId, a.registration_access_token), 401, 'invalid_token');
    assert.deepEqual((await manage('GET', a.client_id, a.registration_access_token)).json.redirect_uris, [REDIRECT]);
  });
});

describe('tessera-admin client-registration and project set --client-registration', () => {
  const registrationOpen = (projectId) => dbQuery('SELECT client_registration FROM project WHERE id = ?', [projectId])[0][0] === '1';
  const settingsEvents = (projectId) => Number(dbQuery("SELECT COUNT(*) FROM audit_event WHERE project_id = ? AND type = 'settings-updated'", [projectId])[0][0]);

  it('a token the command makes registers a client; list hides it; revoke makes it refused', async () => {
    const projectId = createProject(`dcr-cli-${randomUUID()}`);
    const events = settingsEvents(projectId);
    let r = tesseraAdminResult('client-registration', 'token', 'create', '--project', projectId, '--uses', '3', '--expires-in', '3600');
    assert.equal(r.status, 0, r.stderr);
    const token = r.stdout.match(/^token: ([0-9a-f]{64})$/m)?.[1];
    const id = r.stdout.match(/^id: ([0-9a-f-]{36})$/m)?.[1];
    assert.ok(token && id, r.stdout);
    assert.match(r.stdout, /^uses: 3$/m);
    // Registration is still off for the project: the command says how to open it.
    assert.match(r.stderr, new RegExp(`tessera-admin project set --id ${projectId} --client-registration on`));
    assert.equal(settingsEvents(projectId), events + 1, 'an audit event like the API');
    const stored = dbQuery('SELECT HEX(token_hash), uses_left, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), expires_at) FROM client_registration_token WHERE id = ?', [id])[0];
    assert.equal(stored[0].toLowerCase(), keyedHash(token), 'stored as the keyed hash');
    assert.equal(stored[1], '3');
    assert.ok(Number(stored[2]) > 3500 && Number(stored[2]) <= 3600);
    assertOAuthError(await register({ redirect_uris: [REDIRECT] }, token), 403, 'access_denied', 'Client registration is not enabled for this project');

    r = tesseraAdminResult('project', 'set', '--id', projectId, '--client-registration', 'on');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(registrationOpen(projectId));
    assert.equal(settingsEvents(projectId), events + 2);
    const c = await register({ client_name: 'CLI-made', redirect_uris: [REDIRECT] }, token);
    assert.equal(c.status, 201, c.text);
    assert.equal(dbQuery('SELECT project_id FROM client_application WHERE id = ?', [c.json.client_id])[0][0], projectId);

    r = tesseraAdminResult('client-registration', 'token', 'list', '--project', projectId);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!r.stdout.includes(token), 'list never shows the token');
    assert.ok(!r.stdout.toLowerCase().includes(keyedHash(token)), 'nor its hash');
    assert.match(r.stdout, new RegExp(`^${id}\\tcreated \\S+\\texpires \\S+\\t2 uses left\\tusable$`, 'm'));

    r = tesseraAdminResult('client-registration', 'token', 'revoke', '--id', id);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`registration token ${id} revoked \\(project ${projectId}\\)`));
    assert.equal(settingsEvents(projectId), events + 3);
    assertOAuthError(await register({ redirect_uris: [REDIRECT] }, token), 401, 'invalid_token', 'Invalid initial access token');
    r = tesseraAdminResult('client-registration', 'token', 'revoke', '--id', id);
    assert.equal(r.status, 2, 'revoked twice');
    assert.match(r.stderr, /no registration token .* token list --project ID shows them/);
    assert.equal(tesseraAdminResult('client-registration', 'token', 'list', '--project', projectId).stdout, '');

    r = tesseraAdminResult('project', 'set', '--id', projectId, '--client-registration', 'off');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!registrationOpen(projectId));
  });

  it("list shows only the project's tokens; revoke touches only the named one", async () => {
    const a = createProject(`dcr-cli-a-${randomUUID()}`);
    const b = createProject(`dcr-cli-b-${randomUUID()}`);
    const make = (p) => tesseraAdmin('client-registration', 'token', 'create', '--project', p).match(/^id: (\S+)$/m)[1];
    const [ida, idb] = [make(a), make(b)];
    const listA = tesseraAdmin('client-registration', 'token', 'list', '--project', a);
    assert.ok(listA.includes(ida) && !listA.includes(idb));
    tesseraAdmin('client-registration', 'token', 'revoke', '--id', ida);
    assert.equal(dbQuery('SELECT COUNT(*) FROM client_registration_token WHERE id IN (?, ?)', [ida, idb])[0][0], '1');
    assert.ok(tesseraAdmin('client-registration', 'token', 'list', '--project', b).includes(idb));
  });

  it('bad arguments exit non-zero with a message that says what to do', () => {
    const projectId = admin.fx.projectId;
    const tokens = () => dbQuery('SELECT COUNT(*) FROM client_registration_token WHERE project_id = ?', [projectId])[0][0];
    const before = tokens();
    const cases = [
      [['create'], /--project ID is required/],
      [['create', '--project', 'not-a-uuid'], /no project not-a-uuid \(tessera-admin project list shows the ids\)/],
      [['create', '--project', randomUUID()], /no project .* project list/],
      [['create', '--project', "x' OR '1'='1"], /no project/],
      [['create', '--project', projectId, '--uses', '0'], /--uses takes a whole number from 1 to 1000/],
      [['create', '--project', projectId, '--uses', '1001'], /--uses takes a whole number from 1 to 1000/],
      [['create', '--project', projectId, '--uses', '-5'], /--uses takes a whole number/],
      [['create', '--project', projectId, '--uses', '2x'], /--uses takes a whole number/],
      [['create', '--project', projectId, '--expires-in', '59'], /--expires-in takes a whole number from 60 to 2592000/],
      [['create', '--project', projectId, '--expires-in', '2592001'], /--expires-in takes a whole number/],
      [['create', '--project', projectId, '--expires-in', '99999999999999999999'], /--expires-in takes a whole number/],
      [['create', '--project', projectId, '--uses'], /unexpected argument '--uses'/],
      [['create', '--project', projectId, '--token', 'abc'], /unexpected argument '--token'/],
      [['list'], /--project ID is required/],
      [['revoke'], /--id ID is required/],
      [['revoke', '--id', 'nope'], /no registration token nope/],
      [['revoke', '--id', randomUUID()], /no registration token/],
      [['list', '--project', projectId, '--uses', '2'], /usage: tessera-admin/],
      [['delete', '--id', randomUUID()], /usage: tessera-admin/],
      [[], /usage: tessera-admin/],
    ];
    for (const [args, message] of cases) {
      const r = tesseraAdminResult('client-registration', 'token', ...args);
      assert.equal(r.status, 2, `token ${args.join(' ')}: exit ${r.status} ${r.stderr}`);
      assert.match(r.stderr, message, `token ${args.join(' ')}`);
      assert.equal(r.stdout, '', 'nothing printed as if it worked');
    }
    assert.equal(tesseraAdminResult('client-registration', 'tokens', 'list', '--project', projectId).status, 2);
    assert.equal(tokens(), before, 'no token made');
    for (const [args, message] of [
      [['--id', projectId, '--client-registration', 'yes'], /--client-registration takes on or off/],
      [['--id', projectId, '--client-registration', ''], /--client-registration takes on or off/],
      [['--id', randomUUID(), '--client-registration', 'on'], /no project .* project list/],
      [['--id', projectId], /usage: tessera-admin/],
      [['--id', projectId, '--name', 'x'], /unexpected argument '--name'/],
    ]) {
      const r = tesseraAdminResult('project', 'set', ...args);
      assert.equal(r.status, 2, `project set ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.ok(registrationOpen(projectId), 'the refused switches changed nothing');
  });
});
