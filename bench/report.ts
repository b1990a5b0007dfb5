// What every benchmark section hands back: a titled table (printed as
// Markdown, written with --json) and notes saying what the figures mean.
export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  notes: string[];
}

export interface Section {
  name: string;
  tables: Table[];
  /** ms of wall time the section took */
  wallMs?: number;
}

export function fmt(v: Cell, digits = 1): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits).replace(/\.0+$/, '');
}

export function pct(x: number | null): string {
  return x === null ? '–' : `${(x * 100).toFixed(1)} %`;
}

export function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
}

export function markdown(t: Table): string {
  const out = [`### ${t.title}`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`];
  for (const r of t.rows) out.push(`| ${r.map((c) => fmt(c)).join(' | ')} |`);
  if (t.notes.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
