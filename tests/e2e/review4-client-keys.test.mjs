// SPDX-License-Identifier: BSD-2-Clause
// Review 4 (PROTOCOL.md §7.2.5, §7.6, §9.3): a client's public keys are checked when they are
// stored, with the same strength rule jwks_verify applies when it verifies (RSA of at least 2048
// bits, an EC key on its algorithm's curve), not only later when an assertion fails. A private
// key (a JWK with d or another private member) is never stored; nor a malformed key or an
// oversized set. Every entry point: /oauth2/register (POST and PUT), the resource API
// (ClientApplication jwks, POST and PUT), tessera-admin client set --jwks and the admin
// console's client page. Good keys are still accepted everywhere.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  BASE_URL, Browser, assertBadRequest, assertOAuthError, bearer, createSigninFixture, dbExec, dbQuery, decodeHtml, formOf, http,
  initialAccessToken, postForm, postJson, registrationAdmin, tesseraAdminResult,
} from './lib.mjs';

const REDIRECT = 'https://app.example.com/r4keys/callback';

function publicJwk(type, options, extra = {}) {
  const { publicKey } = generateKeyPairSync(type, options);
  return { ...publicKey.export({ format: 'jwk' }), use: 'sig', ...extra };
}
function privateJwk(type, options, extra = {}) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), ...extra };
}

const good = {
  rsa: publicJwk('rsa', { modulusLength: 2048 }, { alg: 'RS256', kid: 'rsa-2048' }),
  ec: publicJwk('ec', { namedCurve: 'P-256' }, { alg: 'ES256', kid: 'ec-p256' }),
  ec384: publicJwk('ec', { namedCurve: 'P-384' }, { kid: 'ec-p384-no-alg' }),
};
const rsa1024 = publicJwk('rsa', { modulusLength: 1024 }, { alg: 'RS256', kid: 'rsa-1024' });
const ecMislabelled = publicJwk('ec', { namedCurve: 'P-256' }, { alg: 'ES384', kid: 'p256-as-es384' });
const ecPrivate = privateJwk('ec', { namedCurve: 'P-256' }, { alg: 'ES256', kid: 'ec-private' });
const rsaPrivate = privateJwk('rsa', { modulusLength: 2048 }, { alg: 'RS256', kid: 'rsa-private' });
const rsaOnlyPrimes = (() => {
  const { n, e, p, q } = privateJwk('rsa', { modulusLength: 2048 });
  return { kty: 'RSA', n, e, p, q, kid: 'rsa-primes' };
})();

// The refusals, by case: [name, key set, text].
const WEAK = 'Invalid jwks: key too weak';
const PRIVATE = 'Invalid jwks: private key';
const MALFORMED = 'Invalid jwks: malformed key';
const TOO_LARGE = 'Invalid jwks: at most 16 keys and 16 KiB';
const refused = [
  ['an RSA key of 1024 bits', { keys: [good.ec, rsa1024] }, WEAK],
  ['an EC P-256 key labelled ES384', { keys: [ecMislabelled] }, WEAK],
  ['an RSA key with the public exponent 1', { keys: [{ ...good.rsa, e: 'AQ', kid: 'e1' }] }, WEAK],
  ['an EC private key (d)', { keys: [ecPrivate] }, PRIVATE],
  ['an RSA private key', { keys: [rsaPrivate] }, PRIVATE],
  ['an RSA key with its primes', { keys: [rsaOnlyPrimes] }, PRIVATE],
  ['an EC point off its curve', { keys: [{ ...good.ec, y: good.ec.x }] }, MALFORMED],
  ['an EC key without x', { keys: [{ kty: 'EC', crv: 'P-256', y: good.ec.y }] }, MALFORMED],
  ['an RSA key without n', { keys: [{ kty: 'RSA', e: 'AQAB' }] }, MALFORMED],
  ['an RSA key whose n is not base64url', { keys: [{ ...good.rsa, n: '!!not base64!!' }] }, MALFORMED],
  ['an EC key labelled RS256', { keys: [{ ...good.ec, alg: 'RS256' }] }, MALFORMED],
  ['a key labelled HS256', { keys: [{ ...good.rsa, alg: 'HS256' }] }, MALFORMED],
  ['a key of an unknown curve', { keys: [{ ...good.ec, crv: 'P-192', alg: undefined }] }, MALFORMED],
  // Texts on which cjose asserts and aborts the process (tests/fuzz/fuzz_jwks): a clean 400 instead.
  ['an EC key whose x is "a==="', { keys: [{ ...good.ec, x: 'a===' }] }, MALFORMED],
  ['an RSA key whose n ends "abcde="', { keys: [{ ...good.rsa, n: 'abcde=' }] }, MALFORMED],
  ['17 keys', { keys: Array.from({ length: 17 }, (_, i) => ({ ...good.ec, kid: `k${i}` })) }, TOO_LARGE],
  ['more than 16 KiB', { keys: Array.from({ length: 3 }, (_, i) => ({ ...good.rsa, kid: `k${i}`, note: 'x'.repeat(6000) })) }, TOO_LARGE],
];
const goodSet = { keys: [good.rsa, good.ec, good.ec384] };

let admin;
before(async () => {
  admin = await registrationAdmin('r4keys');
});

function storedKids(clientId) {
  const row = dbQuery('SELECT COALESCE(jwks, \'\') FROM client_application WHERE id = ?', [clientId])[0];
  return row?.[0] ? JSON.parse(row[0]).keys.map((k) => k.kid) : [];
}

describe('/oauth2/register (RFC 7591 invalid_client_metadata)', () => {
  const meta = (jwks) => ({ client_name: 'Keys', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'private_key_jwt', jwks });

  it('refuses weak, private, malformed and oversized keys; accepts good ones', async () => {
    const token = await initialAccessToken(admin, { uses: '100' });
    for (const [name, jwks, text] of refused) {
      const r = await postJson('oauth2/register', meta(jwks), { Authorization: bearer(token) });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assertOAuthError(r, 400, 'invalid_client_metadata', text);
    }
    const ok = await postJson('oauth2/register', meta(goodSet), { Authorization: bearer(token) });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(storedKids(ok.json.client_id), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
    // PUT (RFC 7592) is held to the same check; the stored keys stay.
    for (const [name, jwks, text] of refused) {
      const r = await http(`oauth2/register/${ok.json.client_id}`, {
        method: 'PUT',
        headers: { Authorization: bearer(ok.json.registration_access_token), 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...meta(jwks), client_id: ok.json.client_id }),
      });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assertOAuthError(r, 400, 'invalid_client_metadata', text);
    }
    assert.deepEqual(storedKids(ok.json.client_id), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
  });
});

describe('the resource API (ClientApplication jwks)', () => {
  const api = (method, path, body) => http(`fhir/R4/${path}`, {
    method, headers: { ...admin.headers, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body),
  });
  const client = (jwks) => ({ resourceType: 'ClientApplication', name: 'Keys', tokenEndpointAuthMethod: 'private_key_jwt', jwks });

  it('refuses them on create and on update with a 400 OperationOutcome; good keys are stored', async () => {
    for (const [name, jwks, text] of refused) {
      const r = await api('POST', 'ClientApplication', client(jwks));
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assertBadRequest(r, text);
      assert.equal(r.json.issue[0].expression?.[0], 'jwks', r.text);
    }
    const ok = await api('POST', 'ClientApplication', client(goodSet));
    assert.equal(ok.status, 201, ok.text);
    for (const [name, jwks, text] of refused) {
      const r = await api('PUT', `ClientApplication/${ok.json.id}`, { ...client(jwks), id: ok.json.id });
      assert.equal(r.status, 400, `${name}: ${r.text}`);
      assertBadRequest(r, text);
    }
    assert.deepEqual(storedKids(ok.json.id), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
  });
});

describe('tessera-admin client set --jwks', () => {
  it('exits non-zero with the reason and changes nothing; good keys are set', () => {
    const fx = createSigninFixture('r4keys-cli');
    const set = tesseraAdminResult('client', 'set', '--id', fx.clientId, '--jwks', JSON.stringify(goodSet));
    assert.equal(set.status, 0, set.stderr);
    for (const [name, jwks, text] of refused) {
      const r = tesseraAdminResult('client', 'set', '--id', fx.clientId, '--jwks', JSON.stringify(jwks));
      assert.notEqual(r.status, 0, name);
      assert.ok(r.stderr.includes(text), `${name}: ${r.stderr}`);
    }
    const bad = tesseraAdminResult('client', 'set', '--id', fx.clientId, '--jwks', '{not json');
    assert.notEqual(bad.status, 0);
    assert.deepEqual(storedKids(fx.clientId), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
  });
});

describe('the admin console client page', () => {
  async function consolePage(fx) {
    const b = new Browser();
    const signin = formOf((await b.get('signin')).text);
    const s = await b.post(signin.action, { ...signin.fields, email: fx.email, password: fx.password });
    assert.equal(s.status, 303, s.text);
    const path = `manage/projects/${fx.projectId}/clients/${fx.clientId}`;
    return { b, path };
  }

  it('shows the key set; refuses bad sets beside the field and stores nothing; stores good ones', async () => {
    const fx = createSigninFixture('r4keys-page');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const { b, path } = await consolePage(fx);
    const save = async (jwks) => {
      const page = await b.get(path);
      assert.equal(page.status, 200, page.text);
      assert.match(page.text, /<textarea id="jwks" name="jwks"/);
      const form = formOf(page.text);
      return b.post(new URL(path, BASE_URL).href, { ...form.fields, name: 'Keys page', tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: typeof jwks === 'string' ? jwks : JSON.stringify(jwks) });
    };
    for (const [name, jwks, text] of refused) {
      const r = await save(jwks);
      if (name === 'more than 16 KiB') { // past the page's own field limit (max_field, 8 KiB) first
        assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status}`);
        continue;
      }
      assert.equal(r.status, 400, `${name}: ${r.text.slice(0, 300)}`);
      assert.ok(r.text.includes(text), `${name}: the form says why`);
      assert.match(r.text, /<textarea id="jwks" name="jwks"[^>]*aria-invalid="true"/);
      // A private key typed in is not sent back in the page.
      for (const k of jwks.keys) if (text === PRIVATE && k.d) assert.ok(!r.text.includes(k.d), `${name}: the private key is not echoed`);
    }
    const notJson = await save('{"keys": [');
    assert.equal(notJson.status, 400);
    assert.match(notJson.text, /not valid JSON/);
    assert.deepEqual(storedKids(fx.clientId), []);
    const ok = await save(goodSet);
    assert.equal(ok.status, 303, ok.text);
    assert.deepEqual(storedKids(fx.clientId), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
    const shown = await b.get(path);
    assert.ok(shown.text.includes('rsa-2048'), 'the stored keys are shown');
    // Saved again without touching the field: the keys stay; emptied: they go (and the method
    // needs a key set or URL then).
    const again = formOf(shown.text);
    const kept = await b.post(new URL(path, BASE_URL).href, { ...again.fields, name: 'Keys page', tokenEndpointAuthMethod: 'none',
      jwks: decodeHtml(shown.text.match(/<textarea id="jwks" name="jwks"[^>]*>([^<]*)<\/textarea>/)[1]) });
    assert.equal(kept.status, 303, kept.text);
    assert.deepEqual(storedKids(fx.clientId), ['rsa-2048', 'ec-p256', 'ec-p384-no-alg']);
  });
});

describe('client assertions cjose would abort on (tests/fuzz/fuzz_jwks)', () => {
  it("a private_key_jwt client's assertion with padding inside a part: 401 invalid_client, and the server carries on", async () => {
    const fx = createSigninFixture('r4abort');
    const set = tesseraAdminResult('client', 'set', '--id', fx.clientId, '--token-endpoint-auth-method', 'private_key_jwt',
      '--jwks', JSON.stringify({ keys: [good.ec] }));
    assert.equal(set.status, 0, set.stderr);
    const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = b64({ iss: fx.clientId, sub: fx.clientId, aud: new URL('oauth2/token', BASE_URL).href,
      exp: Math.floor(Date.now() / 1000) + 60, jti: `abort-${Date.now()}` });
    const header = b64({ alg: 'ES256', kid: 'ec-p256' });
    for (const assertion of [`${header.slice(0, 13)}=${header.slice(14)}.${claims}.AAAA`, `a===.${claims}.AAAA`,
      `${header}.${claims}.a===`, `${header}.${claims}.abcde=`]) {
      const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      assertOAuthError(r, 401, 'invalid_client');
    }
    assert.equal((await http('healthz')).status, 200);
  });
});
