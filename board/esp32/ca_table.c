/* The CAs the ESP32 host verifies brokers against, by slot (config key 19
 * `ca`, sock_open flags bits 8-15; slot 0 by default). A slot without a
 * certificate refuses TLS (tls-failed): it never means "skip the check";
 * only key 20 `insecure` does that. Paste each CA as PEM text in C string
 * pieces, e.g. the broker's own CA made as in docs/tls.md ("On host
 * sockets"), or the public root its certificate chains to:
 *
 *   "-----BEGIN CERTIFICATE-----\n"
 *   "MIIBfDCCASOgAwIBAgIU...\n"
 *   "-----END CERTIFICATE-----\n",
 *
 * NOT compiled in this repository: see README.md. */
#include <stddef.h>
#include "tls_esp32.h"

const char *const atmqtt_ca_table[] = {
    NULL, /* slot 0: your broker's CA here */
};
const int atmqtt_ca_count = (int)(sizeof atmqtt_ca_table / sizeof atmqtt_ca_table[0]);
