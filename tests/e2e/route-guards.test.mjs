// SPDX-License-Identifier: BSD-2-Clause
// The route guards in one table (review of the pipeline restructure: routes declare ROUTE_CSRF
// and ROUTE_PAGE_SESSION and lib/domain/pipeline.c enforces them before the handler). Every page
// form post refuses a missing or another browser's CSRF token with 403, even for a signed-in
// browser, and changes nothing; every signed-in page sends a browser without a page session to
// /signin, even with a valid CSRF token. And the audit caller of an authenticated request never
// reaches a later request's events in the same FastCGI process.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appBase,
  Browser,
  TEST_PASSWORD,
  addMember,
  bearer,
  createProject,
  createSigninFixture,
  createUser,
  dbQuery,
  formOf,
  http,
  postJson,
  randomUUID,
  signIn,
  uniqueEmail,
  uniqueName,
} from './lib.mjs';

const APP_BASE = appBase();

async function pageSignIn(email) {
  const b = new Browser();
  const form = formOf((await b.get('signin')).text);
  const r = await b.post(form.action, { ...form.fields, email, password: TEST_PASSWORD });
  assert.equal(r.status, 303, r.text);
  assert.equal(r.headers.get('location'), `${APP_BASE}account`);
  return b;
}

describe('route guards (ROUTE_CSRF, ROUTE_PAGE_SESSION)', () => {
  const projectId = createProject(uniqueName('rg-project'));
  const adminEmail = uniqueEmail('rg-admin');
  const adminId = createUser({ email: adminEmail, password: TEST_PASSWORD });
  addMember({ project: projectId, user: adminId, admin: true });
  const plainId = createUser({ email: uniqueEmail('rg-plain'), password: TEST_PASSWORD });
  const plain = addMember({ project: projectId, user: plainId });
  const M = `manage/projects/${projectId}/`;
  const secretId = randomUUID();

  // Every form post of the pages (tessera-login, tessera-password, tessera-manage).
  const posts = [
    'signin', 'oauth', 'oauth/profile', 'oauth/consent', 'oauth/mfa', 'register', 'register/project',
    'account', 'account/mfa', 'resetpassword', `setpassword/${secretId}/abc`, `verifyemail/${secretId}/abc`,
    'changepassword', `${M}members/${plain.membershipId}/remove`, `${M}members/${plain.membershipId}/resend`,
    `${M}invite`, `${M}clients`, `${M}clients/${randomUUID()}/rotate`,
  ];
  // Every page that needs the page session.
  const signedIn = [
    ['GET', 'account'], ['POST', 'account'], ['GET', 'account/mfa'], ['POST', 'account/mfa'],
    ['GET', 'changepassword'], ['POST', 'changepassword'], ['GET', `${M}members`],
    ['GET', `${M}members/${plain.membershipId}/remove`], ['POST', `${M}members/${plain.membershipId}/remove`],
    ['POST', `${M}members/${plain.membershipId}/resend`], ['GET', `${M}invite`], ['POST', `${M}invite`],
    ['GET', `${M}clients`], ['POST', `${M}clients`], ['POST', `${M}clients/${randomUUID()}/rotate`],
    ['GET', `${M}clients/${randomUUID()}/secret`],
  ];

  it('a signed-in browser: no token or another browser\'s token is 403 on every page form post, and changes nothing', async () => {
    const admin = await pageSignIn(adminEmail);
    const other = new Browser();
    const foreign = formOf((await other.get('signin')).text).fields.csrf;
    const fields = { flow: '0'.repeat(24), state: 's', code: '123456', email: uniqueEmail('rg-x'), password: TEST_PASSWORD,
      firstName: 'Eve', lastName: 'Evil', resourceType: 'Practitioner', name: 'evil', projectName: 'evil' };
    for (const path of posts) {
      for (const csrf of [undefined, foreign, '0'.repeat(64)]) {
        const body = csrf === undefined ? fields : { ...fields, csrf };
        const r = await admin.post(path, body);
        assert.equal(r.status, 403, `POST ${path} csrf=${csrf ?? '(none)'}: ${r.status} ${r.text.slice(0, 200)}`);
      }
    }
    // Still signed in (the sign-out post was refused), the member still there.
    assert.equal((await admin.get('account')).status, 200);
    assert.deepEqual(dbQuery('SELECT active FROM project_membership WHERE id = ?', [plain.membershipId]).length, 1);
  });

  it('without a page session every signed-in page is a 303 to /signin, with a valid CSRF token too', async () => {
    const b = new Browser();
    const csrf = formOf((await b.get('signin')).text).fields.csrf;
    for (const [method, path] of signedIn) {
      const r = method === 'GET' ? await b.get(path) : await b.post(path, { csrf, code: '123456' });
      assert.equal(r.status, 303, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.headers.get('location'), `${APP_BASE}signin`, `${method} ${path}`);
    }
  });

  it('an authenticated request\'s caller never reaches a later unauthenticated request\'s audit event', async () => {
    const fx = createSigninFixture('rg-audit');
    const { tokens } = await signIn(fx);
    for (let i = 0; i < 6; i++) {
      const s = await http('auth/mfa/status', { headers: { Authorization: bearer(tokens.access_token) } });
      assert.equal(s.status, 200, s.text);
      const f = await postJson('auth/login', { email: fx.email, password: 'not-the-password-1', clientId: fx.clientId,
        codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'plain' });
      assert.equal(f.status, 400, f.text);
    }
    const rows = dbQuery("SELECT client_id IS NULL, login_id IS NULL FROM audit_event WHERE type = 'sign-in-failure' AND agent_id = ?", [fx.userId]);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows, Array(6).fill(['1', '1']));
  });
});
