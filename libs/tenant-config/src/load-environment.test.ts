import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { loadEnvironment } from './load-environment';

const repoRoot = resolve(__dirname, '../../..');
const exampleEnv = join(repoRoot, 'environments/example');

function tempEnv(environmentYaml: string, identitiesYaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'panal-env-'));
  writeFileSync(join(dir, 'environment.yaml'), environmentYaml);
  if (identitiesYaml !== undefined) writeFileSync(join(dir, 'tenant-identities.yaml'), identitiesYaml);
  return dir;
}

describe('loadEnvironment', () => {
  it('loads the bundled example environment', () => {
    const { environment, identities } = loadEnvironment(exampleEnv, repoRoot);
    expect(environment.name).toBe('example');
    expect(environment.azure.postgresPort).toBe(6432);
    // Onboarding commits a tenant's client id here: every identity names a committed tenant folder.
    const tenantFolders = readdirSync(join(repoRoot, 'apps/tenants/tenants'));
    expect(Object.keys(identities.clientIds).length).toBeGreaterThan(0);
    expect(Object.keys(identities.clientIds).filter((id) => !tenantFolders.includes(id))).toEqual([]);
    expect(Object.keys(identities.platformClientIds).sort()).toEqual(['albController', 'certManager', 'databaseBootstrap', 'inferenceGateway', 'kedaOperator', 'modelSeeder', 'otelCollector']);
    expect(environment.modelServing.modelStore.shareName).toBe('models');
  });

  it('fails when the Prometheus query endpoint is not a bare https URL', () => {
    const text = readFileSync(join(exampleEnv, 'environment.yaml'), 'utf8').replace(/prometheusQueryEndpoint: \S+/, 'prometheusQueryEndpoint: http://amw.example/api');
    const dir = tempEnv(text);
    expect(() => loadEnvironment(dir, dir)).toThrowError(/field "modelServing\.prometheusQueryEndpoint": must be the https query endpoint of the Azure Monitor workspace/);
  });

  it('fails when a platform client id is not a GUID', () => {
    const dir = tempEnv(readFileSync(join(exampleEnv, 'environment.yaml'), 'utf8'), 'platformClientIds:\n  inferenceGateway: nope\n');
    expect(() => loadEnvironment(dir, dir)).toThrowError(/field "platformClientIds\.inferenceGateway": must be a lower-case GUID/);
  });

  it('fails when the premium warm hours name an unknown time zone or a broken schedule', () => {
    const example = readFileSync(join(exampleEnv, 'environment.yaml'), 'utf8');
    expect(example).toMatch(/timezone: Europe\/Madrid/);
    const zone = tempEnv(example.replace('timezone: Europe/Madrid', 'timezone: Europe/Atlantis'));
    expect(() => loadEnvironment(zone, zone)).toThrowError(/field "modelServing\.premiumWarmHours\.timezone": must be an IANA time zone/);
    const schedule = tempEnv(example.replace('start: 0 8 * * 1-5', 'start: at eight'));
    expect(() => loadEnvironment(schedule, schedule)).toThrowError(/field "modelServing\.premiumWarmHours\.start": must be a five-field cron schedule/);
  });

  it('fails when an image is not pinned', () => {
    const text = readFileSync(join(exampleEnv, 'environment.yaml'), 'utf8').replace(/open-webui:v[0-9.]+/, 'open-webui:latest');
    const dir = tempEnv(text);
    expect(() => loadEnvironment(dir, dir)).toThrowError(/environment\.yaml: field "images\.openWebUI": must be a registry\/repository:tag \(not latest\)/);
  });

  it('fails when an identity client id is not a GUID', () => {
    const dir = tempEnv(readFileSync(join(exampleEnv, 'environment.yaml'), 'utf8'), 'clientIds:\n  acme: not-a-guid\n');
    try {
      loadEnvironment(dir, dir);
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([{ file: 'tenant-identities.yaml', field: 'clientIds.acme', value: 'not-a-guid', rule: 'must be a lower-case GUID' }]);
    }
  });

  it('fails when environment.yaml is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'panal-env-'));
    expect(() => loadEnvironment(dir, dir)).toThrowError(/environment\.yaml: must exist/);
  });
});
