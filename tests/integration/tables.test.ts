// The ABI's number tables are generated from the firmware's sources
// (scripts/gen-tables.ts): every copy must equal what the sources give, no C
// host may keep its own copy, and the docs' relative links must resolve.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT, stale, render, parseErrors, parseConfigKeys, renderTs, renderC, renderMdErrors, renderMdConfig,
  replaceRegion, ERRORS_SRC, CONFIG_SRC, C_OUT, ABI_MD, TS_OUT, EVENTS_SRC, COUNTERS_SRC, CONNACK_SRC,
  parseEvents, parseCounters, parseConnack,
} from '../../scripts/gen-tables.ts';
import { CONFIG_KEYS, ERROR_NAMES, ERROR_TEXT } from '../../board/node/abi.ts';

const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

describe('generated tables', () => {
  test('board/ABI.md, board/node/abi-tables.ts and board/core/atmqtt_abi.h match the sources (else: npm run gen)', () => {
    assert.deepEqual(stale(), []);
  });

  test('every error code and config key of the sources reaches the Node host', () => {
    const errors = parseErrors(read(ERRORS_SRC));
    const keys = parseConfigKeys(read(CONFIG_SRC));
    // the codes the firmware returns: -1 .. -N with no gap, so hosts can't skip one
    assert.deepEqual(errors.map((e) => e.code), errors.map((_e, i) => -(i + 1)));
    for (const e of errors) {
      assert.equal(ERROR_NAMES[e.code], e.name);
      assert.equal(ERROR_TEXT[e.code], e.text || undefined);
    }
    assert.deepEqual(Object.entries(CONFIG_KEYS), keys.map((k) => [k.name, k.key]));
    const md = render().get('board/ABI.md')!;
    assert.ok(md.includes('| -29 | `tls-failed` |'), 'tls-failed in ABI.md');
  });

  test('a code added to errors.ts flows into every copy; one without its name is refused', () => {
    const src = read(ERRORS_SRC) + '\n/** made-up: a code for this test */\nexport const E_MADE_UP: i32 = -99;\n';
    const errors = parseErrors(src);
    const keys = parseConfigKeys(read(CONFIG_SRC));
    assert.match(renderTs(errors, keys), /\[-99\]: 'made-up',/);
    assert.match(renderC(errors, keys), /#define ATMQTT_ERR_MADE_UP +\(-99\)/);
    assert.match(renderC(errors, keys), /case -99: return "a code for this test";/);
    assert.match(renderMdErrors(errors), /\| -99 \| `made-up` \| a code for this test \|/);
    assert.throws(() => parseErrors(read(ERRORS_SRC) + '\nexport const E_NAMELESS: i32 = -98;\n'), /E_NAMELESS = -98 needs a doc comment/);
    assert.throws(() => parseErrors(read(ERRORS_SRC) + '\n/** again */\nexport const E_AGAIN: i32 = -1;\n'), /error code -1 appears twice/);
    // multi-line doc comments and a plain comment between are fine
    const ml = parseErrors('/**\n * odd-one: spans\n * two lines\n */\n// why\nexport const E_ODD = -1;\n');
    assert.deepEqual(ml, [{ ident: 'E_ODD', code: -1, name: 'odd-one', text: 'spans two lines' }]);
  });

  test('a key added to config.ts flows into every copy; one without its default is refused', () => {
    const src = read(CONFIG_SRC) + '\n/** a made-up key | with a bar. Default: 7. */\nexport const KEY_MADE_UP = 99;\n';
    const keys = parseConfigKeys(src);
    const errors = parseErrors(read(ERRORS_SRC));
    assert.match(renderTs(errors, keys), /  made_up: 99,/);
    assert.match(renderC(errors, keys), /#define ATMQTT_KEY_MADE_UP +99\n#define ATMQTT_CONFIG_KEYS +100 /);
    assert.match(renderMdConfig(keys), /\| 99 \| `made_up` \| a made-up key \\\| with a bar \| 7 \|/);
    assert.throws(() => parseConfigKeys(read(CONFIG_SRC) + '\n/** no default here */\nexport const KEY_X = 98;\n'), /KEY_X = 98 needs a doc comment/);
  });

  test('keys or codes moved to other firmware files are still found', (t) => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'atmqtt-tables-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(path.join(root, 'assembly/mqtt'), { recursive: true });
    mkdirSync(path.join(root, 'board'), { recursive: true });
    writeFileSync(path.join(root, ERRORS_SRC), read(ERRORS_SRC));
    for (const f of [EVENTS_SRC, COUNTERS_SRC, CONNACK_SRC]) {
      mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      writeFileSync(path.join(root, f), read(f));
    }
    writeFileSync(path.join(root, ABI_MD), read(ABI_MD));
    writeFileSync(path.join(root, 'assembly/mqtt/options.ts'), '/** broker URL. Default: required. */\nexport const KEY_URL = 0;\n');
    writeFileSync(path.join(root, 'assembly/linkcfg.ts'), '/** link. Default: socket. */\nexport const KEY_LINK: i32 = 10;\n');
    const ts = render(root).get(TS_OUT)!;
    assert.match(ts, /  url: 0,\n  link: 10,\n/);
    writeFileSync(path.join(root, 'assembly/dup.ts'), '/** again. Default: 0. */\nexport const KEY_AGAIN = 0;\n');
    assert.throws(() => render(root), /config key 0 appears twice/);
  });

  test('event kinds, counters and CONNACK codes come from the firmware; a gap or a missing name is refused', () => {
    assert.deepEqual(parseEvents(read(EVENTS_SRC)).map((e) => [e.value, e.name]).slice(0, 2), [[1, 'connected'], [2, 'disconnected']]);
    assert.deepEqual(parseCounters(read(COUNTERS_SRC)).map((c) => c.name), ['published', 'received', 'bytes_out', 'bytes_in', 'reconnects', 'errors', 'dropped']);
    assert.deepEqual(parseConnack(read(CONNACK_SRC)).map((c) => c.value), [1, 2, 3, 4, 5]);
    assert.throws(() => parseEvents(read(EVENTS_SRC) + '\nexport const EV_BARE = 7;\n'), /EV_BARE = 7 needs a doc comment/);
    assert.throws(() => parseCounters('/** a */\nexport const A = 0;\n/** b */\nexport const B = 2;\nexport const COUNT = 2;\n'), /without a gap/);
    assert.throws(() => parseConnack('/** Not A Name */\nexport const RC_X: u8 = 9;\n'), /kebab-case name/);
  });

  test('ABI.md regions are replaced whole, and a missing marker is an error', () => {
    const doc = 'a\n<!-- BEGIN GENERATED t (x) -->\nold\nrows\n<!-- END GENERATED t -->\nb\n';
    assert.equal(replaceRegion(doc, 't', 'new'), 'a\n<!-- BEGIN GENERATED t (x) -->\nnew\n<!-- END GENERATED t -->\nb\n');
    assert.throws(() => replaceRegion('no markers', 't', 'x'), /no <!-- BEGIN GENERATED t -->/);
  });

  test('no C host keeps its own copy: error, event, counter and CONNACK names and key numbers come from atmqtt_abi.h', () => {
    const ex = render().get(C_OUT)!;
    const other = [...ex.matchAll(/case \d+: return "([a-z_-]+)";/g)].map((m) => m[1]!);
    assert.ok(other.includes('bytes_out') && other.includes('not-authorized') && other.includes('unsubscribed'));
    const names = parseErrors(read(ERRORS_SRC)).map((e) => e.name);
    const files = walk(path.join(ROOT, 'board')).filter((f) => /\.(c|h|cpp)$/.test(f) && path.relative(ROOT, f) !== C_OUT);
    const bad: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const rel = path.relative(ROOT, f);
      for (const n of names) if (text.includes(`"${n}"`)) bad.push(`${rel}: "${n}"`);
      // event names appear inside JSON texts ("{\"event\":\"connected\"..."), so only bare ones count
      for (const n of other) if (new RegExp(`[{,(=]\\s*"${n}"`).test(text)) bad.push(`${rel}: "${n}"`);
      // a config table indexed by bare numbers, or sized by one
      for (const m of text.matchAll(/(?:config|hal_posix_config)\[(\d+)\]/g)) bad.push(`${rel}: ${m[0]}`);
      for (const m of text.matchAll(/^\s*\[\d+\]\s*=\s*ATMQTT_CFG_/gm)) bad.push(`${rel}: ${m[0].trim()}`);
    }
    assert.deepEqual(bad, []);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? walk(p) : [p];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

function anchors(md: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of md.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const s = slug(m[1]!);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n ? `${s}-${n}` : s);
  }
  return out;
}

describe('documentation links', () => {
  const docs = ['README.md', 'board/ABI.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  for (const doc of docs) {
    test(`${doc}: every relative link and anchor resolves`, () => {
      const md = read(doc);
      const broken: string[] = [];
      // [text](target) and ![alt](target), outside code spans
      const body = md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
      for (const m of body.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target)) continue; // http:, https:, mailto:
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const abs = file ? path.resolve(path.dirname(path.join(ROOT, doc)), file) : path.join(ROOT, doc);
        if (!existsSync(abs)) { broken.push(`${target}: no such file`); continue; }
        if (anchor && statSync(abs).isFile() && abs.endsWith('.md') && !anchors(readFileSync(abs, 'utf8')).has(anchor)) {
          broken.push(`${target}: no heading for #${anchor}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }
});
