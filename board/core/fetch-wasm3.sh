# Sourced by the board build scripts: puts wasm3 0.5.0's C sources in
# build/wasm3-src, from PyPI's pywasm3 0.5.0 sdist (fetched once into
# build/dl). They are never kept in this repository. Sets $src.
src=build/wasm3-src
if [ ! -f "$src/wasm3.h" ]; then
  mkdir -p build/dl
  [ -f build/dl/pywasm3-0.5.0.tar.gz ] ||
    python3 -m pip download --quiet --no-deps --no-binary :all: pywasm3==0.5.0 -d build/dl
  rm -rf build/wasm3-src.tmp && mkdir -p build/wasm3-src.tmp
  tar xzf build/dl/pywasm3-0.5.0.tar.gz -C build/wasm3-src.tmp
  rm -rf "$src" && mv build/wasm3-src.tmp/pywasm3-0.5.0/wasm3 "$src" && rm -rf build/wasm3-src.tmp
fi
