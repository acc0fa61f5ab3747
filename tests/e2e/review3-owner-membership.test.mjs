// SPDX-License-Identifier: BSD-2-Clause
// Review 3 (the resource API's ProjectMembership, PROTOCOL.md §11.5): the project owner stays an
// active administrator. The admin pages (§9.3) and SCIM (§10) refuse to deactivate the owner,
// but any other admin of the project could do it through PUT /fhir/R4/ProjectMembership, locking
// the owner out of their own project with no way back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, createUser, dbExec, http, postJson, TEST_PASSWORD, uniqueEmail } from './lib.mjs';
import { api, member } from './fhir-lib.mjs';

describe("the owner's membership through the resource API", () => {
  it('another admin can neither deactivate nor demote the owner; other changes still go through', async () => {
    const a = await member('r3own', { admin: true });
    const ownerUser = createUser({ email: uniqueEmail('r3owner'), password: TEST_PASSWORD });
    const om = addMember({ project: a.fx.projectId, user: ownerUser, admin: true });
    dbExec('UPDATE project SET owner_user_id = ? WHERE id = ?', [ownerUser, a.fx.projectId]);
    const read = await api(a.token, 'GET', `ProjectMembership/${om.membershipId}`);
    assert.equal(read.status, 200, read.text);
    const stored = read.json;
    delete stored.meta;

    const off = await api(a.token, 'PUT', `ProjectMembership/${om.membershipId}`, { ...stored, active: false });
    assert.equal(off.status, 400, `the owner was deactivated: ${off.text}`);
    const demoted = await api(a.token, 'PUT', `ProjectMembership/${om.membershipId}`, { ...stored, admin: false });
    assert.equal(demoted.status, 400, `the owner was demoted: ${demoted.text}`);
    const again = await api(a.token, 'GET', `ProjectMembership/${om.membershipId}`);
    assert.equal(again.json.active, true);
    assert.equal(again.json.admin, true);

    const named = await api(a.token, 'PUT', `ProjectMembership/${om.membershipId}`, { ...stored, externalId: 'r3-owner' });
    assert.equal(named.status, 200, named.text);
    // Any other member is still the admins' to deactivate.
    const other = addMember({ project: a.fx.projectId, user: createUser({ email: uniqueEmail('r3m') }) });
    const m = (await api(a.token, 'GET', `ProjectMembership/${other.membershipId}`)).json;
    delete m.meta;
    assert.equal((await api(a.token, 'PUT', `ProjectMembership/${other.membershipId}`, { ...m, active: false })).status, 200);
  });

  it('nor through the admin API: POST .../members/:id and an upserting invite are refused', async () => {
    const a = await member('r3own-api', { admin: true });
    const email = uniqueEmail('r3owner-api');
    const ownerUser = createUser({ email, password: TEST_PASSWORD });
    const om = addMember({ project: a.fx.projectId, user: ownerUser, admin: true });
    dbExec('UPDATE project SET owner_user_id = ? WHERE id = ?', [ownerUser, a.fx.projectId]);
    const headers = { Authorization: `Bearer ${a.token}`, 'Content-Type': 'application/fhir+json' };
    const path = `admin/projects/${a.fx.projectId}/members/${om.membershipId}`;
    const stored = (await http(path, { headers })).json;
    delete stored.meta;
    for (const change of [{ active: false }, { admin: false }]) {
      const r = await postJson(path, { ...stored, ...change }, headers);
      assert.equal(r.status, 400, `the admin API changed the owner with ${JSON.stringify(change)}: ${r.text}`);
      assert.match(r.text, /The owner of the project stays an active administrator/);
    }
    const invite = await postJson(`admin/projects/${a.fx.projectId}/invite`,
      { resourceType: 'Practitioner', firstName: 'Owen', lastName: 'Owner', email, upsert: true, admin: false, sendEmail: false }, headers);
    assert.equal(invite.status, 400, `an upserting invite demoted the owner: ${invite.text}`);
    assert.match(invite.text, /The owner of the project stays an active administrator/);
    const after = (await http(path, { headers })).json;
    assert.equal(after.active, true);
    assert.equal(after.admin, true);
  });
});
