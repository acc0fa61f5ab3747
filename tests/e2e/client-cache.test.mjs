// SPDX-License-Identifier: BSD-2-Clause
// Whatever authorizes a client_credentials grant must take effect at once. The token program
// once kept clients for a few seconds (client_cache_seconds) and re-checked them in the Login
// INSERT; since issue 15 a grant writes nothing and reads its client on every grant. These
// tests change the client row behind the program's back (as another node or tessera-admin
// would) and expect the very next requests to follow the database.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { assertOAuthError, createFixture, dbQuery, loginCount, postForm, readConfig } from './lib.mjs';

// More than the token program's processes, so every process has the client cached.
const WARM = 8;

function grant(id, secret) {
  return postForm('oauth2/token', { grant_type: 'client_credentials', client_id: id, client_secret: secret });
}

async function warm(fx) {
  for (let i = 0; i < WARM; i++) assert.equal((await grant(fx.clientId, fx.clientSecret)).status, 200);
}

function keyedHash(secret) {
  return createHmac('sha256', Buffer.from(readConfig().hash_key, 'hex')).update(secret).digest('hex');
}

describe('client_credentials with cached clients', () => {
  let fx;
  before(async () => {
    fx = createFixture('cache');
    await warm(fx);
  });

  it('a disabled client is refused at once and writes nothing', async () => {
    dbQuery("UPDATE client_application SET status = 'off' WHERE id = ?", [fx.clientId]);
    const before = loginCount(fx.clientId);
    for (let i = 0; i < WARM; i++) assertOAuthError(await grant(fx.clientId, fx.clientSecret), 400, 'invalid_request', 'Invalid client');
    assert.equal(loginCount(fx.clientId), before);
    dbQuery("UPDATE client_application SET status = 'active' WHERE id = ?", [fx.clientId]);
    for (let i = 0; i < WARM; i++) assert.equal((await grant(fx.clientId, fx.clientSecret)).status, 200);
    assert.equal(loginCount(fx.clientId), before, 'self-contained tokens: no Login rows');
  });

  it('a new secret works at once and the replaced one stops', async () => {
    await warm(fx);
    const fresh = randomBytes(32).toString('hex');
    dbQuery('UPDATE client_application SET secret_hash = UNHEX(?), retiring_secret_hash = NULL WHERE id = ?', [
      keyedHash(fresh),
      fx.clientId,
    ]);
    for (let i = 0; i < WARM; i++) {
      assertOAuthError(await grant(fx.clientId, fx.clientSecret), 400, 'invalid_request', 'Invalid secret');
      const r = await grant(fx.clientId, fresh);
      assert.equal(r.status, 200, r.text);
    }
    fx.clientSecret = fresh;
  });

  it('a retiring secret stops when it expires', async () => {
    await warm(fx);
    const next = randomBytes(32).toString('hex');
    dbQuery(
      'UPDATE client_application SET retiring_secret_hash = secret_hash, secret_hash = UNHEX(?), ' +
        'retiring_secret_expires_at = UTC_TIMESTAMP(3) + INTERVAL 1 HOUR WHERE id = ?',
      [keyedHash(next), fx.clientId],
    );
    for (let i = 0; i < WARM; i++) assert.equal((await grant(fx.clientId, fx.clientSecret)).status, 200);
    dbQuery('UPDATE client_application SET retiring_secret_expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?', [
      fx.clientId,
    ]);
    for (let i = 0; i < WARM; i++) {
      assertOAuthError(await grant(fx.clientId, fx.clientSecret), 400, 'invalid_request', 'Invalid secret');
      assert.equal((await grant(fx.clientId, next)).status, 200);
    }
  });

  it('a client whose membership is gone is refused at once', async () => {
    const other = createFixture('cache-member');
    await warm(other);
    dbQuery('DELETE FROM project_membership WHERE user_id = ?', [other.clientId]);
    const before = loginCount(other.clientId);
    for (let i = 0; i < WARM; i++) assertOAuthError(await grant(other.clientId, other.clientSecret), 400, 'invalid_request', 'Invalid client');
    assert.equal(loginCount(other.clientId), before);
  });
});
