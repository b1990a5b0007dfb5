// The modem drivers (assembly/link/sim800.ts, espat.ts) and their common
// state machine with its escalation ladder (assembly/link/modem.ts), driven
// through recorded UART transcripts: the spec plays the module on the
// scripted UART of tests/unit/scripted-host.js, asserts every byte the
// firmware writes, the PWRKEY pin (gpio 4) and the link state the session
// sees, and moves the clock itself. Time only moves when the spec moves it.
//
// The module state of modem.ts lives across tests (one wasm instance per
// spec file), so every test starts with a full bring-up, and any test that
// fails a connect once also connects once successfully before it ends.
import {
  modemSelect, modemPoll, modemOpen, modemState, modemWrite, modemRead, modemClose, modemRefused, modemError,
  FAMILY_SIM, FAMILY_ESP,
} from "../../assembly/link/modem";
import * as modemCfg from "../../assembly/link/modemcfg";
import { LINK_DOWN, LINK_OPENING, LINK_UP } from "../../assembly/link/linkstate";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import { E_LINK_CLOSED, E_TLS, E_UNSUPPORTED } from "../../assembly/errors";
import { LINK_RX_BYTES, AT_POLL_MS } from "../../assembly/config";
import {
  uartReset, uartWriteLimit, modemSays, modemSaysBytes, written, visible, textOf, latin1, utf8,
  gpioCount, gpioPin, gpioLevel, gpioTime, lastBaud, clockAdvance, clockNow, logCount, logsClear, say,
} from "./helpers";

const PWRKEY = 4; // SIMCom: a long pulse toggles power
const RESET = 5;  // ESP: CH_PD / RST, low holds the chip in reset
const OUT: usize = memory.data(4096, 16);
const apn = utf8("internet");
const ssid = utf8("lab");
const wifiPass = utf8("secret");
const brokerHost = utf8("broker.test");

// ---- driving the firmware ----

/** One modemPoll at the current time. */
function step(): void { modemPoll(); }

/** Moves the clock by ms in steps of at most `by` ms, polling after each. */
function run(ms: i32, by: i32 = 10): void {
  let left = ms;
  while (left > 0) {
    const d = min(left, by);
    clockAdvance(d);
    modemPoll();
    left -= d;
  }
}

/** Asserts the exact bytes the firmware wrote since the last look. */
function wrote(s: string): void {
  const got = visible(written());
  const want = visible(s);
  // as-pect may report a collected string; say it while it is alive
  if (got != want) say("modem.spec: the firmware wrote [" + got + "], the transcript says [" + want + "]");
  expect(got).toBe(want);
}

/** n AT probes that go unanswered: each times out after 500 ms, 200 ms apart. */
function silentProbes(n: i32): void {
  for (let k = 0; k < n; k++) {
    wrote("AT\r");
    run(500, 1);
    run(1, 1); // this probe's timeout
    if (k < n - 1) {
      wrote("");
      run(200, 1);
    }
  }
}

/** The module prints s; the firmware reads it at once (no time passes). */
function answer(s: string): void {
  modemSays(s);
  modemPoll();
}

/** Bytes the session can read now. */
function readAll(): string {
  const n = modemRead(OUT, 4096);
  return n > 0 ? textOf(OUT, n) : "";
}

/** The session writes s to the link. */
function send(s: string): void {
  const b = latin1(s);
  expect(modemWrite(b.dataStart, b.length)).toBe(b.length);
}

function fresh(): void {
  modemClose();
  modemClose(); // a socket that was up is forgotten (the first call may only start a CIPCLOSE)
  uartReset();
  uartWriteLimit(0);
  logsClear();
  ring.clear();
  at.clearTimeouts(); // a test may end with timeouts counted
  clockAdvance(100000);
  modemCfg.tls = 0;
  modemCfg.apn = apn.dataStart;
  modemCfg.apnLen = apn.length;
  modemCfg.apnUserLen = 0;
  modemCfg.apnPassLen = 0;
  modemCfg.ssid = ssid.dataStart;
  modemCfg.ssidLen = ssid.length;
  modemCfg.wifiPass = wifiPass.dataStart;
  modemCfg.wifiPassLen = wifiPass.length;
}

// ---- SIM800 transcripts ----

/** CGATT .. CIFSR: the bearer, after CIPSHUT (bring-up and re-attach). */
function simAttach(): void {
  simLinkModes();
  if ((modemCfg.tls & 3) == 3) {
    wrote("AT+SSLOPT=0,1\r");
    answer("\r\nOK\r\n");
  }
  if ((modemCfg.tls & 1) != 0) {
    wrote("AT+CIPSSL=1\r");
    answer("\r\nOK\r\n");
  }
  simAttachRest();
}

/** CGATT .. CIPRXGET=1: what comes before the TLS steps. */
function simLinkModes(): void {
  wrote("AT+CGATT=1\r");
  answer("\r\nOK\r\n");
  wrote("AT+CIPMUX=1\r");
  answer("\r\nOK\r\n");
  wrote("AT+CIPQSEND=1\r");
  answer("\r\nOK\r\n");
  wrote("AT+CIPRXGET=1\r");
  answer("\r\nOK\r\n");
}

/** CSTT .. CIFSR, after the TLS steps. */
function simAttachRest(): void {
  wrote("AT+CSTT=\"internet\",\"\",\"\"\r");
  answer("\r\nOK\r\n");
  wrote("AT+CIICR\r");
  answer("\r\nOK\r\n");
  wrote("AT+CIFSR\r");
  answer("\r\n10.64.12.7\r\n");
  wrote(""); // ready: nothing more to say
}

/** A SIM800 that is already on (echo on, registered): AT .. CIFSR. */
function simBringUp(): void {
  modemSelect(FAMILY_SIM, 115200);
  step();
  simFromAt();
}

function simFromAt(): void {
  simProbe();
  simAttach();
}

/** AT .. CIPSHUT: the module, the SIM, the network. */
function simProbe(): void {
  wrote("AT\r");
  answer("AT\r\r\nOK\r\n");
  wrote("ATE0\r");
  answer("ATE0\r\r\nOK\r\n");
  wrote("AT+CMEE=2\r");
  answer("\r\nOK\r\n");
  wrote("AT+CPIN?\r");
  answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
  wrote("AT+CREG?\r");
  answer("\r\n+CREG: 0,1\r\n\r\nOK\r\n");
  wrote("AT+CIPSHUT\r");
  answer("\r\nSHUT OK\r\n");
}

function simConnect(): void {
  expect(modemOpen(brokerHost.dataStart, brokerHost.length, 1883)).toBe(0);
  expect(modemState()).toBe(LINK_OPENING);
  step();
  wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
  answer("\r\nOK\r\n");
  expect(modemState()).toBe(LINK_OPENING);
  answer("\r\n0, CONNECT OK\r\n");
  expect(modemState()).toBe(LINK_UP);
  wrote("");
}

/** Bring-up and an open socket. */
function simSession(): void {
  simBringUp();
  simConnect();
}

// ---- ESP8266 AT transcripts ----

function espBringUp(passive: bool = true): void {
  modemSelect(FAMILY_ESP, 115200);
  step();
  espFromAt(passive);
}

function espFromAt(passive: bool): void {
  espLinkModes(passive);
  if ((modemCfg.tls & 1) != 0) {
    wrote("AT+CIPSSLSIZE=4096\r\n");
    answer("\r\nERROR\r\n"); // ESP32 AT has no such command: fine
    wrote((modemCfg.tls & 2) != 0 ? "AT+CIPSSLCCONF=0,0\r\n" : "AT+CIPSSLCCONF=0,2\r\n");
    answer("\r\nOK\r\n");
  }
  wrote("");
}

/** AT .. CIPRECVMODE: what comes before the TLS steps. */
function espLinkModes(passive: bool): void {
  wrote("AT\r\n");
  answer("AT\r\n\r\nOK\r\n");
  wrote("ATE0\r\n");
  answer("ATE0\r\n\r\nOK\r\n");
  wrote("AT+CWMODE=1\r\n");
  answer("\r\nOK\r\n");
  espJoin();
  wrote("AT+CIPMUX=1\r\n");
  answer("\r\nOK\r\n");
  wrote("AT+CIPRECVMODE=1\r\n");
  answer(passive ? "\r\nOK\r\n" : "\r\nERROR\r\n"); // older firmware: no passive mode
}

function espJoin(): void {
  wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
  answer("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
}

function espConnect(): void {
  expect(modemOpen(brokerHost.dataStart, brokerHost.length, 1883)).toBe(0);
  step();
  wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r\n");
  answer("0,CONNECT\r\n\r\nOK\r\n");
  expect(modemState()).toBe(LINK_UP);
  wrote("");
}

function espSession(passive: bool = true): void {
  espBringUp(passive);
  espConnect();
}

/** Asserts gpio write i: the power pin (PWRKEY, or RESET on ESP) at level. */
function pin(i: i32, level: i32, which: i32 = PWRKEY): void {
  expect(gpioPin(i)).toBe(which, "gpio write " + i.toString());
  expect(gpioLevel(i)).toBe(level, "gpio write " + i.toString());
}

/** After a power-down URC or a hung module: PWRKEY low 1.6 s (SIM800 Hardware
 * Design V1.10: >= 1.5 s switches a running module off, >= 1 s on), RESET
 * low 0.1 s on ESP; high, 3 s for a SIM's boot (1 s for an ESP's: the probes
 * wait longer if need be), then bring-up from AT (left unread). */
function expectPowerCycle(which: i32 = PWRKEY, from: i32 = 0): void {
  const pulse: i32 = which == PWRKEY ? 1600 : 100;
  const boot: i32 = which == PWRKEY ? 3000 : 1000;
  expect(gpioCount()).toBe(from + 1);
  pin(from, 0, which);
  expect(modemState()).toBe(LINK_DOWN);
  run(pulse - 1, 1);
  expect(gpioCount()).toBe(from + 1);
  run(1, 1);
  expect(gpioCount()).toBe(from + 2);
  pin(from + 1, 1, which);
  expect(gpioTime(from + 1) - gpioTime(from)).toBe(pulse);
  run(boot - 1, 1);
  wrote("");
  run(1, 1);
}

describe("SIM800 bring-up", () => {
  beforeEach(fresh);

  it("from power-on: garbage 00 49 49 49 49 FF FF FF FF, RDY/+CFUN/+CPIN/Call Ready/SMS Ready during bring-up, echo until ATE0", () => {
    modemSelect(FAMILY_SIM, 115200);
    expect(lastBaud()).toBe(115200);
    step();
    wrote("AT\r");
    // still booting: silence, then the power-on garbage and RDY
    run(500, 1);
    wrote("");
    modemSaysBytes([0x00, 0x49, 0x49, 0x49, 0x49, 0xff, 0xff, 0xff, 0xff]);
    run(1, 1); // timeout: probe again 200 ms later
    answer("\r\nRDY\r\n");
    run(199, 1);
    wrote("");
    run(1, 1);
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    wrote("ATE0\r");
    answer("ATE0\r\r\n+CFUN: 1\r\n\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n"); // unsolicited, before CPIN? was asked
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    wrote("AT+CREG?\r");
    answer("\r\nCall Ready\r\n\r\n+CREG: 0,2\r\n\r\nOK\r\n"); // searching: ask again in 1 s
    run(999, 1);
    wrote("");
    run(1, 1);
    wrote("AT+CREG?\r");
    answer("\r\nSMS Ready\r\n\r\n+CREG: 0,5\r\n\r\nOK\r\n"); // roaming will do
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    expect(gpioCount()).toBe(0); // the module was on: PWRKEY untouched
    expect(modemState()).toBe(LINK_DOWN);
    simConnect(); // the boot lines left no reboot behind
  });

  it("a SIM that is not ready yet is asked again every second", () => {
    modemSelect(FAMILY_SIM, 115200);
    step();
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    wrote("ATE0\r");
    answer("ATE0\r\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\nOK\r\n");
    wrote("AT+CPIN?\r");
    answer("\r\n+CME ERROR: SIM busy\r\n");
    run(1000, 1);
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: NOT READY\r\n\r\nOK\r\n");
    run(1000, 1);
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    wrote("AT+CREG?\r");
    answer("\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    wrote("AT+CIPSHUT\r");
    answer("\r\nERROR\r\n"); // nothing was up: fine
    simAttach();
  });

  it("a module that never answers AT: nine probes (~6 s, a booting or autobauding module's time), one at each other common rate, one line with the usual causes, then a PWRKEY cycle and bring-up from AT", () => {
    modemSelect(FAMILY_SIM, 115200);
    step();
    logsClear();
    silentProbes(9);
    const rates: i32[] = [9600, 19200, 38400, 57600];
    for (let i = 0; i < rates.length; i++) {
      wrote("");
      expect(lastBaud()).toBe(rates[i]);
      expect(gpioCount()).toBe(0);
      run(200, 1); // the pause before the probe
      silentProbes(1);
    }
    wrote("");
    expect(logCount("no AT answer at 9600-115200 baud")).toBe(1);
    expect(lastBaud()).toBe(115200);
    expectPowerCycle();
    simFromAt();
    expect(logCount("AT answers at another rate")).toBe(0);
  });

  it("a module at another rate: after nine probes at the configured one, 9600, 19200, 38400 … one probe each; the rate that answers is said and kept", () => {
    modemSelect(FAMILY_SIM, 115200);
    step();
    logsClear();
    silentProbes(9);
    const rates: i32[] = [9600, 19200, 38400];
    for (let i = 0; i < rates.length; i++) {
      wrote("");
      expect(lastBaud()).toBe(rates[i]);
      run(200, 1);
      silentProbes(1);
    }
    wrote("");
    expect(lastBaud()).toBe(57600);
    run(200, 1);
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    expect(logCount("AT answers at another rate, kept: baud 57600")).toBe(1);
    expect(lastBaud()).toBe(57600);
    wrote("ATE0\r");
    answer("ATE0\r\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\nOK\r\n");
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    wrote("AT+CREG?\r");
    answer("\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    expect(gpioCount()).toBe(0);
    expect(logCount("no AT answer")).toBe(0);
  });

  it("times out each bring-up command after the manual's time and sends it again", () => {
    const cmds: string[] = [
      "AT\r", "ATE0\r", "AT+CMEE=2\r", "AT+CPIN?\r", "AT+CREG?\r", "AT+CIPSHUT\r", "AT+CGATT=1\r", "AT+CIPMUX=1\r",
      "AT+CIPQSEND=1\r", "AT+CIPRXGET=1\r", "AT+CSTT=\"internet\",\"\",\"\"\r", "AT+CIICR\r", "AT+CIFSR\r",
    ];
    const answers: string[] = [
      "AT\r\r\nOK\r\n", "ATE0\r\r\nOK\r\n", "\r\nOK\r\n", "\r\n+CPIN: READY\r\n\r\nOK\r\n", "\r\n+CREG: 0,1\r\n\r\nOK\r\n",
      "\r\nSHUT OK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\nOK\r\n", "\r\n10.64.12.7\r\n",
    ];
    // SIM800 AT manual V1.10 maximum response times (AT: probed, then retried after 200 ms)
    const limits: i32[] = [500, 1000, 1000, 5000, 2000, 65000, 75000, 1000, 1000, 1000, 1000, 85000, 10000];
    for (let j = 0; j < cmds.length; j++) {
      modemClose();
      modemSelect(FAMILY_SIM, 115200);
      step();
      for (let i = 0; i < j; i++) {
        wrote(cmds[i]);
        answer(answers[i]);
      }
      wrote(cmds[j]);
      run(limits[j], 1000);
      wrote("");
      expect(at.state()).toBe(at.R_WAIT, cmds[j]);
      run(1, 1);
      if (j > 0) {
        // timed out, pausing; first AT asks whether the module is still there
        wrote("AT\r");
        answer("\r\nOK\r\n");
      }
      expect(at.state()).toBe(at.R_NONE, cmds[j]);
      const pause = j == 0 ? 200 : 1000;
      run(pause - 1, 1);
      wrote("");
      run(1, 1);
      wrote(cmds[j]);
      answer(answers[j]); // answered now: the timeout count starts again
      written();
    }
    expect(gpioCount()).toBe(0);
  });
});

describe("SIM800 socket", () => {
  beforeEach(fresh);

  it("CIPSTART, '> ' prompt without CR LF, exact data, a +CIPRXGET: 1 between '>' and DATA ACCEPT, then the read", () => {
    simSession();
    send("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c");
    step();
    wrote("AT+CIPSEND=0,12\r");
    answer("\r\n> ");
    wrote("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c");
    answer("\r\n+CIPRXGET: 1,0\r\n");
    wrote(""); // nothing while the send waits for its result
    answer("\r\nDATA ACCEPT:0,12\r\n");
    // acted on after the send completed: pull what is waiting
    wrote("AT+CIPRXGET=2,0,512\r");
    answer("\r\n+CIPRXGET: 2,0,4,0\r\n\x20\x02\x00\x00\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible("\x20\x02\x00\x00"));
    expect(modemState()).toBe(LINK_UP);
    wrote("");
  });

  it("extra +CIPRXGET: 1 lines before the read reply; data holding OK, CLOSED, +IPD, ERROR, RDY is only data", () => {
    simSession();
    answer("\r\n+CIPRXGET: 1,0\r\n");
    wrote("AT+CIPRXGET=2,0,512\r");
    const data = "\r\nOK\r\n0, CLOSED\r\n+IPD,0,4:abcd\r\nERROR\r\n+PDP: DEACT\r\nRDY\r\nNORMAL POWER DOWN\r\n";
    answer("\r\n+CIPRXGET: 1,0\r\n\r\n+CIPRXGET: 1,0\r\n\r\n+CIPRXGET: 2,0," + data.length.toString() + ",40\r\n" + data + "\r\nOK\r\n");
    // 40 bytes are left in the module: read on
    wrote("AT+CIPRXGET=2,0," + (LINK_RX_BYTES - data.length).toString() + "\r");
    const more = "0123456789012345678901234567890123456789";
    answer("\r\n+CIPRXGET: 2,0,40,0\r\n" + more + "\r\nOK\r\n");
    wrote("");
    expect(visible(readAll())).toBe(visible(data + more));
    expect(modemState()).toBe(LINK_UP);
    expect(gpioCount()).toBe(0);
  });

  it("polls CIPRXGET=4 every second; +CIPRXGET: 1,0 between +CIPRXGET: 4,0,8 and OK", () => {
    simSession();
    run(AT_POLL_MS - 10);
    wrote("");
    run(10);
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\n+CIPRXGET: 4,0,8\r\n\r\n+CIPRXGET: 1,0\r\n\r\nOK\r\n");
    wrote("AT+CIPRXGET=2,0,512\r");
    answer("\r\n+CIPRXGET: 2,0,8,0\r\n\xd0\x00\x30\x03\x00\x01xy\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible("\xd0\x00\x30\x03\x00\x01xy"));
    wrote("");
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\n+CIPRXGET: 4,0,0\r\n\r\nOK\r\n");
    wrote("");
  });

  it("a send the UART takes a few bytes at a time goes out whole", () => {
    simSession();
    uartWriteLimit(4);
    send("0123456789abcdefghij");
    step();
    wrote("AT+CIPSEND=0,20\r");
    answer("\r\n> ");
    for (let i = 0; i < 8; i++) step();
    wrote("0123456789abcdefghij");
    answer("\r\nDATA ACCEPT:0,20\r\n");
    send("k");
    step();
    wrote("AT+CIPSEND=0,1\r");
  });

  it("SEND FAIL: the link is down for the session, the socket is closed", () => {
    simSession();
    send("0123456789");
    step();
    wrote("AT+CIPSEND=0,10\r");
    answer("\r\n> ");
    wrote("0123456789");
    answer("\r\n0, SEND FAIL\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemWrite(OUT, 1)).toBe(E_LINK_CLOSED);
    expect(modemRead(OUT, 1)).toBe(E_LINK_CLOSED);
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\n0, CLOSE OK\r\n");
    simConnect(); // the session opens again
  });

  it("0, CLOSED: what was read stays readable, then the link is down and the socket closed", () => {
    simSession();
    answer("\r\n+CIPRXGET: 1,0\r\n");
    wrote("AT+CIPRXGET=2,0,512\r");
    answer("\r\n+CIPRXGET: 2,0,5,0\r\nlast!\r\nOK\r\n\r\n0, CLOSED\r\n");
    expect(modemState()).toBe(LINK_UP); // not before the session has the bytes
    wrote("");
    expect(readAll()).toBe("last!");
    step();
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemRead(OUT, 16)).toBe(E_LINK_CLOSED);
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\nERROR\r\n");
    simConnect();
  });

  it("data waiting when 0, CLOSED comes (a CONNACK refusal, then the broker closes): read before the socket is closed", () => {
    simSession();
    answer("\r\n+CIPRXGET: 1,0\r\n\r\n0, CLOSED\r\n");
    wrote("AT+CIPRXGET=2,0,512\r");
    answer("\r\n+CIPRXGET: 2,0,4,0\r\n\x20\x02\x00\x05\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible("\x20\x02\x00\x05"));
    step();
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\nERROR\r\n");
    simConnect();
  });

  it("SIM900 style without the space: +CIPRXGET:4,0,n to the poll, then +CIPRXGET:2,0,n,left", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\n+CIPRXGET:4,0,3\r\n\r\nOK\r\n");
    wrote("AT+CIPRXGET=2,0,512\r");
    answer("\r\n+CIPRXGET:2,0,3,0\r\nabc\r\nOK\r\n");
    expect(readAll()).toBe("abc");
    wrote("");
  });

  it("+PDP: DEACT: the link is down and the bearer is re-attached from CIPSHUT", () => {
    simSession();
    answer("\r\n+PDP: DEACT\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    simConnect();
  });

  it("+PDP: DEACT while a command is in flight: nothing is written before its answer (one command in flight)", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\n+PDP: DEACT\r\n");
    wrote("");
    answer("\r\n+CME ERROR: operation not allowed\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    simConnect();
  });

  it("+PDP: DEACT while the data of a send is still going out: the data is finished, the result awaited, then CIPSHUT", () => {
    simSession();
    uartWriteLimit(4);
    send("0123456789abcdef");
    step();
    wrote("AT+CIPSEND=0,16\r");
    answer("\r\n> ");
    wrote("0123");
    answer("\r\n+PDP: DEACT\r\n");
    for (let i = 0; i < 6; i++) step();
    wrote("456789abcdef"); // never "AT+CIPSHUT" inside the data
    answer("\r\n0, SEND FAIL\r\n");
    uartWriteLimit(0);
    step();
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    simConnect();
  });

  it("SEND FAIL on two sockets in a row: after the second close, re-attach (CIPSHUT, CGATT, ... CIFSR); a good send in between starts the count again", () => {
    simSession();
    for (let k = 0; k < 3; k++) {
      send("0123456789");
      step();
      wrote("AT+CIPSEND=0,10\r");
      answer("\r\n> ");
      wrote("0123456789");
      answer(k == 1 ? "\r\nDATA ACCEPT:0,10\r\n" : "\r\n0, SEND FAIL\r\n");
      if (k == 1) continue; // a send that went out
      expect(modemState()).toBe(LINK_DOWN);
      wrote("AT+CIPCLOSE=0\r");
      answer("\r\n0, CLOSE OK\r\n");
      wrote("");
      simConnect();
    }
    send("0123456789");
    step();
    wrote("AT+CIPSEND=0,10\r");
    answer("\r\n> ");
    wrote("0123456789");
    answer("\r\n0, SEND FAIL\r\n");
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\n0, CLOSE OK\r\n");
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    simConnect();
  });

  it("CONNECT FAIL twice in a row: re-attach (CIPSHUT, CGATT, ... CIFSR)", () => {
    simBringUp();
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n");
    answer("\r\n0, CONNECT FAIL\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("");
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n");
    answer("\r\nSTATE: PDP DEACT\r\n\r\nCONNECT FAIL\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    simConnect();
  });

  it("one CONNECT FAIL then a good connect: the count starts again (no re-attach on the next single failure)", () => {
    simBringUp();
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n\r\n0, CONNECT FAIL\r\n");
    simConnect();
    modemClose();
    step();
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\n0, CLOSE OK\r\n");
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n\r\n0, CONNECT FAIL\r\n");
    wrote("");
    simConnect();
  });

  it("CIPSTART waits 75 s for CONNECT OK, then the attempt fails", () => {
    simBringUp();
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n");
    run(75000, 1000);
    expect(modemState()).toBe(LINK_OPENING);
    run(1, 1);
    expect(modemState()).toBe(LINK_DOWN);
    wrote("");
    simConnect();
  });

  it("send result: the prompt within 5 s, DATA ACCEPT within 10 s, else the socket is given up", () => {
    simSession();
    send("abc");
    step();
    wrote("AT+CIPSEND=0,3\r");
    run(5000, 1000);
    expect(modemState()).toBe(LINK_UP);
    answer("\r\n> ");
    wrote("abc");
    run(10000, 1000);
    expect(modemState()).toBe(LINK_UP);
    run(1, 1);
    wrote("AT\r"); // still there? (the link is given up once it answers)
    answer("\r\nOK\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPCLOSE=0\r");
    answer("\r\n0, CLOSE OK\r\n");
  });

  it("a command unanswered, then two AT probes of 1 s unanswered: hung, PWRKEY power cycle (4 s, not three commands' limits)", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    run(2001, 1);
    wrote("AT\r"); // is the module still there?
    run(1001, 1);
    wrote("AT\r");
    expect(gpioCount()).toBe(0);
    run(1000, 1);
    expect(gpioCount()).toBe(0);
    run(1, 1);
    wrote("");
    expectPowerCycle();
    simFromAt();
  });

  it("a hung module's first PWRKEY pulse switches it off: two probes, then the pulse that switches it on (no rate search)", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    run(2001, 1);
    run(1001, 1);
    run(1001, 1);
    written();
    expectPowerCycle(); // off
    silentProbes(2);
    wrote("");
    expect(logCount("no AT answer")).toBe(0);
    expect(lastBaud()).toBe(115200);
    expectPowerCycle(PWRKEY, 2); // on
    answer("\r\nRDY\r\n");
    simFromAt();
    simConnect();
  });

  it("a module that powered down (NORMAL POWER DOWN) is off: after the pulse that switches it on, the full probe budget", () => {
    simSession();
    answer("\r\nNORMAL POWER DOWN\r\n");
    expectPowerCycle(); // on
    silentProbes(9);
    run(200, 1);
    wrote("AT\r"); // another rate now, not a second pulse
    expect(gpioCount()).toBe(2);
  });

  it("a timeout, then AT answered: the module is there, no power cycle, the poll goes on", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    run(2001, 1);
    wrote("AT\r");
    run(1001, 1);
    wrote("AT\r");
    answer("\r\nOK\r\n");
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\n+CIPRXGET: 4,0,0\r\n\r\nOK\r\n");
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    run(2001, 1);
    wrote("AT\r");
    expect(gpioCount()).toBe(0);
    expect(modemState()).toBe(LINK_UP);
  });
});

describe("SIM800 reboot and power", () => {
  beforeEach(fresh);

  it("RDY, +CFUN: 1 or an unasked +CPIN: READY mid-session: the module restarted, bring-up from AT", () => {
    const urcs: string[] = ["\r\nRDY\r\n", "\r\n+CFUN: 1\r\n", "\r\n+CPIN: READY\r\n"];
    for (let i = 0; i < urcs.length; i++) {
      fresh();
      simSession();
      answer(urcs[i]);
      expect(modemState()).toBe(LINK_DOWN);
      simFromAt();
      simConnect();
      expect(gpioCount()).toBe(0);
    }
  });

  it("Call Ready / SMS Ready mid-session are not restarts (they may come seconds after registration: TinyGSM #537)", () => {
    simSession();
    answer("\r\nCall Ready\r\n\r\nSMS Ready\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(logCount("module restarted")).toBe(0);
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    expect(gpioCount()).toBe(0);
  });

  it("Call Ready 15 ms after CIPSTART's OK: the opening link stays, no CIPSHUT", () => {
    simBringUp();
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 1883)).toBe(0);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    answer("\r\nOK\r\n");
    run(15, 1);
    answer("\r\nCall Ready\r\n");
    answer("\r\nSMS Ready\r\n");
    wrote("");
    expect(modemState()).toBe(LINK_OPENING);
    answer("\r\n0, CONNECT OK\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(logCount("module restarted")).toBe(0);
  });

  it("Call Ready / SMS Ready while a command is in flight neither end it nor restart", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    answer("\r\nCall Ready\r\n\r\n+CIPRXGET: 4,0,0\r\n\r\nSMS Ready\r\n\r\nOK\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(logCount("module restarted")).toBe(0);
  });

  it("one reboot is counted once: RDY, then +CFUN: 1, +CPIN: READY and a late Call Ready / SMS Ready after bring-up", () => {
    simSession();
    answer("\r\nRDY\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    answer("\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n");
    simFromAt();
    simConnect();
    answer("\r\nCall Ready\r\n\r\nSMS Ready\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(logCount("module restarted")).toBe(1);
    expect(gpioCount()).toBe(0);
  });

  it("a reboot during bring-up after ATE0 is noticed at once: RDY while CGATT is in flight, bring-up from AT; the +CFUN: 1 / +CPIN: READY that trail it restart nothing", () => {
    modemSelect(FAMILY_SIM, 115200);
    step();
    simProbe();
    wrote("AT+CGATT=1\r");
    run(100, 1);
    answer("\r\nRDY\r\n"); // CGATT lost with the module: its 75 s are not waited for
    expect(logCount("module restarted")).toBe(1);
    wrote("AT\r");
    answer("AT\r\r\nOK\r\n");
    wrote("ATE0\r");
    answer("ATE0\r\r\nOK\r\n");
    wrote("AT+CMEE=2\r");
    answer("\r\n+CFUN: 1\r\n\r\nOK\r\n");
    wrote("AT+CPIN?\r");
    answer("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    answer("\r\n+CPIN: READY\r\n"); // unasked, trailing the boot
    wrote("AT+CREG?\r");
    answer("\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    wrote("AT+CIPSHUT\r");
    answer("\r\nSHUT OK\r\n");
    simAttach();
    expect(logCount("module restarted")).toBe(1);
    expect(gpioCount()).toBe(0);
    simConnect();
  });

  it("a reboot during bring-up shown by the echo back (autobaud, no RDY): bring-up from AT at once", () => {
    modemSelect(FAMILY_SIM, 115200);
    step();
    simProbe();
    wrote("AT+CGATT=1\r");
    answer("AT+CGATT=1\r\r\nOK\r\n");
    expect(logCount("module restarted")).toBe(1);
    simFromAt();
    simConnect();
  });

  it("ESP: ready during bring-up after ATE0 (a brown-out while joining): bring-up from AT at once", () => {
    modemSelect(FAMILY_ESP, 115200);
    step();
    wrote("AT\r\n");
    answer("AT\r\r\n\r\nOK\r\n");
    wrote("ATE0\r\n");
    answer("ATE0\r\r\n\r\nOK\r\n");
    wrote("AT+CWMODE=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    run(100, 1);
    answer("\r\nready\r\n");
    expect(logCount("module restarted")).toBe(1);
    wrote("AT\r\n");
  });

  it("the echo back after ATE0 (a silent reboot in autobaud): bring-up from AT", () => {
    simSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRXGET=4,0\r");
    answer("AT+CIPRXGET=4,0\r\r\n+CME ERROR: operation not allowed\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    simFromAt();
  });

  it("NORMAL POWER DOWN and UNDER-VOLTAGE POWER DOWN: PWRKEY low 1.6 s, then high, then bring-up", () => {
    const urcs: string[] = ["\r\nNORMAL POWER DOWN\r\n", "\r\nUNDER-VOLTAGE POWER DOWN\r\n"];
    for (let i = 0; i < urcs.length; i++) {
      fresh();
      simSession();
      answer(urcs[i]);
      expectPowerCycle();
      answer("\r\nRDY\r\n"); // booting: the first AT may be lost
      simFromAt();
      simConnect();
    }
  });

  it("UNDER-VOLTAGE WARNNING is only logged", () => {
    simSession();
    answer("\r\nUNDER-VOLTAGE WARNNING\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(gpioCount()).toBe(0);
    expect(logCount("voltage warning")).toBe(1);
    wrote("");
  });
});

describe("ESP8266 AT", () => {
  beforeEach(fresh);

  it("bring-up through boot noise and ready: the exact commands, CR LF ended", () => {
    modemSelect(FAMILY_ESP, 115200);
    step();
    wrote("AT\r\n");
    // the ROM's 74880-baud boot log read at 115200, then ready
    modemSaysBytes([0x1b, 0xe4, 0x00, 0x8c, 0x6c, 0x9c, 0xe2, 0x0a, 0x0c, 0x7c, 0x82, 0x00, 0x6c, 0xec, 0x0c, 0x8c, 0xf2, 0x6e, 0x0a, 0xe2, 0x4c, 0xff]);
    run(300, 1);
    answer("\r\nready\r\n");
    run(200, 1);
    wrote("");
    run(1, 1); // timeout: probe again 200 ms later
    run(199, 1);
    wrote("");
    run(1, 1);
    espFromAt(true);
    espConnect();
    expect(gpioCount()).toBe(0);
  });

  it("passive receive: OK then '>', Recv and +IPD before SEND OK, +CIPRECVDATA with OK/CLOSED/+IPD inside the data", () => {
    espSession();
    send("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c");
    step();
    wrote("AT+CIPSEND=0,12\r\n");
    answer("\r\nOK\r\n");
    wrote("");
    answer(">");
    wrote("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c");
    answer("\r\nRecv 12 bytes\r\n\r\n+IPD,0,30\r\n");
    wrote("");
    answer("\r\nSEND OK\r\n");
    wrote("AT+CIPRECVDATA=0,512\r\n");
    const data = "\x20\x02\x00\x00\x30\x18\x00\x03a/b\r\nOK\r\n0,CLOSED\r\n+IPD";
    answer("\r\n+CIPRECVDATA:" + data.length.toString() + "," + data + "\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible(data));
    expect(modemState()).toBe(LINK_UP);
  });

  it("ESP8266 AT 1.7: +CIPRECVDATA,n:<bytes>", () => {
    espSession();
    answer("\r\n+IPD,0,6\r\n");
    wrote("AT+CIPRECVDATA=0,512\r\n");
    answer("\r\n+CIPRECVDATA,6:\x20\x02\x00\x00\r\n\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible("\x20\x02\x00\x00\r\n"));
    expect(modemState()).toBe(LINK_UP);
  });

  it("+IPD during CIPRECVLEN?: the data is read after the poll", () => {
    espSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRECVLEN?\r\n");
    answer("\r\n+IPD,0,4\r\n+CIPRECVLEN:4,0,0,0,0\r\n\r\nOK\r\n");
    wrote("AT+CIPRECVDATA=0,512\r\n");
    answer("\r\n+CIPRECVDATA:4,\xd0\x00\xd0\x00\r\nOK\r\n");
    expect(visible(readAll())).toBe(visible("\xd0\x00\xd0\x00"));
  });

  it("busy p...: the command is written again 300 ms later", () => {
    espSession();
    send("ping");
    step();
    wrote("AT+CIPSEND=0,4\r\n");
    answer("\r\nbusy p...\r\n");
    run(290);
    wrote("");
    run(10);
    wrote("AT+CIPSEND=0,4\r\n");
    answer("\r\nOK\r\n>");
    wrote("ping");
    answer("\r\nRecv 4 bytes\r\n\r\nSEND OK\r\n");
    expect(modemState()).toBe(LINK_UP);
  });

  it("SEND FAIL: the link is down, the link is closed before the next CIPSTART", () => {
    espSession();
    send("ping");
    step();
    wrote("AT+CIPSEND=0,4\r\n");
    answer("\r\nOK\r\n>");
    wrote("ping");
    answer("\r\nRecv 4 bytes\r\n\r\nSEND FAIL\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CIPCLOSE=0\r\n");
    answer("0,CLOSED\r\n\r\nOK\r\n");
    espConnect();
  });

  it("0,CLOSED: link down; a passive link's data is read first", () => {
    espSession();
    answer("\r\n+IPD,0,3\r\n");
    wrote("AT+CIPRECVDATA=0,512\r\n");
    answer("\r\n+CIPRECVDATA:3,bye\r\nOK\r\n0,CLOSED\r\n");
    expect(modemState()).toBe(LINK_UP);
    expect(readAll()).toBe("bye");
    // after a read the firmware asks at once whether more is waiting
    wrote("AT+CIPRECVLEN?\r\n");
    answer("\r\n+CIPRECVLEN:0,0,0,0,0\r\n\r\nOK\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemRead(OUT, 4)).toBe(E_LINK_CLOSED);
    wrote("AT+CIPCLOSE=0\r\n"); // a closed link: ERROR, and no harm
    answer("\r\nERROR\r\n");
    espConnect();
  });

  it("WIFI DISCONNECT: link down, join again; the module's own reconnect makes CWJAP busy: resent with CWJAP's 20 s", () => {
    espSession();
    answer("WIFI DISCONNECT\r\n0,CLOSED\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    answer("busy p...\r\n");
    run(300, 1);
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    run(19000, 1000);
    wrote("");
    answer("WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
    wrote("AT+CIPMUX=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CIPRECVMODE=1\r\n");
    answer("\r\nOK\r\n");
    espConnect();
  });

  it("+CWJAP:2 then FAIL: refused (wrong password), reported, tried again only after 10 s", () => {
    modemSelect(FAMILY_ESP, 115200);
    step();
    wrote("AT\r\n");
    answer("AT\r\n\r\nOK\r\n");
    wrote("ATE0\r\n");
    answer("ATE0\r\n\r\nOK\r\n");
    wrote("AT+CWMODE=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    answer("\r\n+CWJAP:2\r\n\r\nFAIL\r\n");
    expect(modemRefused()).toBe(3);
    expect(modemState()).toBe(LINK_DOWN);
    run(9900, 100);
    run(99, 1);
    wrote("");
    run(1, 1);
    espJoin();
    wrote("AT+CIPMUX=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CIPRECVMODE=1\r\n");
    answer("\r\nOK\r\n");
    espConnect();
  });

  it("+CWJAP:1 (timeout) then FAIL: not a refusal, tried again after 1 s", () => {
    modemSelect(FAMILY_ESP, 115200);
    step();
    wrote("AT\r\n");
    answer("AT\r\n\r\nOK\r\n");
    wrote("ATE0\r\n");
    answer("ATE0\r\n\r\nOK\r\n");
    wrote("AT+CWMODE=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    answer("\r\n+CWJAP:1\r\n\r\nFAIL\r\n");
    run(999, 1);
    wrote("");
    run(1, 1);
    espJoin();
    wrote("AT+CIPMUX=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CIPRECVMODE=1\r\n");
    answer("\r\nOK\r\n");
  });

  it("ready mid-session: the module restarted, bring-up from AT", () => {
    espSession();
    answer("\r\nready\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    espFromAt(true);
    espConnect();
  });

  it("active mode (no CIPRECVMODE): +IPD larger than the receive ring; read no faster than the session takes it, nothing lost; the end waits for the OK of an AT", () => {
    espSession(false);
    const n = LINK_RX_BYTES + 88;
    const body = new Array<u8>(n);
    for (let i = 0; i < n; i++) body[i] = <u8>(i % 251);
    const lost0 = at.lostBytes();
    modemSays("\r\n+IPD,0," + n.toString() + ":");
    modemSaysBytes(body);
    let k = 0;
    for (let i = 0; i < 20; i++) {
      step();
      const r = modemRead(OUT + k, 4096 - k);
      if (r > 0) k += r;
    }
    expect(k).toBe(n - LINK_RX_BYTES / 2, "its last half-ring held back");
    wrote("AT\r\n");
    answer("\r\nOK\r\n");
    const r = modemRead(OUT + k, 4096 - k);
    if (r > 0) k += r;
    expect(k).toBe(n);
    let same = true;
    for (let i = 0; i < k; i++) if (load<u8>(OUT + i) != body[i]) same = false;
    expect(same).toBe(true);
    expect(at.lostBytes() - lost0).toBe(0);
    expect(modemState()).toBe(LINK_UP);
  });

  it("active mode: pushed +IPD data reaches the session only after a final OK; with no command in flight the driver asks with AT", () => {
    espSession(false);
    answer("\r\n+IPD,0,5:hello");
    expect(readAll()).toBe("");
    wrote("AT\r\n");
    answer("\r\nOK\r\n");
    expect(readAll()).toBe("hello");
    expect(modemState()).toBe(LINK_UP);
    wrote("");
  });

  it("active mode: a module reset in the middle of an +IPD burst: nothing of it is read, restart, link lost", () => {
    espSession(false);
    answer("\r\n+IPD,0,20:0123456789ab");
    modemSaysBytes([0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49, 0x49]);
    answer("\xff\r\nready\r\n");
    expect(readAll()).toBe("");
    expect(logCount("read not confirmed")).toBe(1);
    expect(logCount("module restarted")).toBe(1);
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemRead(OUT, 4096)).toBe(E_LINK_CLOSED);
    wrote("AT\r\nAT\r\n"); // the AT asking to confirm the burst, then bring-up from AT
  });

  it("passive mode: CIPRECVDATA cut short by a reset (reboot line swallowed), then the timeout: nothing read, the link closed, the reboot seen by the echo", () => {
    espSession();
    answer("\r\n+IPD,0,40\r\n");
    wrote("AT+CIPRECVDATA=0," + min(LINK_RX_BYTES, 2048).toString() + "\r\n");
    answer("\r\n+CIPRECVDATA:40,0123456789abcdefghijklmnopqrstu\x49\x49\r\nready\r\n"); // 31 + 9 of boot output
    expect(readAll()).toBe("");
    run(5001, 1);
    expect(logCount("read not confirmed")).toBe(1);
    expect(readAll()).toBe("");
    wrote("AT\r\n"); // still there? the echo says it restarted
    answer("AT\r\r\n\r\nOK\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(logCount("module restarted")).toBe(1);
  });

  it("three polls unanswered: a hung ESP is restarted through RESET (it has no PWRKEY), then bring-up from AT", () => {
    espSession();
    run(AT_POLL_MS);
    wrote("AT+CIPRECVLEN?\r\n");
    run(2001, 1);
    wrote("AT\r\n");
    run(1001, 1);
    wrote("AT\r\n");
    run(1000, 1);
    expect(gpioCount()).toBe(0);
    run(1, 1);
    expectPowerCycle(RESET);
    answer("\r\nready\r\n");
    espFromAt(true);
    espConnect();
  });

  it("timeouts: CWJAP 20 s, CIPSTART 20 s", () => {
    modemSelect(FAMILY_ESP, 115200);
    step();
    wrote("AT\r\n");
    answer("AT\r\n\r\nOK\r\n");
    wrote("ATE0\r\n");
    answer("ATE0\r\n\r\nOK\r\n");
    wrote("AT+CWMODE=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CWJAP=\"lab\",\"secret\"\r\n");
    run(20000, 1000);
    expect(at.state()).toBe(at.R_WAIT);
    run(1, 1);
    wrote("AT\r\n");
    answer("\r\nOK\r\n");
    run(1000, 1);
    espJoin();
    wrote("AT+CIPMUX=1\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CIPRECVMODE=1\r\n");
    answer("\r\nOK\r\n");
    modemOpen(brokerHost.dataStart, brokerHost.length, 1883);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r\n");
    run(20000, 1000);
    expect(modemState()).toBe(LINK_OPENING);
    run(1, 1);
    expect(modemState()).toBe(LINK_DOWN);
    wrote("AT\r\n");
    answer("\r\nOK\r\n");
    espConnect();
  });
});

describe("TLS through the modem", () => {
  beforeEach(fresh);

  it("SIM800: CIPSSL=1 after CIPRXGET=1 and before CSTT; CIPSTART as for TCP", () => {
    modemCfg.tls = 1;
    simSession();
    expect(modemError()).toBe(0);
    modemCfg.tls = 0;
  });

  it("SIM800 insecure: AT+SSLOPT=0,1 before CIPSSL=1", () => {
    modemCfg.tls = 3;
    simSession();
    modemCfg.tls = 0;
  });

  it("SIM800: 0, CLOSE OK during CIPSTART is a refused handshake: link down, E_TLS, then a good connect", () => {
    modemCfg.tls = 1;
    simBringUp();
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
    step();
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",8883\r");
    answer("\r\nOK\r\n");
    expect(modemState()).toBe(LINK_OPENING);
    answer("\r\n0, CLOSE OK\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemError()).toBe(E_TLS);
    expect(logCount("TLS failed")).toBe(1);
    simConnect();
    expect(modemError()).toBe(0);
    modemCfg.tls = 0;
  });

  it("SIM800 firmware without SSL: CIPSSL=1 answers ERROR; never a CIPSTART (no plaintext), asked again after 10 s", () => {
    modemCfg.tls = 1;
    modemSelect(FAMILY_SIM, 115200);
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
    step();
    simProbe();
    simLinkModes();
    wrote("AT+CIPSSL=1\r");
    answer("\r\nERROR\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemError()).toBe(E_UNSUPPORTED);
    expect(logCount("no TLS")).toBe(1);
    run(9990, 10);
    wrote("");
    run(20, 10);
    wrote("AT+CIPSSL=1\r");
    answer("\r\nOK\r\n");
    simAttachRest();
    simConnect();
    modemCfg.tls = 0;
  });

  it("ESP: CIPSSLSIZE (ERROR ignored), CIPSSLCCONF=0,2 (verify), CIPSTART \"SSL\"", () => {
    modemCfg.tls = 1;
    espBringUp();
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
    step();
    wrote("AT+CIPSTART=0,\"SSL\",\"broker.test\",8883\r\n");
    answer("0,CONNECT\r\n\r\nOK\r\n");
    expect(modemState()).toBe(LINK_UP);
    modemCfg.tls = 0;
  });

  it("ESP: CIPSTART \"SSL\" answered ERROR is a refused handshake (E_TLS); insecure asks CIPSSLCCONF=0,0", () => {
    modemCfg.tls = 3;
    espBringUp();
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
    step();
    wrote("AT+CIPSTART=0,\"SSL\",\"broker.test\",8883\r\n");
    answer("\r\nERROR\r\n0,CLOSED\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemError()).toBe(E_TLS);
    step();
    espConnectSsl();
    modemCfg.tls = 0;
  });

  it("ESP that cannot check certificates (CIPSSLCCONF=0,2 ERROR): no TLS, never an unchecked link unless configured insecure", () => {
    modemCfg.tls = 1;
    modemSelect(FAMILY_ESP, 115200);
    expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
    step();
    espLinkModes(true);
    wrote("AT+CIPSSLSIZE=4096\r\n");
    answer("\r\nOK\r\n");
    wrote("AT+CIPSSLCCONF=0,2\r\n");
    answer("\r\nERROR\r\n");
    expect(modemState()).toBe(LINK_DOWN);
    expect(modemError()).toBe(E_UNSUPPORTED);
    run(10010, 10);
    wrote("AT+CIPSSLCCONF=0,2\r\n");
    answer("\r\nOK\r\n");
    espConnectSsl();
    modemCfg.tls = 0;
  });
});

function espConnectSsl(): void {
  expect(modemOpen(brokerHost.dataStart, brokerHost.length, 8883)).toBe(0);
  step();
  wrote("AT+CIPSTART=0,\"SSL\",\"broker.test\",8883\r\n");
  answer("0,CONNECT\r\n\r\nOK\r\n");
  expect(modemState()).toBe(LINK_UP);
  wrote("");
}
