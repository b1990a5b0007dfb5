# PlatformIO pre-script: wraps ../../build/atmqtt.wasm (npm run build:fw)
# into the atmqtt image and a C array of it (board/posix/mkimage.py) in
# ../../build/esp32/atmqtt_image.c, which image.c includes in env esp32dev-embed.
import os
import subprocess
import sys

Import("env")  # noqa: F821 (PlatformIO SCons)
project = env.subst("$PROJECT_DIR")  # noqa: F821
root = os.path.normpath(os.path.join(project, "..", ".."))
wasm = os.path.join(root, "build", "atmqtt.wasm")
out = os.path.join(root, "build", "esp32")
if not os.path.exists(wasm):
    sys.exit("gen_image.py: %s missing: run npm run build:fw first" % wasm)
os.makedirs(out, exist_ok=True)
img = os.path.join(out, "atmqtt.img")
subprocess.check_call([sys.executable, os.path.join(root, "board", "posix", "mkimage.py"), wasm, img,
                       "--c-array", os.path.join(out, "atmqtt_image.c")])
