import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../../vitest.shared.ts';

// Each scenario file brings up its own simulated cluster; two at once would share two cores and
// distort every measured timeline, so files run one after another. The global setup decides once
// whether the autoscaler scenarios can run.
export default mergeConfig(projectVitestConfig('sim-aks'), {
  test: { fileParallelism: false, testTimeout: 10 * 60_000, globalSetup: ['src/scenarios/global-setup.ts'] },
});
