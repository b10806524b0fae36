/**
 * Finds Jenkins' first-start password in its log. `SetupWizard` logs one INFO record on a new install, between
 * lines of asterisks: "Jenkins initial setup is required. …", "Please use the following password to proceed to
 * installation:", a blank line, the password (a dash-free lowercase UUID: 32 hex characters), a blank line, "This
 * may also be found at: <JENKINS_HOME>/secrets/initialAdminPassword" (JENKINS-ON-MARATHON.md §2).
 */

const PROMPT = 'Please use the following password to proceed to installation:';
const PASSWORD = /^[0-9a-f]{32}$/;
const FOUND_AT = /^This may also be found at: (\S+)\s*$/;

type BannerScan =
  /** The banner and its password. `path` is where Jenkins says the file is. */
  | { kind: 'found'; password: string; path?: string }
  /** The prompt is there but the text after it is not complete yet (read more); `password` once its line is whole. */
  | { kind: 'partial'; password?: string }
  | { kind: 'absent' };

/**
 * Looks for the banner in `text` from character `from` on (so a caller that appends chunks does not search the
 * whole log again). The last banner wins: a log can hold one per new install.
 */
function scanBanner(text: string, from = 0): BannerScan {
  const at = text.lastIndexOf(PROMPT);
  if (at < 0 || at + PROMPT.length < from) return { kind: 'absent' };
  // After the prompt line: a blank line, the password, a blank line, the path line.
  const lines = text.slice(at + PROMPT.length).split(/\r?\n/).slice(1);
  const index = lines.findIndex((l) => l.trim() !== '');
  // Nothing yet, or the password line is the last one read: a chunk may end in the middle of it.
  if (index < 0 || index === lines.length - 1) return index < 0 && lines.length > 3 ? { kind: 'absent' } : { kind: 'partial' };
  const password = (lines[index] ?? '').trim();
  if (!PASSWORD.test(password)) return { kind: 'absent' };
  // The path line follows after a blank line; wait for it unless enough whole lines came without one.
  const rest = lines.slice(index + 1, -1);
  const path = rest.slice(0, 3).map((l) => FOUND_AT.exec(l.trim())?.[1]).find((p) => p !== undefined);
  if (path === undefined && rest.length < 3) return { kind: 'partial', password };
  return { kind: 'found', password, ...(path ? { path } : {}) };
}

/** Below this much text without a prompt, the scanner keeps all of it; above, only the tail (bounded memory). */
const KEEP_CHARS = 128 * 1024;
const TAIL_CHARS = 4096;

/**
 * Scans a log fed chunk by chunk (e.g. `/files/read` pages): finds the banner wherever the chunks split it, and
 * keeps only a tail of text that holds no prompt, so memory stays bounded on a long log.
 */
export class BannerScanner {
  private text = '';
  private partial = false;
  private password: string | undefined;

  /** Adds the next chunk; the password once the banner is complete. */
  push(chunk: string): { password: string; path?: string } | undefined {
    const from = this.partial ? 0 : this.text.length;
    this.text += chunk;
    const scan = scanBanner(this.text, from);
    if (scan.kind === 'found') return { password: scan.password, ...(scan.path ? { path: scan.path } : {}) };
    this.partial = scan.kind === 'partial';
    this.password = scan.kind === 'partial' ? scan.password : undefined;
    // Only the tail can hold the start of a prompt the next chunk completes.
    if (!this.partial && this.text.length > KEEP_CHARS) this.text = this.text.slice(-TAIL_CHARS);
    return undefined;
  }

  /** At the end of the log: a password whose line was complete, even if the log ends right after it. */
  finish(): { password: string; path?: string } | undefined {
    return this.password === undefined ? undefined : { password: this.password };
  }
}
