// SPDX-License-Identifier: BSD-2-Clause
// The admin pages in a real browser (issue 4): headless Chromium (playwright-core), once with
// JavaScript on and once off. A project admin signs in at /signin, follows /account to the
// project, invites a new user with "send email" (the email arrives in var/mail and its
// set-password link works), removes a member; creates a client, sees its secret once,
// client_credentials works with it, rotates it and the new one works. Screenshots of every page
// go to var/test-logs/screenshots/. No page may trip the Content-Security-Policy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openContext as newContext, shot as screenshot, skip, submit } from './browser-lib.mjs';
import {
  BASE_URL,
  TEST_PASSWORD,
  addMember,
  createProject,
  createUser,
  dbQuery,
  postForm,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const INVITEE_PASSWORD = 'Copper_Willow_Harbor_64';

let browser;

before(async () => {
  if (!skip) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const openContext = (js) => newContext(browser, js);
const shot = (page, name, js) => screenshot(page, `manage-${name}`, js);

async function grantStatus(clientId, secret) {
  const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
  return r.status;
}

/** A project with an admin who signs in, and a member to remove. */
function fixture(prefix) {
  const projectName = uniqueName(`${prefix}-project`);
  const projectId = createProject(projectName);
  const adminEmail = uniqueEmail(`${prefix}-admin`);
  const adminId = createUser({ email: adminEmail, first: 'Ada', last: 'Admin', password: TEST_PASSWORD });
  addMember({ project: projectId, user: adminId, admin: true });
  const leaverId = createUser({ email: uniqueEmail(`${prefix}-leaver`), first: 'Leo', last: 'Leaver', password: TEST_PASSWORD });
  const leaver = addMember({ project: projectId, user: leaverId });
  return { projectName, projectId, adminEmail, leaver };
}

async function signInAndOpenProject(page, fx, js) {
  await page.goto(new URL('signin', BASE_URL).href);
  await page.getByLabel('Email', { exact: true }).fill(fx.adminEmail);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await submit(page, 'button', 'Sign in');
  assert.equal(new URL(page.url()).pathname, '/account');
  await shot(page, 'account', js);
  await submit(page, 'link', fx.projectName);
  assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/members`);
}

describe('admin pages in Chromium', { skip }, () => {
  for (const js of [true, false]) {
    const mode = js ? 'JavaScript on' : 'JavaScript off';

    it(`sign in → invite with "send email" → the email's link works → remove a member (${mode})`, async () => {
      const fx = fixture(js ? 'bm-js' : 'bm-nojs');
      const { context, page, problems } = await openContext(js);
      try {
        await signInAndOpenProject(page, fx, js);
        await shot(page, 'members', js);
        assert.match(await page.locator('main').innerText(), /Leo Leaver/);

        await submit(page, 'link', 'Invite a person');
        await shot(page, 'invite', js);
        const email = uniqueEmail(js ? 'bm-inv-js' : 'bm-inv-nojs');
        // A bad address first: the message sits beside the field.
        await page.getByLabel('First name').fill('Nia');
        await page.getByLabel('Last name').fill('Newcomer');
        await page.getByLabel('Email', { exact: true }).fill('nia@');
        if (js) await page.locator('form').evaluate((f) => f.setAttribute('novalidate', ''));
        if (js) {
          await submit(page, 'button', 'Invite');
          assert.equal(await page.locator('#email-error').textContent(), 'A valid email address is required');
          assert.equal(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid'), 'true');
          await shot(page, 'invite-error', js);
        }
        await page.getByLabel('Email', { exact: true }).fill(email);
        assert.ok(await page.getByLabel('Send email').isChecked(), '"Send email" starts ticked');
        await submit(page, 'button', 'Invite');
        assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/members`);
        assert.match(await page.locator('[role=status]').innerText(), /The invite was sent/);
        assert.match(await page.locator('main').innerText(), /Nia Newcomer[\s\S]*Invited/);
        await shot(page, 'invited', js);

        const [mail] = await waitForMail(email);
        const link = mail.text.match(/(\S+setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32})/)?.[1];
        assert.ok(link, mail.text);
        const invitee = await context.browser().newContext({ javaScriptEnabled: js });
        const ip = await invitee.newPage();
        await ip.goto(link);
        await ip.getByLabel('New password', { exact: true }).fill(INVITEE_PASSWORD);
        await ip.getByLabel('New password again').fill(INVITEE_PASSWORD);
        await submit(ip, 'button', 'Set password');
        assert.equal(new URL(ip.url()).pathname, '/setpassword/done');
        await shot(ip, 'invitee-password-set', js);
        await invitee.close();

        await submit(page, 'link', 'Remove Leo Leaver');
        await shot(page, 'remove', js);
        assert.match(await page.locator('h1').innerText(), /Remove Leo Leaver\?/);
        await submit(page, 'button', 'Remove');
        assert.match(await page.locator('[role=status]').innerText(), /The member was removed/);
        assert.doesNotMatch(await page.locator('main').innerText(), /Leo Leaver/);
        assert.equal(dbQuery('SELECT COUNT(*) FROM project_membership WHERE id = ?', [fx.leaver.membershipId])[0][0], '0');
        await shot(page, 'removed', js);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    it(`create a client → its secret once → client_credentials → rotate → the new one works (${mode})`, async () => {
      const fx = fixture(js ? 'bc-js' : 'bc-nojs');
      const { context, page, problems } = await openContext(js);
      try {
        await signInAndOpenProject(page, fx, js);
        await submit(page, 'link', 'Clients');
        await shot(page, 'clients', js);
        const name = uniqueName('Lab results feed');
        await page.getByLabel('Name').fill(name);
        await page.getByLabel('Description').fill('Posts lab results');
        await submit(page, 'button', 'Create client');
        assert.match(new URL(page.url()).pathname, /\/clients\/[0-9a-f-]{36}\/secret$/);
        await shot(page, 'secret', js);
        const clientId = await page.locator('#client-id').innerText();
        const secret = await page.locator('#client-secret').innerText();
        assert.match(secret, /^[0-9a-f]{64}$/);
        assert.ok(!page.url().includes(secret));
        assert.equal(await grantStatus(clientId, secret), 200);

        await page.reload();
        assert.equal(await page.locator('#client-secret').count(), 0, 'shown once');
        assert.match(await page.locator('main').innerText(), /cannot be shown again/);
        await shot(page, 'secret-gone', js);

        await submit(page, 'link', 'Back to the clients');
        await submit(page, 'button', `Rotate secret of ${name}`);
        const rotated = await page.locator('#client-secret').innerText();
        assert.notEqual(rotated, secret);
        await shot(page, 'rotated', js);
        assert.equal(await grantStatus(clientId, rotated), 200);
        assert.equal(await grantStatus(clientId, secret), 200, 'the old secret retires for a day');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
