// SPDX-License-Identifier: BSD-2-Clause
// The scale-out tests (issue 21, docs/SCALING.md), run by `scripts/cluster test` against the
// cluster `scripts/cluster up` started: three Galera nodes, two web nodes, HAProxy in front.
//
//   - a sign-in (password, MFA, profile, token) whose steps alternate between the web nodes;
//   - a Galera node SIGKILLed under a load of client_credentials grants and sign-ins: errors
//     only in the failover window and under 1 %, no issued Login row missing afterwards on any
//     node, the node back through IST and every node answering;
//   - a web node SIGKILLed under load: the other serves everything;
//   - two mailers (one per web node) over one outbox: every email sent once, a row left
//     'sending' by a dead mailer retaken after its lease.
//
// TESSERA_CLUSTER_SHORT=1 (CI) shortens the loads. Figures go to stdout and to
// var/cluster/log/figures.txt.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT,
  addMember,
  createFixture,
  createProject,
  createSigninFixture,
  dbExec,
  http,
  pkcePair,
  postForm,
  postJson,
  randomUUID,
  uniqueName,
} from '../e2e/lib.mjs';
import { freshCode, totp, uriSecret } from '../e2e/mfa-lib.mjs';

const SHORT = process.env.TESSERA_CLUSTER_SHORT === '1';
const LB_PORT = Number(process.env.TESSERA_CLUSTER_PORT || 8180);
const GALERA_BASE = Number(process.env.TESSERA_GALERA_BASE || 24600);
const WEB = [1, 2].map((n) => `http://127.0.0.1:${LB_PORT + n}/`);
const LB = `http://127.0.0.1:${LB_PORT}/`;
const CVAR = join(ROOT, 'var/cluster');
const FIGURES = join(CVAR, 'log/figures.txt');
const CLUSTER = join(ROOT, 'scripts/cluster');

function figure(line) {
  console.log(`cluster: ${line}`);
  appendFileSync(FIGURES, `${line}\n`);
}

/** Runs SQL as root on Galera node n (its own socket): rows as arrays of strings. */
function nodeQuery(n, sql) {
  const out = execFileSync(
    'mariadb',
    ['--no-defaults', `--socket=${join(CVAR, `galera${n}/mysqld.sock`)}`, '--user=root', '--database=tessera',
      '--batch', '--skip-column-names', '--raw', '-e', sql],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
}

function nodeStatus(n, name) {
  return execFileSync(
    'mariadb',
    ['--no-defaults', `--socket=${join(CVAR, `galera${n}/mysqld.sock`)}`, '--user=root', '--batch',
      '--skip-column-names', '-e', `SHOW GLOBAL STATUS LIKE '${name}'`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).split('\t')[1]?.trim();
}

/** scripts/cluster <command> <n>, without blocking the event loop (the load goes on). */
function cluster(command, n) {
  return new Promise((resolve, reject) => {
    const child = spawn(CLUSTER, [command, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`scripts/cluster ${command} ${n}: ${code}\n${out}`))));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const at = (base, path) => new URL(path, base).toString();

/** The JSON API's sign-in steps against one base URL (a web node, or HAProxy). */
function loginAt(base, { email, password, clientId, pkce, ...rest }) {
  const body = { email, password, clientId, codeChallenge: pkce.challenge, codeChallengeMethod: pkce.method, ...rest };
  return postJson(at(base, 'auth/login'), body, { 'Content-Type': 'application/fhir+json' });
}

function redeemAt(base, code, clientId, verifier) {
  const p = { grant_type: 'authorization_code', code, code_verifier: verifier };
  if (clientId) p.client_id = clientId;
  return postForm(at(base, 'oauth2/token'), p);
}

function refreshAt(base, refreshToken, clientId) {
  return postForm(at(base, 'oauth2/token'), { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}

// ---------------------------------------------------------------- the load

/**
 * Runs `workers` loops until `ms` have passed, each request one of: a client_credentials grant
 * (3 in 4) or a sign-in (password → code → tokens). Returns every request's
 * { start, end, op, ok, status }, and the sign-ins' Login ids (issued: a code was given;
 * granted: tokens were given).
 */
async function load({ base, workers, ms, cc, signin }) {
  const stopAt = Date.now() + ms;
  const results = [];
  const issued = [];
  const granted = [];
  async function one(i) {
    const start = Date.now();
    const op = i % 4 === 3 ? 'signin' : 'cc';
    let ok = false;
    let status = 0;
    try {
      if (op === 'cc') {
        const r = await postForm(at(base, 'oauth2/token'), {
          grant_type: 'client_credentials', client_id: cc.clientId, client_secret: cc.clientSecret,
        });
        status = r.status;
        ok = r.status === 200 && !!r.json?.access_token;
      } else {
        const pkce = pkcePair();
        const r = await loginAt(base, { email: signin.email, password: signin.password, clientId: signin.clientId, pkce,
          scope: 'openid offline' });
        status = r.status;
        if (r.status === 200 && r.json?.code) {
          issued.push(r.json.login);
          const t = await redeemAt(base, r.json.code, signin.clientId, pkce.verifier);
          status = t.status;
          ok = t.status === 200 && !!t.json?.refresh_token;
          if (ok) granted.push(r.json.login);
        }
      }
    } catch (e) {
      status = `network: ${e.cause?.code || e.message}`;
    }
    results.push({ start, end: Date.now(), op, ok, status });
  }
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; Date.now() < stopAt; i += workers) await one(i);
    }),
  );
  return { results, issued, granted };
}

function summarize(name, { results }, killedAt) {
  const errors = results.filter((r) => !r.ok);
  const rate = (100 * errors.length) / Math.max(1, results.length);
  const window = errors.length ? Math.max(...errors.map((e) => e.end)) - Math.min(killedAt, ...errors.map((e) => e.start)) : 0;
  const seconds = (Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start))) / 1000;
  // The stall the fault caused: the slowest request in flight at the kill or started within 10 s
  // after it, against the median before it.
  const ms = (r) => r.end - r.start;
  const before = results.filter((r) => r.end < killedAt).map(ms).sort((a, b) => a - b);
  const around = results.filter((r) => r.end >= killedAt && r.start <= killedAt + 10_000).map(ms);
  const median = before.length ? before[Math.floor(before.length / 2)] : 0;
  figure(`${name}: ${results.length} requests in ${seconds.toFixed(1)} s (${(results.length / seconds).toFixed(0)}/s), ` +
    `${errors.length} errors (${rate.toFixed(2)} %), failover window ${window} ms (errors); ` +
    `slowest request around the fault ${around.length ? Math.max(...around) : 0} ms, median before ${median} ms`);
  const kinds = {};
  for (const e of errors) kinds[`${e.op} ${e.status}`] = (kinds[`${e.op} ${e.status}`] || 0) + 1;
  if (errors.length) figure(`${name}: errors by kind ${JSON.stringify(kinds)}`);
  return { errors, rate, window };
}

// ---------------------------------------------------------------- fixtures

let cc;
let signin;

before(() => {
  writeFileSync(FIGURES, `# scripts/cluster test, ${new Date().toISOString()}${SHORT ? ' (short)' : ''}\n`);
  cc = createFixture('cluster-cc');
  signin = createSigninFixture('cluster-si');
});

// ---------------------------------------------------------------- tests

describe('a sign-in across web nodes', () => {
  it('login on A, MFA on B, profile on A, token on B, /auth/me on A, refresh on B', async () => {
    const [A, B] = WEB;
    const fx = createSigninFixture('cluster-mfa');
    dbExec('UPDATE user SET mfa_required = 1 WHERE id = ?', [fx.userId]);
    // Enrollment: the login on A, the enrolling code on B.
    const first = await loginAt(A, { email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
    assert.equal(first.json?.mfaEnrollRequired, true, first.text);
    const secret = uriSecret(first.json.enrollUri);
    const enrolled = await postJson(at(B, 'auth/mfa/login-enroll'), { login: first.json.login, token: totp(secret) });
    assert.equal(enrolled.status, 200, enrolled.text);
    // A second membership and no client: the profile choice is a step of its own.
    const other = createProject(uniqueName('cluster-mfa-second'));
    addMember({ project: other, user: fx.userId, profile: 'Patient' });

    const pkce = pkcePair();
    const login = await loginAt(A, { email: fx.email, password: fx.password, pkce, scope: 'openid offline' });
    assert.equal(login.status, 200, login.text);
    assert.equal(login.json.mfaRequired, true, login.text);
    const verified = await postJson(at(B, 'auth/mfa/verify'), { login: login.json.login, token: await freshCode(secret, fx.userId) });
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.json.code, undefined, 'two memberships: no code before the profile');
    assert.ok(verified.json.memberships?.length === 2, verified.text);
    const profile = await postJson(at(A, 'auth/profile'), { login: login.json.login, profile: fx.membershipId });
    assert.equal(profile.status, 200, profile.text);
    assert.match(profile.json.code, /^[0-9a-f]{32}$/, profile.text);
    const tokens = await redeemAt(B, profile.json.code, undefined, pkce.verifier);
    assert.equal(tokens.status, 200, tokens.text);
    const me = await http(at(A, 'auth/me'), { headers: { Authorization: `Bearer ${tokens.json.access_token}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.membership?.id ?? fx.membershipId, fx.membershipId);
    const refreshed = await refreshAt(B, tokens.json.refresh_token, '');
    assert.equal(refreshed.status, 200, refreshed.text);
    figure('sign-in across web nodes: login A, MFA B, profile A, token B, me A, refresh B: ok');
  });
});

describe('a Galera node SIGKILLed under load', () => {
  it('errors only in the failover window (< 1 %), no lost grant, the node rejoins by IST, service whole', async () => {
    const ms = SHORT ? 16_000 : 45_000;
    const killAfter = ms * 0.25;
    const restartAfter = ms * 0.5;
    let killedAt = Infinity;
    let ist;
    const running = load({ base: LB, workers: 6, ms, cc, signin });
    await sleep(killAfter);
    figure(`galera: ${(await cluster('kill-galera', 1)).trim()} (web node 1's preferred node) at ${killAfter / 1000} s`);
    killedAt = Date.now();
    await sleep(restartAfter - killAfter);
    const t0 = Date.now();
    const started = await cluster('start-galera', 1);
    ist = (Date.now() - t0) / 1000;
    const outcome = await running;
    const { errors, rate, window } = summarize('galera kill', outcome, killedAt);
    const log = readFileSync(join(CVAR, 'galera1/mysqld.log'), 'utf8');
    // The log of the restart: IST (only the missed write sets), not a full copy (SST).
    const lastStart = log.slice(log.lastIndexOf('Starting MariaDB'));
    // (mariabackup's script logs "SST received" for an IST too: the donor's choice is its line.)
    const byIst = /Receiving IST: \d+ writesets|Running IST/.test(lastStart) && !/SST completed on joiner/.test(lastStart);
    const writesets = lastStart.match(/Receiving IST: (\d+) writesets/)?.[1] ?? '?';
    figure(`galera: node 1 back and Synced in ${ist.toFixed(1)} s, by ${byIst ? `IST (${writesets} write sets)` : 'SST'} (${started.match(/recovered position \S+/)?.[0] || 'no recovered position'})`);

    // Errors only in the failover window: none before the kill, none 15 s after it.
    assert.ok(rate < 1, `error rate ${rate.toFixed(2)} % (${errors.length} of ${outcome.results.length})`);
    for (const e of errors) {
      assert.ok(e.end >= killedAt - 100 && e.start <= killedAt + 15_000, `an error outside the failover window: ${JSON.stringify(e)}`);
    }
    assert.ok(outcome.granted.length > 0, 'sign-ins were granted during the load');
    // No lost grant: every Login that gave a code is there, and every one that gave tokens is
    // granted, on every node (the rejoined one too: IST).
    for (const n of [1, 2, 3]) {
      const missing = [];
      for (let i = 0; i < outcome.issued.length; i += 200) {
        const ids = outcome.issued.slice(i, i + 200);
        const rows = nodeQuery(n, `SELECT id, granted FROM login WHERE id IN (${ids.map((x) => `'${x}'`).join(',')})`);
        const found = new Map(rows.map(([id, g]) => [id, g === '1']));
        for (const id of ids) if (!found.has(id)) missing.push(id);
        for (const id of ids) if (outcome.granted.includes(id) && found.has(id) && !found.get(id)) missing.push(`${id} (not granted)`);
      }
      assert.deepEqual(missing, [], `Login rows missing on Galera node ${n}`);
    }
    figure(`galera: lost grants 0 (${outcome.issued.length} codes issued, ${outcome.granted.length} sign-ins granted, checked on 3 nodes)`);
    assert.ok(byIst, 'node 1 rejoined by IST');
    // The service is whole: every node Synced in a cluster of 3, both web nodes answer.
    for (const n of [1, 2, 3]) {
      assert.equal(nodeStatus(n, 'wsrep_local_state_comment'), 'Synced', `node ${n}`);
      assert.equal(nodeStatus(n, 'wsrep_cluster_size'), '3', `node ${n}'s cluster size`);
    }
    for (const base of WEB) {
      const r = await postForm(at(base, 'oauth2/token'), { grant_type: 'client_credentials', client_id: cc.clientId, client_secret: cc.clientSecret });
      assert.equal(r.status, 200, `${base}: ${r.text}`);
    }
    assert.ok(window < 15_000);
  });
});

describe('a web node SIGKILLed under load', () => {
  let killed = false;
  after(async () => {
    if (killed) await cluster('start-web', 2).catch((e) => console.error(e.message));
  });

  it('HAProxy sends everything to the other node', async () => {
    const ms = SHORT ? 8_000 : 16_000;
    let killedAt = Infinity;
    const running = load({ base: LB, workers: 4, ms, cc, signin });
    await sleep(ms * 0.3);
    figure(`web: ${(await cluster('kill-web', 2)).trim()}`);
    killed = true;
    killedAt = Date.now();
    const outcome = await running;
    const { errors } = summarize('web node kill', outcome, killedAt);
    const after = outcome.results.filter((r) => r.start > killedAt + 2000);
    assert.ok(after.length > 20, 'requests after the kill');
    assert.deepEqual(after.filter((r) => !r.ok), [], 'every request after the kill succeeds');
    // Only the requests web node 2 held when it died may fail (at most one per worker).
    assert.ok(errors.length <= 4, `${errors.length} errors`);
    // The node comes back and HAProxy uses it again.
    await cluster('start-web', 2);
    killed = false;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await http(at(WEB[1], 'healthz'));
      if (r.status === 200) break;
      assert.ok(Date.now() < deadline, 'web node 2 healthy again');
      await sleep(250);
    }
    figure('web: node 2 restarted and healthy');
  });
});

describe('two mailers', () => {
  it('each email is sent once; a row a dead mailer held is retaken after its lease', async () => {
    const tag = randomUUID().slice(0, 8);
    const count = SHORT ? 20 : 60;
    const ids = Array.from({ length: count }, () => randomUUID());
    const values = ids.map((id, i) => `('${id}', 'cluster-mail-${tag}-${i}@example.com', 'cluster ${tag} ${i}', 'body ${i}')`);
    // The dead mailer's row: claimed 11 minutes ago (the lease is MAIL_STALE_SECONDS, 600).
    const stale = randomUUID();
    nodeQuery(2, 'INSERT INTO email_outbox (id, recipient, subject, body_text) VALUES ' + values.join(',') +
      `, ('${stale}', 'cluster-mail-${tag}-stale@example.com', 'cluster ${tag} stale', 'body')`);
    nodeQuery(2, `UPDATE email_outbox SET status = 'sending', claimed_by = '${randomUUID()}', ` +
      `claimed_at = UTC_TIMESTAMP(3) - INTERVAL 660 SECOND WHERE id = '${stale}'`);
    const all = [...ids, stale];
    const t0 = Date.now();
    const deadline = t0 + 60_000;
    for (;;) {
      const rows = nodeQuery(1, `SELECT COUNT(*) FROM email_outbox WHERE status = 'sent' AND id IN (${all.map((x) => `'${x}'`).join(',')})`);
      if (Number(rows[0][0]) === all.length) break;
      assert.ok(Date.now() < deadline, `only ${rows[0][0]} of ${all.length} sent within 60 s`);
      await sleep(500);
    }
    await sleep(1000);
    const maildir = join(CVAR, 'mail');
    const seen = new Map();
    for (const f of readdirSync(maildir)) {
      const text = readFileSync(join(maildir, f), 'utf8');
      const m = text.match(/^Message-ID: <([0-9a-f-]{36})@/m);
      if (m && all.includes(m[1])) seen.set(m[1], (seen.get(m[1]) || 0) + 1);
    }
    const twice = [...seen].filter(([, n]) => n > 1);
    const never = all.filter((id) => !seen.has(id));
    figure(`mail: ${all.length} emails (one retaken after a dead mailer's lease) sent by 2 mailers in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
      `${seen.size} delivered, ${twice.length} twice, ${never.length} never`);
    assert.deepEqual(twice, [], 'no email sent twice');
    assert.deepEqual(never, [], 'every email sent');
  });
});
