/** The readiness model behind /readyz: Redis, each upstream with its last success, and the Slack connection. */

export interface UpstreamHealth {
  ok: boolean;
  /** Epoch ms of the last successful call, if any. */
  lastSuccessAt?: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  redis: { ok: boolean; error?: string };
  upstreams: Record<string, UpstreamHealth>;
  slack: { connected: boolean };
}

/** Collects health reports from the parts of the process; `snapshot()` is what /readyz returns. */
export class HealthModel {
  #redis: Readiness['redis'] = { ok: false, error: 'not checked yet' };
  readonly #upstreams = new Map<string, UpstreamHealth>();
  #slack = { connected: false };

  setRedis(ok: boolean, error?: string): void {
    this.#redis = ok ? { ok } : { ok, error: error ?? 'unavailable' };
  }

  upstreamSucceeded(name: string, at: number): void {
    this.#upstreams.set(name, { ok: true, lastSuccessAt: at });
  }

  upstreamFailed(name: string, error: string): void {
    const prev = this.#upstreams.get(name);
    this.#upstreams.set(name, { ok: false, lastSuccessAt: prev?.lastSuccessAt, error });
  }

  setSlackConnected(connected: boolean): void {
    this.#slack = { connected };
  }

  /**
   * Ready when Redis answers and Slack is connected. Upstreams are reported but do not gate readiness: the bot
   * must stay up to tell people that Jenkins is down.
   */
  snapshot(): Readiness {
    return {
      ready: this.#redis.ok && this.#slack.connected,
      redis: this.#redis,
      upstreams: Object.fromEntries(this.#upstreams),
      slack: this.#slack,
    };
  }
}
