/**
 * The bot's ZooKeeper check after `/ci setup-master`: `ruok` (the process is up) then `mntr` (its mode). Both
 * words must be in the server's `4lw.commands.whitelist` on ZooKeeper ≥ 3.5, which the setup-master recipe writes.
 */
import { ZooKeeperClient } from './client.ts';

/**
 * Checks the ZooKeeper at `address` ("host:port"); resolves with "host:port: imok, mode standalone".
 * @param timeoutMs deadline per four-letter word, connect included
 * @throws UpstreamError('zookeeper', …) when a word is refused (not whitelisted), unanswered or not served
 */
export async function checkZooKeeper(address: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
  const at = address.lastIndexOf(':');
  const host = at > 0 ? address.slice(0, at) : address;
  const port = at > 0 ? Number(address.slice(at + 1)) : 2181;
  const client = new ZooKeeperClient({ host, port, timeoutMs: opts.timeoutMs });
  const call = opts.signal ? { signal: opts.signal } : {};
  if (!(await client.ruok(call))) throw new Error(`${address} did not answer imok`);
  const mntr = await client.mntr(call);
  return `${address}: imok, mode ${mntr.zk_server_state}`;
}
