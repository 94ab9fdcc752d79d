import { AzurermProvider } from '../imports/azurerm/provider/index.js';
import { ResourceGroup } from '../imports/azurerm/resource-group/index.js';
import { AzurermBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { InfraEnvironment } from '../environments/infra-environment';
import { platformNames, type PlatformNames, type StackName } from '../naming';

/**
 * Azure resource providers behind every resource type the stacks create.
 * @see https://learn.microsoft.com/azure/azure-resource-manager/management/azure-services-resource-providers
 */
export const AZURE_RESOURCE_PROVIDERS = [
  'Microsoft.AlertsManagement',
  'Microsoft.ContainerService',
  'Microsoft.Dashboard',
  'Microsoft.DBforPostgreSQL',
  'Microsoft.Insights',
  'Microsoft.KeyVault',
  'Microsoft.ManagedIdentity',
  'Microsoft.Monitor',
  'Microsoft.Network',
  'Microsoft.OperationalInsights',
  'Microsoft.ServiceNetworking',
  'Microsoft.Storage',
] as const;

/** Props of {@link PanalStackBase}. */
export interface PanalStackBaseProps {
  /** The environment this stack belongs to. */
  readonly env: InfraEnvironment;
  /** Name of the state: the state file is `<env>/<stateName>.tfstate`. */
  readonly stateName: string;
}

/**
 * Backend and provider of every stack: an azurerm backend (state `<env>/<stateName>.tfstate`,
 * Entra ID auth, so the synthesized JSON holds no absolute local path and no key) and the azurerm
 * provider. {@link PanalStack} adds the stack's own resource group; a tenant shard stack
 * (`TenantShardStack`) has none and writes into the tenants stack's.
 * @see https://developer.hashicorp.com/terraform/language/backend/azurerm
 */
export abstract class PanalStackBase extends TerraformStack {
  /** The environment. */
  public readonly env: InfraEnvironment;
  /** Names of the environment's shared resources. */
  public readonly names: PlatformNames;

  constructor(scope: Construct, id: string, props: PanalStackBaseProps) {
    super(scope, id);
    this.env = props.env;
    this.names = platformNames(props.env);
    new AzurermBackend(this, {
      resourceGroupName: props.env.state.resourceGroupName,
      storageAccountName: props.env.state.storageAccountName,
      containerName: props.env.state.containerName,
      key: `${props.env.name}/${props.stateName}.tfstate`,
      useAzureadAuth: true,
    });
    // subscription_id comes from ARM_SUBSCRIPTION_ID at plan time: it is not part of the design.
    // azurerm 5 registers no resource provider by default (4.x registered a legacy set of ~60): the
    // platform names the ones it uses, so a fresh subscription works and nothing else is registered.
    new AzurermProvider(this, 'azurerm', {
      features: [{ keyVault: [{ purgeSoftDeleteOnDestroy: false, recoverSoftDeletedKeyVaults: true }] }],
      storageUseAzuread: true,
      resourceProvidersToRegister: [...AZURE_RESOURCE_PROVIDERS],
    });
  }
}

/** Props of {@link PanalStack}. */
export interface PanalStackProps {
  /** The environment this stack belongs to. */
  readonly env: InfraEnvironment;
  /** Which stack this is: names its state file and its resource group. */
  readonly stack: StackName;
}

/**
 * Base of every platform stack: {@link PanalStackBase} with the state `<env>/<stack>.tfstate` and
 * the stack's own resource group.
 * @see https://developer.hashicorp.com/terraform/language/backend/azurerm
 */
export abstract class PanalStack extends PanalStackBase {
  /** The stack's resource group. */
  public readonly resourceGroup: ResourceGroup;

  constructor(scope: Construct, id: string, props: PanalStackProps) {
    super(scope, id, { env: props.env, stateName: props.stack });
    this.resourceGroup = new ResourceGroup(this, 'resource-group', {
      name: this.names.resourceGroup(props.stack),
      location: props.env.region,
      tags: { ...props.env.tags, 'panal.io/stack': props.stack },
    });
  }
}
