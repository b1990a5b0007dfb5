// Byte-exact encodings of every MQTT 3.1.1 packet type, checked against
// bytes written by hand from the spec (sections 2 and 3), and the decoder
// reading the same bytes back.
import { hex, hexOf, utf8, cat, str, fill, connectOptions } from "./helpers";
import * as T from "../../assembly/mqtt/codec/constants";
import * as D from "../../assembly/mqtt/codec/decode";
import {
  varintSize, writeVarint, encodeConnect, encodeConnack, encodePublish, encodeAck, encodeEmpty,
  encodeSubscribe, encodeUnsubscribe, encodeSuback, checkFilterList,
} from "../../assembly/mqtt/codec/encode";
import { OK, E_BUFFER_TOO_SHORT, E_MALFORMED, E_BAD_QOS, E_BAD_ARGUMENT, E_BAD_TOPIC, E_BAD_UTF8, E_PACKET_TOO_LARGE } from "../../assembly/errors";

const OUT_BYTES: i32 = 4096;
const out: usize = memory.data(OUT_BYTES, 16);

/** Decodes out[0..n) as one packet whose remaining length takes hl - 1 bytes. */
function decodeOut(n: i32, hl: i32): i32 {
  return D.decodePacket(load<u8>(out), out + hl, n - hl);
}

describe("remaining length (2.2.3)", () => {
  it("uses 1..4 bytes at the spec's boundaries", () => {
    expect(varintSize(0)).toBe(1);
    expect(varintSize(127)).toBe(1);
    expect(varintSize(128)).toBe(2);
    expect(varintSize(16383)).toBe(2);
    expect(varintSize(16384)).toBe(3);
    expect(varintSize(2097151)).toBe(3);
    expect(varintSize(2097152)).toBe(4);
    expect(varintSize(268435455)).toBe(4);
  });

  it("writes the spec's example encodings", () => {
    const cases: i32[] = [0, 127, 128, 321, 16383, 16384, 2097151, 2097152, 268435455];
    const want: string[] = ["00", "7f", "80 01", "c1 02", "ff 7f", "80 80 01", "ff ff 7f", "80 80 80 01", "ff ff ff 7f"];
    for (let i = 0; i < cases.length; i++) {
      const n = writeVarint(out, cases[i]);
      expect(n).toBe(varintSize(cases[i]));
      expect(hex(out, n)).toBe(want[i]);
    }
  });
});

describe("CONNECT (3.1)", () => {
  it("encodes a minimal clean session", () => {
    const id = utf8("id");
    const n = encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, id.length, true, 60, 0, -1, 0, -1, 0, -1, 0, 0, 0, false));
    expect(n).toBe(16);
    // 10 | rem 14 | 00 04 "MQTT" | level 4 | flags: clean | keep alive 60 | "id"
    expect(hex(out, n)).toBe("10 0e 00 04 4d 51 54 54 04 02 00 3c 00 02 69 64");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.pk.type).toBe(T.CONNECT);
    expect(D.connect().clientIdLen).toBe(2);
    expect(hex(D.connect().clientId, 2)).toBe("69 64");
    expect(D.connect().clean).toBe(true);
    expect(D.connect().keepAlive).toBe(60);
    expect(D.connect().willTopicLen).toBe(-1);
    expect(D.pk.topicLen).toBe(-1);
    expect(D.connect().userLen).toBe(-1);
    expect(D.connect().passLen).toBe(-1);
    expect(D.connect().version).toBe(4);
  });

  it("writes the protocol level from the options record", () => {
    const id = utf8("id");
    const o = connectOptions(id.dataStart, id.length, true, 60, 0, -1, 0, -1, 0, -1, 0, 0, 0, false);
    o.version = 3;
    const n = encodeConnect(out, OUT_BYTES, o);
    expect(load<u8>(out + 8)).toBe(3);
    // the decoder speaks 3.1.1 only
    expect(decodeOut(n, 2)).toBe(E_MALFORMED);
  });

  it("encodes will, retain, QoS 1, user name and password in spec order", () => {
    const id = utf8("c");
    const wt = utf8("w/t");
    const wp = utf8("bye");
    const user = utf8("u");
    const pass: u8[] = [0x00, 0xff];
    const n = encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, false, 0x1234, user.dataStart, 1, pass.dataStart, 2,
      wt.dataStart, 3, wp.dataStart, 3, 1, true));
    // flags: user 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04 = 0xec
    expect(hex(out, n)).toBe("10 1e 00 04 4d 51 54 54 04 ec 12 34 00 01 63 00 03 77 2f 74 00 03 62 79 65 00 01 75 00 02 00 ff");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.connect().clean).toBe(false);
    expect(D.connect().keepAlive).toBe(0x1234);
    expect(D.connect().willTopicLen >= 0).toBe(true);
    expect(<i32>D.pk.qos).toBe(1);
    expect(D.pk.retain).toBe(true);
    expect(hex(D.pk.topic, D.pk.topicLen)).toBe("77 2f 74");
    expect(hex(D.pk.payload, D.pk.payloadLen)).toBe("62 79 65");
    expect(hex(D.connect().user, D.connect().userLen)).toBe("75");
    expect(hex(D.connect().pass, D.connect().passLen)).toBe("00 ff");
  });

  it("encodes a QoS 2 will with an empty payload and no user", () => {
    const wt = utf8("a");
    const n = encodeConnect(out, OUT_BYTES, connectOptions(0, 0, true, 10, 0, -1, 0, -1, wt.dataStart, 1, 0, 0, 2, false));
    // flags: will QoS 2 0x10 | will 0x04 | clean 0x02 = 0x16
    expect(hex(out, n)).toBe("10 11 00 04 4d 51 54 54 04 16 00 0a 00 00 00 01 61 00 00");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.connect().clientIdLen).toBe(0);
    expect(D.pk.payloadLen).toBe(0);
  });

  it("encodes an empty user name and password (present, zero length)", () => {
    const id = utf8("x");
    const n = encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, true, 5, 0, 0, 0, 0, 0, -1, 0, 0, 0, false));
    expect(hex(out, n)).toBe("10 11 00 04 4d 51 54 54 04 c2 00 05 00 01 78 00 00 00 00");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.connect().userLen).toBe(0);
    expect(D.connect().passLen).toBe(0);
  });

  it("refuses what 3.1.2/3.1.3 forbid", () => {
    const id = utf8("x");
    const wt = utf8("a/+");
    // empty client id without clean session (3.1.3-7)
    expect(encodeConnect(out, OUT_BYTES, connectOptions(0, 0, false, 5, 0, -1, 0, -1, 0, -1, 0, 0, 0, false))).toBe(E_BAD_ARGUMENT);
    // password without user name (3.1.2-22)
    expect(encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, true, 5, 0, -1, 0, 1, 0, -1, 0, 0, 0, false))).toBe(E_BAD_ARGUMENT);
    // will QoS 3, will topic with a wildcard
    expect(encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, true, 5, 0, -1, 0, -1, wt.dataStart, 1, 0, 0, 3, false))).toBe(E_BAD_QOS);
    expect(encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, true, 5, 0, -1, 0, -1, wt.dataStart, 3, 0, 0, 0, false))).toBe(E_BAD_ARGUMENT);
    // keep alive out of range, negative client id length
    expect(encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, 1, true, 65536, 0, -1, 0, -1, 0, -1, 0, 0, 0, false))).toBe(E_BAD_ARGUMENT);
    expect(encodeConnect(out, OUT_BYTES, connectOptions(id.dataStart, -1, true, 5, 0, -1, 0, -1, 0, -1, 0, 0, 0, false))).toBe(E_BAD_ARGUMENT);
    // one byte short of room
    expect(encodeConnect(out, 14, connectOptions(id.dataStart, 1, true, 5, 0, -1, 0, -1, 0, -1, 0, 0, 0, false))).toBe(E_BUFFER_TOO_SHORT);
    expect(encodeConnect(out, 15, connectOptions(id.dataStart, 1, true, 5, 0, -1, 0, -1, 0, -1, 0, 0, 0, false))).toBe(15);
  });

  it("decodes only protocol name MQTT at level 4", () => {
    const tail: u8[] = [0x02, 0x00, 0x3c, 0x00, 0x01, 0x61];
    const good = cat([str("MQTT"), [4], tail]);
    expect(D.decodePacket(0x10, good.dataStart, good.length)).toBe(OK);
    const v31 = cat([str("MQIsdp"), [3], tail]);
    expect(D.decodePacket(0x10, v31.dataStart, v31.length)).toBe(E_MALFORMED);
    const v5 = cat([str("MQTT"), [5], tail]);
    expect(D.decodePacket(0x10, v5.dataStart, v5.length)).toBe(E_MALFORMED);
    const reserved = cat([str("MQTT"), [4, 0x03, 0x00, 0x3c, 0x00, 0x01, 0x61]]);
    expect(D.decodePacket(0x10, reserved.dataStart, reserved.length)).toBe(E_MALFORMED);
    expect(D.decodePacket(0x11, good.dataStart, good.length)).toBe(E_MALFORMED);
  });
});

describe("CONNACK (3.2)", () => {
  it("encodes accepted, session present and refused", () => {
    expect(encodeConnack(out, OUT_BYTES, false, 0)).toBe(4);
    expect(hex(out, 4)).toBe("20 02 00 00");
    expect(encodeConnack(out, OUT_BYTES, true, 0)).toBe(4);
    expect(hex(out, 4)).toBe("20 02 01 00");
    expect(decodeOut(4, 2)).toBe(OK);
    expect(D.pk.sessionPresent).toBe(true);
    expect(<i32>D.pk.returnCode).toBe(0);
    expect(encodeConnack(out, OUT_BYTES, false, 5)).toBe(4);
    expect(hex(out, 4)).toBe("20 02 00 05");
    expect(decodeOut(4, 2)).toBe(OK);
    expect(D.pk.sessionPresent).toBe(false);
    expect(<i32>D.pk.returnCode).toBe(5);
  });

  it("refuses session present with a refusal (3.2.2-4) and reserved flags", () => {
    expect(encodeConnack(out, OUT_BYTES, true, 1)).toBe(E_BAD_ARGUMENT);
    const sp: u8[] = [0x01, 0x01];
    expect(D.decodePacket(0x20, sp.dataStart, 2)).toBe(E_MALFORMED);
    const res: u8[] = [0x02, 0x00];
    expect(D.decodePacket(0x20, res.dataStart, 2)).toBe(E_MALFORMED);
    expect(D.decodePacket(0x20, res.dataStart, 1)).toBe(E_MALFORMED);
  });
});

describe("PUBLISH (3.3)", () => {
  it("encodes QoS 0 without a packet id", () => {
    const t = utf8("a/b");
    const p = utf8("hi");
    const n = encodePublish(out, OUT_BYTES, t.dataStart, 3, p.dataStart, 2, 0, false, false, 0);
    expect(hex(out, n)).toBe("30 07 00 03 61 2f 62 68 69");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(<i32>D.pk.qos).toBe(0);
    expect(<i32>D.pk.packetId).toBe(0);
    expect(hex(D.pk.topic, D.pk.topicLen)).toBe("61 2f 62");
    expect(hex(D.pk.payload, D.pk.payloadLen)).toBe("68 69");
  });

  it("encodes QoS 1 retained and QoS 2 duplicate with packet ids", () => {
    const t = utf8("a/b");
    const p = utf8("hi");
    let n = encodePublish(out, OUT_BYTES, t.dataStart, 3, p.dataStart, 2, 1, true, false, 10);
    expect(hex(out, n)).toBe("33 09 00 03 61 2f 62 00 0a 68 69");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(<i32>D.pk.qos).toBe(1);
    expect(D.pk.retain).toBe(true);
    expect(D.pk.dup).toBe(false);
    expect(<i32>D.pk.packetId).toBe(10);
    n = encodePublish(out, OUT_BYTES, t.dataStart, 3, p.dataStart, 0, 2, false, true, 0xfffe);
    expect(hex(out, n)).toBe("3c 07 00 03 61 2f 62 ff fe");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(<i32>D.pk.qos).toBe(2);
    expect(D.pk.dup).toBe(true);
    expect(<i32>D.pk.packetId).toBe(0xfffe);
    expect(D.pk.payloadLen).toBe(0);
  });

  it("encodes a 2-byte remaining length (321 = c1 02)", () => {
    const t = utf8("a");
    const p = fill(318, 0x55);
    const n = encodePublish(out, OUT_BYTES, t.dataStart, 1, p.dataStart, 318, 0, false, false, 0);
    expect(n).toBe(324);
    expect(hex(out, 6)).toBe("30 c1 02 00 01 61");
    expect(decodeOut(n, 3)).toBe(OK);
    expect(D.pk.payloadLen).toBe(318);
  });

  it("encodes a UTF-8 topic byte for byte", () => {
    const t = utf8("ü/€/😀");
    const n = encodePublish(out, OUT_BYTES, t.dataStart, t.length, 0, 0, 0, false, false, 0);
    expect(hex(out, n)).toBe("30 0d 00 0b c3 bc 2f e2 82 ac 2f f0 9f 98 80");
  });

  it("refuses wildcards, empty topics, QoS 3, id 0, DUP on QoS 0, no room", () => {
    const w = utf8("a/#");
    const t = utf8("a");
    expect(encodePublish(out, OUT_BYTES, w.dataStart, 3, 0, 0, 0, false, false, 0)).toBe(E_BAD_TOPIC);
    expect(encodePublish(out, OUT_BYTES, t.dataStart, 0, 0, 0, 0, false, false, 0)).toBe(E_BAD_TOPIC);
    expect(encodePublish(out, OUT_BYTES, t.dataStart, 1, 0, 0, 3, false, false, 1)).toBe(E_BAD_QOS);
    expect(encodePublish(out, OUT_BYTES, t.dataStart, 1, 0, 0, 1, false, false, 0)).toBe(E_BAD_ARGUMENT);
    expect(encodePublish(out, OUT_BYTES, t.dataStart, 1, 0, 0, 0, false, true, 0)).toBe(E_BAD_ARGUMENT);
    expect(encodePublish(out, 4, t.dataStart, 1, 0, 0, 0, false, false, 0)).toBe(E_BUFFER_TOO_SHORT);
    expect(encodePublish(out, 5, t.dataStart, 1, 0, 0, 0, false, false, 0)).toBe(5);
    expect(encodePublish(out, OUT_BYTES, t.dataStart, 1, 0, 0x7fffffff, 0, false, false, 0)).toBe(E_PACKET_TOO_LARGE);
  });

  it("decodes QoS 3 as an error and wildcards/bad UTF-8 in the topic as errors", () => {
    const b = cat([str("a"), [0, 1]]);
    expect(D.decodePacket(0x36, b.dataStart, b.length)).toBe(E_BAD_QOS);
    const w = str("a/+");
    expect(D.decodePacket(0x30, w.dataStart, w.length)).toBe(E_BAD_TOPIC);
    const bad: u8[] = [0x00, 0x02, 0xc0, 0x80];
    expect(D.decodePacket(0x30, bad.dataStart, bad.length)).toBe(E_BAD_UTF8);
    const id0 = cat([str("a"), [0, 0]]);
    expect(D.decodePacket(0x32, id0.dataStart, id0.length)).toBe(E_MALFORMED);
  });
});

describe("PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK (3.4-3.7, 3.11)", () => {
  it("encodes type, required flags and packet id", () => {
    const types: u8[] = [T.PUBACK, T.PUBREC, T.PUBREL, T.PUBCOMP, T.UNSUBACK];
    const want: string[] = ["40 02 00 01", "50 02 12 34", "62 02 ff ff", "70 02 01 00", "b0 02 00 07"];
    const ids: i32[] = [1, 0x1234, 0xffff, 0x100, 7];
    for (let i = 0; i < types.length; i++) {
      expect(encodeAck(out, OUT_BYTES, types[i], ids[i])).toBe(4);
      expect(hex(out, 4)).toBe(want[i]);
      expect(decodeOut(4, 2)).toBe(OK);
      expect(D.pk.type).toBe(types[i]);
      expect(<i32>D.pk.packetId).toBe(ids[i]);
    }
  });

  it("refuses other types, id 0 and bad PUBREL flags", () => {
    expect(encodeAck(out, OUT_BYTES, T.PUBLISH, 1)).toBe(E_BAD_ARGUMENT);
    expect(encodeAck(out, OUT_BYTES, T.PUBACK, 0)).toBe(E_BAD_ARGUMENT);
    expect(encodeAck(out, 3, T.PUBACK, 1)).toBe(E_BUFFER_TOO_SHORT);
    const id: u8[] = [0, 1];
    expect(D.decodePacket(0x60, id.dataStart, 2)).toBe(E_MALFORMED); // PUBREL must carry 0010
    expect(D.decodePacket(0x42, id.dataStart, 2)).toBe(E_MALFORMED);
  });
});

describe("SUBSCRIBE, SUBACK, UNSUBSCRIBE (3.8-3.10)", () => {
  it("encodes SUBSCRIBE with flags 0010 and the list as given", () => {
    const list = cat([str("a/b"), [1], str("c/#"), [2]]);
    const n = encodeSubscribe(out, OUT_BYTES, 0x0a0b, list.dataStart, list.length);
    expect(hex(out, n)).toBe("82 0e 0a 0b 00 03 61 2f 62 01 00 03 63 2f 23 02");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(<i32>D.pk.packetId).toBe(0x0a0b);
    expect(D.pk.count).toBe(2);
    expect(D.pk.payloadLen).toBe(list.length);
    expect(checkFilterList(list.dataStart, list.length, true)).toBe(2);
  });

  it("encodes UNSUBSCRIBE", () => {
    const list = cat([str("a/+"), str("#")]);
    const n = encodeUnsubscribe(out, OUT_BYTES, 2, list.dataStart, list.length);
    expect(hex(out, n)).toBe("a2 0a 00 02 00 03 61 2f 2b 00 01 23");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.pk.count).toBe(2);
  });

  it("encodes SUBACK with granted QoS and failure codes", () => {
    const codes: u8[] = [0, 1, 2, 0x80];
    const n = encodeSuback(out, OUT_BYTES, 1, codes.dataStart, 4);
    expect(hex(out, n)).toBe("90 06 00 01 00 01 02 80");
    expect(decodeOut(n, 2)).toBe(OK);
    expect(D.pk.count).toBe(4);
    expect(hex(D.pk.payload, D.pk.count)).toBe("00 01 02 80");
  });

  it("refuses bad filters, empty lists, QoS 3 requests and bad SUBACK codes", () => {
    const bad = cat([str("a/#/b"), [0]]);
    expect(encodeSubscribe(out, OUT_BYTES, 1, bad.dataStart, bad.length)).toBe(E_BAD_TOPIC);
    const q3 = cat([str("a"), [3]]);
    expect(encodeSubscribe(out, OUT_BYTES, 1, q3.dataStart, q3.length)).toBe(E_BAD_QOS);
    expect(encodeSubscribe(out, OUT_BYTES, 1, q3.dataStart, 0)).toBe(E_MALFORMED);
    const cut = str("abc");
    expect(encodeUnsubscribe(out, OUT_BYTES, 1, cut.dataStart, cut.length - 1)).toBe(E_MALFORMED);
    const codes: u8[] = [3];
    expect(encodeSuback(out, OUT_BYTES, 1, codes.dataStart, 1)).toBe(E_BAD_ARGUMENT);
    const body: u8[] = [0, 1, 0x81];
    expect(D.decodePacket(0x90, body.dataStart, 3)).toBe(E_MALFORMED);
    expect(D.decodePacket(0x90, body.dataStart, 2)).toBe(E_MALFORMED);
    const sub = cat([[0, 1], str("a"), [0]]);
    expect(D.decodePacket(0x80, sub.dataStart, sub.length)).toBe(E_MALFORMED); // flags must be 0010
    expect(D.decodePacket(0x82, sub.dataStart, 2)).toBe(E_MALFORMED); // no filters
  });
});

describe("PINGREQ, PINGRESP, DISCONNECT (3.12-3.14)", () => {
  it("encodes two bytes each", () => {
    const types: u8[] = [T.PINGREQ, T.PINGRESP, T.DISCONNECT];
    const want: string[] = ["c0 00", "d0 00", "e0 00"];
    for (let i = 0; i < 3; i++) {
      expect(encodeEmpty(out, OUT_BYTES, types[i])).toBe(2);
      expect(hex(out, 2)).toBe(want[i]);
      expect(decodeOut(2, 2)).toBe(OK);
      expect(D.pk.type).toBe(types[i]);
    }
    expect(encodeEmpty(out, 1, T.PINGREQ)).toBe(E_BUFFER_TOO_SHORT);
    expect(encodeEmpty(out, OUT_BYTES, T.CONNECT)).toBe(E_BAD_ARGUMENT);
    const one: u8[] = [0];
    expect(D.decodePacket(0xc0, one.dataStart, 1)).toBe(E_MALFORMED);
    expect(D.decodePacket(0xe1, one.dataStart, 0)).toBe(E_MALFORMED);
  });

  it("decodes reserved types 0 and 15 as errors", () => {
    expect(D.decodePacket(0x00, out, 0)).toBe(E_MALFORMED);
    expect(D.decodePacket(0xf0, out, 0)).toBe(E_MALFORMED);
    expect(hexOf([0x0a])).toBe("0a");
  });
});
