/* Cycle profiler for the simavr harness: see profile.c. */
#ifndef AVR_PROFILE_H
#define AVR_PROFILE_H
#include <stdint.h>
#include <sim_avr.h>

void prof_init(const char *path);
/* after one avr_run(): pc0 the PC before it, cycles it took, awake: not asleep */
void prof_step(avr_t *avr, uint32_t pc0, uint64_t cycles, int awake);
/* writes the counters to the file and zeroes them (SIGUSR2) */
void prof_dump(void);
#endif
