// The human report of a run: report.md (tables, plots as SVG files beside it) and report.html (the same with the
// SVG inline, one file to open or attach). Both are generated from the JSON lines, never typed by hand.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupByArea, type AreaFigures } from './figures.ts';
import type { ResultLine } from './result-line.ts';
import type { RunInfo } from './run-info.ts';
import { escapeXml, percentileCurve, scalingCurve, throughputBars } from './svg-plots.ts';
import { formatNumber, targetText, targetVerdict } from './target.ts';

export interface Plot {
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

export interface AreaReport {
  readonly figures: AreaFigures;
  readonly plots: readonly Plot[];
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '');
}

export function plotsOf(f: AreaFigures): Plot[] {
  const plots: Plot[] = [];
  if (f.throughput.length) plots.push({ file: `${f.area}-throughput.svg`, title: `${f.area}: throughput against baseline`, svg: throughputBars(`${f.area}: higher is better`, f.throughput) });
  for (const g of f.latency) plots.push({ file: `${slug(g.scenario)}-latency.svg`, title: `${g.scenario}: latency percentiles`, svg: percentileCurve(g) });
  for (const g of f.scaling) plots.push({ file: `${slug(g.name)}-${g.axis}-${slug(g.metric)}-scaling.svg`, title: `${g.name}: scaling over ${g.axis}`, svg: scalingCurve(g) });
  return plots;
}

const MET = { met: 'yes', missed: '**no**', unknown: '' } as const;

export function headerFacts(results: readonly ResultLine[], info: RunInfo | null): string[] {
  const first = results[0];
  const out: string[] = [];
  if (first) {
    const m = first.machine;
    out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}`);
    out.push(`Commit: ${first.commit}${info?.dirty ? ' (with uncommitted changes)' : ''}; run at ${first.at.slice(0, 16).replace('T', ' ')} UTC`);
  }
  if (info) out.push(`Profile: ${info.profile}${info.only ? `, only ${info.only.join(', ')} (a partial run)` : ''}; command: \`${info.command}\``);
  return out;
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(results: readonly ResultLine[]): string {
  const rows = ['| figure | metric | value | min–max | baseline | ratio | target | met |', '|---|---|---:|---:|---|---:|---|---|'];
  for (const r of results) {
    rows.push(`| ${cell(r.scenario)} | ${cell(r.metric)} | ${formatNumber(r.value)} ${cell(r.unit)} | ${formatNumber(r.min)}–${formatNumber(r.max)} (${r.runs} runs) | ${r.baseline ? `${cell(r.baseline.name)}: ${formatNumber(r.baseline.value)}` : '—'} | ${r.ratio !== undefined ? r.ratio.toFixed(3) : '—'} | ${cell(targetText(r))} | ${MET[targetVerdict(r)]} |`);
  }
  return rows.join('\n');
}

function areaTable(info: RunInfo): string {
  const rows = ['| area | status | time | figures | baseline |', '|---|---|---:|---:|---|'];
  for (const a of info.areas) rows.push(`| ${a.area} | ${a.status}${a.message ? `: ${cell(a.message)}` : ''} | ${a.seconds.toFixed(0)} s | ${a.lines} | ${cell(a.baseline)} |`);
  return rows.join('\n');
}

export function renderMarkdown(results: readonly ResultLine[], info: RunInfo | null, plotDir = 'plots'): string {
  const out = ['# Strata benchmark report', '', ...headerFacts(results, info).map((l) => `${l}  `), ''];
  out.push('Every figure is the median of its repetitions after a warm-up, with their min–max; the ratio divides it by a raw baseline measured in the same run on the same machine (for latencies lower is better).', '');
  if (info) out.push('## Areas', '', areaTable(info), '');
  for (const f of groupByArea(results)) {
    out.push(`## ${f.area}`, '', markdownTable(f.results), '');
    for (const p of plotsOf(f)) out.push(`![${p.title}](${plotDir}/${p.file})`, '');
    const notes = f.results.filter((r) => r.note);
    if (notes.length) {
      out.push('Notes:', '');
      for (const r of notes) out.push(`- ${r.scenario} ${r.metric}: ${r.note}`);
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function htmlTable(results: readonly ResultLine[]): string {
  const head = '<tr><th>figure</th><th>metric</th><th>value</th><th>min–max</th><th>baseline</th><th>ratio</th><th>target</th><th>met</th></tr>';
  const rows = results.map((r) => {
    const v = targetVerdict(r);
    return `<tr><td>${escapeXml(r.scenario)}</td><td>${escapeXml(r.metric)}</td><td class="n">${escapeXml(`${formatNumber(r.value)} ${r.unit}`)}</td>`
      + `<td class="n">${escapeXml(`${formatNumber(r.min)}–${formatNumber(r.max)}`)} <small>(${r.runs})</small></td>`
      + `<td>${r.baseline ? escapeXml(`${r.baseline.name}: ${formatNumber(r.baseline.value)}`) : '—'}</td>`
      + `<td class="n">${r.ratio !== undefined ? r.ratio.toFixed(3) : '—'}</td><td>${escapeXml(targetText(r))}</td>`
      + `<td class="${v}">${v === 'unknown' ? '' : v}</td></tr>${r.note ? `<tr class="note"><td></td><td colspan="7">${escapeXml(r.note)}</td></tr>` : ''}`;
  });
  return `<table>${head}${rows.join('')}</table>`;
}

export function renderHtml(results: readonly ResultLine[], info: RunInfo | null): string {
  const parts: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strata benchmark report</title><style>',
    'body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}table{border-collapse:collapse;margin:.5em 0 1em}',
    'td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}',
    'td.met{color:#16703a}td.missed{color:#b3261e;font-weight:bold}tr.note td{color:#666;font-size:90%;border-bottom:1px solid #eee}',
    '.plots{display:flex;flex-wrap:wrap;gap:12px}.plots svg{border:1px solid #eee}',
    '</style></head><body><h1>Strata benchmark report</h1>',
    ...headerFacts(results, info).map((l) => `<p>${escapeXml(l).replace(/`([^`]*)`/g, '<code>$1</code>')}</p>`),
    '<p>Every figure is the median of its repetitions after a warm-up, with their min–max; the ratio divides it by a raw baseline measured in the same run on the same machine (for latencies lower is better).</p>',
  ];
  if (info) {
    parts.push('<h2>Areas</h2><table><tr><th>area</th><th>status</th><th>time</th><th>figures</th><th>baseline</th></tr>');
    for (const a of info.areas) parts.push(`<tr><td>${escapeXml(a.area)}</td><td>${escapeXml(a.status + (a.message ? `: ${a.message}` : ''))}</td><td class="n">${a.seconds.toFixed(0)} s</td><td class="n">${a.lines}</td><td>${escapeXml(a.baseline)}</td></tr>`);
    parts.push('</table>');
  }
  for (const f of groupByArea(results)) {
    parts.push(`<h2 id="${escapeXml(f.area)}">${escapeXml(f.area)}</h2>`, htmlTable(f.results));
    const plots = plotsOf(f);
    if (plots.length) parts.push(`<div class="plots">${plots.map((p) => p.svg).join('')}</div>`);
  }
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}

/** Writes report.md, report.html and plots/*.svg into `dir`; returns the paths written. */
export function writeReport(dir: string, results: readonly ResultLine[], info: RunInfo | null): string[] {
  mkdirSync(join(dir, 'plots'), { recursive: true });
  const written: string[] = [];
  for (const f of groupByArea(results)) {
    for (const p of plotsOf(f)) {
      const path = join(dir, 'plots', p.file);
      writeFileSync(path, p.svg);
      written.push(path);
    }
  }
  writeFileSync(join(dir, 'report.md'), renderMarkdown(results, info));
  writeFileSync(join(dir, 'report.html'), renderHtml(results, info));
  written.push(join(dir, 'report.md'), join(dir, 'report.html'));
  return written;
}
