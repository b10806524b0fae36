/**
 * S4 (and S2): ci-bot set up from the environment alone — SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and CI_BOT_ADMINS /
 * CI_BOT_OPERATORS, no config file — as its own process against the Slack emulator and a real Redis. Nobody holds a
 * role the environment did not give: a stranger is refused admin and operator commands, ephemerally, naming the role,
 * audited, with nothing queued; the users the environment names are let through.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { startBot, type BotProcess } from '../support/bot-process.ts';
import { renderMessageText, startSlackEmulator, type SlackEmulator } from '../support/slack-emulator/index.ts';

const ADMIN = 'U0ALICE001'; // the emulator's workspace users; only the environment gives them roles
const OPERATOR = 'U0BOB00001';
const STRANGER = 'U0CAROL001';

let redis: RedisServer;
let slack: SlackEmulator;
let bot: BotProcess;
const secret = randomBytes(16).toString('hex');
const botToken = `xoxb-env-${randomBytes(8).toString('hex')}`;
const text = (m: { text?: unknown; blocks?: unknown }) => renderMessageText(m);

/**
 * BullMQ's keys for a task kind other than the ones an idle worker keeps (`meta`, `stalled-check`): a queued job
 * leaves at least its `:id` counter, its job hash and an event.
 */
async function jobKeys(kind: string): Promise<string[]> {
  const reply = await redis.command('KEYS', `ci-bot:${kind}:*`);
  return reply.split('\r\n').filter((l) => l && !/^[*$]/.test(l) && !/:(meta|stalled-check)$/.test(l));
}

before(async () => {
  redis = await startRedis();
  slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused-here' });
  bot = await startBot({
    config: null,
    env: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url,
      CI_BOT_ADMINS: ADMIN, CI_BOT_OPERATORS: OPERATOR,
    },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
});

after(async () => {
  await bot?.stop();
  await slack?.stop();
  await redis?.stop();
});

describe('S4: set up from the environment alone', () => {
  test('the process really runs without a config file', () => {
    assert.equal(bot.proc.child.exitCode, null);
    assert.ok(!bot.logs().some((l) => /built-in demo defaults/.test(JSON.stringify(l))));
  });

  test('a stranger running /ci setup-master master is refused, ephemerally, naming the admin role; audited; nothing queued', async () => {
    const ack = await slack.command(STRANGER, 'setup-master master');
    assert.equal(ack.status, 200);
    const body = JSON.parse(ack.body) as { response_type: string; text: string };
    assert.equal(body.response_type, 'ephemeral');
    assert.match(body.text, /needs the \*admin\* role; you are \*viewer\*/);
    assert.doesNotMatch(ack.body, /Confirm/);
    // The denial is written before the ack, so once the ack is here the audit entry exists (no wait needed).
    const audit = await redis.command('XRANGE', 'ci-bot:audit', '-', '+');
    assert.match(audit, new RegExp(`denied[\\s\\S]*${STRANGER}[\\s\\S]*setup-master|${STRANGER}[\\s\\S]*denied[\\s\\S]*setup-master`));
    assert.deepEqual(await jobKeys('setup-master'), []);
    assert.ok(!slack.allMessages().some((m) => /Confirm `\/ci setup-master/.test(text(m))), 'no Confirm prompt anywhere');
  });

  test('a stranger is refused an operator command too, and nothing is queued', async () => {
    const ack = await slack.command(STRANGER, 'selftest');
    assert.match(ack.body, /needs the \*operator\* role; you are \*viewer\*/);
    assert.deepEqual(await jobKeys('selftest'), []);
  });

  test('the user named in CI_BOT_ADMINS is offered the Confirm button for /ci setup-master', async () => {
    const ack = await slack.command(ADMIN, 'setup-master master');
    assert.equal(ack.status, 200);
    assert.doesNotMatch(ack.body, /needs the/);
    await slack.waitForMessage((m) => /Confirm `\/ci setup-master master`/.test(text(m)), 5000);
  });

  test('the user named in CI_BOT_OPERATORS may queue an operator command', async () => {
    const ack = await slack.command(OPERATOR, 'selftest');
    assert.match(ack.body, /Queued `/);
    await slack.waitForMessage((m) => m.kind === 'channel' && /selftest passed/i.test(text(m)), 20_000);
    assert.notDeepEqual(await jobKeys('selftest'), []);
  });
});
