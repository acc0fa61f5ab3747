// SPDX-License-Identifier: BSD-2-Clause
// Headless Chromium for the page tests (playwright-core, /usr/bin/chromium or TESSERA_CHROMIUM):
// one browser per test file, a context per test (JavaScript on or off), the CSP problems a page
// reports, clicks that wait for the answering page, screenshots in var/test-logs/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BASE_URL, ROOT } from './lib.mjs';

export const CHROMIUM = process.env.TESSERA_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Over https (scripts/dev's e2e-defaults stage) the stack's certificate is self-signed.
if (BASE_URL.startsWith('https:')) FLAGS.push('--ignore-certificate-errors');
export const SHOTS = join(ROOT, 'var/test-logs/screenshots');
/** false, or why the browser tests are skipped. */
export const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

export async function launchBrowser() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/** A new context (its own cookies) and page; problems collects CSP refusals and page errors. */
export async function openContext(browser, javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { context, page, problems };
}

/** Clicks a button (or link) and waits for the page that answers. */
export async function submit(page, role, name) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole(role, { name }).click()]);
  await page.waitForLoadState('load');
}

/** A full-page screenshot: <name>-js.png or <name>-nojs.png. */
export async function shot(page, name, js) {
  await page.screenshot({ path: join(SHOTS, `${name}-${js ? 'js' : 'nojs'}.png`), fullPage: true });
}
