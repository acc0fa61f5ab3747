// SPDX-License-Identifier: BSD-2-Clause
// Signing keys and key_encryption_key on the real stack (issue 22): `tessera-admin keys
// rotate` with overlap (new tokens carry the new kid, old ones verify until their key expires,
// the JWKS lists both), `keys wrap` (no private key in plain text in the database), MFA
// secrets sealed under the key, the forged-real-key tests of errors.test.mjs run (not skipped)
// while the keys are wrapped, and a malformed, wrong or missing key: a clear error at start-up,
// no crash, no new key made in place of the one that cannot be read.
//
// It changes shared state (var/tessera.conf, the signing keys), so it is named zz-… and waits
// until every other test file has ended (lib.mjs waitUntilAlone). Afterwards, and on exit or
// SIGINT/SIGTERM whatever happened, it puts back the configuration and the signing_key rows as
// they were and restarts the FastCGI programs so that they read them again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import {
  ADMIN,
  CONFIG,
  PROGRAM_DIR,
  ROOT,
  assertUnauthorized,
  authLogin,
  authMe,
  clientCredentialsToken,
  createSigninFixture,
  dbExec,
  dbQuery,
  decodeJwt,
  fastcgiPrograms,
  http,
  keywrapOpen,
  pkcePair,
  postForm,
  postJson,
  refreshGrant,
  signIn,
  tesseraAdmin,
  url,
  waitUntilAlone,
} from './lib.mjs';
import { freshCode, uriSecret } from './mfa-lib.mjs';

const here = new URL('.', import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const KEY_CACHE = 2; // key_cache_seconds while this file runs (default 60)
const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

// ------------------------------------------------------------------ saved state

const originalConfig = readFileSync(CONFIG, 'utf8');
let savedKeys = null; // the signing_key rows, as they were
let changed = false;

function saveKeys() {
  savedKeys = dbQuery(
    `SELECT id, alg, HEX(jwk), wrapped, active, created_at, COALESCE(retired_at, ''), COALESCE(expires_at, '')
       FROM signing_key`,
  );
}

function restoreKeys() {
  dbExec('DELETE FROM signing_key');
  for (const [id, alg, jwkHex, wrapped, active, created, retired, expires] of savedKeys) {
    dbExec(
      `INSERT INTO signing_key (id, alg, jwk, wrapped, active, created_at, retired_at, expires_at)
       VALUES (?, ?, UNHEX(?), ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''))`,
      [id, alg, jwkHex, Number(wrapped), Number(active), created, retired, expires],
    );
  }
}

/** var/tessera.conf as it was, plus these lines. */
function writeConfig(lines = []) {
  changed = true;
  writeFileSync(CONFIG, originalConfig.replace(/\n*$/, '\n') + lines.map((l) => l + '\n').join(''));
}

function restoreAll() {
  if (!changed) return;
  writeFileSync(CONFIG, originalConfig);
  if (savedKeys) restoreKeys();
  restartProgramsSync();
  changed = false;
}

process.on('exit', () => {
  try {
    restoreAll();
  } catch (e) {
    console.error('zz-keys: restoring the configuration and the keys failed:', e.message);
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    try {
      restoreAll();
    } finally {
      process.exit(130);
    }
  });
}

// ------------------------------------------------------------------ programs and logs

/**
 * Ends every FastCGI program (SIGTERM, as web servers stop them) and waits until the web
 * server has started as many new ones (lighttpd restarts a dead bin-path backend,
 * tessera-spawn its children) and the stack answers: the new processes read the
 * configuration afresh. Synchronous, so that it can run on exit too.
 */
function restartProgramsSync(timeoutMs = 30_000) {
  const before = fastcgiPrograms();
  const want = new Map();
  for (const name of before.values()) want.set(name, (want.get(name) || 0) + 1);
  for (const pid of before.keys()) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = fastcgiPrograms();
    const have = new Map();
    for (const name of now.values()) have.set(name, (have.get(name) || 0) + 1);
    const fresh = ![...now.keys()].some((pid) => before.has(pid));
    if (fresh && [...want].every(([name, n]) => (have.get(name) || 0) >= n)) break;
    if (Date.now() > deadline) throw new Error(`the FastCGI programs did not come back: ${[...want]} → ${[...have]}`);
    sleepSync(100);
  }
  // Every program answers (a route of each that needs no key: the discovery document, a page,
  // a malformed token request); the web server may need a moment to connect to new processes.
  for (;;) {
    const code = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', url('.well-known/openid-configuration')], {
      encoding: 'utf8',
    });
    if (code === '200') break;
    if (Date.now() > deadline) throw new Error(`discovery answers ${code} after the restart`);
    sleepSync(100);
  }
}

const LOGS = ['lighttpd-error.log', 'apache-error.log'].map((f) => join(ROOT, 'var/log', f));

/** Where the web servers' error logs (the programs' stderr) end now. */
function logMarks() {
  return LOGS.map((f) => (existsSync(f) ? statSync(f).size : 0));
}

/** What the error logs gained since the marks. */
function logSince(marks) {
  return LOGS.map((f, i) => (existsSync(f) ? readFileSync(f).subarray(marks[i]).toString('utf8') : '')).join('');
}

async function waitFor(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// ------------------------------------------------------------------ helpers

function kidOf(token) {
  return decodeProtectedHeader(token).kid;
}

async function jwks() {
  const r = await http('.well-known/jwks.json');
  assert.equal(r.status, 200, r.text);
  return r.json.keys;
}

function keyRow(kid) {
  const [row] = dbQuery(
    `SELECT active, wrapped, jwk, TIMESTAMPDIFF(SECOND, retired_at, expires_at) FROM signing_key WHERE id = ?`,
    [kid],
  );
  assert.ok(row, `signing key ${kid} in the database`);
  return { active: row[0] === '1', wrapped: row[1] === '1', jwk: row[2], overlap: Number(row[3]) };
}

/** Every client_credentials token carries `kid` (each process refreshes its cache on its own). */
async function waitForSigner(fx, kid) {
  await waitFor(`tokens signed with ${kid}`, async () => kidOf((await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token) === kid);
  // Within key_cache_seconds every process has read the keys again.
  await sleep((KEY_CACHE + 1) * 1000);
  for (let i = 0; i < 8; i++) {
    assert.equal(kidOf((await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token), kid, `token ${i} signed with the new key`);
  }
}

/** tessera-admin with a given configuration file: { status, stdout, stderr }. */
function adminWith(configText, ...args) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
  try {
    const file = join(dir, 'tessera.conf');
    writeFileSync(file, configText, { mode: 0o600 });
    return runWith(file, ADMIN, args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWith(configFile, program, args, input) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TESSERA_')) env[k] = v;
  env.TESSERA_CONFIG = configFile;
  const r = spawnSync(program, args, { env, encoding: 'utf8', input, timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** tessera-admin with the shared configuration as it is now: { status, stdout, stderr }. */
function admin(...args) {
  return runWith(CONFIG, ADMIN, args);
}

/** Sign-in with a second factor: password, then /auth/mfa/verify; asserts a code came back. */
async function signInWithTotp(fx, secret) {
  const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.mfaRequired, true, r.text);
  const v = await postJson('auth/mfa/verify', { login: r.json.login, token: await freshCode(secret, fx.userId) });
  assert.equal(v.status, 200, v.text);
  assert.match(v.json.code, /^[0-9a-f]{32}$/);
}

/** Enrolls a user in TOTP during sign-in; returns the base32 secret. */
async function enroll(fx) {
  dbExec('UPDATE user SET mfa_required = 1 WHERE id = ?', [fx.userId]);
  const r = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
  assert.equal(r.json?.mfaEnrollRequired, true, r.text);
  const secret = uriSecret(r.json.enrollUri);
  const e = await postJson('auth/mfa/login-enroll', { login: r.json.login, token: await freshCode(secret, fx.userId) });
  assert.equal(e.status, 200, e.text);
  return secret;
}

// ------------------------------------------------------------------ the tests

describe('signing keys: rotation, wrapping at rest, key_encryption_key', () => {
  const kek = randomBytes(32).toString('hex');
  const cache = `key_cache_seconds = ${KEY_CACHE}`;
  let fx;
  let mfaBefore; // enrolled before key_encryption_key was set: its secret is sealed under hash_key (h1)
  let mfaSecretBefore;
  let kidA; // the key in use when the file starts
  let kidB; // made by the first rotation, wrapped later
  let kidC; // made by the rotation while key_encryption_key is set
  let tokenB; // an access token signed with B before wrapping

  before(async () => {
    await waitUntilAlone();
    saveKeys();
    writeConfig([cache]);
    restartProgramsSync();
    fx = createSigninFixture('keys');
    mfaBefore = createSigninFixture('keys-mfa-h1');
    mfaSecretBefore = await enroll(mfaBefore);
    assert.match(dbQuery('SELECT mfa_secret FROM user WHERE id = ?', [mfaBefore.userId])[0][0], /^h1\./);
  });

  after(() => restoreAll());

  it('keys rotate: new tokens carry the new kid, the JWKS lists both, old tokens verify until their key expires', async () => {
    const old = await signIn(fx, { login: { scope: 'openid offline' } });
    kidA = kidOf(old.tokens.access_token);
    const oldCc = (await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token;
    assert.equal(kidOf(oldCc), kidA);
    const jwkA = (await jwks()).find((k) => k.kid === kidA);
    assert.ok(jwkA, 'the JWKS lists the key in use');

    const out = tesseraAdmin('keys', 'rotate');
    const m = out.match(new RegExp(`^new signing key (${UUID_RE.source}) \\((ES256|RS256)\\); previous keys verify for (\\d+) more seconds$`, 'm'));
    assert.ok(m, out);
    kidB = m[1];
    const keep = Number(m[3]);
    assert.notEqual(kidB, kidA);
    // The overlap covers the longest token lifetime (the refresh token's, 2 weeks by default) plus 5 minutes.
    assert.ok(keep >= 300 + decodeJwt(old.tokens.refresh_token).exp - decodeJwt(old.tokens.refresh_token).iat, `overlap ${keep} s`);
    const a = keyRow(kidA);
    assert.equal(a.active, false, 'the old key no longer signs');
    assert.equal(a.overlap, keep, 'the old key expires after the overlap');
    assert.equal(keyRow(kidB).active, true);
    assert.equal(keyRow(kidB).wrapped, false, 'no key_encryption_key: not wrapped');
    const list = tesseraAdmin('keys', 'list');
    assert.match(list, new RegExp(`^${kidA}\\t\\w+\\tverify-only\\tplain\\t`, 'm'));
    assert.match(list, new RegExp(`^${kidB}\\t\\w+\\tsigning\\tplain\\t`, 'm'));

    // The programs pick the new key up within key_cache_seconds.
    await waitForSigner(fx, kidB);
    const fresh = await signIn(fx);
    assert.equal(kidOf(fresh.tokens.access_token), kidB);
    assert.equal(kidOf(fresh.tokens.id_token), kidB);
    tokenB = fresh.tokens.access_token;

    // Both keys in the JWKS; the old key's public part unchanged.
    const keys = await jwks();
    assert.deepEqual(keys.find((k) => k.kid === kidA), jwkA);
    assert.ok(keys.find((k) => k.kid === kidB), 'the JWKS lists the new key');

    // Old tokens still verify, and the old refresh token still refreshes (new tokens, new key).
    assert.equal((await authMe(old.tokens.access_token)).status, 200, 'a token of the old key verifies');
    assert.equal((await authMe(oldCc)).status, 200);
    const refreshed = await refreshGrant(old.tokens.refresh_token, { clientId: fx.clientId });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(kidOf(refreshed.json.access_token), kidB);
    assert.equal((await authMe(tokenB)).status, 200);

    // The overlap ends (made to end now): the old key leaves the JWKS and its tokens no longer verify.
    dbExec('UPDATE signing_key SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [kidA]);
    await waitFor('the old key to leave the JWKS', async () => !(await jwks()).some((k) => k.kid === kidA));
    await waitFor('the old key to stop verifying', async () => (await authMe(oldCc)).status === 401);
    await sleep((KEY_CACHE + 1) * 1000);
    for (let i = 0; i < 6; i++) assertUnauthorized(await authMe(oldCc));
    assert.equal((await authMe(tokenB)).status, 200, 'the new key verifies');
  });

  it('keys wrap: no private key in plain text at rest; the programs use the wrapped keys; new keys are wrapped', async () => {
    // Without the key, wrap refuses clearly.
    const refused = admin('keys', 'wrap');
    assert.equal(refused.status, 2, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /key_encryption_key is not set/);

    // The procedure: set the key, restart the programs, then wrap (programs without the key
    // could not read the wrapped keys: see the last tests).
    const publicB = (await jwks()).find((k) => k.kid === kidB);
    writeConfig([cache, `key_encryption_key = ${kek}`]);
    const marks = logMarks();
    restartProgramsSync();
    const plain = Number(dbQuery('SELECT COUNT(*) FROM signing_key WHERE NOT wrapped')[0][0]);
    assert.ok(plain >= 1);
    const out = tesseraAdmin('keys', 'wrap');
    assert.equal(out.trim(), `${plain} key(s) wrapped`);
    assert.equal(tesseraAdmin('keys', 'wrap').trim(), '0 key(s) wrapped', 'wrapping twice changes nothing');

    for (const [kid, stored, wrapped] of dbQuery('SELECT id, jwk, wrapped FROM signing_key')) {
      assert.equal(wrapped, '1', `${kid} wrapped`);
      assert.match(stored, /^[A-Za-z0-9_-]+$/, `${kid}: base64url at rest, not a JWK`);
      assert.doesNotMatch(stored, /"d"|\{/);
      const jwk = JSON.parse(keywrapOpen(kek, stored, kid)); // the kid is the associated data
      assert.ok(jwk.d, `${kid}: the private key inside`);
      assert.throws(() => keywrapOpen(kek, stored, kidA === kid ? kidB : kidA), 'bound to its kid');
      assert.throws(() => keywrapOpen(randomBytes(32).toString('hex'), stored, kid), 'opens only under its key');
      if (kid === kidB) for (const f of ['kty', 'crv', 'x', 'y', 'n', 'e']) assert.equal(jwk[f], publicB[f], f);
    }
    assert.match(tesseraAdmin('keys', 'list'), new RegExp(`^${kidB}\\t\\w+\\tsigning\\twrapped\\t`, 'm'));
    assert.match(tesseraAdmin('status'), /^signing keys: \d+ \(signing: 1\)$/m);

    // Every process reads the wrapped rows within key_cache_seconds: same key, same tokens.
    await sleep((KEY_CACHE + 1) * 1000);
    assert.doesNotMatch(logSince(marks), /cannot be unwrapped|signing key|no usable/);
    assert.deepEqual((await jwks()).find((k) => k.kid === kidB), publicB);
    for (let i = 0; i < 4; i++) assert.equal((await authMe(tokenB)).status, 200, 'a token signed before the wrap verifies');
    const t = (await signIn(fx)).tokens.access_token;
    assert.equal(kidOf(t), kidB, 'the wrapped key signs');
    assert.equal((await authMe(t)).status, 200);

    // A key made now is wrapped from the start.
    const rot = tesseraAdmin('keys', 'rotate');
    kidC = rot.match(/^new signing key (\S+) \((?:ES256|RS256)\), wrapped;/m)?.[1];
    assert.ok(kidC, rot);
    const c = keyRow(kidC);
    assert.ok(c.wrapped && c.active);
    assert.ok(JSON.parse(keywrapOpen(kek, c.jwk, kidC)).d);
    await waitForSigner(fx, kidC);
    assert.equal((await authMe(tokenB)).status, 200, 'B verifies during its overlap');
  });

  it('errors.test.mjs forges with the real key while it is wrapped: nothing skipped', () => {
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', join(here, 'errors.test.mjs')], {
      cwd: here,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_TEST'))),
      encoding: 'utf8',
      timeout: 300_000,
    });
    const count = (what) => Number(r.stdout.match(new RegExp(`^# ${what} (\\d+)$`, 'm'))?.[1]);
    assert.equal(count('fail'), 0, r.stdout.slice(-3000) + r.stderr);
    assert.equal(count('skipped'), 0, 'no test skipped');
    assert.equal(count('todo'), 0);
    assert.ok(count('pass') > 30, `${count('pass')} passed`);
    assert.match(r.stdout, /^\s*ok \d+ - a real-key token that expired$/m);
    assert.match(r.stdout, /^\s*ok \d+ - a real-key token for a login that does not exist$/m);
  });

  it('MFA secrets: sealed under key_encryption_key (k1); one sealed before the key was set (h1) still works', async () => {
    const mfa = createSigninFixture('keys-mfa-k1');
    const secret = await enroll(mfa);
    const stored = dbQuery('SELECT mfa_secret FROM user WHERE id = ?', [mfa.userId])[0][0];
    assert.match(stored, /^k1\.[A-Za-z0-9_-]+$/, 'sealed under key_encryption_key');
    assert.ok(!stored.includes(secret));
    assert.equal(keywrapOpen(kek, stored.slice(3), `mfa:${mfa.userId}`), secret);
    assert.throws(() => keywrapOpen(kek, stored.slice(3), `mfa:${mfaBefore.userId}`), "bound to its user");
    await signInWithTotp(mfa, secret);
    // The older secret keeps its hash_key seal and keeps working.
    assert.match(dbQuery('SELECT mfa_secret FROM user WHERE id = ?', [mfaBefore.userId])[0][0], /^h1\./);
    await signInWithTotp(mfaBefore, mfaSecretBefore);
  });

  it('a malformed key_encryption_key: tessera-admin and the programs refuse to start, with the reason', () => {
    for (const [bad, why] of [
      ['ab'.repeat(31), /key_encryption_key must be 64 hex characters \(32 bytes\), not 62 characters$/m],
      ['ab'.repeat(33), /key_encryption_key must be 64 hex characters \(32 bytes\), not 66 characters$/m],
      ['g'.repeat(64), /key_encryption_key must be 64 hex characters \(32 bytes\), not 64 characters with a non-hex one$/m],
    ]) {
      const text = originalConfig.replace(/\n*$/, '\n') + `key_encryption_key = ${bad}\n`;
      const a = adminWith(text, 'status');
      assert.equal(a.status, 1, a.stdout + a.stderr);
      assert.match(a.stderr, /^tessera-admin: configuration: /m);
      assert.match(a.stderr, why);
      // A program started by hand (the web server would start it so): exit status 1, no signal.
      const dir = mkdtempSync(join(tmpdir(), 'tessera-keys-'));
      try {
        writeFileSync(join(dir, 'tessera.conf'), text, { mode: 0o600 });
        const p = runWith(join(dir, 'tessera.conf'), join(PROGRAM_DIR, 'tessera-token'), [], '');
        assert.equal(p.signal, null, 'no crash');
        assert.equal(p.status, 1, p.stdout + p.stderr);
        assert.match(p.stderr, /configuration: key_encryption_key must be 64 hex characters/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  for (const [what, lines, cause] of [
    ['a different key', () => [cache, `key_encryption_key = ${randomBytes(32).toString('hex')}`], 'is a different key'],
    ['no key', () => [cache], 'is not set'],
  ]) {
    it(`wrapped keys and ${what}: a clear start-up error, 503 (never 401), no crash, no new key`, async () => {
      const tokenC = (await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token;
      assert.equal(kidOf(tokenC), kidC);
      const keysBefore = dbQuery('SELECT id, active FROM signing_key ORDER BY id');
      writeConfig(lines());
      const st = admin('status');
      assert.equal(st.status, 1, st.stdout + st.stderr);
      assert.match(st.stdout, new RegExp(`^signing keys: \\d+ wrapped key\\(s\\) cannot be unwrapped: key_encryption_key ${cause}$`, 'm'));
      const list = admin('keys', 'list');
      assert.equal(list.status, 1);
      assert.match(list.stdout, new RegExp(`^${kidC}\\t\\w+\\tsigning\\twrapped, cannot unwrap\\t`, 'm'));

      const marks = logMarks();
      restartProgramsSync();
      const programs = fastcgiPrograms();
      const log = await waitFor('the start-up error in the log', () => {
        const l = logSince(marks);
        return /start-up: \d+ wrapped signing key\(s\) cannot be unwrapped/.test(l) && l;
      });
      assert.match(log, new RegExp(`start-up: \\d+ wrapped signing key\\(s\\) cannot be unwrapped: key_encryption_key ${cause}; tokens cannot be issued or verified`));

      // Nothing signs or verifies, but nobody is signed out: 503, not 401.
      const me = await authMe(tokenC);
      assert.equal(me.status, 503, me.text);
      assert.equal(me.json?.resourceType, 'OperationOutcome', me.text);
      const cc = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
      assert.equal(cc.status, 503, `no token without a key: ${cc.text}`);
      assert.equal(cc.json?.issue?.[0]?.details?.text, 'Service unavailable: the signing keys cannot be read', cc.text);
      const l = await authLogin({ email: fx.email, password: fx.password, clientId: fx.clientId, pkce: pkcePair() });
      assert.equal(l.status, 200, 'the password step needs no key');
      assert.equal((await http('.well-known/openid-configuration')).status, 200);
      assert.equal((await http('.well-known/jwks.json')).status, 503, 'no JWKS without its keys');

      // No crash (the same processes), and no new key made in place of the unreadable one.
      assert.deepEqual([...fastcgiPrograms().keys()].sort(), [...programs.keys()].sort(), 'the same processes');
      assert.deepEqual(dbQuery('SELECT id, active FROM signing_key ORDER BY id'), keysBefore, 'no new signing key');

      // The right key back: everything works again, the same tokens verify.
      writeConfig([cache, `key_encryption_key = ${kek}`]);
      assert.equal(admin('status').status, 0);
      restartProgramsSync();
      assert.equal((await authMe(tokenC)).status, 200, 'the token from before verifies again');
      assert.equal(kidOf((await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token), kidC);
    });
  }
});
