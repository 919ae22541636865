// The ask/tell driver shared by every algorithm. An algorithm is written as a Method: pure functions over
// its own plain-data state that propose a whole generation and learn from its evaluations. The driver
// hands that generation out in batches of any size, counts the budget, keeps the best point and the
// front, and checkpoints everything (method state and RNG words included) as plain data. Because the
// generation does not depend on how it is split into batches, results do not depend on batch sizes or on
// where the batches were evaluated.
import assert from 'node:assert';
import { addToFront, betterOf, frontCapacity, thinFront } from './archive.ts';
import { algorithmError } from './errors.ts';
import type { ParamSpecs, ParamValue, Params } from './params.ts';
import { defaultsOf, resolveParams } from './params.ts';
import { fromPlain, toPlain } from './plain-data.ts';
import { Rng, seedRng } from './rng.ts';
import type { RngState } from './rng.ts';
import { validateSpace } from './search-space.ts';
import type {
  Algorithm, AlgorithmFactory, AlgorithmState, Candidate, Evaluation, Scored, SearchSpace,
} from './types.ts';

export interface MethodContext {
  readonly space: SearchSpace;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly rng: Rng;
  readonly maxEvaluations: number;
  /** evaluations told so far (before this generation's results, in learn). */
  readonly evaluations: number;
}

export interface Method<S> {
  init(ctx: MethodContext, warmStart: readonly Candidate[]): S;
  /** A whole generation: at least one candidate, independent of how ask() will batch it. */
  propose(state: S, ctx: MethodContext): Candidate[];
  learn(state: S, candidates: readonly Candidate[], evaluations: readonly Evaluation[], ctx: MethodContext): void;
  /** Population methods accept migrants (island model, warm starts): evaluated points that replace their worst. */
  immigrate?(state: S, migrants: readonly Scored[], ctx: MethodContext): void;
  /** The method's own best points to send to another island. */
  emigrate?(state: S, count: number, ctx: MethodContext): Scored[];
}

export interface AlgorithmDefinition {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly multiObjective: boolean;
  readonly supportsWeights: boolean;
  readonly spaces: readonly ('subset' | 'box')[];
  readonly params: ParamSpecs;
  readonly acceptsWarmStart?: boolean;
  /** Extra checks of a space beyond its kind (dimension limits and the like); throws a coded error. */
  readonly checkSpace?: (space: SearchSpace, params: Readonly<Record<string, ParamValue>>) => void;
  readonly method: Method<unknown>;
}

interface DriverState {
  format: 'strata.algorithm.v1';
  id: string;
  seed: number;
  space: SearchSpace;
  params: Record<string, ParamValue>;
  maxEvaluations: number;
  rng: RngState;
  evaluations: number;
  generation: Candidate[];
  told: Evaluation[];
  cursor: number;
  awaiting: number;
  best: Scored | null;
  archive: Scored[];
  method: unknown;
}

export function defineAlgorithm(def: AlgorithmDefinition): AlgorithmFactory & { readonly definition: AlgorithmDefinition } {
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    multiObjective: def.multiObjective,
    supportsWeights: def.supportsWeights,
    defaults: defaultsOf(def.params),
    parameters: def.params,
    definition: def,
    create(space, options) {
      return createDriven(def, space, options);
    },
  };
}

function createDriven(
  def: AlgorithmDefinition,
  space: SearchSpace,
  options: { readonly seed: number; readonly budget: { readonly maxEvaluations: number }; readonly params?: Params; readonly state?: AlgorithmState; readonly warmStart?: readonly Candidate[] },
): Algorithm {
  let st: DriverState;
  if (options.state) {
    st = restore(def, options.state);
    if (JSON.stringify(toPlain(space)) !== JSON.stringify(toPlain(st.space))) {
      throw algorithmError('STRATA_ALGORITHM_INVALID_STATE', `${def.id}: the checkpoint was taken on another search space`, { algorithm: def.id });
    }
  } else {
    validateSpace(space);
    if (!def.spaces.includes(space.kind)) {
      throw algorithmError('STRATA_ALGORITHM_UNSUPPORTED_SPACE', `${def.id} does not search ${space.kind} spaces (it searches: ${def.spaces.join(', ')})`, { algorithm: def.id, kind: space.kind });
    }
    if (!Number.isSafeInteger(options.seed)) throw algorithmError('STRATA_ALGORITHM_INVALID_OPTIONS', `seed ${options.seed} is not a safe integer`, { seed: options.seed });
    const max = options.budget.maxEvaluations;
    if (!Number.isSafeInteger(max) || max < 1) throw algorithmError('STRATA_ALGORITHM_INVALID_OPTIONS', `budget.maxEvaluations ${max} is not an integer >= 1`, { maxEvaluations: max });
    const warm = options.warmStart ?? [];
    if (warm.length > 0 && !def.acceptsWarmStart) {
      throw algorithmError('STRATA_ALGORITHM_INVALID_OPTIONS', `${def.id} takes no warm start (${warm.length} candidates given); use the streaming optimiser`, { algorithm: def.id });
    }
    for (const c of warm) checkCandidate(def.id, space, c);
    const params = resolveParams(def.id, def.params, options.params);
    def.checkSpace?.(space, params);
    st = {
      format: 'strata.algorithm.v1', id: def.id, seed: options.seed, space: structuredClone(space) as SearchSpace, params,
      maxEvaluations: max, rng: seedRng(options.seed), evaluations: 0, generation: [], told: [], cursor: 0, awaiting: 0,
      best: null, archive: [], method: null,
    };
    st.method = def.method.init(context(st), warm.map((c) => structuredClone(c) as Candidate));
  }
  const m = def.method;

  return {
    name: def.id,
    ask(n?: number): Candidate[] {
      if (st.awaiting > 0) throw algorithmError('STRATA_ALGORITHM_PROTOCOL', `${def.id}: ask() while ${st.awaiting} candidates await tell()`, { awaiting: st.awaiting });
      if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw algorithmError('STRATA_ALGORITHM_PROTOCOL', `${def.id}: ask(${n}) needs a positive integer`, { n });
      const remaining = st.maxEvaluations - st.evaluations;
      if (remaining <= 0) return [];
      if (st.cursor >= st.generation.length) {
        st.generation = m.propose(st.method, context(st));
        assert(st.generation.length > 0, `${def.id} proposed an empty generation`);
        st.told = [];
        st.cursor = 0;
      }
      const take = Math.min(n ?? Infinity, st.generation.length - st.cursor, remaining);
      const batch = st.generation.slice(st.cursor, st.cursor + take);
      st.cursor += take;
      st.awaiting = take;
      return batch.map(cloneCandidate);
    },
    tell(candidates, evaluations) {
      if (candidates.length !== st.awaiting || evaluations.length !== st.awaiting) {
        throw algorithmError('STRATA_ALGORITHM_PROTOCOL', `${def.id}: tell() with ${candidates.length} candidates and ${evaluations.length} evaluations, but ${st.awaiting} were asked`, { awaiting: st.awaiting, candidates: candidates.length, evaluations: evaluations.length });
      }
      const start = st.cursor - st.awaiting;
      evaluations.forEach((e) => checkEvaluation(def.id, st.space.nObjectives, e));
      for (let i = 0; i < evaluations.length; i++) {
        const e = evaluations[i]!;
        const evaluation: Evaluation = { objectives: [...e.objectives], violation: e.violation };
        st.told.push(evaluation);
        const scored: Scored = { candidate: st.generation[start + i]!, evaluation };
        st.best = betterOf(st.best, scored);
        if (st.space.nObjectives > 1) addToFront(st.archive, scored);
      }
      st.evaluations += evaluations.length;
      st.awaiting = 0;
      if (st.told.length === st.generation.length) {
        m.learn(st.method, st.generation, st.told, context(st, st.evaluations - st.told.length));
        st.generation = [];
        st.told = [];
        st.cursor = 0;
      }
    },
    done: () => st.evaluations >= st.maxEvaluations,
    evaluations: () => st.evaluations,
    best: () => (st.best ? cloneScored(st.best) : null),
    front(): Scored[] {
      if (st.space.nObjectives === 1) return st.best && st.best.evaluation.violation <= 0 ? [cloneScored(st.best)] : [];
      const copy = st.archive.map(cloneScored);
      thinFront(copy, frontCapacity);
      return copy;
    },
    checkpoint: () => toPlain(st) as AlgorithmState,
  };
}

function cloneCandidate(c: Candidate): Candidate {
  if ('x' in c) return { x: [...c.x] };
  return c.weights ? { indices: [...c.indices], weights: [...c.weights] } : { indices: [...c.indices] };
}

function cloneScored(s: Scored): Scored {
  return { candidate: cloneCandidate(s.candidate), evaluation: { objectives: [...s.evaluation.objectives], violation: s.evaluation.violation } };
}

function context(st: DriverState, evaluations = st.evaluations): MethodContext {
  return { space: st.space, params: st.params, rng: new Rng(st.rng), maxEvaluations: st.maxEvaluations, evaluations };
}

function restore(def: AlgorithmDefinition, state: AlgorithmState): DriverState {
  const st = fromPlain(structuredClone(state)) as DriverState;
  if (st.format !== 'strata.algorithm.v1' || st.id !== def.id || !Array.isArray(st.rng) || st.rng.length !== 4 || st.space === undefined) {
    throw algorithmError('STRATA_ALGORITHM_INVALID_STATE', `state of ${String(st.id)} (format ${String(st.format)}) cannot restore ${def.id}`, { algorithm: def.id, stateId: st.id });
  }
  return st;
}

function checkEvaluation(id: string, nObjectives: number, e: Evaluation): void {
  const bad = e.objectives.length !== nObjectives || e.objectives.some((v) => Number.isNaN(v)) || !(e.violation >= 0);
  if (bad) throw algorithmError('STRATA_ALGORITHM_INVALID_EVALUATION', `${id}: evaluation ${JSON.stringify(e)} needs ${nObjectives} non-NaN objectives and a violation >= 0`, { objectives: e.objectives.length, violation: e.violation });
}

export function checkCandidate(id: string, space: SearchSpace, c: Candidate): void {
  const fail = (): never => {
    throw algorithmError('STRATA_ALGORITHM_INVALID_OPTIONS', `${id}: candidate ${JSON.stringify(c)} is not in the search space`, { algorithm: id });
  };
  if (space.kind === 'box') {
    if (!('x' in c) || c.x.length !== space.lower.length || c.x.some((v, i) => !(v >= space.lower[i]! && v <= space.upper[i]!))) fail();
    return;
  }
  if (!('indices' in c)) return fail();
  const { indices, weights } = c;
  if (indices.length < space.kMin || indices.length > space.kMax) fail();
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= space.nStrategies || (i > 0 && v <= indices[i - 1]!)) fail();
  }
  if (space.weighted !== (weights !== undefined)) fail();
  if (weights && (weights.length !== indices.length || weights.some((w) => !(w >= space.weightMin && w <= space.weightMax)))) fail();
}
