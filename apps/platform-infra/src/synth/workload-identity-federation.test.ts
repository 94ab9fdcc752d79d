import { join, resolve } from 'node:path';
import { loadEnvironment } from '@panal/tenant-config';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderArgocd } from '../../../../argocd/src/render-argocd.ts';
import { renderClusterAddons } from '../../../cluster-addons/src/render-cluster-addons.ts';
import { renderTenants } from '../../../tenants/src/render-tenants.ts';
import { INFRA_ENVIRONMENTS } from '../environments';
import { platformNames, tenantShardOf, tenantShardStackName } from '../naming';
import { renderInfra } from './render-infra';

const repoRoot = resolve(import.meta.dirname, '../../../..');
/** The environment the committed manifests are rendered for (the one `make synth` uses). */
const envDir = join(repoRoot, 'environments/example');

/**
 * The AKS KEDA add-on runs its operator as this ServiceAccount. With `provider: azure-workload` the
 * operator asks Entra ID for a token with its own ServiceAccount token and the TriggerAuthentication's
 * `identityId`, so that identity must trust this subject.
 * @see https://learn.microsoft.com/azure/aks/keda-workload-identity
 */
const KEDA_ADDON_OPERATOR = { namespace: 'kube-system', name: 'keda-operator' };
const CSI_DRIVER = 'secrets-store.csi.k8s.io';
const CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
const USE_LABEL = 'azure.workload.identity/use';

/** Where a manifest names a client id, and which ServiceAccount's token will be exchanged for it. */
interface ClientIdUse {
  readonly file: string;
  readonly via: string;
  readonly clientId: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

interface Manifest {
  readonly file: string;
  readonly object: any;
}

/**
 * Where the third-party charts the Argo CD Applications install take a client id in their values, and
 * the ServiceAccount the chart runs the workload as (their charts fix these names), by Application name.
 */
const CHART_CLIENT_IDS: Readonly<Record<string, { path: readonly string[]; serviceAccount: (app: any) => { namespace: string; name: string } }>> = {
  // cert-manager's controller ServiceAccount is named after the release (templates/_helpers.tpl, cert-manager.serviceAccountName).
  'cert-manager': { path: ['serviceAccount', 'annotations', CLIENT_ID_ANNOTATION], serviceAccount: (app) => ({ namespace: app.spec.destination.namespace, name: app.spec.source.helm.releaseName }) },
  // https://learn.microsoft.com/azure/application-gateway/for-containers/quickstart-deploy-application-gateway-for-containers-alb-controller
  'alb-controller': { path: ['albController', 'podIdentity', 'clientID'], serviceAccount: (app) => ({ namespace: app.spec.source.helm.valuesObject.albController.namespace, name: 'alb-controller-sa' }) },
};

/** Every object of every rendered file, cluster-addons, tenants and Argo CD's own, rendered from code now. */
function renderManifests(): Manifest[] {
  const files = new Map<string, string>();
  for (const [path, content] of renderArgocd({ repoRoot, envDir })) files.set(`argocd/${path}`, content);
  for (const [path, content] of renderClusterAddons({ repoRoot, envDir })) files.set(`cluster-addons/${path}`, content);
  for (const [path, content] of renderTenants({ repoRoot, envDir }).files) files.set(`tenants/${path}`, content);
  return [...files].flatMap(([file, content]) => parseAllDocuments(content).map((d) => ({ file, object: d.toJSON() })).filter((m) => m.object));
}

/** Pod templates (or pods) of workloads, with their namespace. */
function podSpecs(manifests: readonly Manifest[]): { file: string; namespace: string; metadata: any; spec: any }[] {
  const out: { file: string; namespace: string; metadata: any; spec: any }[] = [];
  for (const { file, object: o } of manifests) {
    const template = o.kind === 'Pod' ? o : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    if (template?.spec?.containers) out.push({ file, namespace: o.metadata.namespace, metadata: template.metadata ?? {}, spec: template.spec });
  }
  return out;
}

/**
 * Every client id a manifest hands to Azure, mapped to the ServiceAccount whose token is exchanged:
 * the ServiceAccount annotation itself; a SecretProviderClass's `clientID` (the CSI driver uses the
 * token of each pod that mounts it); a KEDA TriggerAuthentication's `identityId` (the operator's
 * token); a collector `azure_auth` extension's `workload_identity.client_id` (each pod that mounts
 * the ConfigMap).
 */
function clientIdUses(manifests: readonly Manifest[]): { uses: ClientIdUse[]; problems: string[] } {
  const uses: ClientIdUse[] = [];
  const problems: string[] = [];
  const pods = podSpecs(manifests);
  const mounting = (namespace: string, matches: (volume: any) => boolean) => pods.filter((p) => p.namespace === namespace && (p.spec.volumes ?? []).some(matches));
  for (const { file, object: o } of manifests) {
    const ns = o.metadata?.namespace;
    if (o.kind === 'ServiceAccount' && o.metadata.annotations?.[CLIENT_ID_ANNOTATION]) {
      uses.push({ file, via: `ServiceAccount annotation ${CLIENT_ID_ANNOTATION}`, clientId: o.metadata.annotations[CLIENT_ID_ANNOTATION], namespace: ns, serviceAccount: o.metadata.name });
    }
    if (o.kind === 'SecretProviderClass' && o.spec?.parameters?.clientID) {
      const users = mounting(ns, (v) => v.csi?.driver === CSI_DRIVER && v.csi.volumeAttributes?.secretProviderClass === o.metadata.name);
      if (!users.length) problems.push(`${file}: SecretProviderClass ${ns}/${o.metadata.name} names clientID ${o.spec.parameters.clientID} but no pod mounts it`);
      for (const p of users) uses.push({ file, via: `SecretProviderClass clientID, mounted by ${p.file}`, clientId: o.spec.parameters.clientID, namespace: ns, serviceAccount: p.spec.serviceAccountName ?? 'default' });
    }
    if (o.kind === 'TriggerAuthentication' && o.spec?.podIdentity?.provider === 'azure-workload') {
      const id = o.spec.podIdentity.identityId;
      if (!id) problems.push(`${file}: TriggerAuthentication ${ns}/${o.metadata.name} uses azure-workload without identityId: the add-on operator has no identity of ours to use`);
      else uses.push({ file, via: 'TriggerAuthentication podIdentity.identityId (KEDA add-on operator)', clientId: id, namespace: KEDA_ADDON_OPERATOR.namespace, serviceAccount: KEDA_ADDON_OPERATOR.name });
    }
    if (o.kind === 'Application' && o.spec?.source?.helm?.valuesObject) {
      const values = o.spec.source.helm.valuesObject;
      const chart = CHART_CLIENT_IDS[o.metadata.name];
      const guids = JSON.stringify(values).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [];
      const id = chart?.path.reduce<any>((v, k) => v?.[k], values);
      if (guids.some((g) => g !== id)) problems.push(`${file}: Application ${o.metadata.name} (${o.spec.source.repoURL}) passes ${guids.join(', ')} in its values at a path CHART_CLIENT_IDS does not know`);
      if (chart && id) {
        const sa = chart.serviceAccount(o);
        uses.push({ file, via: `Application ${o.metadata.name} helm value ${chart.path.join('.')}`, clientId: id, namespace: sa.namespace, serviceAccount: sa.name });
      }
    }
    if (o.kind === 'ConfigMap') {
      for (const [key, text] of Object.entries<string>(o.data ?? {})) {
        if (!/workload_identity/.test(text)) continue;
        for (const [name, ext] of Object.entries<any>(parse(text)?.extensions ?? {})) {
          const id = ext?.workload_identity?.client_id;
          if (!id) continue;
          const users = mounting(ns, (v) => v.configMap?.name === o.metadata.name);
          if (!users.length) problems.push(`${file}: ConfigMap ${ns}/${o.metadata.name} (${key}) names client_id ${id} in extension ${name} but no pod mounts it`);
          for (const p of users) uses.push({ file, via: `ConfigMap ${key} extensions.${name}.workload_identity.client_id, mounted by ${p.file}`, clientId: id, namespace: ns, serviceAccount: p.spec.serviceAccountName ?? 'default' });
        }
      }
    }
  }
  // A pod that asks the webhook for workload identity must run as a ServiceAccount that names its identity.
  const annotated = new Set(uses.filter((u) => u.via.startsWith('ServiceAccount')).map((u) => `${u.namespace}/${u.serviceAccount}`));
  for (const p of pods) {
    const sa = `${p.namespace}/${p.spec.serviceAccountName ?? 'default'}`;
    if (p.metadata.labels?.[USE_LABEL] === 'true' && !annotated.has(sa)) problems.push(`${p.file}: pod asks for workload identity (${USE_LABEL}) but ServiceAccount ${sa} has no ${CLIENT_ID_ANNOTATION} annotation`);
  }
  return { uses, problems };
}

/** Which key of `tenant-identities.yaml` holds each client id placeholder. */
function identityKeys(): Map<string, { kind: 'tenant' | 'platform'; key: string }> {
  const { identities } = loadEnvironment(envDir, repoRoot);
  const byClientId = new Map<string, { kind: 'tenant' | 'platform'; key: string }>();
  for (const [key, id] of Object.entries(identities.clientIds)) byClientId.set(id, { kind: 'tenant', key });
  for (const [key, id] of Object.entries(identities.platformClientIds)) if (id) byClientId.set(id, { kind: 'platform', key });
  return byClientId;
}

/** `${azurerm_user_assigned_identity.<address>.client_id}` → `<address>`. */
function identityAddress(reference: unknown): string | undefined {
  return /^\$\{azurerm_user_assigned_identity\.([^.]+)\.client_id\}$/.exec(String(reference))?.[1];
}

/**
 * Checks one environment's synthesized stacks: the stack and output that publish each placeholder
 * key's client id, the identity they point at, and that identity's federated credentials. Returns
 * what is wrong, one line each.
 */
function federationProblems(env: string, stacks: Map<string, any>, uses: readonly ClientIdUse[], keys: ReturnType<typeof identityKeys>): string[] {
  const problems: string[] = [];
  const names = platformNames(INFRA_ENVIRONMENTS[env as keyof typeof INFRA_ENVIRONMENTS]);
  const aks = stacks.get('aks');
  const clusters = Object.entries<any>(aks.resource?.azurerm_kubernetes_cluster ?? {});
  const cluster = clusters.find(([, c]) => c.name === names.aksCluster);
  if (!cluster || cluster[1].oidc_issuer_enabled !== true || cluster[1].workload_identity_enabled !== true) {
    return [`${env}/aks: no cluster ${names.aksCluster} with oidc_issuer_enabled and workload_identity_enabled`];
  }
  /** Whether an issuer expression is the OIDC issuer of that cluster, directly or through a data source named like it. */
  const isClusterIssuer = (json: any, issuer: string) => {
    if (json === aks && issuer === `\${azurerm_kubernetes_cluster.${cluster[0]}.oidc_issuer_url}`) return true;
    const data = /^\$\{data\.azurerm_kubernetes_cluster\.([^.]+)\.oidc_issuer_url\}$/.exec(issuer)?.[1];
    const lookup = data ? json.data?.azurerm_kubernetes_cluster?.[data] : undefined;
    return lookup?.name === names.aksCluster && lookup?.resource_group_name === names.resourceGroup('aks');
  };
  const shards = INFRA_ENVIRONMENTS[env as keyof typeof INFRA_ENVIRONMENTS].state.tenantShards;
  // A tenant's identity is published by its own shard stack (tenants-<NN>), a platform identity by aks.
  const published = {
    tenant: (tenantId: string) => ({ stack: tenantShardStackName(tenantShardOf(tenantId, shards)), output: 'tenant_identity_client_ids' }),
    platform: () => ({ stack: 'aks', output: 'platform_identity_client_ids' }),
  } as const;

  for (const use of uses) {
    const where = `${env}: ${use.file} (${use.via}) gives ${use.clientId} to ${use.namespace}/${use.serviceAccount}`;
    const key = keys.get(use.clientId);
    if (!key) {
      problems.push(`${where}, which is no key of environments/example/tenant-identities.yaml`);
      continue;
    }
    const { stack, output } = published[key.kind](key.key);
    const json = stacks.get(stack);
    const address = identityAddress(json.output?.[output]?.value?.[key.key]);
    const identity = address ? json.resource?.azurerm_user_assigned_identity?.[address] : undefined;
    if (!identity) {
      problems.push(`${where} (${key.kind} key ${key.key}), but output ${output} of ${env}/${stack} names no user-assigned identity for ${key.key}`);
      continue;
    }
    const credentials = Object.values<any>(json.resource?.azurerm_federated_identity_credential ?? {}).filter((c) => c.user_assigned_identity_id === `\${azurerm_user_assigned_identity.${address}.id}`);
    const subject = `system:serviceaccount:${use.namespace}:${use.serviceAccount}`;
    const matching = credentials.filter((c) => c.subject === subject);
    if (!matching.length) {
      problems.push(`${where}, but identity ${identity.name} of ${env}/${stack} has no federated credential for ${subject} (it has: ${credentials.map((c) => c.subject).join(', ') || 'none'})`);
      continue;
    }
    for (const c of matching) {
      if (!isClusterIssuer(json, c.issuer)) problems.push(`${where}: credential of ${identity.name} trusts issuer ${c.issuer}, not the OIDC issuer of ${names.aksCluster}`);
      if (JSON.stringify(c.audience) !== JSON.stringify(['api://AzureADTokenExchange'])) problems.push(`${where}: credential of ${identity.name} has audience ${JSON.stringify(c.audience)}`);
    }
    // One identity, one ServiceAccount: a second subject would let another workload use its roles.
    if (credentials.length !== 1) problems.push(`${where}: identity ${identity.name} trusts ${credentials.length} subjects (${credentials.map((c) => c.subject).join(', ')}), expected only ${subject}`);
  }
  return problems;
}

describe('workload identity federation (manifests and Terraform rendered from code)', () => {
  // GIVEN the cluster-addons and tenants manifests and the Terraform of every environment, all rendered from the code now
  const manifests = renderManifests();
  const { uses, problems } = clientIdUses(manifests);
  const keys = identityKeys();
  const terraform = renderInfra({ repoRoot, environments: Object.values(INFRA_ENVIRONMENTS) });
  const stacksOf = (env: string) => new Map([...terraform].filter(([path]) => path.startsWith(`${env}/`)).map(([path, text]) => [path.split('/')[1], JSON.parse(text)]));

  it('finds every client id the manifests hand to Azure, each tied to a ServiceAccount', () => {
    expect(problems).toEqual([]);
    const subjects = new Set(uses.map((u) => `${u.namespace}/${u.serviceAccount}`));
    // The seven platform workloads (two of them installed from charts) and one OpenWebUI per tenant with an identity: the check is not vacuous.
    expect([...subjects].filter((s) => !s.startsWith('tenant-')).sort()).toEqual([
      'azure-alb-system/alb-controller-sa',
      'cert-manager/cert-manager',
      'inference-gateway/inference-gateway',
      'kube-system/keda-operator',
      'model-store/model-seeder',
      'observability/otel-collector',
      'platform-db/db-bootstrap',
    ]);
    expect([...subjects].filter((s) => s.startsWith('tenant-')).length).toBeGreaterThan(0);
    expect(new Set(uses.map((u) => u.via.split(' ')[0]))).toEqual(new Set(['ServiceAccount', 'SecretProviderClass', 'TriggerAuthentication', 'ConfigMap', 'Application']));
  });

  it.each(Object.keys(INFRA_ENVIRONMENTS))(
    'gives each of them, in %s, a user-assigned identity federated with exactly that ServiceAccount through the AKS OIDC issuer, published under its tenant-identities.yaml key',
    (env) => {
      expect(federationProblems(env, stacksOf(env), uses, keys)).toEqual([]);
    },
  );
});
