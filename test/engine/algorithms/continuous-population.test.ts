// 10-D targets for the population methods (see continuous-suite.ts).
import { continuousSuite } from './continuous-suite.ts';

continuousSuite(['genetic-algorithm', 'differential-evolution', 'particle-swarm', 'island-model', 'streaming']);
