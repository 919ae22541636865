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
