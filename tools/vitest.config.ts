import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../vitest.shared.ts';

// tools/sim-aks is a project of its own (nx project `sim-aks`) with its own test run.
export default mergeConfig(projectVitestConfig('tools'), { test: { exclude: ['sim-aks/**'] } });
