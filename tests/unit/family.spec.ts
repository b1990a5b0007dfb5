// The binding of a modem family (assembly/link/family.ts) in the default
// build, where every driver is compiled in: which config `link` kind maps to
// which family (link.ts, lte-lines.ts), and that once bound, each constant
// getter and each call reaches that family's driver and no other (the
// values and commands below differ between the drivers, so a wrong branch
// fails).
import * as fam from "../../assembly/link/family";
import * as sim from "../../assembly/link/sim800";
import * as esp from "../../assembly/link/espat";
import * as s76 from "../../assembly/link/sim7600";
import * as bg from "../../assembly/link/bg96";
import * as at from "../../assembly/link/at";
import * as ring from "../../assembly/link/ring";
import {
  linkFamily, KIND_SOCKET, KIND_SIM800, KIND_SIM900, KIND_ESP_AT, KIND_SIM7600, KIND_SIM7000, KIND_BG96,
} from "../../assembly/link/link";
import { lteLinkName } from "../../assembly/link/lte-lines";
import { R_NONE, R_OK } from "../../assembly/link/at";
import { SENT, FIRST_PHASE } from "../../assembly/link/driver";
import { MODEM_SET, HAS_SIM800, HAS_ESP, HAS_SIM7600, HAS_BG96, LTE_MODEMS, ONE_MODEM, ALL_MODEMS } from "../../assembly/config";
import { ascii } from "../../assembly/mem/ascii";
import { utf8, written } from "./helpers";
import { fresh, hear, wrote, resultOf, host } from "./at-script";

const STATUS = ascii("AT+CIPSTATUS");
const FAMILIES: i32[] = [fam.FAMILY_SIM, fam.FAMILY_ESP, fam.FAMILY_SIM7600, fam.FAMILY_BG96];
const NAMES: string[] = ["sim800", "esp-at", "sim7600", "bg96"];

/** A line heard with a command waiting, under family f: the URC flags. */
function flagsUnder(f: i32, s: string): i32 {
  fresh(f);
  at.command(STATUS, 2000);
  written();
  hear("\r\n" + s + "\r\n");
  return at.urc;
}

describe("family: the default build", () => {
  it("has every family compiled in (MODEM_SET 15): none is a stand-in, none is refused", () => {
    expect(MODEM_SET).toBe(15);
    expect(HAS_SIM800).toBe(true);
    expect(HAS_ESP).toBe(true);
    expect(HAS_SIM7600).toBe(true);
    expect(HAS_BG96).toBe(true);
    expect(LTE_MODEMS).toBe(true);
    expect(ALL_MODEMS).toBe(true);
    expect(ONE_MODEM).toBe(false);
  });

  it("config `link` kinds to families: sim800, sim900 and sim7000 are the SIM800 driver's; esp-at, sim7600, bg96 their own; socket and unknown kinds none", () => {
    expect(linkFamily(KIND_SIM800)).toBe(fam.FAMILY_SIM);
    expect(linkFamily(KIND_SIM900)).toBe(fam.FAMILY_SIM);
    expect(linkFamily(KIND_SIM7000)).toBe(fam.FAMILY_SIM);
    expect(linkFamily(KIND_ESP_AT)).toBe(fam.FAMILY_ESP);
    expect(linkFamily(KIND_SIM7600)).toBe(fam.FAMILY_SIM7600);
    expect(linkFamily(KIND_BG96)).toBe(fam.FAMILY_BG96);
    expect(linkFamily(KIND_SOCKET)).toBe(0);
    expect(linkFamily(7)).toBe(0);
    expect(linkFamily(-1)).toBe(0);
  });

  it("the LTE link names: exactly `sim7600` and `bg96`", () => {
    const names: string[] = ["sim7600", "bg96", "sim760", "sim76000", "bg9", "bg96 ", "BG96", "SIM7600", "sim7000", ""];
    const kinds: i32[] = [KIND_SIM7600, KIND_BG96, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < names.length; i++) {
      const b = utf8(names[i]);
      expect(lteLinkName(b.dataStart, b.length, KIND_SIM7600, KIND_BG96)).toBe(kinds[i], names[i]);
    }
  });
});

describe("family: the bound driver's constants", () => {
  it("each getter gives the bound driver's value", () => {
    for (let i = 0; i < FAMILIES.length; i++) {
      fam.bind(FAMILIES[i]);
      const f = FAMILIES[i];
      const n = NAMES[i];
      const s = f == fam.FAMILY_SIM, e = f == fam.FAMILY_ESP, l = f == fam.FAMILY_SIM7600;
      expect(fam.powerPin()).toBe(s ? sim.POWER_PIN : e ? esp.POWER_PIN : l ? s76.POWER_PIN : bg.POWER_PIN, n);
      expect(fam.powerLowMs()).toBe(s ? sim.POWER_LOW_MS : e ? esp.POWER_LOW_MS : l ? s76.POWER_LOW_MS : bg.POWER_LOW_MS, n);
      expect(fam.bootMs()).toBe(s ? sim.BOOT_MS : e ? esp.BOOT_MS : l ? s76.BOOT_MS : bg.BOOT_MS, n);
      expect(fam.reattach()).toBe(s ? sim.REATTACH : e ? esp.REATTACH : l ? s76.REATTACH : bg.REATTACH, n);
      expect(fam.sendMax()).toBe(s ? sim.SEND_MAX : e ? esp.SEND_MAX : l ? s76.SEND_MAX : bg.SEND_MAX, n);
      expect(fam.sendResultMs()).toBe(s ? sim.SEND_RESULT_MS : e ? esp.SEND_RESULT_MS : l ? s76.SEND_RESULT_MS : bg.SEND_RESULT_MS, n);
      expect(fam.openMs()).toBe(s ? sim.OPEN_MS : e ? esp.OPEN_MS : l ? s76.OPEN_MS : bg.OPEN_MS, n);
      expect(fam.openErrorIsTls()).toBe(s ? sim.OPEN_ERROR_IS_TLS : e ? esp.OPEN_ERROR_IS_TLS : l ? s76.OPEN_ERROR_IS_TLS : bg.OPEN_ERROR_IS_TLS, n);
      expect(fam.readMax()).toBe(s ? sim.READ_MAX : e ? esp.READ_MAX : l ? s76.READ_MAX : bg.READ_MAX, n);
      expect(fam.readTellsLeft()).toBe(s ? sim.READ_TELLS_LEFT : e ? esp.READ_TELLS_LEFT : l ? s76.READ_TELLS_LEFT : bg.READ_TELLS_LEFT, n);
    }
  });

  it("the values that tell the families apart: open time, power pulse, send limit, re-attach phase", () => {
    const openMs: u32[] = [75000, 20000, 120000, 150000];
    const lowMs: u32[] = [1600, 100, 3000, 1600];
    const pins: i32[] = [4, 5, 4, 4];
    const sendMax: i32[] = [1460, 2048, 1460, 1460];
    const reattach: i32[] = [FIRST_PHASE + 3, FIRST_PHASE + 1, FIRST_PHASE + 4, FIRST_PHASE + 4];
    const tlsErr: bool[] = [false, true, false, false];
    for (let i = 0; i < FAMILIES.length; i++) {
      fam.bind(FAMILIES[i]);
      expect(fam.openMs()).toBe(openMs[i], NAMES[i]);
      expect(fam.powerLowMs()).toBe(lowMs[i], NAMES[i]);
      expect(fam.powerPin()).toBe(pins[i], NAMES[i]);
      expect(fam.sendMax()).toBe(sendMax[i], NAMES[i]);
      expect(fam.reattach()).toBe(reattach[i], NAMES[i]);
      expect(fam.openErrorIsTls()).toBe(tlsErr[i], NAMES[i]);
    }
  });
});

describe("family: the bound driver's calls", () => {
  it("bind sets the line ending: CR LF for ESP-AT only", () => {
    const ends: string[] = ["AT+CIPCLOSE=0\r", "AT+CIPCLOSE=0\r\n", "AT+CIPCLOSE=0\r", "AT+QICLOSE=0\r"];
    for (let i = 0; i < FAMILIES.length; i++) {
      fresh(FAMILIES[i]);
      fam.close();
      wrote(ends[i]);
    }
  });

  it("phase: the bound driver's table (its fourth phase differs in each)", () => {
    const want: string[] = ["AT+CIPSHUT\r", "AT+CIPRECVMODE=1\r\n", "AT+CGDCONT=1,\"IP\",\"internet\"\r", "AT+QICSGP=1,1,\"internet\",\"\",\"\",1\r"];
    for (let i = 0; i < FAMILIES.length; i++) {
      fresh(FAMILIES[i]);
      expect(fam.phase(FIRST_PHASE + 3, R_NONE)).toBe(SENT, NAMES[i]);
      wrote(want[i]);
    }
  });

  it("open, send, read, poll: the bound driver's commands", () => {
    const open: string[] = [
      "AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r", "AT+CIPSTART=0,\"TCP\",\"broker.test\",1883\r\n",
      "AT+CIPOPEN=0,\"TCP\",\"broker.test\",1883\r", "AT+QIOPEN=1,0,\"TCP\",\"broker.test\",1883,0,0\r",
    ];
    const send: string[] = ["AT+CIPSEND=0,10\r", "AT+CIPSEND=0,10\r\n", "AT+CIPSEND=0,10\r", "AT+QISEND=0,10\r"];
    const read: string[] = ["AT+CIPRXGET=2,0,100\r", "AT+CIPRECVDATA=0,100\r\n", "AT+CIPRXGET=2,0,100\r", "AT+QIRD=0,100\r"];
    const poll: string[] = ["AT+CIPRXGET=4,0\r", "AT+CIPRECVLEN?\r\n", "AT+CIPRXGET=4,0\r", "AT+QIRD=0,0\r"];
    for (let i = 0; i < FAMILIES.length; i++) {
      fresh(FAMILIES[i]);
      fam.open(host.dataStart, host.length, 1883);
      wrote(open[i]);
      at.done();
      fam.send(10);
      wrote(send[i]);
      at.done();
      fam.read(100);
      wrote(read[i]);
      at.done();
      fam.poll();
      wrote(poll[i]);
    }
  });

  it("polled: the count where the bound driver's answer has it", () => {
    const answers: string[] = ["+CIPRXGET: 4,0,17", "+CIPRECVLEN:17,0,0,0,0", "+CIPRXGET: 4,0,17", "+QIRD: 20,3,17"];
    for (let i = 0; i < FAMILIES.length; i++) {
      fresh(FAMILIES[i]);
      fam.poll();
      written();
      expect(resultOf("\r\n" + answers[i] + "\r\n\r\nOK\r\n")).toBe(R_OK, NAMES[i]);
      expect(fam.polled()).toBe(17, NAMES[i]);
    }
  });

  it("pulls: SIMCom and Quectel always; ESP-AT as its CIPRECVMODE answer said, and after a passive notice", () => {
    fresh(fam.FAMILY_ESP);
    esp.phase(esp.PH_RECVMODE, R_NONE);
    written();
    esp.phase(esp.PH_RECVMODE, resultOf("\r\nERROR\r\n"));
    at.done();
    const pulls: bool[] = [true, false, true, true];
    for (let i = 0; i < FAMILIES.length; i++) {
      fam.bind(FAMILIES[i]);
      expect(fam.pulls()).toBe(pulls[i], NAMES[i]);
    }
    fam.bind(fam.FAMILY_SIM);
    fam.pushedSeen(); // the SIM's: nothing
    fam.bind(fam.FAMILY_ESP);
    expect(fam.pulls()).toBe(false);
    fam.pushedSeen();
    expect(fam.pulls()).toBe(true);
  });
});

describe("family: the bound driver's recognisers", () => {
  it("the same line means what the bound family says it means", () => {
    const lines: string[] = ["+QIURC: \"recv\",0", "+CIPRXGET: 1,0", "ready", "+IPCLOSE: 0,1", "0, CLOSED", "+PDP: DEACT", "WIFI DISCONNECT", "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY", "+QIURC: \"pdpdeact\",1"];
    // sim800, esp-at, sim7600, bg96
    const flags: i32[] = [
      0, 0, 0, at.U_DATA,
      at.U_DATA, 0, at.U_DATA, 0,
      0, at.U_REBOOT | at.U_BOOT, 0, 0,
      0, 0, at.U_CLOSED, 0,
      at.U_CLOSED, at.U_CLOSED, 0, 0,
      at.U_PDP_DEACT, 0, 0, 0,
      0, at.U_PDP_DEACT, 0, 0,
      0, 0, at.U_PDP_DEACT, 0,
      0, 0, 0, at.U_PDP_DEACT,
    ];
    for (let k = 0; k < lines.length; k++) {
      for (let i = 0; i < FAMILIES.length; i++) {
        expect(flagsUnder(FAMILIES[i], lines[k])).toBe(flags[k * 4 + i], lines[k] + " under " + NAMES[i]);
      }
    }
  });

  it("header: a pushed +IPD,0,n: is a counted read under ESP-AT only", () => {
    for (let i = 0; i < FAMILIES.length; i++) {
      fresh(FAMILIES[i]);
      hear("\r\n+IPD,0,3:abc\r\n");
      expect(ring.rxPend).toBe(FAMILIES[i] == fam.FAMILY_ESP ? 3 : 0, NAMES[i]);
    }
  });
});
