import { projectVitestConfig } from '../../vitest.shared';

export default projectVitestConfig('k8s-constructs');
