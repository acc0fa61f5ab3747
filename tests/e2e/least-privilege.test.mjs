// Least privilege (issue 6): the web programs run as an unprivileged user, their
// database account cannot change the schema, and the configuration holding the database
// password and hash_key is not readable by everyone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG, PROGRAM_DIR, ROOT, dbQuery, readConfig } from './lib.mjs';

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
    const cfg = readConfig();
    assert.ok(cfg.db_admin_user && cfg.db_admin_user !== cfg.db_user, 'migrations use a separate account');
  });

  it('the configuration is not world-readable', () => {
    const mode = statSync(CONFIG).mode & 0o777;
    assert.equal(mode & 0o007, 0, `mode ${mode.toString(8)}`);
  });
});
