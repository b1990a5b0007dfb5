// Where the module runs: V8's own WebAssembly, or the real wasm3 0.5.0
// interpreter (PyPI pywasm3) in a child process. The host sees the same
// synchronous calls either way, so one ABI implementation serves both.
import { readFileSync, mkdtempSync, openSync, readSync, writeSync, closeSync, rmSync } from 'node:fs';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ImportFn = (...args: number[]) => number | void;
export type Imports = Record<string, ImportFn>;

export interface Engine {
  readonly name: 'v8' | 'wasm3';
  /** Calls an export; returns its i32 result (0 for void). */
  call(name: string, ...args: number[]): number;
  read(ptr: number, len: number): Uint8Array;
  write(ptr: number, bytes: Uint8Array): void;
  close(): void;
}

/**
 * The RAM guard: a module instrumented by binaryen's --instrument-memory
 * (build/atmqtt-guarded.wasm, `npm run build:guard`) reports every load
 * and store here, and any byte touched at or past the budget traps, as
 * wasm3's memoryLimit does on a board. V8 itself cannot size memory below
 * one 64 KiB page.
 */
export function memoryGuard(budget: number): Imports {
  const check = (bytes: number, offset: number, address: number): number => {
    const end = (address >>> 0) + (offset >>> 0) + bytes;
    if (end > budget) throw new RangeError(`RAM guard: access to [${end - bytes}, ${end}) past the ${budget}-byte budget`);
    return address;
  };
  const same = (_id: number, v: number): number => v;
  return {
    load_ptr: (_id, bytes, offset, address) => check(bytes, offset, address),
    store_ptr: (_id, bytes, offset, address) => check(bytes, offset, address),
    load_val_i32: same, load_val_i64: same, load_val_f32: same, load_val_f64: same,
    store_val_i32: same, store_val_i64: same, store_val_f32: same, store_val_f64: same,
  };
}

export class V8Engine implements Engine {
  readonly name = 'v8';
  readonly exports: Record<string, unknown>;
  private readonly memory: WebAssembly.Memory;

  /** budget: the RAM guard's limit in bytes, for an instrumented module. */
  constructor(wasmPath: string, imports: Imports, budget?: number) {
    const mod = new WebAssembly.Module(readFileSync(wasmPath));
    const needsGuard = WebAssembly.Module.imports(mod).some((i) => i.module === 'env' && i.name === 'load_ptr');
    if (needsGuard && budget === undefined) throw new Error(`${wasmPath} is instrumented: give the RAM budget`);
    const env = needsGuard ? memoryGuard(budget ?? 0) : {};
    const inst = new WebAssembly.Instance(mod, { host: imports, env });
    this.exports = inst.exports as Record<string, unknown>;
    this.memory = this.exports.memory as WebAssembly.Memory;
  }

  call(name: string, ...args: number[]): number {
    const fn = this.exports[name] as ((...a: number[]) => number | undefined) | undefined;
    if (typeof fn !== 'function') throw new Error(`no export ${name}`);
    return fn(...args) ?? 0;
  }

  read(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer).slice(ptr, ptr + len);
  }

  write(ptr: number, bytes: Uint8Array): void {
    new Uint8Array(this.memory.buffer).set(bytes, ptr);
  }

  /** Bytes of linear memory (whole pages). */
  memoryBytes(): number { return this.memory.buffer.byteLength; }

  close(): void {}
}

const OP_CALL = 1, OP_RET = 2, OP_IMPORT = 3, OP_RESULT = 4, OP_TRAP = 5, OP_READ = 6, OP_DATA = 7, OP_WRITE = 8;

const BRIDGE = fileURLToPath(new URL('../wasm3/bridge.py', import.meta.url));

/**
 * wasm3 through board/wasm3/bridge.py over two FIFOs. Node blocks on the
 * FIFO during a call, just as it blocks while V8 runs a wasm function, and
 * serves the module's imports from inside that call.
 */
export class Wasm3Engine implements Engine {
  readonly name = 'wasm3';
  private readonly child: ChildProcess;
  private readonly req: number;
  private readonly rsp: number;
  private readonly dir: string;
  private readonly head = Buffer.alloc(4);
  private closed = false;

  constructor(wasmPath: string, private readonly imports: Imports, budget?: number, python = process.env.PYTHON ?? 'python3') {
    this.dir = mkdtempSync(join(tmpdir(), 'atmqtt-wasm3-'));
    const reqPath = join(this.dir, 'req');
    const rspPath = join(this.dir, 'rsp');
    execFileSync('mkfifo', [reqPath, rspPath]);
    const extra = budget === undefined ? [] : ['--ram-budget', String(budget)];
    this.child = spawn(python, [BRIDGE, wasmPath, reqPath, rspPath, ...extra], { stdio: ['ignore', 'inherit', 'inherit'] });
    // the same order as the bridge opens them, or both wait forever
    this.req = openSync(reqPath, 'w');
    this.rsp = openSync(rspPath, 'r');
  }

  private send(op: number, body: Uint8Array = new Uint8Array(0)): void {
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32LE(body.length + 1, 0);
    frame[4] = op;
    frame.set(body, 5);
    let off = 0;
    while (off < frame.length) off += writeSync(this.req, frame, off);
  }

  private readExact(buf: Buffer): void {
    let off = 0;
    while (off < buf.length) {
      const n = readSync(this.rsp, buf, off, buf.length - off, null);
      if (n === 0) throw new Error('wasm3 bridge exited');
      off += n;
    }
  }

  private recv(): { op: number; body: Buffer } {
    this.readExact(this.head);
    const frame = Buffer.alloc(this.head.readUInt32LE(0));
    this.readExact(frame);
    return { op: frame[0], body: frame.subarray(1) };
  }

  call(name: string, ...args: number[]): number {
    const n = Buffer.from(name);
    const body = Buffer.alloc(2 + n.length + 4 * args.length);
    body[0] = n.length;
    n.copy(body, 1);
    body[1 + n.length] = args.length;
    args.forEach((a, i) => body.writeInt32LE(a | 0, 2 + n.length + 4 * i));
    this.send(OP_CALL, body);
    for (;;) {
      const { op, body: b } = this.recv();
      if (op === OP_RET) return b.readInt32LE(0);
      if (op === OP_TRAP) throw new Error(`wasm3 trap in ${name}: ${b.toString()}`);
      if (op !== OP_IMPORT) throw new Error(`wasm3 bridge: unexpected op ${op}`);
      const k = b[0];
      const imp = b.subarray(1, 1 + k).toString();
      const argc = b[1 + k];
      const a: number[] = [];
      for (let i = 0; i < argc; i++) a.push(b.readInt32LE(2 + k + 4 * i));
      const fn = this.imports[imp];
      const r = fn ? fn(...a) : 0;
      const out = Buffer.alloc(4);
      out.writeInt32LE((r ?? 0) | 0, 0);
      this.send(OP_RESULT, out);
    }
  }

  read(ptr: number, len: number): Uint8Array {
    if (len <= 0) return new Uint8Array(0);
    const body = Buffer.alloc(8);
    body.writeUInt32LE(ptr, 0);
    body.writeUInt32LE(len, 4);
    this.send(OP_READ, body);
    const { op, body: b } = this.recv();
    if (op !== OP_DATA) throw new Error(`wasm3 bridge: expected DATA, got op ${op}`);
    return new Uint8Array(b);
  }

  write(ptr: number, bytes: Uint8Array): void {
    const body = Buffer.alloc(4 + bytes.length);
    body.writeUInt32LE(ptr, 0);
    body.set(bytes, 4);
    this.send(OP_WRITE, body);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try { closeSync(this.req); } catch { /* already gone */ }
    try { closeSync(this.rsp); } catch { /* already gone */ }
    this.child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
