// The SIMCom SIM7600 driver (assembly/link/sim7600.ts) on its own, through
// the AT engine: each bring-up phase's exact command and time limit and what
// each answer means (NETOPEN and CCHSTART end on their own line, not on OK),
// the link-0 commands over TCP (CIPOPEN, CIPSEND, CIPRXGET) and TLS (CCH),
// the limits, and the line recogniser on the lines docs/modems/sim7600.md
// lists (URCs, +CIPRXGET: 2 / +CCHRECV: DATA reads, closures, PDP loss),
// garbage and cut lines too. The last group runs it under the modem state
// machine (modem.ts) for a restart in the middle of NETOPEN.
import * as s76 from "../../assembly/link/sim7600";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import * as modemCfg from "../../assembly/link/modemcfg";
import { R_NONE, R_OK, R_WAIT, R_ERROR, R_PROMPT } from "../../assembly/link/at";
import { NEXT, RETRY, ESCALATE, SENT, SKIP, DONE, FIRST_PHASE } from "../../assembly/link/driver";
import { modemSelect, modemPoll, modemOpen, modemState, modemClose, FAMILY_SIM7600 } from "../../assembly/link/modem";
import { LINK_UP, LINK_OPENING } from "../../assembly/link/linkstate";
import { PIN_PWRKEY } from "../../assembly/config";
import { ascii } from "../../assembly/mem/ascii";
import { written, modemSays, clockAdvance, latin1 } from "./helpers";
import { fresh, hear, wrote, resultOf, timesOutAfter, info, received, driverTakes, host } from "./at-script";

function reset(): void { fresh(fam.FAMILY_SIM7600); }

function ask(p: i32, want: string): void {
  expect(s76.phase(p, R_NONE)).toBe(SENT);
  wrote(want);
}

function verdict(p: i32, want: string, s: string): i32 {
  ask(p, want);
  const v = s76.phase(p, resultOf(s));
  at.done();
  return v;
}

function timeoutVerdict(p: i32, want: string, ms: i32): i32 {
  ask(p, want);
  timesOutAfter(ms);
  const v = s76.phase(p, at.R_TIMEOUT);
  at.done();
  return v;
}

const asciiStatus = ascii("AT+CIPSTATUS");

function flagsOf(s: string): i32 {
  at.reset();
  at.setEchoOff(true);
  at.command(asciiStatus, 2000);
  written();
  hear("\r\n" + s + "\r\n");
  return at.urc;
}

/** The registration phase's next question: CEREG? and CGREG? in turn. */
function askReg(): string {
  expect(s76.phase(s76.PH_REG, R_NONE)).toBe(SENT);
  return written();
}

describe("sim7600: constants", () => {
  it("CR-ended commands, PWRKEY 3 s (>= 2.5 s switches it off), 1460-byte sends and reads, 120 s to the open's result, a failed handshake told by +CCHOPEN", () => {
    expect(s76.CRLF).toBe(false);
    expect(s76.POWER_PIN).toBe(PIN_PWRKEY);
    expect(s76.POWER_LOW_MS).toBe(3000);
    expect(s76.BOOT_MS).toBe(3000);
    expect(s76.SEND_MAX).toBe(1460); // the module takes up to 1500
    expect(s76.READ_MAX).toBe(1460);
    expect(s76.SEND_RESULT_MS).toBe(10000);
    expect(s76.OPEN_CMD_MS).toBe(2000);
    expect(s76.OPEN_MS).toBe(120000);
    expect(s76.OPEN_ERROR_IS_TLS).toBe(false);
    expect(s76.READ_TELLS_LEFT).toBe(true);
    expect(s76.REATTACH).toBe(s76.PH_NETCLOSE);
  });
});

describe("sim7600: the bring-up phase table", () => {
  beforeEach(reset);

  it("plain TCP: the phases in order from FIRST_PHASE, each command's exact bytes, the TLS phases skipped, then DONE", () => {
    expect(s76.PH_CMEE).toBe(FIRST_PHASE);
    ask(s76.PH_CMEE, "AT+CMEE=2\r");
    at.done();
    ask(s76.PH_CPIN, "AT+CPIN?\r");
    at.done();
    const reg = visibleOf(askReg());
    expect(reg == "AT+CEREG?\\r" || reg == "AT+CGREG?\\r").toBe(true, reg);
    at.done();
    ask(s76.PH_PDP, "AT+CGDCONT=1,\"IP\",\"internet\"\r");
    at.done();
    ask(s76.PH_NETCLOSE, "AT+NETCLOSE\r");
    at.done();
    ask(s76.PH_RXGET, "AT+CIPRXGET=1\r");
    at.done();
    ask(s76.PH_NETOPEN, "AT+NETOPEN\r");
    s76.phase(s76.PH_NETOPEN, R_ERROR); // its answer taken (else NETOPEN's own line stays awaited)
    at.done();
    const order: i32[] = [s76.PH_CMEE, s76.PH_CPIN, s76.PH_REG, s76.PH_PDP, s76.PH_NETCLOSE, s76.PH_RXGET, s76.PH_NETOPEN, s76.PH_AUTH, s76.PH_CCHSET, s76.PH_CCHSTART, s76.PH_CCHCFG];
    for (let i = 0; i < order.length; i++) expect(order[i]).toBe(FIRST_PHASE + i);
    for (let p = s76.PH_AUTH; p <= s76.PH_CCHCFG; p++) expect(s76.phase(p, R_NONE)).toBe(SKIP);
    expect(s76.phase(s76.PH_CCHCFG + 1, R_NONE)).toBe(DONE);
    wrote("");
  });

  it("TLS through CCH: authmode 0,1 (verify; 0,0 only when insecure), CCHSET=0,1 (manual receive), CCHSTART, CCHSSLCFG=0,0", () => {
    modemCfg.tls = 1;
    ask(s76.PH_AUTH, "AT+CSSLCFG=\"authmode\",0,1\r");
    at.done();
    ask(s76.PH_CCHSET, "AT+CCHSET=0,1\r");
    at.done();
    ask(s76.PH_CCHSTART, "AT+CCHSTART\r");
    s76.phase(s76.PH_CCHSTART, R_ERROR);
    at.done();
    ask(s76.PH_CCHCFG, "AT+CCHSSLCFG=0,0\r");
    at.done();
    modemCfg.tls = 3;
    ask(s76.PH_AUTH, "AT+CSSLCFG=\"authmode\",0,0\r");
    at.done();
    modemCfg.tls = 2;
    for (let p = s76.PH_AUTH; p <= s76.PH_CCHCFG; p++) expect(s76.phase(p, R_NONE)).toBe(SKIP);
    wrote("");
  });

  it("each command's time limit, and a timeout in any phase climbs the ladder", () => {
    modemCfg.tls = 1;
    const phases: i32[] = [
      s76.PH_CMEE, s76.PH_CPIN, s76.PH_PDP, s76.PH_NETCLOSE, s76.PH_RXGET, s76.PH_NETOPEN,
      s76.PH_AUTH, s76.PH_CCHSET, s76.PH_CCHSTART, s76.PH_CCHCFG,
    ];
    const cmds: string[] = [
      "AT+CMEE=2\r", "AT+CPIN?\r", "AT+CGDCONT=1,\"IP\",\"internet\"\r", "AT+NETCLOSE\r", "AT+CIPRXGET=1\r", "AT+NETOPEN\r",
      "AT+CSSLCFG=\"authmode\",0,1\r", "AT+CCHSET=0,1\r", "AT+CCHSTART\r", "AT+CCHSSLCFG=0,0\r",
    ];
    const ms: i32[] = [1000, 5000, 1000, 5000, 1000, 120000, 1000, 1000, 12000, 1000];
    for (let i = 0; i < phases.length; i++) {
      at.reset();
      expect(timeoutVerdict(phases[i], cmds[i], ms[i])).toBe(ESCALATE, cmds[i]);
    }
    at.reset();
    askReg();
    timesOutAfter(2000);
    expect(s76.phase(s76.PH_REG, at.R_TIMEOUT)).toBe(ESCALATE);
  });

  it("CMEE: OK or ERROR go on; CPIN?: READY goes on, anything else waits", () => {
    expect(verdict(s76.PH_CMEE, "AT+CMEE=2\r", "\r\nERROR\r\n")).toBe(NEXT);
    expect(verdict(s76.PH_CPIN, "AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(s76.PH_CPIN, "AT+CPIN?\r", "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n")).toBe(RETRY);
    expect(verdict(s76.PH_CPIN, "AT+CPIN?\r", "\r\n+CME ERROR: SIM busy\r\n")).toBe(RETRY);
  });

  it("registration: CEREG? and CGREG? asked in turn; 1 or 5 in the one asked goes on, 2 or the other's line asks again", () => {
    const first = visibleOf(askReg());
    at.done();
    const second = visibleOf(askReg());
    at.done();
    expect(first != second).toBe(true, "in turn");
    expect(first == "AT+CEREG?\\r" || second == "AT+CEREG?\\r").toBe(true);
    expect(first == "AT+CGREG?\\r" || second == "AT+CGREG?\\r").toBe(true);
    // the next two questions: answer each as a registered module would
    for (let k = 0; k < 2; k++) {
      const q = visibleOf(askReg());
      const lte = q == "AT+CEREG?\\r";
      expect(s76.phase(s76.PH_REG, resultOf(lte ? "\r\n+CEREG: 0,1\r\n\r\nOK\r\n" : "\r\n+CGREG: 0,5\r\n\r\nOK\r\n"))).toBe(NEXT, q);
      at.done();
    }
    for (let k = 0; k < 2; k++) {
      const q = visibleOf(askReg());
      const lte = q == "AT+CEREG?\\r";
      expect(s76.phase(s76.PH_REG, resultOf(lte ? "\r\n+CEREG: 2,1,\"00C3\",\"0A1B2C3D\",7\r\n\r\nOK\r\n" : "\r\n+CGREG: 0,1\r\n\r\nOK\r\n"))).toBe(NEXT, q);
      at.done();
    }
    for (let k = 0; k < 2; k++) {
      const q = visibleOf(askReg());
      const lte = q == "AT+CEREG?\\r";
      expect(s76.phase(s76.PH_REG, resultOf(lte ? "\r\n+CEREG: 0,2\r\n\r\nOK\r\n" : "\r\n+CGREG: 0,2\r\n\r\nOK\r\n"))).toBe(RETRY, q);
      at.done();
    }
    for (let k = 0; k < 2; k++) {
      const q = visibleOf(askReg());
      const lte = q == "AT+CEREG?\\r";
      // the other one's line is not this question's answer
      expect(s76.phase(s76.PH_REG, resultOf(lte ? "\r\n+CGREG: 0,1\r\n\r\nOK\r\n" : "\r\n+CEREG: 0,1\r\n\r\nOK\r\n"))).toBe(RETRY, q);
      at.done();
    }
    askReg();
    expect(s76.phase(s76.PH_REG, resultOf("\r\nERROR\r\n"))).toBe(RETRY);
  });

  it("CGDCONT, CIPRXGET=1, the TLS settings: OK goes on, ERROR climbs the ladder", () => {
    modemCfg.tls = 1;
    const phases: i32[] = [s76.PH_PDP, s76.PH_RXGET, s76.PH_AUTH, s76.PH_CCHSET, s76.PH_CCHCFG];
    const cmds: string[] = ["AT+CGDCONT=1,\"IP\",\"internet\"\r", "AT+CIPRXGET=1\r", "AT+CSSLCFG=\"authmode\",0,1\r", "AT+CCHSET=0,1\r", "AT+CCHSSLCFG=0,0\r"];
    for (let i = 0; i < phases.length; i++) {
      expect(verdict(phases[i], cmds[i], "\r\nOK\r\n")).toBe(NEXT, cmds[i]);
      expect(verdict(phases[i], cmds[i], "\r\nERROR\r\n")).toBe(ESCALATE, cmds[i]);
    }
  });

  it("NETCLOSE: OK goes on, and so does +NETCLOSE: 2 with ERROR (the network was closed)", () => {
    expect(verdict(s76.PH_NETCLOSE, "AT+NETCLOSE\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(s76.PH_NETCLOSE, "AT+NETCLOSE\r", "\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n")).toBe(NEXT);
  });

  it("NETOPEN: its OK is not the end, +NETOPEN: 0 is; +NETOPEN: 1 (not attached) or ERROR climb the ladder", () => {
    ask(s76.PH_NETOPEN, "AT+NETOPEN\r");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(R_WAIT);
    expect(s76.phase(s76.PH_NETOPEN, resultOf("\r\n+NETOPEN: 0\r\n"))).toBe(NEXT);
    expect(info()).toBe("+NETOPEN: 0");
    at.done();
    expect(verdict(s76.PH_NETOPEN, "AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 1\r\n")).toBe(ESCALATE);
    expect(verdict(s76.PH_NETOPEN, "AT+NETOPEN\r", "\r\n+IP ERROR: Network is already opened\r\n\r\nERROR\r\n")).toBe(ESCALATE);
  });

  it("NETOPEN: lines that are not its own (another command's +CCHSTART: 0, a URC) do not end it", () => {
    ask(s76.PH_NETOPEN, "AT+NETOPEN\r");
    hear("\r\nOK\r\n\r\n+CCHSTART: 0\r\n\r\nSMS DONE\r\n\r\n+NETCLOSE: 0\r\n");
    expect(at.state()).toBe(R_WAIT);
    expect(s76.phase(s76.PH_NETOPEN, resultOf("\r\n+NETOPEN: 0\r\n"))).toBe(NEXT);
    at.done();
  });

  it("CCHSTART: OK then +CCHSTART: 0 goes on; ERROR (already started) goes on too", () => {
    modemCfg.tls = 1;
    ask(s76.PH_CCHSTART, "AT+CCHSTART\r");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(R_WAIT);
    expect(s76.phase(s76.PH_CCHSTART, resultOf("\r\n+CCHSTART: 0\r\n"))).toBe(NEXT);
    at.done();
    expect(verdict(s76.PH_CCHSTART, "AT+CCHSTART\r", "\r\nERROR\r\n")).toBe(NEXT);
  });

  it("once NETOPEN's answer is taken, OK is again the end of every other command", () => {
    expect(verdict(s76.PH_NETOPEN, "AT+NETOPEN\r", "\r\nOK\r\n\r\n+NETOPEN: 0\r\n")).toBe(NEXT);
    expect(verdict(s76.PH_CMEE, "AT+CMEE=2\r", "\r\nOK\r\n")).toBe(NEXT);
    hear("\r\n+NETOPEN: 0\r\n"); // late, unasked: nothing
    expect(at.urc).toBe(0);
  });

  it("a restart while NETOPEN waits (the engine is reset, as modem.ts does): the AT probe's OK and the next phase's OK end their commands", () => {
    ask(s76.PH_NETOPEN, "AT+NETOPEN\r");
    hear("\r\nOK\r\n\r\nRDY\r\n");
    expect(at.urc).toBe(at.U_REBOOT | at.U_BOOT);
    at.reset(); // what modem.ts does on a restart, a power cycle or a new selection
    at.command(ascii("AT"), 500);
    wrote("AT\r");
    expect(resultOf("AT\r\r\nOK\r\n")).toBe(R_OK);
    at.done();
    at.command(ascii("ATE0"), 1000);
    wrote("ATE0\r");
    expect(resultOf("ATE0\r\r\nOK\r\n")).toBe(R_OK);
    at.done();
    at.setEchoOff(true);
    expect(verdict(s76.PH_CMEE, "AT+CMEE=2\r", "\r\nOK\r\n")).toBe(NEXT);
  });

  it("a restart while CCHSTART waits: the same", () => {
    modemCfg.tls = 1;
    ask(s76.PH_CCHSTART, "AT+CCHSTART\r");
    hear("\r\nOK\r\n");
    at.reset();
    at.command(ascii("AT"), 500);
    wrote("AT\r");
    expect(resultOf("AT\r\r\nOK\r\n")).toBe(R_OK);
    at.done();
    at.setEchoOff(true);
    expect(verdict(s76.PH_CMEE, "AT+CMEE=2\r", "\r\nOK\r\n")).toBe(NEXT);
  });
});

describe("sim7600: link 0", () => {
  beforeEach(reset);

  it("open over TCP: AT+CIPOPEN=0,\"TCP\",\"host\",port; OK, then +CIPOPEN: 0,0 is the link up, 0,1 / 0,10 / 0,2 + ERROR a failure", () => {
    s76.open(host.dataStart, host.length, 1883);
    wrote("AT+CIPOPEN=0,\"TCP\",\"broker.test\",1883\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    hear("\r\n+CIPOPEN: 0,0\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    const fails: string[] = ["+CIPOPEN: 0,1", "+CIPOPEN: 0,10", "+CIPOPEN: 0,4"];
    for (let i = 0; i < fails.length; i++) {
      at.reset();
      hear("\r\n" + fails[i] + "\r\n");
      expect(at.urc).toBe(at.U_CONNECT_FAIL, fails[i]);
    }
    at.reset();
    s76.open(host.dataStart, host.length, 1883);
    written();
    expect(resultOf("\r\n+CIPOPEN: 0,2\r\n\r\nERROR\r\n")).toBe(R_ERROR);
    expect(at.urc).toBe(at.U_CONNECT_FAIL);
    at.reset();
    s76.open(host.dataStart, host.length, 1883);
    written();
    timesOutAfter(2000);
  });

  it("open over TLS: AT+CCHOPEN=0,\"host\",port,2; +CCHOPEN: 0,15 is a refused handshake, 0,14 a failed connect", () => {
    modemCfg.tls = 1;
    s76.open(host.dataStart, host.length, 8883);
    wrote("AT+CCHOPEN=0,\"broker.test\",8883,2\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    hear("\r\n+CCHOPEN: 0,0\r\n");
    expect(at.urc).toBe(at.U_CONNECT_OK);
    at.reset();
    hear("\r\n+CCHOPEN: 0,15\r\n");
    expect(at.urc).toBe(at.U_CONNECT_FAIL | at.U_TLS_FAIL);
    at.reset();
    hear("\r\n+CCHOPEN: 0,14\r\n");
    expect(at.urc).toBe(at.U_CONNECT_FAIL);
    at.reset();
    hear("\r\n+CIPOPEN: 0,15\r\n"); // 15 is only a TLS code in CCH's table
    expect(at.urc).toBe(at.U_CONNECT_FAIL);
  });

  it("another link's open result is not ours", () => {
    hear("\r\n+CIPOPEN: 1,0\r\n+CCHOPEN: 1,15\r\n+CIPOPEN: 3,1\r\n");
    expect(at.urc).toBe(0);
  });

  it("send: AT+CIPSEND=0,n (AT+CCHSEND over TLS); '>' without a space, then the OK is the result; +CIPSEND: 0,n,n after it is not waited for", () => {
    s76.send(1460);
    wrote("AT+CIPSEND=0,1460\r");
    hear("\r\n>");
    expect(at.state()).toBe(R_PROMPT);
    at.writeRaw(latin1("x").dataStart, 1);
    at.awaitSendResult(s76.SEND_RESULT_MS);
    written();
    hear("\r\n+CIPRXGET: 1,0\r\n");
    expect(at.state()).toBe(R_WAIT);
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    hear("\r\n+CIPSEND: 0,1460,1460\r\n");
    expect(at.urc).toBe(at.U_DATA);
    modemCfg.tls = 1;
    s76.send(5);
    wrote("AT+CCHSEND=0,5\r");
    hear("\r\n>");
    expect(at.state()).toBe(R_PROMPT);
    at.awaitSendResult(s76.SEND_RESULT_MS);
    expect(resultOf("\r\nERROR\r\n")).toBe(R_ERROR);
  });

  it("close: AT+CIPCLOSE=0 (AT+CCHCLOSE=0 over TLS), OK within 5 s", () => {
    s76.close();
    wrote("AT+CIPCLOSE=0\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    at.done();
    hear("\r\n+CIPCLOSE: 0,0\r\n");
    expect(at.urc).toBe(0);
    modemCfg.tls = 1;
    s76.close();
    wrote("AT+CCHCLOSE=0\r");
    timesOutAfter(5000);
  });

  it("read over TCP: AT+CIPRXGET=2,0,len; +CIPRXGET: 2,0,n,left and n bytes (lines inside are data); OK confirms; left is kept", () => {
    s76.read(1460);
    wrote("AT+CIPRXGET=2,0,1460\r");
    const data = "+IPCLOSE: 0,1\r\nRDY\r\nOK\r\n";
    hear("\r\n+CIPRXGET: 2,0," + data.length.toString() + ",7\r\n" + data);
    expect(received()).toBe("");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe(data);
    expect(at.rxLeft).toBe(7);
    expect(at.urc).toBe(0);
  });

  it("read over TCP with nothing waiting: +IP ERROR: No data, ERROR; nothing left, no hole", () => {
    at.countedRead(0, 99); // a previous read said 99 were left
    s76.read(512);
    wrote("AT+CIPRXGET=2,0,512\r");
    expect(resultOf("\r\n+IP ERROR: No data\r\n\r\nERROR\r\n")).toBe(R_ERROR);
    expect(at.rxLeft).toBe(0);
    expect(received()).toBe("");
    expect(at.urc).toBe(0);
  });

  it("read over TLS: AT+CCHRECV=0,len; +CCHRECV: DATA,0,n and n bytes, the trailer +CCHRECV: 0,0, OK; read again until a count of 0", () => {
    modemCfg.tls = 1;
    s76.read(1460);
    wrote("AT+CCHRECV=0,1460\r");
    expect(resultOf("\r\n+CCHRECV: DATA,0,5\r\nhe\r\nl\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe("he\r\nl");
    expect(at.rxLeft).toBe(5);
    at.done();
    s76.read(1460);
    written();
    expect(resultOf("\r\n+CCHRECV: 0,0\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(at.rxLeft).toBe(0);
    expect(received()).toBe("");
  });

  it("poll: AT+CIPRXGET=4,0 (count in field 2) or AT+CCHRECV? over TLS (session 0's count in +CCHRECV: LEN,n0,n1)", () => {
    s76.poll();
    wrote("AT+CIPRXGET=4,0\r");
    expect(resultOf("\r\n+CIPRXGET: 4,0,37\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(s76.polled()).toBe(37);
    at.done();
    modemCfg.tls = 1;
    s76.poll();
    wrote("AT+CCHRECV?\r");
    expect(resultOf("\r\n+CCHRECV: LEN,37,0\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(s76.polled()).toBe(37);
    at.done();
    s76.poll();
    written();
    expect(resultOf("\r\n+CCHRECV: LEN,0,9\r\n\r\nOK\r\n")).toBe(R_OK);
    expect(s76.polled()).toBe(0);
    at.done();
    s76.poll();
    written();
    timesOutAfter(2000);
  });

  it("data is always pulled (CIPRXGET=1, CCHSET x,1): no pushed headers", () => {
    expect(s76.pulls()).toBe(true);
    s76.pushedSeen();
    expect(s76.pulls()).toBe(true);
    hear("\r\n+IPD,5:hello\r\n+RECEIVE,0,5:world\r\n");
    expect(ring.rxPend + ring.rxUsed()).toBe(0);
  });
});

describe("sim7600: the line recogniser", () => {
  beforeEach(reset);

  it("URCs while a command waits: each sets its flag and leaves the command waiting; another link's or session's are not ours", () => {
    const lines: string[] = [
      "+CIPRXGET: 1,0", "+CIPRXGET: 1", "+IPCLOSE: 0,1", "+IPCLOSE: 0,2", "+CCH_PEER_CLOSED: 0", "+CCHEVENT: 0,RECV EVENT",
      "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY", "RDY", "+CIPOPEN: 0,0",
      "+CIPRXGET: 1,3", "+IPCLOSE: 1,1", "+IPCLOSE: 9,1", "+CCH_PEER_CLOSED: 1", "+CCHEVENT: 1,RECV EVENT",
    ];
    const flags: i32[] = [
      at.U_DATA, at.U_DATA, at.U_CLOSED, at.U_CLOSED, at.U_CLOSED, at.U_DATA,
      at.U_PDP_DEACT, at.U_REBOOT | at.U_BOOT, at.U_CONNECT_OK,
      0, 0, 0, 0, 0,
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(flags[i], lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("lines that only pass (boot, SMS, time, network mode, send and close reports) and garbage or cut lines: no flag, the command waits", () => {
    const lines: string[] = [
      "SMS DONE", "PB DONE", "RING", "+CMTI: \"SM\",1", "+CTZV: +0,0", "+CGEV: ME PDN ACT 1", "+CNSMOD: 8",
      "+CIPSEND: 0,10,10", "+CIPSEND: 0,10,-1", "+CIPCLOSE: 0,0", "+NETCLOSE: 0", "+CCHSEND: 0,0", "+CCHCLOSE: 0,0",
      "+IPCLOSE:", "+IPCLOSE: x", "+CCHEVENT:", "RD", "xRDY", "+CIPEVEN", "+CIPOPEN: ", "+CIPOPEN: x,0", "SEND OK",
      "\x00\x49\x49\xff\x49",
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("+CPIN: READY: the answer to CPIN? while asked; unasked, the module restarted", () => {
    expect(driverTakes("+CPIN:", "+CPIN: READY")).toBe(false);
    expect(at.urc).toBe(0);
    at.reset();
    hear("\r\n+CPIN: READY\r\n");
    expect(at.urc).toBe(at.U_REBOOT);
  });

  it("the poll's answers are left to the engine; the reads' headers and the skipped URCs are the driver's", () => {
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 4,0,8")).toBe(false);
    expect(driverTakes("+CCHRECV: LEN", "+CCHRECV: LEN,8,0")).toBe(false);
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 1,0")).toBe(true);
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 2,0,0,0")).toBe(true);
    expect(driverTakes("+CCHRECV:", "+CCHRECV: DATA,0,0")).toBe(true);
    expect(driverTakes("+IPCLOSE:", "+IPCLOSE: 1,1")).toBe(true);
    expect(driverTakes("SMS DONE", "SMS DONE")).toBe(true);
  });

  it("a cut +CIPRXGET: 2 or +CCHRECV: DATA header swallows no bytes: the OK after it still ends the read", () => {
    const bad: string[] = ["+CIPRXGET: 2,0", "+CCHRECV: DATA,0", "+CCHRECV: DATA"];
    for (let i = 0; i < bad.length; i++) {
      at.reset();
      s76.read(512);
      written();
      expect(resultOf("\r\n" + bad[i] + "\r\n\r\nOK\r\n")).toBe(R_OK, bad[i]);
      expect(received()).toBe("", bad[i]);
    }
  });
});

// ---- under the modem state machine ----

const apn = "internet";

function step(): void { modemPoll(); }

/** The module prints s; the state machine reads it and steps. */
function answer(s: string): void {
  modemSays(s);
  modemPoll();
}

/** Moves the clock by ms in 1 ms steps, polling after each. */
function run(ms: i32): void {
  for (let i = 0; i < ms; i++) {
    clockAdvance(1);
    modemPoll();
  }
}

/** AT .. NETOPEN's OK, a module that is on and registered (echo on). */
function bringUpToNetopen(): void {
  wrote("AT\r");
  answer("AT\r\r\nOK\r\n");
  wrote("ATE0\r");
  answer("ATE0\r\r\nOK\r\n");
  wrote("AT+CMEE=2\r");
  answer("\r\nOK\r\n");
  wrote("AT+CPIN?\r");
  answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
  const q = visibleOf(written());
  expect(q == "AT+CEREG?\\r" || q == "AT+CGREG?\\r").toBe(true, q);
  answer(q == "AT+CEREG?\\r" ? "\r\n+CEREG: 0,1\r\n\r\nOK\r\n" : "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
  wrote("AT+CGDCONT=1,\"IP\",\"" + apn + "\"\r");
  answer("\r\nOK\r\n");
  wrote("AT+NETCLOSE\r");
  answer("\r\n+NETCLOSE: 2\r\n\r\nERROR\r\n");
  wrote("AT+CIPRXGET=1\r");
  answer("\r\nOK\r\n");
  wrote("AT+NETOPEN\r");
  answer("\r\nOK\r\n");
  wrote("");
}

describe("sim7600: under the modem state machine", () => {
  beforeEach(() => {
    reset();
    modemClose();
  });

  it("bring-up to a link: NETOPEN waits for +NETOPEN: 0, then CIPOPEN and +CIPOPEN: 0,0", () => {
    modemSelect(FAMILY_SIM7600, 115200);
    step();
    bringUpToNetopen();
    answer("\r\n+NETOPEN: 0\r\n");
    wrote("");
    expect(modemOpen(host.dataStart, host.length, 1883)).toBe(0);
    step();
    wrote("AT+CIPOPEN=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n");
    expect(modemState()).toBe(LINK_OPENING);
    answer("\r\n+CIPOPEN: 0,0\r\n");
    expect(modemState()).toBe(LINK_UP);
  });

  it("a restart (RDY) while NETOPEN waits for +NETOPEN: bring-up starts again from AT, and the AT probe's OK is an answer", () => {
    modemSelect(FAMILY_SIM7600, 115200);
    step();
    bringUpToNetopen();
    answer("\r\nRDY\r\n");
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    wrote("ATE0\r"); // at once: not after the probe timed out
    answer("ATE0\r\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\nOK\r\n");
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    run(1);
    const q = visibleOf(written());
    expect(q == "AT+CEREG?\\r" || q == "AT+CGREG?\\r").toBe(true, q);
  });
});

function visibleOf(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c == 13 ? "\\r" : c == 10 ? "\\n" : String.fromCharCode(c);
  }
  return out;
}
