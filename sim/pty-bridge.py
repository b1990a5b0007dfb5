#!/usr/bin/env python3
# `atmqtt modem --pty`: a pseudo-terminal for the emulated modem (Node has
# no openpty of its own). Prints the terminal's path as the first line on
# stdout, then relays bytes: what the device writes to the terminal comes
# out on stdout, what comes in on stdin goes to the device. The device end
# stays open here too, so a device that closes the port and opens it again
# finds the same terminal (the master never reads EIO).
# The rate the device sets on the terminal (tcsetattr, as serialport does)
# is written to fd 3 as a line "<baud>", when it changes: a terminal carries
# no bits, but the emulator garbles a mismatch as a real UART would.
# argv[1]: the terminal's rate at the start (the emulator's).
import os
import select
import sys
import termios
import tty
import pty

RATES = {getattr(termios, "B%d" % b): b for b in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600) if hasattr(termios, "B%d" % b)}
master, slave = pty.openpty()
tty.setraw(slave)
start = int(sys.argv[1]) if len(sys.argv) > 1 else 115200
attrs = termios.tcgetattr(slave)
code = {v: k for k, v in RATES.items()}.get(start)
if code is not None:
    attrs[4] = attrs[5] = code
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
speed = termios.tcgetattr(slave)[5]
os.write(1, (os.ttyname(slave) + "\n").encode())
os.set_blocking(master, False)
out = b""  # bytes for the device not yet taken by the terminal
stdin_open = True
while stdin_open or out:
    rd = [master] + ([0] if stdin_open and len(out) < 65536 else [])
    wr = [master] if out else []
    r, w, _ = select.select(rd, wr, [], 0.02)
    now = termios.tcgetattr(slave)[5]
    if now != speed:
        speed = now
        if now in RATES:
            os.write(3, ("%d\n" % RATES[now]).encode())
    if 0 in r:
        d = os.read(0, 4096)
        if not d:
            stdin_open = False
        out += d
    if master in w and out:
        try:
            n = os.write(master, out)
            out = out[n:]
        except BlockingIOError:
            pass
    if master in r:
        try:
            d = os.read(master, 4096)
        except (BlockingIOError, OSError):
            d = b""
        if d:
            os.write(1, d)
sys.exit(0)
