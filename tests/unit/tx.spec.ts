// The transmit buffer (assembly/mqtt/tx.ts): whole packets appended while
// they fit. Writing through the link is the session spec's (one packet per
// write with the broker's WRITE_LIMIT).
import { txFree, txPending, txReset, txStart, txCommit, txPut, txAck, txEmpty } from "../../assembly/mqtt/tx";
import { MAX_PACKET } from "../../assembly/config";
import { hex, fill } from "./helpers";

describe("tx buffer", () => {
  beforeEach(() => { txReset(); });

  it("appends acks and empty packets, counting what waits", () => {
    txAck(4, 0x0102);
    expect(txPending()).toBe(4);
    expect(txEmpty(12)).toBe(true);
    expect(txPending()).toBe(6);
    expect(txFree()).toBe(MAX_PACKET - 6);
  });

  it("a packet encoded at the start replaces what was there", () => {
    txAck(4, 1);
    const p = txStart();
    store<u8>(p, 0xe0);
    store<u8>(p + 1, 0);
    txCommit(2);
    expect(txPending()).toBe(2);
    expect(hex(p, 2)).toBe("e0 00");
  });

  it("takes bytes only while they fit, and refuses what does not", () => {
    const big = fill(MAX_PACKET - 2, 0x41);
    expect(txPut(big.dataStart, big.length)).toBe(true);
    expect(txEmpty(12)).toBe(true); // exactly full
    expect(txFree()).toBe(0);
    expect(txEmpty(12)).toBe(false);
    const one = fill(1, 0x42);
    expect(txPut(one.dataStart, 1)).toBe(false);
    expect(txPending()).toBe(MAX_PACKET);
  });
});
