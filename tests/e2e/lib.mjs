// SPDX-License-Identifier: BSD-2-Clause
// Shared helpers for the end-to-end tests: where the stack is, fixtures made with
// tessera-admin, raw HTTP helpers and a read-only look into the database.
//
// scripts/dev test sets TESSERA_BASE_URL, TESSERA_ROOT, TESSERA_CONFIG, TESSERA_DB_SOCKET
// (and more); run by hand, the defaults below match `scripts/dev up`.
import { execFileSync, spawnSync } from 'node:child_process';
import { createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));

export const ROOT = process.env.TESSERA_ROOT || resolve(here, '../..');
// The FastCGI programs under test: cgi-bin/, or the ASan build's (scripts/dev test sets it).
export const PROGRAM_DIR = process.env.TESSERA_PROGRAM_DIR || join(ROOT, 'cgi-bin');
export const CONFIG = process.env.TESSERA_CONFIG || join(ROOT, 'var/tessera.conf');
export const BASE_URL = withSlash(process.env.TESSERA_BASE_URL || 'http://127.0.0.1:8080/');
export const ORIGIN = new URL(BASE_URL).origin;
export const ADMIN = join(ROOT, 'bin/tessera-admin');
export const DEV = join(ROOT, 'scripts/dev');

function withSlash(u) {
  return u.endsWith('/') ? u : u + '/';
}

/** Absolute URL of a path relative to the base URL ("oauth2/token"). */
export function url(path) {
  return new URL(path.replace(/^\//, ''), BASE_URL).toString();
}

/** A name unique to this run, for projects and clients. */
export function uniqueName(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

// ------------------------------------------------------------------ configuration

let configCache;
/** var/tessera.conf as an object (key = value lines). */
export function readConfig() {
  configCache ||= parseConfig(readFileSync(CONFIG, 'utf8'));
  return configCache;
}

function parseConfig(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

/** The migration account's file (admin_config): root-only, read by tessera-admin alone. */
export const ADMIN_CONFIG = readConfig().admin_config || join(ROOT, 'var/tessera-admin.conf');

let adminConfigCache;
/** The migration account's file as an object (db_admin_user, db_admin_password). */
export function readAdminConfig() {
  adminConfigCache ||= parseConfig(readFileSync(ADMIN_CONFIG, 'utf8'));
  return adminConfigCache;
}

/** app_base_url (with its slash): the base of the pages' links and redirects. */
export function appBase() {
  const a = readConfig().app_base_url || BASE_URL;
  return a.endsWith('/') ? a : a + '/';
}

// ------------------------------------------------------------------ tessera-admin

/** The environment for Tessera's programs: only TESSERA_CONFIG, so the file decides. */
function adminEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TESSERA_')) env[k] = v;
  env.TESSERA_CONFIG = CONFIG;
  return env;
}

export function tesseraAdmin(...args) {
  return execFileSync(ADMIN, args, { env: adminEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** tessera-admin reading `input` on its standard input (a secret never on the command line). */
export function tesseraAdminInput(input, ...args) {
  return execFileSync(ADMIN, args, { env: adminEnv(), input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** tessera-admin with its exit status: { status, stdout, stderr } (a refusal does not throw). */
export function tesseraAdminResult(...args) {
  const r = spawnSync(ADMIN, args, { env: adminEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/;

/**
 * A Login id: a UUID version 7 (time-ordered, so new Logins append to the table's B-trees)
 * whose time, the first 48 bits in milliseconds, is within a minute of now.
 */
export function assertLoginId(id, what = 'login id') {
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, what);
  const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.ok(Math.abs(ms - Date.now()) < 60_000, `${what}: time ${new Date(ms).toISOString()}`);
}

/** Creates a project; returns its id. */
export function createProject(name) {
  const out = tesseraAdmin('project', 'create', name);
  const m = out.match(UUID);
  assert.ok(m, `tessera-admin project create printed no id: ${out}`);
  return m[0];
}

/** Creates a client in a project; returns { id, secret }. */
export function createClient(projectId, name) {
  const out = tesseraAdmin('client', 'create', '--project', projectId, '--name', name);
  const id = out.match(/client_id:\s*(\S+)/)?.[1];
  const secret = out.match(/client_secret:\s*([0-9a-f]{64})\b/)?.[1];
  assert.ok(id && UUID.test(id), `tessera-admin client create printed no client_id: ${out}`);
  assert.ok(secret, `tessera-admin client create printed no 64-hex client_secret: ${out}`);
  return { id, secret };
}

/** A fresh project with one client, unique names. */
export function createFixture(prefix = 'e2e') {
  const projectName = uniqueName(`${prefix}-project`);
  const projectId = createProject(projectName);
  const clientName = uniqueName(`${prefix}-client`);
  const { id: clientId, secret: clientSecret } = createClient(projectId, clientName);
  return { projectName, projectId, clientName, clientId, clientSecret };
}

// ------------------------------------------------------------------ HTTP

/**
 * fetch() relative to the base URL; reads the whole body once and parses JSON when the
 * content type says so. Returns { status, headers, text, json, contentType }. `fetch` may be
 * another implementation (ratelimit.test.mjs: one bound to its own source address).
 */
export async function http(path, { method = 'GET', headers = {}, body, redirect = 'manual', fetch: fetchFn = fetch } = {}) {
  const res = await fetchFn(path.startsWith('http') ? path : url(path), { method, headers, body, redirect });
  const text = await res.text();
  const contentType = res.headers.get('content-type') || '';
  let json;
  if (/json/.test(contentType)) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, text, json, contentType };
}

/** POST application/x-www-form-urlencoded. `params` is an object, array of pairs, or a raw string. */
export function postForm(path, params, headers = {}) {
  const body = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return http(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

export function postJson(path, obj, headers = {}) {
  return http(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof obj === 'string' ? obj : JSON.stringify(obj),
  });
}

export function basicAuth(id, secret) {
  return 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
}

export function bearer(token) {
  return 'Bearer ' + token;
}

/** A client_credentials grant with the secret in the body; asserts 200 and returns the body. */
export async function clientCredentialsToken(clientId, clientSecret) {
  const r = await postForm('oauth2/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
  assert.equal(r.status, 200, `token grant failed: ${r.status} ${r.text}`);
  return r.json;
}

/** Asserts an OAuth error body (§1.3 sendTokenError). */
export function assertOAuthError(r, status, error, description) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.match(r.contentType, /^application\/json/, `OAuth errors are JSON: ${r.contentType}`);
  assert.equal(r.json?.error, error, r.text);
  if (description !== undefined) assert.equal(r.json?.error_description, description, r.text);
}

/** Asserts the 401 unauthorized OperationOutcome (§1.3). */
export function assertUnauthorized(r) {
  assert.equal(r.status, 401, `expected 401, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
  assert.equal(r.json?.id, 'unauthorized', r.text);
  assert.equal(r.json?.issue?.[0]?.code, 'login', r.text);
}

// ------------------------------------------------------------------ database (read-only)

function sqlQuote(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return "'" + String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0') + "'";
}

/**
 * Runs one SQL statement with the mariadb client as Tessera's database user; `?` are
 * replaced by quoted values. Returns the rows as arrays of strings (tab-separated output).
 */
export function dbQuery(sql, params = []) {
  const cfg = readConfig();
  let i = 0;
  const text = sql.replace(/\?/g, () => {
    assert.ok(i < params.length, 'too few SQL parameters');
    return sqlQuote(params[i++]);
  });
  assert.equal(i, params.length, 'too many SQL parameters');
  const socket = process.env.TESSERA_DB_SOCKET || cfg.db_socket;
  const out = execFileSync(
    'mariadb',
    [
      '--no-defaults',
      `--socket=${socket}`,
      `--user=${cfg.db_user || 'tessera'}`,
      `--database=${cfg.db_name || 'tessera'}`,
      '--batch',
      '--skip-column-names',
      '--raw',
      '-e',
      text,
    ],
    // The password goes through the environment, not the command line (visible in ps).
    { env: { ...process.env, MYSQL_PWD: cfg.db_password || '' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return out
    .split('\n')
    .filter((l) => l.length)
    .map((l) => l.split('\t'));
}

/**
 * Opens what lib/keywrap.c sealed: base64url(IV (12) | ciphertext | tag (16)), AES-256-GCM
 * under a 64-hex key, `aad` as associated data (a signing key's kid, "mfa:<user id>").
 */
export function keywrapOpen(keyHex, sealed, aad) {
  const raw = Buffer.from(sealed, 'base64url');
  assert.ok(raw.length > 28, 'a sealed value holds an IV, a tag and something');
  const d = createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), raw.subarray(0, 12));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
}

/**
 * The private JWK of a signing key (its alg and whether it is wrapped at rest), unwrapped with
 * the configured key_encryption_key when it is wrapped: tests that forge tokens with the real
 * key run whether or not the keys are wrapped.
 */
export function signingKey(kid) {
  const rows = dbQuery('SELECT jwk, alg, wrapped FROM signing_key WHERE id = ?', [kid]);
  assert.equal(rows.length, 1, `signing key ${kid} in the database`);
  const [stored, alg, wrapped] = rows[0];
  if (wrapped !== '1') return { jwk: JSON.parse(stored), alg, wrapped: false };
  const kek = readConfig().key_encryption_key;
  assert.ok(kek, `signing key ${kid} is wrapped and ${CONFIG} sets no key_encryption_key`);
  return { jwk: JSON.parse(keywrapOpen(kek, stored, kid)), alg, wrapped: true };
}

/** Number of Login rows of a client. */
export function loginCount(clientId) {
  return Number(dbQuery('SELECT COUNT(*) FROM login WHERE client_id = ?', [clientId])[0][0]);
}

/** A self-contained (client_credentials) token's id is in the revocation table. */
export function tokenRevoked(jti) {
  return Number(dbQuery('SELECT COUNT(*) FROM token_revocation WHERE jti = ?', [jti])[0][0]) === 1;
}

/** client_credentials grants of a client counted for the audit API (written in batches of about a second). */
export function grantMinuteCount(clientId) {
  return Number(dbQuery('SELECT COALESCE(SUM(grants), 0) FROM client_grant_minute WHERE client_id = ?', [clientId])[0][0]);
}

/** Total number of Login rows. */
export function totalLoginCount() {
  return Number(dbQuery('SELECT COUNT(*) FROM login')[0][0]);
}

// ------------------------------------------------------------------ the SDK

/** @medplum/core under Node 20: it needs a global WebSocket when it loads. */
export async function loadMedplum() {
  if (!globalThis.WebSocket) globalThis.WebSocket = (await import('undici')).WebSocket;
  return import('@medplum/core');
}

/**
 * Under Node the SDK has no window.crypto and falls back to PKCE plain with a warning
 * (docs/TESTING.md); the warning is expected, keep the output readable.
 */
export function quietPkceWarning() {
  const warn = console.warn;
  console.warn = (...args) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Failed to hash code verifier')) return;
    warn(...args);
  };
}

// ------------------------------------------------------------------ running alone
//
// node --test runs test files in parallel processes. The database outage test must not
// stop MariaDB under the others, so every test file registers itself (a marker file named
// after its pid, in a directory of the runner's pid) and the outage test waits until it is
// the only live one. Importing this module registers the importing file.

const runDir = join(tmpdir(), `tessera-e2e-${process.ppid}`);

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function markActive() {
  try {
    mkdirSync(runDir, { recursive: true });
    const marker = join(runDir, String(process.pid));
    writeFileSync(marker, process.argv[1] || '');
    process.on('exit', () => {
      rmSync(marker, { force: true });
      rmSync(`${marker}.alone`, { force: true });
      try {
        rmdirSync(runDir); // the last file out removes the directory
      } catch {
        // not empty: others still run
      }
    });
  } catch {
    // Only coordination: a read-only tmp directory must not fail the tests.
  }
}
markActive();

/**
 * Waits until no other test file of this run is alive (at most `timeoutMs`). Several files
 * may wait so (the database and the SMTP outage tests): each marks itself waiting, and the
 * one with the lowest pid goes first while the others keep waiting, so they never wait for
 * each other.
 */
export async function waitUntilAlone(timeoutMs = 20 * 60 * 1000) {
  try {
    writeFileSync(join(runDir, `${process.pid}.alone`), '');
  } catch {
    // only coordination
  }
  // Files started at the same moment need a little time to register.
  await new Promise((r) => setTimeout(r, 1500));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let others = [];
    try {
      const names = readdirSync(runDir);
      const waiting = new Set(names.filter((n) => n.endsWith('.alone')).map((n) => Number(n.slice(0, -6))));
      others = names
        .map(Number)
        .filter((pid) => pid && pid !== process.pid && pidAlive(pid))
        .filter((pid) => !(waiting.has(pid) && pid > process.pid));
    } catch {
      others = [];
    }
    if (!others.length) return;
    if (Date.now() > deadline) throw new Error(`other test files still running: ${others.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs scripts/dev with a subcommand (db-stop, db-start, smtp-stop, smtp-start). */
export function dev(subcommand) {
  return execFileSync(DEV, [subcommand], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

/**
 * For outage tests: `stop()` runs `scripts/dev <stopCommand>`, `restore()` runs `<startCommand>`
 * once if stopped. Whatever happens (a failed assertion, an exception, Ctrl-C) the service comes
 * back: restore also runs on exit and on SIGINT/SIGTERM.
 */
export function outage(stopCommand, startCommand) {
  let stopped = false;
  const restore = () => {
    if (!stopped) return;
    dev(startCommand);
    stopped = false;
  };
  process.on('exit', () => {
    try {
      restore();
    } catch (e) {
      console.error(`scripts/dev ${startCommand} failed:`, e.message);
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      try {
        restore();
      } finally {
        process.exit(130);
      }
    });
  }
  return {
    stop() {
      stopped = true;
      dev(stopCommand);
    },
    restore,
  };
}

export { randomUUID };

/**
 * Times two kinds of request in paired rounds: each round makes one of each, back to back,
 * alternating which goes first, so a busy machine's load falls on both alike. Two warm-up
 * rounds go first (a FastCGI process started on demand, cold caches). Returns both medians
 * and the median of the rounds' differences (a - b), the figure to compare: medians of
 * separate samples differ by far more than that on a loaded 2-core machine (docs/TESTING.md
 * "Timing"). `check(response, kind)` asserts each answer.
 */
export async function pairedTiming({ a, b }, rounds, check = () => {}) {
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const times = { a: [], b: [] };
  const diffs = [];
  for (let i = -2; i < rounds; i++) {
    const round = {};
    for (const [kind, fn] of i % 2 ? [['a', a], ['b', b]] : [['b', b], ['a', a]]) {
      const t0 = performance.now();
      const r = await fn(i);
      round[kind] = performance.now() - t0;
      check(r, kind);
      if (i >= 0) times[kind].push(round[kind]);
    }
    if (i >= 0) diffs.push(round.a - round.b);
  }
  return { a: median(times.a), b: median(times.b), paired: median(diffs) };
}

/**
 * Asserts that two kinds of request take about the same time: the paired median difference
 * (pairedTiming) within max(floorMs, share of the larger median). A set of rounds that misses is
 * measured once more and the test fails only if both miss: a real leak (a skipped scrypt is 35 ms
 * or more on every request) misses every time, a burst of load on the shared 2-core machine
 * seldom covers two sets. `makeKinds()` gives each set its own requests (e.g. a fresh account,
 * so that repeated failures never reach the password delay). Instrumented (ASan) programs
 * magnify small differences of work (docs/TESTING.md "Timing"): there the answers are checked
 * but not the times. Returns the medians of the last set.
 */
export async function assertSimilarTiming(makeKinds, rounds, check, { floorMs = 15, share = 0.3, what = 'a vs b' } = {}) {
  const misses = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const m = await pairedTiming(await makeKinds(), rounds, check);
    const allowed = Math.max(floorMs, share * Math.max(m.a, m.b));
    if (/build-asan/.test(PROGRAM_DIR) || Math.abs(m.paired) <= allowed) return m;
    misses.push(`median paired difference ${m.paired.toFixed(1)} ms (${m.a.toFixed(1)} vs ${m.b.toFixed(1)} ms; allowed ${allowed.toFixed(1)})`);
  }
  assert.fail(`${what}: ${misses.join('; then ')}`);
}

// ------------------------------------------------------------------ interactive sign-in
//
// Helpers for the password sign-in flow (§5, §6.2, §7.2.2): users and memberships made
// with tessera-admin, PKCE pairs, /auth/login and the authorization_code redemption.

/** An email address unique to this run. */
export function uniqueEmail(prefix = 'user') {
  return `${uniqueName(prefix)}@example.com`.toLowerCase();
}

/** Creates a user; returns its id. `project` makes it project-scoped. */
export function createUser({ email, first = 'Alice', last = 'Smith', password, project } = {}) {
  const args = ['user', 'create', '--email', email, '--first', first, '--last', last];
  if (password !== undefined) args.push('--password', password);
  if (project) args.push('--project', project);
  const out = tesseraAdmin(...args);
  const id = out.match(/user_id:\s*(\S+)/)?.[1];
  assert.ok(id && UUID.test(id), `tessera-admin user create printed no user_id: ${out}`);
  return id;
}

/** Adds a membership; returns { membershipId, profileType, profileId }. */
export function addMember({ project, user, profile = 'Practitioner', admin = false }) {
  const args = ['member', 'add', '--project', project, '--user', user, '--profile', profile];
  if (admin) args.push('--admin', 'true');
  const out = tesseraAdmin(...args);
  const membershipId = out.match(/membership_id:\s*(\S+)/)?.[1];
  const ref = out.match(/profile:\s*(\w+)\/(\S+)/);
  assert.ok(membershipId && UUID.test(membershipId), `tessera-admin member add printed no membership_id: ${out}`);
  assert.ok(ref, `tessera-admin member add printed no profile: ${out}`);
  return { membershipId, profileType: ref[1], profileId: ref[2] };
}

/**
 * Creates a client with sign-in options; returns { id, secret }.
 * opts: redirectUris[], pkceOptional, defaultScope, welcome.
 */
export function createSigninClient(projectId, name, opts = {}) {
  const args = ['client', 'create', '--project', projectId, '--name', name];
  for (const u of opts.redirectUris || []) args.push('--redirect-uri', u);
  if (opts.pkceOptional) args.push('--pkce-optional', 'true');
  if (opts.defaultScope) args.push('--default-scope', opts.defaultScope);
  if (opts.welcome) args.push('--welcome', opts.welcome);
  const out = tesseraAdmin(...args);
  const id = out.match(/client_id:\s*(\S+)/)?.[1];
  const secret = out.match(/client_secret:\s*([0-9a-f]{64})\b/)?.[1];
  assert.ok(id && UUID.test(id) && secret, `tessera-admin client create: ${out}`);
  return { id, secret };
}

export const TEST_PASSWORD = 'correct-horse-battery-9';

/**
 * A project, a client (redirect URI https://app.example.com/callback), a user with a
 * password and one Practitioner membership. Returns every id plus email/password.
 */
export function createSigninFixture(prefix = 'si', clientOpts = {}) {
  const projectName = uniqueName(`${prefix}-project`);
  const projectId = createProject(projectName);
  const redirectUri = `https://app.example.com/${prefix}/callback`;
  const client = createSigninClient(projectId, uniqueName(`${prefix}-client`), {
    redirectUris: [redirectUri],
    ...clientOpts,
  });
  const email = uniqueEmail(prefix);
  const first = 'Alice';
  const last = `Smith${randomBytes(2).toString('hex')}`;
  const userId = createUser({ email, first, last, password: TEST_PASSWORD });
  const member = addMember({ project: projectId, user: userId, profile: 'Practitioner' });
  return {
    projectName,
    projectId,
    clientId: client.id,
    clientSecret: client.secret,
    redirectUri,
    email,
    password: TEST_PASSWORD,
    userId,
    first,
    last,
    ...member,
  };
}

/** A PKCE pair (RFC 7636): S256 by default, or plain. */
export function pkcePair(method = 'S256') {
  const verifier = randomBytes(48).toString('base64url'); // 64 chars
  const challenge =
    method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

/**
 * A /oauth2/authorize request for a fixture's client: code flow, S256 PKCE, a fresh state and
 * nonce; `extra` adds or replaces parameters (undefined leaves one out). Returns
 * { url, params, pkce }.
 */
export function authorizeRequest(fx, extra = {}) {
  const pkce = pkcePair();
  const params = {
    response_type: 'code',
    client_id: fx.clientId,
    redirect_uri: fx.redirectUri,
    state: `st-${randomUUID()}`,
    scope: 'openid',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    nonce: `n-${randomUUID()}`,
    ...extra,
  };
  const u = new URL('oauth2/authorize', BASE_URL);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return { url: u.toString(), params, pkce };
}

/** The payload of a JWT, unverified. */
export function decodeJwt(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/**
 * POST /auth/login as the SDK does (application/fhir+json). `pkce` is a pkcePair or null
 * for none; extra fields are merged into the body.
 */
export function authLogin({ email, password, clientId, pkce, ...rest }, headers = {}) {
  const body = { email, password, ...rest };
  if (clientId !== undefined) body.clientId = clientId;
  if (pkce) {
    body.codeChallenge = pkce.challenge;
    body.codeChallengeMethod = pkce.method;
  }
  return postJson('auth/login', body, { 'Content-Type': 'application/fhir+json', ...headers });
}

/** POST /oauth2/token grant_type=authorization_code. */
export function redeemCode(code, { clientId, verifier, redirectUri, headers = {}, extra = {} } = {}) {
  const p = { grant_type: 'authorization_code', code };
  if (clientId !== undefined) p.client_id = clientId;
  if (redirectUri !== undefined) p.redirect_uri = redirectUri;
  if (verifier !== undefined) p.code_verifier = verifier;
  return postForm('oauth2/token', { ...p, ...extra }, headers);
}

/** POST /oauth2/token grant_type=refresh_token. */
export function refreshGrant(refreshToken, { clientId = '', headers = {} } = {}) {
  return postForm('oauth2/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }, headers);
}

/**
 * Full password sign-in of a fixture through the JSON API: /auth/login with S256 PKCE
 * (extra login fields in `login`), then the code redemption. Returns
 * { login, code, tokens, pkce, loginResponse }; asserts every step succeeded.
 */
export async function signIn(fx, { login = {}, clientId = fx.clientId, method = 'S256', redeem = {} } = {}) {
  const pkce = pkcePair(method);
  const r = await authLogin({ email: fx.email, password: fx.password, clientId, pkce, ...login });
  assert.equal(r.status, 200, `auth/login: ${r.status} ${r.text}`);
  assert.ok(r.json?.code, `auth/login gave no code: ${r.text}`);
  const t = await redeemCode(r.json.code, { clientId, verifier: pkce.verifier, ...redeem });
  assert.equal(t.status, 200, `token: ${t.status} ${t.text}`);
  return { login: r.json.login, code: r.json.code, tokens: t.json, pkce, loginResponse: r };
}

/**
 * A signed-in project admin (a sign-in fixture) whose project has dynamic client registration
 * open (PROTOCOL.md §7.6); returns { fx, headers } (headers: its bearer token).
 */
export async function registrationAdmin(prefix) {
  const fx = createSigninFixture(prefix);
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  const headers = { Authorization: bearer(tokens.access_token) };
  const s = await postJson(`admin/projects/${fx.projectId}/settings`, { clientRegistration: true }, headers);
  assert.equal(s.status, 200, s.text);
  return { fx, headers };
}

/** An initial access token of that admin's project (RFC 7591 §3; `body`: expiresIn, uses). */
export async function initialAccessToken(admin, body = {}) {
  const t = await postJson(`admin/projects/${admin.fx.projectId}/client-registration-tokens`, body, admin.headers);
  assert.equal(t.status, 201, t.text);
  return t.json.token;
}

/** A client registered at /oauth2/register with a fresh initial access token: the 201 answer. */
export async function registerClient(admin, metadata) {
  const r = await postJson('oauth2/register', metadata, { Authorization: bearer(await initialAccessToken(admin)) });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** GET /auth/me with a bearer token. */
export function authMe(accessToken) {
  return http('auth/me', { headers: { Authorization: bearer(accessToken) } });
}

/** Runs a statement that changes rows (dbQuery with no result rows expected). */
export function dbExec(sql, params = []) {
  dbQuery(sql, params);
}

/** The Set-Cookie header lines of a response. */
export function setCookies(headers) {
  return typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [headers.get('set-cookie')].filter(Boolean);
}

/** Asserts a 400 OperationOutcome whose first issue has exactly this text. */
export function assertBadRequest(r, text, status = 400) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
  assert.equal(r.json?.issue?.[0]?.details?.text, text, r.text);
}

/** Asserts the 404 not-found OperationOutcome. */
export function assertNotFound(r) {
  assert.equal(r.status, 404, `expected 404, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.resourceType, 'OperationOutcome', r.text);
  assert.equal(r.json?.id, 'not-found', r.text);
}

// ------------------------------------------------------------------ registration and passwords
//
// Security requests made directly in the database (the link's secret is known to the test),
// projects open to patient registration, and the emails the SMTP sink wrote to var/mail.

/** HMAC-SHA256 of a secret under the configured hash_key: what security_request stores. */
export function keyedHash(secret) {
  return createHmac('sha256', Buffer.from(readConfig().hash_key, 'hex')).update(secret).digest('hex');
}

/** Inserts a security request; returns { id, secret }. `expiresIn` in seconds (negative: expired). */
export function createSecurityRequest({ type, userId, projectId = null, expiresIn = 3600, used = false }) {
  const id = randomUUID();
  const secret = randomBytes(16).toString('hex');
  dbExec(
    `INSERT INTO security_request (id, type, user_id, project_id, secret_hash, used, expires_at)
     VALUES (?, ?, ?, ${projectId ? '?' : 'NULL'}, UNHEX(?), ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND)`,
    [id, type, userId, ...(projectId ? [projectId] : []), keyedHash(secret), used ? 1 : 0, expiresIn],
  );
  return { id, secret };
}

/** A project whose defaultPatientAccessPolicy allows patient self-registration; returns { projectId, policyId }. */
export function createOpenProject(prefix = 'open') {
  const projectId = createProject(uniqueName(`${prefix}-project`));
  const policyId = randomUUID();
  dbExec(`INSERT INTO access_policy (id, project_id, name, resource) VALUES (?, ?, 'Patients', ?)`, [
    policyId,
    projectId,
    JSON.stringify({ resourceType: 'AccessPolicy', id: policyId, name: 'Patients', resource: [{ resourceType: 'Patient' }] }),
  ]);
  dbExec('UPDATE project SET default_patient_access_policy_id = ? WHERE id = ?', [policyId, projectId]);
  return { projectId, policyId };
}

/** Decodes the text/plain part of a message written by the SMTP sink. */
export function mailText(raw) {
  const boundary = raw.match(/boundary="([^"]+)"/)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  for (const part of parts) {
    if (!/Content-Type: text\/plain/i.test(part)) continue;
    const [head, ...rest] = part.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    return /base64/i.test(head) ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  }
  return '';
}

/**
 * The finished messages the SMTP sink stored in `dir`, in name (arrival) order: [{ file, raw }].
 * The sink writes each message to a `.tmp-….eml` dot-file and renames it when complete, so
 * dot-files are skipped (reading one raced the rename: ENOENT); a file gone meanwhile is too.
 */
export function finishedMail(dir = process.env.TESSERA_MAIL_DIR || join(ROOT, 'var/mail')) {
  let files = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.eml') && !f.startsWith('.')).sort();
  } catch {
    return [];
  }
  const out = [];
  for (const file of files) {
    try {
      out.push({ file, raw: readFileSync(join(dir, file), 'utf8') });
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
  return out;
}

/** The messages to an address in var/mail, oldest first: [{ file, raw, subject, text }]. */
export function mailTo(address) {
  const out = [];
  for (const { file: f, raw } of finishedMail()) {
    const head = raw.split(/\r?\n\r?\n/)[0];
    if (!new RegExp(`^(To|X-Original-To):.*<?${address.replace(/[.+]/g, '\\$&')}>?`, 'mi').test(head)) continue;
    out.push({ file: f, raw, subject: head.match(/^Subject: (.*)$/m)?.[1], text: mailText(raw) });
  }
  return out;
}

/**
 * The outbox rows to an address. Every email is written to email_outbox in the request's own
 * transaction, before the response, and sent from there (after the response, or by the mailer
 * later): no row means no email, now or ever, with no wait for a delivery that might come.
 */
export function outboxCount(address) {
  return Number(dbQuery('SELECT COUNT(*) FROM email_outbox WHERE recipient = ?', [address])[0][0]);
}

/** Waits until `count` messages to an address have arrived (delivery follows the response). */
export async function waitForMail(address, count = 1, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = mailTo(address);
    if (mails.length >= count) return mails;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} after ${timeoutMs} ms (have ${mails.length})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ------------------------------------------------------------------ pages without a browser
//
// A small cookie jar over fetch, the forms of a page and the headers every page carries.

/** Cookies by name (paths and expiry ignored: every test's requests go to one server). */
export class Browser {
  constructor() {
    this.cookies = new Map();
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(r) {
    for (const line of setCookies(r.headers)) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return r;
  }
  async get(path) {
    return this.take(await http(path, { headers: this.cookies.size ? { Cookie: this.header() } : {} }));
  }
  async post(path, fields) {
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (this.cookies.size) headers.Cookie = this.header();
    const body = new URLSearchParams(fields).toString();
    return this.take(await http(path, { method: 'POST', headers, body }));
  }
}

export function decodeHtml(s) {
  return s
    .replace(/&#x2F;/g, '/')
    .replace(/&#39;/g, "'")
    .replace(/&#61;/g, '=')
    .replace(/&#96;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The fields of the first form on a page (hidden and typed values), and its action. */
export function formOf(html) {
  const action = html.match(/<form method="post" action="([^"]*)"/)?.[1];
  assert.ok(action, `a form on the page: ${html}`);
  const fields = [];
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.push([decodeHtml(m[1]), decodeHtml(m[2])]);
  return { action: decodeHtml(action), fields: Object.fromEntries(fields) };
}

/**
 * /oauth2/authorize for a fixture's client (extra parameters as authorizeRequest takes them), then
 * its sign-in page submitted with the fixture's email and password, in a fresh Browser. Returns
 * { b, answer (the submission's response), params, pkce }.
 */
export async function submitSigninPage(fx, extra = {}) {
  const b = new Browser();
  const a = authorizeRequest(fx, extra);
  const r = await http(a.url);
  assert.equal(r.status, 302, r.text);
  const page = await b.get(r.headers.get('location'));
  const form = formOf(page.text);
  const answer = await b.post(form.action, { ...form.fields, email: fx.email, password: fx.password });
  return { b, answer, params: a.params, pkce: a.pkce };
}

/**
 * The consent page a submitted sign-in (submitSigninPage's answer) went on to, answered with
 * `decision` (allow: every scope offered stays ticked). Returns { page, form, done } (done: the
 * answer to the decision, a 303 back to the client).
 */
export async function answerConsent(b, answer, decision = 'allow') {
  assert.equal(answer.status, 303, answer.text);
  const loc = answer.headers.get('location');
  assert.ok(loc.startsWith(`${appBase()}oauth/consent?flow=`), `the consent page: ${loc}`);
  const page = await b.get(loc);
  assert.equal(page.status, 200, page.text);
  const form = formOf(page.text);
  const body = new URLSearchParams({ ...form.fields, decision });
  for (const m of page.text.matchAll(/name="scope" value="([^"]*)" checked/g)) body.append('scope', decodeHtml(m[1]));
  const done = b.take(await http(form.action, { method: 'POST', body: body.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: b.header() } }));
  return { page, form, done };
}

/**
 * A code for a dynamically registered client (PROTOCOL.md §7.6, §5.4): its sign-ins pass the
 * consent page, where `who` (email, password) allows. Returns { code, pkce, b }.
 */
export async function consentedCode(who, { clientId, redirectUri, scope = 'openid' }) {
  const { b, answer, params, pkce } = await submitSigninPage({ ...who, clientId, redirectUri }, { scope });
  const { done } = await answerConsent(b, answer);
  assert.equal(done.status, 303, done.text);
  const loc = new URL(done.headers.get('location'));
  assert.equal(loc.searchParams.get('state'), params.state);
  const code = loc.searchParams.get('code');
  assert.ok(code, `a code: ${loc}`);
  return { code, pkce, b };
}

/** The headers and markup rules of every page: HTML, the page CSP, no inline script or style. */
export function assertPageHeaders(r) {
  assert.match(r.contentType, /^text\/html; charset=utf-8/);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|script-src/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.match(r.headers.get('cache-control'), /no-store/);
  // No inline script or style (the CSP forbids them; the page must not need them).
  assert.doesNotMatch(r.text, /<script|\sstyle=|\son[a-z]+=/i);
}

// ------------------------------------------------------------------ fault tests

/** pid → program of Tessera's FastCGI programs in this tree. */
export function fastcgiPrograms() {
  const prefix = join(PROGRAM_DIR, 'tessera-');
  const found = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      if (argv0.startsWith(prefix)) found.set(pid, argv0.slice(prefix.length - 'tessera-'.length));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/**
 * An upstream identity provider's client secret as stored (clientSecretSealed, lib/domain/idp.c):
 * "k1." under key_encryption_key, "h1." under the hash_key-derived key; opened here.
 */
export function openIdpSecret(stored) {
  const aad = 'idp-client-secret';
  if (stored.startsWith('k1.')) return keywrapOpen(readConfig().key_encryption_key, stored.slice(3), aad);
  assert.ok(stored.startsWith('h1.'), `a sealed secret: ${stored}`);
  return keywrapOpen(keyedHash('key:idp-secret'), stored.slice(3), aad);
}
