// SPDX-License-Identifier: BSD-2-Clause
// The super admins' email domains (DomainConfiguration, PROTOCOL.md §9.3), in headless Chromium
// with JavaScript off: the list, a new domain with its identity provider, the provider's fields
// changed with the client secret never shown and kept sealed when left empty, deleting it through
// its confirmation page (Cancel keeps it). Refused: a project admin (not a super admin), a stale
// version or CSRF token, a delete posted without the confirmation page's field, an unknown domain
// id, a domain the resource API refuses (nothing written); a domain with markup is refused and
// shown as text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skip, submit } from './browser-lib.mjs';
import { fitsWidth, fixture, forge, shot, signedIn } from './console-lib.mjs';
import { BASE_URL, dbQuery, randomUUID } from './lib.mjs';
import { setDomainIdp } from './idp-lib.mjs';

const url = (rest = '') => new URL(`manage/super/domains${rest}`, BASE_URL).href;
const row = (domain) => dbQuery('SELECT id, identity_provider FROM domain_configuration WHERE domain = ?', [domain])[0];

describe('email domains pages (JavaScript off)', { skip }, () => {
  it('a super admin adds a domain, changes its provider (secret never shown, kept sealed), deletes it', async () => {
    const sup = fixture('cd', { superAdmin: true });
    const domain = `d${randomUUID().slice(0, 8)}.example.org`;
    const secret = `upstream-secret-${randomUUID()}`;
    const { context, page, problems } = await signedIn(sup.adminEmail);
    try {
      await page.goto(new URL('manage/super', BASE_URL).href);
      await submit(page, 'link', 'Email domains');
      assert.equal(new URL(page.url()).pathname, '/manage/super/domains');
      assert.equal(await page.locator('nav [aria-current=page]').innerText(), 'Email domains');

      // A domain with markup: refused by the resource API's check, shown as text, nothing written.
      await page.getByLabel(/^Domain/).fill('<b>x</b>.org');
      await page.getByLabel("Identity provider's authorize URL").fill('https://idp.example.org/authorize');
      await page.getByLabel('Its token URL').fill('https://idp.example.org/token');
      await submit(page, 'button', 'Add email domain');
      assert.equal(await page.locator('#form-error').innerText(), 'Invalid domain');
      assert.equal(await page.getByLabel(/^Domain/).inputValue(), '<b>x</b>.org');
      assert.equal(await page.locator('main b').count(), 0);
      assert.equal(dbQuery("SELECT COUNT(*) FROM domain_configuration WHERE domain LIKE '%<b>%'")[0][0], '0');

      await page.getByLabel(/^Domain/).fill(domain.toUpperCase());
      await submit(page, 'button', 'Add email domain');
      assert.match(await page.locator('[role=status]').innerText(), /was saved/);
      const id = row(domain)[0];
      assert.equal(new URL(page.url()).pathname, `/manage/super/domains/${id}`, 'the domain is stored lower-cased');
      await page.getByLabel('Client id at the provider').fill('tessera');
      await page.getByLabel(/^Client secret at the provider/).fill(secret);
      await page.getByLabel('Use PKCE with the provider').check();
      await submit(page, 'button', 'Save email domain');
      const stored = row(domain)[1];
      assert.ok(!stored.includes(secret), 'the secret is sealed at rest');
      assert.ok(JSON.parse(stored).clientSecretSealed);
      assert.equal(JSON.parse(stored).clientId, 'tessera');
      assert.ok(!(await page.content()).includes(secret));

      await page.goto(url());
      await submit(page, 'link', domain);
      assert.equal(new URL(page.url()).pathname, `/manage/super/domains/${id}`);
      assert.equal(await page.getByLabel(/^Client secret at the provider/).inputValue(), '', 'never shown');
      assert.ok(!(await page.content()).includes(secret));
      assert.ok(await page.getByLabel('Use PKCE with the provider').isChecked());
      await page.getByLabel('Issuer').fill('https://idp.example.org');
      await submit(page, 'button', 'Save email domain');
      assert.match(await page.locator('[role=status]').innerText(), /was saved/);
      const after = JSON.parse(row(domain)[1]);
      assert.equal(after.issuer, 'https://idp.example.org');
      assert.equal(after.clientSecretSealed, JSON.parse(stored).clientSecretSealed, 'an empty field keeps the secret');
      await shot(page, 'domain');

      const version = await page.locator('input[name=version]').first().getAttribute('value');
      let r = await forge(page, url(`/${id}`), { domain, authorizeUrl: 'https://evil.example/a', tokenUrl: 'https://evil.example/t', version: '1' });
      assert.equal(r.status, 409);
      r = await forge(page, url(`/${id}`), { domain, authorizeUrl: 'https://evil.example/a', tokenUrl: 'https://evil.example/t', version, csrf: 'c'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, url(`/${id}/delete`), { version, confirm: 'delete', csrf: 'd'.repeat(64) });
      assert.equal(r.status, 403);
      // The edit page's old form, or a forged one, without the confirmation page's field: nothing deleted.
      for (const [target, form] of [[url(`/${id}/delete`), { version }], [url(`/${id}/delete?confirm=delete`), { version }]]) {
        r = await forge(page, target, form);
        assert.equal(r.status, 400, target);
        assert.match(r.text, /Not deleted: deleting is confirmed on its own page/);
      }
      r = await forge(page, url(`/${id}/delete`), { version: '1', confirm: 'delete' });
      assert.equal(r.status, 409);
      // No such domain: 404, for the page and the post.
      const unknown = url(`/${randomUUID()}/delete`);
      assert.equal((await page.request.get(unknown)).status(), 404);
      assert.equal((await forge(page, unknown, { version, confirm: 'delete' })).status, 404);
      assert.equal(JSON.parse(row(domain)[1]).authorizeUrl, 'https://idp.example.org/authorize');

      assert.equal(await page.locator('form[action$="/delete"]').count(), 0, 'no form on the domain page deletes');
      await submit(page, 'link', /Delete email domain/);
      assert.equal(new URL(page.url()).pathname, `/manage/super/domains/${id}/delete`);
      assert.equal(await page.locator('h1').innerText(), `Delete email domain ${domain}?`);
      assert.match(await page.locator('#consequence').innerText(),
        new RegExp(`^People whose email address ends in @${domain.replaceAll('.', '\\.')} will no longer be sent to its identity provider \\(https://idp\\.example\\.org/authorize\\)`));
      await shot(page, 'domain-delete');
      await submit(page, 'link', /^Cancel/);
      assert.equal(new URL(page.url()).pathname, `/manage/super/domains/${id}`);
      assert.ok(row(domain), 'Cancel keeps it');
      await submit(page, 'link', /Delete email domain/);
      await submit(page, 'button', /^Delete/);
      assert.match(await page.locator('[role=status]').innerText(), /was deleted/);
      assert.equal(row(domain), undefined);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a project admin is refused', async () => {
    const fx = fixture('cdr');
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      const csrf = await page.locator('input[name=csrf]').first().getAttribute('value');
      const res = await page.goto(url());
      assert.equal(res.status(), 403);
      const domain = `r${randomUUID().slice(0, 8)}.example.org`;
      const r = await forge(page, url(), { domain, authorizeUrl: 'https://evil.example/a', tokenUrl: 'https://evil.example/t', csrf });
      assert.equal(r.status, 403);
      assert.equal(row(domain), undefined);
      // A domain that is there: neither its confirmation page nor its delete.
      const kept = `k${randomUUID().slice(0, 8)}.example.org`;
      setDomainIdp(kept, { authorizeUrl: 'https://idp.example.org/authorize', tokenUrl: 'https://idp.example.org/token',
        clientId: 'tessera', clientSecret: 'kept-secret' });
      const [theirs] = row(kept);
      const version = dbQuery('SELECT updated_at FROM domain_configuration WHERE id = ?', [theirs])[0][0];
      assert.equal((await page.goto(url(`/${theirs}/delete`))).status(), 403);
      const del = await forge(page, url(`/${theirs}/delete`), { version, confirm: 'delete', csrf });
      assert.equal(del.status, 403);
      assert.ok(row(kept), 'nothing deleted');
    } finally {
      await context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const sup = fixture('cdw', { superAdmin: true });
    assert.ok((await fitsWidth(url(), sup.adminEmail, 360)) <= 360);
  });
});
