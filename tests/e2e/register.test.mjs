// SPDX-License-Identifier: BSD-2-Clause
// Self-registration with the unmodified Medplum SDK (@medplum/core 5.2.13): startNewUser →
// startNewProject → processCode, startNewUser → startNewPatient → processCode, every
// validation message of PROTOCOL.md §6.11-6.13, bad input, and the offline breach check (§14,
// PROTOCOL.md §S.13).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  BASE_URL,
  PROGRAM_DIR,
  TEST_PASSWORD,
  assertBadRequest,
  assertNotFound,
  authLogin,
  createOpenProject,
  createProject,
  createSigninFixture,
  createUser,
  dbQuery,
  loadMedplum,
  quietPkceWarning,
  pkcePair,
  postForm,
  postJson,
  http,
  randomUUID,
  redeemCode,
  uniqueEmail,
  uniqueName,
  waitForMail,
} from './lib.mjs';

const { MedplumClient } = await loadMedplum();

quietPkceWarning();

function newMedplum(opts = {}) {
  return new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o), ...opts });
}

function newUserBody(extra = {}) {
  const pkce = pkcePair();
  return {
    firstName: 'Reg',
    lastName: 'Istrant',
    email: uniqueEmail('reg'),
    password: TEST_PASSWORD,
    codeChallenge: pkce.challenge,
    codeChallengeMethod: 'S256',
    ...extra,
  };
}

const fhir = { 'Content-Type': 'application/fhir+json' };

function newUser(body) {
  return postJson('auth/newuser', body, fhir);
}

/** Asserts Medplum's validator shape: 400, a random id, the field as expression. */
function assertInvalid(r, text, field) {
  assertBadRequest(r, text);
  assert.match(r.json.id || '', /^[0-9a-f-]{36}$/, r.text);
  if (field) assert.deepEqual(r.json.issue[0].expression, [field], r.text);
}

describe('practitioner sign-up with the SDK', () => {
  it('startNewUser → startNewProject → processCode: an admin of the new project', async () => {
    const medplum = newMedplum();
    const email = uniqueEmail('sdk-reg');
    const projectName = uniqueName('SDK Project');
    const res = await medplum.startNewUser({ firstName: 'Grace', lastName: 'Hopper', email, password: TEST_PASSWORD });
    assert.match(res.login, /^[0-9a-f-]{36}$/);
    assert.equal(res.code, undefined, 'newuser never hands out a code');
    const user = dbQuery('SELECT id, project_id, email, first_name, password_hash FROM user WHERE email = ?', [email]);
    assert.equal(user.length, 1);
    assert.equal(user[0][1], 'NULL', 'server-scoped');
    assert.match(user[0][4], /^\$s1\$/, 'scrypt hash');

    const proj = await medplum.startNewProject({ login: res.login, projectName });
    assert.equal(proj.login, res.login);
    assert.match(proj.code, /^[0-9a-f]{32}$/);
    const profile = await medplum.processCode(proj.code);
    assert.equal(profile.resourceType, 'Practitioner');
    assert.deepEqual(profile.name, [{ given: ['Grace'], family: 'Hopper' }]);
    assert.deepEqual(profile.telecom, [{ system: 'email', use: 'work', value: email }]);
    assert.equal(medplum.getProject().name, projectName);
    assert.equal(medplum.isProjectAdmin(), true, 'the creator is a project admin');

    const projectId = medplum.getProject().id;
    const row = dbQuery('SELECT owner_user_id, strict_mode FROM project WHERE id = ?', [projectId]);
    assert.deepEqual(row[0], [user[0][0], '1']);
    const client = dbQuery(
      `SELECT c.name, c.description, c.secret_hash IS NOT NULL, m.profile_id = c.id
         FROM client_application c JOIN project_membership m ON m.user_id = c.id WHERE c.project_id = ?`,
      [projectId],
    );
    assert.deepEqual(client, [[`${projectName} Default Client`, `Default client for ${projectName}`, '1', '1']]);

    // The verification email (newuser: the address is not verified) and the welcome email
    // (§13.3) went out after their commits.
    const mails = await waitForMail(email, 2);
    const welcome = mails.find((m) => /^Welcome to /.test(m.subject));
    assert.ok(welcome, mails.map((m) => m.subject).join(', '));
    assert.match(welcome.text, /Hi Grace,/);
    assert.ok(welcome.text.includes(projectName), welcome.text);
    assert.ok(mails.some((m) => /Verify your email address/.test(m.subject)), 'the verification email');

    // The new account signs in again with its password.
    const again = newMedplum();
    const login = await again.startLogin({ email, password: TEST_PASSWORD });
    assert.ok(login.code, JSON.stringify(login));
  });

  it('projectId "new" gives a Project/new login: {login} until newproject', async () => {
    const body = newUserBody({ projectId: 'new' });
    const r = await newUser(body);
    assert.equal(r.status, 200, r.text);
    const status = await http(`auth/login/${r.json.login}`);
    assert.deepEqual(status.json, { login: r.json.login });
    const p = await postJson('auth/newproject', { login: r.json.login, projectName: uniqueName('new') }, fhir);
    assert.equal(p.status, 200, p.text);
    const t = await redeemCode(p.json.code, { clientId: '', verifier: undefined });
    assert.equal(t.status, 400, 'PKCE was bound at newuser: no verifier, no tokens');
  });

  it('a registration bound to a client: the code redeems for that client', async () => {
    const fx = createSigninFixture('reg-client');
    const pkce = pkcePair();
    const r = await newUser(newUserBody({ clientId: fx.clientId, codeChallenge: pkce.challenge }));
    assert.equal(r.status, 200, r.text);
    const p = await postJson('auth/newproject', { login: r.json.login, projectName: uniqueName('cl') }, fhir);
    assert.equal(p.status, 200, p.text);
    const t = await redeemCode(p.json.code, { clientId: fx.clientId, verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    assert.notEqual(t.json.project.reference, `Project/${fx.projectId}`, 'the membership is in the new project');
  });
});

describe('patient sign-up with the SDK', () => {
  it('startNewUser(projectId) → startNewPatient → processCode: a Patient with the default policy', async () => {
    const { projectId, policyId } = createOpenProject('pat');
    const medplum = newMedplum();
    const email = uniqueEmail('sdk-pat');
    const res = await medplum.startNewUser({ firstName: 'Pat', lastName: 'Ient', email, password: TEST_PASSWORD, projectId });
    const scoped = dbQuery('SELECT project_id FROM user WHERE email = ?', [email]);
    assert.deepEqual(scoped, [[projectId]], 'project-scoped user');
    const pat = await medplum.startNewPatient({ login: res.login, projectId });
    assert.match(pat.code, /^[0-9a-f]{32}$/);
    const profile = await medplum.processCode(pat.code);
    assert.equal(profile.resourceType, 'Patient');
    assert.equal(medplum.getProject().id, projectId);
    const m = dbQuery('SELECT access_policy_id, admin FROM project_membership WHERE profile_id = ?', [profile.id]);
    assert.deepEqual(m, [[policyId, '0']]);
    // The same email may register again in another scope, not in this one.
    assertBadRequest(await newUser(newUserBody({ email, projectId })), 'Email already registered');
    assert.equal((await newUser(newUserBody({ email }))).status, 200, 'server scope is separate');
  });

  it('refusals of §6.13', async () => {
    const open = createOpenProject('pat-ref');
    const closed = createProject(uniqueName('closed'));
    // A server-scoped user cannot become a patient.
    const server = await newUser(newUserBody());
    assertBadRequest(
      await postJson('auth/newpatient', { login: server.json.login, projectId: open.projectId }, fhir),
      'User must be scoped to the project',
    );
    // Scoped to another project.
    const scoped = await newUser(newUserBody({ projectId: open.projectId }));
    const other = createOpenProject('pat-other');
    assertBadRequest(
      await postJson('auth/newpatient', { login: scoped.json.login, projectId: other.projectId }, fhir),
      'User must be scoped to the project',
    );
    // Registration into a project without defaultPatientAccessPolicy is refused at newuser
    // already (stricter than Medplum: no stranger-made users in closed projects).
    assertBadRequest(await newUser(newUserBody({ projectId: closed })), 'Project does not allow open registration');
    assertNotFound(await newUser(newUserBody({ projectId: randomUUID() })));
    // Placed once only.
    const ok = await postJson('auth/newpatient', { login: scoped.json.login, projectId: open.projectId }, fhir);
    assert.equal(ok.status, 200, ok.text);
    assertBadRequest(
      await postJson('auth/newpatient', { login: scoped.json.login, projectId: open.projectId }, fhir),
      'Login already has a membership',
    );
    assertBadRequest(
      await postJson('auth/newproject', { login: scoped.json.login, projectName: 'Another one' }, fhir),
      'Login already has a membership',
    );
    assertNotFound(await postJson('auth/newpatient', { login: randomUUID(), projectId: open.projectId }, fhir));
    assertNotFound(await postJson('auth/newpatient', { login: 'not-a-uuid', projectId: open.projectId }, fhir));
    assertInvalid(await postJson('auth/newpatient', { projectId: open.projectId }, fhir), 'Missing login', 'login');
    assertInvalid(await postJson('auth/newpatient', { login: scoped.json.login }, fhir), 'Project ID is required', 'projectId');
  });
});

describe('validation messages of §6.11 and §6.12', () => {
  const cases = [
    [{ firstName: '' }, 'First name must be between 1 and 128 characters', 'firstName'],
    [{ firstName: 'x'.repeat(129) }, 'First name must be between 1 and 128 characters', 'firstName'],
    [{ firstName: 'Line\nBreak' }, 'First name must be between 1 and 128 characters', 'firstName'],
    [{ lastName: undefined }, 'Last name must be between 1 and 128 characters', 'lastName'],
    [{ lastName: 'y'.repeat(129) }, 'Last name must be between 1 and 128 characters', 'lastName'],
    [{ email: 'not-an-email' }, 'Valid email address between 3 and 72 characters is required', 'email'],
    [{ email: `${'a'.repeat(64)}@example.com` }, 'Valid email address between 3 and 72 characters is required', 'email'],
    [{ password: '1234567' }, 'Password must be between 8 and 72 characters', 'password'],
    [{ password: 'p'.repeat(73) }, 'Password must be between 8 and 72 characters', 'password'],
    // 20 characters, 80 bytes: the limit is in bytes.
    [{ password: '\u{1F511}'.repeat(20) }, 'Password must be between 8 and 72 characters', 'password'],
  ];
  for (const [extra, text, field] of cases) {
    it(`${JSON.stringify(extra).slice(0, 60)} → ${text}`, async () => {
      const r = await newUser(newUserBody(extra));
      assertInvalid(r, text, field);
    });
  }

  it('names count characters, not bytes: 128 accented letters pass', async () => {
    const r = await newUser(newUserBody({ firstName: 'é'.repeat(128), lastName: 'ø'.repeat(128) }));
    assert.equal(r.status, 200, r.text);
  });

  it('72 bytes of password pass', async () => {
    const password = 'correct-horse-battery-9Tiramisu_Eagle_Orbit_77new-secret-pass-42Xq!zK8wP';
    assert.equal(Buffer.byteLength(password), 72);
    const r = await newUser(newUserBody({ password }));
    assert.equal(r.status, 200, r.text);
  });

  it('an email already registered (any case) → Email already registered, expression email', async () => {
    const body = newUserBody();
    assert.equal((await newUser(body)).status, 200);
    const r = await newUser(newUserBody({ email: body.email.toUpperCase() }));
    assertBadRequest(r, 'Email already registered');
    assert.deepEqual(r.json.issue[0].expression, ['email']);
  });

  it('clientId: unknown → 404; another project → Client and project do not match', async () => {
    const fx = createSigninFixture('reg-cp');
    const { projectId } = createOpenProject('reg-cp');
    assertNotFound(await newUser(newUserBody({ clientId: randomUUID() })));
    assertBadRequest(await newUser(newUserBody({ clientId: fx.clientId, projectId })), 'Client and project do not match');
  });

  it('PKCE is checked before anything is written', async () => {
    const body = newUserBody({ codeChallengeMethod: 'S512' });
    assertBadRequest(await newUser(body), 'Invalid code challenge method');
    assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [body.email])[0][0], '0');
  });

  it('newproject: Login ID is required. / Project name must be between 4 and 72 characters / unknown login', async () => {
    const u = await newUser(newUserBody());
    assertInvalid(await postJson('auth/newproject', { projectName: 'Valid name' }, fhir), 'Login ID is required.', 'login');
    assertInvalid(await postJson('auth/newproject', { login: 'nope', projectName: 'Valid name' }, fhir), 'Login ID is required.', 'login');
    for (const projectName of ['abc', 'p'.repeat(73), undefined, 'tab\there'])
      assertInvalid(
        await postJson('auth/newproject', { login: u.json.login, projectName }, fhir),
        'Project name must be between 4 and 72 characters',
        'projectName',
      );
    assertNotFound(await postJson('auth/newproject', { login: randomUUID(), projectName: 'Valid name' }, fhir));
    assert.equal(dbQuery('SELECT COUNT(*) FROM login WHERE id = ? AND membership_id IS NULL', [u.json.login])[0][0], '1');
  });

  it('a project name fits what reads it back (PROJECT_NAME_MAX bytes): 72 four-byte characters refused, 63 read back whole', async () => {
    const u = await newUser(newUserBody());
    assertInvalid(
      await postJson('auth/newproject', { login: u.json.login, projectName: '\u{1F600}'.repeat(72) }, fhir),
      'Project name must be between 4 and 72 characters',
      'projectName',
    );
    const pkce = pkcePair();
    const r = await newUser(newUserBody({ codeChallenge: pkce.challenge }));
    const projectName = '\u{1F600}'.repeat(63);
    const p = await postJson('auth/newproject', { login: r.json.login, projectName }, fhir);
    assert.equal(p.status, 200, p.text);
    const t = await redeemCode(p.json.code, { clientId: '', verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    const headers = { Authorization: `Bearer ${t.json.access_token}` };
    const me = await http('auth/me', { headers });
    assert.equal(me.json.project.name, projectName);
    const settings = await http(`admin/projects/${me.json.project.id}/settings`, { headers });
    assert.equal(settings.status, 200, settings.text);
    assert.equal(settings.json.name, projectName);
  });

  it('a revoked login cannot create a project, and nothing is left half-written', async () => {
    const u = await newUser(newUserBody());
    const name = uniqueName('revoked');
    dbQuery('UPDATE login SET revoked = TRUE WHERE id = ?', [u.json.login]);
    assertBadRequest(await postJson('auth/newproject', { login: u.json.login, projectName: name }, fhir), 'Login revoked');
    assert.equal(dbQuery('SELECT COUNT(*) FROM project WHERE name = ?', [name])[0][0], '0');
    assert.equal(dbQuery('SELECT COUNT(*) FROM client_application WHERE name = ?', [`${name} Default Client`])[0][0], '0');
  });
});

describe('breached and common passwords (§14, PROTOCOL.md §S.13)', () => {
  for (const password of ['password1', 'P@ssw0rd', 'qwertyuiop', 'iloveyou2']) {
    it(`${password} → Password found in breach database, expression password`, async () => {
      const body = newUserBody({ password });
      const r = await newUser(body);
      assertBadRequest(r, 'Password found in breach database');
      assert.deepEqual(r.json.issue[0].expression, ['password']);
      assert.equal(dbQuery('SELECT COUNT(*) FROM user WHERE email = ?', [body.email])[0][0], '0');
    });
  }

  // Medplum sends a prefix of the password's SHA-1 to api.pwnedpasswords.com for every new
  // password. Tessera decides offline: the programs link libpwquality (cracklib's dictionary)
  // and carry no breach-service address; the unit test pwpolicy/breach_check_is_offline runs
  // the same check inside a network namespace with no interfaces at all.
  it('the check is offline: libpwquality linked, no online breach service named', () => {
    for (const program of ['tessera-login', 'tessera-password']) {
      const path = join(PROGRAM_DIR, program);
      const ldd = execFileSync('ldd', [path], { encoding: 'utf8' });
      assert.match(ldd, /libpwquality\.so/, `${program} links libpwquality`);
      const binary = execFileSync('strings', [path], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.doesNotMatch(binary, /pwnedpasswords|haveibeenpwned/i, `${program} names no online breach service`);
    }
  });
});

describe('bad input is a 4xx, never a 5xx', () => {
  const bodies = [
    ['malformed JSON', '{"firstName":', 'application/json'],
    ['a JSON array', '[1,2,3]', 'application/json'],
    ['text/plain', 'firstName=a', 'text/plain'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x66, 0x69, 0x72, 0x73, 0x74, 0x4e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), 'application/json'],
    ['a NUL byte', '{"firstName":"a\\u0000b","lastName":"x","email":"n@example.com","password":"correct-horse-battery-9"}', 'application/json'],
    ['an oversized body', JSON.stringify({ firstName: 'x'.repeat(2_000_000) }), 'application/json'],
    ['nested objects', '{"firstName":{"a":1},"lastName":["x"],"email":"e@example.com","password":"correct-horse-battery-9"}', 'application/json'],
  ];
  for (const path of ['auth/newuser', 'auth/newproject', 'auth/newpatient']) {
    for (const [what, body, type] of bodies) {
      it(`${path}: ${what}`, async () => {
        const r = await http(path, { method: 'POST', headers: { 'Content-Type': type }, body });
        assert.ok(r.status >= 400 && r.status < 500, `${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.json?.resourceType, 'OperationOutcome', r.text.slice(0, 200));
      });
    }
  }

  it('SQL injection strings are data', async () => {
    const inj = "x' OR '1'='1'; DROP TABLE user; --";
    const r = await newUser(newUserBody({ firstName: inj, lastName: inj }));
    assert.equal(r.status, 200, r.text);
    assert.equal(dbQuery('SELECT first_name FROM user WHERE id = (SELECT user_id FROM login WHERE id = ?)', [r.json.login])[0][0], inj);
    assertInvalid(await newUser(newUserBody({ email: "a'--@example.com OR 1=1" })), 'Valid email address between 3 and 72 characters is required', 'email');
    assertInvalid(await newUser(newUserBody({ projectId: "' OR 1=1 --" })), 'Invalid projectId', 'projectId');
    assertInvalid(await postJson('auth/newpatient', { login: "' OR 1=1 --", projectId: "x' --" }, fhir), 'Missing login', 'login');
    assertNotFound(await postJson('auth/newpatient', { login: "'OR'1'='1", projectId: "x'--" }, fhir));
    const p = await postJson('auth/newproject', { login: r.json.login, projectName: inj.slice(0, 40) }, fhir);
    assert.equal(p.status, 200, p.text);
  });

  it('form bodies work like JSON', async () => {
    const body = newUserBody();
    const r = await postForm('auth/newuser', body);
    assert.equal(r.status, 200, r.text);
  });

  it('GET is not a registration', async () => {
    const r = await http('auth/newuser');
    assert.ok(r.status === 404 || r.status === 405, `${r.status}`);
  });

  it('a registered user signs in through /auth/login only after placing the login', async () => {
    const body = newUserBody();
    await newUser(body);
    // No membership yet: the sign-in stage has nothing to hand out.
    assertBadRequest(await authLogin({ email: body.email, password: body.password, pkce: pkcePair() }), 'User not found');
  });
});
