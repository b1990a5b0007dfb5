// ascii("text") is rewritten at build time (scripts/ascii-transform.mjs) into
// a static [len u8][ASCII bytes] blob and returns its address. This
// declaration only gives the call a type; it is never compiled as a call.
export declare function ascii(s: string): usize;
