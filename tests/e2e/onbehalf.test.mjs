// SPDX-License-Identifier: BSD-2-Clause
// X-Medplum-On-Behalf-Of (PROTOCOL.md §4): an admin of a project acts as another membership of
// that project, named by ProjectMembership/<id> or by its profile; the target's membership
// (and so its access policy) answers. Others are refused: a caller who is no admin (403), a
// target of another project, an inactive one, or a malformed value (400).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_PASSWORD, addMember, assertBadRequest, bearer, createSigninFixture, createUser, dbExec, http, signIn, uniqueEmail,
} from './lib.mjs';

function me(token, onBehalfOf) {
  const headers = { Authorization: bearer(token) };
  if (onBehalfOf !== undefined) headers['X-Medplum-On-Behalf-Of'] = onBehalfOf;
  return http('auth/me', { headers });
}

describe('X-Medplum-On-Behalf-Of', () => {
  it('an admin acts as a member (by membership or by profile); the member cannot act as the admin', async () => {
    const fx = createSigninFixture('obo');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const patientEmail = uniqueEmail('obo-patient');
    const patientUser = createUser({ email: patientEmail, password: TEST_PASSWORD });
    const patient = addMember({ project: fx.projectId, user: patientUser, profile: 'Patient' });
    const admin = (await signIn(fx)).tokens.access_token;

    const own = await me(admin);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.profile.id, fx.profileId);

    for (const value of [`ProjectMembership/${patient.membershipId}`, `Patient/${patient.profileId}`]) {
      const as = await me(admin, value);
      assert.equal(as.status, 200, as.text);
      assert.equal(as.json.profile.resourceType, 'Patient', value);
      assert.equal(as.json.profile.id, patient.profileId, value);
      assert.equal(as.json.membership.id, patient.membershipId, value);
    }

    // The member is no admin: refused.
    const memberToken = (await signIn({ ...fx, email: patientEmail, password: TEST_PASSWORD })).tokens.access_token;
    const refused = await me(memberToken, `ProjectMembership/${fx.membershipId}`);
    assert.equal(refused.status, 403, refused.text);
    // No header, or an empty one: the caller itself.
    assert.equal((await me(memberToken, '')).json.profile.id, patient.profileId);
  });

  it('refuses a target of another project, an inactive one, and malformed values', async () => {
    const fx = createSigninFixture('obo2');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const admin = (await signIn(fx)).tokens.access_token;
    const elsewhere = createSigninFixture('obo3');
    assertBadRequest(await me(admin, `ProjectMembership/${elsewhere.membershipId}`), 'Invalid X-Medplum-On-Behalf-Of');
    assertBadRequest(await me(admin, `Practitioner/${elsewhere.profileId}`), 'Invalid X-Medplum-On-Behalf-Of');
    const other = addMember({ project: fx.projectId, user: createUser({ email: uniqueEmail('obo-off') }), profile: 'Practitioner' });
    dbExec('UPDATE project_membership SET active = FALSE WHERE id = ?', [other.membershipId]);
    assertBadRequest(await me(admin, `ProjectMembership/${other.membershipId}`), 'Invalid X-Medplum-On-Behalf-Of');
    for (const bad of ['garbage', 'ProjectMembership/', 'ProjectMembership/not-a-uuid', `User/${fx.userId}`,
      `ProjectMembership/${fx.membershipId}' OR '1'='1`]) {
      assertBadRequest(await me(admin, bad), 'Invalid X-Medplum-On-Behalf-Of');
    }
  });
});
