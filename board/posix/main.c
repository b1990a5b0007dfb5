/* atmqtt-native: the atmqtt firmware image in wasm3 on a POSIX machine,
 * with the line protocol of `atmqtt sim` (commands on stdin, one JSON
 * event a line on stdout). */
#define _POSIX_C_SOURCE 200809L
#include "atmqtt_host.h"
#include "hal.h"
#include "hal_posix.h"
#include "io_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>

static const char USAGE[] =
    "usage: atmqtt-native --broker mqtt://host:port [--image build/atmqtt.img]\n"
    "  [--client-id ID] [--username U] [--password P] [--keepalive S] [--clean|--no-clean]\n"
    "  [--will-topic T --will-payload P --will-qos N --will-retain]\n"
    "  [--telemetry S] [--telemetry-topic T]\n"
    "  [--link socket|sim800|sim900|esp-at --uart HOST:PORT [--baud N] [--apn A] [--ssid S --wifi-password W]]\n"
    "  [--memory-limit BYTES (16384)] [--stack BYTES (32768)] [--stay] [--trace] [--stats]\n"
    "stdin commands: sub FILTER QOS | unsub FILTER | pub TOPIC QOS RETAIN PAYLOAD...\n"
    "  | disconnect | connect | quit\n"
    "  | set pin N 0|1 | set adc CH VALUE | set i2c ADDR HEX  (an app's inputs; outputs are pin events)\n"
    "  | call EXPORT [ARGS...]  (an i32 export of the module, up to 4 i32 arguments: a result event)\n";

static atmqtt_core core;
static int stay, stats, finishing, drain, stdin_open = 1;
static uint32_t finish_t0;
static volatile sig_atomic_t got_signal;

static void emit_error(const char *code, const char *message)
{
    char buf[1024];
    int pos = snprintf(buf, sizeof buf, "{\"event\":\"error\",\"code\":\"%s\",\"message\":", code);
    pos = hal_posix_json_string(buf, sizeof buf, pos, (const uint8_t *)message, (int32_t)strlen(message), NULL);
    snprintf(buf + pos, sizeof buf - (size_t)pos, "}");
    hal_posix_emit(buf);
}

static void fail(const char *message)
{
    emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), message);
    fputs(USAGE, stderr);
    exit(2);
}

static void report(int32_t code, const char *what, const char *arg)
{
    char nb[24], msg[400];
    if (code >= 0) return;
    if (code <= ATMQTT_E_IMAGE) { snprintf(msg, sizeof msg, "%s %s: the module is not running", what, arg); emit_error("internal", msg); return; }
    snprintf(msg, sizeof msg, "%s %s refused", what, arg);
    emit_error(hal_posix_error_name(code, nb, sizeof nb), msg);
}

static void start_finish(int with_drain)
{
    if (finishing) return;
    finishing = 1;
    drain = with_drain;
    finish_t0 = hal_millis();
}

static void command(char *line)
{
    char *argv[6] = { NULL, NULL, NULL, NULL, NULL, NULL }, *save = NULL, *rest;
    uint8_t *buf;
    int32_t size, r;
    int argc = 0;
    size_t n;
    while (*line == ' ' || *line == '\t') line++;
    n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = 0;
    if (!*line || *line == '#') return;
    if (strncmp(line, "pub", 3) == 0 && (line[3] == ' ' || line[3] == '\t')) {
        /* pub TOPIC QOS RETAIN PAYLOAD... (the payload keeps its spaces) */
        char *p = line + 4, *topic, *end;
        size_t tl, pl;
        int qos, retain;
        while (*p == ' ' || *p == '\t') p++;
        topic = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        tl = (size_t)(p - topic);
        while (*p == ' ' || *p == '\t') p++;
        if (!tl || (p[0] < '0' || p[0] > '2') || (p[1] != ' ' && p[1] != '\t')) goto bad_pub;
        qos = p[0] - '0';
        p += 2;
        while (*p == ' ' || *p == '\t') p++;
        if ((p[0] != '0' && p[0] != '1') || (p[1] && p[1] != ' ' && p[1] != '\t')) goto bad_pub;
        retain = p[0] - '0';
        end = p[1] ? p + 2 : p + 1;
        pl = strlen(end);
        if ((r = atmqtt_api_buffer(&core, &buf, &size)) != ATMQTT_OK) { report(r, "pub", ""); return; }
        if (tl + pl > (size_t)size) { emit_error(atmqtt_error_name(ATMQTT_ERR_PACKET_TOO_LARGE), "pub: topic and payload exceed the API buffer"); return; }
        memcpy(buf, topic, tl);
        memcpy(buf + tl, end, pl);
        topic[tl] = 0;
        report(atmqtt_publish(&core, (int32_t)tl, (int32_t)pl, qos, retain), "pub", topic);
        return;
    bad_pub:
        emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), "pub TOPIC QOS RETAIN PAYLOAD...");
        return;
    }
    for (rest = strtok_r(line, " \t", &save); rest && argc < 6; rest = strtok_r(NULL, " \t", &save)) argv[argc++] = rest;
    if (!strcmp(argv[0], "sub")) {
        int qos = argc > 2 ? atoi(argv[2]) : 0;
        if (argc < 2 || qos < 0 || qos > 2 || (argc > 2 && (argv[2][0] < '0' || argv[2][0] > '2' || argv[2][1]))) { emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), "sub FILTER QOS"); return; }
        n = strlen(argv[1]);
        if ((r = atmqtt_api_buffer(&core, &buf, &size)) != ATMQTT_OK) { report(r, "sub", argv[1]); return; }
        if (n + 3 > (size_t)size || n > 65535) { emit_error(atmqtt_error_name(ATMQTT_ERR_PACKET_TOO_LARGE), "sub: filter exceeds the API buffer"); return; }
        buf[0] = (uint8_t)(n >> 8); buf[1] = (uint8_t)n;
        memcpy(buf + 2, argv[1], n);
        buf[2 + n] = (uint8_t)qos;
        report(atmqtt_subscribe(&core, (int32_t)(n + 3)), "sub", argv[1]);
    } else if (!strcmp(argv[0], "unsub")) {
        if (argc < 2) { emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), "unsub FILTER"); return; }
        n = strlen(argv[1]);
        if ((r = atmqtt_api_buffer(&core, &buf, &size)) != ATMQTT_OK) { report(r, "unsub", argv[1]); return; }
        if (n + 2 > (size_t)size || n > 65535) { emit_error(atmqtt_error_name(ATMQTT_ERR_PACKET_TOO_LARGE), "unsub: filter exceeds the API buffer"); return; }
        buf[0] = (uint8_t)(n >> 8); buf[1] = (uint8_t)n;
        memcpy(buf + 2, argv[1], n);
        report(atmqtt_unsubscribe(&core, (int32_t)(n + 2)), "unsub", argv[1]);
    } else if (!strcmp(argv[0], "disconnect")) {
        atmqtt_disconnect(&core);
    } else if (!strcmp(argv[0], "connect")) {
        atmqtt_connect(&core);
    } else if (!strcmp(argv[0], "set")) {
        const char *bad = io_table_set(argv[1], argv[2], argv[3]);
        if (bad) emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), bad);
    } else if (!strcmp(argv[0], "call")) {
        int32_t args[4], v = 0;
        char ev[200];
        int k;
        if (argc < 2 || strspn(argv[1], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(argv[1])) { emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), "call EXPORT [ARGS...]"); return; }
        for (k = 2; k < argc; k++) args[k - 2] = (int32_t)strtol(argv[k], NULL, 0);
        r = atmqtt_call(&core, argv[1], argc - 2, args, &v);
        if (r == ATMQTT_E_WASM3) { snprintf(ev, sizeof ev, "call %.64s: no such export taking %d i32 arguments", argv[1], argc - 2); emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), ev); return; }
        if (r != ATMQTT_OK) { report(r, "call", argv[1]); return; }
        snprintf(ev, sizeof ev, "{\"event\":\"result\",\"call\":\"%.64s\",\"value\":%ld}", argv[1], (long)v);
        hal_posix_emit(ev);
    } else if (!strcmp(argv[0], "quit")) {
        start_finish(0);
    } else {
        char msg[128];
        snprintf(msg, sizeof msg, "unknown command %.64s", argv[0]);
        emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), msg);
    }
}

static char inbuf[4096];
static size_t inlen;

static void on_stdin(void)
{
    ssize_t n = read(0, inbuf + inlen, sizeof inbuf - 1 - inlen);
    size_t start = 0, i;
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        /* end of input: the last unterminated line, then finish as `atmqtt sim` does */
        if (inlen) { inbuf[inlen] = 0; inlen = 0; command(inbuf); }
        stdin_open = 0;
        hal_posix_watch_fd(-1, NULL);
        if (!stay) start_finish(1);
        return;
    }
    inlen += (size_t)n;
    for (i = 0; i < inlen; i++) {
        if (inbuf[i] == '\n') {
            inbuf[i] = 0;
            command(inbuf + start);
            start = i + 1;
            if (finishing && !drain) break;
        }
    }
    if (start) { memmove(inbuf, inbuf + start, inlen - start); inlen -= start; }
    if (inlen == sizeof inbuf - 1) { inlen = 0; emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), "command line too long"); }
}

static void on_signal(int s) { (void)s; got_signal = 1; }

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

static void print_stats(void)
{
    uint32_t size = 0, last = 0, i;
    uint8_t *mem = atmqtt_memory(&core, &size);
    if (!mem) { fprintf(stderr, "stats: module not running\n"); return; }
    for (i = 0; i < size; i++) if (mem[i]) last = i + 1;
    fprintf(stderr, "stats: linear memory %lu bytes allocated (limit %lu), high-water %lu bytes (last non-zero byte at 0x%lx); "
            "published %ld received %ld bytes out %ld bytes in %ld reconnects %ld traps %lu\n",
            (unsigned long)size, (unsigned long)core.memory_limit, (unsigned long)last, (unsigned long)(last ? last - 1 : 0),
            (long)atmqtt_counter(&core, 0), (long)atmqtt_counter(&core, 1), (long)atmqtt_counter(&core, 2),
            (long)atmqtt_counter(&core, 3), (long)atmqtt_counter(&core, 4), (unsigned long)core.traps);
}

static long number(char **argv, int i, long lo, long hi)
{
    char *end, msg[160];
    long v;
    if (!argv[i + 1]) { snprintf(msg, sizeof msg, "%s needs a value", argv[i]); fail(msg); }
    v = strtol(argv[i + 1], &end, 10);
    if (*end || end == argv[i + 1] || v < lo || v > hi) {
        snprintf(msg, sizeof msg, "%s wants a number %ld..%ld, got %.40s", argv[i], lo, hi, argv[i + 1]);
        fail(msg);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *image_path = "build/atmqtt.img";
    uint8_t *image;
    size_t image_len = 0;
    int i, r;
    struct { const char *flag; int key; int numeric; long lo, hi; } opts[] = {
        { "--broker", ATMQTT_KEY_URL, 0, 0, 0 },
        { "--client-id", ATMQTT_KEY_CLIENT_ID, 0, 0, 0 },
        { "--username", ATMQTT_KEY_USERNAME, 0, 0, 0 },
        { "--password", ATMQTT_KEY_PASSWORD, 0, 0, 0 },
        { "--keepalive", ATMQTT_KEY_KEEPALIVE, 1, 0, 65535 },
        { "--will-topic", ATMQTT_KEY_WILL_TOPIC, 0, 0, 0 },
        { "--will-payload", ATMQTT_KEY_WILL_PAYLOAD, 0, 0, 0 },
        { "--will-qos", ATMQTT_KEY_WILL_QOS, 1, 0, 2 },
        { "--telemetry", ATMQTT_KEY_TELEMETRY_S, 1, 0, 86400 },
        { "--telemetry-topic", ATMQTT_KEY_TELEMETRY_TOPIC, 0, 0, 0 },
        { "--link", ATMQTT_KEY_LINK, 0, 0, 0 },
        { "--baud", ATMQTT_KEY_BAUD, 1, 1200, 921600 },
        { "--apn", ATMQTT_KEY_APN, 0, 0, 0 },
        { "--ssid", ATMQTT_KEY_SSID, 0, 0, 0 },
        { "--wifi-password", ATMQTT_KEY_WIFI_PASSWORD, 0, 0, 0 },
    };
    const char *uart = NULL;

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (i = 1; i < argc; i++) {
        const char *k = argv[i];
        size_t o;
        int matched = 0;
        for (o = 0; o < sizeof opts / sizeof opts[0]; o++) {
            if (strcmp(k, opts[o].flag)) continue;
            if (!argv[i + 1]) { char msg[80]; snprintf(msg, sizeof msg, "%s needs a value", k); fail(msg); }
            if (opts[o].numeric) number(argv, i, opts[o].lo, opts[o].hi);
            hal_posix_config[opts[o].key] = argv[++i];
            matched = 1;
            break;
        }
        if (matched) continue;
        if (!strcmp(k, "--clean")) hal_posix_config[ATMQTT_KEY_CLEAN] = "1";
        else if (!strcmp(k, "--no-clean")) hal_posix_config[ATMQTT_KEY_CLEAN] = "0";
        else if (!strcmp(k, "--will-retain")) hal_posix_config[ATMQTT_KEY_WILL_RETAIN] = "1";
        else if (!strcmp(k, "--image")) { if (!argv[i + 1]) fail("--image needs a value"); image_path = argv[++i]; }
        else if (!strcmp(k, "--memory-limit")) { core.memory_limit = (uint32_t)number(argv, i, 1024, 65536); i++; }
        else if (!strcmp(k, "--stack")) { core.stack_bytes = (uint32_t)number(argv, i, 1024, 1 << 24); i++; }
        else if (!strcmp(k, "--stay")) stay = 1;
        else if (!strcmp(k, "--uart")) { if (!argv[i + 1]) fail("--uart needs HOST:PORT"); uart = argv[++i]; }
        else if (!strcmp(k, "--trace")) hal_posix_log_level = 4;
        else if (!strcmp(k, "--stats")) stats = 1;
        else if (!strcmp(k, "-h") || !strcmp(k, "--help")) { fputs(USAGE, stdout); return 0; }
        else { char msg[160]; snprintf(msg, sizeof msg, "unknown argument %.100s", k); fail(msg); }
    }
    if (!hal_posix_config[ATMQTT_KEY_URL]) fail("--broker mqtt://host:port is required");
    if (!hal_posix_config[ATMQTT_KEY_WILL_TOPIC] && (hal_posix_config[ATMQTT_KEY_WILL_PAYLOAD] || hal_posix_config[ATMQTT_KEY_WILL_QOS] || hal_posix_config[ATMQTT_KEY_WILL_RETAIN]))
        fail("--will-payload, --will-qos and --will-retain need --will-topic");

    if (uart) {
        /* the modem's UART, served by the simulator: atmqtt modem --listen PORT */
        static char host[128];
        const char *colon = strrchr(uart, ':');
        if (!colon || colon == uart || (size_t)(colon - uart) >= sizeof host) fail("--uart wants HOST:PORT");
        memcpy(host, uart, (size_t)(colon - uart));
        host[colon - uart] = 0;
        if (hal_posix_uart_connect(host, colon + 1) != 0) {
            emit_error(atmqtt_error_name(ATMQTT_ERR_LINK_OPEN_FAILED), "cannot reach the modem given by --uart");
            return 2;
        }
    }
    image = read_file(image_path, &image_len);
    if (!image) {
        char msg[300];
        snprintf(msg, sizeof msg, "cannot read the image %.200s: %s", image_path, strerror(errno));
        emit_error(atmqtt_error_name(ATMQTT_ERR_BAD_ARGUMENT), msg);
        return 2;
    }
    r = atmqtt_start(&core, image, image_len);
    if (r == ATMQTT_E_IMAGE) { emit_error("bad-image", "the image is corrupt, not loading"); return 3; }
    if (r == ATMQTT_E_WASM3) { emit_error("internal", "wasm3 refused the module"); return 4; }
    if (r == ATMQTT_E_SETUP) {
        char nb[24];
        emit_error(hal_posix_error_name(core.setup_result, nb, sizeof nb), "setup refused the configuration");
        return 2;
    }
    hal_posix_watch_fd(0, on_stdin);

    for (;;) {
        uint32_t ms = atmqtt_step(&core);
        if (got_signal) start_finish(0);
        if (finishing) {
            uint32_t el = hal_millis() - finish_t0;
            if (drain && (atmqtt_pending(&core) <= 0 || el > 15000)) { drain = 0; finish_t0 = hal_millis(); el = 0; }
            if (!drain) {
                static int sent;
                int32_t st = atmqtt_state(&core);
                if (st == 4 && !sent) { sent = 1; atmqtt_disconnect(&core); }
                else if ((st != 4 && st != 5) || el > 2000) break;
            }
            if (ms > 10) ms = 10;
        }
        hal_sleep(ms);
    }
    if (stats) print_stats();
    return 0;
}
