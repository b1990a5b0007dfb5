// What the links (modem drivers, host sockets) are configured with, and the answers a driver's
// bring-up step gives the common state machine (modem.ts).

/** Go on with the next bring-up phase. */
export const NEXT = -1;
/** Try the same phase again after a pause (not registered yet, SIM busy). */
export const RETRY = -2;
/** Something is wrong with the module: go up the escalation ladder. */
export const ESCALATE = -3;
/** The configuration cannot work (wrong Wi-Fi password): report, retry slowly. */
export const REFUSED = -4;
/** The module has no TLS (or cannot check certificates): never plaintext
 * instead; report, retry slowly. */
export const NO_TLS = -5;

/** What a driver's bring-up step did: sent a command, had nothing to do in
 * this phase (a TLS step on a plain link), or found bring-up complete. */
export const SENT = 1;
export const SKIP = 2;
export const DONE = 0;

// Module globals rather than a class instance: no allocation, and each use
// is one global.get. Importers take them as `* as modemCfg`.
export let apn: usize = 0;
export let apnLen: i32 = 0;
export let apnUser: usize = 0;
export let apnUserLen: i32 = 0;
export let apnPass: usize = 0;
export let apnPassLen: i32 = 0;
export let ssid: usize = 0;
export let ssidLen: i32 = 0;
export let wifiPass: usize = 0;
export let wifiPassLen: i32 = 0;
/** TLS, for every link kind: bit 0 secure, bit 1 insecure (no certificate
 * check), bits 8-15 the host's CA slot; the flags of sock_open. */
export let tls: i32 = 0;
