// The best-so-far figure of the job progress bars: the engine minimises, so an objective the user maximises
// arrives negated; the bar shows it by name with the user's sign.
import { describe, expect, it } from 'vitest';
import { objectiveText } from '../../cluster/cli/commands/optimize.ts';

describe('job progress: the best objective so far', () => {
  it('shows a maximised metric with its own sign and a minimised one as it is', () => {
    expect(objectiveText(-289_246.83, 'netProfit')).toBe('netProfit 289,246.83');
    expect(objectiveText(-1.5, 'sharpe')).toBe('sharpe 1.5');
    expect(objectiveText(14_797.91, 'maxDrawdown')).toBe('maxDrawdown 14,797.91');
  });

  it('shows the engine value when the metric is unknown, and a dash before the first candidate', () => {
    expect(objectiveText(-1.25, undefined)).toBe('-1.25');
    expect(objectiveText(-1.25, 'notAMetric')).toBe('-1.25');
    expect(objectiveText(null, 'netProfit')).toBe('-');
  });
});
