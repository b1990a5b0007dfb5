#!/usr/bin/env bash
# Builds build/atmqtt-native (wasm3 0.5.0 + board/core + the POSIX HAL) and
# build/atmqtt.img (build/atmqtt.wasm with the image header).
# wasm3's C sources are never in this repository: they come from PyPI's
# pywasm3 0.5.0 sdist, fetched into build/ on the first build.
# env: CC (cc), CFLAGS (-O2), WASM (build/atmqtt.wasm)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
. board/core/fetch-wasm3.sh
wasm="${WASM:-build/atmqtt.wasm}"
[ -f "$wasm" ] || { echo "build.sh: $wasm missing: run npm run build:fw first" >&2; exit 1; }
cc="${CC:-cc}"
cflags="${CFLAGS:--O2}"
# wasm3 is third-party code: its warnings are not ours
mkdir -p build/obj
for c in "$src"/m3_*.c; do
  o="build/obj/$(basename "${c%.c}").o"
  [ "$o" -nt "$c" ] || "$cc" $cflags -std=gnu11 -w -I"$src" -c "$c" -o "$o"
done
"$cc" $cflags -std=c99 -Wall -Wextra -I"$src" -Iboard/core -Iboard/posix \
  -o build/atmqtt-native board/core/atmqtt_host.c board/core/io_table.c board/posix/hal_posix.c board/posix/main.c build/obj/m3_*.o -lm
python3 board/posix/mkimage.py "$wasm" build/atmqtt.img
