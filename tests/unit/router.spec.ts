// The router (assembly/mqtt/router.ts): subscriptions in SUBSCRIBE wire
// form, and who gets each message.
import * as router from "../../assembly/mqtt/router";
import { utf8, hex } from "./helpers";
import { OK, E_NO_SLOT } from "../../assembly/errors";
import { ROUTER_SLOTS } from "../../assembly/config";

let hostGot: i32 = 0;
let appGot: i32 = 0;
let lastFlags: i32 = -1;
function toHost(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void { hostGot++; lastFlags = flags; }
function toApp(t: usize, tl: i32, p: usize, pl: i32, flags: i32): void { appGot++; }

function add(f: string, qos: i32, h: usize): i32 {
  const b = utf8(f);
  return router.add(b.dataStart, b.length, qos, h);
}
function remove(f: string): void {
  const b = utf8(f);
  router.remove(b.dataStart, b.length);
}
function send(t: string): void {
  const b = utf8(t);
  router.dispatch(b.dataStart, b.length, b.dataStart, 0, 1);
}

describe("router", () => {
  beforeEach(() => {
    router.clear();
    router.setHostSink(toHost);
    hostGot = appGot = 0;
    lastFlags = -1;
  });

  it("keeps entries in SUBSCRIBE wire form, ready to renew", () => {
    expect(add("a/+", 1, 0)).toBe(OK);
    expect(add("b", 2, 0)).toBe(OK);
    expect(router.count()).toBe(2);
    expect(hex(router.entries(), router.entriesLen())).toBe("00 03 61 2f 2b 01 00 01 62 02");
  });

  it("updates the QoS of a filter added twice instead of adding it again", () => {
    add("a", 0, 0);
    add("a", 2, 0);
    expect(router.count()).toBe(1);
    expect(hex(router.entries(), router.entriesLen())).toBe("00 01 61 02");
  });

  it("removes one entry and compacts the rest", () => {
    add("a", 0, 0);
    add("bb", 1, 0);
    add("c", 2, 0);
    remove("bb");
    expect(router.count()).toBe(2);
    expect(hex(router.entries(), router.entriesLen())).toBe("00 01 61 00 00 01 63 02");
    remove("zz"); // unknown: nothing happens
    expect(router.count()).toBe(2);
  });

  it("refuses past ROUTER_SLOTS entries", () => {
    for (let i = 0; i < ROUTER_SLOTS; i++) expect(add("t" + i.toString(), 0, 0)).toBe(OK);
    expect(add("x", 0, 0)).toBe(E_NO_SLOT);
  });

  it("gives a message to the app handler whose filter matches, not to the host", () => {
    add("app/#", 1, changetype<usize>(toApp));
    send("app/x");
    expect(appGot).toBe(1);
    expect(hostGot).toBe(0);
  });

  it("gives a message to the host when a host filter matches, with its flags", () => {
    add("h/+", 1, 0);
    send("h/x");
    expect(hostGot).toBe(1);
    expect(lastFlags).toBe(1);
  });

  it("gives a message to both when both match", () => {
    add("m/#", 1, changetype<usize>(toApp));
    add("m/+", 1, 0);
    send("m/a");
    expect(appGot).toBe(1);
    expect(hostGot).toBe(1);
  });

  it("gives a message nobody's filter matches to the host (never lost)", () => {
    add("app/#", 1, changetype<usize>(toApp));
    send("other");
    expect(appGot).toBe(0);
    expect(hostGot).toBe(1);
  });
});
