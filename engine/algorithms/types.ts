// The contract between the optimisation algorithms and whatever evaluates their candidates (the typed-array
// kernel in a thread, the piscina pool, SQL pushed down to store nodes, another machine). Algorithms only
// ask and tell: they never evaluate, so a batch can be evaluated anywhere and the state checkpointed.
// Everything here is plain msgpack-safe data (no Map, Set, Date, class instances, undefined).
import type { ParamSpecs } from './params.ts';

/** What an algorithm searches over: a portfolio subset space, or a continuous box (the standard test
 *  problems: sphere, Rastrigin, ZDT, DTLZ, … and any continuous relaxation an algorithm prefers). */
export type SearchSpace = SubsetSpace | BoxSpace;

/** Subsets of strategy indices 0..nStrategies-1, optionally weighted. */
export interface SubsetSpace {
  readonly kind: 'subset';
  readonly nStrategies: number;
  /** portfolio size bounds, 1 <= kMin <= kMax <= nStrategies; kMin === kMax for a fixed k. */
  readonly kMin: number;
  readonly kMax: number;
  /** false: equal weights, candidates carry no weights. true: each chosen index has a weight in bounds. */
  readonly weighted: boolean;
  readonly weightMin: number;
  readonly weightMax: number;
  /** 1 for single-objective; >= 2 for multi-objective (Pareto). */
  readonly nObjectives: number;
}

/** A continuous box: x[i] in [lower[i], upper[i]]. */
export interface BoxSpace {
  readonly kind: 'box';
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly nObjectives: number;
}

/** One candidate. In a subset space: indices sorted ascending, unique, kMin <= length <= kMax, and weights
 *  (same length, within bounds) only when the space is weighted. In a box space: x, within the box. */
export type Candidate = SubsetCandidate | VectorCandidate;

export interface SubsetCandidate {
  readonly indices: readonly number[];
  readonly weights?: readonly number[];
}

export interface VectorCandidate {
  readonly x: readonly number[];
}

/** The evaluation of one candidate. Every objective is MINIMISED (the problem layer negates the ones a
 *  user maximises); violation is the summed constraint violation, 0 = feasible (pymoo's convention). */
export interface Evaluation {
  readonly objectives: readonly number[];
  readonly violation: number;
}

export interface Scored {
  readonly candidate: Candidate;
  readonly evaluation: Evaluation;
}

/** Checkpointable state: plain data that `create(…, state)` turns back into the same algorithm, including
 *  its RNG state, so a resumed run gives exactly the answer an uninterrupted one would. */
export type AlgorithmState = Readonly<Record<string, unknown>>;

export interface Budget {
  /** stop after this many evaluations (counted by tell). */
  readonly maxEvaluations: number;
}

export interface Algorithm {
  readonly name: string;
  /** The next batch to evaluate; an empty array only when done(). Batches are sized for the pool
   *  (tens to thousands), never one candidate at a time unless the method is inherently sequential. */
  ask(n?: number): Candidate[];
  /** Results for exactly the batch the last ask() returned, in the same order. */
  tell(candidates: readonly Candidate[], evaluations: readonly Evaluation[]): void;
  done(): boolean;
  evaluations(): number;
  /** Best feasible-first result so far (single objective: lowest objectives[0]). */
  best(): Scored | null;
  /** Non-dominated feasible set found so far (single objective: [best]). */
  front(): Scored[];
  checkpoint(): AlgorithmState;
}

export interface AlgorithmInfo {
  /** stable id used in job specs and the CLI, kebab-case: 'random-search', 'nsga2', … */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** true when it natively produces a Pareto front. */
  readonly multiObjective: boolean;
  readonly supportsWeights: boolean;
  /** default hyperparameters, msgpack-safe; create() validates what it is given and rejects unknown keys. */
  readonly defaults: Readonly<Record<string, number | string | boolean>>;
  /** every hyperparameter's default, range (or choices) and one-line meaning, as plain data. */
  readonly parameters: ParamSpecs;
}

export interface AlgorithmFactory extends AlgorithmInfo {
  create(
    space: SearchSpace,
    options: {
      readonly seed: number;
      readonly budget: Budget;
      readonly params?: Readonly<Record<string, number | string | boolean>>;
      readonly state?: AlgorithmState;
      /** Candidates from a previous result to start from (the streaming optimiser); others reject them. */
      readonly warmStart?: readonly Candidate[];
    },
  ): Algorithm;
}
