// 10-D targets for the trajectory and model-of-the-search methods (see continuous-suite.ts).
import { continuousSuite } from './continuous-suite.ts';

continuousSuite(['hill-climbing', 'simulated-annealing', 'ant-colony', 'cma-es', 'surrogate-assisted']);
