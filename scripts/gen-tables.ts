// Writes the ABI's number tables from the firmware's own sources, so that the
// copies cannot drift: the error codes of assembly/errors.ts, the config
// keys of assembly/app/config.ts, the event kinds of assembly/host/events.ts,
// the counters of assembly/mqtt/stats.ts and the CONNACK return codes of
// assembly/mqtt/codec/constants.ts go into board/ABI.md (between its
// GENERATED markers), board/node/abi-tables.ts and board/core/atmqtt_abi.h.
//
//   node --import tsx scripts/gen-tables.ts          write what changed (npm run gen)
//   node --import tsx scripts/gen-tables.ts --check  exit 1 if a copy is stale
//
// The constants are looked for in every assembly/ file (so a reshape may move
// them). What the sources must hold: each `export const E_… = -N;` has a doc comment
// `/** name: text */` (name in kebab-case, the text optional) right above it;
// each `export const KEY_… = N;` one `/** meaning. Default: value. */`;
// each `EV_…` event kind, counter and `RC_…` return code a doc comment
// (for a return code: its name).
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ERRORS_SRC = 'assembly/errors.ts';
export const CONFIG_SRC = 'assembly/app/config.ts';
export const ABI_MD = 'board/ABI.md';
export const TS_OUT = 'board/node/abi-tables.ts';
export const C_OUT = 'board/core/atmqtt_abi.h';
export const EVENTS_SRC = 'assembly/host/events.ts';
export const COUNTERS_SRC = 'assembly/mqtt/stats.ts';
export const CONNACK_SRC = 'assembly/mqtt/codec/constants.ts';

export interface ErrorCode { ident: string; code: number; name: string; text: string }
export interface ConfigKey { ident: string; key: number; name: string; meaning: string; dflt: string }

export interface Named { ident: string; value: number; name: string; text: string }
/** The tables besides errors and config keys (optional, so a test can render without them). */
export interface Extra { events: Named[]; counters: Named[]; connack: Named[] }

interface Const { ident: string; value: number; doc: string | null; line: number }

/** Every `export const PREFIX… = N;` with the doc comment right above it (if any). */
function constants(src: string, prefix: string): Const[] {
  const out: Const[] = [];
  const lines = src.split('\n');
  let doc: string | null = null;
  let docOpen: string[] | null = null;
  const re = new RegExp(`^\\s*export\\s+const\\s+(${prefix}\\w+)\\s*(?::\\s*\\w+)?\\s*=\\s*(-?\\s*\\d+)\\s*;`);
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (docOpen) {
      const end = l.indexOf('*/');
      docOpen.push((end >= 0 ? l.slice(0, end) : l).replace(/^\*\s?/, ''));
      if (end >= 0) { doc = docOpen.join(' ').replace(/\s+/g, ' ').trim(); docOpen = null; }
      return;
    }
    if (l.startsWith('/**')) {
      const body = l.slice(3);
      const end = body.indexOf('*/');
      if (end >= 0) doc = body.slice(0, end).trim();
      else docOpen = [body.trim()];
      return;
    }
    const m = re.exec(raw);
    if (m) {
      out.push({ ident: m[1]!, value: Number(m[2]!.replace(/\s/g, '')), doc, line: i + 1 });
    }
    // a doc comment belongs to the very next declaration only; plain comments keep it
    if (l !== '' && !l.startsWith('//')) doc = null;
  });
  return out;
}

export function parseErrors(src: string, file = ERRORS_SRC): ErrorCode[] {
  const out: ErrorCode[] = [];
  for (const c of constants(src, 'E_')) {
    if (c.value >= 0) continue;
    const m = c.doc ? /^([a-z][a-z0-9-]*)(?::\s*(.*))?$/.exec(c.doc) : null;
    if (!m) throw new Error(`${file}:${c.line}: ${c.ident} = ${c.value} needs a doc comment right above it: /** its-name: what it means */`);
    out.push({ ident: c.ident, code: c.value, name: m[1]!, text: (m[2] ?? '').trim() });
  }
  if (out.length === 0) throw new Error(`${file}: no \`export const E_… = -N;\` found`);
  unique(out.map((e) => e.code), `${file}: error code`);
  unique(out.map((e) => e.name), `${file}: error name`);
  return out.sort((a, b) => b.code - a.code);
}

export function parseConfigKeys(src: string, file = CONFIG_SRC): ConfigKey[] {
  const out: ConfigKey[] = [];
  for (const c of constants(src, 'KEY_')) {
    const m = c.doc ? /^(.*?)\.?\s+Default:\s*(.*?)\.?$/.exec(c.doc) : null;
    if (!m) throw new Error(`${file}:${c.line}: ${c.ident} = ${c.value} needs a doc comment right above it: /** what it is. Default: value. */`);
    out.push({ ident: c.ident, key: c.value, name: c.ident.slice(4).toLowerCase(), meaning: m[1]!, dflt: m[2]! });
  }
  if (out.length === 0) throw new Error(`${file}: no \`export const KEY_… = N;\` found`);
  unique(out.map((k) => k.key), `${file}: config key`);
  return out.sort((a, b) => a.key - b.key);
}

function needDoc(c: Const, file: string, what: string): string {
  if (!c.doc) throw new Error(`${file}:${c.line}: ${c.ident} = ${c.value} needs a doc comment right above it: /** ${what} */`);
  return c.doc;
}

/** EV_CONNECTED = 1 with `/** what a, b, ptr/len hold *\/` -> connected. */
export function parseEvents(src: string, file = EVENTS_SRC): Named[] {
  const out = constants(src, 'EV_').map((c) => ({ ident: c.ident, value: c.value, name: c.ident.slice(3).toLowerCase(), text: needDoc(c, file, 'what a, b and ptr/len hold') }));
  if (out.length === 0) throw new Error(`${file}: no \`export const EV_… = N;\` found`);
  unique(out.map((e) => e.value), `${file}: event kind`);
  return out.sort((a, b) => a.value - b.value);
}

/** Every exported constant but COUNT is a counter index: BYTES_OUT -> bytes_out; 0 .. COUNT-1, no gap. */
export function parseCounters(src: string, file = COUNTERS_SRC): Named[] {
  const all = constants(src, '');
  const count = all.find((c) => c.ident === 'COUNT');
  const out = all.filter((c) => c.ident !== 'COUNT')
    .map((c) => ({ ident: c.ident, value: c.value, name: c.ident.toLowerCase(), text: needDoc(c, file, 'what it counts') }));
  out.sort((a, b) => a.value - b.value);
  if (!count || out.length !== count.value || out.some((c, i) => c.value !== i)) {
    throw new Error(`${file}: counters must be 0 .. COUNT-1 without a gap (found ${out.map((c) => c.value).join(', ')}, COUNT ${count?.value})`);
  }
  return out;
}

/** RC_… = N with `/** its-name *\/`. */
export function parseConnack(src: string, file = CONNACK_SRC): Named[] {
  const out = constants(src, 'RC_').map((c) => {
    const name = needDoc(c, file, 'its-name');
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`${file}:${c.line}: ${c.ident}: the doc comment is the code's kebab-case name, not "${name}"`);
    return { ident: c.ident, value: c.value, name, text: '' };
  });
  if (out.length === 0) throw new Error(`${file}: no \`export const RC_… = N;\` found`);
  unique(out.map((e) => e.value), `${file}: return code`);
  return out.sort((a, b) => a.value - b.value);
}

/** bytes_out -> bytesOut (the Node host's names). */
const camel = (s: string) => s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

function unique<T>(xs: T[], what: string): void {
  const seen = new Set<T>();
  for (const x of xs) {
    if (seen.has(x)) throw new Error(`${what} ${String(x)} appears twice`);
    seen.add(x);
  }
}

const STAMP = `generated by scripts/gen-tables.ts from ${ERRORS_SRC}, ${CONFIG_SRC}, ${EVENTS_SRC}, ${COUNTERS_SRC} and ${CONNACK_SRC}; edit those, then \`npm run gen\``;

export function renderTs(errors: ErrorCode[], keys: ConfigKey[], extra?: Extra): string {
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const more = extra ? [
    '/** Event kinds: event(kind, a, b, ptr, len). */',
    'export const EVENT = {',
    ...extra.events.map((e) => `  ${e.name}: ${e.value},`),
    '} as const;',
    '',
    '/** counter(i) by index. */',
    `export const COUNTERS = [${extra.counters.map((c) => q(camel(c.name))).join(', ')}] as const;`,
    '',
    '/** CONNACK return codes (the detail of a connection-refused error). */',
    'export const CONNACK_NAMES: Record<number, string> = {',
    ...extra.connack.map((c) => `  ${c.value}: ${q(c.name)},`),
    '};',
    '',
  ] : [];
  return [
    `// ${STAMP}`,
    '',
    '/** config_read keys by name (the Config record of the hosts uses these names). */',
    'export const CONFIG_KEYS = {',
    ...keys.map((k) => `  ${k.name}: ${k.key},`),
    '} as const;',
    '',
    '/** Error codes by name. */',
    'export const ERROR_NAMES: Record<number, string> = {',
    ...errors.map((e) => `  [${e.code}]: ${q(e.name)},`),
    '};',
    '',
    '/** What each error means, for messages shown to people. */',
    'export const ERROR_TEXT: Record<number, string> = {',
    ...errors.filter((e) => e.text).map((e) => `  [${e.code}]: ${q(e.text)},`),
    '};',
    '',
    ...more,
  ].join('\n');
}

export function renderC(errors: ErrorCode[], keys: ConfigKey[], extra?: Extra): string {
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  // C names come from the public names (the ABI's), not the firmware's identifiers
  const errId = (e: ErrorCode) => `ERR_${e.name.toUpperCase().replace(/-/g, '_')}`;
  const keyId = (k: ConfigKey) => `KEY_${k.name.toUpperCase()}`;
  const w = Math.max(...errors.map((e) => errId(e).length), ...keys.map((k) => keyId(k).length)) + 8;
  const def = (id: string, v: string) => `#define ${`ATMQTT_${id}`.padEnd(w)} ${v}`;
  const sw = (fn: string, doc: string, rows: Named[], text: (n: Named) => string) => [
    `/* ${doc} (NULL when unknown) */`,
    `static inline const char *${fn}(int32_t v)`,
    '{',
    '    switch (v) {',
    ...rows.map((n) => `    case ${n.value}: return ${q(text(n))};`),
    '    default: return 0;',
    '    }',
    '}',
    '',
  ];
  const more = extra ? [
    '/* event kinds: event(kind, a, b, ptr, len) */',
    ...extra.events.map((e) => def(`EVENT_${e.name.toUpperCase()}`, String(e.value))),
    '',
    '/* counter(i) indexes */',
    ...extra.counters.map((c) => def(`COUNTER_${c.name.toUpperCase()}`, String(c.value))),
    def('COUNTERS', String(extra.counters.length)),
    '',
    '/* CONNACK return codes */',
    ...extra.connack.map((c) => def(`CONNACK_${c.name.toUpperCase().replace(/-/g, '_')}`, String(c.value))),
    '',
    ...sw('atmqtt_event_name', "an event kind's name", extra.events, (n) => n.name),
    ...sw('atmqtt_counter_name', "a counter's name", extra.counters, (n) => n.name),
    ...sw('atmqtt_connack_name', "a CONNACK return code's name", extra.connack, (n) => n.name),
  ] : [];
  return [
    `/* ${STAMP}.`,
    ' * The numbers of board/ABI.md for hosts written in C: config_read keys,',
    ' * error codes, event kinds, counters and CONNACK codes, and their names',
    ' * and texts as the Node host prints them. */',
    '#ifndef ATMQTT_ABI_H',
    '#define ATMQTT_ABI_H',
    '#include <stdint.h>',
    '',
    '/* config_read keys */',
    ...keys.map((k) => def(keyId(k), String(k.key))),
    `${def('CONFIG_KEYS', String(Math.max(...keys.map((k) => k.key)) + 1))} /* one past the highest key */`,
    '',
    '/* error codes */',
    ...errors.map((e) => def(errId(e), `(${e.code})`)),
    '',
    '/* the error\'s name (NULL for an unknown code) */',
    'static inline const char *atmqtt_error_name(int32_t code)',
    '{',
    '    switch (code) {',
    ...errors.map((e) => `    case ${e.code}: return ${q(e.name)};`),
    '    default: return 0;',
    '    }',
    '}',
    '',
    '/* what it means, for people (NULL when it has no text of its own) */',
    'static inline const char *atmqtt_error_text(int32_t code)',
    '{',
    '    switch (code) {',
    ...errors.filter((e) => e.text).map((e) => `    case ${e.code}: return ${q(e.text)};`),
    '    default: return 0;',
    '    }',
    '}',
    '',
    ...more,
    '#endif',
    '',
  ].join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderMdErrors(errors: ErrorCode[]): string {
  return [
    '| code | name | meaning |',
    '|---|---|---|',
    ...errors.map((e) => `| ${e.code} | \`${e.name}\` | ${cell(e.text)} |`),
  ].join('\n');
}

export function renderMdConfig(keys: ConfigKey[]): string {
  return [
    '| key | name | meaning | default |',
    '|---|---|---|---|',
    ...keys.map((k) => `| ${k.key} | \`${k.name}\` | ${cell(k.meaning)} | ${cell(k.dflt)} |`),
  ].join('\n');
}

export function renderMdEvents(events: Named[]): string {
  return [
    '| kind | name | a, b, ptr/len |',
    '|---|---|---|',
    ...events.map((e) => `| ${e.value} | ${e.name} | ${cell(e.text)} |`),
  ].join('\n');
}

export function renderMdCounters(counters: Named[]): string {
  return [
    '| i | name | counts |',
    '|---|---|---|',
    ...counters.map((c) => `| ${c.value} | \`${c.name}\` | ${cell(c.text)} |`),
  ].join('\n');
}

export function renderMdConnack(connack: Named[]): string {
  return 'CONNACK return codes (error event b with code -15): ' + connack.map((c) => `${c.value} \`${c.name}\``).join(', ') + '.';
}

/** Replaces the text between `<!-- BEGIN GENERATED id … -->` and `<!-- END GENERATED id -->`. */
export function replaceRegion(doc: string, id: string, body: string, file = ABI_MD): string {
  const re = new RegExp(`(<!-- BEGIN GENERATED ${id}\\b[^>]*-->\\n)[\\s\\S]*?(<!-- END GENERATED ${id} -->)`);
  if (!re.test(doc)) throw new Error(`${file}: no <!-- BEGIN GENERATED ${id} --> … <!-- END GENERATED ${id} --> region`);
  return doc.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
}

/**
 * The firmware files that declare `export const PREFIX…`: normally just the
 * default one, but a reshape that moves the constants must not break the build.
 */
export function sourcesOf(root: string, prefix: string, dflt: string): string[] {
  const re = new RegExp(`^\\s*export\\s+const\\s+${prefix}\\w+\\s*(?::\\s*\\w+)?\\s*=\\s*-?\\s*\\d+\\s*;`, 'm');
  const files = (readdirSync(path.join(root, 'assembly'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join('assembly', f).split(path.sep).join('/'))
    .filter((f) => re.test(readFileSync(path.join(root, f), 'utf8')))
    .sort();
  return files.length ? files : [dflt];
}

/** Every generated file as it should be, from the sources in root. */
export function render(root = ROOT): Map<string, string> {
  const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
  // each file alone (so errors name the right line), then all together (so duplicates across files are caught)
  const errorFiles = sourcesOf(root, 'E_', ERRORS_SRC);
  errorFiles.forEach((f) => parseErrors(read(f), f));
  const errors = parseErrors(errorFiles.map(read).join('\n'), errorFiles.join(' + '));
  const keyFiles = sourcesOf(root, 'KEY_', CONFIG_SRC);
  keyFiles.forEach((f) => parseConfigKeys(read(f), f));
  const keys = parseConfigKeys(keyFiles.map(read).join('\n'), keyFiles.join(' + '));
  const extra: Extra = {
    events: parseEvents(read(EVENTS_SRC)),
    counters: parseCounters(read(COUNTERS_SRC)),
    connack: parseConnack(read(CONNACK_SRC)),
  };
  let md = read(ABI_MD);
  md = replaceRegion(md, 'config-keys', renderMdConfig(keys));
  md = replaceRegion(md, 'error-codes', renderMdErrors(errors));
  md = replaceRegion(md, 'events', renderMdEvents(extra.events));
  md = replaceRegion(md, 'counters', renderMdCounters(extra.counters));
  md = replaceRegion(md, 'connack', renderMdConnack(extra.connack));
  return new Map([[TS_OUT, renderTs(errors, keys, extra)], [C_OUT, renderC(errors, keys, extra)], [ABI_MD, md]]);
}

/** Generated files whose content on disk differs from what the sources give. */
export function stale(root = ROOT): string[] {
  const out: string[] = [];
  for (const [f, text] of render(root)) {
    let now = '';
    try { now = readFileSync(path.join(root, f), 'utf8'); } catch { /* missing counts as stale */ }
    if (now !== text) out.push(f);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--check')) {
      const s = stale();
      if (s.length) {
        console.error(`gen-tables: out of date: ${s.join(', ')} (run npm run gen)`);
        process.exit(1);
      }
    } else {
      for (const [f, text] of render()) {
        const abs = path.join(ROOT, f);
        let now = '';
        try { now = readFileSync(abs, 'utf8'); } catch { /* new file */ }
        if (now !== text) { writeFileSync(abs, text); console.log(`gen-tables: wrote ${f}`); }
      }
    }
  } catch (e) {
    console.error(`gen-tables: ${(e as Error).message}`);
    process.exit(1);
  }
}
