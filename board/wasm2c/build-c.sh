#!/usr/bin/env bash
# Translates the module with wabt's wasm2c (Debian wabt 1.0.32) into C for
# our runtime: OUT/atmqtt_w2c.c + .h (translate.py fits the generated
# prelude to w2c_prelude.h). Shared by the AOT boards (AVR, lx106).
# usage: board/wasm2c/build-c.sh WASM OUTDIR [--poke-after N] (a test build that traps)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
wasm="$1"; out="$2"
command -v wasm2c >/dev/null || { echo "wasm2c/build-c.sh: wasm2c not found (apt-get install wabt)" >&2; exit 127; }
ver="$(wasm2c --version)"
[ "$ver" = "1.0.32" ] || echo "wasm2c/build-c.sh: wasm2c $ver, written for 1.0.32; translate.py checks the shape" >&2
mkdir -p "$out"
wasm2c "$wasm" -n atmqtt -o "$out/atmqtt_w2c.raw.c"
mv "$out/atmqtt_w2c.raw.h" "$out/atmqtt_w2c.h"
sed -i 's/#include "atmqtt_w2c.raw.h"/#include "atmqtt_w2c.h"/' "$out/atmqtt_w2c.raw.c"
python3 "$here/translate.py" "$out/atmqtt_w2c.raw.c" "$out/atmqtt_w2c.c" "${@:3}"
rm -f "$out/atmqtt_w2c.raw.c"
