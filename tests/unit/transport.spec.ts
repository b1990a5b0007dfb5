// The transport (assembly/transport.ts) on its own: the five calls the
// session makes reach the raw link (here the host's sockets, played by the
// scripted broker of tests/unit/scripted-host.js) or the WebSocket layer
// over it, as bound once from the URL's scheme.
import {
  transportUseWebSocket, transportOpen, transportState, transportRead, transportWrite, transportClose, transportPendingOut, transportError,
} from "../../assembly/transport";
import { linkSelect, KIND_SOCKET, LINK_DOWN, LINK_OPENING, LINK_UP } from "../../assembly/link/link";
import { utf8 } from "./helpers";
import { E_LINK_CLOSED } from "../../assembly/errors";

@external("broker", "reset") declare function bReset(): void;
@external("broker", "inject") declare function bInject(p: usize, n: i32): void;
@external("broker", "link_state") declare function bLinkState(): i32;
@external("broker", "opens") declare function bOpens(): i32;
@external("broker", "sent_count") declare function bSentCount(): i32;
@external("broker", "sent_type") declare function bSentType(i: i32): i32;

const host = utf8("broker.test");
const path = utf8("/mqtt");
const BUF: usize = memory.data(256, 16);

function open(): i32 { return transportOpen(host.dataStart, host.length, 1883, path.dataStart, path.length, false); }

describe("transport: the raw link", () => {
  beforeEach(() => {
    bReset();
    expect(linkSelect(KIND_SOCKET, 0)).toBe(0);
    transportUseWebSocket(false);
  });

  it("open, write, read and close reach the socket unchanged", () => {
    expect(open()).toBe(0);
    expect(bOpens()).toBe(1);
    expect(transportState()).toBe(LINK_UP);
    store<u8>(BUF, 0xC0); // PINGREQ
    store<u8>(BUF + 1, 0);
    expect(transportWrite(BUF, 2)).toBe(2);
    expect(bSentCount()).toBe(1);
    expect(bSentType(0)).toBe(12);
    expect(transportPendingOut()).toBe(0);
    // the scripted broker answered PINGRESP
    expect(transportRead(BUF, 256)).toBe(2);
    expect(load<u8>(BUF)).toBe(0xD0);
    expect(transportRead(BUF, 256)).toBe(0);
    transportClose();
    expect(bLinkState()).toBe(-2); // closed by the client
    expect(transportState()).toBe(LINK_DOWN);
    expect(transportError()).toBe(0);
  });

  it("bytes the peer sends arrive in order, in reads of any size", () => {
    open();
    const b = utf8("abcdef");
    bInject(b.dataStart, b.length);
    expect(transportRead(BUF, 4)).toBe(4);
    expect(transportRead(BUF + 4, 4)).toBe(2);
    expect(String.UTF8.decodeUnsafe(BUF, 6)).toBe("abcdef");
    transportClose();
  });
});

describe("transport: WebSocket over the link", () => {
  beforeEach(() => {
    bReset();
    linkSelect(KIND_SOCKET, 0);
    transportUseWebSocket(true);
  });

  it("open starts the upgrade: the socket is up, the transport is not until the server's 101", () => {
    expect(open()).toBe(0);
    expect(bOpens()).toBe(1);
    expect(bLinkState()).toBe(1);
    expect(transportState()).toBe(LINK_OPENING);
    // nothing of the raw stream reaches the session before the upgrade
    expect(transportRead(BUF, 256)).toBe(E_LINK_CLOSED);
    transportClose();
    expect(transportState()).toBe(LINK_DOWN);
    transportUseWebSocket(false);
  });
});
