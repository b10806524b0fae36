/**
 * readJsonBody: small bodies parsed whole, large ones stream-parsed with their big arrays validated item by item;
 * the result equals what JSON.parse + the schema give, errors name the item's path, and the bound holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { readJsonBody, type JsonBodyOptions } from '../../../src/clients/json-body.ts';
import { UpstreamError } from '../../../src/core/errors.ts';

const Item = z.looseObject({ id: z.string(), n: z.number() });
const Schema = z.looseObject({ total: z.number(), items: z.array(Item), app: z.looseObject({ tasks: z.array(Item).optional() }).optional() });

/** The body in 16 KiB chunks, as a socket would deliver it. */
async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  const buf = Buffer.from(text);
  for (let at = 0; at < buf.length; at += 16 * 1024) yield buf.subarray(at, at + 16 * 1024);
}

function big(count: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const items = Array.from({ length: count }, (_, i) => ({ id: `item-${i}`, n: i, pad: 'x'.repeat(40) }));
  return { total: count, items, app: { tasks: items.slice(0, 3) }, ...extra };
}

const opts = (o: Partial<JsonBodyOptions<typeof Schema>> = {}): JsonBodyOptions<typeof Schema> => ({
  service: 'mesos', what: 'GET /x', schema: Schema, maxBytes: 64 * 1024 * 1024,
  items: [{ path: ['items'], item: Item }, { path: ['app', 'tasks'], item: Item }], ...o,
});

function badAnswer(re: RegExp) {
  return (e: unknown) => e instanceof UpstreamError && e.failure === 'bad_answer' && re.test(e.message);
}

test('a large body is stream-parsed to the same value JSON.parse and the schema give', async () => {
  const doc = big(30_000);
  const text = JSON.stringify(doc);
  assert.ok(text.length > 1024 * 1024, 'large enough to take the streaming path');
  const streamed = await readJsonBody(chunks(text), opts({ smallBodyBytes: 64 * 1024 }));
  assert.deepEqual(streamed, Schema.parse(JSON.parse(text)));
  assert.equal(streamed.items.length, 30_000);
  assert.equal(streamed.app?.tasks?.length, 3);
});

test('a small body takes the JSON.parse path with the same result', async () => {
  const text = JSON.stringify(big(10));
  assert.deepEqual(await readJsonBody(chunks(text), opts()), Schema.parse(JSON.parse(text)));
});

test('streamed items keep what their schema outputs (a stripping item schema drops unread fields)', async () => {
  const text = JSON.stringify(big(20_000));
  const out = await readJsonBody(chunks(text), opts({ smallBodyBytes: 0, items: [{ path: ['items'], item: z.object(Item.shape) }] }));
  assert.deepEqual(out.items[5], { id: 'item-5', n: 5 });
});

test('a bad item names its index and field; bad JSON and a cut-off body are bad answers', async () => {
  const doc = big(20_000);
  (doc.items as Array<Record<string, unknown>>)[12_345]!.n = 'twelve';
  await assert.rejects(readJsonBody(chunks(JSON.stringify(doc)), opts({ smallBodyBytes: 0 })), badAnswer(/unexpected answer at items\.12345\.n/));
  const text = JSON.stringify(big(20_000));
  await assert.rejects(readJsonBody(chunks(text.slice(0, 500_000)), opts({ smallBodyBytes: 0 })), badAnswer(/not JSON/));
  await assert.rejects(readJsonBody(chunks(`${text.slice(0, 500_000)}}}]`), opts({ smallBodyBytes: 0 })), badAnswer(/not JSON/));
});

test('an object where an array belongs fails the root schema; a missing root field too', async () => {
  const text = JSON.stringify({ ...big(5), items: { a: { id: 'a', n: 1 } } });
  await assert.rejects(readJsonBody(chunks(text), opts({ smallBodyBytes: 0 })), badAnswer(/unexpected answer at items/));
  const noTotal = JSON.stringify({ items: big(20_000).items });
  await assert.rejects(readJsonBody(chunks(noTotal), opts({ smallBodyBytes: 0 })), badAnswer(/unexpected answer at total/));
});

test('the sanity bound stops the read', async () => {
  const text = JSON.stringify(big(20_000));
  await assert.rejects(readJsonBody(chunks(text), opts({ maxBytes: 100_000 })), badAnswer(/body larger than 100000 bytes/));
});
