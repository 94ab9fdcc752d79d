import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { TEST_ENVIRONMENT, TEST_PLATFORM_CLIENT_IDS, testTenant } from '../../testing/fixtures';
import { DATABASE_BOOTSTRAP_FILES, DATABASE_BOOTSTRAP_RECORD_NAME, DATABASE_BOOTSTRAP_SHA256_ANNOTATION, DatabaseBootstrap, type DatabaseBootstrapProps } from './database-bootstrap';

// The script itself runs against a real PostgreSQL in tools/real-stack/src/db-bootstrap-job.test.ts.
const render = (overrides: Partial<DatabaseBootstrapProps> = {}) => {
  const chart = Testing.chart();
  new DatabaseBootstrap(chart, 'B', { environment: TEST_ENVIRONMENT, tenants: [testTenant('acme'), testTenant('initech', 'premium')], workloadIdentityClientId: TEST_PLATFORM_CLIENT_IDS.databaseBootstrap, ...overrides });
  return Testing.synth(chart) as any[];
};
const find = (objs: any[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);
const wave = (o: any) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);

describe('DatabaseBootstrap', () => {
  const objs = render();
  const job = find(objs, 'Job', 'db-bootstrap');
  const cron = find(objs, 'CronJob', 'db-bootstrap');
  const inputs = find(objs, 'ConfigMap', 'db-bootstrap');
  const record = find(objs, 'ConfigMap', DATABASE_BOOTSTRAP_RECORD_NAME);

  it('lists every tenant with its vault and database, leaving out those still provisioning', () => {
    const withNew = render({ tenants: [testTenant('acme'), testTenant('newco', 'standard', { state: 'provisioning', workloadIdentityClientId: undefined }), testTenant('paused', 'standard', { state: 'suspended' })] });
    expect(find(withNew, 'ConfigMap', 'db-bootstrap').data[DATABASE_BOOTSTRAP_FILES.tenants]).toBe(
      `acme\t${TEST_ENVIRONMENT.azure.namePrefix}-acme\ttenant_acme\npaused\t${TEST_ENVIRONMENT.azure.namePrefix}-paused\ttenant_paused\n`,
    );
  });

  it('runs as a Sync hook before the record, which lands only after it succeeded, and the CronJob runs the same pod', () => {
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    expect(wave(inputs)).toBeLessThan(wave(job));
    expect(wave(record)).toBeGreaterThan(wave(job));
    expect(record.data.sha256).toBe(job.metadata.annotations[DATABASE_BOOTSTRAP_SHA256_ANNOTATION]);
    expect(cron.spec.jobTemplate.spec).toEqual(job.spec);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
  });

  it('changes the record when a tenant is added, so the Application goes OutOfSync and the hook runs', () => {
    const more = render({ tenants: [testTenant('acme'), testTenant('initech', 'premium'), testTenant('globex')] });
    expect(find(more, 'ConfigMap', DATABASE_BOOTSTRAP_RECORD_NAME).data.sha256).not.toBe(record.data.sha256);
    expect(find(render(), 'ConfigMap', DATABASE_BOOTSTRAP_RECORD_NAME).data.sha256).toBe(record.data.sha256);
  });

  it('authenticates with workload identity only: no Secret, no password in the pod', () => {
    const sa = find(objs, 'ServiceAccount', 'db-bootstrap');
    expect(sa.metadata.annotations['azure.workload.identity/client-id']).toBe(TEST_PLATFORM_CLIENT_IDS.databaseBootstrap);
    const pod = job.spec.template;
    expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(pod.spec.serviceAccountName).toBe('db-bootstrap');
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ PGHOST: TEST_ENVIRONMENT.azure.postgresHost, PGPORT: '5432', PGUSER: `id-${TEST_ENVIRONMENT.azure.namePrefix}-db-bootstrap`, PGSSLMODE: 'require' });
    expect(JSON.stringify(pod)).not.toMatch(/secretKeyRef|PGPASSWORD|"secret":/);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('may reach only PostgreSQL (5432 in its subnet), the private endpoints and Entra ID (443)', () => {
    const egress = find(objs, 'NetworkPolicy', 'db-bootstrap-egress').spec.egress;
    expect(egress.map((r: any) => [r.to[0].ipBlock.cidr, r.ports[0].port])).toEqual([
      [TEST_ENVIRONMENT.network.postgresSubnetCidr, 5432],
      [TEST_ENVIRONMENT.network.privateEndpointsSubnetCidr, 443],
      ['0.0.0.0/0', 443],
    ]);
    expect(egress[2].to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
  });
});
