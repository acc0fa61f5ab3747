// SPDX-License-Identifier: BSD-2-Clause
// Review 3 (federation as it landed): account pre-hijacking through a federated sign-in. Anyone
// can self-register a server account for an address that is not theirs (unverified, with their
// password). When the address's owner later signs in with Google (or their domain's IdP), the
// sign-in finds that account by email: the owner works in it (here: makes a project) while the
// squatter still signs in with the password. An upstream that owns the address proves it, so the
// account must be taken back as an invite takes it back (password, second factor and sessions
// end; the address verified).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, TEST_PASSWORD, authLogin, authMe, dbExec, dbQuery, loadMedplum, pkcePair, postJson, quietPkceWarning, uniqueName,
} from './lib.mjs';
import { startGoogleKeys } from './idp-lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();

const GOOGLE_CLIENT = 'tessera-test.apps.googleusercontent.com';
const FHIR = { 'Content-Type': 'application/fhir+json' };
const SQUATTER_PASSWORD = 'Squatter_Keeps_Gardens_43';

const sdk = () => new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });

describe('a federated sign-in into a squatted account', () => {
  let google;
  before(async () => {
    google = await startGoogleKeys();
  });
  after(() => google?.close());

  it("Google's owner of the address takes the account back: the squatter's password and sessions end", async () => {
    const victim = `${uniqueName('r3-victim')}@example.com`.toLowerCase();
    // The squatter registers the victim's address and holds a session of their own project.
    const squatter = sdk();
    const reg = await squatter.startNewUser({ firstName: 'Vic', lastName: 'Tim', email: victim, password: SQUATTER_PASSWORD });
    const own = await squatter.startNewProject({ login: reg.login, projectName: uniqueName('r3-squat') });
    await squatter.processCode(own.code);
    const squatterToken = squatter.getAccessToken();
    assert.equal((await authMe(squatterToken)).status, 200);

    // The owner signs in with Google and makes a project.
    const credential = await google.sign(
      { sub: uniqueName('g'), email: victim, email_verified: true, given_name: 'Vic', family_name: 'Tim' },
      { aud: GOOGLE_CLIENT },
    );
    const pkce = pkcePair();
    const g = await postJson('auth/google', {
      googleClientId: GOOGLE_CLIENT, googleCredential: credential, projectId: 'new',
      codeChallenge: pkce.challenge, codeChallengeMethod: 'S256',
    }, FHIR);
    assert.equal(g.status, 200, g.text);
    const made = await postJson('auth/newproject', { login: g.json.login, projectName: uniqueName('r3-clinic') }, FHIR);
    assert.equal(made.status, 200, made.text);

    // The account is the owner's now: verified, and the squatter is out.
    const [[verified, hash]] = dbQuery('SELECT email_verified, password_hash IS NOT NULL FROM user WHERE email = ? AND project_id IS NULL', [victim]);
    assert.equal(verified, '1', 'Google proved the address');
    assert.equal(hash, '0', "the squatter's password is gone");
    assert.equal((await authMe(squatterToken)).status, 401, "the squatter's session ended");
    const again = await authLogin({ email: victim, password: SQUATTER_PASSWORD, pkce: pkcePair() }, FHIR);
    assert.equal(again.status, 400, `the squatter's password no longer signs in: ${again.text}`);
    assert.equal(again.json?.code, undefined);
  });

  it('a verified account keeps its password and sessions when its owner signs in with Google', async () => {
    const email = `${uniqueName('r3-owner')}@example.com`.toLowerCase();
    const owner = sdk();
    const reg = await owner.startNewUser({ firstName: 'Ova', lastName: 'Wner', email, password: TEST_PASSWORD });
    const own = await owner.startNewProject({ login: reg.login, projectName: uniqueName('r3-own') });
    await owner.processCode(own.code);
    dbExec('UPDATE user SET email_verified = TRUE WHERE email = ?', [email]);
    const credential = await google.sign({ sub: uniqueName('g'), email, email_verified: true }, { aud: GOOGLE_CLIENT });
    const g = await postJson('auth/google', { googleClientId: GOOGLE_CLIENT, googleCredential: credential }, FHIR);
    assert.equal(g.status, 200, g.text);
    assert.equal((await authMe(owner.getAccessToken())).status, 200, 'the earlier session goes on');
    const again = await authLogin({ email, password: TEST_PASSWORD, pkce: pkcePair() }, FHIR);
    assert.equal(again.status, 200, again.text);
  });
});
