// SPDX-License-Identifier: BSD-2-Clause
// The registration and password pages in a real browser (issue 4): headless Chromium
// (playwright-core), once with JavaScript on and once off. Register → new project → signed in;
// forgot password → the email (read from var/mail) → its link → a new password twice → sign in
// with it on /signin → signed in → change the password. Screenshots of every page go to
// var/test-logs/screenshots/. No page may trip the Content-Security-Policy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openContext as newContext, shot, skip, submit } from './browser-lib.mjs';
import {
  BASE_URL,
  TEST_PASSWORD,
  addMember,
  createProject,
  createUser,
  dbQuery,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const NEW_PASSWORD = 'Lantern_Meadow_Quartz_58';
const CHANGED_PASSWORD = 'Harbor_Violet_Engine_31';

let browser;

before(async () => {
  if (!skip) browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

const openContext = (js) => newContext(browser, js);

/** The element that has focus once the page settles (autofocus comes after load). */
async function focused(page) {
  await page.waitForFunction(() => document.activeElement && document.activeElement.id, null, { timeout: 5000 }).catch(() => {});
  return page.evaluate(() => document.activeElement?.id);
}

describe('registration and password pages in Chromium', { skip }, () => {
  for (const js of [true, false]) {
    const mode = js ? 'JavaScript on' : 'JavaScript off';

    it(`register → new project → signed in (${mode})`, async () => {
      const { context, page, problems } = await openContext(js);
      try {
        await page.goto(new URL('signin', BASE_URL).href);
        await submit(page, 'link', 'Create an account');
        assert.equal(new URL(page.url()).pathname, '/register');
        assert.equal(await focused(page), 'firstName');
        await shot(page, 'register', js);
        const email = uniqueEmail('br-reg');
        const projectName = uniqueName('Riverside Clinic');
        await page.getByLabel('First name').fill('Grace');
        await page.getByLabel('Last name').fill('Hopper');
        await page.getByLabel('Email').fill(email);
        // A breached password first: the message beside the field, the other values kept.
        await page.getByLabel('Password').fill('password1');
        await submit(page, 'button', 'Create account');
        await shot(page, 'register-error', js);
        assert.equal(await page.locator('#password-error').textContent(), 'Password found in breach database');
        assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
        assert.equal(await page.getByLabel('Email').inputValue(), email);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await submit(page, 'button', 'Create account');
        assert.equal(new URL(page.url()).pathname, '/register/project');
        assert.equal(await focused(page), 'projectName');
        await shot(page, 'register-project', js);
        await page.getByLabel('Project name').fill(projectName);
        await submit(page, 'button', 'Create project');
        assert.equal(new URL(page.url()).pathname, '/account');
        await shot(page, 'registered', js);
        assert.match(await page.locator('main').innerText(), new RegExp(`Signed in as Grace Hopper in ${projectName}`));
        const [[count]] = dbQuery('SELECT COUNT(*) FROM project p JOIN user u ON u.id = p.owner_user_id WHERE u.email = ? AND p.name = ?', [email, projectName]);
        assert.equal(count, '1');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });

    it(`forgot password → email → link → new password → sign in → change it (${mode})`, async () => {
      const email = uniqueEmail('br-reset');
      const userId = createUser({ email, first: 'Ada', last: 'Lovelace', password: TEST_PASSWORD });
      addMember({ project: createProject(uniqueName('br-reset')), user: userId });
      const { context, page, problems } = await openContext(js);
      try {
        await page.goto(new URL('signin', BASE_URL).href);
        await submit(page, 'link', 'Forgot password?');
        assert.equal(new URL(page.url()).pathname, '/resetpassword');
        assert.equal(await focused(page), 'email');
        await shot(page, 'resetpassword', js);
        await page.getByLabel('Email').fill(email);
        await submit(page, 'button', 'Send the link');
        assert.equal(new URL(page.url()).pathname, '/resetpassword/sent');
        await shot(page, 'resetpassword-sent', js);
        assert.match(await page.locator('main').innerText(), /If an account exists for that address/);

        const [mail] = await waitForMail(email);
        const link = mail.text.match(/(\S+setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32})/)?.[1];
        assert.ok(link, mail.text);
        await page.goto(link);
        assert.equal(await focused(page), 'password');
        await shot(page, 'setpassword', js);
        assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/[.+]/g, '\\$&')));
        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('New password again').fill('not the same at all');
        await submit(page, 'button', 'Set password');
        await shot(page, 'setpassword-error', js);
        assert.equal(await page.locator('#confirm-error').textContent(), 'The passwords do not match');
        await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel('New password again').fill(NEW_PASSWORD);
        await submit(page, 'button', 'Set password');
        assert.equal(new URL(page.url()).pathname, '/setpassword/done');
        await shot(page, 'setpassword-done', js);

        // The link is spent: opening it again says so.
        const again = await context.newPage();
        const response = await again.goto(link);
        assert.equal(response.status(), 410);
        assert.match(await again.locator('h1').innerText(), /already been used/);
        await again.close();

        await submit(page, 'link', 'Sign in');
        assert.equal(new URL(page.url()).pathname, '/signin');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(NEW_PASSWORD);
        await submit(page, 'button', 'Sign in');
        assert.equal(new URL(page.url()).pathname, '/account');
        assert.match(await page.locator('main').innerText(), /Signed in as Ada Lovelace/);

        await submit(page, 'link', 'Change your password');
        assert.equal(await focused(page), 'oldPassword');
        await shot(page, 'changepassword', js);
        await page.getByLabel('Current password').fill(NEW_PASSWORD);
        await page.getByLabel('New password', { exact: true }).fill(CHANGED_PASSWORD);
        await page.getByLabel('New password again').fill(CHANGED_PASSWORD);
        await submit(page, 'button', 'Change password');
        assert.equal(new URL(page.url()).pathname, '/changepassword/done');
        await shot(page, 'changepassword-done', js);
        await submit(page, 'link', 'Back to your account');
        await submit(page, 'button', 'Sign out');
        assert.equal(new URL(page.url()).pathname, '/signin');
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
});
