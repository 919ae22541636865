// The algorithm-runner's behaviour catalogue for worker threads: a system created with
// `threads: { count, behaviours: RUNNER_BEHAVIOURS }` (or a catalogue that spreads `runnerBehaviours`) can
// place runners on its threads (job service option `runnerPlacement: 'threads'`).
import { defineBehaviours } from '../../runtime/index.ts';
import { THREAD_RUNNER, threadRunnerBehaviour, type ThreadRunnerProps } from './thread-runner.ts';

export const runnerBehaviours = { [THREAD_RUNNER]: (props: ThreadRunnerProps) => threadRunnerBehaviour(props) } as const;

export const behaviours = defineBehaviours(runnerBehaviours);

export const RUNNER_BEHAVIOURS = new URL('./behaviours.ts', import.meta.url);
