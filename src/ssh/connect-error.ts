/** Turns an ssh2 connect failure into the project's error family, so callers know what to retry. */
import { PermanentError, UpstreamError } from '../core/errors.ts';
import { hostKeyError, type HostKeyVerdict } from './host-keys.ts';
import { targetLabel, type SshTarget } from './ssh-target.ts';

/** Host-key and authentication failures are permanent; timeouts, refusals and resets are transient. */
export function connectError(
  target: SshTarget,
  err: Error & { level?: string; code?: string },
  verdict: HostKeyVerdict | undefined,
  connectTimeoutMs: number,
): Error {
  if (verdict && !verdict.ok) return hostKeyError(target, verdict);
  const label = targetLabel(target);
  if (err.level === 'client-authentication') {
    return new PermanentError('ssh', `SSH authentication to ${label} (${target.name}) failed: the key was refused`, {
      cause: err,
    });
  }
  const request = `connect ${label}`;
  // ssh2 marks its handshake deadline with `level`; before `ready` no other client timeout runs.
  if (err.level === 'client-timeout') {
    const detail = `no SSH handshake within ${connectTimeoutMs} ms`;
    return new UpstreamError('ssh', request, { failure: 'timeout', detail }, { cause: err });
  }
  if (err.code === 'ECONNREFUSED') {
    return new UpstreamError('ssh', request, { failure: 'refused', detail: err.message }, { cause: err });
  }
  return new UpstreamError('ssh', request, { failure: 'network', detail: err.message }, { cause: err });
}
