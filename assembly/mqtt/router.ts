// Subscriptions and who gets their messages. Entries are kept in SUBSCRIBE
// wire form ([u16 len][filter][qos]) in one pool, so renewing them all on a
// new session is one encodeSubscribe() over the pool.
import { ROUTER_BYTES, ROUTER_SLOTS } from "../config";
import { OK, E_NO_SLOT } from "../errors";
import { topicMatches } from "./topic";
import { View, messageView } from "../app/view";

/** An app's message handler: topic, payload and flags (qos | retain << 2 | dup << 3). */
export type Handler = (topic: usize, topicLen: i32, payload: usize, payloadLen: i32, flags: i32) => void;

const pool: usize = memory.data(ROUTER_BYTES, 2);
// handlers as the addresses of their function objects: linear memory is one
// 64 KiB page, so u16 is plenty and halves their RAM
const handlers: usize = memory.data(ROUTER_SLOTS * 2, 2);
const offs: usize = memory.data(ROUTER_SLOTS * 2, 2);
let n: i32 = 0;
let used: i32 = 0;

/** An app's handler (app/api.ts subscribe): the topic and payload as views. */
export type AppHandler = (topic: View, payload: View) => void;

/** Calls an app handler (an odd entry: its function object's address, at
 * least 4-aligned, with bit 0 set): one trampoline fills the two message
 * views, so no wrapper is made per subscription and nothing is allocated.
 * A direct call, not a function reference: that would cost a 32-byte
 * function object in static RAM. */
function callApp(fn: usize, t: usize, tl: i32, p: usize, pl: i32): void {
  const topic = messageView(0);
  const payload = messageView(1);
  topic.ptr = t;
  topic.len = tl;
  payload.ptr = p;
  payload.len = pl;
  changetype<AppHandler>(fn)(topic, payload);
}

/** The host, reached through host.message; used for handler 0. */
let hostSink: Handler | null = null;
export function setHostSink(h: Handler): void { hostSink = h; }

export function entries(): usize { return pool; }
export function entriesLen(): i32 { return used; }
export function count(): i32 { return n; }

function off(i: i32): usize { return pool + load<u16>(offs + (i << 1)); }
function flen(i: i32): i32 { return (<i32>load<u8>(off(i)) << 8) | load<u8>(off(i) + 1); }

function indexOf(f: usize, fl: i32): i32 {
  for (let i = 0; i < n; i++) {
    if (flen(i) == fl && memory.compare(off(i) + 2, f, fl) == 0) return i;
  }
  return -1;
}

/** Adds or updates a subscription; handler 0 means the host, an odd one an app's (callApp). */
export function add(f: usize, fl: i32, qos: i32, handler: usize): i32 {
  let i = indexOf(f, fl);
  if (i >= 0) {
    store<u8>(off(i) + 2 + fl, <u8>qos);
    store<u16>(handlers + (i << 1), <u16>handler);
    return OK;
  }
  if (n >= ROUTER_SLOTS || used + fl + 3 > ROUTER_BYTES) return E_NO_SLOT;
  const p = pool + used;
  store<u8>(p, <u8>(fl >> 8));
  store<u8>(p + 1, <u8>fl);
  memory.copy(p + 2, f, fl);
  store<u8>(p + 2 + fl, <u8>qos);
  store<u16>(offs + (n << 1), <u16>used);
  store<u16>(handlers + (n << 1), <u16>handler);
  used += fl + 3;
  n++;
  return OK;
}

export function remove(f: usize, fl: i32): void {
  const i = indexOf(f, fl);
  if (i < 0) return;
  const o = <i32>load<u16>(offs + (i << 1));
  const l = fl + 3;
  memory.copy(pool + o, pool + o + l, used - o - l);
  used -= l;
  const rest = n - i - 1;
  memory.copy(offs + (i << 1), offs + ((i + 1) << 1), rest << 1);
  memory.copy(handlers + (i << 1), handlers + ((i + 1) << 1), rest << 1);
  n--;
  for (let k = i; k < n; k++) store<u16>(offs + (k << 1), <u16>(load<u16>(offs + (k << 1)) - l));
}

export function clear(): void { n = used = 0; }

/** Gives a message to every app handler whose filter matches, and to the
 * host when a host subscription matches or no app handler took it. */
export function dispatch(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void {
  let toHost = false;
  let taken = false;
  for (let i = 0; i < n; i++) {
    if (!topicMatches(off(i) + 2, flen(i), t, tl)) continue;
    const h = <usize>load<u16>(handlers + (i << 1));
    if (h == 0) toHost = true;
    else if ((h & 1) != 0) {
      taken = true;
      callApp(h ^ 1, t, tl, p, pl);
    } else {
      taken = true;
      changetype<Handler>(h)(t, tl, p, pl, flags);
    }
  }
  if ((toHost || !taken) && hostSink) (<Handler>hostSink)(t, tl, p, pl, flags);
}
