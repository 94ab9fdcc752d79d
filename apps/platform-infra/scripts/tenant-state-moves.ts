/**
 * Prints the migration script from the unsharded tenants state to the tenant shards of one
 * environment (docs/runbooks/migrar-estado-de-inquilinos-a-shards.md). Reads `terraform state list`
 * of the old tenants stack on stdin:
 *
 *   terraform -chdir=dist/terraform/prod/tenants state list \
 *     | tsx apps/platform-infra/scripts/tenant-state-moves.ts prod > move-prod.sh
 */
import { readFileSync } from 'node:fs';
import { INFRA_ENVIRONMENTS } from '../src/environments';
import { planTenantStateMoves, tenantStateMoveScript } from '../src/synth/tenant-state-moves';

const name = process.argv[2] ?? '';
const env = Object.values(INFRA_ENVIRONMENTS).find((e) => e.name === name);
if (!env) {
  console.error(`usage: tenant-state-moves.ts <${Object.values(INFRA_ENVIRONMENTS).map((e) => e.name).join('|')}> < addresses (terraform state list of dist/terraform/<env>/tenants)`);
  process.exit(2);
}
const addresses = readFileSync(0, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
process.stdout.write(tenantStateMoveScript(env.name, planTenantStateMoves(addresses, env.state.tenantShards)));
