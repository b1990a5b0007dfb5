// The app API: everything an app (assembly/app.ts of a user project, or
// apps/telemetry.ts here) imports, as `from "atmqtt"`. Nothing host-facing
// and nothing that allocates: texts are ascii("...") literals, payloads
// Views over static memory. docs/app.md describes it.
export { ascii } from "./mem/ascii";
export { View, viewOf } from "./app/view";
export { Writer } from "./app/writer";
export {
  MessageHandler, publish, publishTo, subscribe, subscribeTo, unsubscribe,
  setWill, setWillTo, hasWill, connected, pending, counter, clientId,
  workBuffer, configInt, configText, log, logError,
} from "./app/api";
export { onConnect, onDisconnect } from "./app/hooks";
export { every, after, cancel } from "./app/timers";
export { reading, NO_READING } from "./app/readings";
export { pinMode, pinRead, pinWrite, adcRead, i2cXfer, i2cReadReg, i2cWriteReg, millis, INPUT, OUTPUT, INPUT_PULLUP, LOW, HIGH } from "./app/io";
export { PUBLISHED, RECEIVED, BYTES_OUT, BYTES_IN, RECONNECTS, ERRORS, DROPPED } from "./mqtt/stats";
export * from "./errors";
export { WORK_BYTES } from "./app/work";
import { SMALL as SMALL_ } from "./config";
/** True in the small build profile (4 KiB of RAM). */
export const SMALL: bool = SMALL_;
