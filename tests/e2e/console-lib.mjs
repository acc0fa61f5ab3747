// SPDX-License-Identifier: BSD-2-Clause
// The admin console's e2e helpers (PROTOCOL.md §9.3), shared by manage-console.test.mjs and
// manage-bots.test.mjs: one headless Chromium (JavaScript off) for the file, a project with
// an admin, a plain member and an access policy, signing in, forged posts, the 360 px check.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openContext as newContext, shot as screenshot, skip, submit } from './browser-lib.mjs';
import { BASE_URL, TEST_PASSWORD, addMember, createProject, createUser, dbExec, randomUUID, uniqueEmail, uniqueName } from './lib.mjs';

let browser;
before(async () => {
  if (!skip) browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

export const shot = (page, name) => screenshot(page, `console-${name}`, false);

/** A project with an admin, a plain member and an access policy. */
export function fixture(prefix, { superAdmin = false } = {}) {
  const projectName = uniqueName(`${prefix}-project`);
  const projectId = createProject(projectName);
  if (superAdmin) dbExec('UPDATE project SET super_admin = TRUE WHERE id = ?', [projectId]);
  const adminEmail = uniqueEmail(`${prefix}-admin`);
  const adminId = createUser({ email: adminEmail, first: 'Ada', last: 'Admin', password: TEST_PASSWORD });
  addMember({ project: projectId, user: adminId, admin: true });
  const memberEmail = uniqueEmail(`${prefix}-member`);
  const memberId = createUser({ email: memberEmail, first: 'Mo', last: 'Member', password: TEST_PASSWORD });
  addMember({ project: projectId, user: memberId });
  const policyId = randomUUID();
  dbExec('INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, ?, ?)', [
    policyId, projectId, `Patients ${projectName}`, JSON.stringify({ resourceType: 'AccessPolicy', name: 'Patients', resource: [{ resourceType: 'Patient' }] }),
  ]);
  return { projectName, projectId, adminEmail, adminId, memberEmail, memberId, policyId };
}

export async function signedIn(email, { width } = {}) {
  const { context, page, problems } = await newContext(browser, false);
  if (width) await page.setViewportSize({ width, height: 800 });
  await page.goto(new URL('signin', BASE_URL).href);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await submit(page, 'button', 'Sign in');
  assert.equal(new URL(page.url()).pathname, '/account');
  return { context, page, problems };
}

export const pageUrl = (projectId, rest) => new URL(`manage/projects/${projectId}/${rest}`, BASE_URL).href;

/** A post with this browser's cookies (a forged form: the fields a page does not offer). */
export async function forge(page, url, form) {
  const csrf = form.csrf ?? (await page.locator('input[name=csrf]').first().getAttribute('value'));
  const r = await page.request.post(url, { form: { ...form, csrf }, maxRedirects: 0 });
  return { status: r.status(), text: await r.text() };
}

/** No sideways scrolling at this width (a JavaScript-on context measures it). */
export async function fitsWidth(url, email, width) {
  const context = await browser.newContext({ javaScriptEnabled: true, viewport: { width, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(new URL('signin', BASE_URL).href);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await submit(page, 'button', 'Sign in');
    await page.goto(url);
    const { scrollWidth, wide } = await page.evaluate((w) => ({
      scrollWidth: document.documentElement.scrollWidth,
      // What sticks out, so that a failure names it.
      wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w)
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className ? '.' + e.className : ''}: ${Math.round(e.getBoundingClientRect().right)}px ${JSON.stringify((e.textContent || '').slice(0, 60))}`),
    }), width);
    if (scrollWidth > width) console.error(`${url} at ${width} px is ${scrollWidth} px wide (${page.url()}): ${wide.join('; ')}`);
    return scrollWidth;
  } finally {
    await context.close();
  }
}

