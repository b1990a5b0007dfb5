// AssemblyScript transform: ascii("text") becomes the address of a
// length-prefixed ASCII string ([len u8][bytes]) in static data.
// AssemblyScript string literals are UTF-16 with a 20-byte header; on a
// board whose RAM holds the module's data, that doubled every AT command and
// log text. It re-parses the sources that use ascii(), before the program
// is built.
//
// All texts of the program go into one blob in mem/ascii.ts (one data
// segment: each segment costs bytes in the module, each separate blob up to
// 15 bytes of alignment in RAM, and equal texts in different files are kept
// once).
//
// Small profile (lowMemoryLimit 1..4096): log texts, those passed straight
// to LOG_FUNCS, become a short id ("#c ") and the id -> text table is written
// to $ASCII_LOG_MAP; the numbers a line carries (error codes, states) stay.
// AT commands, URCs and protocol strings are never changed.
// Also in the small profile, a file X.ts is compiled from X.small.ts when
// that exists (a cut-down stand-in for a part the profile leaves out).
// The modem set (no -D in AssemblyScript): ATMQTT_MODEMS=sim800,esp-at
// rewrites config.ts's MODEM_SET line to those families' bits, and each
// family left out is compiled from link/driver-absent.ts (no command texts).
// ATMQTT_WS=0 leaves the WebSocket client out: config.ts's WS_SET line
// becomes 0 and ws/ws.ts is compiled from ws.small.ts, as in the small profile.
//
// The same works when the firmware is a dependency (`atmqtt build` in a user
// project): asc names the package's files ~lib/atmqtt/assembly/..., which are
// matched here by their path inside the package and read from it; a user
// file that calls ascii() imports __ascii from "atmqtt/assembly/mem/ascii".
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Functions whose text argument is a log text: host/log.ts and the
 * one-argument log helpers of link/modem.ts (say) and app/config.ts (bad). */
const LOG_FUNCS = ['logStart', 'logStr', 'say', 'bad'];
const LOG_BEFORE = new RegExp(`\\b(?:${LOG_FUNCS.join('|')})\\(\\s*$`);
const SMALL_LIMIT = 4096;
const HOME = 'assembly/mem/ascii.ts';

/** Modem families: their MODEM_SET bit (config.ts) and driver file. sim900
 * and sim7000 speak the SIM800 driver. */
export const MODEM_FAMILIES = {
  sim800: { bit: 1, driver: 'assembly/link/sim800.ts' },
  'esp-at': { bit: 2, driver: 'assembly/link/espat.ts' },
  sim7600: { bit: 4, driver: 'assembly/link/sim7600.ts' },
  bg96: { bit: 8, driver: 'assembly/link/bg96.ts' },
};
const FAMILY_ALIASES = { sim900: 'sim800', sim7000: 'sim800', esp: 'esp-at', espat: 'esp-at' };
const CONFIG = 'assembly/config.ts';
const MODEM_SET_LINE = /^export const MODEM_SET: i32 = \d+;$/m;
const ABSENT = 'assembly/link/driver-absent.ts';
const LTE_LINES = 'assembly/link/lte-lines.ts';
const WS_SET_LINE = /^export const WS_SET: i32 = \d+;$/m;
const WS = 'assembly/ws/ws.ts';
/** This package's root (the transform lives in its scripts/), and how asc
 * names its files when it is compiled as a dependency. */
const PKG_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PKG_LIB = '~lib/atmqtt/';

/** "sim800,esp-at" -> the families' names, checked; a bad name throws. */
export function parseModems(list) {
  const names = [];
  for (const raw of list.split(/[,\s]+/).filter(Boolean)) {
    const n = FAMILY_ALIASES[raw.toLowerCase()] ?? raw.toLowerCase();
    if (!(n in MODEM_FAMILIES)) throw new Error(`ATMQTT_MODEMS: unknown modem family "${raw}": want ${Object.keys(MODEM_FAMILIES).join(', ')}`);
    if (!names.includes(n)) names.push(n);
  }
  if (names.length === 0) throw new Error('ATMQTT_MODEMS: no modem family named');
  return names;
}

// ascii("...") calls, and the comments and string literals to step over.
const TOKENS = /\bascii\("((?:[^"\\\n]|\\.)*)"\)|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g;

function bytesOf(s) {
  const out = [];
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (c > 126) throw new Error(`ascii(): non-ASCII character in "${s}"`);
    out.push(c);
  }
  if (out.length > 255) throw new Error(`ascii(): longer than 255 bytes: "${s}"`);
  return [out.length, ...out];
}

/** The ascii() calls of a source: their span, text, and whether a log text. */
export function calls(text) {
  const found = [];
  for (const m of text.matchAll(TOKENS)) {
    if (m[1] === undefined) continue;
    const s = JSON.parse(`"${m[1]}"`);
    found.push({ start: m.index, end: m.index + m[0].length, text: s, log: LOG_BEFORE.test(text.slice(Math.max(0, m.index - 40), m.index)) });
  }
  return found;
}

/** Short ids for log texts: a..z, A..Z, then two letters. */
function idOf(n) {
  const A = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  return n < A.length ? A[n] : A[Math.floor(n / A.length) - 1] + A[n % A.length];
}

/**
 * Rewrites sources (path -> text): each call becomes `(__ascii + offset)`
 * into one blob. Returns the new texts, the blob and the log-id table.
 * small: replace log texts by ids (texts of 2 characters or fewer, like
 * the "-" of a negative number, are kept).
 */
export function rewriteAll(sources, small = false) {
  const blob = [];
  const offsets = new Map();
  const ids = new Map();
  const place = (s) => {
    let off = offsets.get(s);
    if (off === undefined) {
      off = blob.length;
      offsets.set(s, off);
      blob.push(...bytesOf(s));
    }
    return off;
  };
  const out = new Map();
  for (const [path, text] of sources) {
    let res = '';
    let at = 0;
    for (const c of calls(text)) {
      let s = c.text;
      if (small && c.log && s.length > 2) {
        if (!ids.has(s)) ids.set(s, idOf(ids.size));
        s = `#${ids.get(s)} `;
      }
      res += text.slice(at, c.start) + `(__ascii + ${place(s)})`;
      at = c.end;
    }
    out.set(path, res + text.slice(at));
  }
  return { texts: out, blob, ids };
}

/**
 * A source's path as this transform matches it: the package's files by
 * their path inside it ("assembly/config.ts", also from ~lib/atmqtt/...),
 * a user's by theirs; null for the standard library and other packages.
 * pkg: whether the file is the package's (read swaps from PKG_ROOT).
 */
function place(normalizedPath, asDependency) {
  if (normalizedPath.startsWith(PKG_LIB)) return { path: normalizedPath.slice(PKG_LIB.length), pkg: true };
  if (normalizedPath.startsWith('~lib/')) return null;
  // the firmware's own build: its files are the package's
  return { path: normalizedPath, pkg: !asDependency };
}

/** How mem/ascii.ts is imported from a file (on the file's first line, so line numbers stay). */
function importFrom(path, pkg) {
  if (!pkg) return `import { __ascii } from "atmqtt/${HOME.replace(/\.ts$/, '')}"; `;
  let rel = posix.relative(posix.dirname(path), HOME.replace(/\.ts$/, ''));
  if (!rel.startsWith('.')) rel = './' + rel;
  return `import { __ascii } from "${rel}"; `;
}

export default class AsciiTransform {
  afterParse(parser) {
    const limit = this.program.options.lowMemoryLimit;
    const small = limit > 0 && limit <= SMALL_LIMIT;
    const baseDir = this.baseDir ?? '.';
    // compiled as a dependency when the package's files come from ~lib
    const asDependency = parser.sources.some((s) => s.normalizedPath.startsWith(PKG_LIB));
    const user = [];
    const where = new Map();
    for (const s of parser.sources) {
      const w = place(s.normalizedPath, asDependency);
      if (w === null) continue;
      user.push(s);
      where.set(s, w);
    }
    const rel = (s) => where.get(s).path;
    // the swaps' keys: package files by their path in it, a user's prefixed
    const key = (s) => (where.get(s).pkg ? '' : 'user:') + rel(s);
    const pkgFile = (p) => readFileSync(posix.join(PKG_ROOT, p), 'utf8');
    const swap = new Map();
    if (small) {
      for (const s of user) {
        const alt = rel(s).replace(/\.ts$/, '.small.ts');
        const file = where.get(s).pkg ? posix.join(PKG_ROOT, alt) : posix.join(baseDir, alt);
        if (existsSync(file)) swap.set(key(s), readFileSync(file, 'utf8'));
      }
      // no LTE driver fits 4 KiB: the same stand-in as a family left out of the modem set
      const absent = pkgFile(ABSENT);
      for (const n of ['sim7600', 'bg96']) swap.set(MODEM_FAMILIES[n].driver, absent);
    }
    const pkgSource = (p) => user.find((s) => where.get(s).pkg && rel(s) === p);
    const modems = process.env.ATMQTT_MODEMS;
    if (modems !== undefined) {
      const names = parseModems(modems);
      const config = pkgSource(CONFIG);
      if (!config || !MODEM_SET_LINE.test(config.text)) throw new Error(`ATMQTT_MODEMS: no MODEM_SET line in ${CONFIG}`);
      const bits = names.reduce((b, n) => b | MODEM_FAMILIES[n].bit, 0);
      swap.set(CONFIG, config.text.replace(MODEM_SET_LINE, `export const MODEM_SET: i32 = ${bits};`));
      const absent = pkgFile(ABSENT);
      for (const [n, f] of Object.entries(MODEM_FAMILIES)) if (!names.includes(n)) swap.set(f.driver, absent);
      // no LTE family: their link names are unknown words, as in the small profile
      if (!names.includes('sim7600') && !names.includes('bg96')) swap.set(LTE_LINES, pkgFile(LTE_LINES.replace(/\.ts$/, '.small.ts')));
    }
    const ws = process.env.ATMQTT_WS;
    if (ws !== undefined && ws !== '1') {
      if (ws !== '0') throw new Error(`ATMQTT_WS: "${ws}": want 0 (no WebSocket) or 1`);
      const config = pkgSource(CONFIG);
      const cfg = swap.get(CONFIG) ?? config?.text;
      if (cfg === undefined || !WS_SET_LINE.test(cfg)) throw new Error(`ATMQTT_WS: no WS_SET line in ${CONFIG}`);
      swap.set(CONFIG, cfg.replace(WS_SET_LINE, 'export const WS_SET: i32 = 0;'));
      if (!swap.has(WS)) swap.set(WS, pkgFile(WS.replace(/\.ts$/, '.small.ts')));
    }
    const swapped = (s) => swap.has(key(s));
    const text = (s) => (swapped(s) ? swap.get(key(s)) : s.text);
    const home = pkgSource(HOME);
    const using = user.filter((s) => s !== home && (swapped(s) || text(s).includes('ascii("')));
    if (using.length === 0 || !home) return;
    const { texts, blob, ids } = rewriteAll(using.map((s) => [s.normalizedPath, text(s)]), small);
    if (small && process.env.ASCII_LOG_MAP) {
      writeFileSync(process.env.ASCII_LOG_MAP, [...ids].map(([t, id]) => `#${id} ${JSON.stringify(t)}`).join('\n') + '\n');
    }
    const redo = [[home, home.text + `\nexport const __ascii: usize = memory.data<u8>([${blob.join(',')}]);\n`]];
    for (const s of using) {
      const t = texts.get(s.normalizedPath);
      redo.push([s, t.includes('(__ascii + ') ? importFrom(rel(s), where.get(s).pkg) + t : t]);
    }
    for (const [source, t] of redo) {
      parser.sources.splice(parser.sources.indexOf(source), 1);
      parser.donelog.delete(source.internalPath);
      parser.seenlog.delete(source.internalPath);
      parser.parseFile(t, source.normalizedPath, source.sourceKind === 1 /* USER_ENTRY */);
    }
  }
}
