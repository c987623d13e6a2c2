# The host unit tests: one executable per tests/test_<name>.c, linked with the
# host HAL (host/hal_host.c) and the firmware modules listed in TEST_<name>.
# A module's owner adds its line here.

TEST_hal_host :=
TEST_modem := dtu/modem.c dtu/modem_reply.c dtu/timing.c tests/fake_net_peers.c
TEST_net := dtu/net.c dtu/fifo.c dtu/crc32.c dtu/modem.c dtu/modem_reply.c dtu/timing.c tests/fake_net_peers.c
TEST_at := dtu/at.c dtu/usr721.c dtu/serial.c dtu/settings.c dtu/store.c dtu/crc32.c dtu/modem_reply.c tests/fake_peers.c
TEST_serial := dtu/at.c dtu/usr721.c dtu/serial.c dtu/settings.c dtu/store.c dtu/crc32.c dtu/modem_reply.c tests/fake_peers.c
TEST_store := dtu/store.c dtu/settings.c dtu/crc32.c
# sms.c, http.c, ftp.c (with the real modem.c against a scripted modem, crc32.c)
SMS_PEERS := dtu/sms.c dtu/http.c dtu/ftp.c dtu/modem.c dtu/modem_reply.c dtu/settings.c dtu/store.c dtu/crc32.c dtu/timing.c tests/fake_sms_peers.c
TEST_sms := $(SMS_PEERS)
TEST_http := $(SMS_PEERS)
TEST_ftp := $(SMS_PEERS)
TEST_stm32f1 := board/stm32f103/calc.c
