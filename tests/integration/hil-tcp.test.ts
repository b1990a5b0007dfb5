// Hardware in the loop, without the hardware: the firmware (`atmqtt sim
// --uart tcp:…`) and the emulated SIM800 (`atmqtt modem --raw`) in two
// processes joined by a plain TCP byte stream, as a ser2net or ESP-Link
// bridge offers one. The fault mid-stream is `hang`: the firmware's
// PWRKEY pulses reach the module as `pwrkey` lines on its stdin.
import { hilSuite } from '../helpers/hil.ts';

// hang: three commands unanswered, then PWRKEY twice (off, on; the rate search between) and bring-up (~30 s)
hilSuite({ link: 'tcp', kind: 'sim800', fault: 'hang', settleMs: 60000 });
