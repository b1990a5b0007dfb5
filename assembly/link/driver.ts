// The modem driver interface: what one modem family is, in one module.
//
// A family (sim800.ts, espat.ts, …) is ONE module exporting exactly these
// names. family.ts binds one of them at configuration time; modem.ts (the
// common state machine) and at.ts (the generic AT engine) reach it only
// through family.ts, each constant and function through one test of the
// bound family. Adding a family is a new driver module plus its case in
// family.ts's bind() and in each of its getters and calls.
//
// Constants (read through family.ts's getter of the same name in
// camelCase, one inlined test of the bound family)
//   CRLF: bool           commands end in CR LF (ESP-AT) or CR alone (SIMCom)
//   POWER_PIN: i32       the pin that restarts the module (C.PIN_PWRKEY / C.PIN_RESET)
//   POWER_LOW_MS: u32    how long that pin is held low for one restart
//   BOOT_MS: u32         from releasing the pin to the first AT probe
//   REATTACH: i32        the bring-up phase to redo when the bearer is lost
//   SEND_MAX: i32        most bytes in one send command
//   SEND_RESULT_MS: u32  from the last data byte to the send's result
//   OPEN_CMD_MS: u32     the open command's own answer (OK / ERROR)
//   OPEN_MS: u32         from the open command to the link's CONNECT
//   OPEN_ERROR_IS_TLS: bool  on a secure link, ERROR to the open command
//                        means the handshake failed (ESP); else a failed
//                        handshake shows as U_TLS_FAIL from line()
//   READ_MAX: i32        most bytes asked for in one read
//   READ_TELLS_LEFT: bool the read's header says what is left (at.rxLeft);
//                        else the poll is asked again after every read
//
// Bring-up: a table of named phases PH_* (the driver's own numbers, exported for its spec,
// from FIRST_PHASE up; 0 and 1, AT and ATE0, are the engine's own), each
// phase's command and the meaning of its answer in the same `case`:
//   phase(p: i32, r: i32): i32
//     r == at.R_NONE: send p's command: SENT, or SKIP (nothing to do in
//                     this configuration), or DONE (p is past the table)
//     else: what the answer r (R_OK, R_ERROR, R_TIMEOUT; info in at.info)
//           means: NEXT, RETRY, ESCALATE, REFUSED, NO_TLS, or a phase number
//
// Link 0, the only link, in multi-link mode:
//   open(host: usize, hostLen: i32, port: i32): void   sends the open command
//   send(n: i32): void      sends the send command for n bytes ('>' then data)
//   close(): void           sends the close command
//   read(len: i32): void    pulls up to len bytes (a counted read, at.countedRead)
//   poll(): void            asks how much is waiting
//   polled(): i32           bytes waiting, from poll()'s answer in at.info
//   pulls(): bool           data is pulled with read() (else it is pushed)
//   pushedSeen(): void      a data notification came while pushes were
//                           expected: the module pulls after all
//
// Recognisers, called by the AT engine on the line it holds (at.starts,
// at.ours; at.waiting() tells whether a command is in flight):
//   line(): i32   a whole line: 0 when not the driver's (the engine then
//                 takes OK / ERROR / the information line), else U_* flags
//                 (at.ts) and L_* actions below, ORed; a restart sign is
//                 U_REBOOT, and U_REBOOT | U_BOOT for the first line of a
//                 boot (RDY, ready): only that one counts during bring-up
//   header(b: u8): bool   the line so far plus b (':' or ',') is a data
//                 header: the driver started the counted read
//                 (at.countedRead / at.pushedRead) and the engine drops the line
import * as cfg from "./modemcfg";

// answers of phase(): re-exported so a driver imports its vocabulary from here
export const NEXT = cfg.NEXT;
export const RETRY = cfg.RETRY;
export const ESCALATE = cfg.ESCALATE;
export const REFUSED = cfg.REFUSED;
export const NO_TLS = cfg.NO_TLS;
export const SENT = cfg.SENT;
export const SKIP = cfg.SKIP;
export const DONE = cfg.DONE;

/** The engine's phases: AT (also the baud probe) and ATE0. */
export const PH_PROBE = 0;
export const PH_ECHO_OFF = 1;
/** A driver's own table starts here. */
export const FIRST_PHASE = 2;

// actions of line(), above the U_* flags
/** The driver's line, nothing more to do (an ignored URC). */
export const L_SKIP = 1 << 16;
/** The final OK of the command in flight (SHUT OK, n, CLOSE OK). */
export const L_OK = 1 << 17;
/** A final error of the command in flight (FAIL). */
export const L_ERROR = 1 << 18;
/** The information line of the command in flight. */
export const L_INFO = 1 << 19;
