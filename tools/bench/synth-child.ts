/** Child process of the benchmark: renders and writes tenants for one repo root, prints figures as JSON. */
import { join } from 'node:path';
import { writeManifests } from '@panal/k8s-constructs';
import { renderTenants } from '../../apps/tenants/src/render-tenants';

const root = process.argv[2];
const started = process.hrtime.bigint();
const { tenants, files } = renderTenants({ repoRoot: root, envDir: join(root, 'environments/example') });
const rendered = process.hrtime.bigint();
writeManifests(join(root, 'dist/manifests/tenants'), files);
const written = process.hrtime.bigint();
let bytes = 0;
for (const content of files.values()) bytes += Buffer.byteLength(content);
console.log(
  JSON.stringify({
    tenants: tenants.length,
    files: files.size,
    bytes,
    renderMs: Number(rendered - started) / 1e6,
    writeMs: Number(written - rendered) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
