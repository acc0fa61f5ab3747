// SPDX-License-Identifier: BSD-2-Clause
// Review 4: an administrator's access token that a SMART scope narrows (what any app of the
// project gets when the admin signs in to it, e.g. patient/Observation.read) is narrowed on the
// resource API (PROTOCOL.md §11.2: ClientApplication writes are refused), and must be narrowed on
// the admin API too: before the fix the same token created a ClientApplication with a secret and
// invited a new administrator with a password, so any app an admin signed in to could take the
// project over. An unnarrowed token (openid, offline_access, or a full user/*.* scope) keeps the
// admin API, as the SDK uses it.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_PASSWORD,
  addMember,
  bearer,
  createSigninFixture,
  createUser,
  dbQuery,
  http,
  postJson,
  signIn,
  uniqueEmail,
} from './lib.mjs';

const NARROW = 'openid patient/Observation.read';

describe('review4: a narrowed admin token on the admin API', () => {
  let fx, admin;
  before(() => {
    fx = createSigninFixture('r4scope');
    const email = uniqueEmail('r4scope-admin');
    const userId = createUser({ email, password: TEST_PASSWORD });
    addMember({ project: fx.projectId, user: userId, admin: true });
    admin = { ...fx, email };
  });

  async function token(scope) {
    const s = await signIn(admin, { login: { scope } });
    assert.equal(s.tokens.scope, scope);
    return s.tokens.access_token;
  }

  function clientCount() {
    return Number(dbQuery('SELECT COUNT(*) FROM client_application WHERE project_id = ?', [fx.projectId])[0][0]);
  }

  it('the resource API refuses it a ClientApplication (the rule the admin API follows)', async () => {
    const t = await token(NARROW);
    const r = await postJson('fhir/R4/ClientApplication', { resourceType: 'ClientApplication', name: 'r4-fhir' }, {
      Authorization: bearer(t),
      'Content-Type': 'application/fhir+json',
    });
    assert.equal(r.status, 403, r.text);
  });

  it('creates no client, invites nobody and reads no member through the admin API', async () => {
    const t = await token(NARROW);
    const before = clientCount();
    let r = await postJson(`admin/projects/${fx.projectId}/client`, { name: 'r4-evil' }, { Authorization: bearer(t) });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json?.issue?.[0]?.details?.text, 'Forbidden');
    assert.equal(clientCount(), before);
    const invited = uniqueEmail('r4scope-evil');
    r = await postJson(
      `admin/projects/${fx.projectId}/invite`,
      { resourceType: 'Practitioner', firstName: 'Eve', lastName: 'Evil', email: invited, password: 'Tr0ub4dor&3-zyx-r4', admin: true, sendEmail: false },
      { Authorization: bearer(t) },
    );
    assert.equal(r.status, 403, r.text);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [invited])[0][0], '0');
    r = await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`, { headers: { Authorization: bearer(t) } });
    assert.equal(r.status, 403, r.text);
    r = await http(`admin/projects/${fx.projectId}/settings`, { headers: { Authorization: bearer(t) } });
    assert.equal(r.status, 403, r.text);
  });

  it('cannot act on behalf of another member', async () => {
    const t = await token(NARROW);
    const r = await http('auth/me', {
      headers: { Authorization: bearer(t), 'X-Medplum-On-Behalf-Of': `ProjectMembership/${fx.membershipId}` },
    });
    assert.equal(r.status, 403, r.text);
  });

  it('an unnarrowed token keeps the admin API', async () => {
    for (const scope of ['openid', 'openid offline_access', 'openid user/*.*']) {
      const t = await token(scope);
      const r = await http(`admin/projects/${fx.projectId}/members/${fx.membershipId}`, { headers: { Authorization: bearer(t) } });
      assert.equal(r.status, 200, `${scope}: ${r.text}`);
    }
    const t = await token('openid');
    const r = await postJson(`admin/projects/${fx.projectId}/client`, { name: 'r4-fine' }, { Authorization: bearer(t) });
    assert.equal(r.status, 201, r.text);
  });
});
