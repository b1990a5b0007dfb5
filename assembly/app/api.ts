// The API for apps built into the module (AssemblyScript). The host's
// exports in main.ts are thin wrappers over the same calls.
import * as S from "../mqtt/session";
import * as stats from "../mqtt/stats";
import { Handler } from "../mqtt/router";
import * as E from "../errors";
import { ROUTER_BYTES } from "../config";

export { Handler };

/** [u16 len][filter][qos]; inside a function, so a build whose apps never
 * subscribe reserves no RAM for it. A filter longer than the router holds is refused. */
function listBuf(): usize { return memory.data(ROUTER_BYTES + 4); }

/** Publishes; returns the packet id (0 for QoS 0) or a negative error. */
export function publish(topic: usize, topicLen: i32, payload: usize, payloadLen: i32, qos: i32, retain: bool): i32 {
  return S.publish(topic, topicLen, payload, payloadLen, qos, retain);
}

/** Subscribes one filter; its messages go to handler. */
export function subscribe(filter: usize, filterLen: i32, qos: i32, handler: Handler): i32 {
  if (filterLen < 1 || filterLen > ROUTER_BYTES) return E.E_BAD_TOPIC;
  const list = listBuf();
  store<u8>(list, <u8>(filterLen >> 8));
  store<u8>(list + 1, <u8>filterLen);
  memory.copy(list + 2, filter, filterLen);
  store<u8>(list + 2 + filterLen, <u8>qos);
  return S.subscribe(list, filterLen + 3, changetype<usize>(handler));
}

export function unsubscribe(filter: usize, filterLen: i32): i32 {
  if (filterLen < 1 || filterLen > ROUTER_BYTES) return E.E_BAD_TOPIC;
  const list = listBuf();
  store<u8>(list, <u8>(filterLen >> 8));
  store<u8>(list + 1, <u8>filterLen);
  memory.copy(list + 2, filter, filterLen);
  return S.unsubscribe(list, filterLen + 2);
}

export function connected(): bool { return S.connected(); }
export function pending(): i32 { return S.pending(); }
export function counter(i: i32): u32 { return stats.get(i); }
