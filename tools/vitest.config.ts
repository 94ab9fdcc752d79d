import { projectVitestConfig } from '../vitest.shared';

export default projectVitestConfig('tools');
