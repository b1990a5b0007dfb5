// The SIM800 / SIM900 driver (assembly/link/sim800.ts) on its own, through
// the AT engine as the modem state machine uses it: each bring-up phase's
// exact command and time limit and what each answer means, the link-0
// commands and their answers, the send and read limits, and the line
// recogniser on the lines the SIMCom manuals and TinyGSM users show
// (/work/shared/reference/at-modems.md), garbage and truncated lines too.
// The escalation ladder over it is in modem.spec.ts.
import * as sim from "../../assembly/link/sim800";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import * as fam from "../../assembly/link/family";
import * as modemCfg from "../../assembly/link/modemcfg";
import { R_NONE, R_OK, R_WAIT, R_ERROR, R_PROMPT } from "../../assembly/link/at";
import { NEXT, RETRY, ESCALATE, NO_TLS, SENT, SKIP, DONE, FIRST_PHASE } from "../../assembly/link/driver";
import { PIN_PWRKEY, PWRKEY_MS } from "../../assembly/config";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, logCount, written } from "./helpers";
import { fresh, hear, wrote, resultOf, timesOutAfter, info, received, driverTakes, host } from "./at-script";

function reset(): void { fresh(fam.FAMILY_SIM); }

/** Sends phase p's command and asserts its exact bytes. */
function ask(p: i32, want: string): void {
  expect(sim.phase(p, R_NONE)).toBe(SENT);
  wrote(want);
}

/** Phase p's command, answered s: what the driver makes of it. */
function verdict(p: i32, want: string, s: string): i32 {
  ask(p, want);
  const v = sim.phase(p, resultOf(s));
  at.done();
  return v;
}

/** Phase p's command, unanswered: exactly ms, then what the driver makes of the timeout. */
function timeoutVerdict(p: i32, want: string, ms: i32): i32 {
  ask(p, want);
  timesOutAfter(ms);
  const v = sim.phase(p, at.R_TIMEOUT);
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

describe("sim800: constants", () => {
  it("CR-ended commands, PWRKEY 1.6 s, 3 s boot, 1460-byte sends and reads, 75 s to CONNECT OK, the read tells what is left", () => {
    expect(sim.CRLF).toBe(false);
    expect(sim.POWER_PIN).toBe(PIN_PWRKEY);
    expect(sim.POWER_PIN).toBe(4);
    expect(sim.POWER_LOW_MS).toBe(PWRKEY_MS);
    expect(sim.POWER_LOW_MS).toBe(1600);
    expect(sim.BOOT_MS).toBe(3000);
    expect(sim.SEND_MAX).toBe(1460); // AT+CIPSEND? says 1460
    expect(sim.READ_MAX).toBe(1460); // CIPRXGET=2 reads at most 1460
    expect(sim.SEND_RESULT_MS).toBe(10000);
    expect(sim.OPEN_CMD_MS).toBe(2000);
    expect(sim.OPEN_MS).toBe(75000); // the manual's multi-link CIPSTART time
    expect(sim.OPEN_ERROR_IS_TLS).toBe(false);
    expect(sim.READ_TELLS_LEFT).toBe(true);
    expect(sim.REATTACH).toBe(sim.PH_SHUT);
  });
});

describe("sim800: the bring-up phase table", () => {
  beforeEach(reset);

  it("plain TCP: the phases in order from FIRST_PHASE, each command's exact bytes, the TLS phases skipped, then DONE", () => {
    const want: string[] = [
      "AT+CMEE=2\r", "AT+CPIN?\r", "AT+CREG?\r", "AT+CIPSHUT\r", "AT+CGATT=1\r", "AT+CIPMUX=1\r", "AT+CIPQSEND=1\r",
      "AT+CIPRXGET=1\r", "skip", "skip", "AT+CSTT=\"internet\",\"\",\"\"\r", "AT+CIICR\r", "AT+CIFSR\r",
    ];
    expect(sim.PH_CMEE).toBe(FIRST_PHASE);
    let p = FIRST_PHASE;
    for (let i = 0; i < want.length; i++, p++) {
      const s = sim.phase(p, R_NONE);
      if (want[i] == "skip") {
        expect(s).toBe(SKIP, "phase " + p.toString());
        wrote("");
      } else {
        expect(s).toBe(SENT, "phase " + p.toString());
        wrote(want[i]);
        at.done();
      }
    }
    expect(p).toBe(sim.PH_CIFSR + 1);
    expect(sim.phase(p, R_NONE)).toBe(DONE);
    expect(sim.phase(p + 7, R_NONE)).toBe(DONE);
    wrote("");
  });

  it("TLS: AT+CIPSSL=1 between CIPRXGET=1 and CSTT; insecure adds AT+SSLOPT=0,1 before it; bit 1 alone is no TLS", () => {
    modemCfg.tls = 1;
    expect(sim.phase(sim.PH_SSLOPT, R_NONE)).toBe(SKIP);
    ask(sim.PH_SSL, "AT+CIPSSL=1\r");
    at.done();
    modemCfg.tls = 3;
    ask(sim.PH_SSLOPT, "AT+SSLOPT=0,1\r");
    at.done();
    ask(sim.PH_SSL, "AT+CIPSSL=1\r");
    at.done();
    modemCfg.tls = 2;
    expect(sim.phase(sim.PH_SSLOPT, R_NONE)).toBe(SKIP);
    expect(sim.phase(sim.PH_SSL, R_NONE)).toBe(SKIP);
    modemCfg.tls = 1 | (3 << 8); // a CA slot changes nothing here
    ask(sim.PH_SSL, "AT+CIPSSL=1\r");
    wrote("");
  });

  it("each command's time limit from the manual, and a timeout in any phase climbs the ladder", () => {
    modemCfg.tls = 3;
    const phases: i32[] = [
      sim.PH_CMEE, sim.PH_CPIN, sim.PH_CREG, sim.PH_SHUT, sim.PH_CGATT, sim.PH_MUX, sim.PH_QSEND, sim.PH_RXGET,
      sim.PH_SSLOPT, sim.PH_SSL, sim.PH_CSTT, sim.PH_CIICR, sim.PH_CIFSR,
    ];
    const cmds: string[] = [
      "AT+CMEE=2\r", "AT+CPIN?\r", "AT+CREG?\r", "AT+CIPSHUT\r", "AT+CGATT=1\r", "AT+CIPMUX=1\r", "AT+CIPQSEND=1\r", "AT+CIPRXGET=1\r",
      "AT+SSLOPT=0,1\r", "AT+CIPSSL=1\r", "AT+CSTT=\"internet\",\"\",\"\"\r", "AT+CIICR\r", "AT+CIFSR\r",
    ];
    const ms: i32[] = [1000, 5000, 2000, 65000, 75000, 1000, 1000, 1000, 1000, 1000, 1000, 85000, 10000];
    for (let i = 0; i < phases.length; i++) {
      at.reset();
      expect(timeoutVerdict(phases[i], cmds[i], ms[i])).toBe(ESCALATE, cmds[i]);
    }
  });

  it("CMEE: OK or ERROR, both go on (extended errors are a nicety)", () => {
    expect(verdict(sim.PH_CMEE, "AT+CMEE=2\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(sim.PH_CMEE, "AT+CMEE=2\r", "\r\nERROR\r\n")).toBe(NEXT);
  });

  it("CPIN?: READY goes on; SIM PIN, NOT READY, SIM busy, not inserted, a cut line or ERROR wait and ask again", () => {
    expect(verdict(sim.PH_CPIN, "AT+CPIN?\r", "\r\n+CPIN: READY\r\n\r\nOK\r\n")).toBe(NEXT);
    expect(info()).toBe("+CPIN: READY");
    const retry: string[] = [
      "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n", "\r\n+CPIN: NOT READY\r\n\r\nOK\r\n", "\r\n+CME ERROR: SIM busy\r\n",
      "\r\n+CME ERROR: SIM not inserted\r\n", "\r\n+CPIN: READ\r\n\r\nOK\r\n", "\r\nERROR\r\n",
      // READY, but the command ended in an error
      "\r\n+CPIN: READY\r\n\r\nERROR\r\n",
    ];
    for (let i = 0; i < retry.length; i++) expect(verdict(sim.PH_CPIN, "AT+CPIN?\r", retry[i])).toBe(RETRY, retry[i]);
  });

  it("CREG?: home (1) or roaming (5) go on, also with location fields; searching, denied, unknown, a cut line, another prefix or ERROR ask again", () => {
    const next: string[] = ["+CREG: 0,1", "+CREG: 0,5", "+CREG: 2,1,\"1A2B\",\"0C3D\"", "+CREG:1,5"];
    for (let i = 0; i < next.length; i++) expect(verdict(sim.PH_CREG, "AT+CREG?\r", "\r\n" + next[i] + "\r\n\r\nOK\r\n")).toBe(NEXT, next[i]);
    const retry: string[] = ["+CREG: 0,2", "+CREG: 0,3", "+CREG: 0,0", "+CREG: 0,4", "+CREG: 1", "+CREG: 0,", "+CGREG: 0,1"];
    for (let i = 0; i < retry.length; i++) expect(verdict(sim.PH_CREG, "AT+CREG?\r", "\r\n" + retry[i] + "\r\n\r\nOK\r\n")).toBe(RETRY, retry[i]);
    expect(verdict(sim.PH_CREG, "AT+CREG?\r", "\r\nERROR\r\n")).toBe(RETRY);
  });

  it("CIPSHUT: SHUT OK is its final answer; ERROR (nothing was up) goes on too", () => {
    expect(verdict(sim.PH_SHUT, "AT+CIPSHUT\r", "\r\nSHUT OK\r\n")).toBe(NEXT);
    expect(verdict(sim.PH_SHUT, "AT+CIPSHUT\r", "\r\nERROR\r\n")).toBe(NEXT);
  });

  it("CGATT, CIPMUX, CIPQSEND, CIPRXGET, CSTT, CIICR: OK goes on, ERROR or +CME ERROR climbs the ladder", () => {
    const phases: i32[] = [sim.PH_CGATT, sim.PH_MUX, sim.PH_QSEND, sim.PH_RXGET, sim.PH_CSTT, sim.PH_CIICR];
    const cmds: string[] = ["AT+CGATT=1\r", "AT+CIPMUX=1\r", "AT+CIPQSEND=1\r", "AT+CIPRXGET=1\r", "AT+CSTT=\"internet\",\"\",\"\"\r", "AT+CIICR\r"];
    for (let i = 0; i < phases.length; i++) {
      expect(verdict(phases[i], cmds[i], "\r\nOK\r\n")).toBe(NEXT, cmds[i]);
      expect(verdict(phases[i], cmds[i], "\r\nERROR\r\n")).toBe(ESCALATE, cmds[i]);
      expect(verdict(phases[i], cmds[i], "\r\n+CME ERROR: operation not allowed\r\n")).toBe(ESCALATE, cmds[i]);
    }
  });

  it("SSLOPT: OK or ERROR go on; CIPSSL=1: OK goes on, ERROR is firmware without SSL (no TLS, never plaintext)", () => {
    modemCfg.tls = 3;
    expect(verdict(sim.PH_SSLOPT, "AT+SSLOPT=0,1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(sim.PH_SSLOPT, "AT+SSLOPT=0,1\r", "\r\nERROR\r\n")).toBe(NEXT);
    expect(verdict(sim.PH_SSL, "AT+CIPSSL=1\r", "\r\nOK\r\n")).toBe(NEXT);
    expect(verdict(sim.PH_SSL, "AT+CIPSSL=1\r", "\r\nERROR\r\n")).toBe(NO_TLS);
  });

  it("CSTT: APN, user and password quoted as they are; the password is never logged", () => {
    const user = utf8("wap");
    const pass = utf8("s3cret");
    modemCfg.apnUser = user.dataStart;
    modemCfg.apnUserLen = user.length;
    modemCfg.apnPass = pass.dataStart;
    modemCfg.apnPassLen = pass.length;
    ask(sim.PH_CSTT, "AT+CSTT=\"internet\",\"wap\",\"s3cret\"\r");
    expect(logCount("s3cret")).toBe(0);
    expect(logCount("at> AT+CSTT=\"internet\",\"wap\",\"***\"")).toBe(1);
  });

  it("CIFSR: a bare IP line is its answer (no OK); ERROR (no PDP) climbs the ladder", () => {
    expect(verdict(sim.PH_CIFSR, "AT+CIFSR\r", "\r\n10.64.12.7\r\n")).toBe(NEXT);
    expect(info()).toBe("10.64.12.7");
    expect(verdict(sim.PH_CIFSR, "AT+CIFSR\r", "\r\nERROR\r\n")).toBe(ESCALATE);
  });
});

describe("sim800: link 0", () => {
  beforeEach(reset);

  it("open: AT+CIPSTART=0,\"TCP\",\"host\",port with a 2 s limit; the same with TLS (CIPSSL is set for every link)", () => {
    sim.open(host.dataStart, host.length, 1883);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    timesOutAfter(2000);
    at.done();
    modemCfg.tls = 1;
    sim.open(host.dataStart, host.length, 8883);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",8883\r");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
  });

  it("send: AT+CIPSEND=0,n waits for '> ' (no CR LF), then DATA ACCEPT (quick send) or SEND FAIL is its result", () => {
    sim.send(1460);
    wrote("AT+CIPSEND=0,1460\r");
    hear("\r\n> ");
    expect(at.state()).toBe(R_PROMPT);
    at.awaitSendResult(sim.SEND_RESULT_MS);
    hear("\r\nDATA ACCEPT:0,1460\r\n");
    expect(at.state()).toBe(R_OK);
    at.done();
    sim.send(3);
    wrote("AT+CIPSEND=0,3\r");
    hear("\r\n> ");
    at.awaitSendResult(sim.SEND_RESULT_MS);
    hear("\r\n0, SEND FAIL\r\n");
    expect(at.state()).toBe(R_ERROR);
  });

  it("close: AT+CIPCLOSE=0; 0, CLOSE OK is its answer", () => {
    sim.close();
    wrote("AT+CIPCLOSE=0\r");
    expect(resultOf("\r\n0, CLOSE OK\r\n")).toBe(R_OK);
    sim.close();
    wrote("AT+CIPCLOSE=0\r");
    timesOutAfter(5000);
  });

  it("read: AT+CIPRXGET=2,0,len; +CIPRXGET: 2,0,n,left then n raw bytes (lines inside are data), OK confirms them, left is kept", () => {
    sim.read(512);
    wrote("AT+CIPRXGET=2,0,512\r");
    const data = "0, CLOSED\r\nRDY\r\n+PDP: DEACT\r\nOK\r\n";
    hear("\r\n+CIPRXGET: 1,0\r\n\r\n+CIPRXGET: 2,0," + data.length.toString() + ",300\r\n" + data);
    expect(received()).toBe("", "not before the OK");
    expect(resultOf("\r\nOK\r\n")).toBe(R_OK);
    expect(received()).toBe(data);
    expect(at.rxLeft).toBe(300);
    expect(at.urc).toBe(at.U_DATA); // the real notification only
    at.done();
    sim.read(1460);
    wrote("AT+CIPRXGET=2,0,1460\r");
    timesOutAfter(5000);
  });

  it("read: a cut or garbled +CIPRXGET: 2 header swallows no bytes: the OK after it still ends the read, nothing is delivered", () => {
    const bad: string[] = ["+CIPRXGET: 2,0", "+CIPRXGET: 2,0,x7,0", "+CIPRXGET: 2"];
    const left: i32[] = [-1, 0, -1];
    for (let i = 0; i < bad.length; i++) {
      at.reset();
      ring.clear();
      sim.read(512);
      written();
      expect(resultOf("\r\n" + bad[i] + "\r\n\r\nOK\r\n")).toBe(R_OK, bad[i]);
      expect(received()).toBe("", bad[i]);
      expect(at.rxLeft).toBe(left[i], bad[i]);
    }
  });

  it("poll: AT+CIPRXGET=4,0; polled() is the count in +CIPRXGET: 4,0,n (SIM900 writes no space); none on an error", () => {
    const answers: string[] = ["+CIPRXGET: 4,0,37", "+CIPRXGET:4,0,12", "+CIPRXGET: 4,0,0"];
    const counts: i32[] = [37, 12, 0];
    for (let i = 0; i < answers.length; i++) {
      sim.poll();
      wrote("AT+CIPRXGET=4,0\r");
      expect(resultOf("\r\n" + answers[i] + "\r\n\r\nOK\r\n")).toBe(R_OK);
      expect(sim.polled()).toBe(counts[i], answers[i]);
      at.done();
    }
    sim.poll();
    wrote("AT+CIPRXGET=4,0\r");
    expect(resultOf("\r\n+CME ERROR: operation not allowed\r\n")).toBe(R_ERROR);
    expect(sim.polled()).toBe(-1);
    at.done();
    sim.poll();
    timesOutAfter(2000);
  });

  it("data is always pulled; a pushed header (+IPD, +RECEIVE) is no counted read here", () => {
    expect(sim.pulls()).toBe(true);
    sim.pushedSeen();
    expect(sim.pulls()).toBe(true);
    hear("\r\n+IPD,5:hello\r\n+RECEIVE,0,5:world\r\n");
    expect(ring.rxPend).toBe(0);
    expect(ring.rxUsed()).toBe(0);
    expect(at.urc).toBe(0);
  });
});

describe("sim800: the line recogniser", () => {
  beforeEach(reset);

  it("URCs while a command waits: each sets its flag and leaves the command waiting; another link's are not ours", () => {
    const lines: string[] = [
      "0, CLOSED", "0,CLOSED", "CLOSED", "+PDP: DEACT", "+CIPRXGET: 1,0", "+CIPRXGET:1,0", "+CIPRXGET: 1",
      "0, CONNECT OK", "CONNECT OK", "0, ALREADY CONNECT", "0, CONNECT FAIL", "RDY", "+CFUN: 1",
      "1, CLOSED", "5, CLOSED", "1, CONNECT OK", "1, CONNECT FAIL", "+CIPRXGET: 1,1", "+CIPRXGET: 1,3",
    ];
    const flags: i32[] = [
      at.U_CLOSED, at.U_CLOSED, at.U_CLOSED, at.U_PDP_DEACT, at.U_DATA, at.U_DATA, at.U_DATA,
      at.U_CONNECT_OK, at.U_CONNECT_OK, at.U_CONNECT_OK, at.U_CONNECT_FAIL, at.U_REBOOT | at.U_BOOT, at.U_REBOOT,
      0, 0, 0, 0, 0, 0,
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(flags[i], lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("lines that only pass: Call Ready, SMS Ready, RING, +CMTI, *PSUTTZ, +CTZV, DST:, +CIEV (no flag, the command waits)", () => {
    const lines: string[] = [
      "Call Ready", "SMS Ready", "RING", "+CMTI: \"SM\",3", "*PSUTTZ: 2024,5,1,12,0,0,\"+8\",0", "+CTZV: +8,0", "DST: 0",
      "+CIEV: 10,\"26201\",\"Telekom.de\",\"Telekom.de\",0,0",
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("garbage and cut lines are nothing: no flag, the command waits", () => {
    const lines: string[] = [
      "CLOSE", "0, CLOS", "CLOSED!", "00, CLOSED", "0, CLOSEDx", "CONNECT OKAY", "+PDP: DEAC", "RD", "xRDY", "R\xffDY",
      "+CFUN: 0", "NORMAL POWER", "\x49\x49\x49\x49", "+CIPRXGET:", "+CIPRXGET: 9,0",
    ];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("RDY after power-on garbage bytes is still the first line of a boot", () => {
    expect(flagsOf("\x00\x49\x49\x49\x49\xff\xff\xff\xff\r\nRDY")).toBe(at.U_REBOOT | at.U_BOOT);
  });

  it("power-down lines flag the power loss and also answer AT+CPOWD; voltage warnings are only logged", () => {
    const down: string[] = ["NORMAL POWER DOWN", "UNDER-VOLTAGE POWER DOWN", "OVER-VOLTAGE POWER DOWN"];
    for (let i = 0; i < down.length; i++) {
      expect(flagsOf(down[i])).toBe(at.U_POWER_DOWN, down[i]);
      expect(at.state()).toBe(R_OK, down[i]);
    }
    const warn: string[] = ["UNDER-VOLTAGE WARNNING", "OVER-VOLTAGE WARNNING"];
    for (let i = 0; i < warn.length; i++) {
      const n0 = logCount("modem: voltage warning");
      expect(flagsOf(warn[i])).toBe(0, warn[i]);
      expect(at.state()).toBe(R_WAIT, warn[i]);
      expect(logCount("modem: voltage warning") - n0).toBe(1, warn[i]);
    }
  });

  it("SHUT OK and 0, CLOSE OK end the command in flight; unasked, CLOSE OK is a refused SSL handshake and SHUT OK nothing", () => {
    expect(flagsOf("SHUT OK")).toBe(0);
    expect(at.state()).toBe(R_OK);
    expect(flagsOf("0, CLOSE OK")).toBe(0);
    expect(at.state()).toBe(R_OK);
    at.reset();
    hear("\r\n0, CLOSE OK\r\n");
    expect(at.urc).toBe(at.U_TLS_FAIL);
    at.reset();
    hear("\r\nCLOSE OK\r\n");
    expect(at.urc).toBe(at.U_TLS_FAIL);
    at.reset();
    hear("\r\n1, CLOSE OK\r\n\r\nSHUT OK\r\n");
    expect(at.urc).toBe(0);
  });

  it("+CPIN: READY: the answer to CPIN? while it is asked; unasked, the module restarted", () => {
    expect(driverTakes("+CPIN:", "+CPIN: READY")).toBe(false);
    expect(at.urc).toBe(0);
    at.reset();
    hear("\r\n+CPIN: READY\r\n");
    expect(at.urc).toBe(at.U_REBOOT);
  });

  it("SEND OK, DATA ACCEPT and SEND FAIL end only a send command; to any other command they are stray", () => {
    const lines: string[] = ["0, SEND OK", "SEND OK", "DATA ACCEPT:0,10", "0, SEND FAIL", "SEND FAIL"];
    for (let i = 0; i < lines.length; i++) {
      expect(flagsOf(lines[i])).toBe(0, lines[i]);
      expect(at.state()).toBe(R_WAIT, lines[i]);
    }
  });

  it("+CIPRXGET: 4 is left to the engine (the poll's answer); modes 1 and 2 are the driver's", () => {
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 4,0,8")).toBe(false);
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 1,0")).toBe(true);
    expect(driverTakes("+CIPRXGET:", "+CIPRXGET: 2,0,0,0")).toBe(true);
  });
});
