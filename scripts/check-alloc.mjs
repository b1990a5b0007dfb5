#!/usr/bin/env node
// The allocation check: fails a module in which anything that can run after
// setup() reaches the stub runtime's allocator. With --runtime stub nothing
// is ever freed, so one allocation in loop() or in an app's handler or timer
// is a slow leak that ends in a trap days later; this turns it into a build
// error that names the path.
//
//   node scripts/check-alloc.mjs build/atmqtt.wasm [more.wasm] [--setup NAME]
//
// It reads the binary alone (no tools): the call graph of direct calls, and
// of call_indirect to every table function of the same signature. The
// allocator is ~lib/rt/stub/__alloc, __new, __renew, __realloc by name, or
// any function that contains memory.grow (the firmware's memory is fixed:
// only the stub allocator grows it, wherever the optimizer inlined it).
// Roots: every export but `setup`, and every table function but the app's
// setup (its setup may allocate: it runs once, before the session starts).
// The app's setup is known by name: table functions whose name ends in
// "/setup" (useApp's argument), or those given with --setup. Without a name
// section (wasm-opt strips it), the app's setup cannot be told from a timer,
// so an allocator anywhere in a table function fails; build with `asc
// --debug` (names; the code is the same) to check such a module exactly. A
// module with no allocator at all passes either way: that is the firmware.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const STUB = /^~lib\/rt\/stub\/(__alloc|__new|__renew|__realloc)$/;

class Reader {
  constructor(buf, pos = 0, end = buf.length) { this.b = buf; this.p = pos; this.end = end; }
  byte() { if (this.p >= this.end) throw new Error('truncated module'); return this.b[this.p++]; }
  u32() { let r = 0, s = 0, c; do { c = this.byte(); r |= (c & 0x7f) << s; s += 7; } while (c & 0x80); return r >>> 0; }
  sleb() { let c; do { c = this.byte(); } while (c & 0x80); } // value not needed
  skip(n) { this.p += n; }
  name() { const n = this.u32(); const s = this.b.toString('utf8', this.p, this.p + n); this.p += n; return s; }
}

/** The parts of a module the check needs. */
export function readModule(buf) {
  if (buf.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const m = { types: [], funcTypes: [], imported: 0, exports: [], table: [], start: -1, bodies: [], names: new Map() };
  const r = new Reader(buf, 8);
  while (r.p < buf.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.p + size;
    const s = new Reader(buf, r.p, end);
    if (id === 1) {
      for (let n = s.u32(); n > 0; n--) {
        s.byte(); // 0x60
        const params = []; for (let k = s.u32(); k > 0; k--) params.push(s.byte());
        const results = []; for (let k = s.u32(); k > 0; k--) results.push(s.byte());
        m.types.push(`${params.join(',')}->${results.join(',')}`);
      }
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        s.name(); s.name();
        const kind = s.byte();
        if (kind === 0) { m.funcTypes.push(s.u32()); m.imported++; }
        else if (kind === 1) { s.byte(); const f = s.u32(); s.u32(); if (f & 1) s.u32(); }
        else if (kind === 2) { const f = s.u32(); s.u32(); if (f & 1) s.u32(); }
        else if (kind === 3) { s.byte(); s.byte(); }
      }
    } else if (id === 3) {
      for (let n = s.u32(); n > 0; n--) m.funcTypes.push(s.u32());
    } else if (id === 7) {
      for (let n = s.u32(); n > 0; n--) { const name = s.name(); const kind = s.byte(); const idx = s.u32(); if (kind === 0) m.exports.push({ name, idx }); }
    } else if (id === 8) {
      m.start = s.u32();
    } else if (id === 9) {
      for (let n = s.u32(); n > 0; n--) {
        const flags = s.u32();
        if (flags & 1 && !(flags & 2)) throw new Error(`element segment kind ${flags} not supported`);
        if (flags & 2) s.u32(); // table index
        if (!(flags & 1)) skipConstExpr(s);
        if (flags & 4) {
          if (flags & 3) s.byte();
          for (let k = s.u32(); k > 0; k--) { const e = new Reader(buf, s.p, end); const f = constFuncRef(e); s.p = e.p; if (f >= 0) m.table.push(f); }
        } else {
          if (flags & 3) s.byte(); // elemkind
          for (let k = s.u32(); k > 0; k--) m.table.push(s.u32());
        }
      }
    } else if (id === 10) {
      for (let n = s.u32(); n > 0; n--) {
        const len = s.u32();
        m.bodies.push({ start: s.p, end: s.p + len });
        s.skip(len);
      }
    } else if (id === 0) {
      const name = s.name();
      if (name === 'name') readNames(s, m.names);
    }
    r.p = end;
  }
  return m;
}

function skipConstExpr(s) {
  for (;;) {
    const op = s.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42) s.sleb();
    else if (op === 0x23 || op === 0xd2) s.u32();
    else if (op === 0x43) s.skip(4);
    else if (op === 0x44) s.skip(8);
    else if (op === 0xd0) s.byte();
  }
}

function constFuncRef(s) {
  let f = -1;
  for (;;) {
    const op = s.byte();
    if (op === 0x0b) return f;
    if (op === 0xd2) f = s.u32();
    else if (op === 0xd0) s.byte();
    else if (op === 0x23) s.u32();
  }
}

function readNames(s, names) {
  while (s.p < s.end) {
    const sub = s.byte();
    const size = s.u32();
    const end = s.p + size;
    if (sub === 1) for (let n = s.u32(); n > 0; n--) { const i = s.u32(); names.set(i, s.name()); }
    s.p = end;
  }
}

/** The calls in a body (direct: function index; indirect: type index) and whether it grows memory. */
export function scanBody(buf, body) {
  const s = new Reader(buf, body.start, body.end);
  for (let n = s.u32(); n > 0; n--) { s.u32(); s.byte(); } // locals
  const calls = [];
  const indirect = [];
  let grows = false;
  while (s.p < s.end) {
    const op = s.byte();
    switch (op) {
      case 0x02: case 0x03: case 0x04: {
        const t = buf[s.p];
        if (t === 0x40 || (t >= 0x6f && t <= 0x7f)) s.skip(1); else s.sleb();
        break;
      }
      case 0x0c: case 0x0d: s.u32(); break;
      case 0x0e: { for (let k = s.u32(); k >= 0; k--) s.u32(); break; }
      case 0x10: case 0x12: calls.push(s.u32()); break;
      case 0x11: case 0x13: indirect.push(s.u32()); s.u32(); break;
      case 0x1c: { for (let k = s.u32(); k > 0; k--) s.byte(); break; }
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26: s.u32(); break;
      case 0x3f: s.byte(); break;
      case 0x40: s.byte(); grows = true; break;
      case 0x41: case 0x42: s.sleb(); break;
      case 0x43: s.skip(4); break;
      case 0x44: s.skip(8); break;
      case 0xd0: s.byte(); break;
      case 0xd2: s.u32(); break;
      case 0xfc: {
        const sub = s.u32();
        if (sub === 8) { s.u32(); s.byte(); } else if (sub === 9 || sub === 13 || sub >= 15) s.u32();
        else if (sub === 10) { s.byte(); s.byte(); } else if (sub === 11) s.byte();
        else if (sub === 12 || sub === 14) { s.u32(); s.u32(); }
        break;
      }
      case 0xfd: throw new Error('SIMD code is not supported by the check');
      default:
        if (op >= 0x28 && op <= 0x3e) { s.u32(); s.u32(); } // memarg
    }
  }
  return { calls, indirect, grows };
}

/**
 * Checks one module. Returns { ok, message, allocators, path } where path
 * (when not ok) lists the function names from a root to the allocator.
 */
export function checkModule(buf, { setup = [] } = {}) {
  const m = readModule(buf);
  const name = (f) => m.names.get(f) ?? `func[${f}]`;
  const n = m.funcTypes.length;
  const info = new Array(n);
  const allocators = new Set();
  for (let f = 0; f < n; f++) {
    if (f < m.imported) { info[f] = { calls: [], indirect: [], grows: false }; continue; }
    info[f] = scanBody(buf, m.bodies[f - m.imported]);
    if (info[f].grows || STUB.test(m.names.get(f) ?? '')) allocators.add(f);
  }
  if (allocators.size === 0) return { ok: true, message: 'no allocator in the module: nothing can allocate', allocators: [] };
  const named = m.names.size > 0;
  const isSetup = (f) => setup.length > 0 ? setup.includes(m.names.get(f)) : /\/setup$/.test(m.names.get(f) ?? '');
  const table = [...new Set(m.table)].filter((f) => !isSetup(f));
  const sig = (f) => m.types[m.funcTypes[f]];
  const roots = [
    ...m.exports.filter((e) => e.name !== 'setup').map((e) => ({ f: e.idx, via: `export "${e.name}"` })),
    ...table.map((f) => ({ f, via: 'table (an app handler, timer or hook)' })),
  ];
  for (const root of roots) {
    const prev = new Map([[root.f, -1]]);
    const queue = [root.f];
    while (queue.length > 0) {
      const f = queue.shift();
      if (allocators.has(f)) {
        const path = [];
        for (let g = f; g !== -1; g = prev.get(g)) path.unshift(name(g));
        const how = STUB.test(m.names.get(f) ?? '') ? '' : ' (memory.grow: the stub allocator, inlined)';
        let message = `allocation after setup: ${root.via} reaches the stub allocator${how}:\n  ${path.join('\n  -> ')}\n` +
          'The module is built with --runtime stub, which never frees: an allocation after setup() is a leak ' +
          'that ends in a trap. Allocate in setup (or at top level) only; use Writer/View over static buffers ' +
          '(memory.data), no new, no arrays, no strings, no closures, no object literals.';
        if (!named) message += '\n(The module has no name section, so the app\'s setup cannot be told from its handlers: ' +
          'if the path starts at the app\'s setup, check the unstripped build, asc --debug.)';
        return { ok: false, message, allocators: [...allocators].map(name), path };
      }
      const { calls, indirect } = info[f];
      const next = [...calls];
      for (const t of indirect) for (const g of table) if (sig(g) === m.types[t]) next.push(g);
      for (const g of next) if (!prev.has(g)) { prev.set(g, f); queue.push(g); }
    }
  }
  return { ok: true, message: `the allocator (${[...allocators].map(name).join(', ')}) is reached from setup only`, allocators: [...allocators].map(name) };
}

function main(argv) {
  const files = [];
  const setup = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--setup') setup.push(argv[++i]);
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error('usage: check-alloc.mjs MODULE.wasm... [--setup NAME]');
    return 2;
  }
  let bad = 0;
  for (const f of files) {
    const r = checkModule(readFileSync(f), { setup });
    if (r.ok) console.log(`check-alloc: ${f}: ok, ${r.message}`);
    else { console.error(`check-alloc: ${f}: ${r.message}`); bad++; }
  }
  return bad > 0 ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
