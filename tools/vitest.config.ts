import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../vitest.shared.ts';

// tools/sim-aks and tools/real-stack are projects of their own (nx projects `sim-aks`, `real-stack`)
// with their own test runs: without this they would run twice.
export default mergeConfig(projectVitestConfig('tools'), { test: { exclude: ['sim-aks/**', 'real-stack/**'] } });
