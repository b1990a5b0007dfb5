// Every size and timeout of the firmware, in one place (as coreMQTT's
// core_mqtt_config_defaults.h). Buffers are carved from static memory with
// these sizes; nothing is allocated after start-up.
//
// Two build profiles (asconfig.json targets): the default (release,
// lowMemoryLimit 16384) and small (lowMemoryLimit 4096, AVR-class boards).
// Sizes are `SMALL ? small : default`; both fold to constants at compile
// time, so the default build is the same as with plain numbers.

/** The small profile: 4 KiB of linear memory. */
export const SMALL: bool = ASC_LOW_MEMORY_LIMIT > 0 && ASC_LOW_MEMORY_LIMIT <= 4096;
/** The WebSocket client compiled in (1) or not (0). AssemblyScript has no
 * -D: scripts/ascii-transform.mjs rewrites this line from ATMQTT_WS=0
 * (npm run build:modem -- FAMILY --no-ws) and compiles ws/ws.small.ts for
 * ws.ts, as the small profile does; default 1. */
export const WS_SET: i32 = 1;
/** A ws:// or wss:// broker can be used: never in the small profile. */
export const HAS_WS: bool = !SMALL && WS_SET != 0;
/** The modem families compiled in, one bit each (1 sim800/sim900/sim7000,
 * 2 esp-at, 4 sim7600, 8 bg96), as TinyGSM's TINY_GSM_MODEM_*: a device has
 * one modem. AssemblyScript has no -D: scripts/ascii-transform.mjs rewrites
 * this line from ATMQTT_MODEMS (npm run build:modem); default all. */
export const MODEM_SET: i32 = 15;
export const HAS_SIM800: bool = (MODEM_SET & 1) != 0;
export const HAS_ESP: bool = (MODEM_SET & 2) != 0;
/** The LTE module drivers (SIM7600, BG96): never in the small profile, whose
 * 4 KiB of static data their command strings would not fit. */
export const HAS_SIM7600: bool = !SMALL && (MODEM_SET & 4) != 0;
export const HAS_BG96: bool = !SMALL && (MODEM_SET & 8) != 0;
export const LTE_MODEMS: bool = HAS_SIM7600 || HAS_BG96;
/** Every family the profile can hold: no family to refuse at start-up. */
export const ALL_MODEMS: bool = MODEM_SET == 15;
/** Exactly one family compiled in: its driver is called without a test. */
export const ONE_MODEM: bool = <i32>HAS_SIM800 + <i32>HAS_ESP + <i32>HAS_SIM7600 + <i32>HAS_BG96 == 1;

/** Largest MQTT packet sent or received, fixed header included. */
export const MAX_PACKET: i32 = SMALL ? 256 : 1024;
/** Bytes of encoded packets the outbox (queued + in flight) may hold. */
export const OUTBOX_BYTES: i32 = SMALL ? 384 : 4096;
/** Records in the outbox (queued + in flight). */
export const OUTBOX_SLOTS: i32 = SMALL ? 8 : 24;
/** Packets sent and not yet acknowledged, at most. */
export const MAX_INFLIGHT: i32 = SMALL ? 4 : 16;
/** Inbound QoS 2 packet ids remembered between PUBREC and PUBREL. MQTT
 * 3.1.1 lets the broker send as many as it likes (Mosquitto's default
 * max_inflight_messages is 20, so the small profile keeps 20); past this the
 * client reconnects and the broker resends the rest of the session. */
export const QOS2_IN_SLOTS: i32 = SMALL ? 20 : 64;
/** Subscriptions the router keeps (and renews on a new session). */
export const ROUTER_SLOTS: i32 = SMALL ? 4 : 8;
/** Bytes for all router filters together, 3 more per filter (the small
 * profile holds two filters of up to 37 bytes). */
export const ROUTER_BYTES: i32 = SMALL ? 80 : 256;
/** Bytes of the host API buffer (topic + payload or subscribe list). */
export const API_BYTES: i32 = MAX_PACKET;

/** WebSocket output queue: the upgrade request, then whole masked frames.
 * A write larger than this goes out as several frames. (Without HAS_WS,
 * ws/ws.small.ts stands in for ws.ts.) */
export const WS_TX_BYTES: i32 = SMALL ? 256 : 512;
/** Largest WebSocket frame accepted from the server (payloads are streamed,
 * not buffered; this only bounds nonsense lengths). */
export const WS_MAX_FRAME: i32 = 1 << 20;

/** AT modems: longest line kept (longer ones are cut: only their start is
 * matched), longest command (the small one holds AT+CSTT with three 32-byte
 * values and AT+CWJAP with a 32-byte SSID and 64-byte password), the link's
 * queues (smaller ones mean more, shorter CIPSENDs and reads). */
export const AT_LINE_BYTES: i32 = SMALL ? 48 : 96;
export const AT_CMD_BYTES: i32 = SMALL ? 128 : 160;
export const LINK_RX_BYTES: i32 = SMALL ? 128 : 512;
export const LINK_TX_BYTES: i32 = SMALL ? 96 : 1536;
/** How often the modem is asked for data when no notification came. */
export const AT_POLL_MS: u32 = 1000;
/** GPIO pins the modem's PWRKEY and RESET are wired to. */
export const PIN_PWRKEY: i32 = 4;
export const PIN_RESET: i32 = 5;
/** PWRKEY low to toggle SIMCom power: SIM800 Hardware Design V1.10 wants
 * >= 1 s to switch on and >= 1.5 s to switch off; SIM900 HD V1.05: 1-5 s
 * either way. 1.6 s switches a hung module off (and an off one on). */
export const PWRKEY_MS: u32 = 1600;
/** RST / EN low on ESP-AT boards: a reset needs only a short pulse. */
export const ESP_RESET_MS: u32 = 100;
/** The telemetry app's switched output (`output 0|1`). */
export const PIN_OUTPUT: i32 = 6;

/** Configuration strings, each at most this long; a longer value is a
 * config error. The telemetry topic made from a client id keeps at most
 * CFG_TELEMETRY_TOPIC_BYTES - 17 bytes of the id. */
export const CFG_URL_BYTES: i32 = SMALL ? 64 : 96;
export const CFG_ID_BYTES: i32 = SMALL ? 32 : 64;
export const CFG_USER_BYTES: i32 = SMALL ? 32 : 64;
export const CFG_PASS_BYTES: i32 = SMALL ? 32 : 64;
export const CFG_WILL_TOPIC_BYTES: i32 = SMALL ? 48 : 64;
export const CFG_WILL_PAYLOAD_BYTES: i32 = SMALL ? 32 : 128;
export const CFG_TELEMETRY_TOPIC_BYTES: i32 = SMALL ? 48 : 64;
export const CFG_APN_BYTES: i32 = SMALL ? 32 : 50;
export const CFG_SSID_BYTES: i32 = SMALL ? 32 : 33;
export const CFG_WIFI_PASS_BYTES: i32 = 64;

/** Default keep alive in seconds (config `keepalive` overrides). */
export const KEEPALIVE_S: i32 = 60;
/** Time allowed to open the link (TCP connect, modem CIPSTART...). */
export const LINK_OPEN_TIMEOUT_MS: u32 = 30000;
/** Time allowed between CONNECT written and CONNACK. */
export const CONNACK_TIMEOUT_MS: u32 = 10000;
/** First reconnect delay; doubles on each failure up to the maximum. */
export const BACKOFF_MIN_MS: u32 = 1000;
export const BACKOFF_MAX_MS: u32 = 60000;
/** The ceiling after the broker refused the credentials (CONNACK 4 or 5):
 * they will not mend themselves, so at most about 20 attempts an hour. */
export const BACKOFF_REFUSED_MAX_MS: u32 = 300000;
/** Longest log line; longer ones are cut. */
export const LOG_BYTES: i32 = SMALL ? 48 : 120;
/** The longest the firmware tells the host to sleep. */
export const MAX_SLEEP_MS: u32 = 1000;

/** App timers (every/after) running at once; 12 bytes of RAM each. */
export const TIMER_SLOTS: i32 = SMALL ? 2 : 4;
