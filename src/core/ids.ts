import { randomBytes } from 'node:crypto';

/** A short correlation id shown to users next to internal errors and written to the logs. */
export function correlationId(): string {
  return randomBytes(5).toString('hex');
}
