#!/usr/bin/env python3
# `atmqtt modem --pty`: a pseudo-terminal for the emulated modem (Node has
# no openpty of its own). Prints the terminal's path as the first line on
# stdout, then relays bytes: what the device writes to the terminal comes
# out on stdout, what comes in on stdin goes to the device. The device end
# stays open here too, so a device that closes the port and opens it again
# finds the same terminal (the master never reads EIO).
import os
import select
import sys
import tty
import pty

master, slave = pty.openpty()
tty.setraw(slave)
os.write(1, (os.ttyname(slave) + "\n").encode())
os.set_blocking(master, False)
out = b""  # bytes for the device not yet taken by the terminal
stdin_open = True
while stdin_open or out:
    rd = [master] + ([0] if stdin_open and len(out) < 65536 else [])
    wr = [master] if out else []
    r, w, _ = select.select(rd, wr, [])
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
