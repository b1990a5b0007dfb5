/* Board console: board/CONSOLE.md. See console.h. */
#include "console.h"
#include "hal.h"
#include "io_table.h"
#include "atmqtt_abi.h" /* counter names, generated */

#include <string.h>

int (*console_stats_hook)(char *out, int max);

static atmqtt_core *core;
static const uint8_t *image;
static uint32_t image_len;

static char line[CONSOLE_LINE_BYTES];
static uint16_t line_len;
static uint8_t line_overflow;

/* what a board may keep across its image restarts (console.h: CONSOLE_KEEP);
 * cfg: records [key][len][value bytes] back to back */
#define KEEP_MAGIC 0x436f6e31UL /* "Con1" */
static struct {
    uint32_t magic;
    uint32_t traps;     /* trap reports (T lines) since power-on */
    uint16_t cfg_used;
    uint8_t started;
    uint8_t cfg[CONSOLE_CFG_BYTES];
} keep CONSOLE_KEEP;

/* ---- output ---- */

static void out(const char *p, int n) { if (n > 0) hal_console_write((const uint8_t *)p, n); }
static void outs(const char *s) { out(s, (int)strlen(s)); }
static void outc(char c) { out(&c, 1); }

/* u / 10 by shifts and adds (Hacker's Delight, divu10), exact for every
 * u32: on AVR a 32-bit division is a library call of ~600 cycles */
static uint32_t div10(uint32_t u)
{
    uint32_t q = (u >> 1) + (u >> 2);
    q += q >> 4;
    q += q >> 8;
    q += q >> 16;
    q >>= 3;
    return q + (u - ((q << 3) + (q << 1)) > 9u);
}

int console_itoa(int32_t v, char *o)
{
    char d[10];
    int n = 0, k = 0;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    if (v < 0) o[k++] = '-';
    do { uint32_t q = div10(u); d[n++] = (char)('0' + (u - ((q << 3) + (q << 1)))); u = q; } while (u);
    while (n) o[k++] = d[--n];
    return k;
}

static void outi(int32_t v)
{
    char b[12];
    outc(' ');
    out(b, console_itoa(v, b));
}

/* " HEX", or " -" when empty */
static void outhex(const uint8_t *p, int32_t n)
{
    static const char digits[] = "0123456789abcdef";
    char b[32];
    int k = 0;
    outc(' ');
    if (n <= 0) { outc('-'); return; }
    while (n-- > 0) {
        b[k++] = digits[*p >> 4];
        b[k++] = digits[*p++ & 15];
        if (k == (int)sizeof b) { out(b, k); k = 0; }
    }
    out(b, k);
}

static void refuse(int32_t code, const char *text)
{
    outc('X');
    outi(code);
    outc(' ');
    outs(text);
    outc('\n');
}

/* ---- lines from the module ---- */

void console_log(int32_t level, const char *text, int32_t len)
{
    int32_t i;
    if (level > CONSOLE_LOG_LEVEL) return;
    /* the cores report a trap as an error line "trap in EXPORT: WHAT" */
    if (level == 1 && len >= 8 && memcmp(text, "trap in ", 8) == 0) {
        keep.traps++;
        outc('T');
    } else {
        outc('L');
        outi(level);
    }
    outc(' ');
    for (i = 0; i < len; i++) {
        uint8_t c = (uint8_t)text[i];
        outc(c < 0x20 || c == 0x7f ? '.' : (char)c); /* one record a line, printable */
    }
    outc('\n');
}

void console_event(int32_t kind, int32_t a, int32_t b, const uint8_t *p, int32_t len)
{
    outc('E');
    outi(kind);
    outi(a);
    outi(b);
    outhex(p, len);
    outc('\n');
}

void console_message(const uint8_t *topic, int32_t topic_len, const uint8_t *payload, int32_t payload_len, int32_t flags)
{
    outc('M');
    outi(flags);
    outhex(topic, topic_len);
    outhex(payload, payload_len);
    outc('\n');
}

static uint8_t *cfg_find(int32_t key)
{
    uint16_t at = 0;
    while (at + 2u <= keep.cfg_used) {
        if (keep.cfg[at] == (uint8_t)key) return &keep.cfg[at];
        at = (uint16_t)(at + 2u + keep.cfg[at + 1]);
    }
    return NULL;
}

int32_t console_config_read(int32_t key, uint8_t *p, int32_t max)
{
    uint8_t *r = key >= 0 && key < 256 ? cfg_find(key) : NULL;
    if (!r) return -1;
    memcpy(p, r + 2, r[1] < (uint32_t)max ? r[1] : (size_t)max);
    return r[1];
}

/* ---- commands ---- */

/* next space-separated word of *s (NUL-terminated in place); "" at the end */
static char *word(char **s)
{
    char *w = *s, *e;
    while (*w == ' ') w++;
    e = w;
    while (*e && *e != ' ') e++;
    *s = *e ? e + 1 : e;
    *e = 0;
    return w;
}

/* decimal, or -1 when w is not one */
static int32_t num(const char *w)
{
    int32_t v = 0;
    if (!*w) return -1;
    for (; *w; w++) {
        if (*w < '0' || *w > '9' || v > 100000000) return -1;
        v = v * 10 + (*w - '0');
    }
    return v;
}

static void cmd_cfg(char *rest)
{
    int32_t key = num(word(&rest));
    size_t vlen = strlen(rest);
    uint8_t *r;
    if (keep.started) { refuse(-10, "cfg: only before start"); return; }
    if (key < 0 || key > 255 || vlen > 255) { refuse(-10, "cfg: KEY VALUE"); return; }
    r = cfg_find(key);
    if (r) { /* drop the old value */
        uint16_t n = (uint16_t)(2u + r[1]);
        memmove(r, r + n, (size_t)(keep.cfg_used - (uint16_t)(r - keep.cfg) - n));
        keep.cfg_used = (uint16_t)(keep.cfg_used - n);
    }
    if (keep.cfg_used + 2u + vlen > sizeof keep.cfg) { refuse(-1, "cfg: no room"); return; }
    keep.cfg[keep.cfg_used] = (uint8_t)key;
    keep.cfg[keep.cfg_used + 1] = (uint8_t)vlen;
    memcpy(&keep.cfg[keep.cfg_used + 2], rest, vlen);
    keep.cfg_used = (uint16_t)(keep.cfg_used + 2u + vlen);
}

/* the API buffer, or NULL after a refusal */
static uint8_t *api(const char *what, int32_t need, int32_t *size)
{
    uint8_t *buf = NULL;
    int32_t r = atmqtt_api_buffer(core, &buf, size);
    if (r != ATMQTT_OK) { refuse(r, what); return NULL; }
    if (need > *size) { refuse(-1, what); return NULL; }
    return buf;
}

static void result(int32_t r, const char *what) { if (r < 0) refuse(r, what); }

static void cmd_sub(char *rest, int unsub)
{
    const char *filter = word(&rest);
    int32_t qos = unsub ? 0 : num(word(&rest)), size, fl = (int32_t)strlen(filter), n = 2 + fl + (unsub ? 0 : 1);
    uint8_t *b;
    if (!*filter || qos < 0 || qos > 2) { refuse(-10, unsub ? "unsub FILTER" : "sub FILTER QOS"); return; }
    if (!(b = api(unsub ? "unsub" : "sub", n, &size))) return;
    b[0] = (uint8_t)(fl >> 8);
    b[1] = (uint8_t)fl;
    memcpy(b + 2, filter, (size_t)fl);
    if (!unsub) b[2 + fl] = (uint8_t)qos;
    result(unsub ? atmqtt_unsubscribe(core, n) : atmqtt_subscribe(core, n), unsub ? "unsub" : "sub");
}

static void cmd_pub(char *rest)
{
    const char *topic = word(&rest);
    int32_t qos = num(word(&rest)), retain = num(word(&rest)), size;
    int32_t tl = (int32_t)strlen(topic), pl = (int32_t)strlen(rest);
    uint8_t *b;
    if (!*topic || qos < 0 || qos > 2 || retain < 0 || retain > 1) { refuse(-10, "pub TOPIC QOS RETAIN PAYLOAD"); return; }
    if (!(b = api("pub", tl + pl, &size))) return;
    memcpy(b, topic, (size_t)tl);
    memcpy(b + tl, rest, (size_t)pl);
    result(atmqtt_publish(core, tl, pl, qos, retain), "pub");
}

static void stat(const char *key, int32_t v)
{
    char b[12];
    outc(' ');
    outs(key);
    outc('=');
    out(b, console_itoa(v, b));
}

static void cmd_stats(void)
{
    int32_t i;
    int run = core->running;
    outc('S');
    /* always state= and pending= (CONSOLE.md); 0 while the module is down */
    stat("state", run ? atmqtt_state(core) : 0);
    stat("pending", run ? atmqtt_pending(core) : 0);
    stat("traps", (int32_t)keep.traps);
    stat("running", run);
    if (run)
        for (i = 0; i < ATMQTT_COUNTERS; i++) stat(atmqtt_counter_name(i), atmqtt_counter(core, i));
    if (console_stats_hook) {
        char b[CONSOLE_STATS_BYTES];
        out(b, console_stats_hook(b, (int)sizeof b));
    }
    outc('\n');
}

static void start(void)
{
    int r;
    keep.started = 1;
    r = atmqtt_start(core, image, image_len);
    if (r != ATMQTT_OK && r != ATMQTT_E_TRAP) refuse(r, "start");
}

void console_pin(int32_t pin, int32_t level)
{
    outc('P');
    outi(pin);
    outi(level ? 1 : 0);
    outc('\n');
}

/* set pin|adc|i2c: an app's inputs, into the board's io_table */
static void cmd_set(char *rest)
{
    char *what = word(&rest), *a = word(&rest), *b = word(&rest);
    const char *bad = io_table_set(what, a, b);
    if (bad) refuse(-10, bad);
}

/* call EXPORT [ARGS...]: any i32 export of the module (test builds' io_*),
 * answered by a `C EXPORT VALUE` line */
static void cmd_call(char *rest)
{
    char *name = word(&rest), *w;
    int32_t args[4], v = 0, r;
    int n = 0;
    while (*(w = word(&rest))) {
        int neg = *w == '-';
        int32_t x = num(w + neg);
        if (n == 4 || x < 0) { refuse(-10, "call EXPORT [ARGS...] (up to 4 numbers)"); return; }
        args[n++] = neg ? -x : x;
    }
    r = atmqtt_call(core, name, n, args, &v);
    if (r == ATMQTT_E_WASM3) { refuse(-10, "call: no such export (or another argument count)"); return; }
    if (r != ATMQTT_OK) { refuse(r, "call"); return; }
    outs("C ");
    outs(name);
    outi(v);
    outc('\n');
}

static void run(char *s)
{
    char *verb = word(&s);
    if (!*verb) return;
    if (!strcmp(verb, "cfg")) { cmd_cfg(s); return; }
    if (!strcmp(verb, "stats")) { cmd_stats(); return; }
    if (!strcmp(verb, "set")) { cmd_set(s); return; }
    if (!strcmp(verb, "start")) {
        if (keep.started) { refuse(-10, "start: already started"); return; }
        start();
        return;
    }
    if (!keep.started) { refuse(ATMQTT_E_DOWN, "not started"); return; }
    if (!strcmp(verb, "sub")) cmd_sub(s, 0);
    else if (!strcmp(verb, "unsub")) cmd_sub(s, 1);
    else if (!strcmp(verb, "pub")) cmd_pub(s);
    else if (!strcmp(verb, "disconnect")) result(atmqtt_disconnect(core), "disconnect");
    else if (!strcmp(verb, "connect")) result(atmqtt_connect(core), "connect");
    else if (!strcmp(verb, "call")) cmd_call(s);
    else refuse(-10, "unknown command");
}

int console_poll(void)
{
    uint8_t b[16];
    int32_t n, i;
    int ran = 0;
    while ((n = hal_console_read(b, (int32_t)sizeof b)) > 0) {
        for (i = 0; i < n; i++) {
            char c = (char)b[i];
            if (c == '\r') continue;
            if (c != '\n') {
                if (line_len < sizeof line - 1u) line[line_len++] = c;
                else line_overflow = 1;
                continue;
            }
            line[line_len] = 0;
            if (line_overflow) refuse(-1, "line too long");
            else run(line);
            line_len = 0;
            line_overflow = 0;
            ran = 1;
        }
    }
    return ran;
}

void console_init(atmqtt_core *c, const char *board, const char *engine, const uint8_t *img, uint32_t len)
{
    core = c;
    image = img;
    image_len = len;
    /* power-on (or a board without CONSOLE_KEEP): nothing kept */
    if (keep.magic != KEEP_MAGIC || keep.cfg_used > sizeof keep.cfg || keep.started > 1) {
        memset(&keep, 0, sizeof keep);
        keep.magic = KEEP_MAGIC;
    }
    outs("R ");
    outs(board);
    outc(' ');
    outs(engine);
    /* restarted image with its configuration kept: it starts by itself, and says so */
    if (keep.started) outs(" running");
    outc('\n');
    if (keep.started) start();
}
