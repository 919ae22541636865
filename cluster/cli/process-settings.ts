// How a daemon's Node process is started: a smaller V8 young generation and fewer glibc malloc arenas. Both
// must be in place before the process starts (V8 sizes its heap and glibc its arenas at start-up), so they live
// in the `npm start` / `npm run strata` scripts and the `strata` shebang; a test keeps those in step with this.
//
// Measured on the 2-vCPU VM (2026-12-03), peak RSS of a 1 M-row CSV ingest into a DuckDB store file: 494 MiB
// with Node's defaults; 439 with --max-semi-space-size=2 (V8 otherwise grows 16 MiB semi-spaces and an old
// space of 160 MiB around 20–80 MiB of live data); 392–393 with MALLOC_ARENA_MAX=2 as well (DuckDB's threads
// otherwise each keep freed memory in their own arena). Ingest speed was unchanged within noise.
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
export const DAEMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The settings as a shell command prefix: `MALLOC_ARENA_MAX=2 node --max-semi-space-size=2`. */
export function daemonCommandPrefix(): string {
  return [...Object.entries(DAEMON_ENV).map(([k, v]) => `${k}=${v}`), 'node', ...DAEMON_NODE_FLAGS].join(' ');
}

/**
 * The npm scripts (`npm start`, `npm run strata`) also start Node with its compile cache on, in the project's
 * folder (npm runs a script in the package's root, so the relative path is the project's). The CLI turns the
 * cache on itself (runtime/compile-cache.ts), but only once its entry module runs, and that module had to be
 * stripped of its types first: the main thread then kept the TypeScript stripper for its life. Started with the
 * cache on, a warm start never loads it. Measured on the 2-vCPU VM (2026-12-05, `strata up --no-demo`, the
 * cache warm): idle RSS 205 MiB against 219. The `strata` shebang cannot name the project's folder (it runs
 * from anywhere), so a daemon started through it keeps the stripper.
 */
export const SCRIPT_ENV: Readonly<Record<string, string>> = { NODE_COMPILE_CACHE: 'node_modules/.cache/strata-compile' };

/** The npm scripts' prefix: SCRIPT_ENV, then the daemon's own settings. */
export function npmScriptPrefix(): string {
  return [...Object.entries(SCRIPT_ENV).map(([k, v]) => `${k}=${v}`), daemonCommandPrefix()].join(' ');
}
