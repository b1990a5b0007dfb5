#!/usr/bin/env bash
# Installs what the tests use, when it is missing: pywasm3 from PyPI (the
# wasm3 interpreter) and, from Debian, Mosquitto (a real broker to test
# against), wabt (wasm-validate, wat2wasm), a C compiler and the ESP8266 and
# AVR cross compilers.
set -euo pipefail
# wasm3 0.5.0, the interpreter the boards run, from PyPI (built from its sdist)
if ! python3 -c 'import wasm3' 2>/dev/null; then
  echo "installing pywasm3 0.5.0 (PyPI)" >&2
  python3 -m pip install --quiet pywasm3==0.5.0 ||
    python3 -m pip install --quiet --break-system-packages pywasm3==0.5.0
fi

need=()
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto mosquitto-clients)
command -v wasm-validate >/dev/null || need+=(wabt)
command -v mkfifo >/dev/null || need+=(coreutils)
command -v cc >/dev/null || need+=(build-essential)
# the TLS tests make a throwaway CA and server certificates with the openssl CLI
command -v openssl >/dev/null || need+=(openssl)
# cross compilers for the board size reports (ESP8266, ATmega1284P)
command -v xtensa-lx106-elf-gcc >/dev/null || need+=(gcc-xtensa-lx106 binutils-xtensa-lx106 picolibc-xtensa-lx106-elf)
command -v avr-gcc >/dev/null || need+=(gcc-avr binutils-avr avr-libc)
# the boards' CPUs under emulation (tests/boards): simavr for the ATmega1284P
# (with its library, for our harness), QEMU for lx106 and rv32, and the rv32 compiler
command -v simavr >/dev/null || need+=(simavr)
[ -f /usr/include/simavr/sim_avr.h ] || need+=(libsimavr-dev libelf-dev pkg-config)
command -v qemu-system-xtensa >/dev/null || need+=(qemu-system-misc)
# the lx106 image's libc; the AOT boards' translator
[ -f /usr/lib/xtensa-lx106-elf/picolibc.specs ] || need+=(picolibc-xtensa-lx106-elf)
command -v wasm2c >/dev/null || need+=(wabt)
command -v qemu-system-riscv32 >/dev/null || need+=(qemu-system-misc)
command -v riscv64-unknown-elf-gcc >/dev/null || need+=(gcc-riscv64-unknown-elf)
[ -d /usr/lib/picolibc/riscv64-unknown-elf ] || need+=(picolibc-riscv64-unknown-elf)
# the dashboard's tests drive Debian's Chromium (playwright-core, no browser download)
command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# The mosquitto package starts a system broker; the tests start their own
# and must not stop anyone else's. Where no policy is set, keep the package
# scripts from starting services during this install (policy-rc.d 101:
# action forbidden), and remove that policy again afterwards.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# written by atmqtt scripts/deps.sh for one apt-get install\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  own_policy=1
fi
status=0
$sudo apt-get install -y -q --no-install-recommends "${need[@]}" || status=$?
[ -n "$own_policy" ] && $sudo rm -f "$policy"
exit $status
