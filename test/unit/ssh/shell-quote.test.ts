import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { exportLines, shellQuote } from '../../../src/ssh/shell-quote.ts';
import { wrapScript } from '../../../src/ssh/exec.ts';

/** Runs a wrapped script the way sshd does: on bash's stdin, which stays open unless `eof` is set. */
function runWrapped(payload: string, eof = false): Promise<{ code: number | null; stdout: string }> {
  const child = spawn('bash', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stdin.write(payload);
  if (eof) setTimeout(() => child.stdin.end(), 200);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      child.stdin.destroy();
      resolve({ code, stdout });
    }),
  );
}

describe('shell quoting and the script wrapper', () => {
  const nasty = ["it's", '$(touch /tmp/pwned)', '`id`', 'a\nb', '"; reboot; "', "'\\''", 'ü €', '$HOME', '\\'];

  test('every value reaches bash unchanged (round trip through a real bash)', async () => {
    const env: Record<string, string> = {};
    nasty.forEach((v, i) => (env[`V${i}`] = v));
    const res = await runWrapped(wrapScript(nasty.map((_, i) => `printf '%s\\0' "$V${i}"`).join('\n'), env));
    assert.equal(res.code, 0);
    assert.deepEqual(res.stdout.split('\0').slice(0, -1), nasty);
  });

  test('NUL and bad names are refused', () => {
    assert.throws(() => shellQuote('a\0b'), /NUL/);
    assert.throws(() => exportLines({ 'A;B': 'x' }), /environment variable name/);
    assert.throws(() => exportLines({ PATH$: 'x' }), /environment variable name/);
  });

  test('commands in the script read /dev/null, not the rest of the script; the exit status is kept', async () => {
    const res = await runWrapped(wrapScript('cat\necho after\nexit 7'));
    assert.equal(res.stdout, 'after\n');
    assert.equal(res.code, 7);
  });

  test('EOF on stdin (abort, lost connection) ends the whole script, children included', async () => {
    const res = await runWrapped(wrapScript('echo started\nsleep 30\necho never'), true);
    // Had the script gone on after EOF, `sleep 30` would have finished and printed "never".
    assert.equal(res.stdout, 'started\n');
    assert.notEqual(res.code, 0);
  });
});
