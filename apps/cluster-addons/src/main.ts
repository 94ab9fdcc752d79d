import { runSynthCli } from '@panal/k8s-constructs';
import { CLUSTER_ADDONS_OUT_DIR, renderClusterAddons } from './render-cluster-addons';

runSynthCli({
  name: 'cluster-addons',
  outDir: CLUSTER_ADDONS_OUT_DIR,
  render: (options) => renderClusterAddons(options),
});
