// The Quectel BG96 driver (assembly/link/bg96.ts) on its own, through the AT
// engine: each bring-up phase's exact command and time limit and what each
// answer means, the link-0 commands over TCP (QIOPEN, QISEND, QIRD) and TLS
// (QSSL*), the limits, and the line recogniser on the lines
// docs/modems/bg96.md lists (+QIURC / +QSSLURC "recv", "closed",
// "pdpdeact"; +QIRD: n reads; +QIOPEN results; boot lines), garbage and cut
// lines too. The last group runs it under the modem state machine.
import * as bg from "../../assembly/link/bg96";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import * as modemCfg from "../../assembly/link/modemcfg";
import { R_NONE, R_OK, R_WAIT, R_ERROR, R_PROMPT } from "../../assembly/link/at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE, FIRST_PHASE } from "../../assembly/link/driver";
import { modemSelect, modemPoll, modemOpen, modemState, modemWrite, modemRead, modemClose, FAMILY_BG96 } from "../../assembly/link/modem";
import { LINK_UP, LINK_OPENING, LINK_DOWN } from "../../assembly/link/linkstate";
import { PIN_PWRKEY, PWRKEY_MS } from "../../assembly/config";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, logCount, written, modemSays, latin1, textOf } from "./helpers";
import { fresh, hear, wrote, resultOf, timesOutAfter, info, received, driverTakes, host } from "./at-script";

function reset(): void { fresh(fam.FAMILY_BG96); }

function ask(p: i32, want: string): void {
  expect(bg.phase(p, R_NONE)).toBe(SENT);
  wrote(want);
}

function verdict(p: i32, want: string, s: string): i32 {
  ask(p, want);
  const v = bg.phase(p, resultOf(s));
  at.done();
  return v;
}

function timeoutVerdict(p: i32, want: string, ms: i32): i32 {
  ask(p, want);
  timesOutAfter(ms);
  const v = bg.phase(p, at.R_TIMEOUT);
  at.done();
  return v;
}

const asciiStatus = ascii("AT+QISTATE=1,0");

function flagsOf(s: string): i32 {
  at.reset();
  at.setEchoOff(true);
  at.command(asciiStatus, 2000);
  written();
  hear("\r\n" + s + "\r\n");
  return at.urc;
}

const CSGP = "AT+QICSGP=1,1,\"internet\",\"\",\"\",1\r";

describe("bg96: constants", () => {
  it("CR-ended commands, PWRKEY 1.6 s (>= 650 ms off, >= 500 ms on), 1460-byte sends and reads, 150 s to the open's result, reads say their count", () => {
    expect(bg.CRLF).toBe(false);
    expect(bg.POWER_PIN).toBe(PIN_PWRKEY);
    expect(bg.POWER_LOW_MS).toBe(PWRKEY_MS);
    expect(bg.POWER_LOW_MS).toBe(1600);
    expect(bg.BOOT_MS).toBe(3000);
    expect(bg.SEND_MAX).toBe(1460); // QISEND takes up to 1460
    expect(bg.READ_MAX).toBe(1460); // QIRD gives up to 1500
    expect(bg.SEND_RESULT_MS).toBe(10000);
    expect(bg.OPEN_CMD_MS).toBe(2000);
    expect(bg.OPEN_MS).toBe(150000);
    expect(bg.OPEN_ERROR_IS_TLS).toBe(false);
    expect(bg.READ_TELLS_LEFT).toBe(true);
    expect(bg.REATTACH).toBe(bg.PH_DEACT);
  });
});

describe("bg96: the bring-up phase table", () => {
  beforeEach(reset);

  it("plain TCP: the phases in order from FIRST_PHASE, each command's exact bytes, the TLS phases skipped, then DONE", () => {
    const want: string[] = ["AT+CMEE=2\r", "AT+CPIN?\r", "AT+CEREG?\r", CSGP, "AT+QIDEACT=1\r", "AT+QIACT=1\r", "skip", "skip"];
    expect(bg.PH_CMEE).toBe(FIRST_PHASE);
    let p = FIRST_PHASE;
    for (let i = 0; i < want.length; i++, p++) {
      const s = bg.phase(p, R_NONE);
      if (want[i] == "skip") {
        expect(s).toBe(SKIP, "phase " + p.toString());
        wrote("");
      } else {
        expect(s).toBe(SENT, "phase " + p.toString());
        wrote(want[i]);
        at.done();
      }
    }
    expect(p).toBe(bg.PH_SSLVER + 1);
    expect(bg.phase(p, R_NONE)).toBe(DONE);
    wrote("");
  });

  it("TLS: seclevel 1 (verify the server; 0 only when configured insecure) and sslversion 4 (all) on SSL context 1", () => {
    modemCfg.tls = 1;
    ask(bg.PH_SECLEVEL, "AT+QSSLCFG=\"seclevel\",1,1\r");
    at.done();
    ask(bg.PH_SSLVER, "AT+QSSLCFG=\"sslversion\",1,4\r");
    at.done();
    modemCfg.tls = 3;
    ask(bg.PH_SECLEVEL, "AT+QSSLCFG=\"seclevel\",1,0\r");
    at.done();
    modemCfg.tls = 2;
    expect(bg.phase(bg.PH_SECLEVEL, R_NONE)).toBe(SKIP);
    expect(bg.phase(bg.PH_SSLVER, R_NONE)).toBe(SKIP);
    wrote("");
  });

  it("each command's time limit (QIDEACT 40 s, QIACT 150 s), and a timeout in any phase climbs the ladder", () => {
    modemCfg.tls = 1;
    const phases: i32[] = [bg.PH_CMEE, bg.PH_CPIN, bg.PH_CEREG, bg.PH_CSGP, bg.PH_DEACT, bg.PH_ACT, bg.PH_SECLEVEL, bg.PH_SSLVER];
    const cmds: string[] = [
      "AT+CMEE=2\r", "AT+CPIN?\r", "AT+CEREG?\r", CSGP, "AT+QIDEACT=1\r", "AT+QIACT=1\r",
      "AT+QSSLCFG=\"seclevel\",1,1\r", "AT+QSSLCFG=\"sslversion\",1,4\r",
    ];
    const ms: i32[] = [1000, 5000, 2000, 1000, 40000, 150000, 1000, 1000];
    for (let i = 0; i < phases.length; i++) {
      at.reset();
      expect(timeoutVerdict(phases[i], cmds[i], ms[i])).toBe(ESCALATE, cmds[i]);
    }
  });

  it("CMEE: OK or ERROR go on; CPIN?: READY goes on, anything else waits", () => {
    expect(verdict(bg.PH_CMEE, "AT+CMEE=2\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_CMEE, "AT+CMEE=2\r", "\r\nERROR\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_CPIN, "AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_CPIN, "AT+CPIN?\r", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")).toBe(RETRY);
    expect(verdict(bg.PH_CPIN, "AT+CPIN?\r", "\r\n+CME ERROR: 10\r\n")).toBe(RETRY);
  });

  it("CEREG?: home (1) or roaming (5) go on, also with location fields; searching, denied, a CGREG line, a cut line or ERROR ask again", () => {
    const next: string[] = ["+CEREG: 0,1", "+CEREG: 0,5", "+CEREG: 2,1,\"3A9B\",\"0A1B2C3D\",8"];
    for (let i = 0; i < next.length; i++) expect(verdict(bg.PH_CEREG, "AT+CEREG?\r", "\r\n" + next[i] + "\r\n\r\nOK\r\n")).toBe(NEXT, next[i]);
    const retry: string[] = ["+CEREG: 0,2", "+CEREG: 0,3", "+CEREG: 0,0", "+CEREG: 0", "+CGREG: 0,1"];
    for (let i = 0; i < retry.length; i++) expect(verdict(bg.PH_CEREG, "AT+CEREG?\r", "\r\n" + retry[i] + "\r\n\r\nOK\r\n")).toBe(RETRY, retry[i]);
    expect(verdict(bg.PH_CEREG, "AT+CEREG?\r", "\r\nERROR\r\n")).toBe(RETRY);
  });

  it("QICSGP: APN, user and password, authentication 1 (PAP); the password is never logged; OK goes on, ERROR climbs the ladder", () => {
    const user = utf8("wap");
    const pass = utf8("s3cret");
    modemCfg.apnUser = user.dataStart;
    modemCfg.apnUserLen = user.length;
    modemCfg.apnPass = pass.dataStart;
    modemCfg.apnPassLen = pass.length;
    expect(verdict(bg.PH_CSGP, "AT+QICSGP=1,1,\"internet\",\"wap\",\"s3cret\",1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(logCount("s3cret")).toBe(0);
    expect(logCount("at> AT+QICSGP=1,1,\"internet\",\"wap\",\"***\",1")).toBe(1);
    expect(verdict(bg.PH_CSGP, "AT+QICSGP=1,1,\"internet\",\"wap\",\"s3cret\",1\r", "\r\nERROR\r\n")).toBe(ESCALATE);
  });

  it("QIDEACT: OK or ERROR go on (nothing was active); QIACT: OK goes on, ERROR climbs the ladder", () => {
    expect(verdict(bg.PH_DEACT, "AT+QIDEACT=1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_DEACT, "AT+QIDEACT=1\r", "\r\nERROR\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_ACT, "AT+QIACT=1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_ACT, "AT+QIACT=1\r", "\r\nERROR\r\n")).toBe(ESCALATE);
    expect(verdict(bg.PH_ACT, "AT+QIACT=1\r", "\r\n+CME ERROR: 30\r\n")).toBe(ESCALATE);
  });

  it("the SSL settings: OK goes on, ERROR climbs the ladder", () => {
    modemCfg.tls = 1;
    expect(verdict(bg.PH_SECLEVEL, "AT+QSSLCFG=\"seclevel\",1,1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_SECLEVEL, "AT+QSSLCFG=\"seclevel\",1,1\r", "\r\nERROR\r\n")).toBe(ESCALATE);
    expect(verdict(bg.PH_SSLVER, "AT+QSSLCFG=\"sslversion\",1,4\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(bg.PH_SSLVER, "AT+QSSLCFG=\"sslversion\",1,4\r", "\r\nERROR\r\n")).toBe(ESCALATE);
  });
});

describe("bg96: link 0", () => {
  beforeEach(reset);

  it("open over TCP: AT+QIOPEN=1,0,\"TCP\",\"host\",port,0,0 (buffer access); OK, then +QIOPEN: 0,0 is the link up, 0,563 / 0,566 / 0,569 a failure", () => {
    bg.open(host.dataStart, host.length, 1883);
    wrote("AT+QIOPEN=1,0,\"TCP\",\"broker.test\",1883,0,0\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    hear("\r\n+QIOPEN: 0,0\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    const fails: string[] = ["+QIOPEN: 0,563", "+QIOPEN: 0,566", "+QIOPEN: 0,569"];
    for (let i = 0; i < fails.length; i++) {
      at.reset();
      hear("\r\n" + fails[i] + "\r\n");
      expect(at.urc).toBe(at.U_CONNECT_FAIL, fails[i]);
    }
    at.reset();
    bg.open(host.dataStart, host.length, 1883);
    written();
    timesOutAfter(2000);
  });

  it("open over TLS: AT+QSSLOPEN=1,1,0,\"host\",port,0; any failure of +QSSLOPEN counts as a TLS failure", () => {
    modemCfg.tls = 1;
    bg.open(host.dataStart, host.length, 8883);
    wrote("AT+QSSLOPEN=1,1,0,\"broker.test\",8883,0\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    hear("\r\n+QSSLOPEN: 0,0\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    at.reset();
    hear("\r\n+QSSLOPEN: 0,566\r\n");
    expect(at.urc).toBe(at.U_CONNECT_FAIL | at.U_TLS_FAIL);
    at.reset();
    hear("\r\n+QIOPEN: 0,566\r\n");
    expect(at.urc).toBe(at.U_CONNECT_FAIL);
  });

  it("another link's open result is not ours", () => {
    hear("\r\n+QIOPEN: 1,0\r\n+QSSLOPEN: 2,566\r\n+QIOPEN: 11,566\r\n");
    expect(at.urc).toBe(0);
  });

  it("send: AT+QISEND=0,n (AT+QSSLSEND over TLS); '> ', the data, then SEND OK or SEND FAIL; ERROR when not connected", () => {
    bg.send(1460);
    wrote("AT+QISEND=0,1460\r");
    hear("\r\n> ");
    expect(at.state()).toBe(R_PROMPT);
    at.writeRaw(latin1("x").dataStart, 1);
    at.awaitSendResult(bg.SEND_RESULT_MS);
    written();
    hear("\r\n+QIURC: \"recv\",0\r\n");
    expect(at.state()).toBe(R_WAIT);
    expect(resultOf("\r\nSEND OK\r\n")).toBe(R_OK);
    expect(at.urc).toBe(at.U_DATA | at.U_SEND_OK);
    at.done();
    bg.send(3);
    wrote("AT+QISEND=0,3\r");
    hear("\r\n> ");
    at.awaitSendResult(bg.SEND_RESULT_MS);
    expect(resultOf("\r\nSEND FAIL\r\n")).toBe(R_ERROR);
    at.done();
    modemCfg.tls = 1;
    bg.send(5);
    wrote("AT+QSSLSEND=0,5\r");
    expect(resultOf("\r\nERROR\r\n")).toBe(R_ERROR);
  });

  it("close: AT+QICLOSE=0 (AT+QSSLCLOSE=0 over TLS), OK within 10 s", () => {
    bg.close();
    wrote("AT+QICLOSE=0\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    modemCfg.tls = 1;
    bg.close();
    wrote("AT+QSSLCLOSE=0\r");
    timesOutAfter(10000);
  });

  it("read over TCP: AT+QIRD=0,len; +QIRD: n and n bytes (lines inside are data), OK confirms; read again until +QIRD: 0", () => {
    bg.read(1460);
    wrote("AT+QIRD=0,1460\r");
    const data = "+QIURC: \"closed\",0\r\nRDY\r\nSEND OK\r\nOK\r\n";
    hear("\r\n+QIRD: " + data.length.toString() + "\r\n" + data);
    expect(received()).toBe("");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe(data);
    expect(at.rxLeft).toBe(data.length);
    expect(at.urc).toBe(0);
    at.done();
    bg.read(1460);
    written();
    expect(resultOf("\r\n+QIRD: 0\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(at.rxLeft).toBe(0);
    expect(received()).toBe("");
    at.done();
    bg.read(64);
    wrote("AT+QIRD=0,64\r");
    timesOutAfter(5000);
  });

  it("read over TLS: AT+QSSLRECV=0,len; +QSSLRECV: n and n bytes", () => {
    modemCfg.tls = 1;
    bg.read(1460);
    wrote("AT+QSSLRECV=0,1460\r");
    expect(resultOf("\r\n+QSSLRECV: 5\r\nhe\r\nl\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe("he\r\nl");
    expect(at.rxLeft).toBe(5);
  });

  it("read: an ERROR after the data delivers nothing (the stream has a hole); a cut +QIRD: header swallows no bytes", () => {
    bg.read(64);
    written();
    expect(resultOf("\r\n+QIRD: 4\r\nabcd\r\nERROR\r\n")).toBe(R_ERROR);
    expect(received()).toBe("");
    expect(at.urc).toBe(at.U_HOLE);
    at.done();
    at.reset();
    bg.read(64);
    written();
    expect(resultOf("\r\n+QIRD: \r\n\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe("");
  });

  it("poll: AT+QIRD=0,0 (AT+QSSLRECV=0,0 over TLS); polled() is the unread count of +QIRD: total,read,unread", () => {
    bg.poll();
    wrote("AT+QIRD=0,0\r");
    expect(resultOf("\r\n+QIRD: 30,10,20\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(bg.polled()).toBe(20);
    expect(info()).toBe("+QIRD: 30,10,20");
    at.done();
    bg.poll();
    written();
    expect(resultOf("\r\n+QIRD: 30,30,0\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(bg.polled()).toBe(0);
    at.done();
    modemCfg.tls = 1;
    bg.poll();
    wrote("AT+QSSLRECV=0,0\r");
    expect(resultOf("\r\n+QSSLRECV: 7,0,7\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(bg.polled()).toBe(7);
    at.done();
    bg.poll();
    written();
    expect(resultOf("\r\nERROR\r\n")).toBe(R_ERROR);
    expect(bg.polled()).toBe(-1);
    at.done();
    bg.poll();
    written();
    timesOutAfter(2000);
  });

  it("data is always pulled: no pushed headers", () => {
    expect(bg.pulls()).toBe(true);
    bg.pushedSeen();
    expect(bg.pulls()).toBe(true);
    hear("\r\n+IPD,5:hello\r\n+QIURC: \"recv\",0,5\r\nworld\r\n");
    expect(ring.rxPend + ring.rxUsed()).toBe(0);
  });
});

describe("bg96: the line recogniser", () => {
  beforeEach(reset);

  it("URCs while a command waits: each sets its flag and leaves the command waiting; another link's are not ours", () => {
    const lines: string[] = [
      "+QIURC: \"recv\",0", "+QSSLURC: \"recv\",0", "+QIURC: \"closed\",0", "+QSSLURC: \"closed\",0", "+QIURC: \"pdpdeact\",1",
      "RDY", "+CFUN: 1", "+QIOPEN: 0,0",
      "+QIURC: \"recv\",1", "+QIURC: \"recv\",11", "+QIURC: \"closed\",1", "+QIURC: \"closed\",10", "+QSSLURC: \"recv\",2", "+QIOPEN: 3,0",
    ];
    const flags: i32[] = [
      at.U_DATA, at.U_DATA, at.U_CLOSED, at.U_CLOSED, at.U_PDP_DEACT,
      at.U_REBOOT | at.U_BOOT, at.U_REBOOT, at.U_CONNECT_OK,
      0, 0, 0, 0, 0, 0,
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(flags[i], lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("lines that only pass (boot, SIM, network, time, SMS, other +QIURC) and garbage or cut lines: no flag, the command waits", () => {
    const lines: string[] = [
      "APP RDY", "+QIND: SMS DONE", "+QUSIM: 1", "+QIND: \"csq\",20,99", "+QIND: \"act\",\"eMTC\"",
      "+CTZE: \"+00\",0,\"2026/12/03,15:00:00\"", "+CMTI: \"SM\",1", "RING", "+QIURC: \"incoming full\"", "+QIURC: \"dnsgip\",0,1,600",
      "+QIURC: \"rec", "+QIURC: \"recv\",", "+QIURC: \"closed\"", "+QIURC: \"pdpdea", "+QIURC:", "RD", "xRDY", "POWERED", "SEND OK",
      "SEND FAIL", "+QIOPEN: ", "+QIOPEN: x,0", "+CFUN: 0", "\x00\x49\x49\xff\x49",
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("POWERED DOWN: the module is off, and it is also the answer to AT+QPOWD", () => {
    expect(flagsOf("POWERED DOWN")).toBe(at.U_POWER_DOWN);
    expect(at.state()).toBe(R_OK);
  });

  it("+CPIN: READY: the answer to CPIN? while asked; unasked, the module restarted", () => {
    expect(driverTakes("+CPIN:", "+CPIN: READY")).toBe(false);
    expect(at.urc).toBe(0);
    at.reset();
    hear("\r\n+CPIN: READY\r\n");
    expect(at.urc).toBe(at.U_REBOOT);
  });

  it("the poll's answers (with commas) are left to the engine; a read's +QIRD: n and the skipped URCs are the driver's", () => {
    expect(driverTakes("+QIRD:", "+QIRD: 1,0,1")).toBe(false);
    expect(driverTakes("+QSSLRECV:", "+QSSLRECV: 3,1,2")).toBe(false);
    expect(driverTakes("+QIRD:", "+QIRD: 0")).toBe(true);
    expect(driverTakes("+QSSLRECV:", "+QSSLRECV: 0")).toBe(true);
    expect(driverTakes("+QIURC:", "+QIURC: \"recv\",1")).toBe(true);
    expect(driverTakes("+QIND:", "+QIND: SMS DONE")).toBe(true);
  });
});

// ---- under the modem state machine ----

function answer(s: string): void {
  modemSays(s);
  modemPoll();
}

const OUT: usize = memory.data(256, 16);

describe("bg96: under the modem state machine", () => {
  beforeEach(() => {
    reset();
    modemClose();
  });

  it("bring-up, a link, a send, a read after +QIURC \"recv\", the peer's close", () => {
    modemSelect(FAMILY_BG96, 115200);
    modemPoll();
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    wrote("ATE0\r");
    answer("ATE0\r\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\nOK\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\nAPP RDY\r\n");
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    wrote("AT+CEREG?\r");
    answer("\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
    wrote(CSGP);
    answer("\r\nOK\r\n");
    wrote("AT+QIDEACT=1\r");
    answer("\r\nOK\r\n");
    wrote("AT+QIACT=1\r");
    answer("\r\nOK\r\n");
    wrote("");
    expect(modemOpen(host.dataStart, host.length, 1883)).toBe(0);
    modemPoll();
    wrote("AT+QIOPEN=1,0,\"TCP\",\"broker.test\",1883,0,0\r");
    answer("\r\nOK\r\n");
    expect(modemState()).toBe(LINK_OPENING);
    answer("\r\n+QIOPEN: 0,0\r\n");
    expect(modemState()).toBe(LINK_UP);
    const b = latin1("ping");
    expect(modemWrite(b.dataStart, 4)).toBe(4);
    modemPoll();
    wrote("AT+QISEND=0,4\r");
    answer("\r\n> ");
    wrote("ping");
    answer("\r\nSEND OK\r\n\r\n+QIURC: \"recv\",0\r\n");
    wrote("AT+QIRD=0,512\r");
    answer("\r\n+QIRD: 4\r\npong\r\nOK\r\n");
    wrote("AT+QIRD=0,508\r"); // the read said 4: read again until 0, into the room left
    answer("\r\n+QIRD: 0\r\n\r\nOK\r\n");
    wrote("");
    const n = modemRead(OUT, 256);
    expect(textOf(OUT, n)).toBe("pong");
    answer("\r\n+QIURC: \"closed\",0\r\n");
    wrote("AT+QICLOSE=0\r");
    answer("\r\nOK\r\n");
    expect(modemState()).toBe(LINK_DOWN);
  });
});
