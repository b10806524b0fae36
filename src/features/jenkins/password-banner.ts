/**
 * Finds Jenkins' first-start password in its log. `SetupWizard` logs one INFO record on a new install, between
 * lines of asterisks: "Jenkins initial setup is required. …", "Please use the following password to proceed to
 * installation:", a blank line, the password (a dash-free lowercase UUID: 32 hex characters), a blank line, "This
 * may also be found at: <JENKINS_HOME>/secrets/initialAdminPassword" (JENKINS-ON-MARATHON.md §2).
 */

const PROMPT = 'Please use the following password to proceed to installation:';
const PASSWORD = /^[0-9a-f]{32}$/;
const FOUND_AT = /^This may also be found at: (\S+)\s*$/;

export type BannerScan =
  /** The banner and its password. `path` is where Jenkins says the file is. */
  | { kind: 'found'; password: string; path?: string }
  /** The prompt is there but the text after it is not complete yet (read more). */
  | { kind: 'partial' }
  | { kind: 'absent' };

/**
 * Looks for the banner in `text` from character `from` on (so a caller that appends chunks does not search the
 * whole log again). The last banner wins: a log can hold one per new install.
 */
export function scanBanner(text: string, from = 0): BannerScan {
  const at = text.lastIndexOf(PROMPT);
  if (at < 0 || at + PROMPT.length < from) return { kind: 'absent' };
  // After the prompt line: a blank line, the password, a blank line, the path line.
  const lines = text.slice(at + PROMPT.length).split(/\r?\n/).slice(1);
  const index = lines.findIndex((l) => l.trim() !== '');
  // Nothing yet, or the password line is the last one read: a chunk may end in the middle of it.
  if (index < 0 || index === lines.length - 1) return index < 0 && lines.length > 3 ? { kind: 'absent' } : { kind: 'partial' };
  const password = (lines[index] ?? '').trim();
  if (!PASSWORD.test(password)) return { kind: 'absent' };
  const path = lines.slice(index + 1, index + 4).map((l) => FOUND_AT.exec(l.trim())?.[1]).find((p) => p !== undefined);
  return { kind: 'found', password, ...(path ? { path } : {}) };
}
