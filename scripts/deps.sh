#!/usr/bin/env bash
# Installs what the tests use, when it is missing: pywasm3 from PyPI (the
# wasm3 interpreter) and, from Debian, Mosquitto (a real broker to test
# against), wabt (wasm-validate, wat2wasm, wasm2c), a C compiler, the ESP8266
# and AVR cross compilers, and simavr + libsimavr-dev (the AVR emulator).
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
# the ATmega1284P image runs in simavr through our harness on libsimavr
command -v simavr >/dev/null || need+=(simavr)
[ -f /usr/include/simavr/sim_avr.h ] || need+=(libsimavr-dev)
command -v wasm2c >/dev/null || need+=(wabt)
# the lx106 image runs in QEMU's lx60 board; its libc is picolibc's
command -v qemu-system-xtensa >/dev/null || need+=(qemu-system-misc)
[ -f /usr/lib/xtensa-lx106-elf/picolibc.specs ] || need+=(picolibc-xtensa-lx106-elf)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${need[@]}"
# the package may start a system broker; the tests start their own
$sudo pkill -x mosquitto 2>/dev/null || true
