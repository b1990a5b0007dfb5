// The outbox (assembly/mqtt/outbox.ts): encoded packets in order in one
// pool, their states, ids read back from the bytes, removal and rotation.
import * as ob from "../../assembly/mqtt/outbox";
import { encodePublish, encodeSubscribe } from "../../assembly/mqtt/codec/encode";
import { utf8, hex } from "./helpers";
import { OUTBOX_SLOTS, OUTBOX_BYTES } from "../../assembly/config";
import { PUBLISH, SUBSCRIBE } from "../../assembly/mqtt/codec/constants";

function pub(topic: string, payload: string, qos: i32, id: i32): i32 {
  const t = utf8(topic);
  const p = utf8(payload);
  const r = encodePublish(ob.tail(), ob.freeBytes(), t.dataStart, t.length, p.dataStart, p.length, qos, false, false, id);
  ob.commit(r);
  return r;
}

function sub(filter: string, id: i32): i32 {
  const f = utf8(filter);
  const list = new Array<u8>(0);
  list.push(<u8>(f.length >> 8));
  list.push(<u8>f.length);
  for (let i = 0; i < f.length; i++) list.push(f[i]);
  list.push(1);
  const r = encodeSubscribe(ob.tail(), ob.freeBytes(), id, list.dataStart, list.length);
  ob.commit(r);
  return r;
}

describe("outbox", () => {
  beforeEach(() => { ob.clear(); });

  it("keeps records in order, queued, with type, QoS, length and id read from their bytes", () => {
    const a = pub("t/a", "x", 0, 0);
    const b = pub("t/b", "yy", 1, 0x1234);
    const c = sub("s/#", 9);
    expect(ob.count()).toBe(3);
    expect(ob.len(0)).toBe(a);
    expect(ob.len(1)).toBe(b);
    expect(ob.len(2)).toBe(c);
    expect(ob.id(0)).toBe(0);
    expect(ob.id(1)).toBe(0x1234);
    expect(ob.id(2)).toBe(9);
    expect(ob.type(1)).toBe(PUBLISH);
    expect(ob.type(2)).toBe(SUBSCRIBE);
    expect(ob.qos(1)).toBe(1);
    expect(ob.state(0)).toBe(ob.QUEUED);
    expect(ob.freeBytes()).toBe(OUTBOX_BYTES - a - b - c);
  });

  it("finds a record by id and type, and knows which ids are in use", () => {
    pub("t", "1", 2, 5);
    sub("f", 6);
    expect(ob.find(5, PUBLISH)).toBe(0);
    expect(ob.find(6, SUBSCRIBE)).toBe(1);
    expect(ob.find(6, PUBLISH)).toBe(-1);
    expect(ob.idInUse(5)).toBe(true);
    expect(ob.idInUse(7)).toBe(false);
  });

  it("removes a record from the middle and keeps the others whole, in order", () => {
    pub("t/1", "one", 1, 1);
    pub("t/22", "two", 1, 2);
    pub("t/333", "three", 1, 3);
    ob.setState(2, ob.SENT);
    const last = hex(ob.ptr(2), ob.len(2));
    ob.remove(1);
    expect(ob.count()).toBe(2);
    expect(ob.id(0)).toBe(1);
    expect(ob.id(1)).toBe(3);
    expect(ob.state(1)).toBe(ob.SENT);
    expect(hex(ob.ptr(1), ob.len(1))).toBe(last);
  });

  it("moves the newest record to the front (renewed subscriptions go first)", () => {
    pub("t/1", "one", 1, 1);
    pub("t/2", "two", 2, 2);
    const s = sub("x/+", 3);
    ob.setState(0, ob.SENT);
    ob.lastToFront();
    expect(ob.id(0)).toBe(3);
    expect(ob.type(0)).toBe(SUBSCRIBE);
    expect(ob.len(0)).toBe(s);
    expect(ob.id(1)).toBe(1);
    expect(ob.state(1)).toBe(ob.SENT);
    expect(ob.id(2)).toBe(2);
    expect(ob.state(0)).toBe(ob.QUEUED);
  });

  it("has no room past OUTBOX_SLOTS records or OUTBOX_BYTES bytes", () => {
    for (let i = 0; i < OUTBOX_SLOTS; i++) pub("t", "", 1, i + 1);
    expect(ob.hasRoom(1)).toBe(false);
    ob.clear();
    expect(ob.hasRoom(OUTBOX_BYTES)).toBe(true);
    expect(ob.hasRoom(OUTBOX_BYTES + 1)).toBe(false);
  });
});
