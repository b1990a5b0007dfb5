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
    "pin_mode": "i(ii)",
    "pin_read": "i(i)",
    "pin_write": "i(ii)",
    "adc_read": "i(i)",
    "i2c_xfer": "i(iiiii)",
}


# binaryen --instrument-memory reports every load and store through these
# (build/atmqtt-guarded.wasm); pywasm3 does not expose wasm3's memoryLimit,
# so the RAM guard checks each access against the budget here instead.
GUARD_PTR = ("load_ptr", "store_ptr")
GUARD_VAL = {"load_val_i32": "i(ii)", "load_val_i64": "I(iI)", "load_val_f32": "f(if)", "load_val_f64": "F(iF)",
             "store_val_i32": "i(ii)", "store_val_i64": "I(iI)", "store_val_f32": "f(if)", "store_val_f64": "F(iF)"}


class Bridge:
    def __init__(self, wasm_path, req_path, rsp_path, stack_bytes, ram_budget=None):
        # open order matches Node's: req first, then rsp
        self.req = open(req_path, "rb", buffering=0)
        self.rsp = open(rsp_path, "wb", buffering=0)
        self.env = wasm3.Environment()
        self.rt = self.env.new_runtime(stack_bytes)
        with open(wasm_path, "rb") as f:
            self.mod = self.env.parse_module(f.read())
        self.rt.load(self.mod)
        self.guard_error = None
        for name, sig in IMPORTS.items():
            try:
                self.mod.link_function("host", name, sig, self.forward(name))
            except RuntimeError:
                pass  # the module does not import it
        if ram_budget is not None:
            self.link_guard(ram_budget)
        self.functions = {}
        self.guard_error = None

    def link_guard(self, budget):
        def check(_id, size, offset, address):
            end = (address & 0xFFFFFFFF) + (offset & 0xFFFFFFFF) + size
            if end > budget:
                # pywasm3 reports only "function raised exception": keep the reason
                self.guard_error = "RAM guard: access to [%d, %d) past the %d-byte budget" % (end - size, end, budget)
                raise RuntimeError(self.guard_error)
            return address

        for name in GUARD_PTR:
            try:
                self.mod.link_function("env", name, "i(iiii)", check)
            except RuntimeError:
                pass
        for name, sig in GUARD_VAL.items():
            try:
                self.mod.link_function("env", name, sig, lambda _id, v: v)
            except RuntimeError:
                pass

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
            try:
                fn = self.functions.get(name)
                if fn is None:
                    # wasm3 0.5.0 runs the start function on the first lookup
                    fn = self.functions[name] = self.rt.find_function(name)
                result = fn(*args)
            except Exception as e:  # a trap, or the RAM guard inside an import
                reason = self.guard_error or str(e)
                self.guard_error = None
                self.send(OP_TRAP, reason.encode())
                continue
            self.send(OP_RET, struct.pack("<i", 0 if result is None else (result & 0xFFFFFFFF) - (1 << 32 if result & 0x80000000 else 0)))


if __name__ == "__main__":
    wasm_path, req_path, rsp_path = sys.argv[1:4]
    rest = sys.argv[4:]
    budget = None
    if "--ram-budget" in rest:
        budget = int(rest[rest.index("--ram-budget") + 1])
    Bridge(wasm_path, req_path, rsp_path, 64 * 1024, budget).run()
