// SPDX-License-Identifier: BSD-2-Clause
// MariaDB goes away while the stack runs: requests that need the database answer 503 with
// an OperationOutcome (never 401, which would make the SDK drop its session, and never a
// hang or 500); when MariaDB is back, answers are normal again without restarting the web
// server (docs/ARCHITECTURE.md "The path of a request": reconnect lazily, 503 while away).
//
// Named zz-… so it starts last; it also waits until every other test file of the run has
// finished (lib.mjs waitUntilAlone), then stops MariaDB with `scripts/dev db-stop` and
// always brings it back with `scripts/dev db-start`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  basicAuth,
  bearer,
  clientCredentialsToken,
  createFixture,
  http,
  outage,
  postForm,
  readConfig,
  waitUntilAlone,
} from './lib.mjs';

let fx;
let token;
const db = outage('db-stop', 'db-start');

function grant() {
  return postForm('oauth2/token', { grant_type: 'client_credentials', client_id: fx.clientId, client_secret: fx.clientSecret });
}
function meBearer() {
  return http('auth/me', { headers: { Authorization: bearer(token) } });
}
function meBasic() {
  return http('auth/me', { headers: { Authorization: basicAuth(fx.clientId, fx.clientSecret) } });
}
function introspect() {
  return postForm('oauth2/introspect', { token }, { Authorization: basicAuth(fx.clientId, fx.clientSecret) });
}

function assertUnavailable(r, what) {
  assert.equal(r.status, 503, `${what}: expected 503, got ${r.status}: ${r.text}`);
  assert.equal(r.json?.resourceType, 'OperationOutcome', `${what}: ${r.text}`);
  assert.equal(r.json?.issue?.[0]?.severity, 'error', `${what}: ${r.text}`);
}

describe('database outage', () => {
  before(async () => {
    await waitUntilAlone();
    fx = createFixture('outage');
    token = (await clientCredentialsToken(fx.clientId, fx.clientSecret)).access_token;
    // Warm up every FastCGI process (connections and key caches): several rounds.
    for (let i = 0; i < 6; i++) {
      assert.equal((await meBearer()).status, 200);
      assert.equal((await meBasic()).status, 200);
      assert.equal((await grant()).status, 200);
    }
  });

  after(() => db.restore());

  it('answers 503 OperationOutcome while MariaDB is down, and recovers after', async () => {
    db.stop();
    try {
      for (let round = 0; round < 4; round++) {
        assertUnavailable(await grant(), 'client_credentials grant');
        assertUnavailable(await meBearer(), 'GET /auth/me (Bearer)');
        assertUnavailable(await meBasic(), 'GET /auth/me (Basic)');
        assertUnavailable(await introspect(), 'POST /oauth2/introspect');
        assertUnavailable(await http('oauth2/logout', { headers: { Authorization: bearer(token) } }), 'GET /oauth2/logout');
      }
      // Discovery needs no database.
      const d = await http('.well-known/openid-configuration');
      assert.equal(d.status, 200, d.text);

      // An outage longer than the signing-key cache must still not turn a valid bearer
      // token into a 401 (the SDK would throw its session away).
      const cacheSeconds = Number(readConfig().key_cache_seconds || 60);
      const until = Date.now() + Math.min(cacheSeconds + 3, 90) * 1000;
      let n = 0;
      while (Date.now() < until) {
        assertUnavailable(await meBearer(), `GET /auth/me (Bearer) after ${n} s of outage`);
        await new Promise((r) => setTimeout(r, 1000));
        n++;
      }
    } finally {
      db.restore();
    }

    // Back: the very first answers are normal, without restarting lighttpd.
    for (let round = 0; round < 4; round++) {
      const me = await meBearer();
      assert.equal(me.status, 200, `after restart, /auth/me (Bearer): ${me.status} ${me.text}`);
      assert.equal(me.json.profile.id, fx.clientId);
      const basic = await meBasic();
      assert.equal(basic.status, 200, `after restart, /auth/me (Basic): ${basic.status} ${basic.text}`);
      const g = await grant();
      assert.equal(g.status, 200, `after restart, grant: ${g.status} ${g.text}`);
      const i = await introspect();
      assert.equal(i.status, 200, `after restart, introspect: ${i.status} ${i.text}`);
      assert.equal(i.json.active, true);
    }
  });
});
