// The API buffer: hosts pass topics and payloads through it (firmware.ts),
// config.ts reads numbers into it at start-up, and apps build topics and
// payloads in it during their calls (sdk: workBuffer()). Nothing that uses
// it runs while another use is under way, so it is the one scratch area.
// Its last VIEW_BYTES hold the views the app API hands out (app/view.ts),
// which live no longer than an app's call either: no RAM of their own.
import { API_BYTES } from "../config";

export const apiBuf: usize = memory.data(API_BYTES, 4);
/** Four 8-byte views: a message's topic and payload, and viewOf's ring of two. */
export const VIEW_BYTES: i32 = 32;
/** The part apps may use. */
export const WORK_BYTES: i32 = API_BYTES - VIEW_BYTES;
export const views: usize = apiBuf + WORK_BYTES;
