// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the resource API's end-to-end tests (/fhir/R4/<Type>, PROTOCOL.md §11.5): the
// unmodified SDK with a bearer token, raw requests, and signed-in project members.
import assert from 'node:assert/strict';
import {
  BASE_URL,
  addMember,
  createSigninFixture,
  createUser,
  dbExec,
  http,
  loadMedplum,
  pkcePair,
  postJson,
  signIn,
  TEST_PASSWORD,
  uniqueEmail,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

/** An SDK client that uses this access token (no cache: every read goes to the server). */
export function sdk(token) {
  const m = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o), cacheTime: 0 });
  m.setAccessToken(token);
  return m;
}

/** A raw request to fhir/R4/<path>; a body that is not a string or Buffer is sent as JSON. */
export function api(token, method, path, body, headers = {}) {
  return http(`fhir/R4/${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/fhir+json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

/** A signed-in project member: { fx, token, medplum }. admin / superAdmin as asked. */
export async function member(prefix, { admin = false, superAdmin = false, scope } = {}) {
  const fx = createSigninFixture(prefix);
  if (admin) dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  if (superAdmin) dbExec('UPDATE project SET super_admin = TRUE WHERE id = ?', [fx.projectId]);
  const { tokens } = await signIn(fx, scope ? { login: { scope } } : {});
  return { fx, token: tokens.access_token, medplum: sdk(tokens.access_token) };
}

/** A patient of a project, signed in, whose membership has this policy. */
export async function patientOf(projectId, policyId) {
  const email = uniqueEmail('pt');
  const userId = createUser({ email, password: TEST_PASSWORD, project: projectId });
  const m = addMember({ project: projectId, user: userId, profile: 'Patient' });
  if (policyId) dbExec('UPDATE project_membership SET access_policy_id = ? WHERE id = ?', [policyId, m.membershipId]);
  const pkce = pkcePair();
  const r = await postJson('auth/login', { email, password: TEST_PASSWORD, projectId, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
  assert.equal(r.status, 200, r.text);
  const t = await http('oauth2/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: r.json.code, code_verifier: pkce.verifier, client_id: '' }).toString(),
  });
  assert.equal(t.status, 200, t.text);
  return { token: t.json.access_token, patientId: m.profileId, membershipId: m.membershipId, userId, email };
}
