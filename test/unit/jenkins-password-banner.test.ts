/**
 * The first-start banner scanner: the record as `jenkins.install.SetupWizard` logs it (JENKINS-ON-MARATHON.md §2),
 * found however `/files/read` pages split it, after a log longer than the scanner keeps whole, and not taken from
 * a record whose password line is not a 32-hex password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BannerScanner } from '../../src/features/jenkins/password-banner.ts';

const PASSWORD = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const STARS = '*'.repeat(61);
const banner = (password: string) => [
  '2026-12-01 10:00:00.000+0000 [id=32]\tINFO\tjenkins.install.SetupWizard#init: ', '', STARS, STARS, STARS, '',
  'Jenkins initial setup is required. An admin user has been created and a password generated.',
  'Please use the following password to proceed to installation:', '', password, '',
  'This may also be found at: /var/jenkins_home/secrets/initialAdminPassword', '', STARS, STARS, STARS, '',
  '2026-12-01 10:00:01.000+0000 [id=28]\tINFO\thudson.lifecycle.Lifecycle#onReady: Jenkins is fully up and running', '',
].join('\n');
const feed = (chunks: readonly string[]) => {
  const s = new BannerScanner();
  for (const c of chunks) {
    const found = s.push(c);
    if (found) return found;
  }
  return s.finish();
};

test('found wherever two reads split the banner', () => {
  const log = `${'INFO loaded plugin\n'.repeat(50)}${banner(PASSWORD)}`;
  for (let i = 1; i < log.length; i++) {
    const found = feed([log.slice(0, i), log.slice(i)]);
    assert.equal(found?.password, PASSWORD, `split at ${i}`);
    assert.equal(found.path, '/var/jenkins_home/secrets/initialAdminPassword');
  }
});

test('found when every read returns a few characters', () => {
  const log = banner(PASSWORD);
  for (const size of [1, 2, 3, 7, 64]) {
    const chunks = Array.from({ length: Math.ceil(log.length / size) }, (_, i) => log.slice(i * size, (i + 1) * size));
    assert.equal(feed(chunks)?.password, PASSWORD, `chunks of ${size}`);
  }
});

test('found after a long start-up log (more than the scanner keeps whole), split across reads', () => {
  const preamble = 'INFO jenkins.InitReactorRunner$1#onAttained: Loaded a plugin with a long line of text\n'.repeat(4000);
  const log = preamble + banner(PASSWORD);
  const chunks = Array.from({ length: Math.ceil(log.length / 65_536) }, (_, i) => log.slice(i * 65_536, (i + 1) * 65_536));
  assert.ok(chunks.length > 5);
  assert.equal(feed(chunks)?.password, PASSWORD);
});

test('no banner, or a record whose password line is not a password: nothing found', () => {
  assert.equal(feed(['INFO nothing here\n'.repeat(1000)]), undefined);
  assert.equal(feed([banner('not-a-password-at-all')]), undefined);
  assert.equal(feed([banner(PASSWORD.toUpperCase())]), undefined, 'the password is lowercase hex');
  assert.equal(feed([banner(PASSWORD).slice(0, banner(PASSWORD).indexOf(PASSWORD) + 10)]), undefined, 'a cut-off password line is not taken');
  // A log that ends right after a whole password line still gives it (the path line never came).
  assert.equal(feed([banner(PASSWORD).slice(0, banner(PASSWORD).indexOf(PASSWORD) + 33)])?.password, PASSWORD);
});
