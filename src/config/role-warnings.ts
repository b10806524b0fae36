import type { Config } from './schema.ts';

/**
 * Findings about who may do what, for `ci-bot config check`: not errors (the bot runs), but a workspace where
 * nobody is an admin cannot run admin commands, and one where everybody is has no access control at all.
 */
export function roleWarnings(config: Config): string[] {
  const { roles } = config;
  const warnings: string[] = [];
  if (roles.default === 'admin') {
    warnings.push('roles.default is admin: every Slack user of the workspace may run every command, admin ones included');
  } else if (roles.admins.length === 0) {
    warnings.push('no admin is configured (roles.admins in the file, or CI_BOT_ADMINS): nobody can run admin commands such as /ci setup-master');
  }
  return warnings;
}
