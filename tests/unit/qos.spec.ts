// The QoS flows as legal moves (assembly/mqtt/qos.ts): every move the
// session may make, and the illegal ones it logs by name.
import * as qos from "../../assembly/mqtt/qos";
import { QUEUED, SENT, REL_QUEUED, REL_SENT } from "../../assembly/mqtt/outbox";
import { PUBACK, PUBREC, PUBCOMP, PUBREL } from "../../assembly/mqtt/codec/constants";

describe("qos: outbound, written", () => {
  it("QoS 0 is done once written; QoS 1/2 and (UN)SUBSCRIBE wait for their ack", () => {
    expect(qos.sent(QUEUED, true)).toBe(qos.DONE);
    expect(qos.sent(QUEUED, false)).toBe(SENT);
  });
  it("a queued PUBREL waits for PUBCOMP", () => {
    expect(qos.sent(REL_QUEUED, false)).toBe(REL_SENT);
  });
  it("nothing already written is written again", () => {
    expect(qos.sent(SENT, false)).toBe(qos.ILLEGAL);
    expect(qos.sent(REL_SENT, false)).toBe(qos.ILLEGAL);
  });
});

describe("qos: outbound, acknowledged", () => {
  it("QoS 1: PUBACK ends a sent record", () => {
    expect(qos.acked(PUBACK, SENT, 1)).toBe(qos.DONE);
  });
  it("QoS 2: PUBREC turns it to PUBREL, PUBCOMP ends it", () => {
    expect(qos.acked(PUBREC, SENT, 2)).toBe(REL_QUEUED);
    expect(qos.acked(PUBCOMP, REL_SENT, 2)).toBe(qos.DONE);
  });
  it("an ack of the other QoS is illegal", () => {
    expect(qos.acked(PUBACK, SENT, 2)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBREC, SENT, 1)).toBe(qos.ILLEGAL);
  });
  it("an ack for an unknown id is illegal", () => {
    expect(qos.acked(PUBACK, qos.NONE, 0)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBREC, qos.NONE, 0)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBCOMP, qos.NONE, 0)).toBe(qos.ILLEGAL);
  });
  it("an ack out of order is illegal: before the record is written, or repeated", () => {
    expect(qos.acked(PUBACK, QUEUED, 1)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBREC, REL_QUEUED, 2)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBREC, REL_SENT, 2)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBCOMP, SENT, 2)).toBe(qos.ILLEGAL);
    expect(qos.acked(PUBCOMP, REL_QUEUED, 2)).toBe(qos.ILLEGAL);
  });
});

describe("qos: outbound, on CONNACK", () => {
  it("session present: a sent record goes again, a PUBREL is resent", () => {
    expect(qos.resumed(SENT, true, true)).toBe(QUEUED);
    expect(qos.resumed(QUEUED, true, true)).toBe(QUEUED);
    expect(qos.resumed(REL_QUEUED, true, true)).toBe(REL_QUEUED);
    expect(qos.resumed(REL_SENT, true, true)).toBe(REL_QUEUED);
    expect(qos.resumed(SENT, false, true)).toBe(QUEUED);
  });
  it("a new session: (UN)SUBSCRIBE and PUBREC'd QoS 2 are done, PUBLISHes go again", () => {
    expect(qos.resumed(SENT, false, false)).toBe(qos.DONE);
    expect(qos.resumed(QUEUED, false, false)).toBe(qos.DONE);
    expect(qos.resumed(REL_QUEUED, true, false)).toBe(qos.DONE);
    expect(qos.resumed(REL_SENT, true, false)).toBe(qos.DONE);
    expect(qos.resumed(SENT, true, false)).toBe(QUEUED);
    expect(qos.resumed(QUEUED, true, false)).toBe(QUEUED);
  });
});

describe("qos: inbound QoS 2", () => {
  it("a new id is delivered, a held one only acknowledged again", () => {
    expect(qos.received(false, false)).toBe(qos.DELIVER);
    expect(qos.received(true, false)).toBe(qos.REPEAT);
    expect(qos.received(true, true)).toBe(qos.REPEAT);
  });
  it("no free slot is illegal (not acknowledged, redelivered later)", () => {
    expect(qos.received(false, true)).toBe(qos.ILLEGAL);
  });
  it("PUBREL releases a held id; without a PUBREC it is illegal", () => {
    expect(qos.released(true)).toBe(qos.DONE);
    expect(qos.released(false)).toBe(qos.ILLEGAL);
    expect(PUBREL).toBe(<u8>6);
  });
});
