// The report's plots as self-contained SVG text (no scripts, no fonts or CDNs to fetch): throughput bars next to
// their baselines with min–max whiskers, latency percentile curves on a log scale, and scaling curves over threads.
import type { ResultLine } from './result-line.ts';
import type { LatencyGroup, ScalingGroup } from './figures.ts';
import { formatNumber } from './target.ts';

const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const MEASURED = '#2f6db5';
const BASE = '#9a9a9a';
const IDEAL = '#c9822b';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fit(s: string, chars: number): string {
  return s.length <= chars ? s : `…${s.slice(s.length - chars + 1)}`;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}" ${FONT}>`
    + `<title>${escapeXml(title)}</title><rect width="${width}" height="${height}" fill="#fff"/>${body.join('')}</svg>\n`;
}

function text(x: number, y: number, s: string, extra = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${escapeXml(s)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, extra = ''): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}" ${extra}/>`;
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/**
 * One row per figure, each on its own scale (units differ between rows): the measured median as a bar with its
 * min–max whisker, the baseline as a thin grey bar beneath, the numbers and the ratio on the right.
 */
export function throughputBars(title: string, rows: readonly ResultLine[]): string {
  const rowH = 36, left = 370, barW = 300, top = 28, width = left + barW + 260;
  const height = top + rows.length * rowH + 24;
  const body: string[] = [text(8, 18, title, 'font-weight="bold"')];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const scale = Math.max(r.max, r.value, r.baseline?.value ?? 0) * 1.05 || 1;
    const w = (v: number) => Math.max(0, (v / scale) * barW);
    body.push(text(8, y + 16, fit(r.scenario, 54), 'fill="#222"'));
    body.push(`<rect x="${left}" y="${y + 4}" width="${w(r.value).toFixed(1)}" height="14" fill="${MEASURED}"/>`);
    body.push(line(left + w(r.min), y + 11, left + w(r.max), y + 11, '#111', 'stroke-width="1.5"'));
    body.push(line(left + w(r.min), y + 6, left + w(r.min), y + 16, '#111'), line(left + w(r.max), y + 6, left + w(r.max), y + 16, '#111'));
    if (r.baseline) body.push(`<rect x="${left}" y="${y + 21}" width="${w(r.baseline.value).toFixed(1)}" height="7" fill="${BASE}"/>`);
    const label = `${formatNumber(r.value)} ${r.unit}${r.baseline ? `  base ${formatNumber(r.baseline.value)}  ×${r.ratio!.toFixed(2)}` : ''}`;
    body.push(text(left + barW + 10, y + 16, label, 'fill="#222"'));
  });
  const ly = height - 8;
  body.push(`<rect x="${left}" y="${ly - 9}" width="12" height="9" fill="${MEASURED}"/>`, text(left + 16, ly, 'measured (median, min–max)'));
  body.push(`<rect x="${left + 200}" y="${ly - 7}" width="12" height="6" fill="${BASE}"/>`, text(left + 216, ly, 'same-run baseline'));
  return svg(width, height, title, body);
}

/** Percentiles left to right (p50 … max: each step a "nine" further), values on a log scale. */
export function percentileCurve(group: LatencyGroup): string {
  const width = 560, height = 290, left = 64, right = 40, top = 30, bottom = 66, pad = 24;
  const pts = group.points;
  const values = pts.flatMap((r) => [r.min, r.max, r.value, r.baseline?.value ?? r.value]).filter((v) => v > 0);
  const lo = Math.log10(values.length ? Math.min(...values) : 1), hi = Math.log10(values.length ? Math.max(...values) : 10);
  const loD = Math.floor(lo), hiD = Math.max(loD + 1, Math.ceil(hi));
  const x = (i: number) => left + pad + (pts.length === 1 ? 0 : (i / (pts.length - 1)) * (width - left - right - pad));
  const y = (v: number) => top + (1 - (Math.log10(Math.max(v, 10 ** loD)) - loD) / (hiD - loD)) * (height - top - bottom);
  const title = `${group.scenario} latency (${group.unit})`;
  const body: string[] = [text(8, 18, title, 'font-weight="bold"')];
  for (let d = loD; d <= hiD; d++) {
    body.push(line(left, y(10 ** d), width - right, y(10 ** d), '#e4e4e4'), text(left - 8, y(10 ** d) + 4, formatNumber(10 ** d), 'text-anchor="end" fill="#555"'));
  }
  pts.forEach((r, i) => {
    body.push(text(x(i), height - bottom + 18, r.metric, 'text-anchor="middle" fill="#555"'));
    body.push(line(x(i), y(r.min), x(i), y(r.max), MEASURED, 'stroke-width="1.5"'));
  });
  body.push(`<polyline fill="none" stroke="${MEASURED}" stroke-width="2" points="${pts.map((r, i) => `${x(i).toFixed(1)},${y(r.value).toFixed(1)}`).join(' ')}"/>`);
  pts.forEach((r, i) => body.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(r.value).toFixed(1)}" r="3" fill="${MEASURED}"><title>${escapeXml(`${r.metric} ${formatNumber(r.value)} ${r.unit}`)}</title></circle>`));
  const based = pts.map((r, i) => (r.baseline ? `${x(i).toFixed(1)},${y(r.baseline.value).toFixed(1)}` : null)).filter((p): p is string => p !== null);
  if (based.length >= 2) body.push(`<polyline fill="none" stroke="${BASE}" stroke-width="2" stroke-dasharray="5 4" points="${based.join(' ')}"/>`);
  else if (based.length === 1) body.push(`<circle cx="${based[0]!.split(',')[0]}" cy="${based[0]!.split(',')[1]}" r="3" fill="${BASE}"/>`);
  const ly = height - 26;
  body.push(line(left, ly - 4, left + 18, ly - 4, MEASURED, 'stroke-width="2"'), text(left + 22, ly, 'measured (median, min–max)'));
  if (based.length) body.push(line(left, ly + 12, left + 18, ly + 12, BASE, 'stroke-width="2" stroke-dasharray="5 4"'), text(left + 22, ly + 16, `baseline: ${fit(pts.find((r) => r.baseline)!.baseline!.name, 60)}`));
  return svg(width, height, title, body);
}

/** Throughput over thread (or member) count against the straight line of perfect scaling from the count of one. */
export function scalingCurve(group: ScalingGroup): string {
  const width = 560, height = 300, left = 72, right = 30, top = 30, bottom = 66;
  const pts = group.points;
  const maxT = Math.max(...pts.map((p) => p.threads));
  const one = pts.find((p) => p.threads === 1)?.result.value ?? null;
  const hiV = Math.max(...pts.map((p) => p.result.max), one !== null ? one * maxT : 0) * 1.05 || 1;
  const x = (t: number) => left + (t / maxT) * (width - left - right);
  const y = (v: number) => top + (1 - v / hiV) * (height - top - bottom);
  const title = `${group.name} ${group.metric} by ${group.axis} (${group.unit})`;
  const body: string[] = [text(8, 18, title, 'font-weight="bold"')];
  for (const v of niceTicks(0, hiV)) body.push(line(left, y(v), width - right, y(v), '#e4e4e4'), text(left - 8, y(v) + 4, formatNumber(v), 'text-anchor="end" fill="#555"'));
  for (const p of pts) body.push(text(x(p.threads), height - bottom + 18, String(p.threads), 'text-anchor="middle" fill="#555"'));
  body.push(text((left + width - right) / 2, height - bottom + 34, group.axis, 'text-anchor="middle" fill="#555"'));
  if (one !== null) body.push(line(x(0), y(0), x(maxT), y(one * maxT), IDEAL, 'stroke-width="1.5" stroke-dasharray="6 4"'));
  for (const p of pts) body.push(line(x(p.threads), y(p.result.min), x(p.threads), y(p.result.max), MEASURED, 'stroke-width="1.5"'));
  body.push(`<polyline fill="none" stroke="${MEASURED}" stroke-width="2" points="${pts.map((p) => `${x(p.threads).toFixed(1)},${y(p.result.value).toFixed(1)}`).join(' ')}"/>`);
  for (const p of pts) body.push(`<circle cx="${x(p.threads).toFixed(1)}" cy="${y(p.result.value).toFixed(1)}" r="3" fill="${MEASURED}"><title>${escapeXml(`${p.threads} ${group.axis}: ${formatNumber(p.result.value)} ${group.unit}`)}</title></circle>`);
  const ly = height - 8;
  body.push(line(left, ly - 4, left + 18, ly - 4, MEASURED, 'stroke-width="2"'), text(left + 22, ly, 'measured (median, min–max)'));
  if (one !== null) body.push(line(left + 230, ly - 4, left + 248, ly - 4, IDEAL, 'stroke-width="1.5" stroke-dasharray="6 4"'), text(left + 252, ly, `linear from one ${group.axis === 'threads' ? 'thread' : 'member'}`));
  return svg(width, height, title, body);
}
