// The one list of emulated modem kinds. The CLI (`atmqtt sim --modem`,
// `atmqtt modem --modem`), the modem server, the tests and the docs read
// their names, defaults and help text from here: adding a family is one
// entry here plus its emulator.

export interface ModemKindInfo {
  /** the `--modem` value and the firmware's `link` config value */
  readonly name: string;
  /** the emulator (and firmware driver) family */
  readonly family: 'simcom-2g' | 'simcom-lte' | 'quectel' | 'esp-at';
  /** one line for --help and the docs */
  readonly description: string;
  /** cellular: APN the CLI configures when none is given; Wi-Fi: none */
  readonly apn?: string;
  /** Wi-Fi: the network the emulator offers and the CLI configures */
  readonly ssid?: string;
  readonly wifiPassword?: string;
  /** the firmware has a driver for it: `atmqtt sim` can run it end to end */
  readonly firmware: boolean;
  /** the small profile (4 KiB) has its driver too: no LTE driver fits there */
  readonly small: boolean;
  /** module power is switched by a PWRKEY pulse (ESP: by CH_PD / RST only) */
  readonly pwrkey: boolean;
  /** a line ends at CR (SIMCom, Quectel) or at CR LF (ESP-AT) */
  readonly eol: '\r' | '\r\n';
  /** where its behaviour is written down */
  readonly doc: string;
}

export const MODEM_KINDS = [
  {
    name: 'sim800', family: 'simcom-2g', description: 'SIMCom SIM800 GSM/GPRS, TCP/IP stack with SSL',
    apn: 'internet', firmware: true, small: true, pwrkey: true, eol: '\r', doc: 'docs/modems.md',
  },
  {
    name: 'sim900', family: 'simcom-2g', description: 'SIMCom SIM900 GSM/GPRS, TCP/IP stack without SSL',
    apn: 'internet', firmware: true, small: true, pwrkey: true, eol: '\r', doc: 'docs/modems.md',
  },
  {
    name: 'esp-at', family: 'esp-at', description: 'ESP8266/ESP32 with Espressif AT firmware (Wi-Fi)',
    ssid: 'atmqtt-wifi', wifiPassword: 'atmqtt-pass', firmware: true, small: true, pwrkey: false, eol: '\r\n', doc: 'docs/modems.md',
  },
  {
    name: 'sim7600', family: 'simcom-lte', description: 'SIMCom SIM7600 LTE Cat-1: NETOPEN/CIPOPEN, CIPRXGET, SSL via CCH',
    apn: 'internet', firmware: true, small: false, pwrkey: true, eol: '\r', doc: 'docs/modems/sim7600.md',
  },
  {
    name: 'sim7000', family: 'simcom-lte', description: 'SIMCom SIM7000 LTE-M/NB-IoT: the SIM800 TCP/IP commands (CSTT/CIICR/CIPSTART), driven by the SIM800 driver',
    apn: 'internet', firmware: true, small: true, pwrkey: true, eol: '\r', doc: 'docs/modems/sim7600.md',
  },
  {
    name: 'bg96', family: 'quectel', description: 'Quectel BG96 LTE-M/NB-IoT: QIACT/QIOPEN, QIRD after +QIURC "recv", SSL via QSSLOPEN',
    apn: 'internet', firmware: true, small: false, pwrkey: true, eol: '\r', doc: 'docs/modems/bg96.md',
  },
] as const satisfies readonly ModemKindInfo[];

export type ModemKind = (typeof MODEM_KINDS)[number]['name'];

export const MODEM_KIND_NAMES: readonly ModemKind[] = MODEM_KINDS.map((k) => k.name);

export function isModemKind(s: string): s is ModemKind {
  return (MODEM_KIND_NAMES as readonly string[]).includes(s);
}

export function kindInfo(kind: ModemKind): ModemKindInfo {
  return MODEM_KINDS.find((k) => k.name === kind)!;
}

/** The kinds the firmware can drive end to end (`atmqtt sim --modem`). */
export const FIRMWARE_KINDS: readonly ModemKind[] = MODEM_KINDS.filter((k) => k.firmware).map((k) => k.name);

/** The kinds a build profile's firmware drives (the small one has no LTE driver). */
export function profileKinds(profile: 'default' | 'small'): readonly ModemKind[] {
  return MODEM_KINDS.filter((k) => k.firmware && (profile === 'default' || k.small)).map((k) => k.name);
}

/** `a|b|c` for usage lines. */
export function kindList(kinds: readonly string[] = MODEM_KIND_NAMES): string {
  return kinds.join('|');
}
