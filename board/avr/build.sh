#!/usr/bin/env bash
# Cross-compiles the atmqtt host for the ATmega1284P with Debian's avr-gcc
# + avr-libc: board/core + this HAL + wasm3 0.5.0 + the image of the small
# profile's module (npm run build:small) as a PROGMEM array, linked into
# build/avr/atmqtt-avr.elf (+ .hex). Prints the sizes per part and
# `avr-size -C --mcu=atmega1284p`.
# wasm3's C sources are never in this repository: fetched from PyPI's
# pywasm3 0.5.0 sdist into build/wasm3-src on the first build.
# env: CC (avr-gcc), HEAP (d_m3FixedHeap, 8192), WASM (build/atmqtt-small.wasm)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cc="${CC:-avr-gcc}"
prefix="${cc%gcc}"
command -v "$cc" >/dev/null || { echo "avr/build.sh: $cc not found (apt-get install gcc-avr avr-libc binutils-avr)" >&2; exit 127; }
. board/core/fetch-wasm3.sh
wasm="${WASM:-build/atmqtt-small.wasm}"
[ -f "$wasm" ] || { echo "avr/build.sh: $wasm missing: run npm run build:small first" >&2; exit 1; }
heap="${HEAP:-8192}"
mcu=atmega1284p
out=build/avr
rm -rf "$out" && mkdir -p "$out/wasm3"
t0=$(date +%s)
python3 board/posix/mkimage.py "$wasm" "$out/atmqtt.img" --c-array "$out/atmqtt_image.c" \
  --include avr/pgmspace.h --attr PROGMEM >/dev/null
common=(-mmcu=$mcu -DF_CPU=16000000UL -Os -ffunction-sections -fdata-sections
  -Dd_m3FixedHeap="$heap" -Dd_m3MaxFunctionStackHeight=64 -Dd_m3CodePageAlignSize=512
  -Dd_m3VerboseErrorMessages=0 -Dd_m3MaxConstantTableSize=64 -Dd_m3LogOutput=0
  -Dd_m3HasFloat=0 -Dd_m3NoFloatDynamic=0 -I"$src")
log="$out/compile.log"
: > "$log"
# wasm3 is third-party code: its warnings are not ours
for c in "$src"/m3_*.c; do
  "$cc" "${common[@]}" -std=gnu11 -w -c "$c" -o "$out/wasm3/$(basename "${c%.c}").o" 2>>"$log"
done
"$cc" "${common[@]}" -std=gnu99 -Wall -Wextra -Iboard/core -c board/core/atmqtt_host.c -o "$out/atmqtt_host.o" 2>>"$log"
"$cc" "${common[@]}" -std=gnu99 -Wall -Wextra -Iboard/core -c board/avr/hal_avr.c -o "$out/hal_avr.o" 2>>"$log"
"$cc" "${common[@]}" -c "$out/atmqtt_image.c" -o "$out/atmqtt_image.o" 2>>"$log"
"$cc" -mmcu=$mcu -Os -Wl,--gc-sections -o "$out/atmqtt-avr.elf" \
  "$out/atmqtt_host.o" "$out/hal_avr.o" "$out"/wasm3/*.o "$out/atmqtt_image.o" -lm 2>>"$log"
"${prefix}objcopy" -O ihex -R .eeprom "$out/atmqtt-avr.elf" "$out/atmqtt-avr.hex"
t1=$(date +%s)
size="${prefix}size"
{
  echo "# avr build: $((t1 - t0)) s, d_m3FixedHeap=$heap, module $wasm"
  echo "# core+hal (objects): $("$size" -t "$out/atmqtt_host.o" "$out/hal_avr.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# wasm3 (objects):    $("$size" -t "$out"/wasm3/*.o | awk 'END{print "text="$1" data="$2" bss="$3}')"
  echo "# module (PROGMEM):   $("$size" -t "$out/atmqtt_image.o" | awk 'END{print "text="$1" data="$2" bss="$3}')"
  "$size" -C --mcu=$mcu "$out/atmqtt-avr.elf" | grep -E 'Program|Data|Device' | sed 's/^/# /'
} | tee "$out/sizes.txt"
