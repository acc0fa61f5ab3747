// SPDX-License-Identifier: BSD-2-Clause
// The scale-out races (issue 21, docs/SCALING.md) on the single-node stack: what two web nodes
// do at once, done by two processes at once.
//   - Two mailers (besides the stack's own) over one outbox: every email is sent exactly once;
//     a row left 'sending' by a mailer that died is handed back after its lease and sent once.
//   - Two `tessera-admin keys rotate` at once, several times: both succeed, exactly one key
//     signs afterwards, every key either made verifies; the database itself refuses a second
//     active key (sql/028), which is what holds across Galera nodes, where GET_LOCK does not.
//
// The rotations change the signing keys every other file uses, so this file is named zz-… and
// waits until the others have ended (lib.mjs waitUntilAlone); retired keys keep verifying.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { ADMIN, CONFIG, clientCredentialsToken, createFixture, dbExec, dbQuery, http, randomUUID, waitUntilAlone } from './lib.mjs';
import { MAILER, mailsTo } from './mail-lib.mjs';

/** Runs a program with the stack's configuration only; resolves { status, stdout, stderr }. */
function runAsync(program, args) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TESSERA_')) env[k] = v;
  env.TESSERA_CONFIG = CONFIG;
  return new Promise((resolve) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  await waitUntilAlone();
});

describe('two mailers over one outbox', () => {
  it('each email is sent exactly once, and a dead mailer\'s row is retaken after its lease', async () => {
    const tag = randomUUID().slice(0, 8);
    const addresses = Array.from({ length: 30 }, (_, i) => `race-${tag}-${i}@example.com`);
    const values = addresses.map((a, i) => `('${randomUUID()}', '${a}', 'race ${tag} ${i}', 'body ${i}')`);
    const stale = randomUUID();
    const staleAddress = `race-${tag}-stale@example.com`;
    dbExec(`INSERT INTO email_outbox (id, recipient, subject, body_text) VALUES ${values.join(', ')}`);
    // Claimed 11 minutes ago by a mailer that is gone (the lease: MAIL_STALE_SECONDS, 600 s).
    dbExec(
      "INSERT INTO email_outbox (id, recipient, subject, body_text, status, claimed_by, claimed_at) " +
        "VALUES (?, ?, 'race stale', 'body', 'sending', ?, UTC_TIMESTAMP(3) - INTERVAL 660 SECOND)",
      [stale, staleAddress, randomUUID()],
    );
    // Two more mailers at once, each a full pass (the stack's own mailer polls as well).
    const [a, b] = await Promise.all([runAsync(MAILER, ['--once']), runAsync(MAILER, ['--once'])]);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    const all = [...addresses, staleAddress];
    const deadline = Date.now() + 20_000;
    for (;;) {
      const left = dbQuery(
        `SELECT COUNT(*) FROM email_outbox WHERE status <> 'sent' AND recipient IN (${all.map((x) => `'${x}'`).join(',')})`,
      )[0][0];
      if (left === '0') break;
      assert.ok(Date.now() < deadline, `${left} emails not sent within 20 s`);
      await sleep(200);
    }
    await sleep(500); // the sink has written every message it accepted
    const counts = all.map((address) => [address, mailsTo(address).length]);
    assert.deepEqual(counts.filter(([, n]) => n !== 1), [], 'every email exactly once');
    const row = dbQuery('SELECT status, attempts, claimed_by IS NULL FROM email_outbox WHERE id = ?', [stale])[0];
    assert.deepEqual(row, ['sent', '2', '1'], 'the stale row: handed back (an attempt counted), then sent');
  });
});

describe('two key rotations at once', () => {
  it('both succeed, one key signs, every key made verifies', async () => {
    const made = [];
    for (let round = 0; round < 3; round++) {
      const both = await Promise.all([runAsync(ADMIN, ['keys', 'rotate']), runAsync(ADMIN, ['keys', 'rotate'])]);
      for (const r of both) {
        assert.equal(r.status, 0, `keys rotate: ${r.stdout}${r.stderr}`);
        const kid = r.stdout.match(/new signing key (\S+)/)?.[1];
        assert.ok(kid, r.stdout);
        made.push(kid);
      }
      const active = dbQuery('SELECT id FROM signing_key WHERE active');
      assert.equal(active.length, 1, `one active key after round ${round}: ${JSON.stringify(active)}`);
      assert.ok(made.slice(-2).includes(active[0][0]), 'the key that signs is one of the two just made');
    }
    const rows = dbQuery(
      `SELECT id, active OR expires_at > UTC_TIMESTAMP(3) FROM signing_key WHERE id IN (${made.map((k) => `'${k}'`).join(',')})`,
    );
    assert.equal(rows.length, made.length, 'every key made is stored');
    assert.deepEqual(rows.filter(([, verifies]) => verifies !== '1'), [], 'every key made still verifies');
    // A token from a program (signed with the key it has cached, for key_cache_seconds: the new
    // one or a retired one) is accepted.
    const fx = createFixture('race-keys');
    const t = await clientCredentialsToken(fx.clientId, fx.clientSecret);
    const me = await http('auth/me', { headers: { Authorization: `Bearer ${t.access_token}` } });
    assert.notEqual(me.status, 401, me.text);
  });

  it('the database refuses a second active key', () => {
    assert.throws(
      () =>
        dbExec("INSERT INTO signing_key (id, alg, jwk, active) VALUES (?, 'ES256', '{}', TRUE)", [randomUUID()]),
      /Duplicate entry/,
    );
  });
});
