"""Runs build/atmqtt.wasm in the real wasm3 interpreter (PyPI pywasm3 0.5.0)
for the Node simulator, which keeps the one implementation of the ABI
(sockets, modems, brokers): every import the module makes is forwarded to
Node, and Node reaches the module's memory and exports through here.

Wire format on two FIFOs (Node writes `req`, reads `rsp`), both ways the same:
frame = u32 LE length, u8 op, body.
  Node -> here: CALL name args   -> here answers RET value | TRAP text
                READ ptr len     -> DATA bytes
                WRITE ptr bytes  (no answer)
  here -> Node: IMPORT name args -> Node answers RESULT value, and may send
                READ / WRITE first while it runs the import.
Calls are synchronous on both sides, as they are in V8.
"""

import struct
import sys

import wasm3

OP_CALL, OP_RET, OP_IMPORT, OP_RESULT, OP_TRAP, OP_READ, OP_DATA, OP_WRITE = range(1, 9)

# The imports of board/ABI.md and their wasm3 signatures.
IMPORTS = {
    "millis": "i()",
    "uart_write": "i(ii)",
    "uart_read": "i(ii)",
    "uart_set_baud": "v(i)",
    "gpio_write": "v(ii)",
    "sock_open": "i(iiii)",
    "sock_write": "i(iii)",
    "sock_read": "i(iii)",
    "sock_state": "i(i)",
    "sock_close": "v(i)",
    "random_fill": "v(ii)",
    "log": "v(iii)",
    "config_read": "i(iii)",
    "event": "v(iiiii)",
    "message": "v(iiiii)",
}


class Bridge:
    def __init__(self, wasm_path, req_path, rsp_path, stack_bytes):
        # open order matches Node's: req first, then rsp
        self.req = open(req_path, "rb", buffering=0)
        self.rsp = open(rsp_path, "wb", buffering=0)
        self.env = wasm3.Environment()
        self.rt = self.env.new_runtime(stack_bytes)
        with open(wasm_path, "rb") as f:
            self.mod = self.env.parse_module(f.read())
        self.rt.load(self.mod)
        for name, sig in IMPORTS.items():
            try:
                self.mod.link_function("host", name, sig, self.forward(name))
            except RuntimeError:
                pass  # the module does not import it
        self.functions = {}

    # ---- framing ----
    def read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.req.read(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def recv(self):
        (n,) = struct.unpack("<I", self.read_exact(4))
        body = self.read_exact(n)
        return body[0], body[1:]

    def send(self, op, body=b""):
        self.rsp.write(struct.pack("<IB", len(body) + 1, op) + body)

    # ---- memory ----
    def memory(self):
        return self.rt.get_memory(0)

    def serve_memory(self, op, body):
        """Answers READ / WRITE; False for anything else."""
        if op == OP_READ:
            ptr, n = struct.unpack("<II", body)
            self.send(OP_DATA, bytes(self.memory()[ptr:ptr + n]))
            return True
        if op == OP_WRITE:
            (ptr,) = struct.unpack("<I", body[:4])
            data = body[4:]
            self.memory()[ptr:ptr + len(data)] = data
            return True
        return False

    # ---- imports ----
    def forward(self, name):
        encoded = name.encode()

        def call(*args):
            self.send(OP_IMPORT, bytes([len(encoded)]) + encoded + struct.pack("<B%di" % len(args), len(args), *args))
            while True:
                op, body = self.recv()
                if op == OP_RESULT:
                    return struct.unpack("<i", body)[0]
                if not self.serve_memory(op, body):
                    raise RuntimeError("bridge: unexpected op %d inside import %s" % (op, name))

        return call

    # ---- the main loop: Node's calls ----
    def run(self):
        while True:
            try:
                op, body = self.recv()
            except EOFError:
                return
            if self.serve_memory(op, body):
                continue
            if op != OP_CALL:
                raise RuntimeError("bridge: unexpected op %d" % op)
            n = body[0]
            name = body[1:1 + n].decode()
            (argc,) = struct.unpack("<B", body[1 + n:2 + n])
            args = struct.unpack("<%di" % argc, body[2 + n:2 + n + 4 * argc])
            fn = self.functions.get(name)
            if fn is None:
                fn = self.functions[name] = self.rt.find_function(name)
            try:
                result = fn(*args)
            except RuntimeError as e:
                self.send(OP_TRAP, str(e).encode())
                continue
            self.send(OP_RET, struct.pack("<i", 0 if result is None else (result & 0xFFFFFFFF) - (1 << 32 if result & 0x80000000 else 0)))


if __name__ == "__main__":
    wasm_path, req_path, rsp_path = sys.argv[1:4]
    stack = int(sys.argv[4]) if len(sys.argv) > 4 else 64 * 1024
    Bridge(wasm_path, req_path, rsp_path, stack).run()
