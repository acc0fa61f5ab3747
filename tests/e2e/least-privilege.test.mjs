// SPDX-License-Identifier: BSD-2-Clause
// Least privilege (issue 6): the web programs run as an unprivileged user, their
// database account cannot change the schema, and the configuration holding the database
// password and hash_key is not readable by everyone. Issue 14, finding 8: the migration
// account's password (ALL privileges) is not in that configuration but in a root-only file
// that only tessera-admin reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_CONFIG, CONFIG, PROGRAM_DIR, ROOT, dbQuery, readAdminConfig, readConfig } from './lib.mjs';

/** Real, effective, saved and filesystem uid of a process. */
function uids(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return line.split(/\s+/).slice(1, 5).map(Number);
}

/** The processes whose program is one of Tessera's FastCGI programs in this tree. */
function tesseraPrograms() {
  const prefix = join(PROGRAM_DIR, 'tessera-');
  const found = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv0;
    try {
      argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      continue; // exited meanwhile
    }
    if (argv0.startsWith(prefix)) found.push({ pid, program: argv0 });
  }
  return found;
}

describe('least privilege', () => {
  it('the programs run as the user scripts/dev chose, never root when started as root', (t) => {
    const file = join(ROOT, 'var', 'run-user');
    assert.ok(existsSync(file), 'scripts/dev records the run user in var/run-user');
    const user = readFileSync(file, 'utf8').trim();
    if (process.getuid() === 0 && user === 'root') {
      t.skip('the run user cannot reach this tree (see the warning of scripts/dev up)');
      return;
    }
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    if (process.getuid() === 0) assert.notEqual(uid, 0, 'started as root, the programs drop to another user');
    const programs = tesseraPrograms();
    assert.ok(programs.length >= 5, `the FastCGI programs are running: ${JSON.stringify(programs)}`);
    for (const { pid, program } of programs) {
      assert.deepEqual(uids(pid), [uid, uid, uid, uid], `${program} (pid ${pid}) runs as ${user}`);
    }
  });

  it('the web programs’ database account reads and writes rows but cannot change the schema', () => {
    assert.deepEqual(dbQuery('SELECT COUNT(*) > 0 FROM schema_migration'), [['1']]);
    for (const ddl of [
      'CREATE TABLE lp_probe (a INT)',
      "ALTER TABLE login COMMENT = 'probe'",
      'CREATE INDEX lp_probe ON login (created_at)',
      'DROP TABLE lp_probe_absent',
      'GRANT SELECT ON tessera.* TO CURRENT_USER()',
      // EXECUTE (for tessera_hit) does not let it create or replace a routine.
      'CREATE FUNCTION lp_probe() RETURNS INT RETURN 1',
      'DROP FUNCTION tessera_hit',
    ]) {
      assert.throws(() => dbQuery(ddl), /denied/i, `refused: ${ddl}`);
    }
    const admin = readAdminConfig();
    assert.ok(admin.db_admin_user && admin.db_admin_user !== readConfig().db_user, 'migrations use a separate account');
  });

  it('the configuration is not world-readable', () => {
    const mode = statSync(CONFIG).mode & 0o777;
    assert.equal(mode & 0o007, 0, `mode ${mode.toString(8)}`);
  });

  it('issue 14 finding 8: the configuration the web programs read holds no migration credentials', () => {
    const programs = tesseraPrograms();
    assert.ok(programs.length >= 5, 'the FastCGI programs are running');
    const migratePassword = readFileSync(join(ROOT, 'var', 'db-migrate-password'), 'utf8').trim();
    assert.ok(migratePassword.length >= 16);
    const files = new Set();
    for (const { pid, program } of programs) {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      assert.ok(!env.some((v) => v.includes(migratePassword)), `${program} has the migration password in its environment`);
      const config = env.find((v) => v.startsWith('TESSERA_CONFIG='))?.slice('TESSERA_CONFIG='.length);
      assert.ok(config, `${program} names its configuration`);
      files.add(config);
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.ok(!/^\s*db_admin_(user|password)\s*=/m.test(text), `${file} names the migration account`);
      assert.ok(!text.includes(migratePassword), `${file} holds the migration password`);
    }
  });

  it('issue 14 finding 8: the migration credentials are in a root-only file the web server\'s user cannot read', (t) => {
    assert.equal(readConfig().admin_config, ADMIN_CONFIG, 'tessera.conf names the migration file (admin_config)');
    const st = statSync(ADMIN_CONFIG);
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o077, 0, `mode ${(st.mode & 0o777).toString(8)}`);
    assert.equal(st.uid, process.getuid(), 'owned by whoever runs scripts/dev (root here)');
    const admin = readAdminConfig();
    assert.equal(admin.db_admin_user, 'tessera_migrate');
    assert.equal(admin.db_admin_password, readFileSync(join(ROOT, 'var', 'db-migrate-password'), 'utf8').trim());
    const user = readFileSync(join(ROOT, 'var', 'run-user'), 'utf8').trim();
    if (process.getuid() !== 0 || user === 'root') {
      t.skip('the programs run as this user: no separate web user to test against');
      return;
    }
    const asWebUser = (file) =>
      spawnSync('setpriv', [`--reuid=${user}`, `--regid=${user}`, '--init-groups', 'cat', file], { encoding: 'utf8' });
    const conf = asWebUser(CONFIG);
    assert.equal(conf.status, 0, `the web user reads its own configuration: ${conf.stderr}`);
    const migration = asWebUser(ADMIN_CONFIG);
    assert.notEqual(migration.status, 0, 'the web user reads the migration file');
    assert.match(migration.stderr, /Permission denied/);
    assert.equal(migration.stdout, '');
  });
});
