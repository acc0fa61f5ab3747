// SPDX-License-Identifier: BSD-2-Clause
// Review 3 (dynamic client registration as it landed, PROTOCOL.md §7.6): a client registers the
// grant types it will use, authorization_code by default, i.e. an app that acts for signed-in
// users. Its membership has no access policy, so a client_credentials token of it reads the
// whole project with no user at all. A registered client must get only the grants it registered:
// client_credentials for one that did not register it is 400 unauthorized_client (RFC 6749 §5.2).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertOAuthError, basicAuth, bearer, http, postForm, registerClient, registrationAdmin,
} from './lib.mjs';

const REDIRECT = 'https://app.example.com/r3/callback';
let admin;

before(async () => {
  admin = await registrationAdmin('r3dcr');
});

const registered = (metadata) => registerClient(admin, metadata);

describe('a registered client gets only the grants it registered', () => {
  it('an app registered for authorization_code gets no client_credentials token (no user, the whole project)', async () => {
    const c = await registered({ client_name: 'Patient app', redirect_uris: [REDIRECT] });
    assert.deepEqual(c.grant_types, ['authorization_code']);
    const r = await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, c.client_secret) });
    assertOAuthError(r, 400, 'unauthorized_client', 'Client not authorized for this grant type');
    // Nor can it add the grant to itself with its registration access token (RFC 7592).
    const put = await http(`oauth2/register/${c.client_id}`, {
      method: 'PUT',
      headers: { Authorization: bearer(c.registration_access_token), 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: c.client_id, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'client_credentials'] }),
    });
    assertOAuthError(put, 400, 'invalid_client_metadata', 'grant_types cannot gain client_credentials');
    assertOAuthError(await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, c.client_secret) }),
      400, 'unauthorized_client', 'Client not authorized for this grant type');
    // Nor does its secret as Basic on the API (that grant's access without a token).
    const basic = await http('fhir/R4/Patient', { headers: { Authorization: basicAuth(c.client_id, c.client_secret) } });
    assert.equal(basic.status, 401, basic.text);
  });

  it('one that registered client_credentials gets its token', async () => {
    const c = await registered({ client_name: 'Lab system', grant_types: ['client_credentials'] });
    const r = await postForm('oauth2/token', { grant_type: 'client_credentials' }, { Authorization: basicAuth(c.client_id, c.client_secret) });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.access_token);
    const basic = await http('fhir/R4/Patient', { headers: { Authorization: basicAuth(c.client_id, c.client_secret) } });
    assert.equal(basic.status, 200, basic.text);
  });
});
