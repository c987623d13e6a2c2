# The host unit tests: one executable per tests/test_<name>.c, linked with the
# host HAL (host/hal_host.c) and the firmware modules listed in TEST_<name>.
# A module's owner adds its line here.

TEST_hal_host :=
