/**
 * Marathon's deployments and the REST actions that change apps: create, update (scale or restart), restart,
 * delete, and task kills with `scale` / `wipe` (MARATHON-FAILOVER.md S5; `SRC:api/v2/AppTasksResource.scala`,
 * `SRC:core/deployment/impl/TaskReplaceActor.scala`). A deployment ends with `deployment_success` once its apps
 * run the wanted number of ready (running and, with health checks, healthy) instances of the current version.
 */
import { randomUUID } from 'node:crypto';
import { normalizeApp } from './app-definition.ts';
import type { MarathonEngine } from './marathon-engine.ts';
import type { SimInstance } from './marathon-instances.ts';
import { TERMINAL } from './mesos-master.ts';
import { isoNow, type SimApp, type SimDeployment, type SimTask } from './state.ts';

export class MarathonDeployments {
  private readonly m: MarathonEngine;

  constructor(engine: MarathonEngine) {
    this.m = engine;
    engine.onProgress = () => this.check();
  }

  createApp(definition: Record<string, unknown>, clientIp = '127.0.0.1', firstOffer?: string): { app: SimApp; deployment: SimDeployment } {
    const version = isoNow();
    const app: SimApp = { id: String(definition.id), definition: normalizeApp(definition, version), version, lastScalingAt: version, lastConfigChangeAt: version };
    this.m.state.apps.set(app.id, app);
    this.posted(app, clientIp, version);
    const deployment = this.start(app, 'StartApplication');
    this.m.scaleUp(app, firstOffer);
    return { app, deployment };
  }

  /** A (partial) update: a scale-only change adds or removes instances, anything else restarts them. */
  updateApp(app: SimApp, patch: Record<string, unknown>, clientIp = '127.0.0.1'): SimDeployment {
    const onlyScale = Object.keys(patch).every((k) => k === 'instances' || k === 'id');
    if (onlyScale) {
      const version = isoNow();
      app.definition = normalizeApp({ ...app.definition, ...patch, id: app.id }, app.version);
      app.lastScalingAt = version;
      this.posted(app, clientIp, version);
      const d = this.start(app, 'ScaleApplication');
      this.scaleTo(app);
      return d;
    }
    return this.restart(app, clientIp, patch);
  }

  /** RestartApplication: new instances (new uuids); old ones decommissioned per the upgradeStrategy. */
  restart(app: SimApp, clientIp = '127.0.0.1', patch: Record<string, unknown> = {}): SimDeployment {
    const version = isoNow();
    app.definition = normalizeApp({ ...app.definition, ...patch, id: app.id }, version);
    app.version = version;
    app.lastScalingAt = version;
    app.lastConfigChangeAt = version;
    this.m.resetDelay(app.id);
    this.posted(app, clientIp, version);
    const d = this.start(app, 'RestartApplication');
    const old = this.m.instancesOf(app.id).filter((i) => i.goal === 'Running');
    const { minimumHealthCapacity = 1 } = (app.definition.upgradeStrategy ?? {}) as { minimumHealthCapacity?: number };
    // Old instances keep running while minimumHealthCapacity needs them; each is killed once a new one is ready.
    const live = old.filter((i) => i.task !== undefined && !TERMINAL.has(i.task.state));
    const keep = Math.ceil(live.length * minimumHealthCapacity);
    for (const inst of old) inst.goal = 'Decommissioned';
    for (const inst of old) this.m.emitInstance(inst);
    for (const inst of [...old.filter((i) => !live.includes(i)), ...live.slice(keep)]) this.m.decommission(inst);
    this.m.scaleUp(app);
    return d;
  }

  deleteApp(app: SimApp): SimDeployment {
    const deployment = this.start(app, 'StopApplication');
    this.m.state.apps.delete(app.id);
    this.m.resetDelay(app.id);
    for (const inst of this.m.instancesOf(app.id)) this.m.decommission(inst);
    this.m.bus.emit('app_terminated_event', { appId: app.id });
    this.finish(deployment);
    return deployment;
  }

  /**
   * `DELETE /v2/apps/{id}/tasks[/{taskId}]`: plain → the same instance comes back as N+1; `wipe` → expunged,
   * replaced by a new instance; `scale` → `instances` shrinks, a deployment, no replacement.
   */
  killTasks(app: SimApp, tasks: SimTask[], opts: { scale?: boolean; wipe?: boolean } = {}): SimDeployment | undefined {
    const insts = tasks.flatMap((t) => this.m.byTask.get(t.id) ?? []);
    if (opts.scale) {
      app.definition.instances = Math.max(0, Number(app.definition.instances ?? 1) - insts.length);
      app.lastScalingAt = isoNow();
      const d = this.start(app, 'ScaleApplication');
      for (const inst of insts) this.m.decommission(inst);
      this.check();
      return d;
    }
    for (const inst of insts) {
      if (opts.wipe) this.m.decommission(inst, { wipe: true });
      else this.m.killInstance(inst, 'user');
    }
    if (opts.wipe) this.m.scaleUp(app);
    return undefined;
  }

  /** Scale: new instances, or the extras decommissioned (YOUNGEST_FIRST). */
  private scaleTo(app: SimApp): void {
    this.m.scaleUp(app);
    this.m.scaleCheck();
    this.check();
  }

  private posted(app: SimApp, clientIp: string, version: string): void {
    const appDefinition = { ...app.definition, versionInfo: { lastScalingAt: app.lastScalingAt, lastConfigChangeAt: app.lastConfigChangeAt } };
    this.m.bus.emit('api_post_event', { clientIp, uri: `/v2/apps${app.id}`, appDefinition });
    this.m.bus.emit('group_change_success', { groupId: '/', version });
  }

  private start(app: SimApp, action: string): SimDeployment {
    // A new deployment of the app (a forced update) cancels the running one: DeploymentCanceledException → deployment_failed.
    for (const d of this.m.state.deployments.values()) if (d.affectedApps.includes(app.id)) this.cancel(d.id);
    const d: SimDeployment = { id: randomUUID(), version: app.version, affectedApps: [app.id], actions: [{ action, app: app.id }] };
    this.m.state.deployments.set(d.id, d);
    this.m.bus.emit('deployment_info', { plan: plan(d), currentStep: { actions: d.actions } });
    return d;
  }

  /** `DELETE /v2/deployments/{id}` (and an override): the plan stops, `deployment_failed`. False when unknown. */
  cancel(id: string): boolean {
    const d = this.m.state.deployments.get(id);
    if (!d) return false;
    this.m.state.deployments.delete(id);
    this.m.bus.emit('deployment_failed', { id: d.id, plan: plan(d) });
    return true;
  }

  private finish(d: SimDeployment): void {
    if (!this.m.state.deployments.delete(d.id)) return;
    this.m.bus.emit('deployment_step_success', { plan: plan(d), currentStep: { actions: d.actions } });
    this.m.bus.emit('deployment_success', { id: d.id, plan: plan(d) });
  }

  private ready(app: SimApp, inst: SimInstance): boolean {
    const checks = (app.definition.healthChecks as unknown[] | undefined)?.length ?? 0;
    return inst.version === app.version && inst.task?.state === 'TASK_RUNNING' && (checks === 0 || inst.task.health?.alive === true);
  }

  /** Kills old instances as new ones become ready, and ends deployments whose target is reached. */
  check(): void {
    for (const d of [...this.m.state.deployments.values()]) {
      const done = d.affectedApps.every((id) => {
        const app = this.m.state.apps.get(id);
        if (!app) return true;
        const insts = this.m.instancesOf(id);
        const ready = insts.filter((i) => i.goal === 'Running' && this.ready(app, i)).length;
        const want = Number(app.definition.instances ?? 1);
        const old = insts.filter((i) => i.goal === 'Decommissioned' && i.task && !TERMINAL.has(i.task.state) && i.killReason !== 'decommission');
        for (const inst of old.slice(0, Math.max(0, ready + old.length - want))) this.m.decommission(inst);
        return ready === want && insts.length === ready;
      });
      if (done) this.finish(d);
    }
  }
}

function plan(d: SimDeployment): Record<string, unknown> {
  return { id: d.id, steps: [{ actions: d.actions }], version: d.version };
}
