#!/usr/bin/env bash
# Cross-compiles the atmqtt host for the ESP8266 with Debian's bare
# xtensa-lx106-elf-gcc (+ picolibc-xtensa-lx106-elf for the C headers):
# board/core + this HAL + wasm3 0.5.0, into objects and one partially linked
# relocatable build/esp8266/atmqtt-esp8266.o (no SDK here: the SDK calls are
# weak; link that object into a NONOS / RTOS SDK project). Prints
# xtensa-lx106-elf-size per part.
# Default: the host reads the image from flash at 0x300000 (what
# `npm run flash -- --chip esp8266` writes) into a RAM buffer of IMAGE_MAX
# bytes. EMBED=1 links the image in as a C array instead, into
# build/esp8266-embed/.
# wasm3's C sources are never in this repository: fetched from PyPI's
# pywasm3 0.5.0 sdist into build/wasm3-src on the first build.
# env: CC (xtensa-lx106-elf-gcc), HEAP (d_m3FixedHeap, 40960),
#      WASM (build/atmqtt.wasm), EMBED (0), IMAGE_MAX (32768),
#      IMAGE_ADDR (0x300000; flash it with npm run flash -- --offset to match),
#      OUT (build/esp8266, with EMBED=1 build/esp8266-embed)
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
embed="${EMBED:-0}"
image_max="${IMAGE_MAX:-32768}"
image_addr="${IMAGE_ADDR:-0x300000}"
if [ "$embed" = 1 ]; then out="${OUT:-build/esp8266-embed}"; mode="embedded image (.irom0.text)"
else out="${OUT:-build/esp8266}"; mode="image read from flash $image_addr into a ${image_max}-byte RAM buffer"; fi
rm -rf "$out" && mkdir -p "$out/wasm3"
t0=$(date +%s)
if [ "$embed" = 1 ]; then
  # the image (16-byte header + module) as a C array in flash (.irom0.text)
  python3 board/posix/mkimage.py "$wasm" "$out/atmqtt.img" --c-array "$out/atmqtt_image.c" \
    --attr '__attribute__((section(".irom0.text"), aligned(4)))' >/dev/null
  image_def=(-DATMQTT_EMBED=1)
else
  python3 board/posix/mkimage.py "$wasm" "$out/atmqtt.img" >/dev/null
  img_len=$(stat -c %s "$out/atmqtt.img")
  # a host whose buffer cannot hold today's module would refuse it at boot
  [ "$img_len" -le "$image_max" ] ||
    { echo "esp8266/build.sh: the image is $img_len bytes, IMAGE_MAX=$image_max: raise IMAGE_MAX" >&2; exit 1; }
  image_def=(-DATMQTT_IMAGE_MAX="$image_max" -DATMQTT_IMAGE_ADDR="$image_addr")
fi
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
"$cc" "${common[@]}" "${image_def[@]}" -std=gnu99 -Wall -Wextra -Iboard/core -c board/esp8266/image_flash.c -o "$out/image_flash.o"
host=("$out/atmqtt_host.o" "$out/hal_esp8266.o" "$out/image_flash.o")
objs=("${host[@]}" "$out"/wasm3/*.o)
if [ "$embed" = 1 ]; then
  "$cc" "${common[@]}" -c "$out/atmqtt_image.c" -o "$out/atmqtt_image.o"
  objs+=("$out/atmqtt_image.o")
fi
"${prefix}ld" -r -o "$out/atmqtt-esp8266.o" "${objs[@]}"
t1=$(date +%s)
size="${prefix}size"
tot() { "$size" -t "$@" | awk 'END{print "text="$1" data="$2" bss="$3}'; }
{
  echo "# esp8266 build: $((t1 - t0)) s, d_m3FixedHeap=$heap, $mode"
  echo "# core+hal: $(tot "${host[@]}")"
  echo "# wasm3:    $(tot "$out"/wasm3/*.o)"
  if [ "$embed" = 1 ]; then
    echo "# module:   $(tot "$out/atmqtt_image.o") (linked in)"
  else
    echo "# module:   not linked: $(stat -c %s "$out/atmqtt.img")-byte image in flash at $image_addr (npm run flash -- --chip esp8266), copied into the ${image_max}-byte buffer in core+hal bss"
  fi
  echo "# total:    $(tot "$out/atmqtt-esp8266.o")"
} | tee "$out/sizes.txt"
