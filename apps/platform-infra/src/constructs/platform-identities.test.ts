import '../testing/cdktf-matchers';
import { FederatedIdentityCredential } from '../imports/azurerm/federated-identity-credential/index.js';
import { AzurermProvider } from '../imports/azurerm/provider/index.js';
import { RoleAssignment } from '../imports/azurerm/role-assignment/index.js';
import { UserAssignedIdentity } from '../imports/azurerm/user-assigned-identity/index.js';
import { tenantIdentitiesSchema } from '@panal/tenant-config';
import { TerraformStack } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { PROD } from '../environments/prod';
import { platformNames } from '../naming';
import { resourcesOf, synthStack } from '../testing/synth-stack';
import { PLATFORM_IDENTITY_KEYS, PLATFORM_SERVICE_ACCOUNTS, PlatformIdentities, type PlatformIdentitiesProps } from './platform-identities';

const names = platformNames(PROD);
const props: PlatformIdentitiesProps = {
  resourceGroupName: 'rg-pnlprd-aks',
  location: 'swedencentral',
  oidcIssuerUrl: 'https://issuer.example/aks',
  names,
  monitorWorkspaceId: '/amw',
  telemetryPublishScopeId: '/rg-observability',
};

/** Synthesizes a bare stack holding only the identities. */
function synthIdentities(p: PlatformIdentitiesProps = props) {
  return synthStack((app) => {
    const stack = new TerraformStack(app, 'identities');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    new PlatformIdentities(stack, 'platform-identities', p);
    return stack;
  });
}

describe('PlatformIdentities', () => {
  // GIVEN the prod names and a cluster issuer WHEN the identities are synthesized
  const { synth, json } = synthIdentities();
  const identities = resourcesOf(json, UserAssignedIdentity.tfResourceType);
  const credentials = resourcesOf(json, FederatedIdentityCredential.tfResourceType);
  const roles = resourcesOf(json, RoleAssignment.tfResourceType);

  it('matches the snapshot', () => expect(synth).toMatchSnapshot());

  it('has one identity per platformClientIds key of tenant-identities.yaml, named by naming.ts', () => {
    const schemaKeys = Object.keys(tenantIdentitiesSchema.shape.platformClientIds.unwrap().shape).sort();
    expect(PLATFORM_IDENTITY_KEYS).toEqual(schemaKeys);
    expect(identities.map((i) => i.name).sort()).toEqual(PLATFORM_IDENTITY_KEYS.map((k) => names.platformIdentities[k]).sort());
    for (const i of identities) expect(i).toMatchObject({ resource_group_name: 'rg-pnlprd-aks', location: 'swedencentral' });
  });

  it('federates each identity with exactly its ServiceAccount, through the cluster issuer', () => {
    expect(credentials).toHaveLength(PLATFORM_IDENTITY_KEYS.length);
    for (const key of PLATFORM_IDENTITY_KEYS) {
      const sa = PLATFORM_SERVICE_ACCOUNTS[key];
      const [address] = Object.entries(json.resource.azurerm_user_assigned_identity).find(([, i]: [string, any]) => i.name === names.platformIdentities[key])!;
      expect(credentials.filter((c) => c.user_assigned_identity_id === `\${azurerm_user_assigned_identity.${address}.id}`), key).toEqual([
        expect.objectContaining({ subject: `system:serviceaccount:${sa.namespace}:${sa.name}`, issuer: props.oidcIssuerUrl, audience: ['api://AzureADTokenExchange'] }),
      ]);
    }
  });

  it('trusts the AKS KEDA add-on operator for the KEDA identity, not the scaled workload', () => {
    expect(synth).toHaveResourceWithProperties(FederatedIdentityCredential, { subject: 'system:serviceaccount:kube-system:keda-operator' });
  });

  it('grants KEDA Monitoring Data Reader on the Azure Monitor workspace and the collector Monitoring Metrics Publisher, nothing else', () => {
    const principal = (key: string) => `\${azurerm_user_assigned_identity.platform-identities_${key}_identity_`;
    expect(roles.map((r) => [r.role_definition_name, r.scope, r.principal_type]).sort()).toEqual([
      ['Monitoring Data Reader', '/amw', 'ServicePrincipal'],
      ['Monitoring Metrics Publisher', '/rg-observability', 'ServicePrincipal'],
    ]);
    expect(roles.find((r) => r.role_definition_name === 'Monitoring Data Reader').principal_id).toContain(principal('keda-operator'));
    expect(roles.find((r) => r.role_definition_name === 'Monitoring Metrics Publisher').principal_id).toContain(principal('otel-collector'));
  });

  it('fails when an identity has no ServiceAccount', () => {
    const withoutCollector = Object.fromEntries(Object.entries(PLATFORM_SERVICE_ACCOUNTS).filter(([key]) => key !== 'otelCollector'));
    expect(() => synthIdentities({ ...props, serviceAccounts: withoutCollector as typeof PLATFORM_SERVICE_ACCOUNTS })).toThrow(
      'serviceAccounts.otelCollector must name the ServiceAccount of the otelCollector identity, but it is missing',
    );
  });
});
