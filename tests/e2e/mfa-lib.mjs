// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the MFA tests: RFC 6238 codes computed here from an otpauth:// URI's secret
// (an independent implementation: node:crypto HMAC-SHA1), and the emailed codes the SMTP
// sink stored in var/mail.
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { dbQuery } from './lib.mjs';
import { decodeWords, mailsTo, parseMessage } from './mail-lib.mjs';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(s) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const i = B32.indexOf(c);
    assert.ok(i >= 0, `not base32: ${s}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The secret of an otpauth://totp/ URI (asserting the parameters Tessera promises). */
export function uriSecret(uri) {
  const u = new URL(uri);
  assert.equal(u.protocol, 'otpauth:');
  assert.equal(u.host, 'totp');
  assert.equal(u.searchParams.get('algorithm'), 'SHA1');
  assert.equal(u.searchParams.get('digits'), '6');
  assert.equal(u.searchParams.get('period'), '30');
  const secret = u.searchParams.get('secret');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  return secret;
}

/** The step of a moment (30-second steps). */
export function stepOf(ms = Date.now()) {
  return Math.floor(ms / 1000 / 30);
}

/** RFC 6238 TOTP (HMAC-SHA1, 6 digits) of a base32 secret at a step. */
export function totp(secret, step = stepOf()) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1e6).padStart(6, '0');
}

/** The step of the user's last accepted TOTP code (user.mfa_last_step), or null. */
export function lastStep(userId) {
  const v = dbQuery('SELECT mfa_last_step FROM user WHERE id = ?', [userId])[0]?.[0];
  return v === undefined || v === 'NULL' ? null : Number(v);
}

/** The code the user's last accepted TOTP step had: spent, a replay. */
export function usedCode(secret, userId) {
  const last = lastStep(userId);
  assert.ok(last !== null, 'the user has used a code');
  return totp(secret, last);
}

/**
 * A right code the server has not seen: the first step after the user's last accepted one
 * (no replay) that is within the window (mfa_window 1: the next step is accepted). Rather than
 * hoping the clock has moved on since the last test's code, it asks the database which step was
 * used, and waits (at most one step) when even the next step would be too far ahead.
 */
export async function freshCode(secret, userId, window = 1) {
  const deadline = Date.now() + 35_000;
  for (;;) {
    const last = lastStep(userId);
    const step = last === null ? stepOf() : Math.max(stepOf(), last + 1);
    if (step <= stepOf() + window) return totp(secret, step);
    assert.ok(Date.now() < deadline, `no fresh TOTP step after ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits until `count` messages to address exist; returns the newest one's code and subject. */
export async function waitForCode(address, count = 1, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = mailsTo(address);
    if (found.length >= count) {
      assert.equal(found.length, count, `${found.length} messages to ${address}, expected ${count}`);
      const codes = found.map((raw) => {
        const m = parseMessage(raw);
        const subject = decodeWords(m.header('subject'));
        const text = m.parts.find((p) => p.type === 'text/plain')?.text || '';
        return { subject, text, code: subject.match(/(\d{6})$/)?.[1] };
      });
      // Newest last: the message whose code is not in any other (order of files is not time).
      return codes;
    }
    assert.ok(Date.now() < deadline, `no ${count} messages to ${address} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
