/* board/core compiled as part of this PlatformIO project */
#include "../core/atmqtt_host.c"
