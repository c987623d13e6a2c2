# The libFuzzer harnesses (fuzz/README in docs/fuzzing.md): one executable per
# fuzz/fuzz_<name>.c, built with clang, libFuzzer, ASan and UBSan (UBSan aborts:
# -fno-sanitize-recover), linked with the host HAL and the modules in FUZZ_<name>.
#   make fuzz          build/fuzz/fuzz_<name> for every harness
#   make fuzz-check    each harness over its saved corpus (fuzz/corpus/<name>/), no fuzzing
# Long runs: scripts/fuzz NAME --time 10m.

FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 $(FUZZ_SAN) -Iinclude -Idtu -Ihost -Itests -MMD -MP

# the modules each harness runs; the test doubles are the unit tests' (tests/tests.mk)
FUZZ_at := $(TEST_at)
FUZZ_serial := $(TEST_serial)
FUZZ_modem := $(TEST_net) dtu/settings.c
FUZZ_store := $(TEST_store)
FUZZ_ftp := $(SMS_PEERS)
FUZZ_sms := $(SMS_PEERS)

FUZZERS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZERS:%=$(B)/fuzz/fuzz_%)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

fuzz_objs = $(patsubst %.c,$(B)/fuzz/obj/%.o,$(FUZZ_$1))
$(B)/fuzz/fuzz_%: $(B)/fuzz/obj/fuzz/fuzz_%.o $(B)/fuzz/obj/host/hal_host.o $$(call fuzz_objs,$$*)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^

.PHONY: fuzz fuzz-check
fuzz: $(FUZZ_BINS)

# every saved input once (a crash, leak or sanitizer report fails)
fuzz-check: $(FUZZ_BINS)
	@for f in $(FUZZERS); do mkdir -p fuzz/corpus/$$f; \
	  ./$(B)/fuzz/fuzz_$$f -runs=0 -artifact_prefix=$(B)/fuzz/ fuzz/corpus/$$f 2>$(B)/fuzz/$$f.log || \
	  { tail -40 $(B)/fuzz/$$f.log; echo "fuzz-check: $$f failed"; exit 1; }; done; \
	echo "fuzz-check: $(words $(FUZZERS)) harnesses passed their corpora"
