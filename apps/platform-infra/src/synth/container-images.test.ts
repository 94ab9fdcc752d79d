import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { containerRegistryName, loadEnvironment } from '@panal/tenant-config';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderClusterAddons } from '../../../cluster-addons/src/render-cluster-addons.ts';
import { renderTenants } from '../../../tenants/src/render-tenants.ts';
import { INFRA_ENVIRONMENTS } from '../environments';
import { AksStack } from '../stacks/aks-stack';
import { resourcesOf, synthStack } from '../testing/synth-stack';

const repoRoot = resolve(import.meta.dirname, '../../../..');
const envDir = join(repoRoot, 'environments/example');

/** Every container image of every pod template the platform renders, with the file it is in. */
function renderedImages(): { file: string; image: string }[] {
  const files = new Map<string, string>();
  for (const [path, content] of renderClusterAddons({ repoRoot, envDir })) files.set(`cluster-addons/${path}`, content);
  for (const [path, content] of renderTenants({ repoRoot, envDir }).files) files.set(`tenants/${path}`, content);
  const images: { file: string; image: string }[] = [];
  const visit = (file: string, node: unknown): void => {
    if (Array.isArray(node)) node.forEach((n) => visit(file, n));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) for (const c of v) images.push({ file, image: c.image });
        else visit(file, v);
      }
    }
  };
  for (const [file, content] of files) for (const doc of parseAllDocuments(content)) visit(file, doc.toJSON());
  return images;
}

describe('container images come only from the platform registry', () => {
  const { environment } = loadEnvironment(envDir, repoRoot);
  const registry = `${containerRegistryName(environment.azure.namePrefix)}.azurecr.io/`;

  it('names that registry in every container and init container the manifests run', () => {
    const images = renderedImages();
    expect(images.length).toBeGreaterThan(10);
    expect(images.filter((i) => !i.image.startsWith(registry)).map((i) => `${i.file}: ${i.image}`)).toEqual([]);
  });

  it('builds the platform images from bases in that registry', () => {
    for (const dockerfile of ['apps/inference-gateway/Dockerfile', 'apps/cluster-addons/images/db-bootstrap/Dockerfile']) {
      const bases = [...readFileSync(join(repoRoot, dockerfile), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
      expect(bases.length, dockerfile).toBeGreaterThan(0);
      for (const base of bases) expect(base, dockerfile).toMatch(new RegExp(`^${registry.replaceAll('.', '\\.')}`));
    }
  });

  it.each(Object.entries(INFRA_ENVIRONMENTS))('is created by the aks stack of %s under the name the manifests derive, private, and pullable by the kubelet only', (_, env) => {
    const { json } = synthStack((app) => new AksStack(app, 'aks', env));
    const [acr] = resourcesOf(json, 'azurerm_container_registry');
    expect(acr).toMatchObject({
      name: containerRegistryName(env.namePrefix),
      sku: 'Premium',
      admin_enabled: false,
      anonymous_pull_enabled: false,
      public_network_access_enabled: false,
      zone_redundancy_enabled: true,
    });
    const pe = resourcesOf(json, 'azurerm_private_endpoint').find((p) => p.name === `pe-${acr.name}-registry`);
    expect(pe.private_service_connection.subresource_names).toEqual(['registry']);
    expect(pe.private_dns_zone_group.private_dns_zone_ids).toEqual([expect.stringMatching(/lookups_dns-containerRegistry/)]);
    const pulls = resourcesOf(json, 'azurerm_role_assignment').filter((r) => r.role_definition_name === 'AcrPull');
    expect(pulls).toEqual([expect.objectContaining({ principal_id: expect.stringMatching(/\.kubelet_identity\[0\]\.object_id\}$/), scope: expect.stringMatching(/azurerm_container_registry\./) })]);
  });
});
