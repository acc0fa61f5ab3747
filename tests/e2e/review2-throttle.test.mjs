// SPDX-License-Identifier: BSD-2-Clause
// Review 2 of issue 14 (finding 2c): the per-account ceiling must never be a lock-out an
// attacker triggers at will. Failures from many addresses make every address that has not
// signed in to the account wait (up to login_account_delay_max per attempt, renewed by each
// new failure), and the count survives the owner's password reset. An owner on a new address
// (a new device, a mobile network, a rotating IPv6 privacy address) who proves the mailbox
// with a reset link must then be able to sign in from that address.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fromNewIp } from './loopback-lib.mjs';
import { createSigninFixture, pkcePair, readConfig, waitForMail } from './lib.mjs';

const ACCOUNT_AFTER = Number(readConfig().login_account_delay_after || 100);
const NEW_PASSWORD = 'Mailbox_Proves_Owner_93';
const login = (c, email, password, clientId) =>
  c.postJson('auth/login', { email, password, clientId, codeChallenge: pkcePair().challenge, codeChallengeMethod: 'S256' });

describe('the per-account ceiling and the owner on a new address', () => {
  it('after a reset link used from an address, the owner signs in from it despite the ceiling', async () => {
    const fx = createSigninFixture('r2-ceiling');
    for (let i = 0; i < ACCOUNT_AFTER; i += 4) {
      await Promise.all(Array.from({ length: Math.min(4, ACCOUNT_AFTER - i) }, async () => {
        const r = await login(fromNewIp(), fx.email, 'wrong-password-123', fx.clientId);
        assert.equal(r.status, 400, r.text);
      }));
    }
    const owner = fromNewIp();
    const blocked = await login(owner, fx.email, fx.password, fx.clientId);
    assert.equal(blocked.status, 429, `premise: a new address waits: ${blocked.text}`);
    // The owner proves the mailbox: "Forgot password?", the link, a new password.
    const reset = await owner.postJson('auth/resetpassword', { email: fx.email });
    assert.equal(reset.status, 200, reset.text);
    const [mail] = await waitForMail(fx.email);
    const link = mail.text.match(/setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
    assert.ok(link, mail.text);
    const set = await owner.postJson('auth/setpassword', { id: link[1], secret: link[2], password: NEW_PASSWORD });
    assert.equal(set.status, 200, set.text);
    // Strangers still wait: the ceiling stands for every other address. The wait is short (it
    // doubles from 1 s per failure past the ceiling), so on a slow machine the reset above can
    // outlast it; then a stranger's failure counts and renews a longer wait, and the next one waits.
    const strangers = [];
    for (let i = 0; i < 5 && !strangers.includes(429); i++)
      strangers.push((await login(fromNewIp(), fx.email, 'wrong-password-123', fx.clientId)).status);
    assert.ok(strangers.includes(429) && strangers.every((s) => s === 400 || s === 429),
      `the ceiling no longer holds strangers after the owner's reset: ${strangers}`);
    const r = await login(owner, fx.email, NEW_PASSWORD, fx.clientId);
    assert.equal(r.status, 200, `the owner is locked out after proving the mailbox: ${r.status} ${r.text}`);
  });
});
