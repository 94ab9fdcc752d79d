import type { ModelId } from './tiers';

/** Which shared model pool serves a model. */
export type ModelPool = 'standard' | 'premium';

/** What the platform knows about one served model. */
export interface ModelSpec {
  /** Ollama model name, as clients request it. */
  readonly id: ModelId;
  /** Pool that serves it: `standard` runs on the CPU pool, `premium` only on GPU pools. */
  readonly pool: ModelPool;
  /** Kubernetes-safe name used for the Deployment and Service (`ollama-<slug>`). */
  readonly slug: string;
  /** Size of the Q4_K_M weights in the model store, in GiB (what a cold start must read). */
  readonly weightsGiB: number;
  /** Memory a loaded replica needs (weights + KV cache for `numParallel` contexts), in GiB. */
  readonly memoryGiB: number;
  /** Concurrent requests one replica serves (`OLLAMA_NUM_PARALLEL`). */
  readonly numParallel: number;
  /**
   * Whether the model's Ollama template accepts `tools` in a chat request. Ollama answers 400
   * "does not support tools" otherwise; Llama 3.0 has no tool template (tool calling came with 3.1),
   * Mistral 7B v0.3 has one.
   * @see https://ollama.com/search?c=tools
   */
  readonly toolCalling: boolean;
}

/**
 * The model catalogue: the single list the model pools, the inference gateway routes and the
 * seeding Job read. Weight sizes are the Ollama library's default Q4_K_M quantisations.
 * @see https://ollama.com/library/llama3/tags
 * @see https://ollama.com/library/mistral/tags
 */
export const MODEL_CATALOGUE: Readonly<Record<ModelId, ModelSpec>> = {
  'llama3:8b': { id: 'llama3:8b', pool: 'standard', slug: 'llama3-8b', weightsGiB: 4.7, memoryGiB: 8, numParallel: 4, toolCalling: false },
  'mistral:7b': { id: 'mistral:7b', pool: 'standard', slug: 'mistral-7b', weightsGiB: 4.1, memoryGiB: 8, numParallel: 4, toolCalling: true },
  'llama3:70b': { id: 'llama3:70b', pool: 'premium', slug: 'llama3-70b', weightsGiB: 40, memoryGiB: 48, numParallel: 4, toolCalling: false },
};

/** Namespace of a model pool. */
export function modelPoolNamespace(pool: ModelPool): string {
  return `models-${pool}`;
}

/** Port Ollama listens on. */
export const OLLAMA_PORT = 11434;

/** In-cluster base URL of a model's Service (Ollama's OpenAI-compatible API lives under `/v1`). */
export function modelServiceUrl(model: ModelSpec): string {
  return `http://ollama-${model.slug}.${modelPoolNamespace(model.pool)}.svc.cluster.local:${OLLAMA_PORT}`;
}
