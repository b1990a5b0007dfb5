#!/usr/bin/env bash
# Installs what the tests use, when it is missing: pywasm3 from PyPI (the
# wasm3 interpreter) and, from Debian, Mosquitto (a real broker to test
# against), wabt (wasm-validate, wat2wasm), a C compiler and the ESP8266 and
# AVR cross compilers, and the
# RISC-V one with QEMU for the rv32-qemu board.
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
# the rv32-qemu board: an ESP32-C3-class core (rv32imc) in QEMU's riscv32 virt
command -v qemu-system-riscv32 >/dev/null || need+=(qemu-system-misc)
command -v riscv64-unknown-elf-gcc >/dev/null || need+=(gcc-riscv64-unknown-elf)
[ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] || need+=(picolibc-riscv64-unknown-elf)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${need[@]}"
# the package may start a system broker; the tests start their own
$sudo pkill -x mosquitto 2>/dev/null || true
