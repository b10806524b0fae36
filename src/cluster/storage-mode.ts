/**
 * Where Jenkins keeps JENKINS_HOME, read from its Marathon app definition, and whether that survives a move
 * (shared/reference/JENKINS-ON-MARATHON.md: volumes, constraints — "pinning is the only way a hostPath
 * JENKINS_HOME survives a restart"). Shown after an incident and as a standing warning in `/ci status`.
 */

/** The fields of a Marathon app definition this needs (a looser shape than the client's schema, on purpose). */
export interface AppStorageView {
  env?: Record<string, unknown> | undefined;
  constraints?: ReadonlyArray<ReadonlyArray<string>> | undefined;
  container?: {
    volumes?: ReadonlyArray<{
      containerPath?: string | undefined;
      hostPath?: string | undefined;
      persistent?: unknown;
      external?: unknown;
    }> | undefined;
  } | undefined;
}

export type StorageMode =
  /** A host directory and Jenkins may move: a move starts Jenkins on an empty home. */
  | { kind: 'host-path'; hostPath: string; safe: false }
  /** A host directory and a constraint keeps Jenkins on one agent: safe, but that agent is a single point of failure. */
  | { kind: 'host-path-pinned'; hostPath: string; pinnedTo: string; safe: true }
  /** A Mesos local persistent volume: Marathon keeps the task on its agent. */
  | { kind: 'persistent'; safe: true }
  /** An external volume (shared storage): follows Jenkins to any agent. */
  | { kind: 'external'; safe: true }
  /** No volume at all: every restart, even in place, starts from the image's empty home. */
  | { kind: 'container'; safe: false };

const DEFAULT_HOME = '/var/jenkins_home';

export function storageModeOf(app: AppStorageView): StorageMode {
  const home = typeof app.env?.JENKINS_HOME === 'string' ? app.env.JENKINS_HOME : DEFAULT_HOME;
  const trim = (p: string) => p.replace(/\/+$/, '') || '/';
  const volume = (app.container?.volumes ?? []).find((v) => v.containerPath !== undefined && trim(v.containerPath) === trim(home));
  if (!volume) return { kind: 'container', safe: false };
  if (volume.external !== undefined) return { kind: 'external', safe: true };
  if (volume.persistent !== undefined) return { kind: 'persistent', safe: true };
  const hostPath = volume.hostPath ?? home;
  const pinnedTo = pinnedHost(app.constraints ?? []);
  return pinnedTo ? { kind: 'host-path-pinned', hostPath, pinnedTo, safe: true } : { kind: 'host-path', hostPath, safe: false };
}

/** The one agent a constraint pins the app to (`hostname CLUSTER x`, `hostname IS x`, or a literal `LIKE`). */
function pinnedHost(constraints: ReadonlyArray<ReadonlyArray<string>>): string | undefined {
  for (const [field, op, value] of constraints) {
    if (field !== 'hostname' || !value) continue;
    if (op === 'CLUSTER' || op === 'IS') return value;
    if (op === 'LIKE' && /^[A-Za-z0-9.-]+$/.test(value)) return value;
  }
  return undefined;
}

/** One line for chat: what happens to Jenkins' data on a move. */
export function describeStorage(mode: StorageMode): string {
  switch (mode.kind) {
    case 'host-path':
      return `JENKINS_HOME is the host path \`${mode.hostPath}\` and Jenkins is not pinned: when Marathon moves it, its jobs and settings stay behind`;
    case 'host-path-pinned':
      return `JENKINS_HOME is the host path \`${mode.hostPath}\`, pinned to ${mode.pinnedTo}: safe, but Jenkins cannot move off that agent`;
    case 'persistent':
      return 'JENKINS_HOME is a local persistent volume: Marathon keeps Jenkins on its agent';
    case 'external':
      return 'JENKINS_HOME is an external volume: it follows Jenkins to any agent';
    case 'container':
      return 'JENKINS_HOME has no volume: every restart starts Jenkins from an empty home';
  }
}
