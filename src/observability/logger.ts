/**
 * pino JSON logger with redaction of secrets: known field names anywhere two levels deep, plus
 * {@link redactSecrets} for free text (error messages) that may quote a configured secret.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

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
}

/** Creates the process logger. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: opts.role ? { role: opts.role } : null,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}

/** Replaces every occurrence of each secret (≥ 4 chars) in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
