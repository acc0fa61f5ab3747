// SPDX-License-Identifier: BSD-2-Clause
// Fault test (issue 7): MariaDB is killed with SIGKILL (not a clean shutdown) while
// concurrent password sign-ins (JSON /auth/login + the code's token request) and
// client_credentials grants run. While it is away requests get 503 (never 500, never a hang
// or a dropped connection), no FastCGI program crashes (the same processes serve before and
// after), nothing is half-written (consistency checks in SQL after InnoDB's crash recovery),
// and once `scripts/dev db-start` has brought it back every request succeeds again.
//
// Named zz-… and waits until every other test file has finished (lib.mjs waitUntilAlone).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import {
  DEV,
  ROOT,
  authLogin,
  createSigninFixture,
  dbQuery,
  dev,
  fastcgiPrograms,
  pkcePair,
  postForm,
  redeemCode,
  waitUntilAlone,
} from './lib.mjs';

const PIDFILE = join(ROOT, 'var/run/mysqld.pid');
let killed = false;

function restoreDb() {
  if (!killed) return;
  dev('db-start');
  killed = false;
}
process.on('exit', () => {
  try {
    restoreDb();
  } catch (e) {
    console.error('scripts/dev db-start failed:', e.message);
  }
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds (at most `ms`). */
async function waitFor(what, cond, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}: ${JSON.stringify({ login: [...seen.login], cc: [...seen.cc] })}`);
    await sleep(50);
  }
}

/** The statuses each kind of request got, and anything that was not an HTTP answer. */
const seen = { login: new Map(), token: new Map(), cc: new Map(), errors: [], unexpected: [] };
function count(kind, r) {
  seen[kind].set(r.status, (seen[kind].get(r.status) || 0) + 1);
  if (r.status !== 200 && r.status !== 503 && seen.unexpected.length < 5) seen.unexpected.push(`${kind} ${r.status} ${r.text.slice(0, 200)}`);
}

async function signInWorker(fx, stop) {
  while (!stop.done) {
    try {
      const pkce = pkcePair();
      const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
      count('login', l);
      if (l.status === 200) {
        const t = await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
        count('token', t);
      }
    } catch (e) {
      seen.errors.push(`sign-in: ${e.message}`);
    }
  }
}

async function grantWorker(fx, stop) {
  while (!stop.done) {
    try {
      const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
      count('cc', r);
      if (r.status === 503) {
        assert.equal(r.json?.resourceType, 'OperationOutcome', `${r.headers.get('content-type')} ${r.text.slice(0, 300)}`);
        assert.equal(r.headers.get('x-content-type-options'), 'nosniff', 'the 503 carries the standard headers');
        assert.equal(r.headers.get('cache-control'), 'no-store, no-cache, must-revalidate');
      }
    } catch (e) {
      seen.errors.push(`client_credentials: ${e.message}`);
    }
  }
}

/** Rows that a half-written change would leave: their number must not grow (some may exist
 * legitimately, e.g. an invite request whose membership an admin removed later). */
const CONSISTENCY = {
  'user login without its user': "SELECT COUNT(*) FROM login l LEFT JOIN user u ON u.id = l.user_id WHERE l.user_type = 'User' AND u.id IS NULL",
  'client login without its client': "SELECT COUNT(*) FROM login l LEFT JOIN client_application c ON c.id = l.user_id WHERE l.user_type = 'ClientApplication' AND c.id IS NULL",
  'a code without a membership': 'SELECT COUNT(*) FROM login WHERE code_hash IS NOT NULL AND membership_id IS NULL',
  'a granted code login without a membership': "SELECT COUNT(*) FROM login WHERE granted AND user_type = 'User' AND membership_id IS NULL",
  'a membership without its project': 'SELECT COUNT(*) FROM project_membership m LEFT JOIN project p ON p.id = m.project_id WHERE p.id IS NULL',
  'an invite request without a membership': "SELECT COUNT(*) FROM security_request s WHERE s.type = 'invite' AND s.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM project_membership m WHERE m.user_id = s.user_id AND m.project_id = s.project_id)",
};

describe('MariaDB killed (SIGKILL) under load', () => {
  let fx;
  before(async () => {
    await waitUntilAlone();
    fx = createSigninFixture('dbkill');
  });
  after(() => restoreDb());

  it('only 200 or 503 while it dies and comes back; no crash; consistent rows; full service after', async () => {
    const baseline = Object.fromEntries(Object.entries(CONSISTENCY).map(([name, sql]) => [name, Number(dbQuery(sql)[0][0])]));
    const programs = fastcgiPrograms();
    assert.ok(programs.size >= 7, `the FastCGI programs run: ${[...programs.values()]}`);

    const stop = { done: false };
    const workers = [signInWorker(fx, stop), signInWorker(fx, stop), grantWorker(fx, stop), grantWorker(fx, stop), grantWorker(fx, stop)];
    // Under load first: both kinds of request have succeeded.
    const met = (kind, status) => seen[kind].get(status) || 0;
    await waitFor('sign-ins and grants under way', () => met('login', 200) >= 2 && met('cc', 200) >= 3);
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    killed = true;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
    assert.ok(!alive(pid), 'mariadbd is gone');
    // Requests meet the dead database: both kinds have had their 503.
    await waitFor('503s from the dead database', () => met('login', 503) > 0 && met('cc', 503) > 0);
    // scripts/dev db-start (InnoDB crash recovery, then the socket answers), run without
    // blocking, so requests also meet the database while it starts.
    await promisify(execFile)(DEV, ['db-start'], { timeout: 120_000 });
    killed = false;
    // Requests meet the recovered database: new successes of both kinds since it came back.
    const [logins, grants] = [met('login', 200), met('cc', 200)];
    await waitFor('200s from the recovered database', () => met('login', 200) >= logins + 2 && met('cc', 200) >= grants + 3);
    stop.done = true;
    await Promise.all(workers);

    const report = JSON.stringify({ login: [...seen.login], token: [...seen.token], cc: [...seen.cc], errors: seen.errors.slice(0, 5), unexpected: seen.unexpected });
    assert.deepEqual(seen.errors, [], report);
    for (const kind of ['login', 'token', 'cc'])
      for (const status of seen[kind].keys()) assert.ok(status === 200 || status === 503, `${kind} got ${status}: ${report}`);
    assert.ok(seen.cc.get(503) > 0 && seen.login.get(503) > 0, `the outage was met: ${report}`);
    assert.ok(seen.cc.get(200) > 0 && seen.login.get(200) > 0, report);

    // No program crashed: the very same processes still serve.
    const now = fastcgiPrograms();
    for (const [p, name] of programs) assert.ok(now.has(p), `${name} (pid ${p}) still runs`);

    // After the recovery: nothing half-written, and every request succeeds.
    for (const [name, sql] of Object.entries(CONSISTENCY)) assert.equal(Number(dbQuery(sql)[0][0]), baseline[name], `after: ${name}`);
    for (let i = 0; i < 5; i++) {
      const pkce = pkcePair();
      const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce });
      assert.equal(l.status, 200, l.text);
      const t = await redeemCode(l.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
      assert.equal(t.status, 200, t.text);
      const g = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
      assert.equal(g.status, 200, g.text);
    }
    console.log(`statuses during the kill: ${report}`);
  });
});
