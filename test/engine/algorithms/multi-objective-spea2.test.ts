// spea2 on the multi-objective suite of issue 7 (population 100, 25,000 evaluations, median of 5 seeds):
// ZDT1/2/3 hypervolume (reference 1.1, 1.1) >= 0.99 of the true front's and IGD <= 1e-2, ZDT4 and ZDT6
// >= 0.97, DTLZ2 with 3 objectives >= 0.85 * 0.807401.
import { multiObjectiveSuite } from './multi-objective-suite.ts';

multiObjectiveSuite('spea2');
