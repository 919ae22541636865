// What the runner knows about a run beyond its result lines: the profile, and how each area ended (ran,
// failed, not available yet), so a report shows the gaps as plainly as the figures.
export type AreaStatus = 'ok' | 'failed' | 'timed out' | 'not available';

export interface AreaOutcome {
  readonly area: string;
  readonly status: AreaStatus;
  readonly seconds: number;
  readonly baseline: string;
  readonly lines: number;
  readonly message?: string;
}

export interface RunInfo {
  readonly profile: 'quick' | 'full';
  readonly areas: readonly AreaOutcome[];
  /** uncommitted changes in the checkout when the run started */
  readonly dirty: boolean;
  readonly command: string;
  /** the `--only` prefixes: the run was partial, so a figure missing from it was not asked for */
  readonly only?: readonly string[];
}
