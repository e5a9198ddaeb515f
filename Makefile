# icsflow build. `make` builds build/icsflow; `make test` builds an instrumented
# copy under build/asan and runs every test; `make run` starts the server on
# the NWL dataset; `make bench` runs the benchmarks. scripts/deps.sh installs
# whatever Debian packages are missing first.

CC      ?= cc
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror
INCS    := -Isrc -Ibuild/gen
DEFS    := -DICS_SRC_DIR=\"$(CURDIR)\" -DICS_VERSION=\"$(shell cat VERSION)\"
LDLIBS  := -lmicrohttpd -ljansson -lsqlite3 -lsodium -lm -lpthread
OPT     := -O2 -g
ASAN    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRCS    := $(shell find src -name '*.c' | sort)
MAIN    := src/cli/main.c
LIBSRCS := $(filter-out $(MAIN),$(SRCS))
GENSRCS := build/gen/openapi.c
OBJS    := $(LIBSRCS:%.c=build/obj/%.o) build/obj/gen/openapi.o
AOBJS   := $(LIBSRCS:%.c=build/asan/obj/%.o) build/asan/obj/gen/openapi.o
UNITS   := $(patsubst tests/unit/%.c,build/asan/tests/%,$(wildcard tests/unit/test_*.c))

DB      ?= icsflow.db
LISTEN  ?= 127.0.0.1:8080

.PHONY: all deps test unit run bench format clean web
all: build/icsflow

deps:
	@scripts/deps.sh build

build/gen/openapi.c: docs/openapi.json scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh ics_openapi_json $< > $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -c $< -o $@

build/asan/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) -c $< -o $@

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) $(INCS) $(DEFS) -MMD -MP -c $< -o $@

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) $(INCS) $(DEFS) -MMD -MP -c $< -o $@

build/libicsflow.a: $(OBJS)
	ar rcs $@ $^

build/asan/libicsflow.a: $(AOBJS)
	ar rcs $@ $^

build/icsflow: build/obj/$(MAIN:.c=.o) build/libicsflow.a
	$(CC) $(OPT) -o $@ $^ $(LDLIBS)

build/asan/icsflow: build/asan/obj/$(MAIN:.c=.o) build/asan/libicsflow.a
	$(CC) $(ASAN) -o $@ $^ $(LDLIBS)

build/asan/tests/%: tests/unit/%.c build/asan/libicsflow.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(ASAN) $(INCS) $(DEFS) -Itests -o $@ $< build/asan/libicsflow.a $(LDLIBS) -lcmocka

unit: $(UNITS)

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build/asan/icsflow build/icsflow unit
	@tests/run.sh

run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build/icsflow
	@scripts/run.sh "$(DB)" "$(LISTEN)"

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build/icsflow
	@bench/run.sh

format:
	clang-format -i $(SRCS) $(wildcard tests/unit/*.c tests/unit/*.h bench/*.c bench/*.cpp)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
