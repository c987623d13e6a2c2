/* The firmware's own delays in the two timing profiles of the bench (the
 * reference twin is TIMINGS in dtu/dtu.py): "realistic" as a deployed DTU,
 * "fast" for tests, selected at boot by the board's timing strap. */
#include "dtu.h"

const dtu_timing_t dtu_timing_realistic = {
    .reconnect_min_ms = 2000, .reconnect_max_ms = 60000, .restart_after = 8,
    .connect_timeout_ms = 80000, .send_timeout_ms = 90000, .network_retry_ms = 5000,
    .registration_wait_ms = 120000, .blink_ms = 50,
};

const dtu_timing_t dtu_timing_fast = {
    .reconnect_min_ms = 100, .reconnect_max_ms = 1000, .restart_after = 8,
    .connect_timeout_ms = 20000, .send_timeout_ms = 20000, .network_retry_ms = 200,
    .registration_wait_ms = 30000, .blink_ms = 50,
};
