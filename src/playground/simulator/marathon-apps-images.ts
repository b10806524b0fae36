/**
 * Docker images per agent. In the seed's setup Marathon never pulls: the Docker containerizer finds the image on
 * the agent or the launch fails (SPEC §1, seed step 3: "the image must be docker-pulled onto the servers first").
 * Agents set up through the SSH test hosts report their images: the `docker` shim posts each pull to
 * `POST /_control/agents/images`, and `systemctl start mesos-slave` registers with the list the shim keeps.
 * An agent that never reported (seeded agents) has every image.
 */
import type { SimState, SimTask } from './state.ts';

/** `{image}` of a Docker app definition, for the task. */
export function dockerImage(def: Record<string, unknown>): { image?: string } {
  const container = def.container as { type?: string; docker?: { image?: unknown } } | null | undefined;
  const image = container?.docker?.image;
  return container?.type === 'DOCKER' && typeof image === 'string' ? { image } : {};
}

/**
 * The TASK_FAILED a launch gets when the agent lacks the task's image: the containerizer's pull fails (no
 * registry access), reported by the agent as REASON_CONTAINER_LAUNCH_FAILED (`src/slave/containerizer/docker.cpp`).
 */
export function missingImage(state: SimState, task: SimTask): { state: string; source: 'SOURCE_AGENT'; reason: string; message: string } | undefined {
  const images = state.agents.get(task.agentId)?.images;
  if (!task.image || !images || images.has(task.image)) return undefined;
  const repo = task.image.replace(/[:@][^/]*$/, '');
  return {
    state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED',
    message: `Failed to launch container: Failed to run 'docker -H unix:///var/run/docker.sock pull ${task.image}': exited with status 1; stderr='Error response from daemon: pull access denied for ${repo}, repository does not exist or may require 'docker login''`,
  };
}

/** The `docker` shim pulled `image` on `hostname` (the agent's /etc/mesos-slave/hostname). Unknown agents: ignored. */
export function imagePulled(state: SimState, hostname: string, image: string): { known: boolean } {
  const agent = state.agentsByHost.get(hostname);
  if (!agent) return { known: false };
  (agent.images ??= new Set()).add(image);
  return { known: true };
}
