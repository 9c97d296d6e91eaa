# routec: one non-recursive Makefile.
#   make            build build/routec
#   make run        build and serve samples/default.cfg on 127.0.0.1:5060
#   make test       every suite; ends with "N passed, N failed"   (SAN=1: ASan+UBSan)
#   make bench      figures, never pass/fail
#   make fuzz       libFuzzer on the front end (clang)            (FUZZ_SECONDS=600)
#   make check-update [T=NN]   regenerate golden diagnostics of tests/check
#   make docs       regenerate docs/modules.md from the exports tables
#   make install PREFIX=/usr/local

CC      ?= cc
PREFIX  ?= /usr/local
SAN     ?=
B       := build$(if $(SAN),-san)

CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wmissing-prototypes -Wshadow -Wno-unused-parameter
SANFL   := -fsanitize=address,undefined -fno-sanitize-recover=all
OPT     := $(if $(SAN),-O1 -g -fno-omit-frame-pointer $(SANFL),-O2 -g)
CFLAGS  += $(CSTD) $(WARN) $(OPT) -I$(B)/gen -Igrammar -Icompiler -Iruntime/include -Iruntime
LDFLAGS += $(if $(SAN),$(SANFL))
LDLIBS  += -lpcre2-8

# Generated scanner/parser: warnings there are flex's and bison's, not ours.
GENFLAGS := $(CSTD) $(OPT) -Wall -Wno-unused-function -Wno-sign-compare -Wno-unused-parameter \
            -I$(B)/gen -Igrammar -Icompiler -Iruntime/include -Iruntime

DRIVER_SRC := compiler/jit.c compiler/build.c $(wildcard compiler/reload*.c) compiler/ctl.c
FRONT_SRC := grammar/pp.c grammar/pp_subst.c $(filter-out compiler/main.c $(DRIVER_SRC),$(wildcard compiler/*.c))
FRONT_OBJ := $(FRONT_SRC:%.c=$(B)/%.o) $(B)/gen/lexer.o $(B)/gen/parser.o
# DRIVER_SRC: the parts of the compiler that need the runtime or libtcc, only
# linked into routec.

.PHONY: all deps run test check-update bench fuzz install clean docs
all: deps $(B)/routec

deps:
	@sh mk/deps.sh build

$(B)/gen/parser.c $(B)/gen/parser.h: grammar/parser.y
	@mkdir -p $(B)/gen
	bison -Wall -Werror --defines=$(B)/gen/parser.h -o $(B)/gen/parser.c $<

$(B)/gen/lexer.c $(B)/gen/lexer.h: grammar/lexer.l
	@mkdir -p $(B)/gen
	flex --header-file=$(B)/gen/lexer.h -o $(B)/gen/lexer.c $<

$(B)/gen/%.o: $(B)/gen/%.c $(B)/gen/parser.h $(B)/gen/lexer.h
	$(CC) $(GENFLAGS) -c -o $@ $<

$(B)/%.o: %.c $(B)/gen/parser.h $(B)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libfront.a: $(FRONT_OBJ)
	rm -f $@ && ar rcs $@ $^

# The runtime: what generated code runs on (routec run links it in, routec
# build links it into each standalone proxy).
RT_SRC := $(wildcard runtime/sip/*.c runtime/core/*.c runtime/pv/*.c runtime/modules/*.c runtime/modules/*/*.c)
RT_OBJ := $(RT_SRC:%.c=$(B)/%.o)
RT_LIBS := -lpcre2-8 -lsqlite3 -lm -lpthread
$(B)/librt.a: $(RT_OBJ)
	rm -f $@ && ar rcs $@ $^

# routec.h embedded as a string: the JIT compiles it in front of generated
# code, and routec build writes it next to the generated file.
$(B)/gen/jit_header.c: runtime/include/routec.h
	@mkdir -p $(B)/gen
	awk 'BEGIN { print "const char jit_header[] =" } \
	     { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); print "\"" $$0 "\\n\"" } \
	     END { print ";" }' $< > $@

ROUTEC_OBJ := $(B)/compiler/main.o $(DRIVER_SRC:%.c=$(B)/%.o) $(B)/gen/jit_header.o
$(B)/routec: $(ROUTEC_OBJ) $(B)/libfront.a $(B)/librt.a
	$(CC) $(LDFLAGS) -o $@ $^ -ltcc -ldl $(LDLIBS) $(RT_LIBS)

run: all
	$(B)/routec run samples/default.cfg

test:
	@sh mk/deps.sh test
	@$(MAKE) --no-print-directory $(B)/routec
	@ROUTEC=$(B)/routec B=$(B) sh tests/run

check-update: $(B)/routec
	@ROUTEC=$(B)/routec sh tests/check/update.sh $(T)

bench:
	@sh mk/deps.sh bench
	@$(MAKE) --no-print-directory $(B)/routec build/bench-front build/bench-sip build/loadgen build/uas
	@sh bench/run.sh

build/bench-front: bench/bench_front.c $(B)/libfront.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer: the front end built again with clang, coverage and ASan.
FUZZ_SECONDS ?= 600
FZ := build-fuzz
FZFLAGS := $(CSTD) -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -I$(FZ)/gen -Igrammar -Icompiler -Iruntime/include -Iruntime
$(FZ)/gen/parser.c $(FZ)/gen/parser.h: grammar/parser.y
	@mkdir -p $(FZ)/gen
	bison --defines=$(FZ)/gen/parser.h -o $(FZ)/gen/parser.c $<
$(FZ)/gen/lexer.c $(FZ)/gen/lexer.h: grammar/lexer.l
	@mkdir -p $(FZ)/gen
	flex --header-file=$(FZ)/gen/lexer.h -o $(FZ)/gen/lexer.c $<
$(FZ)/fuzz_front: tests/fuzz/fuzz_front.c $(FRONT_SRC) $(FZ)/gen/lexer.c $(FZ)/gen/parser.c $(wildcard grammar/*.h compiler/*.h compiler/*.def)
	clang $(FZFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_front.c $(FRONT_SRC) $(FZ)/gen/lexer.c $(FZ)/gen/parser.c -lpcre2-8
fuzz: deps
	@sh mk/deps.sh test
	@$(MAKE) --no-print-directory $(FZ)/fuzz_front
	mkdir -p $(FZ)/corpus tests/corpus/fuzz
	$(FZ)/fuzz_front -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 \
	  -artifact_prefix=tests/corpus/fuzz/ -dict=tests/fuzz/cfg.dict $(FZ)/corpus tests/check tests/corpus/fuzz tests/fuzz/seeds

docs: $(B)/routec
	$(B)/routec doc modules > docs/modules.md

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/routec $(DESTDIR)$(PREFIX)/bin/routec

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# Standalone SIP tools, built from their own sources only (no routec code):
# $(B)/sipua, the scriptable test UA (tests/sip/ua/README.md); $(B)/loadgen and
# $(B)/uas, the load generator and the fast answering end of `make bench`.
UA_SRC := $(wildcard tests/sip/ua/*.c)
$(B)/sipua: $(UA_SRC) $(wildcard tests/sip/ua/*.h)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(UA_SRC)
$(B)/loadgen: bench/loadgen.c bench/loadgen_cli.c bench/loadgen.h
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/loadgen.c bench/loadgen_cli.c
$(B)/uas: bench/uas.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
.PHONY: sip-tools
sip-tools: $(B)/sipua $(B)/loadgen $(B)/uas

# libFuzzer on the SIP message layer (runtime/sip), built like fuzz_front:
#   make fuzz-sip [FUZZ_SECONDS=600]
# Seeds are the unit tests' SIP corpus (sip_cases_test --dump); crashers are
# written to tests/corpus/fuzz-sip/ and replayed by tests/fuzz/replay_sip.sh.
SIP_SRC := runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c runtime/sip/lump.c runtime/sip/build.c
.PHONY: fuzz-sip
$(FZ)/fuzz_sip: tests/fuzz/fuzz_sip.c $(SIP_SRC) $(wildcard runtime/sip/*.h runtime/sip/*.def)
	@mkdir -p $(FZ)
	clang $(FZFLAGS) -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_sip.c $(SIP_SRC)
$(FZ)/sip_cases_test: tests/unit/sip_cases_test.c $(SIP_SRC) $(wildcard runtime/sip/*.h runtime/sip/*.def)
	@mkdir -p $(FZ)
	$(CC) $(CSTD) -g -Iruntime -o $@ tests/unit/sip_cases_test.c runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c
fuzz-sip:
	@sh mk/deps.sh test
	@$(MAKE) --no-print-directory $(FZ)/fuzz_sip $(FZ)/sip_cases_test
	mkdir -p $(FZ)/corpus-sip $(FZ)/seeds-sip tests/corpus/fuzz-sip
	$(FZ)/sip_cases_test --dump $(FZ)/seeds-sip
	$(FZ)/fuzz_sip -max_total_time=$(FUZZ_SECONDS) -timeout=5 -rss_limit_mb=2048 -max_len=8192 \
	  -artifact_prefix=tests/corpus/fuzz-sip/ $(FZ)/corpus-sip $(FZ)/seeds-sip tests/corpus/fuzz-sip

# The SIP layer's micro benchmark (figures only): make build/bench-sip && build/bench-sip
build/bench-sip: bench/bench_sip.c $(SIP_SRC) $(wildcard runtime/sip/*.h runtime/sip/*.def)
	@mkdir -p build
	$(CC) $(CSTD) $(WARN) -O2 -Iruntime -o $@ bench/bench_sip.c $(SIP_SRC) -losipparser2

# routec's SIP parser against libosip2 over messages the SIP tests recorded
# (tests/sip/osip_check.c; run by tests/sip/run.sh and tests/sip/diff_kamailio.sh).
$(B)/osip_check: tests/sip/osip_check.c $(wildcard runtime/sip/*.c runtime/sip/*.h runtime/sip/*.def)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/sip/osip_check.c $(wildcard runtime/sip/*.c) -losipparser2
