/**
 * The local demo (`npm start` with no SLACK_BOT_TOKEN, or `ci-bot demo`): the real bot against the playground
 * (playground.ts), with a web page that looks like a Slack channel (URL printed at start) and a `ci>` prompt in the
 * terminal. Both show the one transcript: the terminal prints every message and update as text, the page renders
 * the Block Kit. `click <button>` presses a button of the latest message that has it. Reads commands from stdin
 * when it is not a terminal (scripted demos, tests); `--tour` runs the seed procedure in one go (tour.ts).
 *
 *   ci-bot demo [--tour] [--no-web] [--web-port <n>] [--time-scale <n>]
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { LoadedConfig } from '../config/load.ts';
import { renderMessageText } from './slack-emulator/index.ts';
import { startPlayground, type Playground } from './playground.ts';
import type { TranscriptEntry } from './transcript.ts';
import { startWebPage } from './web/server.ts';
import { printTimeline, runTour } from './tour.ts';

const DEMO_USAGE = 'usage: ci-bot demo [--tour] [--no-web] [--web-port <n>] [--time-scale <n>]';

/** Runs the demo; `local` is the config as loaded for it (`loadConfig({ demo: true })`), before the demo's own overrides. */
export async function runDemo(local: LoadedConfig, args: readonly string[] = []): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: [...args], allowPositionals: false,
      options: { tour: { type: 'boolean' }, 'no-web': { type: 'boolean' }, 'web-port': { type: 'string' }, 'time-scale': { type: 'string' } },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${DEMO_USAGE}`);
    return 2;
  }
  const webPort = flags['web-port'] === undefined ? 0 : Number(flags['web-port']);
  const timeScale = flags['time-scale'] === undefined ? undefined : Number(flags['time-scale']);
  if (!Number.isInteger(webPort) || webPort < 0 || webPort > 65535 || (timeScale !== undefined && !(timeScale > 0))) {
    console.error(`--web-port must be a port number and --time-scale a positive number\n${DEMO_USAGE}`);
    return 2;
  }
  console.log('Starting the playground (Redis, simulated cluster, SSH hosts, ZooKeeper, Slack emulator, ci-bot)…');
  let pg: Playground;
  try {
    pg = await startPlayground(local, timeScale ? { timeScale } : {});
  } catch (err) {
    console.error((err as Error).message);
    return 1;
  }
  const web = flags['no-web'] ? undefined : await startWebPage(pg, { port: webPort });
  const unsubscribe = pg.transcript.subscribe((c) => {
    if (c.type === 'entry' && c.entry.kind === 'message') printEntry(c.entry);
  });
  console.log(`ci-bot demo — Slack emulator ${pg.slack.apiUrl}, simulated cluster ${pg.sim.urls.mesos}, Redis ${pg.redisUrl}`);
  console.log(`Hosts: ${pg.hostsNote}`);
  console.log(`ZooKeeper: ${pg.zookeeperNote.replace(/^ZooKeeper /, '')}`);
  if (web) console.log(`\n  Open ${web.url} — a Slack-like channel with the bot (works offline)\n`);
  let code = 0;
  if (flags.tour) {
    const timeline = await runTour(pg);
    printTimeline(timeline);
    code = timeline.steps.some((s) => s.outcome === 'failed') ? 1 : 0;
  } else {
    console.log('Type /ci help (or /ci setup-master master, /ci setup-agent slave1 slave2, /ci status …); `click <button>` presses a button; `quit` ends.');
    await prompt(async (line) => {
      if (line.startsWith('/ci')) {
        const ack = await pg.command(line.replace(/^\/ci\s*/, ''));
        if (ack.status !== 200) console.log(`(Slack got HTTP ${ack.status})`);
      } else if (line.startsWith('click ')) {
        const label = line.slice(6).trim().toLowerCase();
        const target = [...pg.transcript.entries()].reverse().find((e) => buttonId(e, label));
        if (target) await pg.click(target.id, buttonId(target, label) as string);
        else console.log(`no message has a "${label}" button`);
      } else if (line) console.log('commands start with /ci; or click <button>; or quit');
    });
  }
  unsubscribe();
  await web?.close();
  await pg.stop();
  return code;
}

function printEntry(e: TranscriptEntry): void {
  if (e.deleted) return;
  const where = e.place === 'thread' ? '  ↳ thread' : e.place === 'ephemeral' ? '(only you)' : '#ci';
  const body = renderMessageText(e).split('\n').map((l) => `  ${l}`).join('\n');
  console.log(`\n── ${where} ${e.version > 1 ? '(updated)' : ''}\n${body}`);
}

function buttonId(e: TranscriptEntry, label: string): string | undefined {
  for (const block of e.blocks) {
    for (const el of (block.elements as Array<{ type?: string; action_id?: string; text?: { text?: string } }> | undefined) ?? []) {
      if (el.type === 'button' && el.text?.text?.toLowerCase() === label) return el.action_id;
    }
  }
  return undefined;
}

async function prompt(onLine: (line: string) => Promise<void>): Promise<void> {
  const tty = Boolean(process.stdin.isTTY);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  // A piped script may end while a command is still being answered: collect lines, never prompt a closed reader.
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  rl.on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  if (tty) {
    rl.setPrompt('ci> ');
    rl.prompt();
  }
  for (;;) {
    if (lines.length === 0) {
      if (ended) break;
      await new Promise<void>((r) => (wake = r));
      continue;
    }
    const line = (lines.shift() as string).trim();
    if (line === 'quit' || line === 'exit') break;
    if (!tty && line) console.log(`\nci> ${line}`);
    await onLine(line);
    // Scripted input: give the bot a moment to answer before the next line, like a person would.
    if (!tty) await new Promise((r) => setTimeout(r, 1500));
    else if (!ended) rl.prompt();
  }
  if (!tty) await new Promise((r) => setTimeout(r, 3000));
  rl.close();
}
