// SPDX-License-Identifier: BSD-2-Clause
// Fault test (issue 7): a FastCGI program is killed with SIGKILL while a slow request (a
// password sign-in, running scrypt) is in flight. That request gets an error (a 5xx or a
// dropped connection), no other request does (client_credentials grants on another program
// run throughout), the web server starts the program again (lighttpd's mod_fastcgi restarts
// the processes of a bin-path backend; under Apache, tessera-spawn restarts its children),
// the next sign-ins succeed, and the database stays consistent.
//
// Named zz-… and waits until every other test file has finished (lib.mjs waitUntilAlone).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import {
  authLogin,
  createSigninFixture,
  dbQuery,
  fastcgiPrograms,
  pkcePair,
  postForm,
  redeemCode,
  waitUntilAlone,
} from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pidsOf(program) {
  return [...fastcgiPrograms()].filter(([, name]) => name === program).map(([pid]) => Number(pid));
}

/**
 * The sockets a process holds. An idle FastCGI process holds its listening socket (and its
 * database connection once it has one); a process working on a request holds the accepted
 * connection too. -1 if gone.
 */
function sockets(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return -1;
  }
}

/** The process state letter (R running, S sleeping…); '' if gone. */
function state(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return '';
  }
}

async function signInOnce(fx) {
  const pkce = pkcePair();
  const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
  if (l.status !== 200) return l.status;
  const t = await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
  return t.status;
}

const HALF_WRITTEN = [
  "SELECT COUNT(*) FROM login l LEFT JOIN user u ON u.id = l.user_id WHERE l.user_type = 'User' AND u.id IS NULL",
  'SELECT COUNT(*) FROM login WHERE code_hash IS NOT NULL AND membership_id IS NULL',
];

describe('a FastCGI program killed (SIGKILL) mid-request', () => {
  let fx;
  before(async () => {
    await waitUntilAlone();
    fx = createSigninFixture('fcgikill');
    for (let i = 0; i < 4; i++) assert.equal(await signInOnce(fx), 200);
  });

  it('only the request in flight fails; the program is restarted; the next requests succeed', async () => {
    const baseline = HALF_WRITTEN.map((sql) => dbQuery(sql)[0][0]);
    const before = pidsOf('tessera-login');
    assert.ok(before.length >= 1, 'tessera-login runs');

    // Other programs keep serving throughout.
    const stop = { done: false };
    const grants = [];
    const grantLoop = (async () => {
      while (!stop.done) {
        const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
        grants.push(r.status);
        await sleep(20);
      }
    })();

    // The sign-in in flight: wait until a tessera-login process has accepted its connection
    // and is running (scrypt), then kill that process only. The request is sent only when
    // every process is idle, and if it still ends before the kill lands (a miss: it got its
    // answer), the next attempt tries again.
    let busy;
    let outcome;
    const killed = [];
    for (let attempt = 0; attempt < 5 && !(outcome?.error || outcome?.status >= 500); attempt++) {
      // After a miss, the web server first replaces the process killed idle.
      for (const deadline = Date.now() + 30_000; attempt && Date.now() < deadline; await sleep(100)) {
        const now = pidsOf('tessera-login');
        if (now.length === before.length && !killed.some((p) => now.includes(p))) break;
      }
      const live = pidsOf('tessera-login');
      const idle = new Map(live.map((p) => [p, sockets(p)]));
      const inflight = authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() }).then(
        (r) => ({ status: r.status, text: r.text.slice(0, 80) }),
        (e) => ({ error: e.message }),
      );
      let answered = false;
      inflight.then(() => (answered = true));
      busy = undefined;
      const deadline = Date.now() + 10_000;
      while (!busy && !answered && Date.now() < deadline) {
        busy = live.find((p) => sockets(p) > idle.get(p) && state(p) === 'R');
        if (!busy) await sleep(1);
      }
      if (busy) {
        process.kill(busy, 'SIGKILL');
        killed.push(busy);
      }
      outcome = await inflight;
      if (!busy) assert.ok(answered, 'no tessera-login process took the sign-in within 10 s');
    }
    assert.ok(busy, 'a tessera-login process worked on the sign-in');
    assert.ok(outcome.error || outcome.status >= 500, `the request in flight fails: ${JSON.stringify(outcome)}`);

    // That one request only: the next sign-ins succeed at once (the web server sends them
    // to the other process, or to the restarted one).
    for (let i = 0; i < 5; i++) assert.equal(await signInOnce(fx), 200, `sign-in ${i} after the kill`);

    // The web server starts a new process in place of the killed one.
    let after = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
      after = pidsOf('tessera-login');
      if (after.length === before.length && !killed.some((p) => after.includes(p))) break;
    }
    assert.ok(!killed.some((p) => after.includes(p)), 'the killed process is gone');
    assert.equal(after.length, before.length, `as many tessera-login processes as before: ${before} → ${after}`);
    for (let i = 0; i < 5; i++) assert.equal(await signInOnce(fx), 200, 'the restarted program serves');

    stop.done = true;
    await grantLoop;
    assert.ok(grants.length > 5);
    assert.deepEqual([...new Set(grants)], [200], 'another program was not disturbed');
    assert.deepEqual(HALF_WRITTEN.map((sql) => dbQuery(sql)[0][0]), baseline, 'nothing half-written');
    console.log(`in flight: ${JSON.stringify(outcome)}; killed ${killed}; tessera-login ${before} → ${after}`);
  });
});
