// SPDX-License-Identifier: BSD-2-Clause
// Email (issue 4): tessera-admin mail send-test goes through the outbox, lib/mail.c renders
// and lib/smtp.c hands the message to the SMTP sink, which stores it in var/mail. Checked:
// the headers and both parts of the multipart/alternative message, an XSS payload in a name
// (escaped in the HTML part), header injection refused, a project's brand and its override
// template, and the outbox row afterwards. The SMTP outage is zz-mail-outage.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProject, dbQuery, readConfig, uniqueEmail, uniqueName } from './lib.mjs';
import { decodeWords, mailsTo, outboxRow, sendTest, waitForMail } from './mail-lib.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function part(msg, type) {
  const p = msg.parts.find((x) => x.type === type);
  assert.ok(p, `no ${type} part`);
  assert.equal(p.charset, 'utf-8');
  return p.text;
}

test('send-test arrives as multipart/alternative with both parts and correct headers', async () => {
  const to = uniqueEmail('mail');
  const r = sendTest({ to, name: 'Zoë Tester' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.id, UUID);
  assert.match(r.stdout, /^sent$/m);

  const msg = await waitForMail(to);
  const cfg = readConfig();
  const from = (cfg.smtp_from || 'Tessera <noreply@localhost>').match(/<([^>]+)>/)[1];
  assert.equal(msg.header('from'), `"Tessera" <${from}>`);
  assert.equal(msg.header('return-path'), `<${from}>`, 'envelope sender');
  assert.equal(decodeWords(msg.header('to')), `Zoë Tester <${to}>`);
  assert.match(msg.header('to'), /^=\?UTF-8\?B\?/, 'a non-ASCII display name is RFC 2047 encoded');
  assert.equal(msg.header('subject'), 'Tessera test message');
  assert.equal(msg.header('mime-version'), '1.0');
  assert.equal(msg.header('message-id'), `<${r.id}@${from.split('@')[1]}>`);
  assert.equal(msg.header('auto-submitted'), 'auto-generated');
  const date = new Date(msg.header('date'));
  assert.ok(Math.abs(Date.now() - date.getTime()) < 5 * 60 * 1000, `Date: ${msg.header('date')}`);
  assert.match(msg.header('date'), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  assert.match(msg.header('content-type'), /^multipart\/alternative; boundary="[^"]+"$/);

  assert.deepEqual(msg.parts.map((p) => p.type), ['text/plain', 'text/html']);
  const text = part(msg, 'text/plain');
  const html = part(msg, 'text/html');
  assert.match(text, /^Hello Zoë Tester,\r\n/);
  assert.ok(text.includes(`This is a test message from Tessera at ${cfg.base_url}`), text);
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes('<p>Hello Zoë Tester,</p>'), html);
  assert.ok(!/<img|<script|style=/i.test(html), 'plain HTML: no images, scripts or inline styles');

  // Sent: the row says so, and the bodies (which may carry secret links) are gone.
  const row = outboxRow(r.id);
  assert.equal(row.status, 'sent');
  assert.equal(row.attempts, 1);
  assert.equal(row.template, 'test');
  assert.equal(row.bodyText, '');
  assert.equal(row.bodyHtml, '');
});

test('an XSS payload in the name is escaped in the HTML part and quoted in the To header', async () => {
  const to = uniqueEmail('xss');
  const name = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
  const r = sendTest({ to, name });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const msg = await waitForMail(to);
  const html = part(msg, 'text/html');
  assert.ok(!html.includes('<script>') && !html.includes('<img'), html);
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt;'), html);
  assert.ok(part(msg, 'text/plain').includes(`Hello ${name},`), 'the text part is not HTML: the name as typed');
  assert.equal(msg.header('to'), `"<script>alert(\\"x\\")</script><img src=x onerror=alert(1)>" <${to}>`);
});

test('a CR or LF in a name or address is refused: nothing queued, nothing sent', () => {
  // Every variant carries this test's own marker: the outbox rows counted are this test's
  // only (other files queue mail meanwhile).
  const mark = uniqueName('inject');
  const to = `${mark}@example.com`;
  const ours = () =>
    Number(dbQuery("SELECT COUNT(*) FROM email_outbox WHERE recipient LIKE CONCAT('%', ?, '%') OR body_text LIKE CONCAT('%', ?, '%')", [mark, mark])[0][0]);
  for (const args of [
    { to, name: `Eve ${mark}\r\nBcc: evil@example.com` },
    { to, name: `Eve ${mark}\nBcc: evil@example.com` },
    { to: `${to}\r\nBcc: evil@example.com` },
    { to: `not an address ${mark}` },
  ]) {
    const r = sendTest(args);
    assert.equal(r.status, 2, `refused with a usage status: ${JSON.stringify(args)} ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /message refused/);
    assert.ok(!r.stderr.includes('evil@example.com'), 'the refused value is not echoed into the log');
  }
  assert.equal(ours(), 0, 'nothing queued');
  assert.equal(mailsTo(to).length, 0);
});

test("a project's brand name replaces Tessera, RFC 2047-encoded when not ASCII", async () => {
  const projectName = uniqueName('brand');
  const project = createProject(projectName);
  dbQuery('UPDATE project SET brand_name = ? WHERE id = ?', ['Klinik Müller', project]);
  const to = uniqueEmail('brand');
  const r = sendTest({ to, project });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const msg = await waitForMail(to);
  assert.match(msg.header('subject'), /^=\?UTF-8\?B\?/);
  assert.equal(decodeWords(msg.header('subject')), 'Klinik Müller test message');
  assert.ok(part(msg, 'text/plain').includes('This is a test message from Klinik Müller'));
  assert.ok(part(msg, 'text/html').includes('<title>Klinik Müller</title>'));
});

test("a project's override template (email_template) is used instead of the file", async () => {
  const projectName = uniqueName('override');
  const project = createProject(projectName);
  // The test fixture writes the override directly: there is no admin API for templates yet.
  dbQuery('INSERT INTO email_template (project_id, name, subject, body_text, body_html) VALUES (?, ?, ?, ?, ?)', [
    project,
    'test',
    '{{brand}} override for {{project_name}}',
    'Override text for {{recipient_name}} of {{project_name}}\n',
    '<p class="override">Override for {{recipient_name}}</p>',
  ]);
  const to = uniqueEmail('override');
  const r = sendTest({ to, project, name: 'Ann <b>' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const msg = await waitForMail(to);
  assert.equal(msg.header('subject'), `Tessera override for ${projectName}`);
  assert.equal(part(msg, 'text/plain'), `Override text for Ann <b> of ${projectName}\r\n`);
  assert.equal(part(msg, 'text/html'), '<p class="override">Override for Ann &lt;b&gt;</p>');

  // Without body_html the HTML part is the text, escaped.
  dbQuery('UPDATE email_template SET body_html = NULL WHERE project_id = ?', [project]);
  const to2 = uniqueEmail('override-text');
  assert.equal(sendTest({ to: to2, project, name: 'Ann <b>' }).status, 0);
  const msg2 = await waitForMail(to2);
  assert.ok(part(msg2, 'text/html').includes(`<pre>Override text for Ann &lt;b&gt; of ${projectName}\r\n</pre>`));
});

test('every shipped template renders: invite, invite-existing, reset, welcome, verify-email', async () => {
  const projectName = uniqueName('tpl');
  const project = createProject(projectName);
  const base = readConfig().app_base_url || readConfig().base_url;
  const subjects = {
    invite: 'Welcome to Tessera',
    'invite-existing': `Tessera: Welcome to ${projectName}`,
    reset: 'Tessera Password Reset',
    welcome: 'Welcome to Tessera',
    'verify-email': 'Tessera: Verify your email address',
  };
  for (const [template, subject] of Object.entries(subjects)) {
    const to = uniqueEmail(template);
    const r = sendTest({ to, project, template });
    assert.equal(r.status, 0, `${template}: ${r.stdout}${r.stderr}`);
    const msg = await waitForMail(to);
    assert.equal(msg.header('subject'), subject, template);
    const text = part(msg, 'text/plain');
    assert.ok(text.endsWith('Thank you,\r\nTessera\r\n'), `${template}: ${text}`);
    assert.ok(text.includes(base), `${template} links to ${base}: ${text}`);
    assert.ok(part(msg, 'text/html').includes('<p>Thank you,<br>Tessera</p>'), template);
  }
});
