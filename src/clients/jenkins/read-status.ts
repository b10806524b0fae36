/** The status read behind `/ci status`, `/ci jenkins` and digests: three Jenkins reads in parallel, as one view. */
import type { JenkinsView } from '../../cluster/snapshot-types.ts';
import type { JenkinsClient } from './client.ts';
import { STATUS_ROOT_TREE } from './schemas.ts';
import { toJenkinsView } from './to-domain.ts';

/** Root (with {@link STATUS_ROOT_TREE}: jobs and their recent builds), computers and queue → a {@link JenkinsView}. */
export async function readJenkinsStatus(j: JenkinsClient, url: string, o: { signal: AbortSignal; mesosLabel: string }): Promise<JenkinsView> {
  const [root, computers, queue] = await Promise.all([j.root({ signal: o.signal, tree: STATUS_ROOT_TREE }), j.computers({ signal: o.signal }), j.queue({ signal: o.signal })]);
  return toJenkinsView(url, root, computers, queue, o.mesosLabel);
}
