/* What modem.c needs of net.c besides dtu.h's net_on_urc / net_on_receive:
 * net_background() runs on every modem_poll() (also inside modem waits) for
 * the timers that must not wait for the main loop (the DATA LED's blink). It
 * issues no modem command. */
#ifndef NET_HOOKS_H
#define NET_HOOKS_H

void net_background(void);

#endif
