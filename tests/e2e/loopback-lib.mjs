// SPDX-License-Identifier: BSD-2-Clause
// Clients bound to one loopback source address (127.x.y.z): the per-IP counts of their requests
// are their own, whatever other test files send at the same time. The rate-limit, throttle and
// policy tests (IP rules) use them; each agent is closed when the test file ends.
import { after } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { http as libHttp } from './lib.mjs';

const agents = [];
after(() => Promise.all(agents.map((a) => a.close())));

export function randomLoopback() {
  const b = () => 1 + Math.floor(Math.random() * 253);
  return `127.${b()}.${b()}.${b()}`;
}

/** HTTP helpers (lib.mjs's http, fetch, postForm, postJson with FHIR JSON) sending from ip. */
export function fromIp(ip) {
  const dispatcher = new Agent({ localAddress: ip });
  agents.push(dispatcher);
  const fetch = (u, init = {}) => undiciFetch(u, { ...init, dispatcher });
  const http = (path, opts = {}) => libHttp(path, { ...opts, fetch });
  return {
    ip,
    fetch,
    http,
    postForm: (path, params, headers = {}) =>
      http(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(params).toString() }),
    postJson: (path, obj, headers = {}) =>
      http(path, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', ...headers }, body: JSON.stringify(obj) }),
  };
}

/** A client from its own new loopback address. */
export function fromNewIp() {
  return fromIp(randomLoopback());
}
