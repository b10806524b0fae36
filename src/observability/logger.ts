/**
 * pino JSON logger with redaction of secrets: known field names anywhere two levels deep, plus
 * {@link redactSecrets} for free text (error messages) that may quote a configured secret.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { redact } from '../config/redact.ts';

const SECRET_FIELDS = ['token', 'botToken', 'appToken', 'signingSecret', 'secret', 'password', 'passphrase',
  'privateKey', 'apiKey', 'apiToken', 'authorization', 'cookie', 'key'];

/** Redact paths: each secret name at the top level and one or two levels down. */
export const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

export interface LoggerOptions {
  /** Level (default `info`). */
  level?: string;
  /** Process role, added to every line. */
  role?: string;
  /** Where lines go (default stdout); tests pass a stream to scan for canaries. */
  destination?: DestinationStream;
  /** Secret values scrubbed from messages and error texts wherever they appear. */
  secrets?: readonly string[];
}

/** Creates the process logger. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = opts.secrets ?? [];
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.role ? { role: opts.role } : null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactSecrets(a, secrets) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (e: unknown) =>
          e instanceof Error
            ? { type: e.name, message: redactSecrets(e.message, secrets), stack: redactSecrets(e.stack ?? '', secrets), ...(e.cause instanceof Error ? { cause: redactSecrets(e.cause.message, secrets) } : {}) }
            : e,
      },
    },
    opts.destination,
  );
}

/** Replaces every occurrence of each secret (≥ 4 chars), and anything shaped like a Slack token, with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return redact(text, secrets.filter((s) => s.length >= 4));
}
