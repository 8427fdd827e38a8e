# ppo: build, test, bench. `make` builds ./ppo; `make test` installs what is missing, builds and
# runs every Check suite, then again under AddressSanitizer and UndefinedBehaviorSanitizer.
CC ?= cc
BUILD := build
OPT ?= -O2
# make examples (below): its folder, the checkpoint it trains, how it compiles exported code, and
# the objects of ppo's CartPole it links.
EX := $(BUILD)/examples
EX_CKPT := $(EX)/runs/cartpole/checkpoints/latest.ckpt
EX_CFLAGS := -std=c99 -Wall -Wextra -Werror -pedantic -O2
EX_ENV_OBJS := $(BUILD)/release/envs/cartpole.o $(BUILD)/release/core/rng.o $(BUILD)/release/core/err.o

# pkg-config modules and the Debian package that provides each (for the hint when one is missing).
# VIEWER=0 builds without SDL2 (for machines without display libraries, such as cluster nodes):
# viewer/headless.c stands in for the viewer, and watch, play, plot and --watch say so.
VIEWER ?= 1
PKGS := openblas yaml-0.1 zlib check libprotobuf-c libisal
ifeq ($(VIEWER),1)
PKGS += sdl2 SDL2_ttf SDL2_image libgif
endif
DEB_openblas := libopenblas-dev
DEB_sdl2 := libsdl2-dev
DEB_SDL2_ttf := libsdl2-ttf-dev
DEB_SDL2_image := libsdl2-image-dev
DEB_yaml-0.1 := libyaml-dev
DEB_zlib := zlib1g-dev
DEB_check := check
DEB_libprotobuf-c := libprotobuf-c-dev
DEB_libisal := libisal-dev
DEB_libgif := libgif-dev

# MPI (data-parallel training, core/dist.c): built in when pkg-config finds Open MPI's ompi-c
# (libopenmpi-dev), left out with MPI=0; MPI=1 insists and stops with the install hint when it
# is missing. Only core/dist.c is compiled with -DPPO_MPI; without MPI it is a one-process world.
ifeq ($(origin MPI),undefined)
MPI := $(shell pkg-config --exists ompi-c 2>/dev/null && echo 1 || echo 0)
endif
ifeq ($(MPI),1)
PKGS += ompi-c
DEB_ompi-c := libopenmpi-dev
endif

# The libraries are remade when VIEWER changes (they hold the viewer or its stand-in).
VIEWER_STAMP := $(BUILD)/viewer-setting
$(shell mkdir -p $(BUILD); [ "$$(cat $(VIEWER_STAMP) 2>/dev/null)" = "$(VIEWER)" ] || echo "$(VIEWER)" > $(VIEWER_STAMP))
PKG_CFLAGS := $(shell pkg-config --cflags $(filter-out check,$(PKGS)) 2>/dev/null) \
  $(shell pkg-config --cflags check 2>/dev/null)
APP_LIBS := $(shell pkg-config --libs $(filter-out check,$(PKGS)) 2>/dev/null) -lm -pthread
TEST_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread

# snprintf into bounded buffers truncates on purpose (messages, names); GCC's guess that it
# might is not an error.
WARN := -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS_ALL := -std=c11 $(WARN) -D_DEFAULT_SOURCE -I. -I$(BUILD)/gen -pthread $(PKG_CFLAGS) $(CFLAGS)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

APP_MAIN := cli/main.c
# The layers, bottom up (README "Layout"); a file includes only from its own folder or a lower
# layer (scripts/check-layers.sh, run by make test).
LAYERS := core envs policies algo run viewer cli
ALL_SRCS := $(filter-out $(APP_MAIN),$(wildcard $(addsuffix /*.c,$(LAYERS)) envs/gridworld/*.c envs/popgym/*.c))
# TensorBoard's event protos (proto/, copied from TensorBoard), compiled to C by protoc-c into
# $(BUILD)/gen at build time; only run/tensorboard.c uses them.
PROTOS := $(wildcard proto/tensorboard/compat/proto/*.proto)
PROTO_C := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)
ifeq ($(VIEWER),1)
LIB_SRCS := $(filter-out viewer/headless.c,$(ALL_SRCS)) $(PROTO_C)
else
LIB_SRCS := $(filter-out viewer/%,$(ALL_SRCS)) viewer/headless.c $(PROTO_C)
endif
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_HELPERS := tests/testutil.c
# Modules built again with `real` = double for the gradient checks (tests/gradcheck_*.c).
REAL_SRCS := core/err.c core/rng.c core/dist.c algo/loss.c $(wildcard policies/*.c)
GRAD_SRCS := $(wildcard tests/gradcheck_*.c)

# `make V=1` prints the compiler commands; by default one short line per file.
ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all deps libs test test-release test-asan check-layers mpi-required bench bench-mpi fuzz clean train help install uninstall examples run-examples
.DEFAULT_GOAL := all
# Keep intermediate objects (test objects are made by pattern rules).
.SECONDARY:

all: ppo

help:
	@echo "make          build ./ppo"
	@echo "make deps     install the missing Debian packages (apt-get, sudo when not root)"
	@echo "make test     deps + build + the layer check + every test suite, then again with ASan and UBSan"
	@echo "make train    deps + build + ./ppo train configs/cartpole.yaml"
	@echo "make bench    speed benchmarks"
	@echo "make examples deps + build + train CartPole, export it as C, check it, play it (build/examples/)"
	@echo "make fuzz     fuzz every loader with libFuzzer (clang), FUZZ_SECONDS (60) per target;"
	@echo "              FUZZ_TARGETS=\"checkpoint config map progress policy\" picks some"
	@echo "make install  put ppo in $(PREFIX)/bin (PREFIX=/usr/local by default)"
	@echo "make bench-mpi  2 MPI ranks against 1 process (scripts/bench-mpi.sh)"
	@echo "make clean    remove build outputs"

deps:
	@scripts/deps.sh

# Stops the build with the package to install when pkg-config or a library is missing.
libs:
	@command -v pkg-config >/dev/null 2>&1 || { echo "error: pkg-config is missing: apt-get install pkg-config (or run 'make deps')"; exit 1; }
	@command -v protoc-c >/dev/null 2>&1 || { echo "error: protoc-c is missing: apt-get install protobuf-c-compiler (or run 'make deps')"; exit 1; }
	@for p in $(filter-out $(if $(TESTING),,check),$(PKGS)); do \
	  pkg-config --exists $$p || { \
	    case $$p in openblas) d=$(DEB_openblas);; sdl2) d=$(DEB_sdl2);; SDL2_ttf) d=$(DEB_SDL2_ttf);; SDL2_image) d=$(DEB_SDL2_image);; yaml-0.1) d=$(DEB_yaml-0.1);; zlib) d=$(DEB_zlib);; check) d=$(DEB_check);; libprotobuf-c) d=$(DEB_libprotobuf-c);; libisal) d=$(DEB_libisal);; libgif) d=$(DEB_libgif);; ompi-c) d="$(DEB_ompi-c) openmpi-bin";; *) d=$$p;; esac; \
	    echo "error: library '$$p' not found by pkg-config: apt-get install $$d (or run 'make deps')"; exit 1; }; \
	done

# $(call variant,NAME,EXTRA_CFLAGS,LIB_SOURCES): object files and a static library per build variant.
define variant
$(BUILD)/$(1)/%.o: %.c | libs
	@mkdir -p $$(dir $$@)
	@$(if $(Q),echo "  CC  $(1) $$<")
	$(Q)$$(CC) $$(CFLAGS_ALL) $(2) -MMD -MP -c $$< -o $$@
$(BUILD)/$(1)/libppo.a: $$(patsubst %.c,$(BUILD)/$(1)/%.o,$(3)) $(VIEWER_STAMP)
	@rm -f $$@
	$(Q)ar rcs $$@ $$(filter %.o,$$^)
-include $$(patsubst %.c,$(BUILD)/$(1)/%.d,$(3) $(TEST_SRCS) $(TEST_HELPERS) $(GRAD_SRCS) $(APP_MAIN))
endef

# dist.o is rebuilt (and everything relinked) when MPI changes: the stamp holds the last value.
MPI_STAMP := $(BUILD)/mpi-setting
$(shell mkdir -p $(BUILD); [ "$$(cat $(MPI_STAMP) 2>/dev/null)" = "$(MPI)" ] || echo "$(MPI)" > $(MPI_STAMP))
$(BUILD)/release/core/dist.o $(BUILD)/asan/core/dist.o: $(MPI_STAMP)
ifeq ($(MPI),1)
$(BUILD)/%/core/dist.o: CFLAGS_ALL += -DPPO_MPI
endif

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto | libs
	@mkdir -p $(BUILD)/gen
	@$(if $(Q),echo "  PROTOC-C $<")
	$(Q)protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<
# the generated files include each other's headers
$(foreach v,release asan,$(patsubst %.c,$(BUILD)/$(v)/%.o,$(PROTO_C) run/tensorboard.c)): $(PROTO_H)

$(eval $(call variant,release,$(OPT),$(LIB_SRCS)))
$(eval $(call variant,asan,-O1 -g $(SAN),$(LIB_SRCS)))
$(eval $(call variant,double,$(OPT) -DPPO_REAL_DOUBLE,$(REAL_SRCS)))
$(eval $(call variant,double-asan,-O1 -g $(SAN) -DPPO_REAL_DOUBLE,$(REAL_SRCS)))

ppo: $(BUILD)/release/cli/main.o $(BUILD)/release/libppo.a
	$(Q)$(CC) $(CFLAGS_ALL) $(OPT) $^ $(APP_LIBS) -o $@

REL_TESTS := $(patsubst tests/%.c,$(BUILD)/release/bin/%,$(TEST_SRCS))
ASAN_TESTS := $(patsubst tests/%.c,$(BUILD)/asan/bin/%,$(TEST_SRCS))
REL_GRAD := $(patsubst tests/%.c,$(BUILD)/double/bin/%,$(GRAD_SRCS))
ASAN_GRAD := $(patsubst tests/%.c,$(BUILD)/double-asan/bin/%,$(GRAD_SRCS))

$(BUILD)/release/bin/%: $(BUILD)/release/tests/%.o $(BUILD)/release/tests/testutil.o $(BUILD)/release/libppo.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ $(TEST_LIBS) -o $@
$(BUILD)/asan/bin/%: $(BUILD)/asan/tests/%.o $(BUILD)/asan/tests/testutil.o $(BUILD)/asan/libppo.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $^ $(TEST_LIBS) -o $@
$(BUILD)/double/bin/%: $(BUILD)/double/tests/%.o $(BUILD)/double/tests/testutil.o $(BUILD)/double/libppo.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $^ $(TEST_LIBS) -o $@
$(BUILD)/double-asan/bin/%: $(BUILD)/double-asan/tests/%.o $(BUILD)/double-asan/tests/testutil.o $(BUILD)/double-asan/libppo.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $^ $(TEST_LIBS) -o $@

# Tests run from the top of the checkout; the CLI tests run this ./ppo (or the asan build of it).
TEST_ENV := OPENBLAS_NUM_THREADS=1 CK_VERBOSITY=normal
ASAN_ENV := $(TEST_ENV) CK_TIMEOUT_MULTIPLIER=10 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

ppo-asan: $(BUILD)/asan/cli/main.o $(BUILD)/asan/libppo.a
	$(Q)$(CC) $(CFLAGS_ALL) $(SAN) $^ $(APP_LIBS) -o $(BUILD)/asan/ppo

test: deps
	@$(MAKE) --no-print-directory TESTING=1 test-release
	@$(MAKE) --no-print-directory TESTING=1 test-asan

# make test runs the MPI tests (tests/test_dist.c under mpirun): it stops when MPI was not found
# after make deps installed it, rather than skip them; make test MPI=0 leaves them out on purpose.
mpi-required:
ifeq ($(MPI)$(origin MPI),0file)
	@echo "error: make test runs the MPI tests, but pkg-config does not find ompi-c: apt-get install libopenmpi-dev openmpi-bin (or run 'make deps'), or leave them out with 'make test MPI=0'"; exit 1
endif

# The include rules of the layers (README "Layout"), and a test that the check catches a
# planted break of each rule.
check-layers:
	@echo "== layers (scripts/check-layers.sh)"
	@scripts/check-layers.sh
	@tests/test_layers.sh

test-release: mpi-required check-layers ppo $(REL_TESTS) $(REL_GRAD)
	@echo "== tests (release build)"
	@fail=0; for t in $(REL_TESTS) $(REL_GRAD); do $(TEST_ENV) PPO_BIN=./ppo $$t || fail=1; done; \
	  [ $$fail -eq 0 ] || { echo "FAILED: some release tests failed (see above)"; exit 1; }

test-asan: mpi-required ppo-asan $(ASAN_TESTS) $(ASAN_GRAD)
	@echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build)"
	@fail=0; for t in $(ASAN_TESTS) $(ASAN_GRAD); do $(ASAN_ENV) PPO_BIN=$(BUILD)/asan/ppo $$t || fail=1; done; \
	  [ $$fail -eq 0 ] || { echo "FAILED: some sanitizer tests failed (see above)"; exit 1; }

$(BUILD)/release/bench: $(BUILD)/release/tests/bench.o $(BUILD)/release/libppo.a
	$(Q)$(CC) $(CFLAGS_ALL) $(OPT) $^ $(APP_LIBS) -o $@

bench: ppo $(BUILD)/release/bench $(EX)/cartpole_bench
	@OPENBLAS_NUM_THREADS=1 $(BUILD)/release/bench
	@echo "== the exported CartPole policy (make examples; $(EX_CFLAGS))"
	@$(EX)/cartpole_bench
	@echo "== CartPole: time to the config's stop (an evaluation of 500), seeds 1-5 (configs/cartpole.yaml)"
	@scripts/bench-train.sh configs/cartpole.yaml "1 2 3 4 5"

# libFuzzer on every loader (README "When something goes wrong"): one target per tests/fuzz/fuzz_T.c,
# each built with clang, ASan and UBSan from exactly the library sources and pkg-config modules
# it needs (FUZZ_SRCS_T, FUZZ_PKGS_T), then run for FUZZ_SECONDS each in turn by
# tests/fuzz/run.sh: seeds from tests/fuzz/corpus/T, new inputs to build/fuzz/corpus/T (the
# committed corpus stays small), reproducers to build/fuzz/findings/T. `make fuzz
# FUZZ_TARGETS="config map"` runs some; FUZZ_OPTS adds libFuzzer options to every run.
FUZZ_SECONDS ?= 60
FUZZ_ALL := checkpoint config map progress policy
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_OPTS ?=
FUZZ_ENVS := core/err.c core/file.c core/rng.c $(wildcard envs/*.c envs/gridworld/*.c envs/popgym/*.c)
FUZZ_POLICIES := $(wildcard policies/*.c)
FUZZ_SRCS_checkpoint := run/checkpoint.c core/file.c core/err.c
FUZZ_PKGS_checkpoint := zlib
FUZZ_SRCS_config := run/config.c $(FUZZ_ENVS) $(FUZZ_POLICIES)
FUZZ_PKGS_config := yaml-0.1 openblas
FUZZ_SRCS_map := $(FUZZ_ENVS)
FUZZ_PKGS_map :=
FUZZ_SRCS_progress := run/progress.c core/file.c core/err.c
FUZZ_PKGS_progress :=
FUZZ_SRCS_policy := run/checkpoint.c run/config.c run/evaluate.c algo/normalize.c core/dist.c $(FUZZ_ENVS) $(FUZZ_POLICIES)
FUZZ_PKGS_policy := yaml-0.1 zlib openblas
FUZZ_HDRS := $(wildcard $(addsuffix /*.h,$(LAYERS)) envs/gridworld/*.h envs/popgym/*.h)
FUZZ_CFLAGS := -std=c11 -g -O1 -D_DEFAULT_SOURCE -I. -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=all

define fuzz_target
$(BUILD)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HDRS) | libs
	@mkdir -p $$(dir $$@)
	@$(if $(Q),echo "  CC  fuzz $$@")
	$(Q)clang $(FUZZ_CFLAGS) $(if $(FUZZ_PKGS_$(1)),$$(shell pkg-config --cflags $(FUZZ_PKGS_$(1)))) \
	  tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) \
	  $(if $(FUZZ_PKGS_$(1)),$$(shell pkg-config --libs $(FUZZ_PKGS_$(1)))) -lm -pthread -o $$@
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call fuzz_target,$(t))))

fuzz:
	@command -v clang >/dev/null 2>&1 || { echo "error: make fuzz needs clang with libFuzzer: apt-get install clang"; exit 1; }
	@$(MAKE) --no-print-directory $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
	@fail=0; for t in $(FUZZ_TARGETS); do \
	  tests/fuzz/run.sh $$t $(FUZZ_SECONDS) $(FUZZ_OPTS) || fail=1; done; \
	  [ $$fail -eq 0 ] || { echo "FAILED: a fuzz target found something (see above)"; exit 1; }

# make examples: a policy exported as C at work (README "Export a policy"). It trains
# configs/cartpole.yaml (seconds) into build/examples/runs/cartpole once, exports it with
# `ppo export` as build/examples/cartpole_policy.{h,c} and its selftest, compiles them as a user
# would (EX_CFLAGS), runs the selftest, prints the object's size, plays 100 episodes of ppo's
# CartPole with it (examples/cartpole.c, linked with ppo's own envs/cartpole.o) and times its
# step (examples/cartpole_bench.c, also in make bench).
examples: deps
	@$(MAKE) --no-print-directory run-examples

run-examples: $(EX)/cartpole_policy_selftest $(EX)/cartpole $(EX)/cartpole_bench
	@echo "== the selftest ppo export wrote ($(EX)/cartpole_policy_selftest.c)"
	@$(EX)/cartpole_policy_selftest
	@echo "== the exported policy's object, $(EX)/cartpole_policy.o ($(EX_CFLAGS))"
	@echo "$$(stat -c %s $(EX)/cartpole_policy.o) bytes; size:"; size $(EX)/cartpole_policy.o
	@echo "== it plays ppo's CartPole ($(EX)/cartpole; the same episodes as ./ppo eval $(EX_CKPT))"
	@$(EX)/cartpole
	@$(EX)/cartpole_bench

$(EX_CKPT): | ppo
	@rm -rf $(EX)/runs/cartpole
	./ppo train configs/cartpole.yaml --quiet --run-name cartpole --set run.runs_dir=$(EX)/runs

# ppo export never overwrites: the old files go first.
$(EX)/cartpole_policy.c: $(EX_CKPT) ppo
	@rm -f $(EX)/cartpole_policy.h $(EX)/cartpole_policy.c $(EX)/cartpole_policy_selftest.c
	./ppo export $(EX_CKPT) -o $(EX)
$(EX)/cartpole_policy.h $(EX)/cartpole_policy_selftest.c: $(EX)/cartpole_policy.c

$(EX)/cartpole_policy.o $(EX)/cartpole_policy_selftest.o: $(EX)/%.o: $(EX)/%.c $(EX)/cartpole_policy.h
	$(Q)$(CC) $(EX_CFLAGS) -c $< -o $@
$(EX)/cartpole_policy_selftest: $(EX)/cartpole_policy_selftest.o $(EX)/cartpole_policy.o
	$(Q)$(CC) $^ -lm -o $@
$(EX)/cartpole $(EX)/cartpole_bench: $(EX)/%: examples/%.c $(EX)/cartpole_policy.o $(EX)/cartpole_policy.h $(EX_ENV_OBJS)
	$(Q)$(CC) -std=c11 $(WARN) -D_DEFAULT_SOURCE -I. -I$(EX) $(OPT) $< $(EX)/cartpole_policy.o $(EX_ENV_OBJS) -lm -o $@

# 2 MPI ranks against 1 process with the same total envs, and time to 475 with 2 ranks.
bench-mpi: ppo
	@scripts/bench-mpi.sh configs/cartpole.yaml 2

train: deps
	@$(MAKE) --no-print-directory ppo
	./ppo train configs/cartpole.yaml

PREFIX ?= /usr/local
install: ppo
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 ppo $(DESTDIR)$(PREFIX)/bin/ppo

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/ppo

clean:
	rm -rf $(BUILD) ppo
