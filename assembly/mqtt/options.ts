// The session's configuration in one static record (the shape of lwmqtt's
// lwmqtt_options_t and lwmqtt_will_t): the app fills it once before start(),
// encodeConnect() reads it whole. A length of -1 marks an absent field
// (user, password, will).
import { KEEPALIVE_S } from "../config";

/** MQTT 3.1.1's protocol level; the only one this client speaks. */
export const MQTT_3_1_1: u8 = 4;

@unmanaged
export class Options {
  /** Broker host name and WebSocket path (ws:// URLs), in the app's buffers. */
  host: usize;
  path: usize;
  /** CONNECT's strings as (pointer, length) pairs in payload order, which
   * encodeConnect() walks: client id, will topic (-1: no Last Will), will
   * payload, user (-1: none), password (-1: none). */
  clientId: usize;
  clientIdLen: i32;
  willTopic: usize;
  willTopicLen: i32;
  willPayload: usize;
  willPayloadLen: i32;
  user: usize;
  userLen: i32;
  pass: usize;
  passLen: i32;
  /** Keep alive in seconds (0: none). */
  keepAlive: i32;
  hostLen: i16;
  pathLen: i16;
  port: u16;
  secure: bool;
  /** Protocol level: MQTT_3_1_1. */
  version: u8;
  clean: bool;
  willQos: u8;
  willRetain: bool;
}

/** The record the firmware's session uses (static: nothing allocated). */
export const opts = changetype<Options>(memory.data(offsetof<Options>(), 4));

/** Defaults: 1883, 3.1.1, clean, the configured keep alive, no
 * user/password/will. The firmware's app sets every field itself (one
 * store per field keeps each setter inlined); tests and tools start here. */
export function optionsDefaults(o: Options): void {
  o.port = 1883;
  o.version = MQTT_3_1_1;
  o.clean = true;
  o.keepAlive = KEEPALIVE_S;
  o.userLen = o.passLen = o.willTopicLen = -1;
}
