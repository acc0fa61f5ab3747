// SPDX-License-Identifier: BSD-2-Clause
// Upstream identity providers for the federation tests, started by the test file itself on
// loopback, each on a port the system picks (several stacks run these tests at once; the
// stack's configuration allows loopback upstreams):
//  - startOidcProvider: panva's oidc-provider, a real OpenID provider (discovery, JWKS, code
//    flow with PKCE, client_secret_basic and client_secret_post, userinfo), with its own
//    development login and consent pages, driven through Chromium;
//  - startFakeIdp: a small hand-written provider whose token endpoint misbehaves on demand
//    (an id_token signed with a key it does not publish, a wrong nonce, garbage, a hang).
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { BASE_URL, readConfig, tesseraAdminInput } from './lib.mjs';

export const CALLBACK = new URL('auth/external', BASE_URL).toString();

/** An HTTP server listening on a loopback port (0: a free one): { server, port }. */
async function listenAnywhere(wanted = 0) {
  const server = createServer();
  await new Promise((r) => server.listen(wanted, '127.0.0.1', r));
  return { server, port: server.address().port };
}

/** A loopback port nothing listens on (taken, then given back). */
export async function closedPort() {
  const { server, port } = await listenAnywhere();
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * oidc-provider at http://127.0.0.1:<a free port>. Accounts: any login name; the claims are
 * {sub: login, email: accounts[login]?.email ?? login, email_verified}. clients: oidc-provider
 * client metadata. Returns { issuer, close }.
 */
export async function startOidcProvider({ clients, accounts = {} }) {
  const { server, port } = await listenAnywhere();
  const issuer = `http://127.0.0.1:${port}`;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [{ ...key, kid: `idp-${randomBytes(4).toString('hex')}`, alg: 'ES256', use: 'sig' }] },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => false },
    features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => ({
        sub,
        email: accounts[sub]?.email ?? sub,
        email_verified: accounts[sub]?.emailVerified ?? true,
        name: sub,
      }),
    }),
  });
  provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));
  server.on('request', provider.callback());
  return { issuer, provider, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) };
}

/**
 * Signs in at oidc-provider's development pages in a Chromium page already there: the login
 * form (any name) and the consent screen.
 */
export async function idpLogin(page, login) {
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'anything');
  await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
  // The consent screen (first time per client and account).
  if (await page.locator('button[autofocus], button[type="submit"]').count()) {
    const url = page.url();
    if (url.includes('/interaction/')) {
      await Promise.all([page.waitForLoadState('load'), page.click('button[type="submit"]')]);
    }
  }
}

/**
 * A small hand-written OpenID provider at http://127.0.0.1:<a free port>. `mode` (settable at any
 * time) decides what its token endpoint answers: 'good', 'forged' (signed with a key it does
 * not publish), 'nonce' (a wrong nonce), 'garbage', 'hang', 'refuse' (400). /authorize sends
 * the browser straight back with a code (no login page); claims() gives the id_token's claims.
 */
export async function startFakeIdp(wantedPort = 0) {
  const { server, port } = await listenAnywhere(wantedPort);
  const issuer = `http://127.0.0.1:${port}`;
  const good = await generateKeyPair('ES256');
  const forged = await generateKeyPair('ES256');
  const kid = `fake-${randomBytes(4).toString('hex')}`;
  const publicJwk = { ...(await exportJWK(good.publicKey)), kid, alg: 'ES256', use: 'sig' };
  const state = { mode: 'good', claims: { sub: 'fake-sub', email: 'nobody@example.com' }, codes: new Map(), requests: [] };
  const sockets = new Set();
  server.on('request', async (req, res) => {
    const u = new URL(req.url, issuer);
    let body = '';
    for await (const chunk of req) body += chunk;
    state.requests.push({ path: u.pathname, headers: req.headers, body, query: Object.fromEntries(u.searchParams) });
    const json = (status, obj) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (u.pathname === '/.well-known/openid-configuration') {
      return json(200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/userinfo` });
    }
    if (u.pathname === '/jwks') return json(200, { keys: [publicJwk] });
    if (u.pathname === '/authorize') {
      const code = randomUUID();
      state.codes.set(code, { nonce: u.searchParams.get('nonce'), clientId: u.searchParams.get('client_id') });
      const back = new URL(u.searchParams.get('redirect_uri'));
      back.searchParams.set('code', code);
      back.searchParams.set('state', u.searchParams.get('state'));
      res.writeHead(302, { Location: back.toString() });
      return res.end();
    }
    if (u.pathname === '/userinfo') {
      if (!req.headers.authorization?.startsWith('Bearer ') || state.userinfoStatus) {
        return json(state.userinfoStatus || 401, { error: 'invalid_token' });
      }
      return json(200, state.claims);
    }
    if (u.pathname === '/token') {
      const form = new URLSearchParams(body);
      const grant = state.codes.get(form.get('code'));
      if (state.mode === 'hang') return; // never answers
      if (state.mode === 'garbage') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end('<html>not json');
      }
      if (state.mode === 'refuse' || !grant) return json(400, { error: 'invalid_grant' });
      const key = state.mode === 'forged' ? forged.privateKey : good.privateKey;
      const idToken = await new SignJWT({ ...state.claims, nonce: state.mode === 'nonce' ? 'not-the-nonce' : grant.nonce })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(issuer)
        .setAudience(grant.clientId)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
      return json(200, { access_token: 'fake-access', token_type: 'Bearer', id_token: idToken });
    }
    json(404, { error: 'not found' });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  /** A JWT access token of this issuer (forged: signed with the key it does not publish). */
  const accessToken = (claims, { forgedKey = false } = {}) => new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(forgedKey ? forged.privateKey : good.privateKey);
  return {
    issuer,
    state,
    accessToken,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(r);
    }),
  };
}

/** Configures an email domain's identity provider through tessera-admin (secret on stdin). */
export function setDomainIdp(domain, idp) {
  return tesseraAdminInput(JSON.stringify(idp), 'domain', 'set', '--domain', domain, '--identity-provider', '-');
}

/** Configures a client's identity provider through tessera-admin (secret on stdin). */
export function setClientIdp(clientId, idp) {
  return tesseraAdminInput(JSON.stringify(idp), 'client', 'set', '--id', clientId, '--identity-provider', '-');
}

/**
 * Google's keys for the tests: an RS256 key served as a JWKS at the stack's google_jwks_uri
 * (scripts/dev: http://127.0.0.1:<web port + 41>/google/certs), and sign(claims) for ID tokens
 * of Google's issuer.
 */
export async function startGoogleKeys() {
  const port = Number(new URL(readConfig().google_jwks_uri).port);
  const key = await generateKeyPair('RS256');
  const kid = `g-${randomBytes(6).toString('hex')}`;
  const jwk = { ...(await exportJWK(key.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/google/certs' ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(req.url === '/google/certs' ? { keys: [jwk] } : {}));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const sign = (claims, { aud, alg = 'RS256', signingKey = key.privateKey, exp = '5m', iss = 'https://accounts.google.com' } = {}) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid }).setIssuer(iss).setAudience(aud).setIssuedAt()
      .setExpirationTime(exp).sign(signingKey);
  return { kid, sign, close: () => new Promise((r) => server.close(r)) };
}
