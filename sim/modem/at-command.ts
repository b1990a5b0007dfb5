// AT command lines as the emulators see them: the name / operator /
// argument split, and the small helpers every vendor file uses to answer.

/** `\r\n<text>\r\n` */
export const L = (text: string): string => `\r\n${text}\r\n`;

export interface Cmd {
  /** `''` for bare AT, `E` for ATE0, `+CIPSTART`, `&W` */
  name: string;
  /** `''` execute, `=` set, `?` read, `=?` test */
  op: '' | '=' | '?' | '=?';
  /** arguments with quotes removed */
  args: string[];
  /** the command line as received, from "AT" */
  text: string;
}

/** backslash: ESP-AT's escapes inside quoted arguments (`\"`, `\,`, `\\`); SIMCom has none. */
export function parseCmd(text: string, backslash = false): Cmd {
  const rest = text.slice(2);
  let name: string;
  let tail: string;
  const ext = /^([+*#$%^][A-Za-z0-9_]+)(.*)$/s.exec(rest);
  if (ext) {
    name = ext[1]!.toUpperCase();
    tail = ext[2]!;
  } else if (rest.startsWith('&')) {
    name = rest.slice(0, 2).toUpperCase();
    tail = rest.slice(2);
  } else if (rest.length > 0) {
    name = rest[0]!.toUpperCase();
    tail = rest.slice(1);
  } else {
    return { name: '', op: '', args: [], text };
  }
  let op: Cmd['op'] = '';
  if (tail.startsWith('=?')) { op = '=?'; tail = tail.slice(2); }
  else if (tail.startsWith('=')) { op = '='; tail = tail.slice(1); }
  else if (tail.startsWith('?')) { op = '?'; tail = tail.slice(1); }
  else if (!ext) op = tail.length > 0 ? '=' : ''; // ATE0 → E with "0"
  return { name, op, args: splitArgs(tail, backslash), text };
}

/** Splits on commas outside double quotes and removes the quotes. */
export function splitArgs(s: string, backslash = false): string[] {
  if (s.trim() === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let escaped = false;
  for (const ch of s) {
    if (escaped) { cur += ch; escaped = false; continue; }
    if (backslash && quoted && ch === '\\') { escaped = true; continue; }
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) { out.push(cur.trim()); cur = ''; }
    else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** Takes up to n bytes off the front of a queue of received chunks (a
 * link's receive buffer), splitting the last chunk taken if need be. */
export function takeBytes(queue: Buffer[], n: number): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n && queue.length > 0) {
    const head = queue[0]!;
    const k = Math.min(head.length, n - got);
    parts.push(head.subarray(0, k));
    got += k;
    if (k === head.length) queue.shift();
    else queue[0] = head.subarray(k);
  }
  return Buffer.concat(parts);
}

/** A decimal integer argument, or NaN. */
export function int(s: string | undefined): number {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN;
}

export function latin1(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}
