/**
 * The bot's ZooKeeper check after `/ci setup-master`: `ruok` (the process is up) then `mntr` (its mode). Both
 * words must be in the server's `4lw.commands.whitelist` on ZooKeeper ≥ 3.5, which the setup-master recipe writes.
 */
/** The two words the check needs: the process's shared ZooKeeper client, seen through the cluster port. */
export interface ZooKeeperHealthReader {
  /** `host:port` as configured, for the message. */
  address: string;
  ruok(o: { signal: AbortSignal }): Promise<boolean>;
  /** `mntr`'s `zk_server_state`. */
  mode(o: { signal: AbortSignal }): Promise<string>;
}

/**
 * Checks one ZooKeeper; resolves with "host:port: imok, mode standalone".
 * @throws UpstreamError('zookeeper', …) when a word is refused (not whitelisted), unanswered or not served
 */
export async function checkZooKeeper(zk: ZooKeeperHealthReader, signal: AbortSignal): Promise<string> {
  if (!(await zk.ruok({ signal }))) throw new Error(`${zk.address} did not answer imok`);
  return `${zk.address}: imok, mode ${await zk.mode({ signal })}`;
}
