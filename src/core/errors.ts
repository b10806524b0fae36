/**
 * The error family. Two kinds matter to a user: a {@link UserFacingError} is safe to show in chat as it is;
 * everything else is logged with its cause and the user sees a short message with a correlation id.
 */

/** Stable string codes, so tests and callers never match on message text. */
export type ErrorCode =
  | 'bad_arguments'
  | 'unknown_command'
  | 'denied'
  | 'not_found'
  | 'conflict'
  | 'queue_unavailable'
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

/** A failure that retrying cannot fix (validation, 4xx, unknown host, host key mismatch). Never retried. */
export class PermanentError extends UserFacingError {
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'PermanentError';
  }
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
