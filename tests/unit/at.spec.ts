// The AT engine (assembly/link/at.ts) fed with recorded UART transcripts:
// bytes as SIM800/SIM900 and ESP8266 AT firmware print them, queued on the
// scripted UART of tests/unit/scripted-host.js, and the exact bytes the
// engine writes back. Covers the tokenizer (lines, echo, noise, URCs in
// every position, counted binary reads, the '>' token), the command slot
// (results, info lines, timeouts, busy resends) and the URC flags.
// The drivers and the escalation ladder are in modem.spec.ts.
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import { ascii } from "../../assembly/mem/ascii";
import { LINK_RX_BYTES } from "../../assembly/config";
import {
  uartReset, uartReadLimit, uartWriteLimit, uartRxPending, modemSays, modemSaysBytes, written, visible, textOf, latin1,
  clockAdvance, clockNow, logCount, logsClear, cat, fill,
} from "./helpers";

const OUT: usize = memory.data(4096, 16);

function fresh(): void {
  uartReset();
  logsClear();
  at.reset();
  at.clearTimeouts();
  fam.bind(fam.FAMILY_SIM);
  ring.clear();
  clockAdvance(1000);
}

/** Runs the reader over what the UART holds (and times out the command). */
function poll(): void { at.poll(); }

/** Queues what the modem prints and lets the engine read it. */
function hear(s: string): void { modemSays(s); poll(); }

/** What the engine wrote since the last look, made readable. */
function sent(): string { return visible(written()); }

/** What the link's receive ring holds, taken out. */
function received(): string {
  const n = ring.rxTake(OUT, 4096);
  return textOf(OUT, n);
}

function info(): string { return textOf(at.info, at.infoLen); }

/** Sends a command without an information prefix. */
function command(s: usize, timeoutMs: u32): void {
  at.begin(s);
  at.send(timeoutMs, 0, false, false);
}

describe("at: lines, echo and noise", () => {
  beforeEach(fresh);

  it("SIMCom commands end in CR alone, ESP-AT commands in CR LF", () => {
    command(ascii("AT+CPIN?"), 5000);
    expect(sent()).toBe("AT+CPIN?\\r");
    at.done();
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT+CWMODE=1"), 2000);
    expect(sent()).toBe("AT+CWMODE=1\\r\\n");
  });

  it("an answer delivered one byte per uart_read: the information line and OK", () => {
    at.begin(ascii("AT+CPIN?"));
    at.send(5000, ascii("+CPIN:"), false, false);
    uartReadLimit(1);
    modemSays("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    for (let i = 0; i < 40 && uartRxPending() > 0; i++) poll();
    // at.poll reads in a loop: one call may well take everything, 1 byte a read
    expect(uartRxPending()).toBe(0);
    expect(at.state()).toBe(at.R_OK);
    expect(info()).toBe("+CPIN: READY");
    expect(at.urc).toBe(0);
  });

  it("the echo of the command (echo on before ATE0) is not an answer and not a reboot", () => {
    command(ascii("AT"), 500);
    hear("AT\r");
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    at.done();
    command(ascii("ATE0"), 1000);
    hear("ATE0\r\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.urc).toBe(0);
  });

  it("after ATE0 an echo means the module restarted (echo is back on)", () => {
    at.setEchoOff(true);
    at.begin(ascii("AT+CIPRXGET=4,0"));
    at.send(2000, ascii("+CIPRXGET: 4"), false, false);
    hear("AT+CIPRXGET=4,0\r\r\n+CME ERROR: operation not allowed\r\n");
    expect(at.urc).toBe(at.U_REBOOT | at.U_BOOT);
    expect(at.state()).toBe(at.R_ERROR);
  });

  it("SIM800 power-on garbage 00 49 49 49 49 FF FF FF FF, then RDY: a reboot flag, then AT answers normally", () => {
    command(ascii("AT"), 500);
    modemSaysBytes([0x00, 0x49, 0x49, 0x49, 0x49, 0xff, 0xff, 0xff, 0xff]);
    hear("\r\nRDY\r\n");
    expect(at.urc).toBe(at.U_REBOOT | at.U_BOOT);
    expect(at.state()).toBe(at.R_WAIT);
    hear("AT\r\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });

  it("garbage glued to the front of the echo does not hide the answer", () => {
    command(ascii("AT"), 500);
    modemSaysBytes([0x00, 0x49, 0x49, 0x49, 0x49, 0xff, 0xff, 0xff, 0xff]);
    hear("AT\r\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.urc).toBe(0);
  });

  it("ESP8266 boot noise at 74880 baud read at 115200, then ready", () => {
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT"), 500);
    modemSaysBytes([0x1b, 0xe4, 0x00, 0x8c, 0x6c, 0x9c, 0xe2, 0x0a, 0x0c, 0x7c, 0x82, 0x00, 0x6c, 0xec, 0x0c, 0x8c, 0xf2, 0x6e, 0x0a, 0xe2, 0x4c, 0xff]);
    hear("\r\nready\r\n");
    expect(at.urc).toBe(at.U_REBOOT | at.U_BOOT);
    expect(at.state()).toBe(at.R_WAIT); // the AT sent while booting is lost
  });

  it("a line longer than the line buffer is cut, and the next line is understood", () => {
    command(ascii("AT+CIPSTATUS"), 2000);
    let long = "\r\n";
    for (let i = 0; i < 300; i++) long += "x";
    hear(long + "\r\n\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });

  it("CIFSR answers with a bare IP line and no OK", () => {
    at.begin(ascii("AT+CIFSR"));
    at.send(10000, 0, true, false);
    hear("\r\n10.64.12.7\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(info()).toBe("10.64.12.7");
  });

  it("ERROR, +CME ERROR and FAIL end a command with an error", () => {
    command(ascii("AT+CIICR"), 85000);
    hear("\r\nERROR\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    at.done();
    at.begin(ascii("AT+CPIN?"));
    at.send(5000, ascii("+CPIN:"), false, false);
    hear("\r\n+CME ERROR: SIM not inserted\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    expect(info()).toBe("+CME ERROR: SIM not inserted");
  });

  it("+CWJAP:2 then FAIL: an error whose information line is still +CWJAP:2 (FAIL must not replace it)", () => {
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CWJAP=\"lab\",\"wrong\""));
    at.send(20000, ascii("+CWJAP:"), false, false);
    expect(sent()).toBe("AT+CWJAP=\"lab\",\"wrong\"\\r\\n");
    hear("\r\n+CWJAP:2\r\n\r\nFAIL\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    expect(info()).toBe("+CWJAP:2");
    expect(at.field(at.info, at.infoLen, 0)).toBe(2);
  });
});

describe("at: URCs everywhere", () => {
  beforeEach(fresh);

  it("restart signs: RDY / +CFUN: 1 / ready / an unasked +CPIN: READY, never Call Ready / SMS Ready", () => {
    at.reset();
    hear("\r\nCall Ready\r\n\r\nSMS Ready\r\n");
    expect(at.urc).toBe(0);
    const signs: string[] = ["RDY", "+CFUN: 1", "+CPIN: READY", "ready"];
    for (let i = 0; i < signs.length; i++) {
      at.reset();
      if (signs[i] == "ready") fam.bind(fam.FAMILY_ESP); // the ESP's
      hear("\r\n" + signs[i] + "\r\n");
      expect(at.urc).toBe(signs[i] == "RDY" || signs[i] == "ready" ? at.U_REBOOT | at.U_BOOT : at.U_REBOOT, signs[i]);
    }
  });

  it("each URC sets its flag and never ends the command in flight (SIM lines, then ESP lines)", () => {
    const lines: string[] = [
      "0, CLOSED", "0,CLOSED", "CLOSED", "+PDP: DEACT", "+CIPRXGET: 1,0", "+CIPRXGET:1,0",
      "RDY", "+CFUN: 1", "Call Ready", "SMS Ready", "NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN",
      "0, CONNECT OK", "0, ALREADY CONNECT", "0, CONNECT FAIL", "CONNECT FAIL",
      // another link's are not ours
      "1, CLOSED", "2,CLOSED", "1, CONNECT OK", "1, CONNECT FAIL", "+CIPRXGET: 1,1", "10, CLOSED",
      // the ESP's (from here on the ESP driver is bound)
      "0,CLOSED", "WIFI DISCONNECT", "+IPD,0,32", "+IPD,32", "ready", "0,CONNECT", "WIFI GOT IP", "1,CLOSED", "1,CONNECT", "+IPD,1,32",
    ];
    const flags: i32[] = [
      at.U_CLOSED, at.U_CLOSED, at.U_CLOSED, at.U_PDP_DEACT, at.U_DATA, at.U_DATA,
      // Call Ready / SMS Ready end SIM phonebook / SMS set-up, maybe late: no restart sign
      at.U_REBOOT | at.U_BOOT, at.U_REBOOT, 0, 0, at.U_POWER_DOWN, at.U_POWER_DOWN,
      at.U_CONNECT_OK, at.U_CONNECT_OK, at.U_CONNECT_FAIL, at.U_CONNECT_FAIL,
      0, 0, 0, 0, 0, 0,
      at.U_CLOSED, at.U_PDP_DEACT, at.U_DATA, at.U_DATA, at.U_REBOOT | at.U_BOOT, at.U_CONNECT_OK, at.U_WIFI_IP, 0, 0, 0,
    ];
    expect(flags.length).toBe(lines.length);
    for (let i = 0; i < lines.length; i++) {
      at.reset();
      if (lines[i] == "0,CLOSED" && i > 1) fam.bind(fam.FAMILY_ESP);
      at.begin(ascii("AT+CIPRXGET=4,0"));
      at.send(2000, ascii("+CIPRXGET: 4"), false, false);
      hear("\r\n" + lines[i] + "\r\n");
      expect(at.urc).toBe(flags[i], lines[i]);
      // power-down URCs also answer AT+CPOWD; everything else leaves the command waiting
      expect(at.state()).toBe(flags[i] == at.U_POWER_DOWN ? at.R_OK : at.R_WAIT, lines[i]);
    }
  });

  it("URCs to ignore: ring, SMS, time, Wi-Fi connected, voltage warnings (note the spelling WARNNING)", () => {
    command(ascii("AT+CGATT=1"), 75000);
    hear("\r\nRING\r\n\r\n+CMTI: \"SM\",3\r\n\r\n*PSUTTZ: 2024,5,1,12,0,0,\"+8\",0\r\n\r\nDST: 0\r\n\r\n+CTZV: +8,0\r\n\r\nWIFI CONNECTED\r\n\r\nUNDER-VOLTAGE WARNNING\r\n");
    expect(at.urc).toBe(0);
    expect(at.state()).toBe(at.R_WAIT);
    expect(logCount("voltage warning")).toBe(1);
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });

  it("+CIPRXGET: 1,0 between +CIPRXGET: 4,0,8 and OK: the info line stays the answer, the URC is a flag", () => {
    at.begin(ascii("AT+CIPRXGET=4,0"));
    at.send(2000, ascii("+CIPRXGET: 4"), false, false);
    hear("\r\n+CIPRXGET: 4,0,8\r\n\r\n+CIPRXGET: 1,0\r\n\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(info()).toBe("+CIPRXGET: 4,0,8");
    expect(at.field(at.info, at.infoLen, 2)).toBe(8);
    expect(at.urc).toBe(at.U_DATA);
  });

  it("SIM: 0, CLOSED in the middle of an echoed command line (the URC brings its own CR LF)", () => {
    at.begin(ascii("AT+CIPRXGET=4,0"));
    at.send(2000, ascii("+CIPRXGET: 4"), false, false);
    hear("AT+CIPRX\r\n0, CLOSED\r\nGET=4,0\r\r\n+CIPRXGET: 4,0,0\r\n\r\nOK\r\n");
    expect(at.urc).toBe(at.U_CLOSED);
    expect(at.state()).toBe(at.R_OK);
    expect(info()).toBe("+CIPRXGET: 4,0,0");
  });

  it("ESP: 0,CONNECT glued into the echo (ESP link URCs have no leading CR LF); another link's 1,CONNECT is not ours", () => {
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT+CIPMUX=1"), 2000);
    hear("AT+CIPM0,CONNECT\r\nUX=1\r\n\r\nOK\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    expect(at.state()).toBe(at.R_OK);
    at.done();
    at.reset();
    command(ascii("AT+CIPMUX=1"), 2000);
    hear("AT+CIPM1,CONNECT\r\nUX=1\r\n\r\nOK\r\n");
    expect(at.urc).toBe(0);
    expect(at.state()).toBe(at.R_OK);
  });

  it("ESP: 0,CLOSED glued into the echo is still a close, and after ATE0 also a reboot sign", () => {
    fam.bind(fam.FAMILY_ESP);
    at.setEchoOff(true);
    command(ascii("AT+CIPRECVLEN?"), 2000);
    hear("AT+CIPREC0,CLOSED\r\nVLEN?\r\n\r\nERROR\r\n");
    expect(at.urc).toBe(at.U_CLOSED | at.U_REBOOT | at.U_BOOT);
    expect(at.state()).toBe(at.R_ERROR);
  });

  it("ESP passive: +IPD,0,n during CIPRECVLEN? is a data flag, the answer is still +CIPRECVLEN", () => {
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CIPRECVLEN?"));
    at.send(2000, ascii("+CIPRECVLEN:"), false, false);
    expect(sent()).toBe("AT+CIPRECVLEN?\\r\\n");
    hear("\r\n+IPD,0,96\r\n+CIPRECVLEN:64,0,0,0,0\r\n\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(info()).toBe("+CIPRECVLEN:64,0,0,0,0");
    expect(at.urc).toBe(at.U_DATA);
    expect(ring.rxUsed()).toBe(0); // a passive +IPD carries no data
  });

  it("a stray OK with no command in flight is ignored; a late answer cannot finish the next command", () => {
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_NONE);
  });
});

describe("at: counted binary reads", () => {
  beforeEach(fresh);

  it("SIM: extra +CIPRXGET: 1 lines, then +CIPRXGET: 2,0,n,left and n raw bytes holding OK, CLOSED, +IPD, ERROR as data", () => {
    at.begin(ascii("AT+CIPRXGET=2,0,512"));
    at.send(5000, 0, false, false);
    expect(sent()).toBe("AT+CIPRXGET=2,0,512\\r");
    const data = "\r\nOK\r\n0, CLOSED\r\n+IPD,0,4:abcd\r\nERROR\r\n+PDP: DEACT\r\nRDY\r\n>";
    hear("\r\n+CIPRXGET: 1,0\r\n\r\n+CIPRXGET: 1,0\r\n\r\n+CIPRXGET: 2,0," + data.length.toString() + ",17\r\n" + data + "\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.rxLeft).toBe(17);
    expect(at.urc).toBe(at.U_DATA); // from the two real notifications only
    expect(visible(received())).toBe(visible(data));
    expect(at.lostBytes()).toBe(0);
  });

  it("SIM: the same read split at every byte boundary gives the same bytes", () => {
    const data = "ab\r\nOK\r\n\x00\xff0, CLOSED\r\n";
    const reply = "\r\n+CIPRXGET: 2,0," + data.length.toString() + ",0\r\n" + data + "\r\nOK\r\n";
    for (let cut = 1; cut < reply.length; cut++) {
      at.reset();
      ring.clear();
      at.begin(ascii("AT+CIPRXGET=2,0,512"));
      at.send(5000, 0, false, false);
      hear(reply.substring(0, cut));
      hear(reply.substring(cut));
      expect(at.state()).toBe(at.R_OK, "cut at " + cut.toString());
      expect(visible(received())).toBe(visible(data), "cut at " + cut.toString());
      expect(at.urc).toBe(0, "cut at " + cut.toString());
    }
    written();
  });

  it("SIM: +CIPRXGET: 2 with nothing waiting", () => {
    at.begin(ascii("AT+CIPRXGET=2,0,512"));
    at.send(5000, 0, false, false);
    hear("\r\n+CIPRXGET: 2,0,0,0\r\n\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(ring.rxUsed()).toBe(0);
    expect(at.rxLeft).toBe(0);
  });

  it("ESP passive: +CIPRECVDATA:n,<bytes> with OK, CLOSED and +IPD inside the data", () => {
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT+CIPRECVDATA=0,512"), 5000);
    expect(sent()).toBe("AT+CIPRECVDATA=0,512\\r\\n");
    const data = "\r\nOK\r\n0,CLOSED\r\n+IPD,0,9\r\nSEND OK\r\n";
    hear("\r\n+CIPRECVDATA:" + data.length.toString() + "," + data + "\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(visible(received())).toBe(visible(data));
    expect(at.urc).toBe(0);
  });

  it("ESP8266 AT 1.7.x: +CIPRECVDATA,n:<bytes> (the format the NONOS firmware really prints)", () => {
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT+CIPRECVDATA=0,512"), 5000);
    const data = "\x30\x0c\x00\x03a/b\r\nOK\r\n";
    hear("\r\n+CIPRECVDATA," + data.length.toString() + ":" + data + "\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(visible(received())).toBe(visible(data));
    expect(at.urc).toBe(0);
  });

  it("ESP active: +IPD,0,n:<bytes> holding CLOSED and OK, with no command in flight, waits for the next final OK", () => {
    fam.bind(fam.FAMILY_ESP);
    const data = "0,CLOSED\r\nOK\r\n";
    hear("\r\n+IPD,0," + data.length.toString() + ":" + data + "\r\n0,CLOSED\r\n");
    expect(received()).toBe("", "pushed data is not confirmed by its own end");
    expect(ring.rxPend).toBe(data.length);
    expect(at.urc).toBe(at.U_CLOSED); // pushed data is no notice of data waiting; the real CLOSED after it counts
    command(ascii("AT"), 1000);
    hear("\r\nOK\r\n"); // a module that reset meanwhile would not answer it
    expect(at.state()).toBe(at.R_OK);
    expect(visible(received())).toBe(visible(data));
  });

  it("ESP active: pushed data in the middle of a send is confirmed by its SEND OK", () => {
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CIPSEND=0,3"));
    at.send(5000, 0, false, true);
    hear("\r\n> ");
    expect(at.state()).toBe(at.R_PROMPT);
    at.writeRaw(latin1("abc").dataStart, 3);
    at.awaitSendResult(5000);
    hear("\r\n+IPD,0,5:hello");
    expect(received()).toBe("");
    hear("\r\nSEND OK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(received()).toBe("hello");
  });

  it("ESP active with CIPDINFO: +IPD,0,n,\"ip\",port:<bytes> takes n bytes, not port bytes; the next +IPD header confirms the one before", () => {
    fam.bind(fam.FAMILY_ESP);
    hear("\r\n+IPD,0,5,\"192.168.4.1\",1883:hello\r\n0,CLOSED\r\n");
    expect(received()).toBe("");
    expect(at.urc).toBe(at.U_CLOSED);
    hear("\r\n+IPD,3,192.168.4.1,1883:xyz\r\nWIFI DISCONNECT\r\n"); // single link, NONOS style
    expect(received()).toBe("hello", "the module framed new data after it: it came whole");
    expect(at.urc & at.U_PDP_DEACT).toBe(at.U_PDP_DEACT);
    command(ascii("AT"), 1000);
    hear("\r\nOK\r\n");
    expect(received()).toBe("xyz");
  });

  it("ESP active: another link's +IPD,1,n:<bytes> is read past and dropped, ours is kept", () => {
    fam.bind(fam.FAMILY_ESP);
    hear("\r\n+IPD,1,5:hello\r\n+IPD,0,3:xyz\r\n1,CLOSED\r\n");
    command(ascii("AT"), 1000);
    hear("\r\nOK\r\n");
    expect(received()).toBe("xyz");
    expect(at.urc).toBe(0);
  });

  it("ESP active: +IPD larger than the receive ring: the reader stops at a full ring and leaves the rest in the UART; taking makes room, nothing is lost, the next line is understood", () => {
    fam.bind(fam.FAMILY_ESP);
    const n = LINK_RX_BYTES + 88;
    const body = new Array<u8>(n);
    for (let i = 0; i < n; i++) body[i] = <u8>(i % 251); // CR, LF, '+', ':' all occur
    const lost0 = at.lostBytes();
    modemSays("\r\n+IPD,0," + n.toString() + ":");
    modemSaysBytes(body);
    hear("\r\n0,CLOSED\r\n");
    expect(ring.rxUsed() + ring.rxPend).toBe(LINK_RX_BYTES, "the ring is full");
    expect(uartRxPending() > 0).toBe(true, "the rest waits in the UART");
    let k = 0;
    for (let i = 0; i < 20 && (at.urc & at.U_CLOSED) == 0; i++) {
      k += ring.rxTake(OUT + k, 4096 - k);
      poll();
    }
    expect(at.urc).toBe(at.U_CLOSED);
    expect(k + ring.rxUsed() + ring.rxPend).toBe(n);
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT"), 1000);
    hear("\r\nOK\r\n");
    k += ring.rxTake(OUT + k, 4096 - k);
    expect(k).toBe(n);
    let same = true;
    for (let i = 0; i < k; i++) if (load<u8>(OUT + i) != body[i]) same = false;
    expect(same).toBe(true, "every byte, in order");
    expect(at.lostBytes() - lost0).toBe(0);
  });

  it("ESP active: a pushed burst longer than half the ring lets its older bytes through, and holds its last half-ring", () => {
    fam.bind(fam.FAMILY_ESP);
    const n = LINK_RX_BYTES / 2 + 40;
    const body = fill(n, 0x41);
    const lost0 = at.lostBytes();
    modemSays("\r\n+IPD,0," + n.toString() + ":");
    modemSaysBytes(body);
    poll();
    expect(ring.rxUsed()).toBe(40);
    expect(ring.rxPend).toBe(LINK_RX_BYTES / 2);
    expect(at.lostBytes() - lost0).toBe(0);
  });

  it("a read cut short by a module reset: boot noise fills it and `ready` follows: nothing of it is delivered", () => {
    fam.bind(fam.FAMILY_ESP);
    at.setEchoOff(true);
    command(ascii("AT+CIPRECVDATA=0,512"), 5000);
    const data = "0123456789abcdefghijklmnopqrstuv"; // 32 of the 40 announced
    const logs0 = logCount("read not confirmed");
    hear("\r\n+CIPRECVDATA:40," + data);
    expect(ring.rxPend).toBe(32);
    modemSaysBytes(fill(8, 0x49)); // boot noise fills the rest of the count
    hear("\xff\xff\r\nready\r\n");
    expect(received()).toBe("");
    expect(ring.rxPend).toBe(0);
    expect(at.urc & (at.U_REBOOT | at.U_HOLE)).toBe(at.U_REBOOT | at.U_HOLE);
    expect(logCount("read not confirmed") - logs0).toBe(1);
    // the command never gets its OK: it times out, and still nothing comes through
    clockAdvance(5001);
    poll();
    expect(at.state()).toBe(at.R_TIMEOUT);
    expect(received()).toBe("");
  });

  it("a read whose `ready` is swallowed as data: the timeout drops it; the echo of the next command tells the restart", () => {
    fam.bind(fam.FAMILY_ESP);
    at.setEchoOff(true);
    command(ascii("AT+CIPRECVDATA=0,512"), 5000);
    hear("\r\n+CIPRECVDATA:60,0123456789abcdefghijklmnopqrstuvwxyz"); // 36 of 60
    hear("\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\x49\r\nready\r\n"); // 24 more: the count is full
    expect(at.urc).toBe(0, "ready went into the count");
    expect(received()).toBe("");
    clockAdvance(5001);
    poll();
    expect(at.state()).toBe(at.R_TIMEOUT);
    expect(at.urc & at.U_HOLE).toBe(at.U_HOLE);
    expect(ring.rxPend).toBe(0);
    expect(received()).toBe("");
    at.done();
    command(ascii("AT"), 1000);
    hear("AT\r\r\n\r\nOK\r\n");
    expect(at.urc & at.U_REBOOT).toBe(at.U_REBOOT);
  });

  it("a read confirmed by its OK delivers all of it, and nothing before the OK", () => {
    command(ascii("AT+CIPRXGET=2,0,512"), 5000);
    hear("\r\n+CIPRXGET: 2,0,10,0\r\n0123456789");
    expect(received()).toBe("");
    expect(ring.rxPend).toBe(10);
    expect(ring.rxFree()).toBe(LINK_RX_BYTES - 10, "held bytes take room");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(received()).toBe("0123456789");
    expect(at.urc).toBe(0);
  });

  it("a read answered ERROR after its data delivers nothing", () => {
    command(ascii("AT+CIPRXGET=2,0,512"), 5000);
    hear("\r\n+CIPRXGET: 2,0,4,0\r\nabcd\r\nERROR\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    expect(received()).toBe("");
    expect(at.urc).toBe(at.U_HOLE);
  });

  it("a counted read cut short by a timeout does not swallow the lines after it", () => {
    at.begin(ascii("AT+CIPRXGET=2,0,512"));
    at.send(5000, 0, false, false);
    hear("\r\n+CIPRXGET: 2,0,100,0\r\nonly a few bytes");
    clockAdvance(5001);
    poll();
    expect(at.state()).toBe(at.R_TIMEOUT);
    at.done();
    ring.clear();
    command(ascii("AT"), 500);
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });
});

describe("at: the send prompt", () => {
  beforeEach(fresh);

  it("SIM: '> ' without CR LF is the prompt; a data URC between '>' and DATA ACCEPT does not end the send", () => {
    at.begin(ascii("AT+CIPSEND=0,10"));
    at.send(5000, 0, false, true);
    expect(sent()).toBe("AT+CIPSEND=0,10\\r");
    hear("\r\n> ");
    expect(at.state()).toBe(at.R_PROMPT);
    const d = latin1("0123456789");
    expect(at.writeRaw(d.dataStart, 10)).toBe(10);
    at.awaitSendResult(10000);
    expect(sent()).toBe("0123456789");
    hear("\r\n+CIPRXGET: 1,0\r\n");
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\nDATA ACCEPT:0,10\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.urc).toBe(at.U_DATA | at.U_SEND_OK);
  });

  it("SIM (QSEND=0): 0, SEND OK ends the send", () => {
    at.begin(ascii("AT+CIPSEND=0,3"));
    at.send(5000, 0, false, true);
    hear("\r\n> ");
    expect(at.state()).toBe(at.R_PROMPT);
    at.awaitSendResult(10000);
    hear("\r\n0, SEND OK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });

  it("ESP: OK then '>' (OK does not end a send command); Recv and +IPD before SEND OK", () => {
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CIPSEND=0,4"));
    at.send(5000, 0, false, true);
    expect(sent()).toBe("AT+CIPSEND=0,4\\r\\n");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_WAIT);
    hear(">");
    expect(at.state()).toBe(at.R_PROMPT);
    at.awaitSendResult(5000);
    hear("\r\nRecv 4 bytes\r\n\r\n+IPD,0,12\r\n");
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\nSEND OK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.urc).toBe(at.U_DATA | at.U_SEND_OK);
  });

  it("a '>' is only a prompt for a send command, and only at the start of a line", () => {
    command(ascii("AT+CIPSTATUS"), 2000);
    hear("\r\n> \r\n");
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    at.done();
    at.begin(ascii("AT+CIPSEND=0,3"));
    at.send(5000, 0, false, true);
    hear("\r\n+CIEV: 10,\"26201\",\"net>\"\r\n"); // a '>' inside a line
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\n> ");
    expect(at.state()).toBe(at.R_PROMPT);
  });

  it("SEND FAIL (with and without a link id) ends the send with an error", () => {
    at.begin(ascii("AT+CIPSEND=0,3"));
    at.send(5000, 0, false, true);
    hear("\r\n> ");
    at.awaitSendResult(10000);
    hear("\r\n0, SEND FAIL\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    expect(at.urc).toBe(at.U_SEND_FAIL);
    at.done();
    at.reset();
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CIPSEND=0,3"));
    at.send(5000, 0, false, true);
    hear("\r\nOK\r\n>");
    at.awaitSendResult(5000);
    hear("\r\nRecv 3 bytes\r\n\r\nSEND FAIL\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    expect(at.urc).toBe(at.U_SEND_FAIL);
  });
});

describe("at: one command in flight, timeouts, busy", () => {
  beforeEach(fresh);

  it("times out exactly after its own deadline, and counts timeouts in a row until an OK", () => {
    const t0 = clockNow();
    command(ascii("AT+CPIN?"), 5000);
    clockAdvance(5000);
    poll();
    expect(at.state()).toBe(at.R_WAIT);
    clockAdvance(1);
    poll();
    expect(at.state()).toBe(at.R_TIMEOUT);
    expect(at.timeouts).toBe(1);
    expect(clockNow() - t0).toBe(5001);
    at.done();
    command(ascii("AT"), 500);
    clockAdvance(501);
    poll();
    expect(at.timeouts).toBe(2);
    at.done();
    command(ascii("AT"), 500);
    hear("\r\nOK\r\n");
    expect(at.timeouts).toBe(0);
  });

  it("ESP busy p...: the same command is written again after 300 ms, and keeps its own timeout", () => {
    fam.bind(fam.FAMILY_ESP);
    at.begin(ascii("AT+CWJAP=\"lab\",\"secret\""));
    at.send(20000, ascii("+CWJAP:"), false, false);
    expect(sent()).toBe("AT+CWJAP=\"lab\",\"secret\"\\r\\n");
    hear("\r\nbusy p...\r\n");
    clockAdvance(299);
    poll();
    expect(sent()).toBe("");
    clockAdvance(1);
    poll();
    expect(sent()).toBe("AT+CWJAP=\"lab\",\"secret\"\\r\\n");
    // joining takes seconds: the resent command still has CWJAP's 20 s
    clockAdvance(19000);
    poll();
    expect(at.state()).toBe(at.R_WAIT);
    hear("\r\nWIFI CONNECTED\r\n\r\nWIFI GOT IP\r\n\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
    expect(at.urc).toBe(at.U_WIFI_IP);
  });

  it("a busy p... whose command ended before the resend does not write the next command twice", () => {
    fam.bind(fam.FAMILY_ESP);
    command(ascii("AT+CIPMUX=1"), 2000);
    hear("\r\nbusy p...\r\n\r\nERROR\r\n");
    expect(at.state()).toBe(at.R_ERROR);
    at.done();
    command(ascii("AT+CIPRECVMODE=1"), 2000);
    expect(sent()).toBe("AT+CIPMUX=1\\r\\nAT+CIPRECVMODE=1\\r\\n");
    clockAdvance(400);
    poll();
    expect(sent()).toBe("");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(at.R_OK);
  });

  it("a command the UART cannot take yet is written later, whole and in order, a few bytes per uart_write", () => {
    fam.bind(fam.FAMILY_ESP);
    uartWriteLimit(-1); // TX full
    command(ascii("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883"), 20000);
    poll();
    expect(sent()).toBe("");
    uartWriteLimit(3);
    poll();
    expect(sent()).toBe("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\\r\\n");
    uartWriteLimit(0);
  });
});
