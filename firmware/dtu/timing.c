/* The firmware's own delays in the two timing profiles of the bench, from the
 * contract (dtulab/contract/usr721.toml; the reference twin is TIMINGS in dtu/dtu.py):
 * "realistic" as a deployed DTU, "fast" for tests, selected at boot by the
 * board's timing strap. */
#include "dtu.h"

const dtu_timing_t dtu_timing_realistic = DTU_TIMING_REALISTIC;
const dtu_timing_t dtu_timing_fast = DTU_TIMING_FAST;
