// Link over the host's own sockets (ESP32 Wi-Fi, the desktop hosts).
import { sockOpen, sockWrite, sockRead, sockState, sockClose, SOCK_OPEN, SOCK_CONNECTING } from "../host/abi";
import { LINK_OPENING, LINK_UP, LINK_DOWN } from "./linkstate";
import { E_LINK_CLOSED, E_TLS } from "../errors";
import * as modemCfg from "./modemcfg";

let handle: i32 = -1;
let err: i32 = 0;

/** The host does TLS: it verifies the certificate and the name given here. */
export function socketOpen(host: usize, hostLen: i32, port: i32, secure: bool): i32 {
  err = 0;
  handle = sockOpen(host, hostLen, port, secure ? modemCfg.tls : 0);
  return handle < 0 ? handle : 0;
}

/** A named failure of the last open (a TLS handshake refused), else 0. */
export function socketError(): i32 { return err; }

export function socketState(): i32 {
  if (handle < 0) return LINK_DOWN;
  const s = sockState(handle);
  if (s == E_TLS) err = s;
  return s == SOCK_OPEN ? LINK_UP : s == SOCK_CONNECTING ? LINK_OPENING : LINK_DOWN;
}

export function socketWrite(p: usize, n: i32): i32 {
  if (handle < 0) return E_LINK_CLOSED;
  const r = sockWrite(handle, p, n);
  return r < 0 ? E_LINK_CLOSED : r;
}

export function socketRead(p: usize, n: i32): i32 {
  if (handle < 0) return E_LINK_CLOSED;
  const r = sockRead(handle, p, n);
  return r < 0 ? E_LINK_CLOSED : r;
}

export function socketClose(): void {
  if (handle >= 0) sockClose(handle);
  handle = -1;
}
