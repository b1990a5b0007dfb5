// The socket commands SIMCom's CIP set and Espressif's AT firmware share
// (assembly/link/cip.ts): CIPSTART, CIPSEND, CIPCLOSE on link 0, their exact
// bytes under each family's line ending and quoting, their time limits, and
// that the SIM800 and ESP-AT drivers send exactly these.
import * as cip from "../../assembly/link/cip";
import * as sim from "../../assembly/link/sim800";
import * as esp from "../../assembly/link/espat";
import * as at from "../../assembly/link/at";
import * as fam from "../../assembly/link/family";
import { R_OK, R_WAIT, R_PROMPT } from "../../assembly/link/at";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, written } from "./helpers";
import { fresh, hear, wrote, resultOf, timesOutAfter, host } from "./at-script";

const TCP = ascii("AT+CIPSTART=0,\"TCP\",");

describe("cip: CIPSTART", () => {
  it("SIMCom: AT+CIPSTART=0,\"TCP\",\"host\",port CR, with the time limit given", () => {
    fresh(fam.FAMILY_SIM);
    cip.cipStart(TCP, host.dataStart, host.length, 1883, 2000);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r");
    timesOutAfter(2000);
    at.done();
    cip.cipStart(TCP, host.dataStart, host.length, 65535, 75000);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",65535\r");
    timesOutAfter(75000);
    at.done();
    cip.cipStart(TCP, host.dataStart, host.length, 1, 100);
    wrote("AT+CIPSTART=0,\"TCP\",\"broker.test\",1\r");
  });

  it("ESP-AT: CR LF, and `\"`, `,` and `\\` in the host escaped (SIMCom has no escape: the config refuses a quote there)", () => {
    const odd = utf8("a,b\\c");
    fresh(fam.FAMILY_ESP);
    cip.cipStart(TCP, odd.dataStart, odd.length, 443, 20000);
    wrote("AT+CIPSTART=0,\"TCP\",\"a\\,b\\\\c\",443\r\n");
    at.done();
    fresh(fam.FAMILY_SIM);
    cip.cipStart(TCP, odd.dataStart, odd.length, 443, 20000);
    wrote("AT+CIPSTART=0,\"TCP\",\"a,b\\c\",443\r");
  });

  it("an IPv4 address as the host is quoted the same way", () => {
    const ip = utf8("192.168.4.1");
    fresh(fam.FAMILY_ESP);
    cip.cipStart(ascii("AT+CIPSTART=0,\"SSL\","), ip.dataStart, ip.length, 8883, 20000);
    wrote("AT+CIPSTART=0,\"SSL\",\"192.168.4.1\",8883\r\n");
  });
});

describe("cip: CIPSEND and CIPCLOSE", () => {
  it("CIPSEND=0,n waits for the prompt (an OK before it ends nothing), 5 s for it", () => {
    fresh(fam.FAMILY_SIM);
    cip.send(1);
    wrote("AT+CIPSEND=0,1\r");
    hear("\r\nOK\r\n");
    expect(at.state()).toBe(R_WAIT);
    hear("\r\n> ");
    expect(at.state()).toBe(R_PROMPT);
    at.done();
    cip.send(1460);
    wrote("AT+CIPSEND=0,1460\r");
    timesOutAfter(5000);
    fresh(fam.FAMILY_ESP);
    cip.send(2048);
    wrote("AT+CIPSEND=0,2048\r\n");
    hear("\r\nOK\r\n>");
    expect(at.state()).toBe(R_PROMPT);
  });

  it("CIPCLOSE=0, 5 s for its answer", () => {
    fresh(fam.FAMILY_SIM);
    cip.close();
    wrote("AT+CIPCLOSE=0\r");
    timesOutAfter(5000);
    fresh(fam.FAMILY_ESP);
    cip.close();
    wrote("AT+CIPCLOSE=0\r\n");
    expect(resultOf("0,CLOSED\r\n\r\nOK\r\n")).toBe(R_OK);
  });
});

describe("cip: the drivers that share it", () => {
  it("SIM800: open is CIPSTART \"TCP\" with its 2 s; send and close are these", () => {
    fresh(fam.FAMILY_SIM);
    sim.open(host.dataStart, host.length, 1883);
    const a = written();
    at.done();
    cip.cipStart(TCP, host.dataStart, host.length, 1883, sim.OPEN_CMD_MS);
    expect(written()).toBe(a);
    at.done();
    sim.send(42);
    const b = written();
    at.done();
    cip.send(42);
    expect(written()).toBe(b);
    at.done();
    sim.close();
    const c = written();
    at.done();
    cip.close();
    expect(written()).toBe(c);
    expect(c).toBe("AT+CIPCLOSE=0\r");
  });

  it("ESP-AT: open is CIPSTART with its 20 s; send and close are these", () => {
    fresh(fam.FAMILY_ESP);
    esp.open(host.dataStart, host.length, 1883);
    const a = written();
    expect(a).toBe("AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r\n");
    timesOutAfter(esp.OPEN_CMD_MS);
    at.done();
    esp.send(42);
    const b = written();
    at.done();
    cip.send(42);
    expect(written()).toBe(b);
    expect(b).toBe("AT+CIPSEND=0,42\r\n");
    at.done();
    esp.close();
    const c = written();
    at.done();
    cip.close();
    expect(written()).toBe(c);
  });
});
