// The socket commands SIMCom's TCP/IP application (SIM800, SIM900, SIM7600)
// and Espressif's AT firmware share, on link 0 in multi-link mode: drivers
// re-export these rather than each carry a copy.
import { ascii } from "../mem/ascii";
import * as at from "./at";

/** AT+CIPSTART=0,"<proto>","host",port; `start` is the command up to the host. */
export function cipStart(start: usize, host: usize, hostLen: i32, port: i32, ms: u32): void {
  at.begin(start);
  at.addQuoted(host, hostLen, false);
  at.add(ascii(","));
  at.addInt(port);
  at.send(ms, 0, false, false);
}

/** The send command for n bytes: '>' comes first (after an OK on ESP), then the data. */
export function send(n: i32): void {
  at.begin(ascii("AT+CIPSEND=0,"));
  at.addInt(n);
  at.send(5000, 0, false, true);
}

export function close(): void {
  at.command(ascii("AT+CIPCLOSE=0"), 5000);
}
