#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2
// The `strata` executable. It turns on Node's compile cache before it loads the command line, so this process
// and the threads and child processes it starts read stripped and compiled modules from the cache instead of
// each loading the TypeScript stripper (runtime/compile-cache.ts). The command line itself is program.ts.
import { enableCompileCache, flushCompiled } from '../../runtime/compile-cache.ts';

enableCompileCache();
const { runCli } = await import('./program.ts');
// the modules this process loaded are what its threads load too: written now, they find them on a first start
flushCompiled();
await runCli(process.argv);
