// The modem link's byte queues (assembly/link/ring.ts) on their own:
// received bytes pending until their response ends in OK (commit), dropped
// when it does not, released early for long pushed bursts, taken across the
// wrap of the ring; sent bytes appended, bounded and dropped from the front.
import * as ring from "../../assembly/link/ring";
import { LINK_RX_BYTES, LINK_TX_BYTES } from "../../assembly/config";
import { latin1, textOf } from "./helpers";

const OUT: usize = memory.data(4096, 16);

function put(s: string): void {
  for (let i = 0; i < s.length; i++) expect(ring.rxPut(<u8>s.charCodeAt(i))).toBe(true);
}

function take(n: i32 = 4096): string { return textOf(OUT, ring.rxTake(OUT, n)); }

describe("ring: received bytes", () => {
  beforeEach(() => { ring.clear(); });

  it("pending bytes are not readable until committed", () => {
    put("hello");
    expect(ring.rxPend).toBe(5);
    expect(ring.rxUsed()).toBe(0);
    expect(take()).toBe("");
    ring.rxCommit();
    expect(ring.rxPend).toBe(0);
    expect(ring.rxUsed()).toBe(5);
    expect(take()).toBe("hello");
    expect(ring.rxUsed()).toBe(0);
  });

  it("a drop forgets only the pending bytes and says how many", () => {
    put("ok");
    ring.rxCommit();
    put("noise");
    expect(ring.rxDrop()).toBe(5);
    expect(ring.rxDrop()).toBe(0);
    expect(take()).toBe("ok");
  });

  it("pending bytes count against the free room; a full ring refuses the byte", () => {
    for (let i = 0; i < LINK_RX_BYTES; i++) expect(ring.rxPut(0x41)).toBe(true);
    expect(ring.rxFree()).toBe(0);
    expect(ring.rxPut(0x42)).toBe(false);
    ring.rxDrop();
    expect(ring.rxFree()).toBe(LINK_RX_BYTES);
  });

  it("release makes the oldest pending byte readable, the rest stay pending", () => {
    put("abc");
    ring.rxRelease();
    expect(ring.rxUsed()).toBe(1);
    expect(ring.rxPend).toBe(2);
    expect(take()).toBe("a");
    expect(ring.rxDrop()).toBe(2);
  });

  it("bytes taken across the end of the ring come out whole and in order, in pieces of any size", () => {
    const fill = LINK_RX_BYTES - 3;
    for (let i = 0; i < fill; i++) ring.rxPut(0x2E);
    ring.rxCommit();
    expect(ring.rxTake(OUT, fill)).toBe(fill);
    put("0123456789"); // wraps after 3 bytes
    ring.rxCommit();
    expect(take(4)).toBe("0123");
    expect(take(1)).toBe("4");
    expect(take()).toBe("56789");
  });
});

describe("ring: bytes to send", () => {
  beforeEach(() => { ring.clear(); });

  it("appends up to the room left, drops sent bytes from the front", () => {
    const b = latin1("abcdef");
    expect(ring.txPut(b.dataStart, 6)).toBe(6);
    expect(ring.txUsed()).toBe(6);
    ring.txDrop(2);
    expect(textOf(ring.txData(), ring.txUsed())).toBe("cdef");
    for (let i = ring.txUsed(); i < LINK_TX_BYTES; i++) ring.txPut(b.dataStart, 1);
    expect(ring.txPut(b.dataStart, 6)).toBe(0);
    expect(ring.txUsed()).toBe(LINK_TX_BYTES);
  });

  it("clear empties both queues, pending bytes included", () => {
    const b = latin1("xyz");
    ring.txPut(b.dataStart, 3);
    put("ab");
    ring.rxCommit();
    put("c");
    ring.clear();
    expect(ring.txUsed()).toBe(0);
    expect(ring.rxUsed()).toBe(0);
    expect(ring.rxPend).toBe(0);
    expect(ring.rxFree()).toBe(LINK_RX_BYTES);
  });
});
