// SPDX-License-Identifier: BSD-2-Clause
// The admin pages without a browser (issue 4): /manage/projects/:projectId/members, …/invite,
// …/members/:id/resend and …/remove, …/clients, …/clients/:id/rotate and …/secret. Driven with
// fetch and a small cookie jar: the admin API's rule (403 for members who are not admins and for
// other projects' admins), CSRF refusal, escaping of member and client names, bad input 4xx,
// the invite email and its link, resend, remove, a client secret shown once, rotation.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  appBase,
  Browser,
  ROOT,
  TEST_PASSWORD,
  addMember,
  assertPageHeaders,
  createProject,
  createUser,
  dbQuery,
  decodeHtml,
  formOf,
  http,
  postForm,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const APP_BASE = appBase();
const XSS = '<script>alert(1)</script>"\'&';

/** Signs in on /signin without a client; returns the browser holding the page session. */
async function pageSignIn(email, password = TEST_PASSWORD) {
  const b = new Browser();
  const page = await b.get('signin');
  const form = formOf(page.text);
  const r = await b.post(form.action, { ...form.fields, email, password });
  assert.equal(r.status, 303, r.text);
  assert.equal(r.headers.get('location'), `${APP_BASE}account`);
  return b;
}

/** A project with an admin (signed in) and a member who is not one. */
async function projectWithAdmin(prefix) {
  const projectName = uniqueName(`${prefix}-project`);
  const projectId = createProject(projectName);
  const adminEmail = uniqueEmail(`${prefix}-admin`);
  const adminId = createUser({ email: adminEmail, first: 'Ada', last: 'Admin', password: TEST_PASSWORD });
  const adminMember = addMember({ project: projectId, user: adminId, admin: true });
  const plainEmail = uniqueEmail(`${prefix}-plain`);
  const plainId = createUser({ email: plainEmail, first: 'Paul', last: 'Plain', password: TEST_PASSWORD });
  const plainMember = addMember({ project: projectId, user: plainId });
  return { projectId, projectName, adminEmail, adminMember, plainEmail, plainMember };
}

/** The status of a client_credentials grant with this secret. */
async function grantStatus(clientId, secret) {
  const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  return r.status;
}

const pages = (p) => `manage/projects/${p}/`;

/** GET a page that must answer 200 with the page headers; returns { page, form }. */
async function open(b, path) {
  const page = await b.get(path);
  assert.equal(page.status, 200, `${path}: ${page.status} ${page.text}`);
  assertPageHeaders(page);
  return { page, form: page.text.includes('<form method="post"') ? formOf(page.text) : null };
}

/** The CSRF token of a browser (from any of its form pages). */
async function csrfOf(b, projectId) {
  const { form } = await open(b, `${pages(projectId)}invite`);
  return form.fields.csrf;
}

function assertSeeOther(r, path) {
  assert.equal(r.status, 303, `expected 303, got ${r.status}: ${r.text}`);
  assert.equal(r.headers.get('location'), `${APP_BASE}${path}`);
}

/** The set-password link of the newest invite email to an address. */
async function inviteLink(email, count = 1) {
  const mails = await waitForMail(email, count);
  const text = mails[count - 1].text;
  const link = text.match(/https?:\/\/\S+\/setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32}/)?.[0];
  assert.ok(link, `a set-password link in: ${text}`);
  return link.slice(APP_BASE.length);
}

let A, B;
before(async () => {
  A = await projectWithAdmin('mp-a');
  B = await projectWithAdmin('mp-b');
  A.b = await pageSignIn(A.adminEmail);
  B.b = await pageSignIn(B.adminEmail);
  A.plain = await pageSignIn(A.plainEmail);
});

describe('admin pages: who may use them', () => {
  it('/account links an admin to the projects they administer, and no one else', async () => {
    const { page } = await open(A.b, 'account');
    assert.ok(decodeHtml(page.text).includes(`${APP_BASE}${pages(A.projectId)}members`), page.text);
    assert.ok(page.text.includes(A.projectName));
    const plain = await open(A.plain, 'account');
    assert.ok(!plain.page.text.includes('manage/') && !plain.page.text.includes('manage&#x2F;'), plain.page.text);
  });

  it('without a session every admin page sends the browser to /signin', async () => {
    for (const path of ['members', 'invite', 'clients']) {
      const r = await http(`${pages(A.projectId)}${path}`);
      assertSeeOther(r, 'signin');
    }
  });

  it('a member who is not an admin gets a 403 page, for pages and posts', async () => {
    for (const path of ['members', 'invite', 'clients', `members/${A.adminMember.membershipId}/remove`]) {
      const r = await A.plain.get(`${pages(A.projectId)}${path}`);
      assert.equal(r.status, 403, path);
      assertPageHeaders(r);
    }
    const csrf = formOf((await A.plain.get('account')).text).fields.csrf;
    const r = await A.plain.post(`${pages(A.projectId)}invite`, {
      csrf, firstName: 'Eve', lastName: 'Evil', email: uniqueEmail('mp-evil'), resourceType: 'Practitioner', sendEmail: 'true',
    });
    assert.equal(r.status, 403);
    const rm = await A.plain.post(`${pages(A.projectId)}members/${A.adminMember.membershipId}/remove`, { csrf });
    assert.equal(rm.status, 403);
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE id = ?', [A.adminMember.membershipId])[0][0], '1');
  });

  it("another project's admin gets a 403 page, and so does another project's member id", async () => {
    for (const path of ['members', 'invite', 'clients']) {
      const r = await B.b.get(`${pages(A.projectId)}${path}`);
      assert.equal(r.status, 403, path);
      assertPageHeaders(r);
    }
    const csrf = await csrfOf(B.b, B.projectId);
    const r = await B.b.post(`${pages(A.projectId)}members/${A.plainMember.membershipId}/remove`, { csrf });
    assert.equal(r.status, 403);
    // B's own pages with A's membership id: that membership is not B's.
    const own = await B.b.post(`${pages(B.projectId)}members/${A.plainMember.membershipId}/remove`, { csrf });
    assert.equal(own.status, 403);
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE id = ?', [A.plainMember.membershipId])[0][0], '1');
  });

  it('the seeded super admin may manage any project', async () => {
    const password = readFileSync(join(ROOT, 'var/admin-password'), 'utf8').trim();
    const b = await pageSignIn(process.env.TESSERA_ADMIN_EMAIL || 'admin@example.com', password);
    const { page } = await open(b, `${pages(A.projectId)}members`);
    assert.ok(page.text.includes('Ada Admin'));
    const missing = await b.get(`${pages('00000000-0000-4000-8000-000000000000')}members`);
    assert.equal(missing.status, 404);
  });
});

describe('admin pages: forms', () => {
  it('a post without the CSRF token of this browser gets a 403 page and changes nothing', async () => {
    const email = uniqueEmail('mp-csrf');
    const fields = { firstName: 'Carl', lastName: 'Csrf', email, resourceType: 'Practitioner', sendEmail: 'true' };
    const none = await A.b.post(`${pages(A.projectId)}invite`, fields);
    assert.equal(none.status, 403);
    // The token of another browser (B's admin) does not fit A's cookie.
    const other = await A.b.post(`${pages(A.projectId)}invite`, { ...fields, csrf: await csrfOf(B.b, B.projectId) });
    assert.equal(other.status, 403);
    const rotate = await A.b.post(`${pages(A.projectId)}clients/${A.projectId}/rotate`, {});
    assert.equal(rotate.status, 403);
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [email])[0][0], '0');
  });

  it('bad input is a 4xx page with the message beside the field, never a 5xx', async () => {
    const csrf = await csrfOf(A.b, A.projectId);
    const r = await A.b.post(`${pages(A.projectId)}invite`, {
      csrf, firstName: '', lastName: 'x'.repeat(600), email: 'not-an-email', resourceType: 'Bot',
    });
    assert.equal(r.status, 400);
    assertPageHeaders(r);
    for (const field of ['firstName', 'lastName', 'email']) {
      assert.match(r.text, new RegExp(`<input id="${field}"[^>]*aria-invalid="true"[^>]*aria-describedby="${field}-error"`));
      assert.match(r.text, new RegExp(`<p class="error" id="${field}-error">`));
    }
    assert.match(r.text, /id="resourceType-error"/);
    const c = await A.b.post(`${pages(A.projectId)}clients`, { csrf, name: '', redirectUri: 'javascript:alert(1)' });
    assert.equal(c.status, 400);
    assert.match(c.text, /id="name-error"/);
    assert.match(c.text, /id="redirectUri-error"/);
    const cases = [
      [`${pages(A.projectId)}members/not-a-uuid/remove`, 404],
      [`${pages(A.projectId)}members/00000000-0000-4000-8000-000000000000/resend`, 404],
      [`${pages(A.projectId)}clients/not-a-uuid/rotate`, 404],
      [`${pages(A.projectId)}clients/00000000-0000-4000-8000-000000000000/rotate`, 404],
      [`${pages('not-a-project')}invite`, 403],
    ];
    for (const [path, status] of cases) {
      const x = await A.b.post(path, { csrf });
      assert.equal(x.status, status, `${path}: ${x.text}`);
      assertPageHeaders(x);
    }
    const s = await A.b.get(`${pages(A.projectId)}clients/00000000-0000-4000-8000-000000000000/secret`);
    assert.equal(s.status, 404);
    const notice = await A.b.get(`${pages(A.projectId)}members?done=${encodeURIComponent(XSS)}`);
    assert.ok(notice.status < 500 && !notice.text.includes('<script'));
  });

  it('invite with "send email": names are escaped, the email arrives and its link sets a password', async () => {
    const email = uniqueEmail('mp-inv');
    const csrf = await csrfOf(A.b, A.projectId);
    const r = await A.b.post(`${pages(A.projectId)}invite`, {
      csrf, firstName: XSS, lastName: 'Lee', email, resourceType: 'Practitioner', sendEmail: 'true',
    });
    assertSeeOther(r, `${pages(A.projectId)}members?done=invited`);
    const { page } = await open(A.b, r.headers.get('location').slice(APP_BASE.length));
    assert.ok(!page.text.includes('<script>'), 'no raw markup from a name');
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;'), page.text);
    assert.match(page.text, /role="status">The invite was sent/);
    assert.match(page.text, /Resend invite/);
    const link = await inviteLink(email);
    const set = await open(new Browser(), link);
    assert.ok(set.form, 'the link opens the set-password form');
  });

  it('invite without "send email" adds the person and writes no email', async () => {
    const email = uniqueEmail('mp-quiet');
    const csrf = await csrfOf(A.b, A.projectId);
    const r = await A.b.post(`${pages(A.projectId)}invite`, { csrf, firstName: 'Quinn', lastName: 'Quiet', email, resourceType: 'Patient' });
    assertSeeOther(r, `${pages(A.projectId)}members?done=added`);
    assert.equal(dbQuery('SELECT COUNT(*) FROM email_outbox WHERE recipient = ?', [email])[0][0], '0');
    const again = await A.b.post(`${pages(A.projectId)}invite`, { csrf, firstName: 'Quinn', lastName: 'Quiet', email, resourceType: 'Patient' });
    assert.equal(again.status, 409);
    assert.match(again.text, /id="email-error">User is already a member of this project/);
  });

  it('resend: a new link by email, the earlier one stops working; a member who accepted cannot get one', async () => {
    const email = uniqueEmail('mp-resend');
    const csrf = await csrfOf(A.b, A.projectId);
    await A.b.post(`${pages(A.projectId)}invite`, { csrf, firstName: 'Rita', lastName: 'Resend', email, resourceType: 'Practitioner', sendEmail: 'true' });
    const first = await inviteLink(email, 1);
    const [[membershipId]] = dbQuery(
      'SELECT m.id FROM project_membership m JOIN user u ON u.id = m.user_id WHERE u.email = ? AND m.project_id = ?', [email, A.projectId]);
    const r = await A.b.post(`${pages(A.projectId)}members/${membershipId}/resend`, { csrf });
    assertSeeOther(r, `${pages(A.projectId)}members?done=resent`);
    const second = await inviteLink(email, 2);
    assert.notEqual(first, second);
    const old = await new Browser().get(first);
    assert.ok(old.status >= 400 && old.status < 500, `the superseded link: ${old.status}`);
    const b = new Browser();
    const { form } = await open(b, second);
    const done = await b.post(form.action, { ...form.fields, password: 'Lantern_Quartz_Meadow_42', confirm: 'Lantern_Quartz_Meadow_42' });
    assert.equal(done.status, 303, done.text);
    const again = await A.b.post(`${pages(A.projectId)}members/${membershipId}/resend`, { csrf });
    assert.equal(again.status, 400);
    const plain = await A.b.post(`${pages(A.projectId)}members/${A.plainMember.membershipId}/resend`, { csrf });
    assert.equal(plain.status, 400);
  });

  it('remove: a confirmation, then the member is gone and their sessions end; the owner stays', async () => {
    const { form } = await open(A.b, `${pages(A.projectId)}members/${A.plainMember.membershipId}/remove`);
    assert.match(form.action, /remove$/);
    const r = await A.b.post(form.action, form.fields);
    assertSeeOther(r, `${pages(A.projectId)}members?done=removed`);
    assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE id = ?', [A.plainMember.membershipId])[0][0], '0');
    const gone = await A.plain.get('account');
    assertSeeOther(gone, 'signin');
    // The owner of a project registered on the pages cannot be removed.
    const [[ownerMembership, ownerProject]] = dbQuery(
      'SELECT m.id, p.id FROM project p JOIN project_membership m ON m.project_id = p.id AND m.user_id = p.owner_user_id LIMIT 1');
    const password = readFileSync(join(ROOT, 'var/admin-password'), 'utf8').trim();
    const sa = await pageSignIn(process.env.TESSERA_ADMIN_EMAIL || 'admin@example.com', password);
    const csrf = await csrfOf(sa, ownerProject);
    const owner = await sa.post(`${pages(ownerProject)}members/${ownerMembership}/remove`, { csrf });
    assert.equal(owner.status, 400);
    assert.match(owner.text, /Cannot delete the owner of the project/);
  });
});

describe('admin pages: clients', () => {
  it('create: the secret is shown once, never in a URL, and works for client_credentials', async () => {
    const name = `${XSS} ${uniqueName('mp-client')}`;
    const { form } = await open(A.b, `${pages(A.projectId)}clients`);
    const r = await A.b.post(`${pages(A.projectId)}clients`, { csrf: form.fields.csrf, name, description: XSS });
    assert.equal(r.status, 303, r.text);
    const location = r.headers.get('location');
    assert.match(location, /clients\/[0-9a-f-]{36}\/secret$/);
    const clientId = location.match(/clients\/([0-9a-f-]{36})\/secret$/)[1];
    const shown = await open(A.b, location.slice(APP_BASE.length));
    assert.ok(!shown.page.text.includes('<script>'));
    const secret = shown.page.text.match(/<code id="client-secret">([0-9a-f]{64})<\/code>/)?.[1];
    assert.ok(secret, shown.page.text);
    const again = await open(A.b, location.slice(APP_BASE.length));
    assert.ok(!again.page.text.includes(secret), 'shown once');
    assert.match(again.page.text, /cannot be shown again/);
    assert.equal(await grantStatus(clientId, secret), 200);
    const list = await open(A.b, `${pages(A.projectId)}clients`);
    assert.ok(list.page.text.includes('&lt;script&gt;') && !list.page.text.includes('<script>'));
    assert.ok(list.page.text.includes(clientId));
    // Another session cannot open the sealed secret even with the cookie: it is bound to the session.
    const stolen = A.b.cookies.get('tessera-shown');
    assert.equal(stolen, undefined, 'the show-once cookie is cleared');
  });

  it('rotate: the new secret works; the old one retires for a day, or stops at once', async () => {
    const { form } = await open(A.b, `${pages(A.projectId)}clients`);
    const csrf = form.fields.csrf;
    const created = await A.b.post(`${pages(A.projectId)}clients`, { csrf, name: uniqueName('mp-rot') });
    const path = created.headers.get('location').slice(APP_BASE.length);
    const clientId = path.match(/clients\/([0-9a-f-]{36})\/secret$/)[1];
    const secret0 = (await open(A.b, path)).page.text.match(/id="client-secret">([0-9a-f]{64})</)[1];

    const r1 = await A.b.post(`${pages(A.projectId)}clients/${clientId}/rotate`, { csrf, keepOld: 'true' });
    assertSeeOther(r1, path);
    const secret1 = (await open(A.b, path)).page.text.match(/id="client-secret">([0-9a-f]{64})</)[1];
    assert.notEqual(secret1, secret0);
    assert.equal(await grantStatus(clientId, secret1), 200);
    assert.equal(await grantStatus(clientId, secret0), 200, 'the retiring secret still works');
    const list = await open(A.b, `${pages(A.projectId)}clients`);
    assert.match(list.page.text, /The previous secret works until \d{4}-\d\d-\d\d/);

    const r2 = await A.b.post(`${pages(A.projectId)}clients/${clientId}/rotate`, { csrf });
    assertSeeOther(r2, path);
    const secret2 = (await open(A.b, path)).page.text.match(/id="client-secret">([0-9a-f]{64})</)[1];
    assert.equal(await grantStatus(clientId, secret2), 200);
    assert.notEqual(await grantStatus(clientId, secret1), 200, 'unticked: the old secret stops at once');
    assert.notEqual(await grantStatus(clientId, secret0), 200);
    // Stored as keyed hashes only.
    const [[hash]] = dbQuery('SELECT HEX(secret_hash) FROM client_application WHERE id = ?', [clientId]);
    assert.notEqual(hash.toLowerCase(), secret2);
  });

  it("another project's admin cannot rotate this project's client", async () => {
    const { form } = await open(A.b, `${pages(A.projectId)}clients`);
    const created = await A.b.post(`${pages(A.projectId)}clients`, { csrf: form.fields.csrf, name: uniqueName('mp-own') });
    const clientId = created.headers.get('location').match(/clients\/([0-9a-f-]{36})\/secret$/)[1];
    const csrf = await csrfOf(B.b, B.projectId);
    assert.equal((await B.b.post(`${pages(A.projectId)}clients/${clientId}/rotate`, { csrf })).status, 403);
    assert.equal((await B.b.post(`${pages(B.projectId)}clients/${clientId}/rotate`, { csrf })).status, 404);
    assert.equal((await B.b.get(`${pages(B.projectId)}clients/${clientId}/secret`)).status, 404);
  });

  it('the JSON admin API is unchanged beside the pages', async () => {
    const r = await postForm(`admin/projects/${A.projectId}/client`, { name: 'x' });
    assert.equal(r.status, 401);
  });
});
