# Private statistics with secure multiparty computation.
#
#   make          build everything into build/
#   make test     install missing Debian packages, build, run every test
#   make asan     the same tests under AddressSanitizer + UBSan (build/asan/)
#   make demo     run the whole system locally (not available yet)
#   make clean    remove build/
#
# WERROR=1 turns warnings into errors (CI sets it).

BUILD   ?= build
CC      ?= cc
VECTORS ?= tests/vectors

WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wcast-qual -Wpointer-arith
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
endif
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Iwasm/core -Ibackend/lib -Ibackend/tools/vectors -MMD -MP
CFLAGS  += $(WARN) $(OPT)
LDFLAGS += $(filter -fsanitize=%,$(OPT))

CORE_SRC := $(wildcard wasm/core/*.c)
LIB_SRC  := $(wildcard backend/lib/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CORE_LIBS := -lmbedcrypto
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CT_BIN     := $(BUILD)/tests/ct_core
CT_OBJ     := $(CORE_SRC:%.c=$(BUILD)/ctobj/%.o)
BINS       := $(BUILD)/bin/mpc-vectors

.PHONY: all test asan demo clean deps check-unit check-vectors check-tools check-ct
all: $(BINS) $(UNIT_BIN) $(CT_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

VECTORS_SRC := $(wildcard backend/tools/vectors/*.c)
$(BUILD)/bin/mpc-vectors: $(VECTORS_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ -lcjson $(CORE_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/obj/tests/unit/testutil.o \
		$(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS) $(CHECK_LIBS)

# The constant-time check links a copy of the core built with CORE_CT_CHECK.
$(BUILD)/ctobj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -DCORE_CT_CHECK $(CFLAGS) -c $< -o $@

$(BUILD)/tests/ct_core: $(BUILD)/obj/tests/ct/ct_core.o $(CT_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)


deps:
	@scripts/install-deps

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check-unit check-vectors check-tools check-ct

check-unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; VECTORS=$(VECTORS) $$t; done

check-vectors: $(BUILD)/bin/mpc-vectors
	@echo "== mpc-vectors vdaf $(VECTORS)/vdaf-18/*.json"
	@$(BUILD)/bin/mpc-vectors vdaf $(VECTORS)/vdaf-18/*.json
	@echo "== mpc-vectors hpke $(VECTORS)/hpke-rfc9180/base-mode.json"
	@$(BUILD)/bin/mpc-vectors hpke $(VECTORS)/hpke-rfc9180/base-mode.json

check-tools: $(BUILD)/bin/mpc-vectors
	@echo "== tests/tools/test_mpc_vectors.sh"
	@tests/tools/test_mpc_vectors.sh $(BUILD) $(VECTORS)

# Constant-time check: secrets are marked undefined for valgrind's
# memcheck, which then reports any branch or address that depends on them.
check-ct: $(CT_BIN)
ifeq ($(SAN),1)
	@echo "== constant-time check skipped under sanitizers (run by make test)"
else
	@echo "== valgrind constant-time check"
	@valgrind -q --error-exitcode=1 --track-origins=yes $(CT_BIN)
endif

asan: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 all
	@CK_FORK=no ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 check-unit check-vectors check-tools check-ct

demo:
	@echo "make demo: not available yet - the party server and the web form are still being built."
	@echo "Run 'make test' to build and test the cryptographic core."
	@exit 2

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/ctobj -name '*.d' 2>/dev/null)
