// A board image's serial console (board/CONSOLE.md) on an emulator
// process's stdin/stdout, for the board tests: lines in, lines out with the
// time they came, waits on them, and the `S` figures.
import type { ChildProcess } from 'node:child_process';
import readline from 'node:readline';

export interface Line { text: string; at: number }

export class BoardConsole {
  readonly lines: Line[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];

  /** onLine: sees each console line first (a QEMU board's `G PIN LEVEL` goes to the modem there). */
  constructor(readonly proc: ChildProcess, onLine?: (text: string) => void) {
    proc.stdin!.on('error', () => {});
    readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
      onLine?.(text);
      this.lines.push({ text, at: Date.now() });
      this.wake();
    });
    readline.createInterface({ input: proc.stderr! }).on('line', (l) => {
      this.stderr.push(l);
      this.wake();
    });
  }

  private wake(): void { for (const w of this.waiters.splice(0)) w(); }

  send(line: string): void { this.proc.stdin!.write(line + '\n'); }

  /** Resolves at the next line on stdout or stderr, or after ms. */
  protected nextLine(ms: number): Promise<void> {
    return new Promise<void>((resolve) => { const t = setTimeout(resolve, ms); this.waiters.push(() => { clearTimeout(t); resolve(); }); });
  }

  /** Waits for a console line matching re, after line index from; returns it and its index. */
  async waitLine(re: RegExp, timeoutMs: number, from = 0): Promise<{ line: Line; index: number }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i]!.text)) return { line: this.lines[i]!, index: i };
      const left = until - Date.now();
      if (left <= 0 || this.proc.exitCode !== null) {
        throw new Error(`no console line ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).map((l) => l.text).join('\n')}\nstderr:\n${this.stderr.slice(-5).join('\n')}`);
      }
      await this.nextLine(Math.min(left, 200));
    }
  }

  /** `stats`: the S line's key=value pairs as numbers. */
  async stats(timeoutMs = 5000): Promise<Record<string, number>> {
    const from = this.lines.length;
    this.send('stats');
    const { line } = await this.waitLine(/^S /, timeoutMs, from);
    const o: Record<string, number> = {};
    for (const kv of line.text.slice(2).split(' ')) { const [k, v] = kv.split('='); if (k && v !== undefined) o[k] = Number(v); }
    return o;
  }
}

/** Hex of a string, as console lines carry topics and payloads. */
export const hex = (s: string): string => Buffer.from(s).toString('hex');
