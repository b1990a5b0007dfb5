// The firmware's entry: everything a host sees.
export { setup, loop, api_buffer, api_buffer_size, publish, subscribe, unsubscribe, connect, disconnect, state, pending, counter, set_reading } from "./app/main";
