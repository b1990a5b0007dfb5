// The module's command-line reader: bytes to command lines (ending at CR,
// or CR LF on ESP-AT), backspace, the 556-character limit, autobaud sync on
// "AT", and the counted (or Ctrl-Z ended) data phase after `>`.

const CR = 0x0d;
const LF = 0x0a;
const BS = 0x08;
/** SIM800 manual: a command line holds at most 556 characters. */
export const MAX_LINE = 556;

interface DataSink {
  /** bytes still expected; null = until Ctrl-Z (ESC cancels) */
  need: number | null;
  parts: Uint8Array[];
  got: number;
  echo: boolean;
  done: (data: Uint8Array, cancelled: boolean) => void;
}

export interface Line {
  text: string;
  /** longer than the module takes: answered ERROR */
  overflow: boolean;
}

export class LineReader {
  private buf: number[] = [];
  private overflow = false;
  private prevByte = -1;
  private sink: DataSink | null = null;

  constructor(private readonly crlf: boolean) {}

  reset(): void {
    this.buf = [];
    this.overflow = false;
    this.sink = null;
    this.prevByte = -1;
  }

  /** bytes of the line so far */
  get length(): number {
    return this.buf.length;
  }

  get inData(): boolean {
    return this.sink !== null;
  }

  /** Autobaud: nothing is understood until "AT" / "at"; returns those two bytes once seen (the line starts with them). */
  sync(b: number): number[] | null {
    const prev = this.prevByte;
    this.prevByte = b;
    const isT = b === 0x54 || b === 0x74;
    const prevA = prev === 0x41 || prev === 0x61;
    if (!(isT && prevA)) return null;
    this.buf = [prev, b];
    return this.buf.slice();
  }

  /** A command-mode byte; the finished line when it ends one. */
  push(b: number): Line | null {
    const ends = this.crlf ? b === LF && this.buf[this.buf.length - 1] === CR : b === CR;
    if (ends) {
      if (this.crlf) this.buf.pop();
      const line = { text: Buffer.from(this.buf).toString('latin1'), overflow: this.overflow };
      this.buf = [];
      this.overflow = false;
      return line;
    }
    if (b === BS) { this.buf.pop(); return null; }
    if (!this.crlf && b === LF) return null;
    if (this.buf.length < MAX_LINE + 8) this.buf.push(b);
    else this.overflow = true;
    return null;
  }

  /** The data phase after `>`: the next `need` bytes (or up to Ctrl-Z) are data. */
  expectData(need: number | null, echo: boolean, done: (data: Uint8Array, cancelled: boolean) => void): void {
    this.sink = { need, parts: [], got: 0, echo, done };
  }

  /**
   * Feeds input to the data phase; returns how many bytes it took. Echoed
   * bytes go to echo(); flush() runs before the data is handed on.
   */
  feed(chunk: Uint8Array, echo: (b: Uint8Array) => void, flush: () => void): number {
    const s = this.sink!;
    let used: number;
    let finished = false;
    let cancelled = false;
    if (s.need !== null) {
      used = Math.min(chunk.length, s.need - s.got);
      s.parts.push(chunk.slice(0, used));
      s.got += used;
      finished = s.got === s.need;
    } else {
      const z = chunk.findIndex((x) => x === 0x1a || x === 0x1b);
      used = z < 0 ? chunk.length : z + 1;
      const data = chunk.slice(0, z < 0 ? used : z);
      s.parts.push(data);
      s.got += data.length;
      if (z >= 0) { finished = true; cancelled = chunk[z] === 0x1b; }
    }
    if (s.echo) echo(chunk.subarray(0, used));
    if (finished) {
      this.sink = null;
      const all = Buffer.concat(s.parts);
      flush();
      s.done(all, cancelled);
    }
    return used;
  }
}
