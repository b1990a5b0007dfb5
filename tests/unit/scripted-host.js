// The host ABI (board/ABI.md) for the as-pect unit specs, with a scripted
// MQTT broker behind sock_*, a clock the spec moves (millis), and a control
// module "broker" the specs import to script the peer and to inspect what
// the client sent. Every spec instance gets a fresh host.
//
// The modem UART (uart_read/uart_write), gpio_write and uart_set_baud are
// scripted through a second control module, "uart": the spec queues the
// bytes the modem prints (uart.rx), reads back what the firmware wrote
// (uart.tx_take), can limit how much each uart_read/uart_write call moves,
// and inspects every gpio_write with its time. See createHost's `uart`.
//
// The broker parses the client's bytes into packets and, unless told
// otherwise, answers like a well-behaved MQTT 3.1.1 broker: CONNACK,
// PUBACK/PUBREC/PUBCOMP, SUBACK (granting what was asked), UNSUBACK,
// PINGRESP. Scripting keys (broker.set):
export const KEY = {
  AUTO_CONNACK: 0, // 1: answer CONNECT (default 1)
  CONNACK_CODE: 1, // return code of that CONNACK (default 0)
  SESSION_PRESENT: 2, // 1: session present in the CONNACK (default 0)
  AUTO_ACK: 3, // 1: acknowledge PUBLISH/PUBREL (default 1)
  ANSWER_PING: 4, // 1: answer PINGREQ (default 1)
  GRANT: 5, // -1: grant the requested QoS, else this code for every filter (default -1)
  OPEN_MODE: 6, // 0 opens, 1 sock_open fails, 2 stays connecting, 3 connect refused (default 0)
  WRITE_LIMIT: 7, // >0: sock_write takes at most this many bytes per call (default 0)
  AUTO_SUBACK: 8, // 1: answer SUBSCRIBE/UNSUBSCRIBE (default 1)
  CLOSE_ON_DISCONNECT: 9, // 1: close the connection when DISCONNECT arrives (default 1)
};

function u16(b, i) { return (b[i] << 8) | b[i + 1]; }

/**
 * ascii("text") is rewritten at build time by scripts/ascii-transform.mjs;
 * asc cannot load that transform from an asconfig file in the repository
 * root (it turns "./scripts/x.mjs" into the bare "scripts/x.mjs"), so the
 * specs compile without it and ascii() stays an import ("ascii", "ascii").
 * This provides it: the same [len u8][ASCII bytes] blob, allocated once per
 * literal on the module's heap and pinned.
 */
export function createAscii(getExports) {
  const cache = new Map();
  return {
    ascii(strPtr) {
      const hit = cache.get(strPtr);
      if (hit !== undefined) return hit;
      const x = getExports();
      const m = new Uint8Array(x.memory.buffer);
      const byteLen = new DataView(x.memory.buffer).getUint32(strPtr - 4, true);
      const s = Buffer.from(m.slice(strPtr, strPtr + byteLen)).toString("utf16le");
      if (s.length > 255 || /[^\x00-\x7e]/.test(s)) throw new Error(`ascii(): not a short ASCII text: ${s}`);
      const p = x.__pin(x.__new(1 + s.length, 1 /* ArrayBuffer */));
      const m2 = new Uint8Array(x.memory.buffer);
      m2[p] = s.length;
      for (let i = 0; i < s.length; i++) m2[p + 1 + i] = s.charCodeAt(i);
      cache.set(strPtr, p);
      return p;
    },
  };
}

export function createHost(getMemory, print = false) {
  let now = 0;
  let opt;
  let sock; // { h, state, toClient: number[], fromClient: number[], closedByClient }
  let handles;
  let packets; // from the client: { type, flags, bytes }
  let events; // { kind, a, b, text }
  let messages; // { topic, payload, flags }
  let logs;
  let opens;
  let rnd;
  // the modem side of the UART
  let mdm; // { toFw: number[], fromFw: number[], readLimit, writeLimit, gpio: [{pin, level, t}], bauds: number[], reads, writes }

  function reset() {
    opt = [1, 0, 0, 1, 1, -1, 0, 0, 1, 1];
    sock = null;
    handles = 0;
    packets = [];
    events = [];
    messages = [];
    logs = [];
    opens = 0;
    rnd = 0x12345678;
    resetUart();
  }
  function resetUart() {
    mdm = { toFw: [], fromFw: [], readLimit: 0, writeLimit: 0, gpio: [], bauds: [], reads: 0, writes: 0 };
  }
  reset();

  const mem = () => new Uint8Array(getMemory().buffer);
  const bytesAt = (p, n) => Array.from(mem().subarray(p, p + n));
  const text = (p, n) => Buffer.from(mem().subarray(p, p + n)).toString("latin1");

  function send(bytes) {
    if (sock && sock.state === 1) sock.toClient.push(...bytes);
  }
  function ack(type, id) { send([(type << 4) | (type === 6 ? 2 : 0), 2, id >> 8, id & 0xff]); }

  /** Splits complete packets off the client's byte stream and answers them. */
  function serve() {
    const b = sock.fromClient;
    for (;;) {
      if (b.length < 2) return;
      let rem = 0, mul = 1, i = 1;
      for (;;) {
        if (i >= b.length) return;
        const c = b[i++];
        rem += (c & 0x7f) * mul;
        mul *= 128;
        if ((c & 0x80) === 0) break;
      }
      if (b.length < i + rem) return;
      const bytes = b.splice(0, i + rem);
      const type = bytes[0] >> 4, flags = bytes[0] & 15;
      const body = bytes.slice(i);
      packets.push({ type, flags, bytes, body });
      if (print) console.log(`[broker] got type ${type} flags ${flags} rem ${rem}`);
      answer(type, flags, body);
    }
  }

  function answer(type, flags, body) {
    if (type === 1 && opt[KEY.AUTO_CONNACK]) send([0x20, 2, opt[KEY.SESSION_PRESENT] ? 1 : 0, opt[KEY.CONNACK_CODE]]);
    else if (type === 3 && opt[KEY.AUTO_ACK]) {
      const qos = (flags >> 1) & 3;
      if (qos > 0) {
        const tl = u16(body, 0);
        const id = u16(body, 2 + tl);
        ack(qos === 1 ? 4 : 5, id);
      }
    } else if (type === 6 && opt[KEY.AUTO_ACK]) ack(7, u16(body, 0));
    else if (type === 8 && opt[KEY.AUTO_SUBACK]) {
      const codes = [];
      for (let i = 2; i < body.length;) {
        const n = u16(body, i);
        i += 2 + n;
        codes.push(opt[KEY.GRANT] >= 0 ? opt[KEY.GRANT] : body[i]);
        i++;
      }
      send([0x90, 2 + codes.length, body[0], body[1], ...codes]);
    } else if (type === 10 && opt[KEY.AUTO_SUBACK]) send([0xb0, 2, body[0], body[1]]);
    else if (type === 12 && opt[KEY.ANSWER_PING]) send([0xd0, 0]);
    else if (type === 14 && opt[KEY.CLOSE_ON_DISCONNECT]) sock.state = 2;
  }

  const host = {
    millis: () => now >>> 0,
    uart_write: (p, n) => {
      mdm.writes++;
      // writeLimit: 0 takes everything, > 0 at most that many, < 0 nothing (TX full)
      const k = mdm.writeLimit < 0 ? 0 : mdm.writeLimit > 0 ? Math.min(n, mdm.writeLimit) : n;
      if (k > 0) {
        const b = bytesAt(p, k);
        mdm.fromFw.push(...b);
        if (print) console.log(`[uart ${now}] fw> ${show(b)}`);
      }
      return k;
    },
    uart_read: (p, max) => {
      mdm.reads++;
      const lim = mdm.readLimit > 0 ? Math.min(max, mdm.readLimit) : max;
      const k = Math.min(lim, mdm.toFw.length);
      if (k <= 0) return 0;
      const b = mdm.toFw.splice(0, k);
      mem().set(b, p);
      if (print) console.log(`[uart ${now}] fw< ${show(b)}`);
      return k;
    },
    uart_set_baud: (baud) => { mdm.bauds.push(baud); },
    gpio_write: (pin, level) => {
      mdm.gpio.push({ pin, level, t: now >>> 0 });
      if (print) console.log(`[gpio ${now}] pin ${pin} = ${level}`);
    },
    sock_open: (hp, hl, port, _flags) => {
      opens++;
      if (opt[KEY.OPEN_MODE] === 1) return -11;
      sock = { h: handles++, host: text(hp, hl), port, state: opt[KEY.OPEN_MODE] === 2 ? 0 : opt[KEY.OPEN_MODE] === 3 ? -1 : 1, toClient: [], fromClient: [] };
      if (print) console.log(`[broker] open ${sock.host}:${port} -> ${sock.h}`);
      return sock.h;
    },
    sock_write: (h, p, n) => {
      if (!sock || h !== sock.h || sock.state !== 1) return -1;
      const k = opt[KEY.WRITE_LIMIT] > 0 ? Math.min(n, opt[KEY.WRITE_LIMIT]) : n;
      sock.fromClient.push(...bytesAt(p, k));
      serve();
      return k;
    },
    sock_read: (h, p, max) => {
      if (!sock || h !== sock.h) return -1;
      if (sock.toClient.length === 0) return sock.state === 1 || sock.state === 0 ? 0 : -1;
      const k = Math.min(max, sock.toClient.length);
      mem().set(sock.toClient.splice(0, k), p);
      return k;
    },
    sock_state: (h) => (sock && h === sock.h ? sock.state : -1),
    sock_close: (h) => {
      if (sock && h === sock.h) {
        if (print) console.log(`[broker] client closed ${h}`);
        sock.state = -2;
        sock.closedByClient = true;
      }
    },
    random_fill: (p, n) => {
      const m = mem();
      for (let i = 0; i < n; i++) {
        rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5;
        m[p + i] = rnd & 0xff;
      }
    },
    log: (level, p, n) => {
      logs.push(text(p, n));
      if (print) console.log(`[log ${level}] ${text(p, n)}`);
    },
    config_read: () => -1,
    event: (kind, a, b, p, n) => {
      events.push({ kind, a, b, text: text(p, n) });
      if (print) console.log(`[event] ${kind} a=${a} b=${b} ${text(p, n)}`);
    },
    message: (tp, tl, pp, pl, flags) => {
      messages.push({ topic: bytesAt(tp, tl), payload: bytesAt(pp, pl), flags });
    },
  };

  const broker = {
    reset,
    set: (k, v) => { opt[k] = v; },
    advance: (ms) => { now = (now + ms) >>> 0; },
    now: () => now >>> 0,
    /** Raw bytes to the client, as if the broker sent them. */
    inject: (p, n) => { if (sock && sock.state === 1) sock.toClient.push(...bytesAt(p, n)); },
    /** The broker closes the connection (the client reads what is left, then -1). */
    peer_close: () => { if (sock && sock.state === 1) sock.state = 2; },
    link_state: () => (sock ? sock.state : -100),
    opens: () => opens,
    pending_to_client: () => (sock ? sock.toClient.length : 0),
    sent_count: () => packets.length,
    sent_type: (i) => (i < packets.length ? packets[i].type : -1),
    sent_flags: (i) => (i < packets.length ? packets[i].flags : -1),
    /** Packet id of sent packet i: PUBLISH QoS > 0, acks, (UN)SUBSCRIBE; -1 otherwise. */
    sent_id: (i) => {
      const pk = packets[i];
      if (!pk) return -1;
      if (pk.type === 3) {
        if (((pk.flags >> 1) & 3) === 0) return 0;
        const tl = u16(pk.body, 0);
        return u16(pk.body, 2 + tl);
      }
      return pk.type >= 4 && pk.type <= 11 ? u16(pk.body, 0) : -1;
    },
    /** Copies sent packet i (whole) to p; returns its length. */
    sent_copy: (i, p, max) => {
      const pk = packets[i];
      if (!pk) return -1;
      mem().set(pk.bytes.slice(0, max), p);
      return pk.bytes.length;
    },
    /** How many packets of this type the client sent. */
    count_type: (t) => packets.filter((pk) => pk.type === t).length,
    event_count: () => events.length,
    event_kind: (i) => (events[i] ? events[i].kind : -1),
    event_a: (i) => (events[i] ? events[i].a : 0),
    event_b: (i) => (events[i] ? events[i].b : 0),
    /** Events of this kind so far. */
    count_event: (k) => events.filter((e) => e.kind === k).length,
    /** The a (or b) of the last event of kind k, or -999. */
    last_event_a: (k) => { const e = events.filter((x) => x.kind === k).pop(); return e ? e.a : -999; },
    last_event_b: (k) => { const e = events.filter((x) => x.kind === k).pop(); return e ? e.b : -999; },
    message_count: () => messages.length,
    message_flags: (i) => (messages[i] ? messages[i].flags : -1),
    message_payload: (i, p, max) => {
      const m = messages[i];
      if (!m) return -1;
      mem().set(m.payload.slice(0, max), p);
      return m.payload.length;
    },
  };

  /** The modem side of the UART, GPIO and the clock, for the AT specs. */
  const uart = {
    reset: resetUart,
    /** Queues bytes the modem prints (firmware-bound). */
    rx: (p, n) => { mdm.toFw.push(...bytesAt(p, n)); },
    /** Firmware-bound bytes not read yet. */
    rx_pending: () => mdm.toFw.length,
    /** Drops firmware-bound bytes not read yet. */
    rx_clear: () => { mdm.toFw = []; },
    /** At most n bytes per uart_read (0: no limit). */
    read_limit: (n) => { mdm.readLimit = n; },
    /** At most n bytes per uart_write (0: no limit, < 0: nothing is taken). */
    write_limit: (n) => { mdm.writeLimit = n; },
    /** Bytes the firmware wrote and the spec has not taken. */
    tx_count: () => mdm.fromFw.length,
    /** Moves up to max written bytes to p; returns how many. */
    tx_take: (p, max) => {
      const k = Math.min(max, mdm.fromFw.length);
      mem().set(mdm.fromFw.splice(0, k), p);
      return k;
    },
    /** uart_read / uart_write calls so far. */
    reads: () => mdm.reads,
    writes: () => mdm.writes,
    gpio_count: () => mdm.gpio.length,
    gpio_pin: (i) => (mdm.gpio[i] ? mdm.gpio[i].pin : -1),
    gpio_level: (i) => (mdm.gpio[i] ? mdm.gpio[i].level : -1),
    gpio_time: (i) => (mdm.gpio[i] ? mdm.gpio[i].t : -1),
    baud_count: () => mdm.bauds.length,
    last_baud: () => (mdm.bauds.length ? mdm.bauds[mdm.bauds.length - 1] : -1),
    advance: (ms) => { now = (now + ms) >>> 0; },
    now: () => now >>> 0,
    /** How many host log lines so far contain the text p[0..n). */
    log_count: (p, n) => { const t = text(p, n); return logs.filter((l) => l.includes(t)).length; },
    logs_clear: () => { logs = []; },
    /** Prints p[0..n) at once (as-pect reports strings after the test, when they may be gone). */
    print: (p, n) => { console.log(`  [spec] ${text(p, n)}`); },
  };

  return { host, broker, uart };
}

function show(b) {
  return b.map((c) => (c === 13 ? "\\r" : c === 10 ? "\\n" : c >= 32 && c < 127 ? String.fromCharCode(c) : `<${c.toString(16).padStart(2, "0")}>`)).join("");
}
