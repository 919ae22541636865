// The algorithm-runner on a worker thread of the system (a catalogue behaviour, behaviours.ts): the same
// runner as on main, attached after placement to the main thread's matrix server, whose answer is the matrix
// as SharedArrayBuffer handles. Each generation is evaluated on this thread (one evaluator per job), so the
// run loop and the final result building never run on the main thread.
import { EngineError } from '../../engine/errors.ts';
import { createPortfolioEvaluator, packCandidates, readEvaluations, type PortfolioEvaluator } from '../../engine/portfolio/index.ts';
import type { Behaviour } from '../../runtime/index.ts';
import { DEFAULT_RUNNER_SETTINGS, runnerBehaviour, type AttachEngine, type RunnerSettings } from './actor.ts';
import { fromSharedMatrix, type MatrixReply, type MatrixRequest } from './matrix-server.ts';
import type { RunnerMessage } from './messages.ts';

export interface ThreadRunnerProps {
  readonly settings?: Partial<RunnerSettings>;
}

/** The name of the runner in a behaviour catalogue (spread `runnerBehaviours` into a system's catalogue). */
export const THREAD_RUNNER = 'strata.algorithm-runner';

const aborted = (): EngineError => new EngineError('STRATA_RUNNER_CRASHED', true, 'the batch was abandoned (the run stops)', {});

const attach: AttachEngine = (ctx, matrices, settings) => {
  let evaluator: { key: string; evaluator: PortfolioEvaluator } | null = null;
  return {
    async load(query, jobId) {
      const reply = await ctx.ask<MatrixRequest, MatrixReply>(matrices, (replyTo) => ({ type: 'matrix.load', jobId, query, replyTo }), { timeoutMs: settings.matrixTimeoutMs });
      if (reply.type === 'matrix.load.rejected') throw new EngineError(reply.error.code, reply.error.retryable, reply.error.message, reply.error.data);
      return fromSharedMatrix(reply.matrix);
    },
    async evaluate(key, problem, batch, signal) {
      // one macrotask per generation: the mailbox (stop commands) is read between generations
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal.aborted) throw aborted();
      if (evaluator?.key !== key) evaluator = { key, evaluator: createPortfolioEvaluator(problem) };
      const e = evaluator.evaluator;
      const packed = packCandidates(batch, problem.matrix.nStrategies, problem.space.weighted);
      const out = new Float64Array(batch.length * (e.nObjectives + 1));
      e.evaluatePacked(packed, out);
      return readEvaluations(out, batch.length, e.nObjectives);
    },
  };
};

export function threadRunnerBehaviour(props: ThreadRunnerProps): Behaviour<RunnerMessage> {
  return runnerBehaviour({ ...DEFAULT_RUNNER_SETTINGS, ...props.settings }, null, null, attach);
}
