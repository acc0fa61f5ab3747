// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the email tests: tessera-admin mail send-test, the SMTP sink's var/mail/*.eml
// and a small MIME reader (headers, RFC 2047 words, multipart/alternative, base64 parts).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { CONFIG, ROOT, dbQuery, finishedMail } from './lib.mjs';

export const MAIL_DIR = process.env.TESSERA_MAIL_DIR || join(ROOT, 'var/mail');
export const MAILER = join(ROOT, 'bin/tessera-mailer');
export const ADMIN = join(ROOT, 'bin/tessera-admin');

/** Tessera's programs take their settings from the configuration file only. */
function programEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TESSERA_')) env[k] = v;
  env.TESSERA_CONFIG = CONFIG;
  return env;
}

/** Runs a program; returns { status, stdout, stderr } whatever its exit status. */
export function run(program, args) {
  try {
    const stdout = execFileSync(program, args, { env: programEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    if (typeof e.status !== 'number') throw e;
    return { status: e.status, stdout: e.stdout || '', stderr: e.stderr || '' };
  }
}

/** tessera-admin mail send-test; returns { status, stdout, stderr, id } (id: the outbox row). */
export function sendTest({ to, name, project, template } = {}) {
  const args = ['mail', 'send-test', '--to', to];
  if (name !== undefined) args.push('--name', name);
  if (project) args.push('--project', project);
  if (template) args.push('--template', template);
  const r = run(ADMIN, args);
  r.id = r.stdout.match(/outbox id: (\S+)/)?.[1];
  return r;
}

/** The outbox row as an object (strings). */
export function outboxRow(id) {
  const rows = dbQuery(
    // The bodies as hex: their line breaks would break the client's one-row-per-line output.
    "SELECT status, attempts, COALESCE(last_error, ''), HEX(body_text), HEX(COALESCE(body_html, '')), template, recipient FROM email_outbox WHERE id = ?",
    [id],
  );
  assert.equal(rows.length, 1, `no outbox row ${id}`);
  const [status, attempts, lastError, bodyText, bodyHtml, template, recipient] = rows[0];
  const unhex = (h) => Buffer.from(h || '', 'hex').toString('utf8');
  return { status, attempts: Number(attempts), lastError, bodyText: unhex(bodyText), bodyHtml: unhex(bodyHtml), template, recipient };
}

/** The stored messages whose envelope recipient is `address`, as raw text. */
export function mailsTo(address) {
  return finishedMail(MAIL_DIR)
    .map((m) => m.raw)
    .filter((text) => text.split('\r\n\r\n')[0].split('\r\n').includes(`X-Original-To: ${address}`));
}

/** Waits (up to `ms`) for exactly one message to `address`; returns it parsed. */
export async function waitForMail(address, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = mailsTo(address);
    if (found.length) {
      assert.equal(found.length, 1, `${found.length} messages to ${address}`);
      return parseMessage(found[0]);
    }
    assert.ok(Date.now() < deadline, `no message to ${address} in ${MAIL_DIR} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits (up to `ms`) until the outbox row has the status. */
export async function waitForStatus(id, status, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const row = outboxRow(id);
    if (row.status === status) return row;
    assert.ok(Date.now() < deadline, `outbox row ${id} is ${row.status}, not ${status}, after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Decodes RFC 2047 "B" words (UTF-8) in a header value; folding is already undone. */
export function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

function parseHeaders(block) {
  const headers = [];
  for (const line of block.split('\r\n')) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1][1] += ' ' + line.trim();
    else {
      const colon = line.indexOf(':');
      assert.ok(colon > 0, `not a header line: ${JSON.stringify(line)}`);
      headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
    }
  }
  return headers;
}

function header(headers, name) {
  const all = headers.filter(([k]) => k === name.toLowerCase());
  assert.ok(all.length <= 1, `${all.length} ${name} headers`);
  return all[0]?.[1];
}

function splitHead(text) {
  const at = text.indexOf('\r\n\r\n');
  assert.ok(at > 0, 'no blank line after the headers');
  return { head: parseHeaders(text.slice(0, at)), body: text.slice(at + 4) };
}

/**
 * A stored message: { raw, headers: [[name, value]], header(name), parts: [{ type, charset,
 * encoding, text }] }. Asserts CRLF line ends and a well-formed multipart/alternative.
 */
export function parseMessage(raw) {
  assert.ok(!/[^\r]\n/.test(raw), 'a bare LF in the message');
  const { head, body } = splitHead(raw);
  const type = header(head, 'content-type') || '';
  const boundary = type.match(/boundary="([^"]+)"/)?.[1];
  const parts = [];
  if (boundary) {
    const chunks = body.split(`--${boundary}`);
    assert.equal(chunks[chunks.length - 1], '--\r\n', 'no closing boundary');
    for (const chunk of chunks.slice(1, -1)) {
      const p = splitHead(chunk.replace(/^\r\n/, ''));
      const ptype = header(p.head, 'content-type');
      const encoding = header(p.head, 'content-transfer-encoding');
      assert.equal(encoding, 'base64');
      parts.push({
        type: ptype.split(';')[0].trim(),
        charset: ptype.match(/charset=([\w-]+)/)?.[1],
        text: Buffer.from(p.body.replace(/\s+/g, ''), 'base64').toString('utf8'),
      });
    }
  }
  return { raw, headers: head, header: (name) => header(head, name), parts };
}
