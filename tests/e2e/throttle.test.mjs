// SPDX-License-Identifier: BSD-2-Clause
// Password throttling and account emails (issue 14, finding 2): the per-account delay follows
// the account the lookup finds, whatever spelling the collation accepts for its email; the HTML
// pages count against the auth limit; many addresses together meet a per-account ceiling that
// never slows the owner's known address; reset emails are limited per account, and an
// anonymous sendEmail:false no longer cancels a pending link.
//
// As in ratelimit.test.mjs, each test sends from its own loopback address (127.x.y.z), so its
// per-IP counts are its own whatever else runs, and reads the limits it relies on from the
// suite's configuration (scripts/dev raises them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  TEST_PASSWORD,
  addMember,
  createSigninFixture,
  createUser,
  dbExec,
  dbQuery,
  http as libHttp,
  pkcePair,
  randomUUID,
  readConfig,
  redeemCode,
  uniqueEmail,
} from './lib.mjs';
import { fromNewIp } from './loopback-lib.mjs';
import { waitForMail } from './mail-lib.mjs';

const cfg = readConfig();
const AUTH_LIMIT = Number(cfg.auth_rate_limit || 160);
const OTHER_LIMIT = Number(cfg.rate_limit || 60000);
const DELAY_AFTER = Number(cfg.login_delay_after || 5);
const ACCOUNT_AFTER = Number(cfg.login_account_delay_after || 100);
const EMAIL_LIMIT = Number(cfg.account_email_limit || 3);

function login(c, email, password, clientId) {
  return c.postJson('auth/login', { email, password, clientId, codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' });
}

function remaining(r) {
  return Number((r.headers.get('ratelimit') || '').match(/;r=(\d+);/)?.[1]);
}

const pause = (ms) => new Promise((res) => setTimeout(res, ms));

/** Spellings of `email` that utf8mb4_unicode_ci (user.email's collation) finds equal to it. */
function collationVariants(email) {
  const [local, domain] = email.split('@');
  const variants = {
    'upper case': email.toUpperCase(),
    'an accent (exampl\\u00e9.com)': `${local}@${domain.replace('example', 'exampl\u00e9')}`,
    // local starts with a lower-case ASCII letter: its fullwidth form is U+FF41 + offset.
    'a fullwidth letter': `${String.fromCharCode(0xff41 + local.charCodeAt(0) - 97)}${local.slice(1)}@${domain}`,
    'a trailing no-break space': `${email}\u00A0`,
    'a combining accent': `${local}\u0301@${domain}`,
  };
  return variants;
}

describe('the password delay follows the account, not the spelling of its email', { concurrency: false }, () => {
  it("a collation-equivalent email never reaches another account's throttle bucket (a fresh one)", async () => {
    const fx = createSigninFixture('thr-coll');
    const variants = collationVariants(fx.email);
    // The premise: each spelling finds the account (the lookup's collation).
    for (const [what, v] of Object.entries(variants)) {
      const found = dbQuery('SELECT id FROM user WHERE email = ?', [v]);
      assert.deepEqual(found, [[fx.userId]], `${what}: ${JSON.stringify(v)} should find the user`);
    }
    const attacker = fromNewIp();
    for (let i = 0; i < DELAY_AFTER; i++) {
      const r = await login(attacker, fx.email, 'wrong-password-123', fx.clientId);
      assert.equal(r.status, 400, `failure ${i + 1}: ${r.text}`);
    }
    for (const [what, v] of Object.entries(variants)) {
      const r = await login(attacker, v, fx.password, fx.clientId);
      assert.equal(r.status, 429, `${what}: the right password during the backoff must wait, got ${r.status} ${r.text}`);
      assert.match(r.headers.get('retry-after') || '', /^[1-9]\d*$/, what);
    }
    assert.equal(Number(dbQuery('SELECT COUNT(*) FROM login WHERE user_id = ?', [fx.userId])[0][0]), 0, 'no Login was made');
  });

  it('an unknown email is keyed by its folded form: its spellings share one bucket too (no oracle)', async () => {
    const fx = createSigninFixture('thr-unknown');
    const nobody = uniqueEmail('nobody');
    const c = fromNewIp();
    for (let i = 0; i < DELAY_AFTER; i++) assert.equal((await login(c, nobody, 'wrong-password-123', fx.clientId)).status, 400);
    for (const [what, v] of Object.entries(collationVariants(nobody))) {
      const r = await login(c, v, 'wrong-password-123', fx.clientId);
      assert.equal(r.status, 429, `${what}: ${r.status} ${r.text}`);
    }
  });
});

describe('the HTML pages count as auth requests', () => {
  it('/signin, /oauth, /oauth/mfa, /register, /resetpassword, /setpassword/*, /verifyemail/*, /changepassword: the auth bucket', async (t) => {
    if (AUTH_LIMIT === OTHER_LIMIT) return t.skip('auth_rate_limit equals rate_limit: the classes cannot be told apart');
    const c = fromNewIp();
    const paths = [
      'signin', 'oauth', 'oauth/mfa', 'register', 'register/project', 'resetpassword', `setpassword/${randomUUID()}/abc`,
      `verifyemail/${randomUUID()}/abc`, 'changepassword', 'api/signin',
    ];
    let expected = AUTH_LIMIT - 1;
    let lastReset = 61;
    for (const p of paths) {
      for (const method of ['GET', 'POST']) {
        const r = await c.http(p, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: method === 'POST' ? 'a=b' : undefined });
        const reset = Number((r.headers.get('ratelimit') || '').match(/;t=(\d+)$/)?.[1]);
        if (reset > lastReset) expected = AUTH_LIMIT - 1; // a new window started
        lastReset = reset;
        assert.equal(remaining(r), expected, `${method} /${p} (${r.status}): counted against auth_rate_limit (${AUTH_LIMIT}), not rate_limit (${OTHER_LIMIT})`);
        expected--;
      }
    }
    // The same bucket as the JSON sign-in.
    const r = await c.postJson('auth/login', {});
    assert.ok(remaining(r) === expected || remaining(r) === AUTH_LIMIT - 1, `auth/login: ${remaining(r)}`);
  });
});

describe('a per-account ceiling across addresses', () => {
  it("many addresses' failures make every new address wait; the owner's known address is never delayed", async () => {
    const fx = createSigninFixture('thr-ceiling');
    const owner = fromNewIp();
    const ok = await login(owner, fx.email, fx.password, fx.clientId);
    assert.equal(ok.status, 200, `the owner signs in once: ${ok.text}`);
    // ACCOUNT_AFTER failures, each from an address of its own (no per-IP delay applies).
    for (let i = 0; i < ACCOUNT_AFTER; i += 4) {
      await Promise.all(
        Array.from({ length: Math.min(4, ACCOUNT_AFTER - i) }, async () => {
          const r = await login(fromNewIp(), fx.email, 'wrong-password-123', fx.clientId);
          assert.equal(r.status, 400, r.text);
        }),
      );
    }
    const newcomer = await login(fromNewIp(), fx.email, fx.password, fx.clientId);
    assert.equal(newcomer.status, 429, `a new address waits, even with the right password: ${newcomer.status} ${newcomer.text}`);
    assert.match(newcomer.headers.get('retry-after') || '', /^[1-9]\d*$/);
    const again = await login(owner, fx.email, fx.password, fx.clientId);
    assert.equal(again.status, 200, `the owner's address is not delayed: ${again.text}`);
  });
});

/** Waits until the after-response work of the reset requests has settled. */
async function settledCount(sql, params, ms = 3000) {
  let last = -1;
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    const n = Number(dbQuery(sql, params)[0][0]);
    if (n === last) return n;
    last = n;
    await pause(500);
  }
  return last;
}

describe('reset emails per account', { concurrency: true }, () => {
  it(`at most account_email_limit (${EMAIL_LIMIT}) reset links an hour per account; the answer stays All OK`, async () => {
    const fx = createSigninFixture('thr-mail');
    for (let i = 0; i < EMAIL_LIMIT + 3; i++) {
      const r = await fromNewIp().postJson('auth/resetpassword', { email: i % 2 ? fx.email.toUpperCase() : fx.email });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json?.issue?.[0]?.details?.text, 'All OK');
    }
    const requests = await settledCount("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'reset'", [fx.userId]);
    assert.equal(requests, EMAIL_LIMIT, 'reset requests made');
    const emails = await settledCount("SELECT COUNT(*) FROM email_outbox WHERE recipient = ? AND template = 'reset'", [fx.email]);
    assert.equal(emails, EMAIL_LIMIT, 'reset emails queued');
    // The last link sent still works: a flood beyond the limit supersedes nothing.
    const live = dbQuery("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'reset' AND NOT used", [fx.userId]);
    assert.equal(Number(live[0][0]), 1);
  });

  it("sendEmail:false from anyone but an admin of the user's project neither makes nor cancels a link", async () => {
    const fx = createSigninFixture('thr-nomail');
    const r1 = await fromNewIp().postJson('auth/resetpassword', { email: fx.email });
    assert.equal(r1.status, 200, r1.text);
    const mail = await waitForMail(fx.email);
    const link = mail.parts[0].text.match(/setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
    assert.ok(link, 'a set-password link in the email');
    const r2 = await fromNewIp().postJson('auth/resetpassword', { email: fx.email, sendEmail: false });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(r2.json?.issue?.[0]?.details?.text, 'All OK');
    await settledCount("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'reset'", [fx.userId]);
    const page = await libHttp(`setpassword/${link[1]}/${link[2]}`);
    assert.equal(page.status, 200, `the emailed link still works: ${page.status}`);
    assert.equal(Number(dbQuery("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'reset'", [fx.userId])[0][0]), 1, 'no request was made');
  });

  it("a project admin's sendEmail:false makes a request for a user of that project and sends nothing (Medplum's custom-email flow)", async () => {
    const fx = createSigninFixture('thr-admin');
    dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
    const pkce = pkcePair();
    const r = await fromNewIp().postJson('auth/login', { email: fx.email, password: fx.password, clientId: fx.clientId, codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' });
    assert.equal(r.status, 200, r.text);
    const tokens = await redeemCode(r.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(tokens.status, 200, tokens.text);
    const email = uniqueEmail('thr-scoped');
    const userId = createUser({ email, password: TEST_PASSWORD, project: fx.projectId });
    addMember({ project: fx.projectId, user: userId });
    const c = fromNewIp();
    const res = await c.postJson('auth/resetpassword', { email, projectId: fx.projectId, sendEmail: false }, { Authorization: `Bearer ${tokens.json.access_token}` });
    assert.equal(res.status, 200, res.text);
    const n = await settledCount("SELECT COUNT(*) FROM security_request WHERE user_id = ? AND type = 'reset'", [userId]);
    assert.equal(n, 1, 'the request is made');
    assert.equal(Number(dbQuery('SELECT COUNT(*) FROM email_outbox WHERE recipient = ?', [email])[0][0]), 0, 'and nothing is sent');
  });
});
