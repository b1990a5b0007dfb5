#!/usr/bin/env bash
# Cross-compiles the atmqtt host for the ESP8266 with Debian's bare
# xtensa-lx106-elf-gcc (+ picolibc-xtensa-lx106-elf for the C headers):
# board/core + this HAL + wasm3 0.5.0 + the image as a C array, into
# objects and one partially linked relocatable build/esp8266/atmqtt-esp8266.o
# (no SDK here: the SDK calls are weak; link that object into a NONOS /
# RTOS SDK project). Prints xtensa-lx106-elf-size per part.
# wasm3's C sources are never in this repository: fetched from PyPI's
# pywasm3 0.5.0 sdist into build/wasm3-src on the first build.
# env: CC (xtensa-lx106-elf-gcc), HEAP (d_m3FixedHeap, 40960), WASM (build/atmqtt.wasm)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cc="${CC:-xtensa-lx106-elf-gcc}"
prefix="${cc%gcc}"
command -v "$cc" >/dev/null || { echo "esp8266/build.sh: $cc not found (apt-get install gcc-xtensa-lx106 picolibc-xtensa-lx106-elf)" >&2; exit 127; }
specs=/usr/lib/xtensa-lx106-elf/picolibc.specs
[ -f "$specs" ] || { echo "esp8266/build.sh: $specs missing (apt-get install picolibc-xtensa-lx106-elf)" >&2; exit 127; }
. board/core/fetch-wasm3.sh
wasm="${WASM:-build/atmqtt.wasm}"
[ -f "$wasm" ] || { echo "esp8266/build.sh: $wasm missing: run npm run build:fw first" >&2; exit 1; }
heap="${HEAP:-40960}"
out=build/esp8266
rm -rf "$out" && mkdir -p "$out/wasm3"
t0=$(date +%s)
# the image (16-byte header + module) as a C array in flash (.irom0.text)
python3 board/posix/mkimage.py "$wasm" "$out/atmqtt.img" --c-array "$out/atmqtt_image.c" \
  --attr '__attribute__((section(".irom0.text"), aligned(4)))' >/dev/null
common=(--specs="$specs" -Os -mlongcalls -mtext-section-literals -ffunction-sections -fdata-sections
  -Dd_m3FixedHeap="$heap" -Dd_m3MaxFunctionStackHeight=64 -Dd_m3CodePageAlignSize=1024
  -Dd_m3VerboseErrorMessages=0 -Dd_m3MaxConstantTableSize=64 -Dd_m3LogOutput=0
  -Dd_m3HasFloat=0 -Dd_m3NoFloatDynamic=0 -I"$src")
# wasm3 is third-party code: its warnings are not ours
for c in "$src"/m3_*.c; do
  "$cc" "${common[@]}" -std=gnu11 -w -c "$c" -o "$out/wasm3/$(basename "${c%.c}").o"
done
"$cc" "${common[@]}" -std=c99 -Wall -Wextra -Iboard/core -c board/core/atmqtt_host.c -o "$out/atmqtt_host.o"
"$cc" "${common[@]}" -std=gnu99 -Wall -Wextra -Iboard/core -c board/esp8266/hal_esp8266.c -o "$out/hal_esp8266.o"
"$cc" "${common[@]}" -c "$out/atmqtt_image.c" -o "$out/atmqtt_image.o"
"${prefix}ld" -r -o "$out/atmqtt-esp8266.o" "$out/atmqtt_host.o" "$out/hal_esp8266.o" "$out"/wasm3/*.o "$out/atmqtt_image.o"
t1=$(date +%s)
size="${prefix}size"
{
  echo "# esp8266 build: $((t1 - t0)) s, d_m3FixedHeap=$heap"
  echo "# core+hal: $("$size" -t "$out/atmqtt_host.o" "$out/hal_esp8266.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# wasm3:    $("$size" -t "$out"/wasm3/*.o | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# module:   $("$size" -t "$out/atmqtt_image.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# total:    $("$size" "$out/atmqtt-esp8266.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
} | tee "$out/sizes.txt"
