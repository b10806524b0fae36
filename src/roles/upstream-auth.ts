import type { Secrets } from '../config/schema.ts';

/** Marathon's HTTP Basic credentials from MARATHON_USER / MARATHON_PASSWORD, as client options (empty when unset). */
export function marathonAuth(secrets: Secrets): { auth?: { username: string; password: string } } {
  return secrets.marathonUser && secrets.marathonPassword ? { auth: { username: secrets.marathonUser, password: secrets.marathonPassword } } : {};
}
