# pam_cerbo - a file-based API-credential backend for PAM.
# Plain GNU make; every output goes under $(B) (build/ by default).

VERSION   := 0.1.0
PREFIX    ?= /usr/local
B         ?= build

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wvla
HARDEN    := -fstack-protector-strong -fPIC -fno-strict-aliasing
CPPFLAGS  += -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -Istore
LDHARDEN  := -Wl,-z,relro,-z,now -Wl,--as-needed
ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(SANITIZE)
ALL_LDFLAGS = $(LDFLAGS) $(LDHARDEN) $(SANITIZE)
LIBS      := -lyaml -lsodium

STORE_SRCS   := $(sort $(wildcard store/*.c))
STORE_OBJS   := $(STORE_SRCS:%.c=$(B)/%.o)
PAM_SRCS     := $(sort $(wildcard pam_cerbo/*.c))
PAM_OBJS     := $(PAM_SRCS:%.c=$(B)/%.o)
CLI_SRCS     := $(sort $(wildcard tools/cli*.c))
APIUSER_SRCS := tools/cerbo-apiuser.c $(sort $(wildcard tools/apiuser_*.c))
PROFILE_SRCS := tools/cerbo-profile.c $(sort $(wildcard tools/profile_*.c))
UNIT_SRCS    := $(sort $(wildcard tests/unit/test_*.c))
PAMT_SRCS    := $(sort $(wildcard tests/pam/test_*.c))

LIB_A    := $(B)/libcerbo.a
LIB_SO   := $(B)/libcerbo.so.0
MODULE   := $(B)/pam_cerbo.so
TOOLS    := $(B)/cerbo-apiuser $(B)/cerbo-profile
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
PAMT_BINS := $(PAMT_SRCS:tests/pam/%.c=$(B)/tests/pam/%)

.PHONY: all lib module tools tests check check-run asan valgrind deps \
        demo demo-serve bench fuzz lint format install uninstall clean

all: lib module tools

lib: $(LIB_A) $(LIB_SO)
module: $(MODULE)
tools: $(TOOLS)
tests: all $(UNIT_BINS) $(PAMT_BINS)

$(B)/%.o: %.c $(wildcard store/*.h) $(wildcard tools/*.h) \
          $(wildcard pam_cerbo/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(STORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(STORE_OBJS) store/libcerbo.map
	$(CC) -shared -Wl,-soname,libcerbo.so.0 \
	    -Wl,--version-script=store/libcerbo.map $(ALL_LDFLAGS) \
	    -o $@ $(STORE_OBJS) $(LIBS)

# -z nodelete keeps the module, and its store cache, resident across
# pam_start/pam_end; the version script exports only pam_sm_*.
$(MODULE): $(PAM_OBJS) $(LIB_A) pam_cerbo/pam_cerbo.map
	$(CC) -shared -Wl,-z,nodelete \
	    -Wl,--version-script=pam_cerbo/pam_cerbo.map $(ALL_LDFLAGS) \
	    -o $@ $(PAM_OBJS) $(LIB_A) -lpam $(LIBS) -lpthread

$(B)/cerbo-apiuser: $(APIUSER_SRCS:%.c=$(B)/%.o) $(CLI_SRCS:%.c=$(B)/%.o) \
                    $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -pie -o $@ $^ $(LIBS) -lpthread

$(B)/cerbo-profile: $(PROFILE_SRCS:%.c=$(B)/%.o) $(CLI_SRCS:%.c=$(B)/%.o) \
                    $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -pie -o $@ $^ $(LIBS) -lpthread

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LIBS) -lpthread

$(B)/tests/pam/%: $(B)/tests/pam/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka -lpam -lpam_misc $(LIBS) \
	    -lpthread

# Installs missing build and test packages (Debian 12), then runs all.
check: deps
	$(MAKE) tests
	B=$(B) tests/run.sh

check-run: tests
	B=$(B) tests/run.sh

asan: deps
	$(MAKE) B=build-asan CFLAGS="-O1 -g" \
	    SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    check-run

valgrind: deps
	$(MAKE) tests
	B=$(B) CERBO_VALGRIND=1 tests/run.sh

deps:
	tests/deps.sh test

demo:
	etc/demo/demo.sh

demo-serve:
	etc/demo/demo.sh --serve

format:
	clang-format -i $(STORE_SRCS) store/*.h $(PAM_SRCS) tools/*.c \
	    $(wildcard tools/*.h) $(UNIT_SRCS) $(PAMT_SRCS)

clean:
	rm -rf build build-asan build-fuzz
