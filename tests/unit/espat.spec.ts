// The ESP8266 / ESP32 AT firmware driver (assembly/link/espat.ts) on its
// own, through the AT engine: each bring-up phase's exact command (CR LF
// ended, arguments escaped) and what each answer means, the link-0 commands,
// passive and active receive, the limits, and the line and data-header
// recognisers on the lines Espressif's AT manuals and firmware print
// (/work/shared/reference/at-modems.md), garbage and cut lines too.
import * as esp from "../../assembly/link/espat";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import * as modemCfg from "../../assembly/link/modemcfg";
import { R_NONE, R_OK, R_WAIT, R_ERROR, R_PROMPT } from "../../assembly/link/at";
import { NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, SENT, SKIP, DONE, FIRST_PHASE } from "../../assembly/link/driver";
import { PIN_RESET, ESP_RESET_MS } from "../../assembly/config";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, logCount, written, clockAdvance } from "./helpers";
import { fresh, hear, wrote, resultOf, timesOutAfter, info, received, driverTakes, host } from "./at-script";

function reset(): void { fresh(fam.FAMILY_ESP); }

function ask(p: i32, want: string): void {
  expect(esp.phase(p, R_NONE)).toBe(SENT);
  wrote(want);
}

function verdict(p: i32, want: string, s: string): i32 {
  ask(p, want);
  const v = esp.phase(p, resultOf(s));
  at.done();
  return v;
}

function timeoutVerdict(p: i32, want: string, ms: i32): i32 {
  ask(p, want);
  timesOutAfter(ms);
  const v = esp.phase(p, at.R_TIMEOUT);
  at.done();
  return v;
}

const asciiStatus = ascii("AT+CIPSTATUS");

/** A command in flight (no information prefix) when the line s comes: the URC flags it sets. */
function flagsOf(s: string): i32 {
  at.reset();
  at.setEchoOff(true);
  at.command(asciiStatus, 2000);
  written();
  hear("\r\n" + s + "\r\n");
  return at.urc;
}

/** Another command that only an OK confirms, for pushed data. */
function confirm(): void {
  at.command(asciiStatus, 2000);
  written();
  expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
  at.done();
}

describe("espat: constants", () => {
  it("CR LF ended commands, RESET 0.1 s, 1 s boot, 2048-byte sends and reads, 20 s to connect, ERROR to a secure open is TLS, reads do not tell what is left", () => {
    expect(esp.CRLF).toBe(true);
    expect(esp.POWER_PIN).toBe(PIN_RESET);
    expect(esp.POWER_PIN).toBe(5);
    expect(esp.POWER_LOW_MS).toBe(ESP_RESET_MS);
    expect(esp.POWER_LOW_MS).toBe(100);
    expect(esp.BOOT_MS).toBe(1000);
    expect(esp.SEND_MAX).toBe(2048); // NONOS AT's CIPSEND limit
    expect(esp.READ_MAX).toBe(2048);
    expect(esp.SEND_RESULT_MS).toBe(5000);
    expect(esp.OPEN_CMD_MS).toBe(20000);
    expect(esp.OPEN_MS).toBe(20000);
    expect(esp.OPEN_ERROR_IS_TLS).toBe(true);
    expect(esp.READ_TELLS_LEFT).toBe(false);
    expect(esp.REATTACH).toBe(esp.PH_CWJAP);
  });
});

describe("espat: the bring-up phase table", () => {
  beforeEach(reset);

  it("plain TCP: CWMODE, CWJAP, CIPMUX, CIPRECVMODE in order from FIRST_PHASE, the TLS phases skipped, then DONE", () => {
    const want: string[] = ["AT+CWMODE=1\r\n", "AT+CWJAP=\"lab\",\"secret\"\r\n", "AT+CIPMUX=1\r\n", "AT+CIPRECVMODE=1\r\n", "skip", "skip"];
    expect(esp.PH_CWMODE).toBe(FIRST_PHASE);
    let p = FIRST_PHASE;
    for (let i = 0; i < want.length; i++, p++) {
      const s = esp.phase(p, R_NONE);
      if (want[i] == "skip") {
        expect(s).toBe(SKIP, "phase " + p.toString());
        wrote("");
      } else {
        expect(s).toBe(SENT, "phase " + p.toString());
        wrote(want[i]);
        at.done();
      }
    }
    expect(p).toBe(esp.PH_SSLCONF + 1);
    expect(esp.phase(p, R_NONE)).toBe(DONE);
    wrote("");
  });

  it("TLS: CIPSSLSIZE=4096, then CIPSSLCCONF=0,2 (verify the server) or 0,0 only when configured insecure", () => {
    modemCfg.tls = 1;
    ask(esp.PH_SSLSIZE, "AT+CIPSSLSIZE=4096\r\n");
    at.done();
    ask(esp.PH_SSLCONF, "AT+CIPSSLCCONF=0,2\r\n");
    at.done();
    modemCfg.tls = 3;
    ask(esp.PH_SSLCONF, "AT+CIPSSLCCONF=0,0\r\n");
    at.done();
    modemCfg.tls = 2; // insecure without secure: no TLS at all
    expect(esp.phase(esp.PH_SSLSIZE, R_NONE)).toBe(SKIP);
    expect(esp.phase(esp.PH_SSLCONF, R_NONE)).toBe(SKIP);
    wrote("");
  });

  it("every command has 2 s, CWJAP 20 s; a timeout in any phase climbs the ladder", () => {
    modemCfg.tls = 1;
    const phases: i32[] = [esp.PH_CWMODE, esp.PH_CWJAP, esp.PH_MUX, esp.PH_RECVMODE, esp.PH_SSLSIZE, esp.PH_SSLCONF];
    const cmds: string[] = [
      "AT+CWMODE=1\r\n", "AT+CWJAP=\"lab\",\"secret\"\r\n", "AT+CIPMUX=1\r\n", "AT+CIPRECVMODE=1\r\n", "AT+CIPSSLSIZE=4096\r\n", "AT+CIPSSLCCONF=0,2\r\n",
    ];
    const ms: i32[] = [2000, 20000, 2000, 2000, 2000, 2000];
    for (let i = 0; i < phases.length; i++) {
      at.reset();
      expect(timeoutVerdict(phases[i], cmds[i], ms[i])).toBe(ESCALATE, cmds[i]);
    }
  });

  it("CWMODE, CIPMUX: OK goes on, ERROR climbs the ladder", () => {
    expect(verdict(esp.PH_CWMODE, "AT+CWMODE=1\r\n", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_CWMODE, "AT+CWMODE=1\r\n", "\r\nERROR\r\n")).toBe(ESCALATE);
    expect(verdict(esp.PH_MUX, "AT+CIPMUX=1\r\n", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_MUX, "AT+CIPMUX=1\r\n", "\r\nERROR\r\n")).toBe(ESCALATE);
  });

  it("CWJAP: joined goes on; +CWJAP:2 (password) and :3 (no AP) are refusals, :1 (timeout), :4 (failed) and a bare ERROR are tried again", () => {
    const cmd = "AT+CWJAP=\"lab\",\"secret\"\r\n";
    expect(verdict(esp.PH_CWJAP, cmd, "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_CWJAP, cmd, "\r\n+CWJAP:2\r\n\r\nFAIL\r\n")).toBe(REFUSED);
    expect(info()).toBe("+CWJAP:2");
    expect(verdict(esp.PH_CWJAP, cmd, "\r\n+CWJAP:3\r\n\r\nFAIL\r\n")).toBe(REFUSED);
    expect(verdict(esp.PH_CWJAP, cmd, "\r\n+CWJAP:2\r\n\r\nERROR\r\n")).toBe(REFUSED); // esp-at 2.x ends it with ERROR
    expect(verdict(esp.PH_CWJAP, cmd, "\r\n+CWJAP:1\r\n\r\nFAIL\r\n")).toBe(RETRY);
    expect(verdict(esp.PH_CWJAP, cmd, "\r\n+CWJAP:4\r\n\r\nFAIL\r\n")).toBe(RETRY);
    expect(verdict(esp.PH_CWJAP, cmd, "\r\nERROR\r\n")).toBe(RETRY);
    expect(verdict(esp.PH_CWJAP, cmd, "\r\nFAIL\r\n")).toBe(RETRY);
  });

  it("CWJAP: `\"`, `,` and `\\` in the SSID and password are escaped; the password is never logged", () => {
    const odd = utf8("a\"b,c\\d");
    const pass = utf8("p,w\"d");
    modemCfg.ssid = odd.dataStart;
    modemCfg.ssidLen = odd.length;
    modemCfg.wifiPass = pass.dataStart;
    modemCfg.wifiPassLen = pass.length;
    ask(esp.PH_CWJAP, "AT+CWJAP=\"a\\\"b\\,c\\\\d\",\"p\\,w\\\"d\"\r\n");
    expect(logCount("p\\,w")).toBe(0);
    expect(logCount("at> AT+CWJAP=\"a\\\"b\\,c\\\\d\",\"***\"")).toBe(1);
  });

  it("CIPRECVMODE=1: OK is passive receive (pulled), ERROR is older firmware: active (pushed), and both go on", () => {
    expect(verdict(esp.PH_RECVMODE, "AT+CIPRECVMODE=1\r\n", "\r\nERROR\r\n")).toBe(NEXT);
    expect(esp.pulls()).toBe(false);
    expect(verdict(esp.PH_RECVMODE, "AT+CIPRECVMODE=1\r\n", "\r\nOK\r\n")).toBe(NEXT);
    expect(esp.pulls()).toBe(true);
  });

  it("CIPSSLSIZE: OK or ERROR (ESP32 firmware has none) go on; CIPSSLCCONF: ERROR is no TLS unless configured insecure", () => {
    modemCfg.tls = 1;
    expect(verdict(esp.PH_SSLSIZE, "AT+CIPSSLSIZE=4096\r\n", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_SSLSIZE, "AT+CIPSSLSIZE=4096\r\n", "\r\nERROR\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_SSLCONF, "AT+CIPSSLCCONF=0,2\r\n", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(esp.PH_SSLCONF, "AT+CIPSSLCCONF=0,2\r\n", "\r\nERROR\r\n")).toBe(NO_TLS);
    modemCfg.tls = 3;
    expect(verdict(esp.PH_SSLCONF, "AT+CIPSSLCCONF=0,0\r\n", "\r\nERROR\r\n")).toBe(NEXT);
  });
});

describe("espat: link 0", () => {
  beforeEach(reset);

  it("open: CIPSTART \"TCP\", or \"SSL\" on a secure link (the ESP does the handshake), 20 s for its answer", () => {
    esp.open(host.dataStart, host.length, 1883);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r\n");
    hear("0,CONNECT\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    at.reset();
    modemCfg.tls = 1;
    esp.open(host.dataStart, host.length, 8883);
    wrote("AT+CIPSTART=0,\"SSL\",\"broker.test\",8883\r\n");
    timesOutAfter(20000);
  });

  it("open: ALREADY CONNECTED then ERROR: the link is up all the same (flag), the command ended in an error", () => {
    esp.open(host.dataStart, host.length, 1883);
    written();
    expect(resultOf("ALREADY CONNECTED\r\n\r\nERROR\r\n")).toBe(R_ERROR);
    expect(at.urc).toBe(at.U_CONNECT_OK);
  });

  it("send: AT+CIPSEND=0,n; its OK comes before '>' and ends nothing; Recv n bytes passes; SEND OK or SEND FAIL is the result", () => {
    esp.send(2048);
    wrote("AT+CIPSEND=0,2048\r\n");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(R_WAIT);
    hear(">");
    expect(at.state()).toBe(R_PROMPT);
    at.awaitSendResult(esp.SEND_RESULT_MS);
    hear("\r\nRecv 2048 bytes\r\n");
    expect(at.state()).toBe(R_WAIT);
    hear("\r\nSEND OK\r\n");
    expect(at.state()).toBe(R_OK);
    at.done();
    esp.send(1);
    wrote("AT+CIPSEND=0,1\r\n");
    hear("\r\nOK\r\n>");
    at.awaitSendResult(esp.SEND_RESULT_MS);
    hear("\r\nRecv 1 bytes\r\n\r\nSEND FAIL\r\n");
    expect(at.state()).toBe(R_ERROR);
  });

  it("close: AT+CIPCLOSE=0; 0,CLOSED then OK", () => {
    esp.close();
    wrote("AT+CIPCLOSE=0\r\n");
    expect(resultOf("0,CLOSED\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(at.urc).toBe(at.U_CLOSED);
  });

  it("read: AT+CIPRECVDATA=0,len; +CIPRECVDATA:n,<bytes> (documented) and +CIPRECVDATA,n:<bytes> (NONOS 1.7) are counted reads; what is left is not told", () => {
    esp.read(2048);
    wrote("AT+CIPRECVDATA=0,2048\r\n");
    const data = "0,CLOSED\r\n+IPD,0,9\r\nOK\r\n";
    hear("\r\n+CIPRECVDATA:" + data.length.toString() + "," + data);
    expect(received()).toBe("");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe(data);
    expect(at.rxLeft).toBe(-1);
    expect(at.urc).toBe(0);
    at.done();
    esp.read(64);
    wrote("AT+CIPRECVDATA=0,64\r\n");
    expect(resultOf("\r\n+CIPRECVDATA,5:he:,o\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe("he:,o");
    at.done();
    esp.read(64);
    written();
    timesOutAfter(5000);
  });

  it("poll: AT+CIPRECVLEN?; polled() is link 0's count, not another link's; none on ERROR", () => {
    const answers: string[] = ["+CIPRECVLEN:64,0,0,0,0", "+CIPRECVLEN:0,512,0,0,0", "+CIPRECVLEN:1460"];
    const counts: i32[] = [64, 0, 1460];
    for (let i = 0; i < answers.length; i++) {
      esp.poll();
      wrote("AT+CIPRECVLEN?\r\n");
      expect(resultOf("\r\n" + answers[i] + "\r\n\r\nOK\r\n")).toBe(R_OK);
      expect(esp.polled()).toBe(counts[i], answers[i]);
      at.done();
    }
    esp.poll();
    written();
    expect(resultOf("\r\nERROR\r\n")).toBe(R_ERROR);
    expect(esp.polled()).toBe(-1);
    at.done();
    esp.poll();
    timesOutAfter(2000);
  });

  it("a module taken for active that sends a passive notice is passive after all", () => {
    expect(verdict(esp.PH_RECVMODE, "AT+CIPRECVMODE=1\r\n", "\r\nERROR\r\n")).toBe(NEXT);
    expect(esp.pulls()).toBe(false);
    esp.pushedSeen();
    expect(esp.pulls()).toBe(true);
  });
});

describe("espat: the line recogniser", () => {
  beforeEach(reset);

  it("URCs while a command waits: each sets its flag and leaves the command waiting; another link's are not ours", () => {
    const lines: string[] = [
      "0,CLOSED", "0, CLOSED", "CLOSED", "0,CONNECT", "CONNECT", "ALREADY CONNECTED", "WIFI DISCONNECT", "WIFI GOT IP",
      "+IPD,0,32", "+IPD,32", "ready",
      "1,CLOSED", "4,CLOSED", "1,CONNECT", "+IPD,1,32", "+IPD,3,1460",
    ];
    const flags: i32[] = [
      at.U_CLOSED, at.U_CLOSED, at.U_CLOSED, at.U_CONNECT_OK, at.U_CONNECT_OK, at.U_CONNECT_OK, at.U_PDP_DEACT, at.U_WIFI_IP,
      at.U_DATA, at.U_DATA, at.U_REBOOT | at.U_BOOT,
      0, 0, 0, 0, 0,
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(flags[i], lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("lines that only pass, and garbage or cut lines: no flag, the command waits", () => {
    const lines: string[] = [
      "WIFI CONNECTED", "Recv 4 bytes", "SEND OK", "SEND FAIL", "0,SEND OK", "+CIPRECVLEN:5,0,0,0,0",
      "0,CONNECT FAIL", "CONNECTED", "0,CLOSED.", "ALREADY", "WIFI DISCONNEC", "WIFI GOT", "rdy", "read", "busy", "+IPD",
      "\x1b\xe4\x8c\x6c\x9c\xe2", "\x0c\x7c\x82\x6c\xec\x0c\x8c\xf2\x6e",
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("FAIL ends the command in flight with an error; +CWJAP:n is kept as its information line", () => {
    expect(flagsOf("FAIL")).toBe(0);
    expect(at.state()).toBe(R_ERROR);
    expect(driverTakes("+CWJAP:", "+CWJAP:1")).toBe(false);
    at.reset();
    at.command(asciiStatus, 2000);
    written();
    hear("\r\n+CWJAP:3\r\n");
    expect(info()).toBe("+CWJAP:3"); // taken for any command: the driver's own information line
    expect(at.state()).toBe(R_WAIT);
  });

  it("busy p... / busy s...: the input was dropped, the same command goes out again 300 ms later", () => {
    const lines: string[] = ["busy p...", "busy s..."];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT);
      clockAdvance(299);
      at.poll();
      wrote("");
      clockAdvance(1);
      at.poll();
      wrote("AT+CIPSTATUS\r\n");
    }
  });
});

describe("espat: data headers", () => {
  beforeEach(reset);

  it("active: +IPD,0,n:<bytes> is pushed data, held until a final OK; the bytes may hold lines, ':' and ','", () => {
    const data = "0,CLOSED\r\nOK\r\n:,";
    hear("\r\n+IPD,0," + data.length.toString() + ":" + data + "\r\n");
    expect(ring.rxPend).toBe(data.length);
    expect(at.urc).toBe(0);
    confirm();
    expect(received()).toBe(data);
  });

  it("active, single link: +IPD,n:<bytes>; with CIPDINFO: +IPD,0,n,\"ip\",port:<bytes> takes n bytes, not port bytes", () => {
    hear("\r\n+IPD,5:hello\r\n+IPD,0,3,\"192.168.4.1\",1883:xyz\r\n");
    confirm();
    expect(received()).toBe("helloxyz");
  });

  it("an IPv6 address's ':' inside the quotes does not end the header", () => {
    hear("\r\n+IPD,0,4,\"fe80::1\",1883:data\r\n");
    confirm();
    expect(received()).toBe("data");
  });

  it("another link's +IPD,1,n:<bytes> is read past and dropped; ours after it is kept", () => {
    hear("\r\n+IPD,1,5:hello\r\n+IPD,0,3:abc\r\n");
    confirm();
    expect(received()).toBe("abc");
  });

  it("not headers: +CIPRECVLEN:, +CWJAP:, a ':' or ',' in any other line", () => {
    at.command(asciiStatus, 2000);
    written();
    hear("\r\n+CIPRECVLEN:5,0,0,0,0\r\n+CWJAP:1\r\nWIFI: x,y\r\n+IPX,0,5:hello\r\n\r\nOK\r\n");
    expect(at.state()).toBe(R_OK);
    expect(ring.rxPend).toBe(0);
    expect(received()).toBe("");
  });
});
