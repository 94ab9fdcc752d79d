import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';
import { REPO_ROOT, type SimCluster } from './cluster.ts';
import { readEnvFile } from './toolchain.ts';

/** A manifest read from `dist/manifests`, with the file it came from. */
export interface Manifest {
  readonly file: string;
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> } };
}

export const MANIFESTS_DIR = join(REPO_ROOT, 'dist', 'manifests');

export function readManifests(dir = MANIFESTS_DIR): Manifest[] {
  const out: Manifest[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ya?ml$/.test(entry)) {
        for (const doc of loadAll(readFileSync(path, 'utf8'))) if (doc) out.push({ file: relative(REPO_ROOT, path), object: doc as Manifest['object'] });
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * The order Argo CD applies in: sync wave first, then kinds that others depend on (namespaces,
 * policies, quotas) before workloads. Server-side apply, as Argo CD does with `ServerSideApply=true`.
 */
const KIND_ORDER = ['Namespace', 'PriorityClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ClusterRole', 'ClusterRoleBinding', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'ConfigMap', 'PersistentVolume', 'PersistentVolumeClaim'];
const kindRank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
const wave = (m: Manifest) => Number(m.object.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

export function applyOrder(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests].sort((a, b) => kindRank(a.object.kind) - kindRank(b.object.kind) || wave(a) - wave(b) || a.file.localeCompare(b.file));
}

/** Server-side applies manifests in Argo CD's order, in batches; the first rejection fails with its file. */
export async function applyManifests(cluster: SimCluster, manifests: readonly Manifest[], fieldManager = 'argocd-controller'): Promise<void> {
  const ordered = applyOrder(manifests);
  // Kinds that must exist before the next batch is admitted (namespace, quota, admission policy) go first as their own batch.
  const foundation = ordered.filter((m) => kindRank(m.object.kind) < kindRank('ServiceAccount'));
  const rest = ordered.filter((m) => kindRank(m.object.kind) >= kindRank('ServiceAccount'));
  for (const batch of [...chunks(foundation, 400), ...chunks(rest, 400)]) {
    const result = await cluster.kubectlResult(
      ['apply', '--server-side', '--force-conflicts', `--field-manager=${fieldManager}`, '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: batch.map((m) => m.object) }),
    );
    if (!result.ok) throw new Error(`server-side apply rejected:\n${annotateWithFiles(result.stderr, batch)}`);
  }
}

/** Points each rejected object in kubectl's error output at the file it came from. */
function annotateWithFiles(stderr: string, batch: readonly Manifest[]): string {
  return stderr
    .trim()
    .split('\n')
    .map((line) => {
      const hit = batch.find((m) => line.includes(`"${m.object.metadata.name}"`) && (!m.object.metadata.namespace || line.includes(m.object.metadata.namespace)));
      return hit ? `${line}\n  (from ${hit.file})` : line;
    })
    .join('\n');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Kinds (`apiVersion/Kind`) whose CRD no reachable registry serves (tools/kubeconform/versions.env
 * UNVALIDATED_KINDS): the simulated API server has no CRD for them, so they are left out, and said so.
 */
export function unvalidatedKinds(): string[] {
  const value = readEnvFile(join(REPO_ROOT, 'tools', 'kubeconform', 'versions.env')).UNVALIDATED_KINDS ?? '';
  return value.split(',').filter(Boolean);
}

/**
 * Everything Argo CD would sync into the cluster: tenants and cluster add-ons (and the Argo CD objects
 * themselves), except the kinds in {@link unvalidatedKinds}.
 */
export function platformManifests(dir = MANIFESTS_DIR): Manifest[] {
  const skip = new Set(unvalidatedKinds());
  const all = readManifests(dir);
  const kept = all.filter((m) => !skip.has(`${m.object.apiVersion}/${m.object.kind}`));
  if (kept.length < all.length) console.log(`sim-aks: not applied, no CRD reachable (tools/kubeconform/versions.env UNVALIDATED_KINDS): ${[...skip].join(', ')} (${all.length - kept.length} objects)`);
  return kept;
}

/**
 * How long the inference gateway holds a request for `model` while the model starts from zero
 * (`coldStartBudgetSeconds` in the rendered gateway ConfigMap). The premium cold start must fit it,
 * or the first request after idle fails instead of waiting.
 */
export function gatewayColdStartBudgetSeconds(model: string, manifests: readonly Manifest[] = readManifests()): number {
  const cm = manifests.find((m) => m.object.kind === 'ConfigMap' && m.object.metadata.name === 'inference-gateway');
  const data = (cm?.object as { data?: Record<string, string> } | undefined)?.data ?? {};
  for (const text of Object.values(data)) {
    const budget = (JSON.parse(text) as { models?: Record<string, { coldStartBudgetSeconds?: number }> }).models?.[model]?.coldStartBudgetSeconds;
    if (budget !== undefined) return budget;
  }
  throw new Error(`dist/manifests: no inference-gateway ConfigMap with models["${model}"].coldStartBudgetSeconds`);
}
