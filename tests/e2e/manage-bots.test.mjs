// SPDX-License-Identifier: BSD-2-Clause
// The admin console's bots (PROTOCOL.md §9.3), in headless Chromium with JavaScript off: the
// list, a new bot with its secret shown once, every field the resource API allows (Bot,
// lib/domain/bots.c) over the stored version, a new secret. Refused: a plain member, another
// project's bot in the URL (under either project), a stale version or CSRF token, a field the
// resource API refuses (nothing written); a name with markup is shown as text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skip, submit } from './browser-lib.mjs';
import { fitsWidth, fixture, forge, pageUrl, shot, signedIn } from './console-lib.mjs';
import { dbExec, dbQuery, randomUUID } from './lib.mjs';

const XSS = '<img src=x onerror=alert(1)> Bot';

const botRow = (id) =>
  dbQuery("SELECT name, COALESCE(description, ''), COALESCE(HEX(secret_hash), ''), resource FROM bot WHERE id = ?", [id])[0];

function insertBot(projectId, name) {
  const id = randomUUID();
  dbExec('INSERT INTO bot (id, project_id, name, resource) VALUES (?, ?, ?, ?)', [id, projectId, name, JSON.stringify({ name })]);
  return id;
}

describe('bots pages (JavaScript off)', { skip }, () => {
  it('a project admin creates a bot (secret once), sets every field, makes a new secret', async () => {
    const fx = fixture('cb');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', 'Bots');
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/bots`);
      assert.equal(await page.locator('nav [aria-current=page]').innerText(), 'Bots');
      assert.match(await page.locator('main').innerText(), /No bots yet/);

      // The resource API's rule: a name is required (the browser's own check is bypassed).
      let r = await forge(page, pageUrl(fx.projectId, 'bots'), { name: '', runtimeVersion: 'vmcontext' });
      assert.equal(r.status, 400);
      assert.match(r.text, /Bot name is required/);
      assert.equal(dbQuery('SELECT COUNT(*) FROM bot WHERE project_id = ?', [fx.projectId])[0][0], '0');

      await page.getByLabel('Name').fill(XSS);
      await page.getByLabel('Description').fill('Nightly <b>import</b>');
      await page.getByLabel('Runtime').selectOption('vmcontext');
      await submit(page, 'button', 'Create bot');
      assert.match(new URL(page.url()).pathname, /\/bots\/[0-9a-f-]{36}\/secret$/);
      const botId = await page.locator('#bot-id').innerText();
      const secret = await page.locator('#bot-secret').innerText();
      assert.match(secret, /^[0-9a-f]{64}$/);
      assert.equal(await page.locator('h1').innerText(), `Bot ${XSS}`, 'the name is text, not markup');
      assert.equal(await page.locator('main img').count(), 0);
      await shot(page, 'bot-secret');
      const [name, description, hash1] = botRow(botId);
      assert.deepEqual([name, description], [XSS, 'Nightly <b>import</b>']);
      assert.match(hash1, /^[0-9A-F]{64}$/);
      assert.ok(!hash1.includes(secret.toUpperCase()), 'only a keyed hash is stored');
      await page.reload();
      assert.equal(await page.locator('#bot-secret').count(), 0, 'the secret is shown once');
      assert.match(await page.locator('[role=alert]').innerText(), /shown once/);

      await page.goto(pageUrl(fx.projectId, 'bots'));
      assert.equal(await page.locator('table a').innerText(), XSS);
      assert.equal(await page.locator('main img, main b').count(), 0);
      await shot(page, 'bots');
      await page.getByRole('link', { name: XSS }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.getByLabel('Name').inputValue(), XSS);
      assert.equal(await page.getByLabel('Runtime').inputValue(), 'vmcontext');

      await page.getByLabel('Name').fill('Importer');
      await page.getByLabel('Identifiers').fill('https://example.org/bots|importer\nlocal-1');
      await page.getByLabel('Runtime').selectOption('awslambda');
      await page.getByLabel('Schedule').fill('0 3 * * *');
      await page.getByLabel('Timeout').fill('120');
      await page.locator('#sourceCode_contentType').fill('text/typescript');
      await page.locator('#sourceCode_url').fill('Binary/abc');
      await page.locator('#sourceCode_title').fill('index.ts');
      await page.locator('#executableCode_contentType').fill('text/javascript');
      await page.locator('#executableCode_url').fill('Binary/def');
      await submit(page, 'button', 'Save bot');
      assert.match(await page.locator('[role=status]').innerText(), /The bot was saved/);
      const stored = JSON.parse(botRow(botId)[3]);
      assert.equal(botRow(botId)[0], 'Importer');
      assert.deepEqual(stored.identifier, [{ system: 'https://example.org/bots', value: 'importer' }, { value: 'local-1' }]);
      assert.equal(stored.runtimeVersion, 'awslambda');
      assert.equal(stored.cronString, '0 3 * * *');
      assert.equal(stored.timeout, 120);
      assert.deepEqual(stored.sourceCode, { contentType: 'text/typescript', url: 'Binary/abc', title: 'index.ts' });
      assert.deepEqual(stored.executableCode, { contentType: 'text/javascript', url: 'Binary/def' });
      assert.equal(await page.getByLabel('Identifiers').inputValue(), 'https://example.org/bots|importer\nlocal-1\n');
      assert.equal(await page.getByLabel('Timeout').inputValue(), '120');
      await shot(page, 'bot');

      // A field the resource API refuses: the form comes back as sent, nothing is written.
      await page.getByLabel('Timeout').fill('5000');
      await page.getByLabel('Schedule').fill('changed');
      await submit(page, 'button', 'Save bot');
      assert.equal(await page.locator('#form-error').innerText(), 'Invalid timeout');
      assert.equal(await page.getByLabel('Timeout').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel('Schedule').inputValue(), 'changed');
      assert.equal(JSON.parse(botRow(botId)[3]).cronString, '0 3 * * *');

      await page.goto(pageUrl(fx.projectId, `bots/${botId}`));
      await submit(page, 'button', /New secret/);
      const secret2 = await page.locator('#bot-secret').innerText();
      assert.match(secret2, /^[0-9a-f]{64}$/);
      assert.notEqual(secret2, secret);
      assert.notEqual(botRow(botId)[2], hash1, 'the earlier secret no longer matches');
      const audit = dbQuery(
        "SELECT type FROM audit_event WHERE project_id = ? AND type IN ('client-created', 'client-updated', 'client-secret-rotated') ORDER BY type",
        [fx.projectId],
      ).map((row) => row[0]);
      assert.deepEqual(audit, ['client-created', 'client-secret-rotated', 'client-updated']);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("refusals: another project's bot, a stale version or token, a plain member", async () => {
    const fx = fixture('cbr');
    const other = fixture('cbr-other');
    const mine = insertBot(fx.projectId, 'Mine');
    const theirs = insertBot(other.projectId, 'Theirs');
    const theirsBefore = botRow(theirs);
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, `bots/${mine}`));
      const version = await page.locator('input[name=version]').getAttribute('value');
      for (const url of [pageUrl(fx.projectId, `bots/${theirs}`), pageUrl(other.projectId, `bots/${theirs}`)]) {
        for (const rest of ['', '/secret']) {
          const get = await page.request.get(url + rest);
          assert.ok([403, 404].includes(get.status()), `${url}${rest} ${get.status()}`);
          assert.doesNotMatch(await get.text(), /Theirs/);
        }
        let r = await forge(page, url, { name: 'Stolen', version });
        assert.ok([403, 404].includes(r.status), url);
        r = await forge(page, `${url}/rotate`, {});
        assert.ok([403, 404].includes(r.status), url);
      }
      let r = await forge(page, pageUrl(other.projectId, 'bots'), { name: 'Planted' });
      assert.equal(r.status, 403);
      assert.equal(dbQuery("SELECT COUNT(*) FROM bot WHERE name = 'Planted'")[0][0], '0');
      const list = await page.request.get(pageUrl(other.projectId, 'bots'));
      assert.equal(list.status(), 403);
      assert.deepEqual(botRow(theirs), theirsBefore, "the other project's bot is unchanged");
      r = await forge(page, pageUrl(fx.projectId, `bots/${mine}`), { name: 'Renamed', version: '1' });
      assert.equal(r.status, 409);
      assert.match(r.text, /changed meanwhile/);
      r = await forge(page, pageUrl(fx.projectId, `bots/${mine}`), { name: 'Renamed', version, csrf: 'c'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, pageUrl(fx.projectId, `bots/${mine}/rotate`), { csrf: 'd'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, pageUrl(fx.projectId, 'bots'), { name: 'Stale', csrf: 'e'.repeat(64) });
      assert.equal(r.status, 403);
      assert.equal(botRow(mine)[0], 'Mine');
      assert.equal(botRow(mine)[2], '');
      assert.equal(dbQuery('SELECT COUNT(*) FROM bot WHERE project_id = ?', [fx.projectId])[0][0], '1');
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      for (const rest of ['bots', `bots/${mine}`]) {
        const res = await plain.page.goto(pageUrl(fx.projectId, rest));
        assert.equal(res.status(), 403);
        assert.match(await plain.page.locator('main').innerText(), /Only the administrators of this project/);
      }
      let r = await forge(plain.page, pageUrl(fx.projectId, 'bots'), { name: 'Member bot', csrf });
      assert.equal(r.status, 403);
      r = await forge(plain.page, pageUrl(fx.projectId, `bots/${mine}/rotate`), { csrf });
      assert.equal(r.status, 403);
      assert.equal(botRow(mine)[2], '');
      assert.equal(dbQuery('SELECT COUNT(*) FROM bot WHERE project_id = ?', [fx.projectId])[0][0], '1');
    } finally {
      await plain.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('cbw');
    const id = insertBot(fx.projectId, 'Narrow');
    assert.ok((await fitsWidth(pageUrl(fx.projectId, 'bots'), fx.adminEmail, 360)) <= 360);
    assert.ok((await fitsWidth(pageUrl(fx.projectId, `bots/${id}`), fx.adminEmail, 360)) <= 360);
  });
});
