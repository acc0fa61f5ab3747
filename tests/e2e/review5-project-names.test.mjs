// SPDX-License-Identifier: BSD-2-Clause
// Review 5: project names were held in 256-byte buffers while the resource API took 255
// *characters* (up to 1020 bytes of four-byte characters): every reader cut such a name inside a
// character, and a JSON answer of it failed (500). PROJECT_NAME_MAX (255 bytes) now sizes every
// reader's buffer (PROJECT_NAME_SIZE, and PROJECT_BRAND_SIZE for the brand), the resource API
// refuses a longer name (400 "Project name must be at most 255 bytes"), and a stored name longer
// than a buffer (written before, or straight into the database) is cut before a character, never
// inside one (text_copy). A 255-byte name of 4-byte characters (63 + "abc") goes in through every
// write path and comes back whole through every read path: the settings API, /auth/me, the resource
// API, the invite email's subject (brand and project name) and the TOTP issuer (the brand).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  ADMIN, CONFIG, TEST_PASSWORD, authMe, bearer, createSigninFixture, dbExec, dbQuery, http, pkcePair, postJson,
  redeemCode, signIn, tesseraAdmin, uniqueEmail,
} from './lib.mjs';
import { api } from './fhir-lib.mjs';
import { decodeWords, waitForMail } from './mail-lib.mjs';
import { skip } from './browser-lib.mjs';
import { pageUrl, signedIn } from './console-lib.mjs';

const FULL = `${'\u{1FA7A}'.repeat(63)}abc`; // 255 bytes, 66 characters
const OVER = '\u{1FA7A}'.repeat(64); // 256 bytes, 64 characters
const fhir = { 'Content-Type': 'application/fhir+json' };

let fx; // a project admin of a project, signed in
let h;

before(async () => {
  assert.equal(Buffer.byteLength(FULL), 255);
  fx = createSigninFixture('r5-names');
  dbExec('UPDATE project_membership SET admin = TRUE WHERE id = ?', [fx.membershipId]);
  h = { Authorization: bearer((await signIn(fx)).tokens.access_token) };
});

// The mariadb client of dbQuery does not speak utf8mb4: names cross it in hex.
const hex = (text) => Buffer.from(text).toString('hex').toUpperCase();
const storedName = (id) => Buffer.from(dbQuery('SELECT HEX(name) FROM project WHERE id = ?', [id])[0][0], 'hex').toString();
const setNames = (id, name, brand) => dbExec('UPDATE project SET name = CONVERT(UNHEX(?) USING utf8mb4), '
  + 'brand_name = CONVERT(UNHEX(?) USING utf8mb4) WHERE id = ?', [hex(name), hex(brand), id]);

/** Every read path of the project's name and brand gives `name` and `brand` exactly (/auth/me,
 * which holds no buffer, `whole`). */
async function assertReadsBack(name, brand, whole = name) {
  const s = await http(`admin/projects/${fx.projectId}/settings`, { headers: h });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.name, name);
  assert.equal(s.json.brandName, brand);
  const p = await api(h.Authorization.slice(7), 'GET', `Project/${fx.projectId}`);
  assert.equal(p.status, 200, p.text);
  const me = await authMe(h.Authorization.slice(7));
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.project.name, whole, me.text);
  // The invite of an existing account: "{{brand}}: Welcome to {{project_name}}".
  const invitee = createSigninFixture('r5-names-invitee');
  const inv = await postJson(`admin/projects/${fx.projectId}/invite`, { resourceType: 'Practitioner', firstName: 'In',
    lastName: 'Vitee', email: invitee.email, sendEmail: true }, h);
  assert.ok(inv.status === 200 || inv.status === 201, inv.text);
  const mail = await waitForMail(invitee.email);
  assert.equal(decodeWords(mail.header('subject')), `${brand}: Welcome to ${name}`);
  // The TOTP issuer is the project's brand.
  const st = await http('auth/mfa/status', { headers: h });
  assert.equal(st.status, 200, st.text);
  const uri = new URL(st.json.enrollUri);
  assert.equal(uri.searchParams.get('issuer'), brand);
  assert.ok(decodeURIComponent(uri.pathname).includes(brand), uri.href);
}

describe('a 255-byte project name of four-byte characters (review 5)', () => {
  it('written through the resource API and the settings API, read back whole everywhere', async () => {
    const token = h.Authorization.slice(7);
    const read = await api(token, 'GET', `Project/${fx.projectId}`);
    const body = { ...read.json, name: OVER };
    delete body.meta;
    const over = await api(token, 'PUT', `Project/${fx.projectId}`, body);
    assert.equal(over.status, 400, over.text);
    assert.equal(over.json.issue[0].details.text, 'Project name must be at most 255 bytes');
    const put = await api(token, 'PUT', `Project/${fx.projectId}`, { ...body, name: FULL });
    assert.equal(put.status, 200, put.text);
    assert.equal(storedName(fx.projectId), FULL);
    const brand = await postJson(`admin/projects/${fx.projectId}/settings`, { brandName: FULL }, h);
    assert.equal(brand.status, 200, brand.text);
    assert.equal(brand.json.brandName, FULL);
    const overBrand = await postJson(`admin/projects/${fx.projectId}/settings`, { brandName: OVER }, h);
    assert.equal(overBrand.status, 400, overBrand.text);
    await assertReadsBack(FULL, FULL);
  });

  it('a stored name and brand longer than any buffer are cut before a character: no 500, no broken text', async () => {
    const long = '\u{1FA7A}'.repeat(100); // 400 bytes, as a database write (or an old row) may hold
    setNames(fx.projectId, long, long);
    try {
      const cut = '\u{1FA7A}'.repeat(63); // 252 bytes: the whole characters that fit in 255
      await assertReadsBack(cut, cut, long);
    } finally {
      setNames(fx.projectId, FULL, FULL);
    }
  });

  it('newproject and tessera-admin project create take it; a longer one is refused', async () => {
    const pkce = pkcePair();
    const r = await postJson('auth/newuser', { firstName: 'Reg', lastName: 'Istrant', email: uniqueEmail('r5-names-new'),
      password: TEST_PASSWORD, projectId: 'new', codeChallenge: pkce.challenge, codeChallengeMethod: 'S256' }, fhir);
    assert.equal(r.status, 200, r.text);
    const tooLong = await postJson('auth/newproject', { login: r.json.login, projectName: OVER }, fhir);
    assert.equal(tooLong.status, 400, tooLong.text);
    const p = await postJson('auth/newproject', { login: r.json.login, projectName: FULL }, fhir);
    assert.equal(p.status, 200, p.text);
    const t = await redeemCode(p.json.code, { clientId: '', verifier: pkce.verifier });
    assert.equal(t.status, 200, t.text);
    const me = await authMe(t.json.access_token);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.project.name, FULL);
    const id = tesseraAdmin('project', 'create', FULL).trim();
    assert.equal(storedName(id), FULL);
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TESSERA_'))), TESSERA_CONFIG: CONFIG };
    const refused = spawnSync(ADMIN, ['project', 'create', OVER], { env, encoding: 'utf8' });
    assert.equal(refused.status, 2, refused.stderr);
  });

  it('the console shows the whole name, and a longer stored one cut before a character', { skip }, async () => {
    const { context, page, problems } = await signedIn(fx.email);
    try {
      await page.goto(pageUrl(fx.projectId, 'members'));
      assert.equal(await page.locator('h1').innerText(), `Members of ${FULL}`);
      const long = '\u{1FA7A}'.repeat(100);
      setNames(fx.projectId, long, long);
      try {
        const r = await page.goto(pageUrl(fx.projectId, 'members'));
        assert.equal(r.status(), 200);
        assert.equal(await page.locator('h1').innerText(), `Members of ${'\u{1FA7A}'.repeat(63)}`);
      } finally {
        setNames(fx.projectId, FULL, FULL);
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
