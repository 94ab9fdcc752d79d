import { runSynthCli } from '@panal/k8s-constructs';
import { renderTenants, TENANTS_OUT_DIR } from './render-tenants';

runSynthCli({
  name: 'tenants',
  outDir: TENANTS_OUT_DIR,
  render: (options) => renderTenants(options).files,
});
