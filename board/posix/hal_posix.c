/* POSIX HAL for the atmqtt host core: clock_gettime, non-blocking BSD
 * sockets, /dev/urandom, log on stderr, config from main.c, events and
 * messages as JSON lines on stdout (the shapes `atmqtt sim` prints). */
#define _POSIX_C_SOURCE 200809L
#include "hal.h"
#include "atmqtt_abi.h" /* error names and texts, generated */
#include "hal_posix.h"
#include "io_table.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

const char *hal_posix_config[HAL_CONFIG_KEYS];
int hal_posix_log_level = 2;

static int watch_fd = -1;
static void (*watch_cb)(void);

void hal_posix_watch_fd(int fd, void (*cb)(void)) { watch_fd = fd; watch_cb = cb; }

/* ---- time ---- */

uint32_t hal_millis(void)
{
    static int have_t0;
    static struct timespec t0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (!have_t0) { t0 = t; have_t0 = 1; }
    return (uint32_t)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
}

/* ---- UART / GPIO: over TCP to the simulator's modem (`atmqtt modem`) ----
 * Toward the modem every message is framed, so pins and baud rate travel
 * with the bytes: [kind u8][len u16 BE][data]; kind 0 UART bytes, 1 GPIO
 * (pin, level), 2 baud (u32 BE). From the modem come plain UART bytes. */

static int uart_fd = -1;

int hal_posix_uart_connect(const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL;
    int fd, one = 1;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return -1;
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    uart_fd = fd;
    return 0;
}

/* Sends one whole frame (the modem side reads frames whole); 0 if it cannot now. */
static int uart_frame(uint8_t kind, const uint8_t *p, int32_t len)
{
    uint8_t buf[3 + 512];
    ssize_t w;
    if (uart_fd < 0 || len > 512) return 0;
    buf[0] = kind;
    buf[1] = (uint8_t)(len >> 8);
    buf[2] = (uint8_t)len;
    memcpy(buf + 3, p, (size_t)len);
    w = send(uart_fd, buf, (size_t)len + 3, MSG_NOSIGNAL);
    /* loopback: a short write of a few hundred bytes does not happen in practice */
    return w == (ssize_t)len + 3;
}

int32_t hal_uart_write(const uint8_t *p, int32_t len)
{
    if (len > 512) len = 512;
    return uart_frame(0, p, len) ? len : 0;
}

int32_t hal_uart_read(uint8_t *p, int32_t max)
{
    ssize_t r;
    if (uart_fd < 0 || max <= 0) return 0;
    r = recv(uart_fd, p, (size_t)max, 0);
    return r > 0 ? (int32_t)r : 0;
}

void hal_uart_set_baud(int32_t baud)
{
    uint8_t b[4] = { (uint8_t)(baud >> 24), (uint8_t)(baud >> 16), (uint8_t)(baud >> 8), (uint8_t)baud };
    uart_frame(2, b, 4);
}

void hal_gpio_write(int32_t pin, int32_t level)
{
    uint8_t b[2] = { (uint8_t)pin, (uint8_t)level };
    uart_frame(1, b, 2);
}

/* ---- board I/O: a pin table (io_table.c); outputs as pin events, inputs
 * from stdin `set pin|adc|i2c` (main.c) ---- */

static void pin_event(int32_t pin, int32_t level)
{
    char buf[64];
    snprintf(buf, sizeof buf, "{\"event\":\"pin\",\"pin\":%ld,\"value\":%ld}", (long)pin, (long)level);
    hal_posix_emit(buf);
}

int32_t hal_pin_mode(int32_t pin, int32_t mode) { io_table_on_pin = pin_event; return io_table_pin_mode(pin, mode); }
int32_t hal_pin_read(int32_t pin) { return io_table_pin_read(pin); }
int32_t hal_pin_write(int32_t pin, int32_t level) { io_table_on_pin = pin_event; return io_table_pin_write(pin, level); }
int32_t hal_adc_read(int32_t channel) { return io_table_adc_read(channel); }
int32_t hal_i2c_xfer(int32_t addr, const uint8_t *w, int32_t wlen, uint8_t *r, int32_t rlen)
{ return io_table_i2c_xfer(addr, w, wlen, r, rlen); }

/* ---- sockets ---- */

#define NSOCK 4
static struct { int fd; int state; } socks[NSOCK]; /* fd 0 = free (stored +1) */

static int sock_fd(int32_t h) { return (h >= 1 && h <= NSOCK && socks[h - 1].fd) ? socks[h - 1].fd - 1 : -1; }

int32_t hal_sock_open(const char *host, int32_t host_len, int32_t port, int32_t flags)
{
    char name[256], service[16];
    struct addrinfo hints, *res = NULL, *ai;
    int i, fd = -1, one = 1;
    if (flags & 1) {
        /* no TLS library linked here: refuse, never fall back to plaintext */
        static const char msg[] = "tls: not supported by atmqtt-native (no TLS library linked); mqtts:// and wss:// need atmqtt sim or a board with TLS";
        hal_log(1, msg, (int32_t)(sizeof msg - 1));
        return ATMQTT_ERR_UNSUPPORTED;
    }
    if (host_len <= 0 || host_len >= (int32_t)sizeof name || port <= 0 || port > 65535) return ATMQTT_ERR_LINK_OPEN_FAILED;
    for (i = 0; i < NSOCK && socks[i].fd; i++) {}
    if (i == NSOCK) return ATMQTT_ERR_NO_SLOT;
    memcpy(name, host, (size_t)host_len);
    name[host_len] = 0;
    snprintf(service, sizeof service, "%d", (int)port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(name, service, &hints, &res) != 0 || !res) return ATMQTT_ERR_LINK_OPEN_FAILED; /* blocks: fine on a PC */
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) continue;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#ifdef SO_NOSIGPIPE
        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) { socks[i].state = 1; break; }
        if (errno == EINPROGRESS) { socks[i].state = 0; break; }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return ATMQTT_ERR_LINK_OPEN_FAILED;
    socks[i].fd = fd + 1;
    return i + 1;
}

int32_t hal_sock_state(int32_t h)
{
    int fd = sock_fd(h);
    if (fd < 0) return -1;
    if (socks[h - 1].state == 0) {
        struct pollfd pf;
        pf.fd = fd; pf.events = POLLOUT; pf.revents = 0;
        if (poll(&pf, 1, 0) > 0) {
            int err = 0;
            socklen_t n = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n);
            socks[h - 1].state = err ? -1 : 1;
        }
    }
    return socks[h - 1].state;
}

int32_t hal_sock_write(int32_t h, const uint8_t *p, int32_t len)
{
    int fd = sock_fd(h);
    ssize_t n;
    if (fd < 0) return -1;
    if (hal_sock_state(h) == 0) return 0;
    if (socks[h - 1].state != 1) return -1;
    if (len == 0) return 0;
    n = send(fd, p, (size_t)len, MSG_NOSIGNAL);
    if (n >= 0) return (int32_t)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    socks[h - 1].state = -1;
    return -1;
}

int32_t hal_sock_read(int32_t h, uint8_t *p, int32_t max)
{
    int fd = sock_fd(h);
    ssize_t n;
    if (fd < 0) return -1;
    if (hal_sock_state(h) == 0) return 0;
    if (socks[h - 1].state < 0 || socks[h - 1].state == 2) return -1;
    if (max == 0) return 0;
    n = recv(fd, p, (size_t)max, 0);
    if (n > 0) return (int32_t)n;
    if (n == 0) { socks[h - 1].state = 2; return -1; }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    socks[h - 1].state = -1;
    return -1;
}

void hal_sock_close(int32_t h)
{
    int fd = sock_fd(h);
    if (fd < 0) return;
    close(fd);
    socks[h - 1].fd = 0;
    socks[h - 1].state = 0;
}

/* ---- random ---- */

void hal_random_fill(uint8_t *p, int32_t len)
{
    static int fd = -1;
    int32_t got = 0;
    if (fd < 0) fd = open("/dev/urandom", O_RDONLY);
    while (fd >= 0 && got < len) {
        ssize_t n = read(fd, p + got, (size_t)(len - got));
        if (n <= 0) break;
        got += (int32_t)n;
    }
    for (; got < len; got++) p[got] = (uint8_t)rand();
}

/* ---- log ---- */

void hal_log(int32_t level, const char *text, int32_t len)
{
    uint32_t t = hal_millis();
    if (level > hal_posix_log_level) return;
    fprintf(stderr, "[%lu.%03lu] %.*s\n", (unsigned long)(t / 1000), (unsigned long)(t % 1000), (int)len, text);
}

/* ---- config ---- */

int32_t hal_config_read(int32_t key, uint8_t *p, int32_t max)
{
    size_t n;
    const char *v;
    if (key < 0 || key >= HAL_CONFIG_KEYS || !(v = hal_posix_config[key])) return -1;
    n = strlen(v);
    memcpy(p, v, n < (size_t)max ? n : (size_t)max);
    return (int32_t)n;
}

/* ---- JSON output ---- */

const char *hal_posix_error_name(int32_t code, char *buf, int n)
{
    const char *name = atmqtt_error_name(code);
    if (name) return name;
    snprintf(buf, (size_t)n, "error%ld", (long)code);
    return buf;
}

void hal_posix_emit(const char *line)
{
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* length of the valid UTF-8 sequence at s (max n bytes), 0 when invalid */
static int utf8_seq(const uint8_t *s, int32_t n)
{
    uint8_t c = s[0];
    int len, i;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    return len;
}

int hal_posix_json_string(char *out, int cap, int pos, const uint8_t *s, int32_t len, int *valid_utf8)
{
    int32_t i = 0;
    if (valid_utf8) *valid_utf8 = 1;
#define PUT(ch) do { if (pos < cap - 1) out[pos++] = (char)(ch); } while (0)
    PUT('"');
    while (i < len) {
        uint8_t c = s[i];
        int k = utf8_seq(s + i, len - i);
        if (k == 0) { /* as Node's lossy decode: U+FFFD */
            if (valid_utf8) *valid_utf8 = 0;
            PUT(0xEF); PUT(0xBF); PUT(0xBD);
            i++;
            continue;
        }
        if (k > 1) { int j; for (j = 0; j < k; j++) PUT(s[i + j]); i += k; continue; }
        if (c == '"' || c == '\\') { PUT('\\'); PUT(c); }
        else if (c == '\n') { PUT('\\'); PUT('n'); }
        else if (c == '\r') { PUT('\\'); PUT('r'); }
        else if (c == '\t') { PUT('\\'); PUT('t'); }
        else if (c == '\b') { PUT('\\'); PUT('b'); }
        else if (c == '\f') { PUT('\\'); PUT('f'); }
        else if (c < 0x20) { if (pos < cap - 7) pos += snprintf(out + pos, (size_t)(cap - pos), "\\u%04x", c); }
        else PUT(c);
        i++;
    }
    PUT('"');
#undef PUT
    out[pos < cap ? pos : cap - 1] = 0;
    return pos;
}

static char line[16384];

static int put(int pos, const char *s)
{
    int n = (int)strlen(s);
    if (pos + n >= (int)sizeof line) n = (int)sizeof line - 1 - pos;
    memcpy(line + pos, s, (size_t)n);
    line[pos + n] = 0;
    return pos + n;
}

void hal_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{
    char num[64], nb[24];
    int pos = 0;
    switch (kind) {
    case ATMQTT_EVENT_CONNECTED:
        pos = put(pos, a == 1 ? "{\"event\":\"connected\",\"sessionPresent\":true}" : "{\"event\":\"connected\",\"sessionPresent\":false}");
        break;
    case ATMQTT_EVENT_DISCONNECTED:
        pos = put(pos, "{\"event\":\"disconnected\",\"reason\":\"");
        pos = put(pos, a == 0 ? "requested" : hal_posix_error_name(a, nb, sizeof nb));
        pos = put(pos, "\"}");
        break;
    case ATMQTT_EVENT_SUBSCRIBED:
        pos = put(pos, "{\"event\":\"subscribed\",\"filter\":");
        pos = hal_posix_json_string(line, sizeof line, pos, p, len, NULL);
        snprintf(num, sizeof num, ",\"granted\":%ld}", (long)b);
        pos = put(pos, num);
        break;
    case ATMQTT_EVENT_UNSUBSCRIBED:
        pos = put(pos, "{\"event\":\"unsubscribed\",\"filter\":");
        if (len > 0) pos = hal_posix_json_string(line, sizeof line, pos, p, len, NULL);
        else pos = put(pos, "null");
        pos = put(pos, "}");
        break;
    case ATMQTT_EVENT_PUBLISHED:
        pos = put(pos, "{\"event\":\"published\",\"topic\":");
        pos = hal_posix_json_string(line, sizeof line, pos, p, len, NULL);
        snprintf(num, sizeof num, ",\"qos\":%ld}", (long)b);
        pos = put(pos, num);
        break;
    case ATMQTT_EVENT_ERROR: {
        const char *text = atmqtt_error_text(a);
        char msg[512];
        int m = 0;
        if (len > 0) m = snprintf(msg, sizeof msg, "%.*s", (int)(len < 400 ? len : 400), (const char *)p);
        else m = snprintf(msg, sizeof msg, "%s", text ? text : hal_posix_error_name(a, nb, sizeof nb));
        if (b != 0 && m >= 0 && m < (int)sizeof msg) snprintf(msg + m, sizeof msg - (size_t)m, ": %ld", (long)b);
        pos = put(pos, "{\"event\":\"error\",\"code\":\"");
        pos = put(pos, hal_posix_error_name(a, nb, sizeof nb));
        pos = put(pos, "\",\"message\":");
        pos = hal_posix_json_string(line, sizeof line, pos, (const uint8_t *)msg, (int32_t)strlen(msg), NULL);
        if (a == ATMQTT_ERR_CONNECTION_REFUSED && atmqtt_connack_name(b)) {
            pos = put(pos, ",\"reason\":\"");
            pos = put(pos, atmqtt_connack_name(b));
            pos = put(pos, "\"");
        }
        pos = put(pos, "}");
        break;
    }
    default:
        return;
    }
    (void)pos;
    hal_posix_emit(line);
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void hal_message(const uint8_t *topic, int32_t tl, const uint8_t *payload, int32_t pl, int32_t flags)
{
    char num[96];
    int pos = 0, valid = 1;
    pos = put(pos, "{\"event\":\"message\",\"topic\":");
    pos = hal_posix_json_string(line, sizeof line, pos, topic, tl, NULL);
    snprintf(num, sizeof num, ",\"qos\":%d,\"retain\":%s,\"dup\":%s,\"payload\":", (int)(flags & 3),
             (flags & 4) ? "true" : "false", (flags & 8) ? "true" : "false");
    pos = put(pos, num);
    pos = hal_posix_json_string(line, sizeof line, pos, payload, pl, &valid);
    if (!valid) {
        int32_t i;
        pos = put(pos, ",\"payloadBase64\":\"");
        for (i = 0; i < pl && pos < (int)sizeof line - 8; i += 3) {
            uint32_t v = (uint32_t)payload[i] << 16 | (i + 1 < pl ? (uint32_t)payload[i + 1] << 8 : 0) | (i + 2 < pl ? payload[i + 2] : 0);
            line[pos++] = B64[v >> 18 & 63];
            line[pos++] = B64[v >> 12 & 63];
            line[pos++] = i + 1 < pl ? B64[v >> 6 & 63] : '=';
            line[pos++] = i + 2 < pl ? B64[v & 63] : '=';
        }
        line[pos] = 0;
        pos = put(pos, "\"");
    }
    pos = put(pos, "}");
    hal_posix_emit(line);
}

/* ---- sleep: poll the sockets and the watched fd ---- */

void hal_sleep(uint32_t ms)
{
    struct pollfd pf[NSOCK + 2];
    int n = 0, i;
    if (uart_fd >= 0) { pf[n].fd = uart_fd; pf[n].events = POLLIN; pf[n].revents = 0; n++; }
    for (i = 0; i < NSOCK; i++) {
        if (!socks[i].fd || socks[i].state < 0 || socks[i].state == 2) continue;
        pf[n].fd = socks[i].fd - 1;
        pf[n].events = socks[i].state == 0 ? POLLOUT : POLLIN;
        pf[n].revents = 0;
        n++;
    }
    if (watch_fd >= 0) { pf[n].fd = watch_fd; pf[n].events = POLLIN; pf[n].revents = 0; n++; }
    if (ms > 60000) ms = 60000;
    if (poll(pf, (nfds_t)n, (int)ms) > 0 && watch_fd >= 0 && pf[n - 1].revents && watch_cb) watch_cb();
}
