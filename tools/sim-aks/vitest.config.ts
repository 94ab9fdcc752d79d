import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../../vitest.shared.ts';

// Each scenario file brings up its own simulated cluster; two at once would share two cores and
// distort every measured timeline, so files run one after another.
export default mergeConfig(projectVitestConfig('sim-aks'), { test: { fileParallelism: false, testTimeout: 10 * 60_000 } });
