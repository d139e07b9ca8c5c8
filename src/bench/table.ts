/**
 * Plain-text tables for the terminal and for docs/benchmark.md (pipe tables read well in
 * both), and the number formatting the report uses.
 */
import { summarize } from './stats.js';

/**
 * A GitHub-style pipe table. `left` lists the left-aligned columns (default: the first);
 * the others are right-aligned, as numbers read best.
 */
export function pipeTable(header: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const isLeft = (i: number): boolean => left.includes(i);
  const cell = (s: string, i: number): string => (isLeft(i) ? s.padEnd(widths[i] ?? 0) : s.padStart(widths[i] ?? 0));
  const line = (cells: readonly string[]): string => `| ${header.map((_, i) => cell(cells[i] ?? '', i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (isLeft(i) ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A number with `digits` decimals, or `—` when unknown. */
export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

/** Median of repetitions with its range: `57.3 (55.1–60.2)`; just the value for one repetition. */
export function fmtReps(values: readonly number[], digits = 1): string {
  const s = summarize(values);
  if (!Number.isFinite(s.median)) return '—';
  if (s.values.filter((v) => Number.isFinite(v)).length < 2) return fmt(s.median, digits);
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}
