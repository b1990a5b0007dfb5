/* The codec loops of build/bench-codec.wasm under the wasm3 0.5.0
 * interpreter, natively (the same wasm3 objects as board/posix's host):
 * what the module's codec costs on a wasm3 board, without any bridge.
 * usage: wasm3-codec FILE.wasm KIND ARG N   (KIND: pub LEN QOS | sub | ping)
 * prints: ops/s, from CLOCK_MONOTONIC around the one call */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "wasm3.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s FILE.wasm pub|sub|ping LEN QOS N\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    static unsigned char wasm[1 << 16];
    size_t len = fread(wasm, 1, sizeof wasm, f);
    fclose(f);
    const char *kind = argv[2];
    int plen = atoi(argv[3]), qos = atoi(argv[4]), n = argc > 5 ? atoi(argv[5]) : 100000;
    IM3Environment env = m3_NewEnvironment();
    IM3Runtime rt = m3_NewRuntime(env, 64 * 1024, NULL);
    IM3Module mod;
    M3Result r = m3_ParseModule(env, &mod, wasm, (uint32_t)len);
    if (!r) r = m3_LoadModule(rt, mod);
    if (r) { fprintf(stderr, "wasm3: %s\n", r); return 1; }
    IM3Function fn;
    const char *name = strcmp(kind, "pub") == 0 ? "publishLoop" : strcmp(kind, "sub") == 0 ? "subscribeLoop" : "pingLoop";
    if ((r = m3_FindFunction(&fn, rt, name))) { fprintf(stderr, "wasm3: %s: %s\n", name, r); return 1; }
    /* one short call first: wasm3 compiles functions lazily */
    double t0 = now_s();
    if (strcmp(kind, "pub") == 0) r = m3_CallV(fn, plen, qos, 10); else r = m3_CallV(fn, 10);
    if (r) { fprintf(stderr, "wasm3: call: %s\n", r); return 1; }
    t0 = now_s();
    if (strcmp(kind, "pub") == 0) r = m3_CallV(fn, plen, qos, n); else r = m3_CallV(fn, n);
    double t = now_s() - t0;
    int32_t sum = 0;
    if (!r) r = m3_GetResultsV(fn, &sum);
    if (r) { fprintf(stderr, "wasm3: call: %s\n", r); return 1; }
    if (sum < 0) { fprintf(stderr, "codec error %d\n", sum); return 1; }
    printf("%.0f\n", n / t);
    return 0;
}
