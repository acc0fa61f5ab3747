// SPDX-License-Identifier: BSD-2-Clause
// Invites (one, then eight at once, with a password reset) while the SMTP server is away
// (docs/ARCHITECTURE.md "Email"): each invite succeeds whole (user, request, membership, email row), the
// emails wait in the outbox, and once the sink is back tessera-mailer delivers them, the invite
// email with a working set-password link.
//
// Named zz-… and waits until every other test file has finished (lib.mjs waitUntilAlone): it
// stops the shared SMTP sink with `scripts/dev smtp-stop` and always brings it back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL,
  bearer,
  createSigninFixture,
  dbExec,
  dbQuery,
  loadMedplum,
  outage,
  postJson,
  quietPkceWarning,
  signIn,
  uniqueEmail,
  waitUntilAlone,
} from './lib.mjs';
import { ADMIN, MAILER, mailsTo, outboxRow, run, waitForMail, waitForStatus } from './mail-lib.mjs';

const { MedplumClient } = await loadMedplum();
quietPkceWarning();
const sink = outage('smtp-stop', 'smtp-start');

before(async () => {
  await waitUntilAlone();
});

after(() => sink.restore());

test('an invite with the SMTP sink stopped succeeds; the mailer delivers its email later', async () => {
  const fx = createSigninFixture('outage-inv');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  const medplum = new MedplumClient({ baseUrl: BASE_URL, fetch: (u, o) => fetch(u, o) });
  medplum.setAccessToken(tokens.access_token);

  sink.stop();
  const email = uniqueEmail('outage-inv');
  const started = Date.now();
  const m = await medplum.invite(fx.projectId, { resourceType: 'Practitioner', firstName: 'Otto', lastName: 'Outage', email });
  assert.ok(Date.now() - started < 15000, 'a dead SMTP server does not hold the invite long');
  assert.equal(m.resourceType, 'ProjectMembership');
  const [[id]] = dbQuery("SELECT id FROM email_outbox WHERE recipient = ? AND template = 'invite'", [email]);
  const row = outboxRow(id);
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 1);
  assert.match(row.lastError, /connect/i);
  assert.equal(mailsTo(email).length, 0);

  sink.restore();
  assert.equal(run(ADMIN, ['mail', 'retry']).status, 0);
  assert.equal(run(MAILER, ['--once']).status, 0);
  await waitForStatus(id, 'sent');
  const msg = await waitForMail(email);
  const text = msg.parts.find((p) => p.type === 'text/plain').text;
  const link = text.match(/setpassword\/([0-9a-f-]{36})\/([0-9a-f]{32})/);
  assert.ok(link, text);
  const r = await postJson('auth/setpassword', { id: link[1], secret: link[2], password: 'Tiramisu_Eagle_Orbit_77' },
    { 'Content-Type': 'application/fhir+json', Authorization: bearer(tokens.access_token) });
  assert.equal(r.status, 200, r.text);
});

test('concurrent invites and a password reset with the SMTP sink stopped: every email is kept and delivered later', async () => {
  const fx = createSigninFixture('outage-many');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  const { tokens } = await signIn(fx);
  const headers = { Authorization: bearer(tokens.access_token), 'Content-Type': 'application/fhir+json' };

  sink.stop();
  const emails = Array.from({ length: 8 }, (_, i) => uniqueEmail(`outage-many${i}`));
  const answers = await Promise.all(
    emails.map((email) =>
      postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'Many', lastName: 'Outage', email }, headers),
    ),
  );
  for (const r of answers) assert.equal(r.status, 200, r.text);
  // The reset email now goes after the response: the answer is the same, the row is kept.
  const reset = await postJson('auth/resetpassword', { email: fx.email }, { 'Content-Type': 'application/fhir+json' });
  assert.equal(reset.status, 200, reset.text);

  const ids = [];
  // The reset's rows are written after its response (issue 14, finding 9): give them a moment.
  for (let i = 0; i < 50 && !dbQuery("SELECT 1 FROM email_outbox WHERE recipient = ? AND template = 'reset'", [fx.email]).length; i++)
    await new Promise((res) => setTimeout(res, 100));
  for (const email of [...emails, fx.email]) {
    const rows = dbQuery("SELECT id, status FROM email_outbox WHERE recipient = ? AND template IN ('invite', 'reset')", [email]);
    assert.equal(rows.length, 1, `one email for ${email}: ${JSON.stringify(rows)}`);
    ids.push(rows[0][0]);
  }
  // Each invite is whole: user, invite request, membership.
  for (const email of emails) {
    const [[n]] = dbQuery(
      "SELECT COUNT(*) FROM user u JOIN security_request s ON s.user_id = u.id AND s.type = 'invite' " +
        'JOIN project_membership m ON m.user_id = u.id AND m.project_id = ? WHERE u.email = ?',
      [fx.projectId, email],
    );
    assert.equal(n, '1', email);
  }
  // Each message's first attempt (after the response, or the mailer's) has been made and
  // failed: then nothing was sent.
  const tried = (row) => row.attempts >= 1 && row.lastError && row.status !== 'sending';
  for (const deadline = Date.now() + 30_000; !ids.every((id) => tried(outboxRow(id))); await new Promise((r) => setTimeout(r, 100)))
    assert.ok(Date.now() < deadline, `a failed attempt at every message: ${JSON.stringify(ids.map(outboxRow).map(({ status, attempts, lastError }) => ({ status, attempts, lastError })))}`);
  for (const id of ids) assert.notEqual(outboxRow(id).status, 'sent');

  sink.restore();
  assert.equal(run(ADMIN, ['mail', 'retry']).status, 0);
  assert.equal(run(MAILER, ['--once']).status, 0);
  for (const id of ids) await waitForStatus(id, 'sent');
  for (const email of [...emails, fx.email]) await waitForMail(email);
});
