// SPDX-License-Identifier: BSD-2-Clause
// The logs of the whole end-to-end run hold no secret: no client secret, password,
// authorization code, refresh secret or token. It runs last: scripts/dev runs tests/e2e/last/
// in a node --test of its own once every other file of the stage has ended, the fault tests
// (zz-*) included, whose error paths are the likeliest to log a secret. It checks two ways:
// the concrete secrets of a fresh sign-in made here, and every shape a Tessera secret has
// (64-hex secrets, 32-hex codes, JWTs) across everything under var/log/ (the logs of this
// run: scripts/dev test moves older ones to var/log/previous/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, url, uniqueName, createProject, createClient } from '../lib.mjs';

const LOG_DIR = join(ROOT, 'var/log');

function allLogs() {
  return readdirSync(LOG_DIR)
    .map((f) => join(LOG_DIR, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => ({ file: f, text: readFileSync(f, 'latin1') }));
}

test('a fresh client secret, token and bad secret never reach the logs', async () => {
  const projectId = createProject(uniqueName("logs"));
  const client = createClient(projectId, "logs");
  const ok = await fetch(url('oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${client.id}&client_secret=${client.secret}`,
  });
  const { access_token: token } = await ok.json();
  assert.ok(token);
  const wrong = 'f'.repeat(64);
  await fetch(url('oauth2/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${client.id}&client_secret=${wrong}`,
  });
  await fetch(url('auth/me'), { headers: { authorization: `Bearer ${token}` } });
  // a secret in the query string is refused, and not logged either
  await fetch(url(`oauth2/token?client_secret=${client.secret}`), { method: 'POST' });
  await new Promise((r) => setTimeout(r, 300));
  for (const { file, text } of allLogs()) {
    for (const secret of [client.secret, token, token.split('.')[2], wrong]) {
      assert.ok(!text.includes(secret), `${file} contains a secret`);
    }
  }
});

test('no log line of the whole run carries anything shaped like a secret or token', () => {
  const shapes = [
    { name: 'JWT', re: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
    { name: '64-hex secret', re: /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/ },
    { name: '32-hex code or cookie', re: /(?<![0-9a-f-])[0-9a-f]{32}(?![0-9a-f-])/ },
  ];
  let lines = 0;
  for (const { file, text } of allLogs()) {
    if (!/tessera|lighttpd|apache/.test(file)) continue;
    for (const line of text.split('\n')) {
      lines++;
      for (const { name, re } of shapes) assert.ok(!re.test(line), `${file}: a ${name} in: ${line.slice(0, 200)}`);
    }
  }
  assert.ok(lines > 0, 'no log lines were read: is var/log/ where the stack logs?');
});
