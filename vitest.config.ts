// Vitest configuration: real threads, sockets and files in tests, so generous timeouts and a fork pool.
// Under CI a JSON report is written as well, so .ci/run can print the counts of the real run.
import { defineConfig } from 'vitest/config';

const jsonReport = process.env['STRATA_TEST_REPORT'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { STRATA_CODEC_CHECK: '1', STRATA_LOG_LEVEL: 'silent' },
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
