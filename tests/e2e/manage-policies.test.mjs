// SPDX-License-Identifier: BSD-2-Clause
// The admin console's access policies (PROTOCOL.md §9.3, §11.1, §11.3), in headless Chromium
// with JavaScript off: the list, a new policy, its name, resource entries (JSON text checked by
// the resource API's own check) and IP rules, deleting it through its confirmation page (which
// counts the members who use it; Cancel keeps it). Refused: text that is not JSON (a clear
// message, nothing written), an entry the resource API refuses, a bad IP rule, a plain member,
// another project's policy in the URL (under either project), a stale version or CSRF token, a
// delete posted without the confirmation page's field; a name with markup is shown as text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skip, submit } from './browser-lib.mjs';
import { fitsWidth, fixture, forge, pageUrl, shot, signedIn } from './console-lib.mjs';
import { dbExec, dbQuery } from './lib.mjs';

const XSS = '<script>alert(1)</script> Nurses';

const policyRow = (id) => dbQuery('SELECT name, resource, updated_at FROM access_policy WHERE id = ?', [id])[0];

describe('access policies pages (JavaScript off)', { skip }, () => {
  it('a project admin creates a policy, sets its entries and IP rules, deletes it', async () => {
    const fx = fixture('cp');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', 'Access policies');
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/policies`);
      assert.equal(await page.locator('nav [aria-current=page]').innerText(), 'Access policies');
      assert.match(await page.locator("table").innerText(), /Patients\t1\t0/);

      await page.getByLabel('Name', { exact: true }).fill(XSS);
      await submit(page, 'button', 'Create access policy');
      assert.match(new URL(page.url()).pathname, /\/policies\/[0-9a-f-]{36}$/);
      assert.match(await page.locator('[role=status]').innerText(), /grants nothing/);
      const id = await page.locator('#policy-id').innerText();
      assert.equal(await page.locator('h1').innerText(), `Access policy ${XSS}`, 'the name is text, not markup');
      assert.equal(await page.locator('main script').count(), 0);
      assert.equal(policyRow(id)[0], XSS);
      assert.deepEqual(JSON.parse(policyRow(id)[1]).resource, []);

      const entries = [
        { resourceType: 'Patient', readonly: true },
        { resourceType: 'Observation', criteria: 'Observation?status=final', hiddenFields: ['note'] },
      ];
      await page.getByLabel('Name', { exact: true }).fill('Nurses');
      await page.getByLabel('Resource access entries').fill(JSON.stringify(entries));
      await page.getByLabel('Name of rule 1').fill('Office');
      await page.getByLabel('Value of rule 1').fill('10.0.0.0/8');
      await page.getByLabel('Value of rule 2').fill('*');
      await page.getByLabel('Action of rule 2').selectOption('block');
      await submit(page, 'button', 'Save access policy');
      assert.match(await page.locator('[role=status]').innerText(), /The access policy was saved/);
      let stored = JSON.parse(policyRow(id)[1]);
      assert.equal(policyRow(id)[0], 'Nurses');
      assert.deepEqual(stored.resource.map((e) => e.resourceType), ['Patient', 'Observation']);
      assert.equal(stored.resource[1].criteria, 'Observation?status=final');
      assert.deepEqual(stored.ipAccessRule, [
        { name: 'Office', value: '10.0.0.0/8', action: 'allow' },
        { value: '*', action: 'block' },
      ]);
      assert.equal(await page.getByLabel('Value of rule 2').inputValue(), '*');
      assert.equal(await page.getByLabel('Action of rule 2').inputValue(), 'block');
      assert.equal(await page.getByLabel('Value of rule 3').inputValue(), '', 'empty rows to add rules');
      assert.deepEqual(JSON.parse(await page.getByLabel('Resource access entries').inputValue()), stored.resource);
      await shot(page, 'policy');

      // Not JSON: a clear message, the text kept, nothing written.
      const before = policyRow(id);
      await page.getByLabel('Name', { exact: true }).fill('Changed');
      await page.getByLabel('Resource access entries').fill('[{"resourceType": "Patient",]');
      await submit(page, 'button', 'Save access policy');
      assert.match(await page.locator('#form-error').innerText(), /^The resource access entries are not valid JSON \(line 1, column \d+/);
      assert.equal(await page.getByLabel('Resource access entries').getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByLabel('Resource access entries').inputValue(), '[{"resourceType": "Patient",]');
      assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Changed');
      assert.deepEqual(policyRow(id), before);
      await shot(page, 'policy-json-error');
      let r = await forge(page, pageUrl(fx.projectId, `policies/${id}`), {
        name: 'Changed', resource: '{"resourceType": "Patient"}', version: await page.locator('input[name=version]').first().getAttribute('value'),
      });
      assert.equal(r.status, 400);
      assert.match(r.text, /must be a JSON array/);
      // JSON the resource API refuses, and a bad IP rule.
      await page.getByLabel('Resource access entries').fill('[{"resourceType": "no such type!"}]');
      await submit(page, 'button', 'Save access policy');
      assert.equal(await page.locator('#form-error').innerText(), 'Invalid AccessPolicy.resource.resourceType');
      await page.getByLabel('Resource access entries').fill('[]');
      await page.getByLabel('Value of rule 1').fill('not an address');
      await submit(page, 'button', 'Save access policy');
      assert.equal(await page.locator('#form-error').innerText(), 'Invalid AccessPolicy.ipAccessRule');
      assert.deepEqual(policyRow(id), before);

      // Two members use it: one by accessPolicy, one through access[]. Delete leads to a page that
      // says so; Cancel goes back and keeps it.
      dbExec('UPDATE project_membership SET access_policy_id = ? WHERE user_id = ? AND project_id = ?', [id, fx.memberId, fx.projectId]);
      dbExec('UPDATE project_membership SET access = ? WHERE user_id = ? AND project_id = ?',
        [JSON.stringify([{ policy: { reference: `AccessPolicy/${id}` } }]), fx.adminId, fx.projectId]);
      await page.goto(pageUrl(fx.projectId, `policies/${id}`));
      assert.equal(await page.locator('form[action$="/delete"]').count(), 0, 'no form on the policy page deletes');
      await submit(page, 'link', /Delete access policy/);
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/policies/${id}/delete`);
      assert.equal(await page.locator('h1').innerText(), 'Delete access policy Nurses?');
      assert.equal(await page.locator('#consequence').innerText(),
        '2 members use this policy; they will get no access from it (never full access).');
      await shot(page, 'policy-delete');
      await submit(page, 'link', /^Cancel/);
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/policies/${id}`);
      assert.equal(policyRow(id)[0], 'Nurses');
      await submit(page, 'link', /Delete access policy/);
      await submit(page, 'button', /^Delete/);
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/policies`);
      assert.match(await page.locator('[role=status]').innerText(), /was deleted/);
      assert.equal(policyRow(id), undefined);
      const audit = dbQuery(
        "SELECT type, COUNT(*) FROM audit_event WHERE project_id = ? AND type LIKE 'resource-%' GROUP BY type ORDER BY type",
        [fx.projectId],
      );
      assert.deepEqual(audit, [['resource-created', '1'], ['resource-deleted', '1'], ['resource-updated', '1']]);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("refusals: another project's policy, a stale version or token, a plain member", async () => {
    const fx = fixture('cpr');
    const other = fixture('cpr-other');
    const theirs = other.policyId;
    const theirsBefore = policyRow(theirs);
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, `policies/${fx.policyId}`));
      const version = await page.locator('input[name=version]').first().getAttribute('value');
      for (const url of [pageUrl(fx.projectId, `policies/${theirs}`), pageUrl(other.projectId, `policies/${theirs}`)]) {
        const get = await page.request.get(url);
        assert.ok([403, 404].includes(get.status()), `${url} ${get.status()}`);
        assert.doesNotMatch(await get.text(), new RegExp(other.projectName));
        let r = await forge(page, url, { name: 'Stolen', resource: '[]', version });
        assert.ok([403, 404].includes(r.status), url);
        r = await forge(page, `${url}/delete`, { version: theirsBefore[2], confirm: 'delete' });
        assert.ok([403, 404].includes(r.status), url);
      }
      // Under the admin's own project, another project's policy is not there at all.
      const mineUrl = pageUrl(fx.projectId, `policies/${theirs}/delete`);
      assert.equal((await page.request.get(mineUrl)).status(), 404);
      assert.equal((await forge(page, mineUrl, { version: theirsBefore[2], confirm: 'delete' })).status, 404);
      let r = await forge(page, pageUrl(other.projectId, 'policies'), { name: 'Planted' });
      assert.equal(r.status, 403);
      assert.equal(dbQuery("SELECT COUNT(*) FROM access_policy WHERE name = 'Planted'")[0][0], '0');
      assert.deepEqual(policyRow(theirs), theirsBefore, "the other project's policy is unchanged");

      const mine = policyRow(fx.policyId);
      r = await forge(page, pageUrl(fx.projectId, `policies/${fx.policyId}`), { name: 'Renamed', resource: '[]', version: '1' });
      assert.equal(r.status, 409);
      assert.match(r.text, /changed meanwhile/);
      const del = pageUrl(fx.projectId, `policies/${fx.policyId}/delete`);
      r = await forge(page, del, { version: '1', confirm: 'delete' });
      assert.equal(r.status, 409);
      // The edit page's old form, or a forged one, without the confirmation page's field (or with
      // another value, or only in the query): nothing deleted.
      for (const [target, form] of [[del, { version }], [del, { version, confirm: 'yes' }], [`${del}?confirm=delete`, { version }]]) {
        r = await forge(page, target, form);
        assert.equal(r.status, 400, `${target} ${JSON.stringify(form)}`);
        assert.match(r.text, /Not deleted: deleting is confirmed on its own page/);
      }
      r = await forge(page, pageUrl(fx.projectId, `policies/${fx.policyId}`), { name: 'Renamed', resource: '[]', version, csrf: 'c'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, del, { version, confirm: 'delete', csrf: 'd'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, pageUrl(fx.projectId, 'policies'), { name: 'Stale', csrf: 'e'.repeat(64) });
      assert.equal(r.status, 403);
      assert.deepEqual(policyRow(fx.policyId), mine);
      assert.equal(dbQuery('SELECT COUNT(*) FROM access_policy WHERE project_id = ?', [fx.projectId])[0][0], '1');
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      for (const rest of ['policies', `policies/${fx.policyId}`, `policies/${fx.policyId}/delete`]) {
        const res = await plain.page.goto(pageUrl(fx.projectId, rest));
        assert.equal(res.status(), 403);
        assert.match(await plain.page.locator('main').innerText(), /Only the administrators of this project/);
      }
      let r = await forge(plain.page, pageUrl(fx.projectId, 'policies'), { name: 'Member policy', csrf });
      assert.equal(r.status, 403);
      r = await forge(plain.page, pageUrl(fx.projectId, `policies/${fx.policyId}`), { name: 'x', resource: '[{"resourceType":"*"}]', csrf });
      assert.equal(r.status, 403);
      r = await forge(plain.page, pageUrl(fx.projectId, `policies/${fx.policyId}/delete`), { version: policyRow(fx.policyId)[2], confirm: 'delete', csrf });
      assert.equal(r.status, 403);
      assert.equal(dbQuery('SELECT COUNT(*) FROM access_policy WHERE project_id = ?', [fx.projectId])[0][0], '1');
    } finally {
      await plain.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('cpw');
    assert.ok((await fitsWidth(pageUrl(fx.projectId, 'policies'), fx.adminEmail, 360)) <= 360);
    assert.ok((await fitsWidth(pageUrl(fx.projectId, `policies/${fx.policyId}`), fx.adminEmail, 360)) <= 360);
    assert.ok((await fitsWidth(pageUrl(fx.projectId, `policies/${fx.policyId}/delete`), fx.adminEmail, 360)) <= 360);
  });
});
