// The ingest CLI modules on a fresh commander program: generate writes the eight formats, inspect summarises
// without writing, ingest stores (0), reports duplicates (0), rejects with a quarantine report (1), and bad
// usage exits 2.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { register as registerGenerate } from '../../../../cluster/cli/commands/generate.ts';
import { register as registerIngest, storeLayout } from '../../../../cluster/cli/commands/ingest.ts';
import { register as registerInspect } from '../../../../cluster/cli/commands/inspect.ts';
import { writeLargeBackinzoCsv } from '../../../../engine/formats/index.ts';
import { runCli } from '../../../support/cli.ts';
import { removeDir, tempDir } from '../../../actors/ingest/ingest-harness.ts';

const dir = tempDir('strata-cli-');
afterAll(() => removeDir(dir));
const fixtures = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'formats');

const cli = (...args: string[]) => runCli([registerInspect, registerGenerate, registerIngest], args);

describe('strata generate / inspect / ingest', () => {
  const data = join(dir, 'data');
  const store = join(dir, 'store');

  it('generates all eight formats with expected.json', async () => {
    const r = await cli('generate', '--out', data, '--strategies', '2', '--days', '6', '--seed', '5');
    expect(r.code).toBe(0);
    expect(readdirSync(data)).toContain('expected.json');
    for (let n = 1; n <= 8; n++) expect(r.out).toContain(`FORMAT_${n}_`);
  });

  it('inspects files without writing: strategy table as text, everything as JSON, exit 1 when one is rejected', async () => {
    const text = await cli('inspect', join(data, 'f1_backinzo.csv'), join(fixtures, 'empty.csv'));
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/f1_backinzo\.csv: FORMAT_1_BACKINZO_CSV/);
    expect(text.out).toMatch(/winning .* total P&L .* first day .* last day/);
    expect(text.out).toContain('empty.csv: REJECTED STRATA_FORMAT_EMPTY_FILE');
    const json = await cli('inspect', '--json', '--zones', 'equal:4', join(data, 'zones', 'f7_tv_zone.xlsx'));
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { files: { summary: { format: string; strategies: { zones: string[] }[] } }[] };
    expect(parsed.files[0]!.summary.format).toBe('FORMAT_7_TradingView_Zone');
    expect(parsed.files[0]!.summary.strategies[0]!.zones).toContain('Zone 1');
    expect(existsSync(storeLayout(store).storeFile)).toBe(false);
  });

  it('inspects a folder as the ingest actor reads one: its candidate files, sorted; an empty folder is an error', async () => {
    const folder = join(dir, 'inspect-folder');
    mkdirSync(folder);
    copyFileSync(join(data, 'f3_tv_gen1.csv'), join(folder, 'b.csv'));
    copyFileSync(join(data, 'f1_backinzo.csv'), join(folder, 'a.csv'));
    writeFileSync(join(folder, '.hidden.csv'), 'not read');
    writeFileSync(join(folder, 'c.csv.part'), 'not read');
    const r = await cli('inspect', '--json', folder);
    expect(r.code).toBe(0);
    const files = (JSON.parse(r.out) as { files: { file: string; summary: { format: string } }[] }).files;
    expect(files.map((f) => [f.file.split('/').at(-1), f.summary.format])).toEqual([['a.csv', 'FORMAT_1_BACKINZO_CSV'], ['b.csv', 'FORMAT_3_TRADING_VIEW_CSV']]);
    const emptyFolder = join(dir, 'inspect-empty');
    mkdirSync(emptyFolder);
    const none = await cli('inspect', emptyFolder);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`inspect: ${emptyFolder} holds no file to read`);
  });

  it('inspects and ingests a large FORMAT_1 file on --parse-threads with the same summary as one thread', async () => {
    const big = await writeLargeBackinzoCsv(join(dir, 'big.csv'), 100_000, 8); // about 8.7 MB: read in chunks
    const one = await cli('inspect', '--json', '--parse-threads', '0', big.path);
    const two = await cli('inspect', '--json', '--parse-threads', '2', big.path);
    expect(two.code).toBe(0);
    expect(JSON.parse(two.out)).toEqual(JSON.parse(one.out));
    const stored = await cli('ingest', '--json', '--parse-threads', '2', '--store', join(dir, 'big-store'), big.path);
    expect(stored.code).toBe(0);
    const outcome = (JSON.parse(stored.out) as { outcomes: { status: string; summary: { rows: { trades: number } } }[] }).outcomes[0]!;
    expect(outcome.status).toBe('committed');
    expect(outcome.summary.rows.trades).toBe(100_000);
  }, 60_000);

  it('exits 2 on usage errors: unknown format, bad zones, no files, unknown option', async () => {
    for (const args of [['inspect', '--format', 'FORMAT_9', 'x.csv'], ['inspect', '--zones', 'thirds', 'x.csv'], ['inspect'], ['ingest', '--bogus', 'x.csv'], ['generate'], ['ingest', '--parse-threads', '-1', 'x.csv'], ['inspect', '--parse-threads', 'two', 'x.csv']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.length, args.join(' ')).toBeGreaterThan(0);
    }
  });

  it('ingests a folder, then finds the same bytes already present, and rejects a bad file into quarantine', async () => {
    const files = readdirSync(data).filter((f) => f !== 'expected.json' && f !== 'zones').map((f) => join(data, f));
    const first = await cli('ingest', ...files, '--store', store);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toMatch(/f1_backinzo\.csv: FORMAT_1_BACKINZO_CSV/);
    expect(first.out).toMatch(/9 stored, 0 already present, 0 rejected/);
    const zoned = await cli('ingest', '--zones', 'equal:4', join(data, 'zones'), '--store', store);
    expect(zoned.out).toMatch(/2 stored/);
    const again = await cli('ingest', join(data, 'f1_backinzo.csv'), '--store', store, '--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.out) as { outcomes: { status: string }[] }).outcomes.map((o) => o.status)).toEqual(['duplicate']);
    const bad = await cli('ingest', join(fixtures, 'impossible-date.csv'), '--store', store);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('REJECTED STRATA_FORMAT_INVALID_DATE');
    expect(existsSync(join(storeLayout(store).quarantine, 'impossible-date.csv.report.txt'))).toBe(true);
  });
});
