// The inbound QoS 2 table (assembly/mqtt/inbound.ts): ids held between
// PUBREC and PUBREL, bounded by QOS2_IN_SLOTS.
import * as q2 from "../../assembly/mqtt/inbound";
import { QOS2_IN_SLOTS } from "../../assembly/config";

describe("inbound QoS 2 ids", () => {
  beforeEach(() => { q2.clear(); });

  it("holds an id until it is released", () => {
    expect(q2.has(7)).toBe(false);
    q2.add(7);
    expect(q2.has(7)).toBe(true);
    expect(q2.count()).toBe(1);
    q2.release(7);
    expect(q2.has(7)).toBe(false);
    expect(q2.count()).toBe(0);
  });

  it("releasing an unknown id changes nothing", () => {
    q2.add(1);
    q2.release(2);
    expect(q2.has(1)).toBe(true);
    expect(q2.count()).toBe(1);
  });

  it("keeps the others when one in the middle is released", () => {
    q2.add(1);
    q2.add(2);
    q2.add(3);
    q2.release(1);
    expect(q2.has(1)).toBe(false);
    expect(q2.has(2)).toBe(true);
    expect(q2.has(3)).toBe(true);
    expect(q2.count()).toBe(2);
  });

  it("is full at QOS2_IN_SLOTS ids, and has room again after a release", () => {
    for (let i = 1; i <= QOS2_IN_SLOTS; i++) q2.add(i);
    expect(q2.full()).toBe(true);
    expect(q2.has(QOS2_IN_SLOTS)).toBe(true);
    q2.release(1);
    expect(q2.full()).toBe(false);
  });

  it("holds ids across the whole 16-bit range", () => {
    q2.add(65535);
    expect(q2.has(65535)).toBe(true);
    expect(q2.has(1)).toBe(false);
  });

  it("clear() forgets every id (a new session)", () => {
    q2.add(5);
    q2.clear();
    expect(q2.has(5)).toBe(false);
    expect(q2.count()).toBe(0);
  });
});
