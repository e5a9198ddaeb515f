# icsflow build. `make` builds build/icsflow; `make test` builds an instrumented
# copy under build/asan and runs every test; `make run` starts the server on
# the NWL dataset; `make bench` runs the benchmarks. scripts/deps.sh installs
# whatever Debian packages are missing first.


BUILD   ?= build
CC      ?= cc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
# cairo and pango draw the PDF reports (src/report); pkg-config names their headers and libraries
PANGO   := pangocairo
INCS    := -Isrc -I$(BUILD)/gen -I/usr/include/postgresql $(shell pkg-config --cflags $(PANGO))
DEFS    := -DICS_VERSION=\"$(shell cat VERSION)\"
LDLIBS  := -lmicrohttpd -ljansson -lsqlite3 -lpq -lsodium -lcurl -lcrypto -lm -lpthread \
           $(shell pkg-config --libs $(PANGO))
OPT     := -O2 -g
ASAN    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# ThreadSanitizer build of the server for the concurrent tests (tests/tsan/, run by tests/run.sh)
TSAN    := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
# libFuzzer targets (tests/fuzz), built with clang: `make test` runs each a
# few seconds, `make fuzz` for FUZZ_SECONDS each
FUZZ_CC ?= clang
FUZZ    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
           -Wno-string-concatenation
FUZZ_SECONDS ?= 300

SRCS    := $(shell find src -name '*.c' | sort)
MAIN    := src/cli/main.c
LIBSRCS := $(filter-out $(MAIN),$(SRCS))
GENSRCS := $(BUILD)/gen/openapi.c
OBJS    := $(LIBSRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/openapi.o
AOBJS   := $(LIBSRCS:%.c=$(BUILD)/asan/obj/%.o) $(BUILD)/asan/obj/gen/openapi.o
TOBJS   := $(SRCS:%.c=$(BUILD)/tsan/obj/%.o) $(BUILD)/tsan/obj/gen/openapi.o
FOBJS   := $(LIBSRCS:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/gen/openapi.o
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(wildcard tests/unit/test_*.c))

DB      ?= icsflow.db
LISTEN  ?= 127.0.0.1:8080

.PHONY: all deps test unit run bench format clean web install fuzz fuzzers
all: $(BUILD)/icsflow web

deps:
	@scripts/deps.sh build

OPENAPI := docs/openapi/base.json $(filter-out docs/openapi/base.json,$(sort $(wildcard docs/openapi/*.json)))

$(BUILD)/gen/openapi.json: $(OPENAPI) scripts/openapi.sh
	@mkdir -p $(dir $@)
	scripts/openapi.sh $@ $(OPENAPI)

$(BUILD)/gen/openapi.c: $(BUILD)/gen/openapi.json scripts/embed.sh
	scripts/embed.sh ics_openapi_json $< > $@.tmp.$$$$ && mv $@.tmp.$$$$ $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -c $< -o $@

$(BUILD)/asan/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) -c $< -o $@

$(BUILD)/tsan/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(TSAN) -c $< -o $@

$(BUILD)/tsan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(TSAN) $(INCS) $(DEFS) -MMD -MP -c $< -o $@

$(BUILD)/tsan/icsflow: $(TOBJS)
	$(CC) $(TSAN) -o $@ $^ $(LDLIBS)

$(BUILD)/fuzz/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ) -fsanitize=fuzzer-no-link $(INCS) $(DEFS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/libicsflow.a: $(FOBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzz/libicsflow.a
	$(FUZZ_CC) $(CSTD) $(WARN) $(FUZZ) -fsanitize=fuzzer $(INCS) $(DEFS) -o $@ $< -Wl,--whole-archive $(BUILD)/fuzz/libicsflow.a -Wl,--no-whole-archive $(LDLIBS)

fuzzers: $(FUZZERS)

fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BUILD)/icsflow fuzzers
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) $(DEFS) -MMD -MP -c $< -o $@

$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) $(INCS) $(DEFS) -MMD -MP -c $< -o $@

$(BUILD)/libicsflow.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/libicsflow.a: $(AOBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/icsflow: $(BUILD)/obj/$(MAIN:.c=.o) $(BUILD)/libicsflow.a
	$(CC) $(OPT) -o $@ $< -Wl,--whole-archive $(BUILD)/libicsflow.a -Wl,--no-whole-archive $(LDLIBS)

$(BUILD)/asan/icsflow: $(BUILD)/asan/obj/$(MAIN:.c=.o) $(BUILD)/asan/libicsflow.a
	$(CC) $(ASAN) -o $@ $< -Wl,--whole-archive $(BUILD)/asan/libicsflow.a -Wl,--no-whole-archive $(LDLIBS)

$(BUILD)/asan/tests/%: tests/unit/%.c $(BUILD)/asan/libicsflow.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) $(INCS) $(DEFS) -DICS_SRC_DIR=\"$(CURDIR)\" -Itests -o $@ $< -Wl,--whole-archive $(BUILD)/asan/libicsflow.a -Wl,--no-whole-archive $(LDLIBS) -lcmocka

unit: $(UNITS)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory $(BUILD)/asan/icsflow $(BUILD)/tsan/icsflow $(BUILD)/icsflow unit fuzzers web
	@BUILD=$(BUILD) tests/run.sh

run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory $(BUILD)/icsflow web
	@scripts/run.sh "$(DB)" "$(LISTEN)"

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(BUILD)/icsflow
	@bench/run.sh

# The dashboard's vendor files come from npm (package-lock.json); npm ci
# runs only when node_modules is missing or older than the lockfile.
web: web/vendor/chart.umd.min.js

node_modules/.package-lock.json: package-lock.json
	@scripts/deps.sh web
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/vendor/chart.umd.min.js: node_modules/.package-lock.json
	@mkdir -p web/vendor
	cp node_modules/chart.js/dist/chart.umd.min.js web/vendor/
	cp node_modules/chart.js/LICENSE.md web/vendor/chart.js-LICENSE.md

# make install PREFIX=P: P/bin/icsflow and P/share/icsflow/{data,web}; the
# binary finds the folders beside itself (docs/architecture.md).
PREFIX ?= /usr/local
install: $(BUILD)/icsflow web
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/icsflow
	install -m 755 $(BUILD)/icsflow $(DESTDIR)$(PREFIX)/bin/icsflow
	rm -rf $(DESTDIR)$(PREFIX)/share/icsflow/data $(DESTDIR)$(PREFIX)/share/icsflow/web
	cp -R data $(DESTDIR)$(PREFIX)/share/icsflow/data
	cp -R web $(DESTDIR)$(PREFIX)/share/icsflow/web

format:
	clang-format -i $(SRCS) $(wildcard tests/unit/*.c tests/unit/*.h bench/*.c bench/*.cpp)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
