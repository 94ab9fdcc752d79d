 
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isReady, poolOf, roleOf } from '../observe.ts';
import { poolNode } from '../node-templates.ts';
import { gatewayColdStartBudgetSeconds, platformManifests } from '../platform.ts';
import { nodesByName, pods, PREMIUM, readyCounts, readyPods, scaledWorkloads, startPlatform, waitForReadyPods, type Platform } from './harness.ts';
import { waitFor } from '../cluster.ts';

/**
 * Scenarios 1-3 on one simulated AKS: every manifest of dist/manifests applies server-side through
 * real admission; an adversarial corpus is rejected for the expected reason; GPU nodes host the
 * premium model and nothing else. None of it is the autoscaler's behaviour, so this cluster runs
 * without one (the same proof whether it is built or not) and scenario 3 adds one node to each GPU
 * pool itself, from the node template the autoscaler would scale that pool with.
 */
let platform: Platform;
const manifests = platformManifests();
const TENANT = 'tenant-acme';

beforeAll(async () => {
  platform = await startPlatform('apply-admission-gpu', 'Aplicación, admisión y exclusividad de GPU', manifests, { autoscaler: false });
}, 10 * 60_000);

afterAll(async () => {
  await platform?.stop();
});

describe('scenario 1: server-side apply of all of dist/manifests', () => {
  it('creates every object of dist/manifests in the API server', async () => {
    const { cluster } = platform;
    // Each object is read back by kind and name: nothing was silently skipped by the apply.
    const missing: string[] = [];
    const byKind = new Map<string, Set<string>>();
    for (const m of manifests) {
      const key = `${m.object.kind}.${m.object.apiVersion.includes('/') ? m.object.apiVersion.split('/')[0] : ''}`.replace(/\.$/, '');
      byKind.set(key, (byKind.get(key) ?? new Set()).add(`${m.object.metadata.namespace ?? ''}/${m.object.metadata.name}`));
    }
    for (const [kind, names] of byKind) {
      const list = await cluster.getJson<{ items: any[] }>(['get', kind.toLowerCase(), '-A']);
      const present = new Set(list.items.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`));
      for (const n of names) if (!present.has(n)) missing.push(`${kind} ${n}`);
    }
    expect(missing).toEqual([]);
    expect(manifests.length).toBeGreaterThan(100);
  });

  it('reports the real Kubernetes version and enforces Pod Security restricted on tenant namespaces', async () => {
    const version = JSON.parse(await platform.cluster.kubectl(['version', '-o', 'json'])).serverVersion.gitVersion;
    expect(version).toBe(platform.cluster.toolchain.kubernetesVersion);
    const ns = await platform.cluster.getJson(['get', 'namespace', TENANT]);
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('brings every tenant OpenWebUI, the gateway and the standard models to their minimum ready replicas', async () => {
    const { cluster } = platform;
    const workloads = await scaledWorkloads(cluster);
    expect(workloads.length).toBeGreaterThan(0);
    await waitFor('every HPA-managed workload at its minimum', cluster.scaled(600), async () => {
      const counts = await readyCounts(cluster, workloads);
      return workloads.every((w) => counts.get(w)!.ready >= w.minReplicas);
    });
  });
});

/** A pod every restricted namespace admits; each corpus entry changes one thing. */
function compliantPod(name: string): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: TENANT },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.example/app:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        },
      ],
    },
  };
}

const withContainer = (pod: any, patch: (c: any) => void) => {
  patch(pod.spec.containers[0]);
  return pod;
};

/** Privileged mode (the API itself refuses it together with allowPrivilegeEscalation=false). */
const privileged = (c: any) => {
  c.securityContext.privileged = true;
  c.securityContext.allowPrivilegeEscalation = true;
};

function service(name: string, type: 'NodePort' | 'LoadBalancer'): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: TENANT }, spec: { type, selector: { app: 'x' }, ports: [{ port: 80 }] } };
}

/** Server-side dry run: the full admission chain runs (Pod Security, policies, quota), nothing is stored. */
async function admit(object: any) {
  return platform.cluster.kubectlResult(['create', '--dry-run=server', '-f', '-'], JSON.stringify(object));
}

describe('scenario 2: adversarial admission corpus in a tenant namespace', () => {
  it('admits the compliant control pod (the corpus is not rejecting everything)', async () => {
    const result = await admit(compliantPod('control'));
    expect(result.stderr).toBe('');
    expect(result.ok).toBe(true);
  });

  const corpus: [string, () => any, RegExp][] = [
    ['a privileged container', () => withContainer(compliantPod('privileged'), privileged), /violates PodSecurity "restricted:v1\.\d+": .*privileged \(container "app" must not set securityContext\.privileged=true\)/],
    ['a hostPath volume', () => {
      const pod = compliantPod('hostpath');
      pod.spec.volumes = [{ name: 'host', hostPath: { path: '/var/lib' } }];
      return pod;
    }, /violates PodSecurity "restricted:v1\.\d+": .*restricted volume types \(volume "host" uses restricted volume type "hostPath"\)/],
    ['hostNetwork', () => {
      const pod = compliantPod('hostnetwork');
      pod.spec.hostNetwork = true;
      return pod;
    }, /violates PodSecurity "restricted:v1\.\d+": host namespaces \(hostNetwork=true\)/],
    ['a toleration of the GPU taint', () => {
      const pod = compliantPod('gpu-toleration');
      pod.spec.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
      return pod;
    }, /ValidatingAdmissionPolicy 'panal-gpu-exclusivity'.*denied request: only pods in models-premium, gpu-system may tolerate the nvidia\.com\/gpu taint/],
    ['a wildcard toleration (tolerates every taint, GPU included)', () => {
      const pod = compliantPod('wildcard-toleration');
      pod.spec.tolerations = [{ operator: 'Exists' }];
      return pod;
    }, /denied request: only pods in models-premium, gpu-system may tolerate the nvidia\.com\/gpu taint/],
    ['a toleration of the spot taint', () => {
      const pod = compliantPod('spot-toleration');
      pod.spec.tolerations = [{ key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' }];
      return pod;
    }, /denied request: pods in tenant namespaces may not tolerate the kubernetes\.azure\.com\/scalesetpriority taint/],
    ['a request for nvidia.com/gpu', () => withContainer(compliantPod('gpu-request'), (c) => {
      c.resources.requests['nvidia.com/gpu'] = '1';
      c.resources.limits['nvidia.com/gpu'] = '1';
    }), /denied request: only pods in models-premium may request nvidia\.com\/gpu/],
    ['a NodePort Service', () => service('nodeport', 'NodePort'), /exceeded quota: tenant-quota, requested: services\.nodeports=1, used: services\.nodeports=0, limited: services\.nodeports=0/],
    ['a LoadBalancer Service', () => service('loadbalancer', 'LoadBalancer'), /exceeded quota: tenant-quota, requested: .*services\.loadbalancers=1.*limited: .*services\.loadbalancers=0/],
  ];

  for (const [what, object, reason] of corpus) {
    it(`rejects ${what}`, async () => {
      const result = await admit(object());
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(reason);
    });
  }

  it('rejects a pod that would exceed the tenant CPU quota', async () => {
    const quota = await platform.cluster.getJson(['get', 'resourcequota', 'tenant-quota', '-n', TENANT]);
    const millis = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const free = millis(quota.status.hard['requests.cpu']) - millis(quota.status.used['requests.cpu']);
    const ask = free + 100; // just over what is left
    // Precondition: one container may ask for it within the LimitRange maximum (4 CPU).
    expect(ask).toBeLessThanOrEqual(4000);
    const pod = withContainer(compliantPod('over-quota'), (c) => {
      c.resources.requests.cpu = `${ask}m`;
      c.resources.limits.cpu = `${ask}m`;
    });
    const result = await admit(pod);
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/exceeded quota: tenant-quota, requested: requests\.cpu=/);
  });

  it('keeps a privileged Deployment from ever creating a pod (the ReplicaSet is refused by Pod Security)', async () => {
    const { cluster } = platform;
    const pod = withContainer(compliantPod('x'), privileged);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'sneaky', namespace: TENANT },
      spec: { replicas: 1, selector: { matchLabels: { app: 'sneaky' } }, template: { metadata: { labels: { app: 'sneaky' } }, spec: pod.spec } },
    };
    // A Deployment is only warned about at creation; enforcement happens when its pods are created.
    const created = await cluster.kubectlResult(['create', '-f', '-'], JSON.stringify(deployment));
    expect(created.ok).toBe(true);
    expect(created.stderr).toMatch(/would violate PodSecurity "restricted:v1\.\d+": .*privileged/);
    try {
      let failure = '';
      for (let i = 0; i < 120 && !failure; i++) {
        const rs = (await cluster.getJson<{ items: any[] }>(['get', 'rs', '-n', TENANT, '-l', 'app=sneaky'])).items[0];
        failure = rs?.status?.conditions?.find((c: any) => c.type === 'ReplicaFailure')?.message ?? '';
        if (!failure) await new Promise((r) => setTimeout(r, 250));
      }
      expect(failure).toMatch(/violates PodSecurity "restricted:v1\.\d+": .*privileged \(container "app" must not set securityContext\.privileged=true\)/);
      expect(await pods(cluster, TENANT, 'app=sneaky')).toEqual([]);
    } finally {
      await cluster.kubectl(['delete', 'deployment', 'sneaky', '-n', TENANT, '--wait=false']);
    }
  });
});

describe('scenario 3: GPU exclusivity', () => {
  it('runs the premium model only on GPU nodes and nothing but the premium model and GPU daemons on GPU nodes', async () => {
    const { cluster, signal, recorder } = platform;
    expect(cluster.autoscalerRunning).toBe(false);
    // One booting node per GPU pool, as a scale-up of that pool would add it; every pod of the
    // platform is already placed, so anything that lands on them chose to.
    const gpuPools = cluster.model.pools.filter((p) => p.gpu);
    expect(gpuPools.map((p) => p.name).sort()).toEqual(['gpuondemand', 'gpuspot']);
    await cluster.applyObjects(gpuPools.map((p) => poolNode(cluster.model, p.name, `aks-${p.name}-vmss-test00`, cluster.toolchain.kubernetesVersion)), 'sim-aks-scenario');
    recorder.mark('un nodo por pool GPU (arrancando)');
    // Premium demand so a premium pod exists (the KEDA stand-in activates the model).
    signal.setInflight(PREMIUM.model, 1);
    recorder.mark('demanda premium');
    await waitForReadyPods(cluster, PREMIUM.namespace, PREMIUM.selector, 1, cluster.scaled(gatewayColdStartBudgetSeconds(PREMIUM.model, manifests)));
    recorder.mark('modelo premium listo');
    // Both GPU nodes run both GPU daemons (device plugin, DCGM exporter) before anything is judged.
    const daemonSets = (await cluster.getJson<{ items: any[] }>(['get', 'daemonsets', '-n', 'gpu-system'])).items;
    expect(daemonSets.length).toBeGreaterThanOrEqual(2);
    await waitFor('GPU daemons ready on every GPU node', cluster.scaled(600), async () => {
      const ds = (await cluster.getJson<{ items: any[] }>(['get', 'daemonsets', '-n', 'gpu-system'])).items;
      return ds.every((d) => d.status.desiredNumberScheduled === gpuPools.length && d.status.numberReady === gpuPools.length);
    });

    const nodes = await nodesByName(cluster);
    const gpuPoolNames = new Set(gpuPools.map((p) => p.name));
    const all = (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])).items.filter((p) => p.spec.nodeName && !p.metadata.deletionTimestamp);
    const premium = all.filter((p) => p.metadata.namespace === PREMIUM.namespace);
    expect(premium.length).toBeGreaterThan(0);
    for (const p of premium) expect(gpuPoolNames.has(poolOf(nodes.get(p.spec.nodeName)))).toBe(true);

    const onGpu = all.filter((p) => gpuPoolNames.has(poolOf(nodes.get(p.spec.nodeName))));
    const intruders = onGpu.filter((p) => !['models-premium', 'gpu-system'].includes(p.metadata.namespace)).map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(intruders).toEqual([]);
    // The GPU daemons did land there (the check above is not vacuous).
    expect(onGpu.some((p) => p.metadata.namespace === 'gpu-system')).toBe(true);
    // And no GPU daemon runs on a CPU node.
    const daemonsOffGpu = all.filter((p) => p.metadata.namespace === 'gpu-system' && !gpuPoolNames.has(poolOf(nodes.get(p.spec.nodeName))));
    expect(daemonsOffGpu).toEqual([]);
    // Both GPU nodes host a GPU daemon; tenant pods sit on the CPU pools only, in every zone.
    expect(new Set(onGpu.filter((p) => p.metadata.namespace === 'gpu-system').map((p) => p.spec.nodeName)).size).toBe(gpuPools.length);
    const tenantNodes = all.filter((p) => p.metadata.namespace.startsWith('tenant-')).map((p) => nodes.get(p.spec.nodeName));
    expect([...new Set(tenantNodes.map(roleOf))]).toEqual(['cpu']);
    // The zone spread of the HA replicas puts them in more than one of the per-zone CPU pools.
    expect(new Set(tenantNodes.map(poolOf)).size).toBeGreaterThanOrEqual(2);
    const ready = await readyPods(cluster, PREMIUM.namespace, PREMIUM.selector);
    recorder.figures['premium pool'] = ready[0].pool;
    expect(isReady(nodes.get(ready[0].node))).toBe(true);
    signal.setInflight(PREMIUM.model, 0);
  });
});

/** Kubernetes label selector semantics (matchLabels and matchExpressions). */
function selects(selector: any, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
    if (e.operator === 'In') return e.values.includes(labels[e.key]);
    if (e.operator === 'NotIn') return !e.values.includes(labels[e.key]);
    if (e.operator === 'Exists') return e.key in labels;
    return !(e.key in labels); // DoesNotExist
  });
  return byLabels && byExpressions;
}

describe('isolation: the NetworkPolicies bite on the pods that really run', () => {
  // kwok has no network dataplane, so traffic itself is not exercised here (tools/netpol evaluates the
  // policies with a NetworkPolicy analyzer). What only a live cluster shows is whether the policies'
  // selectors match the labels the real controllers give the real pods.
  const governed = (ns: string) => ns.startsWith('tenant-') || ns.startsWith('models-') || ['inference-gateway', 'observability', 'gpu-system', 'model-store'].includes(ns);

  it('puts every running pod of every tenant and platform namespace under an ingress+egress default deny', async () => {
    const { cluster } = platform;
    const policies = (await cluster.getJson<{ items: any[] }>(['get', 'networkpolicies', '-A'])).items;
    const running = (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])).items.filter((p) => governed(p.metadata.namespace) && p.status?.phase === 'Running');
    expect(running.length).toBeGreaterThan(10);
    const uncovered = running
      .filter((p) => !policies.some((np) => np.metadata.namespace === p.metadata.namespace && ['Ingress', 'Egress'].every((t) => np.spec.policyTypes.includes(t)) && Object.keys(np.spec.podSelector ?? {}).length === 0))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(uncovered).toEqual([]);
  });

  it('selects at least one running pod with every allow rule, and every peer it names exists', async () => {
    const { cluster } = platform;
    const policies = (await cluster.getJson<{ items: any[] }>(['get', 'networkpolicies', '-A'])).items.filter((np) => governed(np.metadata.namespace));
    const all = (await cluster.getJson<{ items: any[] }>(['get', 'pods', '-A'])).items;
    const pods = all.filter((p) => p.status?.phase === 'Running');
    // A Job's pod (the model seeder) has finished by now; it was governed while it ran.
    const ranOrRunning = all.filter((p) => ['Running', 'Succeeded'].includes(p.status?.phase));
    const namespaces = (await cluster.getJson<{ items: any[] }>(['get', 'namespaces'])).items;
    const problems: string[] = [];
    for (const np of policies) {
      const where = `${np.metadata.namespace}/${np.metadata.name}`;
      // The premium model rests at 0 replicas: its policies have nothing to select until it starts.
      const mayBeEmpty = np.metadata.namespace === 'models-premium';
      if (!mayBeEmpty && !ranOrRunning.some((p) => p.metadata.namespace === np.metadata.namespace && selects(np.spec.podSelector, p.metadata.labels))) problems.push(`${where}: selects no pod that runs or ran`);
      const rules = [...(np.spec.ingress ?? []).map((r: any) => r.from), ...(np.spec.egress ?? []).map((r: any) => r.to)].flat().filter(Boolean);
      for (const peer of rules) {
        if (peer.ipBlock || !peer.podSelector) continue;
        const peerNamespaces = peer.namespaceSelector ? namespaces.filter((n) => selects(peer.namespaceSelector, n.metadata.labels)).map((n) => n.metadata.name) : [np.metadata.namespace];
        // Named exception: cluster DNS (kube-system) is AKS's, not ours, and the simulator runs none.
        if (peerNamespaces.length === 1 && peerNamespaces[0] === 'kube-system') continue;
        if (peerNamespaces.length === 0) problems.push(`${where}: peer namespaceSelector matches no namespace`);
        else if (!peerNamespaces.includes('models-premium') && !pods.some((p) => peerNamespaces.includes(p.metadata.namespace) && selects(peer.podSelector, p.metadata.labels)))
          problems.push(`${where}: peer ${JSON.stringify(peer)} matches no running pod`);
      }
    }
    expect(problems).toEqual([]);
    expect(policies.length).toBeGreaterThan(20);
  });
});

