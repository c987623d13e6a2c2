/* What modem.c needs of net.c besides dtu.h's net_on_urc / net_on_receive:
 * net_background() runs on every modem_poll() (also inside modem waits) for
 * the timers that must not wait for the main loop (the DATA LED's blink). It
 * issues no modem command. net_downlink_room() is the free space for server
 * data: outside a command modem_poll reads no more from the modem while it is
 * short of a whole +RECEIVE block, so the emulator (or the modem's own buffer)
 * holds the rest back instead of the DTU dropping it. */
#ifndef NET_HOOKS_H
#define NET_HOOKS_H

#include <stddef.h>

void net_background(void);
size_t net_downlink_room(void);

#endif
