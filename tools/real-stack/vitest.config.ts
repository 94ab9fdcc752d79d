import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../../vitest.shared.ts';

// Every file starts real servers (PostgreSQL, Redis, OpenWebUI, model servers) on two shared cores:
// files run one after another, and a test may wait minutes for a cold start.
export default mergeConfig(projectVitestConfig('real-stack'), { test: { fileParallelism: false, testTimeout: 15 * 60_000, hookTimeout: 45 * 60_000 } });
