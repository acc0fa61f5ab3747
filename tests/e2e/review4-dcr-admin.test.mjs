// SPDX-License-Identifier: BSD-2-Clause
// Review 4: a dynamically registered client is a third party's app (PROTOCOL.md §7.6): whoever
// holds an initial access token registers it, names it and chooses its redirect URIs. Before the
// fix, when a project admin signed in to such an app with scope openid (no consent page: nothing
// beyond openid is asked), the app's access token was the admin's whole hand: it created clients
// with secrets and invited administrators through the admin API, and wrote ClientApplications
// through the resource API. A registered client's tokens now carry the user's data rights and no
// administrator's: no admin API, no X-Medplum-On-Behalf-Of, no administration types.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_PASSWORD,
  addMember,
  bearer,
  consentedCode,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http,
  postJson,
  redeemCode,
  signIn,
  uniqueEmail,
} from './lib.mjs';

const REDIRECT = 'http://127.0.0.1:9/r4-dcr/callback';

describe('review4: a registered client is given no administrator rights', () => {
  let fx, adminEmail, registered, adminToken;
  before(async () => {
    fx = createSigninFixture('r4dcr');
    adminEmail = uniqueEmail('r4dcr-admin');
    addMember({ project: fx.projectId, user: createUser({ email: adminEmail, password: TEST_PASSWORD }), admin: true });
    adminToken = (await signIn({ ...fx, email: adminEmail })).tokens.access_token;
    const h = { Authorization: bearer(adminToken) };
    assert.equal((await postJson(`admin/projects/${fx.projectId}/settings`, { clientRegistration: true }, h)).status, 200);
    const t = await postJson(`admin/projects/${fx.projectId}/client-registration-tokens`, {}, h);
    assert.equal(t.status, 201, t.text);
    const r = await postJson('oauth2/register', { client_name: 'Helpful app', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' },
      { Authorization: bearer(t.json.token) });
    assert.equal(r.status, 201, r.text);
    registered = r.json.client_id;
  });

  /** The admin signs in to the registered app with scope openid; its access token. */
  async function appToken(scope = 'openid') {
    // Past the consent page, which a registered client always passes (review4-dcr-consent).
    const { code, pkce } = await consentedCode({ email: adminEmail, password: TEST_PASSWORD }, { clientId: registered, redirectUri: REDIRECT, scope });
    const t = await redeemCode(code, { clientId: registered, verifier: pkce.verifier, redirectUri: REDIRECT });
    assert.equal(t.status, 200, t.text);
    return t.json.access_token;
  }

  it('the app reads what the admin may read as a user', async () => {
    const t = await appToken();
    assert.equal((await http('auth/me', { headers: { Authorization: bearer(t) } })).status, 200);
    const r = await http(`fhir/R4/Practitioner?_count=1`, { headers: { Authorization: bearer(t) } });
    assert.equal(r.status, 200, r.text);
  });

  it('the admin API, on-behalf-of and the administration types refuse the app', async () => {
    const t = await appToken();
    const clients = () => Number(dbQuery('SELECT COUNT(*) FROM client_application WHERE project_id = ?', [fx.projectId])[0][0]);
    const before = clients();
    let r = await postJson(`admin/projects/${fx.projectId}/client`, { name: 'r4-dcr-evil' }, { Authorization: bearer(t) });
    assert.equal(r.status, 403, r.text);
    const invited = uniqueEmail('r4dcr-evil');
    r = await postJson(`admin/projects/${fx.projectId}/invite`,
      { resourceType: 'Practitioner', firstName: 'Eve', lastName: 'Evil', email: invited, password: 'Tr0ub4dor&3-zyx-r4', admin: true, sendEmail: false },
      { Authorization: bearer(t) });
    assert.equal(r.status, 403, r.text);
    r = await http('auth/me', { headers: { Authorization: bearer(t), 'X-Medplum-On-Behalf-Of': `ProjectMembership/${fx.membershipId}` } });
    assert.equal(r.status, 403, r.text);
    r = await postJson('fhir/R4/ClientApplication', { resourceType: 'ClientApplication', name: 'r4-dcr-fhir' },
      { Authorization: bearer(t), 'Content-Type': 'application/fhir+json' });
    assert.equal(r.status, 403, r.text);
    r = await http(`fhir/R4/ProjectMembership/${fx.membershipId}`, { headers: { Authorization: bearer(t) } });
    assert.ok(r.status === 403 || r.status === 404, `${r.status} ${r.text}`);
    assert.equal(clients(), before);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [invited])[0][0], '0');
  });

  it("the admin's own sign-in (a client the project made) keeps them", async () => {
    const r = await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`, { headers: { Authorization: bearer(adminToken) } });
    assert.equal(r.status, 200, r.text);
  });
});
