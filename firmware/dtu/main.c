/* The firmware's entry: bring the board up, boot the DTU, run its loop forever. */
#include "dtu.h"
#include "hal.h"

int main(void)
{
    hal_init();
    dtu_boot();
    for (;;)
        dtu_loop_once();
}
