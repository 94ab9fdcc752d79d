/**
 * Per-pod resource sizing of what runs in a tenant namespace.
 *
 * Shared by the constructs (which set requests and limits) and the loader (which checks that a
 * tenant's quota can hold its own scale-out), so the two can never disagree.
 */

/** Requests and limits of one container. CPU in millicores, memory in MiB. */
export interface ContainerSize {
  /** CPU the scheduler reserves, in millicores. */
  readonly cpuRequestMilli: number;
  /** CPU ceiling, in millicores. */
  readonly cpuLimitMilli: number;
  /** Memory the scheduler reserves, in MiB. */
  readonly memoryRequestMiB: number;
  /** Memory ceiling, in MiB; the container is OOM-killed above it. */
  readonly memoryLimitMiB: number;
}

/**
 * OpenWebUI: a FastAPI app with `UVICORN_WORKERS=1`; memory is dominated by the Python process and
 * the RAG document parsing it does in-process.
 * @see https://docs.openwebui.com/getting-started/advanced-topics/scaling
 */
export const OPEN_WEBUI_SIZE: ContainerSize = {
  cpuRequestMilli: 500,
  cpuLimitMilli: 2000,
  memoryRequestMiB: 1536,
  memoryLimitMiB: 3072,
};

/** Redis for websockets and shared app state: small, memory-capped, no persistence needed. */
export const REDIS_SIZE: ContainerSize = {
  cpuRequestMilli: 100,
  cpuLimitMilli: 500,
  memoryRequestMiB: 128,
  memoryLimitMiB: 256,
};

/** The one-shot database migration job that runs before OpenWebUI replicas start. */
export const MIGRATION_JOB_SIZE: ContainerSize = OPEN_WEBUI_SIZE;

/** What a tenant's own workloads request at most: every OpenWebUI replica plus one surge pod during a rollout, Redis and the migration job. */
export function tenantFootprint(maxOpenWebUIReplicas: number): { cpuMilli: number; memoryMiB: number; pods: number } {
  const webPods = maxOpenWebUIReplicas + 1;
  return {
    cpuMilli: webPods * OPEN_WEBUI_SIZE.cpuRequestMilli + REDIS_SIZE.cpuRequestMilli + MIGRATION_JOB_SIZE.cpuRequestMilli,
    memoryMiB: webPods * OPEN_WEBUI_SIZE.memoryRequestMiB + REDIS_SIZE.memoryRequestMiB + MIGRATION_JOB_SIZE.memoryRequestMiB,
    pods: webPods + 2,
  };
}
