/**
 * The error family, on two separate axes:
 * - safe to show: a {@link UserFacingError}, or a {@link PermanentError} (its message is written for the user);
 *   everything else is logged with its cause and the user sees a short message with a correlation id
 *   ({@link isUserFacing});
 * - may retry: an {@link UpstreamError} says so itself (`transient`); a {@link PermanentError} never; the queue's
 *   retry policy (src/queue/backoff.ts) decides for the rest. Being safe to show says nothing about retrying.
 */

/** Stable string codes, so tests and callers never match on message text. */
export type ErrorCode =
  | 'bad_arguments'
  | 'unknown_command'
  | 'denied'
  | 'not_found'
  | 'conflict'
  | 'queue_unavailable'
  | 'queue_full'
  | 'upstream'
  | 'host_key'
  | 'ssh'
  | 'timeout'
  | 'cancelled'
  | 'config'
  | 'internal';

/** An error whose message is written for the person in chat. */
export class UserFacingError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserFacingError';
    this.code = code;
  }
}

/**
 * A failure that retrying cannot fix (validation, 4xx, unknown host, host key mismatch): never retried. Its message
 * says what to fix and is safe to show, like a UserFacingError's, but it is not one: the two properties are separate.
 */
export class PermanentError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentError';
    this.code = code;
  }
}

/** True when `err`'s message may be posted in chat as it is. */
export function isUserFacing(err: unknown): err is UserFacingError | PermanentError {
  return err instanceof UserFacingError || err instanceof PermanentError;
}

/** Which upstream a request went to. */
export type UpstreamService = 'mesos' | 'marathon' | 'jenkins' | 'zookeeper' | 'slack' | 'ssh';

/** Why an upstream call failed, in the words shown inline in `/ci status` ("no answer in 5 s"). */
export type UpstreamFailure = 'timeout' | 'refused' | 'auth' | 'bad_answer' | 'http' | 'aborted' | 'network';

/** A failed call to Mesos, Marathon, Jenkins, ZooKeeper (or Slack), keeping the original error as `cause`. */
export class UpstreamError extends Error {
  readonly service: UpstreamService;
  readonly request: string;
  readonly status: number | undefined;
  readonly failure: UpstreamFailure;
  /** What the upstream said or what went wrong, without the service and request (shown inline in `/ci status`). */
  readonly detail: string | undefined;
  constructor(
    service: UpstreamService,
    request: string,
    details: { failure: UpstreamFailure; status?: number; detail?: string },
    options?: ErrorOptions,
  ) {
    const status = details.status === undefined ? '' : ` ${details.status}`;
    const detail = details.detail ? `: ${details.detail}` : '';
    super(`${service} ${request} failed (${details.failure}${status})${detail}`, options);
    this.name = 'UpstreamError';
    this.service = service;
    this.request = request;
    this.status = details.status;
    this.failure = details.failure;
    this.detail = details.detail;
  }

  /** Transient failures are worth a retry; auth errors, 4xx and garbage are not. */
  get transient(): boolean {
    if (this.failure === 'timeout' || this.failure === 'refused' || this.failure === 'network') return true;
    return this.failure === 'http' && this.status !== undefined && (this.status >= 500 || this.status === 429);
  }
}

/** Thrown by a Notifier when Slack answers 429 (or 5xx): try again after `retryAfterMs`. */
export class RetryLaterError extends Error {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetryLaterError';
    this.retryAfterMs = retryAfterMs;
  }
}
