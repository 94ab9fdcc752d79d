import { parseArgs } from 'node:util';
import { SimCluster, stateDirOf, waitFor } from './cluster.ts';
import { DemandSignal, KedaActivationStandIn } from './keda-standin.ts';
import { formatStatus, snapshot } from './observe.ts';
import { applyManifests, platformManifests } from './platform.ts';
import { profileByName } from './profile.ts';
import { AUTOSCALER_MISSING } from './toolchain.ts';

/**
 * `sim-aks up|down|status`: the simulated AKS of the README's main command.
 *   up      builds what is missing, starts a fresh cluster (replacing one left running), applies
 *           every manifest of dist/manifests server-side, waits for the platform to settle and
 *           prints the status. The cluster keeps running; `down` stops it.
 *   down    stops the cluster.
 *   status  prints tenants, nodes per pool, GPU nodes and pods per pool/zone.
 */
const USAGE = 'usage: sim-aks <up|down|status> [--profile test|realtime] [--state-dir DIR]';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { profile: { type: 'string', default: 'test' }, 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(USAGE);
    process.exit(command || values.help ? 0 : 2);
  }
  const stateDir = values['state-dir'] ?? stateDirOf('panal');
  switch (command) {
    case 'up': {
      const started = Date.now();
      const cluster = await SimCluster.up({ stateDir, profile: profileByName(values.profile!) });
      if (!cluster.autoscalerRunning) console.warn(`sim-aks: ${AUTOSCALER_MISSING}; the pools stay at their minimum (GPU at zero)`);
      const manifests = platformManifests();
      await applyManifests(cluster, manifests);
      // KEDA's part (stand-in, no demand): premium models go to rest at 0 replicas after their cooldown.
      const keda = new KedaActivationStandIn(cluster, new DemandSignal());
      await keda.start();
      // Settled: every pod that can be placed is bound and no GPU node is left from the first sync.
      const settled = await waitFor('the platform to settle', cluster.scaled(3600), async () => {
        const s = await snapshot(cluster);
        return s.pendingPods === 0 && (s.nodes.gpuspot ?? 0) + (s.nodes.gpuondemand ?? 0) === 0;
      }).catch(() => undefined);
      await keda.stop();
      if (settled === undefined) {
        const pending = (await cluster.getJson<{ items: { metadata: { namespace: string; name: string }; spec: { nodeName?: string }; status: { phase?: string } }[] }>(['get', 'pods', '-A'])).items
          .filter((p) => !p.spec.nodeName && p.status.phase === 'Pending')
          .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
        console.warn(`sim-aks: the platform did not settle in time; pending: ${pending.join(', ') || 'none'}; status below`);
      }
      console.log(`sim-aks: up in ${((Date.now() - started) / 1000).toFixed(1)} s (${manifests.length} objects applied, profile ${cluster.profile.name})`);
      console.log(formatStatus(await snapshot(cluster)));
      console.log(`kubeconfig: ${cluster.kubeconfig}  (stop with: make sim-down)`);
      break;
    }
    case 'down':
      await SimCluster.down(stateDir);
      console.log('sim-aks: stopped');
      break;
    case 'status': {
      const cluster = await SimCluster.attach(stateDir);
      console.log(formatStatus(await snapshot(cluster)));
      break;
    }
    default:
      console.error(USAGE);
      process.exit(2);
  }
}

main().catch((error: unknown) => {
  console.error(`sim-aks: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
