#!/usr/bin/env bash
# Builds build/rv32/atmqtt-rv32.elf: wasm3 0.5.0 + board/core + the rv32
# HAL + the module image, for an ESP32-C3-class core (rv32imc, ilp32),
# with Debian's riscv64-unknown-elf-gcc and picolibc. It runs on QEMU's
# riscv32 'virt' machine (-bios none -kernel ELF): code and the image in
# "flash" at 0x80000000, and the application's RAM (.data, .bss with
# wasm3's fixed heap, the stack) in RAM_CAP bytes at 0x80400000, so the
# linker refuses an image whose RAM does not fit.
# wasm3's C sources are never in this repository: board/core/fetch-wasm3.sh.
# env: PROFILE (default | small), HEAP (d_m3FixedHeap bytes), RAM_CAP
#      (204800), STACK (C stack, bytes), WASM_STACK (wasm3 stack), OUT
#      (build/rv32), WASM (another module of the profile, for test builds),
#      MEMORY_LIMIT (linear memory; the profile's budget), EXTRA_CFLAGS
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
cc=riscv64-unknown-elf-gcc
command -v "$cc" >/dev/null || { echo "rv32 build: $cc missing: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" >&2; exit 1; }
[ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] ||
  { echo "rv32 build: picolibc missing: apt-get install picolibc-riscv64-unknown-elf" >&2; exit 1; }
. board/core/fetch-wasm3.sh

profile="${PROFILE:-default}"
case "$profile" in
  default) wasm=build/atmqtt.wasm; limit=16384 ;;
  small) wasm=build/atmqtt-small.wasm; limit=4096 ;;
  *) echo "rv32 build: PROFILE default or small" >&2; exit 2 ;;
esac
[ -f "$wasm" ] || { echo "rv32 build: $wasm missing: run npm run build:fw (build:small)" >&2; exit 1; }
wasm="${WASM:-$wasm}"
limit="${MEMORY_LIMIT:-$limit}"
# a session needed 130,636 B with the 26.5 KB module (small: 105,548); the
# 30.6 KB module with every modem driver ran out of code pages in 144 KiB
heap="${HEAP:-163840}"
ram_cap="${RAM_CAP:-204800}"
stack="${STACK:-12288}"   # high-water 4,804 B in a session
wasm_stack="${WASM_STACK:-4096}"
out="${OUT:-build/rv32}"
arch="-march=rv32imc -mabi=ilp32"
# wasm3 knobs for small cores (as board/posix/heap-search.sh, with room for
# the default module's larger functions)
knobs="-Dd_m3MaxFunctionStackHeight=128 -Dd_m3CodePageAlignSize=1024 -Dd_m3VerboseErrorMessages=0
  -Dd_m3LogOutput=0 -Dd_m3HasFloat=0 -Dd_m3NoFloatDynamic=0"
common="$arch --specs=picolibc.specs -O2 -ffunction-sections -fdata-sections -g"

mkdir -p "$out/obj"
stamp="$out/obj/flags"
flags="$common $knobs"
# wasm3 is third-party code: its warnings are not ours
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$flags" ] || rm -f "$out"/obj/m3_*.o
for c in "$src"/m3_*.c; do
  o="$out/obj/$(basename "${c%.c}").o"
  [ "$o" -nt "$c" ] || [ "$c" = "$src/m3_core.c" ] || $cc $common $knobs -std=gnu11 -w -I"$src" -c "$c" -o "$o"
done
echo "$flags" > "$stamp"
# the fixed heap is in m3_core.c alone
$cc $common $knobs -Dd_m3FixedHeap="$heap" -std=gnu11 -w -I"$src" -c "$src/m3_core.c" -o "$out/obj/m3_core.o"

# the HAL reads CSRs: binutils 2.40 wants Zicsr named (not in -march for the
# link, where it would leave picolibc's rv32im multilib for the rv64 one)
$cc $common ${arch/rv32imc/rv32imc_zicsr} ${EXTRA_CFLAGS:-} -std=c99 -Wall -Wextra -Iboard/core -Iboard/rv32 \
  -c board/rv32/hal_rv32.c -o "$out/obj/hal_rv32.o"
# picolibc.ld reads these with DEFINED(): they must come before it
# (--defsym lands after the script, too late for its PROVIDEs)
cat > "$out/memory.ld" <<EOF
__flash = 0x80000000; __flash_size = 0x400000;
__ram = 0x80400000; __ram_size = $ram_cap;
__stack_size = $stack;
INCLUDE picolibc.ld
EOF
python3 board/posix/mkimage.py "$wasm" "$out/atmqtt.img" --c-array "$out/image.c" >/dev/null
$cc $common $knobs -Dd_m3FixedHeap="$heap" ${EXTRA_CFLAGS:-} -std=c99 -Wall -Wextra -I"$src" -Iboard/core -Iboard/rv32 \
  -DBOARD_MEMORY_LIMIT="$limit" -DBOARD_WASM_STACK="$wasm_stack" -DBOARD_HEAP_CAP="$heap" \
  -DCONSOLE_KEEP='__attribute__((section(".preserve")))' -DCONSOLE_CFG_BYTES=1024 -DCONSOLE_LINE_BYTES=600 \
  -DCONSOLE_STATS_BYTES=256 \
  -o "$out/atmqtt-rv32.elf" \
  board/rv32/main.c board/core/console.c board/core/io_table.c board/core/hal_nosock.c board/core/atmqtt_host.c "$out/obj/hal_rv32.o" "$out/image.c" "$out"/obj/m3_*.o \
  -Wl,--wrap=m3_Malloc,--wrap=m3_Realloc \
  -T "$out/memory.ld" \
  -Wl,-Map="$out/atmqtt-rv32.map"
riscv64-unknown-elf-size "$out/atmqtt-rv32.elf"
echo "# rv32 build: profile $profile ($wasm), memory limit $limit, d_m3FixedHeap=$heap, RAM cap $ram_cap, C stack $stack, wasm3 stack $wasm_stack"
