// SPDX-License-Identifier: BSD-2-Clause
// The SMTP server goes away (docs/ARCHITECTURE.md "Email": mail is never lost because the SMTP server was
// down): the enqueue still succeeds, the row stays pending with its error, and once the sink is
// back tessera-mailer delivers it.
//
// Named zz-… and waits until every other test file has finished (lib.mjs waitUntilAlone), since
// it stops the shared SMTP sink with `scripts/dev smtp-stop`; it always brings it back with
// `scripts/dev smtp-start`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { outage, uniqueEmail, waitUntilAlone } from './lib.mjs';
import { ADMIN, MAILER, mailsTo, outboxRow, run, sendTest, waitForMail, waitForStatus } from './mail-lib.mjs';

const sink = outage('smtp-stop', 'smtp-start');

before(async () => {
  await waitUntilAlone();
});

after(() => sink.restore());

test('with the SMTP sink stopped the message is queued, and delivered once it is back', async () => {
  sink.stop();

  const to = uniqueEmail('outage');
  const started = Date.now();
  const r = sendTest({ to, name: 'Olga Outage' });
  assert.ok(Date.now() - started < 15000, 'a dead SMTP server does not hold the caller long');
  assert.equal(r.status, 1, `delivery failed, so a non-zero status: ${r.stdout}${r.stderr}`);
  assert.ok(r.id, `queued anyway: ${r.stdout}`);
  assert.match(r.stdout, /not sent \(pending\)/);

  const row = outboxRow(r.id);
  assert.equal(row.status, 'pending');
  assert.equal(row.attempts, 1);
  assert.match(row.lastError, /connect/i);
  assert.ok(row.bodyText.includes('Olga Outage'), 'the rendered body waits in the outbox');
  assert.equal(mailsTo(to).length, 0);

  // Not due yet (30 s backoff): a mailer pass leaves it alone.
  assert.equal(run(MAILER, ['--once']).status, 0);
  assert.equal(outboxRow(r.id).status, 'pending');

  sink.restore();
  // After the outage an operator makes the backlog due now; then one mailer pass (this one or
  // the running daemon's, whichever claims the row first) sends it, exactly once.
  const retry = run(ADMIN, ['mail', 'retry']);
  assert.equal(retry.status, 0, retry.stderr);
  assert.equal(run(MAILER, ['--once']).status, 0);
  const sent = await waitForStatus(r.id, 'sent');
  assert.equal(sent.attempts, 2);
  assert.equal(sent.lastError, '');
  const msg = await waitForMail(to);
  assert.equal(msg.header('message-id').split('@')[0], `<${r.id}`);
  assert.deepEqual(msg.parts.map((p) => p.type), ['text/plain', 'text/html']);
  await new Promise((res) => setTimeout(res, 1000));
  assert.equal(mailsTo(to).length, 1, 'sent once, not by both mailers');
});

