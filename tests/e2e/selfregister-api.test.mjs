// SPDX-License-Identifier: BSD-2-Clause
// Patient self-registration opened through the resource API (issue 16): a project admin
// creates the patients' AccessPolicy and sets Project.defaultPatientAccessPolicy with the SDK,
// then a stranger signs up with startNewUser({projectId}) → startNewPatient → processCode and
// is bound by that policy: /auth/me shows it filled in, the patient reads its own record and
// not another's. Closing the project again refuses new sign-ups.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  TEST_PASSWORD,
  assertBadRequest,
  createSigninFixture,
  dbExec,
  dbQuery,
  http,
  loadMedplum,
  postJson,
  quietPkceWarning,
  signIn,
  uniqueEmail,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

function newMedplum() {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o), cacheTime: 0 });
}

async function openProject() {
  const fx = createSigninFixture('selfreg');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  const admin = newMedplum();
  admin.setAccessToken(tokens.access_token);
  return { fx, admin };
}

async function signUp(projectId, first = 'Pat') {
  const medplum = newMedplum();
  const email = uniqueEmail('selfreg-pt');
  const res = await medplum.startNewUser({ firstName: first, lastName: 'Ient', email, password: TEST_PASSWORD, projectId });
  const pat = await medplum.startNewPatient({ login: res.login, projectId });
  const profile = await medplum.processCode(pat.code);
  return { medplum, profile, email };
}

describe('patient self-registration opened through the API', () => {
  it('closed → 400; opened with the SDK → startNewUser + startNewPatient gives a Patient bound by the policy', async () => {
    const { fx, admin } = await openProject();
    const closed = await postJson('auth/newuser', { firstName: 'A', lastName: 'B', email: uniqueEmail('closed'), password: TEST_PASSWORD, projectId: fx.projectId }, { 'Content-Type': 'application/fhir+json' });
    assertBadRequest(closed, 'Project does not allow open registration');

    const policy = await admin.createResource({
      resourceType: 'AccessPolicy',
      name: 'Patients',
      resource: [{ resourceType: 'Patient', criteria: 'Patient?_id=%patient.id', hiddenFields: ['identifier'] }],
    });
    const project = await admin.readResource('Project', fx.projectId);
    const opened = await admin.updateResource({ ...project, defaultPatientAccessPolicy: { reference: `AccessPolicy/${policy.id}` } });
    assert.equal(opened.defaultPatientAccessPolicy.reference, `AccessPolicy/${policy.id}`);

    const a = await signUp(fx.projectId, 'Ann');
    assert.equal(a.profile.resourceType, 'Patient');
    assert.equal(a.medplum.getProject().id, fx.projectId);
    const row = dbQuery('SELECT access_policy_id, admin FROM project_membership WHERE profile_id = ?', [a.profile.id]);
    assert.deepEqual(row, [[policy.id, '0']]);
    const me = await a.medplum.get('auth/me', { cache: 'no-cache' });
    assert.deepEqual(me.accessPolicy.basedOn, [{ reference: `AccessPolicy/${policy.id}` }]);
    const patientEntry = me.accessPolicy.resource.find((e) => e.resourceType === 'Patient');
    assert.equal(patientEntry.criteria, `Patient?_id=${a.profile.id}`);

    const b = await signUp(fx.projectId, 'Bob');
    const own = await a.medplum.readResource('Patient', a.profile.id);
    assert.equal(own.name[0].given[0], 'Ann');
    const theirs = await http(`fhir/R4/Patient/${b.profile.id}`, { headers: { Authorization: `Bearer ${a.medplum.getAccessToken()}` } });
    assert.equal(theirs.status, 404, theirs.text);
    const list = await a.medplum.searchResources('Patient', { _count: 100 });
    assert.deepEqual(list.map((p) => p.id), [a.profile.id]);
    // a patient reaches no administration type
    const policies = await http('fhir/R4/AccessPolicy', { headers: { Authorization: `Bearer ${a.medplum.getAccessToken()}` } });
    assert.equal(policies.status, 403);

    // closing it again through the API
    const latest = await admin.readResource('Project', fx.projectId);
    delete latest.defaultPatientAccessPolicy;
    await admin.updateResource(latest);
    const again = await postJson('auth/newuser', { firstName: 'A', lastName: 'B', email: uniqueEmail('closed2'), password: TEST_PASSWORD, projectId: fx.projectId }, { 'Content-Type': 'application/fhir+json' });
    assertBadRequest(again, 'Project does not allow open registration');
  });

  it("an admin cannot open its project with another project's policy, nor an unknown one", async () => {
    const mine = await openProject();
    const theirs = await openProject();
    const foreign = await theirs.admin.createResource({ resourceType: 'AccessPolicy', name: 'wide', resource: [{ resourceType: '*' }] });
    const project = await mine.admin.readResource('Project', mine.fx.projectId);
    for (const id of [foreign.id, '00000000-0000-4000-8000-000000000000']) {
      const r = await http(`fhir/R4/Project/${project.id}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${mine.admin.getAccessToken()}`, 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ ...project, defaultPatientAccessPolicy: { reference: `AccessPolicy/${id}` } }),
      });
      assertBadRequest(r, 'Invalid defaultPatientAccessPolicy');
    }
    assert.equal(dbQuery('SELECT default_patient_access_policy_id FROM project WHERE id = ?', [mine.fx.projectId])[0][0], 'NULL');
  });
});
