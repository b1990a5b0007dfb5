// The default build entry: the firmware's host exports and the telemetry
// app. A user project's entry (atmqtt build) is the same with its own app.
export { setup, loop, api_buffer, api_buffer_size, publish, subscribe, unsubscribe, connect, disconnect, state, pending, counter, set_reading } from "./firmware";
import { setup as telemetry } from "./apps/telemetry";
import { useApp } from "./app/hooks";
useApp(telemetry);
