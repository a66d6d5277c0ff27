# Private statistics with secure multiparty computation.
#
#   make          build everything into build/
#   make test     install missing Debian packages, build, run every test
#   make asan     the same tests under AddressSanitizer + UBSan (build/asan/)
#   make demo     run the whole system locally (scripts/demo), until Ctrl-C
#   make bench    benchmarks (bench/), printed and written to build/bench/
#   make fuzz     the fuzzers (tests/fuzz/), 1,000,000 runs each (FUZZ_RUNS)
#   make clean    remove build/
#
# WERROR=1 turns warnings into errors (CI sets it); V=1 shows every command.

.DEFAULT_GOAL := all
# Keep intermediate objects (test objects are built through pattern chains).
.SECONDARY:

BUILD   ?= build
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2)
endif
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
ifeq ($(FUZZ),1)
OPT     += -fsanitize=fuzzer-no-link
endif
MBEDTLS_NATIVE_FLAGS := -DMBEDTLS_CONFIG_FILE='"mbedtls_native_config.h"' -Ibackend -Iwasm \
            -Ibuild/mbedtls/src/include -Ibuild/mbedtls/src/3rdparty/everest/include \
            -Ibuild/mbedtls/src/3rdparty/everest/include/everest \
            -Ibuild/mbedtls/src/3rdparty/everest/include/everest/kremlib
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -Iwasm/core -Ibackend/lib -Ibackend/party -Ibackend/tools/vectors -Itests/common -I$(GEN) -MMD -MP \
            $(MBEDTLS_NATIVE_FLAGS)
CFLAGS  += $(WARN) $(OPT)
LDFLAGS += $(filter -fsanitize=%,$(OPT))

CORE_SRC := $(wildcard wasm/core/*.c)
LIB_SRC  := $(wildcard backend/lib/*.c)
GEN      := $(BUILD)/gen
# The study schema travels inside the core (native and WebAssembly).
CORE_GEN := $(GEN)/study_schema.c
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_GEN:%.c=%.o)
# (httpc.c needs libcurl, csvread.c libcsv and suppress.c GLPK: only the
# programs that use them link them.)
HTTPC_OBJ := $(BUILD)/obj/backend/lib/httpc.o
CSV_OBJ  := $(BUILD)/obj/backend/lib/csvread.o
SUPPRESS_OBJ := $(BUILD)/obj/backend/lib/suppress.o
REPORT_OBJ := $(BUILD)/obj/backend/lib/report_file.o
LIB_OBJ  := $(filter-out $(HTTPC_OBJ) $(CSV_OBJ) $(SUPPRESS_OBJ) $(REPORT_OBJ),$(LIB_SRC:%.c=$(BUILD)/obj/%.o))
# mbedTLS natively: Debian's source package (see WebAssembly below) built
# with backend/mbedtls_native_config.h into a static library; every native
# object is compiled against that configuration.
NATIVE_MBEDTLS := $(BUILD)/mbedtls-native/libmbedcrypto.a
CORE_LIBS := -lcjson -lm
EMBED    := $(BUILD)/bin/embed
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -pthread)

# ---- WebAssembly (build/web/: mpc_core.js + mpc_core.wasm + mpc.js) ----------
# mbedTLS for the browser is Debian's own source package, fetched once into
# build/mbedtls by scripts/fetch-source and built with emcc (cJSON likewise, build/cjson).
EMENV       := NODE_PATH=/usr/share/nodejs
EMCC        := $(EMENV) emcc
EMAR        := $(EMENV) emar
MBEDTLS     := build/mbedtls/src
CJSON       := build/cjson/src
MBEDTLS_INC := -I$(MBEDTLS)/include -I$(MBEDTLS)/library -I$(MBEDTLS)/3rdparty/everest/include \
               -I$(MBEDTLS)/3rdparty/everest/include/everest \
               -I$(MBEDTLS)/3rdparty/everest/include/everest/kremlib
WASM_DEFS   := -DMBEDTLS_CONFIG_FILE='"mbedtls_wasm_config.h"' -Iwasm $(MBEDTLS_INC) \
               -Ibuild/cjson/include
MBEDTLS_WASM_SRC := $(addprefix $(MBEDTLS)/library/,aes.c base64.c bignum.c cipher.c cipher_wrap.c \
               constant_time.c ecdh.c ecp.c ecp_curves.c gcm.c hkdf.c md.c platform_util.c \
               sha256.c) \
               $(addprefix $(MBEDTLS)/3rdparty/everest/library/,everest.c x25519.c \
               Hacl_Curve25519_joined.c)
WASM_OBJ    := $(BUILD)/wasm
WEB         := $(BUILD)/web
WASM_CORE_OBJ := $(CORE_SRC:wasm/core/%.c=$(WASM_OBJ)/core/%.o) $(WASM_OBJ)/export.o \
               $(WASM_OBJ)/gen/study_schema.o $(WASM_OBJ)/cjson.o
WASM_EXPORTS := $(shell grep -v '^\#' wasm/exports.txt | sed 's/^/_/' | paste -sd, -)
WASM_LINK   := -O3 -sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web,worker \
               -sEXPORT_NAME=createMpcCore -sALLOW_MEMORY_GROWTH=1 -sFILESYSTEM=0 \
               -sEXPORTED_FUNCTIONS=$(WASM_EXPORTS)
WEB_OUT     := $(WEB)/mpc_core.js $(WEB)/mpc.js

$(MBEDTLS)/.complete:
	scripts/fetch-source mbedtls build/mbedtls

$(CJSON)/.complete:
	scripts/fetch-source cjson build/cjson

# <cjson/cJSON.h> as the Debian package installs it.
build/cjson/include/cjson/cJSON.h: $(CJSON)/.complete
	@mkdir -p $(@D)
	$(Q)cp $(CJSON)/cJSON.h $@

$(WASM_OBJ)/cjson.o: $(CJSON)/.complete
	@mkdir -p $(@D)
	@echo "emcc: cJSON $$(sed 's/.*"\(.*\)"/\1/' $(CJSON)/.complete) for WebAssembly"
	$(Q)$(EMCC) -O3 -c $(CJSON)/cJSON.c -o $@

$(WASM_OBJ)/gen/%.o: $(GEN)/%.c
	@mkdir -p $(@D)
	$(call msg,EMCC,$<)
	$(Q)$(EMCC) -O3 -c $< -o $@

$(WASM_OBJ)/libmbedcrypto.a: $(MBEDTLS)/.complete wasm/mbedtls_wasm_config.h
	@rm -rf $(WASM_OBJ)/mbedtls && mkdir -p $(WASM_OBJ)/mbedtls
	@echo "emcc: mbedTLS $$(sed 's/.*"\(.*\)"/\1/' $(MBEDTLS)/.complete) for WebAssembly"
	@for f in $(MBEDTLS_WASM_SRC); do \
		$(EMCC) -O3 $(WASM_DEFS) -c $$f -o $(WASM_OBJ)/mbedtls/$$(basename $$f .c).o || exit 1; \
	done
	$(Q)$(EMAR) rcs $@ $(WASM_OBJ)/mbedtls/*.o

$(WASM_OBJ)/core/%.o: wasm/core/%.c $(MBEDTLS)/.complete build/cjson/include/cjson/cJSON.h
	@mkdir -p $(@D)
	$(call msg,EMCC,$<)
	$(Q)$(EMCC) -O3 $(WARN) -MMD -MP $(WASM_DEFS) -Iwasm/core -c $< -o $@

$(WASM_OBJ)/export.o: wasm/export.c $(MBEDTLS)/.complete build/cjson/include/cjson/cJSON.h
	@mkdir -p $(@D)
	$(call msg,EMCC,$<)
	$(Q)$(EMCC) -O3 $(WARN) -MMD -MP $(WASM_DEFS) -Iwasm/core -c $< -o $@

$(WEB)/mpc_core.js: $(WASM_CORE_OBJ) $(WASM_OBJ)/libmbedcrypto.a wasm/exports.txt
	@mkdir -p $(@D)
	$(call msg,EMLD,$@)
	$(Q)$(EMCC) $(WASM_LINK) $(WASM_CORE_OBJ) $(WASM_OBJ)/libmbedcrypto.a -o $@

$(WEB)/mpc.js: web/mpc.js
	@mkdir -p $(@D)
	$(Q)cp $< $@

# The native mbedTLS (NATIVE_MBEDTLS above): the WebAssembly build's
# modules and what the backend adds.
MBEDTLS_NATIVE_SRC := $(MBEDTLS_WASM_SRC) $(addprefix $(MBEDTLS)/library/,aesni.c asn1parse.c \
               asn1write.c ecdsa.c hmac_drbg.c oid.c pkcs5.c)
$(NATIVE_MBEDTLS): $(MBEDTLS)/.complete wasm/mbedtls_wasm_config.h backend/mbedtls_native_config.h
	@rm -rf $(@D)/obj && mkdir -p $(@D)/obj
	@echo "cc: mbedTLS $$(sed 's/.*"\(.*\)"/\1/' $(MBEDTLS)/.complete) (native, static)"
	@for f in $(MBEDTLS_NATIVE_SRC); do \
		$(CC) $(MBEDTLS_NATIVE_FLAGS) -I$(MBEDTLS)/library $(OPT) -c $$f \
			-o $(@D)/obj/$$(basename $$f .c).o || exit 1; \
	done
	$(Q)$(AR) rcs $@ $(@D)/obj/*.o

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CT_BIN     := $(BUILD)/tests/ct_core
CT_OBJ     := $(CORE_SRC:%.c=$(BUILD)/ctobj/%.o)
BINS       := $(BUILD)/bin/mpc-vectors $(BUILD)/bin/mpc $(BUILD)/bin/mpc-party
TEST_TOOLS := $(BUILD)/tests/make_upload $(BUILD)/tests/open_shares $(BUILD)/tests/clear_report $(BUILD)/bench/populate $(BUILD)/bench/storage
INTEROP_BIN := $(BUILD)/tests/interop_native
BENCH_BIN  := $(BUILD)/bench/native $(BUILD)/bench/ingest $(BUILD)/bench/populate \
              $(BUILD)/bench/storage

$(BINS) $(UNIT_BIN) $(CT_BIN) $(INTEROP_BIN) $(TEST_TOOLS) $(BENCH_BIN): $(NATIVE_MBEDTLS)

.PHONY: all test asan demo bench fuzz fuzz-bins check-fuzz clean deps check-unit check-vectors check-tools check-ct \
        check-wasm check-browser check-integration
all: $(BINS) $(UNIT_BIN) $(CT_BIN) $(INTEROP_BIN) $(TEST_TOOLS) \
     $(if $(filter 1,$(SAN)),,$(WEB_OUT))

$(BUILD)/obj/%.o: %.c | $(MBEDTLS)/.complete
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# Generated sources (backend/tools/embed): files carried inside binaries.
$(EMBED): backend/tools/embed/embed.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< -o $@

$(GEN)/study_schema.c: schema/study.schema.json $(EMBED)
	@mkdir -p $(@D)
	$(call msg,EMBED,$@)
	$(Q)$(EMBED) $@ study_schema_json $<

# (Embedded files are long string literals.)
$(GEN)/%.o: $(GEN)/%.c
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-overlength-strings -c $< -o $@

VECTORS_SRC := $(wildcard backend/tools/vectors/*.c)
$(BUILD)/bin/mpc-vectors: $(VECTORS_SRC:%.c=$(BUILD)/obj/%.o) $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)

# read-excel-file's browser bundle (npm, package-lock.json), which the upload
# page of organization studies loads to read an .xlsx export.
XLSX_JS := node_modules/read-excel-file/bundle/read-excel-file.min.js
$(XLSX_JS):
	@echo "missing $@: run scripts/install-deps (it runs npm ci)" >&2; exit 1

# The party server: its SQL schema, the dashboard, the form and the
# WebAssembly core travel inside the binary (NAME FILE pairs).
PARTY_SRC  := $(wildcard backend/party/*.c)
PARTY_GEN  := $(GEN)/party_embed.c
PARTY_EMBED := party_sql schema/party.sql \
               admin_index_html web/admin/index.html admin_css web/admin/admin.css \
               admin_js web/admin/admin.js \
               submit_index_html web/submit/index.html submit_css web/submit/submit.css \
               submit_js web/submit/submit.js submit_upload_js web/submit/upload.js \
               report_index_html web/report/index.html report_css web/report/report.css \
               report_js web/report/report.js \
               web_base_css web/base.css web_mpc_js web/mpc.js web_core_js $(WEB)/mpc_core.js \
               web_lib_dom_js web/lib/dom.js web_lib_form_js web/lib/form.js web_lib_link_js web/lib/link.js \
               web_lib_page_error_js web/lib/page_error.js \
               web_vendor_xlsx_js $(XLSX_JS) \
               web_core_wasm $(WEB)/mpc_core.wasm
SERVER_LIBS := -lmicrohttpd -lsqlite3 -lcurl -lglpk -lxlsxwriter -lpthread

# (mpc_core.wasm is written with mpc_core.js, which stands for both.)
$(PARTY_GEN): $(filter %.sql %.html %.css %.js,$(PARTY_EMBED)) $(EMBED)
	@mkdir -p $(@D)
	$(call msg,EMBED,$@)
	$(Q)$(EMBED) $@ $(PARTY_EMBED)

$(BUILD)/bin/mpc-party: $(PARTY_SRC:%.c=$(BUILD)/obj/%.o) $(PARTY_GEN:%.c=%.o) $(CORE_OBJ) \
		$(LIB_OBJ) $(HTTPC_OBJ) $(SUPPRESS_OBJ) $(REPORT_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(SERVER_LIBS) $(CORE_LIBS)

# mpc: the organizer's console (backend/mpc/console.c) carries its pages,
# the form's shared code and the WebAssembly core, and the template studies.
MPC_SRC := $(wildcard backend/mpc/*.c)
MPC_GEN := $(GEN)/mpc_embed.c
MPC_EMBED := organizer_index_html web/organizer/index.html organizer_css web/organizer/organizer.css \
             organizer_js web/organizer/organizer.js console_submit_css web/submit/submit.css \
             console_base_css web/base.css console_mpc_js web/mpc.js \
             console_core_js $(WEB)/mpc_core.js console_core_wasm $(WEB)/mpc_core.wasm \
             console_dom_js web/lib/dom.js console_form_js web/lib/form.js \
             template_pay_equity schema/studies/pay-equity.json \
             template_union_vote schema/studies/union-vote.json \
             template_eu_pay schema/studies/eu-pay-transparency.json
$(MPC_GEN): $(filter %.json %.html %.css %.js,$(MPC_EMBED)) $(EMBED)
	@mkdir -p $(@D)
	$(call msg,EMBED,$@)
	$(Q)$(EMBED) $@ $(MPC_EMBED)

$(BUILD)/bin/mpc: $(MPC_SRC:%.c=$(BUILD)/obj/%.o) $(MPC_GEN:%.c=%.o) $(CORE_OBJ) $(LIB_OBJ) \
		$(HTTPC_OBJ) $(CSV_OBJ) $(REPORT_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lmicrohttpd -lxlsxwriter -lcsv -lcurl -lpthread $(CORE_LIBS)

$(BUILD)/tests/clear_report: $(BUILD)/obj/tests/integration/clear_report.o $(SUPPRESS_OBJ) \
		$(REPORT_OBJ) $(BUILD)/obj/tests/common/clear_aggregate.o \
		$(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lglpk -lxlsxwriter $(CORE_LIBS)

$(BUILD)/tests/make_upload $(BUILD)/tests/open_shares: $(BUILD)/tests/%: \
		$(BUILD)/obj/tests/integration/%.o $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)

$(BUILD)/tests/open_shares: $(SUPPRESS_OBJ)
$(BUILD)/tests/open_shares: CORE_LIBS += -lglpk

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/obj/tests/unit/testutil.o \
		$(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS) $(CHECK_LIBS)

# The one-party-view test seals the example study; the storage test runs
# the party's SQLite storage, watched through a VFS (tests/unit/sync_vfs.c).
$(BUILD)/tests/test_view $(BUILD)/tests/test_submission: $(BUILD)/obj/tests/common/example_study.o
$(BUILD)/tests/test_storage: $(BUILD)/obj/backend/party/storage.o $(PARTY_GEN:%.c=%.o) \
		$(BUILD)/obj/tests/unit/sync_vfs.o
$(BUILD)/tests/test_storage: CHECK_LIBS += -lsqlite3
$(BUILD)/tests/test_suppress: $(SUPPRESS_OBJ) $(BUILD)/obj/tests/common/clear_aggregate.o
$(BUILD)/tests/test_suppress: CHECK_LIBS += -lglpk
# Organization studies: their suppression too.
$(BUILD)/tests/test_org: $(SUPPRESS_OBJ)
$(BUILD)/tests/test_org: CHECK_LIBS += -lglpk
# The party-to-party messages' codec.
$(BUILD)/tests/test_peer_msg: $(BUILD)/obj/backend/party/peer_msg.o
# The party's authentication, on the example study.
$(BUILD)/tests/test_auth: $(BUILD)/obj/backend/party/auth.o $(BUILD)/obj/tests/common/example_study.o

$(BUILD)/bench/native: $(BUILD)/obj/bench/native.o $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)

$(BUILD)/bench/ingest: $(BUILD)/obj/bench/ingest.o $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lcurl -lpthread $(CORE_LIBS)

$(BUILD)/bench/storage: $(BUILD)/obj/bench/storage.o $(BUILD)/obj/bench/figures.o \
		$(BUILD)/obj/backend/party/storage.o $(PARTY_GEN:%.c=%.o) \
		$(BUILD)/obj/wasm/core/buf.o $(BUILD)/obj/wasm/core/core.o
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lsqlite3 -lcjson -lpthread

$(BUILD)/bench/populate: $(BUILD)/obj/bench/populate.o $(BUILD)/obj/bench/figures.o \
		$(BUILD)/obj/backend/party/storage.o \
		$(PARTY_GEN:%.c=%.o) $(CORE_OBJ) $(LIB_OBJ) $(CSV_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ -lsqlite3 -lcsv -lpthread $(CORE_LIBS)

# Benchmarks (bench/): figures are medians, compared with a baseline run by
# the same command.
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@rm -f $(BUILD)/bench/results.json
	@node bench/client.mjs $(BUILD)
	@node bench/ingest.mjs $(BUILD)
	@node bench/compute.mjs $(BUILD)
	@node bench/compute.mjs $(BUILD) 100000 eu-pay-transparency
	@node bench/summary.mjs $(BUILD)

$(INTEROP_BIN): $(BUILD)/obj/tests/wasm/interop_native.o $(CORE_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)

# The constant-time check links a copy of the core built with CORE_CT_CHECK.
$(BUILD)/ctobj/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC-CT,$<)
	$(Q)$(CC) $(CPPFLAGS) -DCORE_CT_CHECK $(CFLAGS) -c $< -o $@

$(BUILD)/tests/ct_core: $(BUILD)/obj/tests/ct/ct_core.o $(CT_OBJ) $(CORE_GEN:%.c=%.o)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CORE_LIBS)


deps:
	@scripts/install-deps

test: deps
	@$(MAKE) --no-print-directory all
	@echo "== tools: Node.js $$(node --version), npm $$(npm --version)," \
		"$$(chromium --version 2>/dev/null || echo 'no chromium')," \
		"Emscripten $$($(EMCC) --version 2>/dev/null | head -n 1 | sed 's/.*) \([0-9.]*\).*/\1/')"
	@$(MAKE) --no-print-directory check-unit check-vectors check-tools check-ct check-wasm \
		check-integration check-browser check-fuzz

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
	@echo "== node tests/tools/check_doc_refs.mjs (design references resolve to docs/DESIGN.md)"
	@node tests/tools/check_doc_refs.mjs .

# The WebAssembly build in Node: the official vectors (same runner, same
# output as mpc-vectors), the JavaScript API, and wasm/native interop.
check-wasm: $(WEB_OUT) $(INTEROP_BIN) $(BUILD)/bin/mpc-vectors
	@echo "== node tests/wasm/run-vectors.mjs vdaf|hpke (WebAssembly)"
	@MPC_WEB=$(WEB) node tests/wasm/run-vectors.mjs vdaf $(VECTORS)/vdaf-18/*.json
	@MPC_WEB=$(WEB) node tests/wasm/run-vectors.mjs hpke $(VECTORS)/hpke-rfc9180/base-mode.json
	@echo "== tests/tools/test_mpc_vectors.sh (WebAssembly runner)"
	@MPC_WEB=$(WEB) tests/tools/test_mpc_vectors.sh $(BUILD) $(VECTORS) node tests/wasm/run-vectors.mjs
	@echo "== node --test tests/wasm/test_api.mjs"
	@MPC_WEB=$(WEB) node --test tests/wasm/test_api.mjs
	@echo "== node tests/wasm/interop.mjs"
	@node tests/wasm/interop.mjs $(BUILD)

# The WebAssembly build in headless Chromium (Debian's), driven by
# playwright-core: loaded as a page will load it, an official vector
# reproduced, HPKE with the browser's randomness.
check-browser: $(WEB_OUT) $(BINS) $(TEST_TOOLS)
	@echo "== node tests/browser/wasm_smoke.mjs (headless Chromium)"
	@node tests/browser/wasm_smoke.mjs $(BUILD)
	@echo "== node tests/browser/dashboard.mjs (headless Chromium, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/dashboard.mjs
	@echo "== node tests/browser/submit.mjs (headless Chromium, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/submit.mjs
	@echo "== node tests/browser/report.mjs (headless Chromium, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/report.mjs
	@echo "== node tests/browser/eu_report.mjs (headless Chromium, the EU example's report, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/eu_report.mjs
	@echo "== node tests/browser/upload.mjs (headless Chromium, 12 employers' exports, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/upload.mjs
	@echo "== node tests/browser/console.mjs (headless Chromium, the organizer's console, 3 parties)"
	@MPC_BUILD=$(BUILD) node tests/browser/console.mjs

# Real servers on loopback, driven through the commands of docs/DESIGN.md, section 6.
check-integration: $(BINS) $(TEST_TOOLS)
	@echo "== node --test tests/integration/ (3 parties on loopback)"
	@MPC_BUILD=$(BUILD) MPC_WEB=$(WEB) node --test --test-reporter=dot tests/integration/

# Constant-time check: secrets are marked undefined for valgrind's
# memcheck, which then reports any branch or address that depends on them.
check-ct: $(CT_BIN)
ifeq ($(SAN),1)
	@echo "== constant-time check skipped under sanitizers (run by make test)"
else
	@echo "== valgrind constant-time check"
	@valgrind -q --error-exitcode=1 --track-origins=yes $(CT_BIN)
endif

# (The WebAssembly build does not change under sanitizers: the native build's
# is reused.)
ASAN_MAKE := $(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 WEB=$(WEB) WASM_OBJ=$(WASM_OBJ)
asan: deps
	@$(MAKE) --no-print-directory $(WEB_OUT)
	@$(ASAN_MAKE) all
	@CK_FORK=no ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		$(ASAN_MAKE) check-unit check-vectors check-tools check-ct check-integration

# Fuzzers (tests/fuzz/, libFuzzer with clang-14, ASan + UBSan, in
# build/fuzz/): the upload parser, the study parser and compiler, HPKE
# open, the Prio3 decoders, the peer API and party.pub.json. Seed corpora come from
# fuzz_seeds; `make fuzz` runs each fuzzer FUZZ_RUNS times (1,000,000), and
# `make test` runs each briefly on its corpus (check-fuzz, FUZZ_RUNS=2000).
FUZZERS    := upload study hpke prio3 peer party
FUZZ_BIN   := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_DIR   := build/fuzz
FUZZ_RUNS  ?= 1000000
FUZZ_OBJ   := $(BUILD)/obj/tests/fuzz/fixture.o $(BUILD)/obj/tests/common/example_study.o \
              $(filter-out %/main.o,$(PARTY_SRC:%.c=$(BUILD)/obj/%.o)) $(PARTY_GEN:%.c=%.o) \
              $(CORE_OBJ) $(LIB_OBJ) $(HTTPC_OBJ) $(SUPPRESS_OBJ) $(REPORT_OBJ)
FUZZ_MAKE  := $(MAKE) --no-print-directory BUILD=$(FUZZ_DIR) CC=clang-14 SAN=1 FUZZ=1 \
              WEB=$(WEB) WASM_OBJ=$(WASM_OBJ)

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJ) $(NATIVE_MBEDTLS)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ -o $@ $(SERVER_LIBS) $(CORE_LIBS)

$(BUILD)/fuzz/fuzz_seeds: $(BUILD)/obj/tests/fuzz/fuzz_seeds.o $(FUZZ_OBJ) $(NATIVE_MBEDTLS)
	@mkdir -p $(@D)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(SERVER_LIBS) $(CORE_LIBS)

fuzz-bins: $(FUZZ_BIN) $(BUILD)/fuzz/fuzz_seeds

# FUZZ_RUNS executions of each fuzzer from its corpus (build/fuzz/corpus/,
# grown by the runs); a crash stops with the input that caused it saved as
# build/fuzz/crash-*; inputs that once crashed are kept in
# tests/fuzz/regressions/NAME/ and run first.
fuzz: deps
	@$(MAKE) --no-print-directory $(WEB_OUT)
	@$(FUZZ_MAKE) fuzz-bins
	@$(FUZZ_DIR)/fuzz/fuzz_seeds $(FUZZ_DIR)/corpus >/dev/null
	@set -e; for f in $(FUZZERS); do \
		log=$(FUZZ_DIR)/fuzz_$$f.log; \
		if [ -d tests/fuzz/regressions/$$f ]; then \
			$(FUZZ_DIR)/fuzz/fuzz_$$f tests/fuzz/regressions/$$f/* >$$log 2>&1 || \
				{ tail -n 40 $$log; echo "fuzz_$$f: a regression input fails again"; exit 1; }; \
			echo "== fuzz_$$f: $$(ls tests/fuzz/regressions/$$f | wc -l) regression input(s) pass"; \
		fi; \
		if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
			$(FUZZ_DIR)/fuzz/fuzz_$$f -runs=$(FUZZ_RUNS) -max_len=65536 -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus/$$f >$$log 2>&1; then \
			tail -n 60 $$log; echo "fuzz_$$f failed: the input is saved as $(FUZZ_DIR)/crash-*"; \
			exit 1; \
		fi; \
		echo "== fuzz_$$f: $$(grep -o 'stat::number_of_executed_units: [0-9]*' $$log | \
			sed 's/.*: //') runs clean, corpus $$(ls $(FUZZ_DIR)/corpus/$$f | wc -l) inputs"; \
	done

check-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZ_RUNS=2000

# The whole system on this machine (scripts/demo): 3 parties, ~500
# synthetic employees, the compute and the report; runs until Ctrl-C.
demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/ctobj $(BUILD)/wasm -name '*.d' 2>/dev/null)
