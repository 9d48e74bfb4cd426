# pam_cerbo - a file-based API-credential backend for PAM.
# Plain GNU make; every output goes under $(B) (build/ by default).

# The version has one home, debian/changelog's first entry: the tools'
# --version and cerbo.pc say it too.  (Braces: the parentheses in the sed
# script would end a $(shell ...).)
VERSION   := ${shell sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog}
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif
PREFIX    ?= /usr/local
B         ?= build

CC        ?= cc
CFLAGS    ?= -O2 -g
# Warnings are errors in development and CI; distribution builds, whose
# compiler may be newer than the code, turn that off with WERROR=0.
WERROR    ?= 1
WARN      := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wshadow \
             -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
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
AUTHD_SRCS   := $(sort $(wildcard authd/*.c))
# What the unit tests link: the parts of authd that need no HTTP server.
AUTHD_PURE   := authd/addr.c authd/family.c authd/options.c authd/pool.c \
                authd/throttle.c
UNIT_SRCS    := $(sort $(wildcard tests/unit/test_*.c))
PAMT_SRCS    := $(sort $(wildcard tests/pam/test_*.c))

LIB_A    := $(B)/libcerbo.a
LIB_SO   := $(B)/libcerbo.so.0
MODULE   := $(B)/pam_cerbo.so
TOOLS    := $(B)/cerbo-apiuser $(B)/cerbo-profile
AUTHD    := $(B)/cerbo-authd
# The nginx module, built when nginx-dev's source tree is there.
NGINX_SRC      ?= /usr/share/nginx/src
NGINX_MODULE   := $(B)/ngx_http_auth_cerbo_module.so
NGINX_BUILD    := $(B)/nginx-module
HAVE_NGINX_DEV := $(wildcard $(NGINX_SRC)/configure)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
PAMT_BINS := $(PAMT_SRCS:tests/pam/%.c=$(B)/tests/pam/%)
# LD_PRELOAD fault injector for tests/e2e/faults.sh (see tests/fault/shim.c).
FAULT_SHIM := $(B)/tests/fault/shim.so
# Benchmarks (make bench; check runs a smoke run of them).
BENCH_BINS := $(B)/bench/pam_loop $(B)/bench/verify_bench

.PHONY: all lib module tools authd nginx-module tests check check-system check-unit asan \
        valgrind deps demo demo-serve demo-authd demo-nginx bench fuzz lint format-check abi-check \
        abi-baseline format \
        install uninstall clean

all: lib module tools authd $(if $(HAVE_NGINX_DEV),nginx-module,no-nginx-module)

lib: $(LIB_A) $(LIB_SO)
module: $(MODULE)
tools: $(TOOLS)
authd: $(AUTHD)
# Everything the test suites run (tests/run.sh).
tests: all $(UNIT_BINS) $(PAMT_BINS) $(FAULT_SHIM) $(BENCH_BINS)

$(B)/%.o: %.c $(wildcard store/*.h) $(wildcard tools/*.h) \
          $(wildcard pam_cerbo/*.h) $(wildcard authd/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# cerbo_version(), which every program's --version and the PAM module's
# debug line print; rebuilt when the version changes.
$(B)/store/version.o: CPPFLAGS += -DCERBO_VERSION='"$(VERSION)"'
$(B)/store/version.o: debian/changelog

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

$(AUTHD): $(AUTHD_SRCS:%.c=$(B)/%.o) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -pie -o $@ $^ -lmicrohttpd $(LIBS) -lpthread

# ---- The nginx module: ngx_http_auth_cerbo_module.so ----------------------
# Built against nginx-dev's tree (Debian's nginx is built --with-compat, so
# a module made with the same configure arguments loads into it).  The
# tree is copied into $(B) first: nginx's configure writes a Makefile at
# its top, and nothing is ever written under /usr/share.  conf_flags holds
# the configure arguments Debian's nginx was built with.  The object folder
# is named relative to the tree: nginx's configure turns an absolute one
# holding ".S" or ".c" (a temporary folder "cerbo-test.Sx1...") into a
# wrong object path.
NGINX_CC_OPT   := $(CFLAGS) $(WARN) -Wno-unused-parameter \
                  -Wno-missing-prototypes -Wno-strict-prototypes \
                  -Wno-sign-compare $(HARDEN) $(filter -D_FORTIFY%,$(CPPFLAGS)) \
                  $(SANITIZE)
# $(SANITIZE) (make asan): the module links the sanitizers' runtimes, as
# the instrumented libcerbo.a it holds needs them.
NGINX_LD_OPT   := $(LDFLAGS) $(LDHARDEN) -Wl,-z,nodelete $(SANITIZE)

.PHONY: no-nginx-module
no-nginx-module:
	@echo "note: nginx-dev is not installed ($(NGINX_SRC)): the nginx" \
	    "module is not built (tests/deps.sh test installs it)"

nginx-module: $(NGINX_MODULE)

$(NGINX_MODULE): nginx/ngx_http_auth_cerbo_module.c nginx/config \
                 store/cerbo.h $(LIB_A)
	@test -f $(NGINX_SRC)/configure || { echo "$(NGINX_SRC): no nginx" \
	    "source tree; install nginx-dev (tests/deps.sh test)"; exit 1; }
	rm -rf $(NGINX_BUILD)
	mkdir -p $(NGINX_BUILD)
	cp -R $(NGINX_SRC)/. $(NGINX_BUILD)/src
	cd $(NGINX_BUILD)/src && CERBO_LIB_A=$(abspath $(LIB_A)) bash -c \
	    '. ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="$$1" --with-ld-opt="$$2" \
	    --add-dynamic-module="$$3" --builddir="$$4"' configure \
	    '$(NGINX_CC_OPT)' '$(NGINX_LD_OPT)' $(abspath nginx) \
	    ../objs >$(abspath $(NGINX_BUILD))/configure.log
	$(MAKE) -C $(NGINX_BUILD)/src -f ../objs/Makefile modules
	cp $(NGINX_BUILD)/objs/ngx_http_auth_cerbo_module.so $@

# The unit tests' shared helpers are headers: a change rebuilds them.
$(UNIT_BINS:%=%.o): $(wildcard tests/unit/*.h)
# They pass NULL on purpose, to prove the library's own checks
# (CERBO_NONNULL in cerbo.h).
$(UNIT_BINS:%=%.o): CPPFLAGS += -DCERBO_NO_NONNULL=1
$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LIBS) -lpthread

# The tools' pure helpers (numbers, durations, JSON) are tested with the
# tools' own objects.
$(B)/tests/unit/test_cli.o: CPPFLAGS += -Itools
$(B)/tests/unit/test_cli: $(B)/tests/unit/test_cli.o \
                          $(CLI_SRCS:%.c=$(B)/%.o) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LIBS) -lpthread

$(B)/tests/unit/test_authd_%: $(B)/tests/unit/test_authd_%.o \
                              $(AUTHD_PURE:%.c=$(B)/%.o) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka $(LIBS) -lpthread

$(B)/tests/pam/%: $(B)/tests/pam/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lcmocka -lpam -lpam_misc $(LIBS) \
	    -lpthread

# Installs missing build and test packages (Debian 12), then runs all.
# As an ordinary user it installs nothing and runs what needs neither root
# nor daemons; the rest is reported as skipped.
check: deps
	$(MAKE) tests
	B=$(B) tests/run.sh

# The part of check that needs root or starts daemons (PAM services in
# /etc/pam.d, pamtester, nginx); as root.
check-system: deps
	$(MAKE) tests
	CERBO_SUITE=system B=$(B) tests/run.sh

# The cmocka unit tests alone: no root, no daemons, only the build
# packages and libcmocka-dev (the Debian package build runs them).
check-unit:
	$(MAKE) $(UNIT_BINS)
	B=$(B) TESTS=unit/ tests/run.sh

# The whole suite with ASan and UBSan (build-asan/).
asan: deps
	$(MAKE) B=build-asan CFLAGS="-O1 -g" \
	    SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    tests
	B=build-asan CERBO_SANITIZE=1 tests/run.sh

# The C tests, and the tools in the tool-only end-to-end tests, under
# valgrind: any error or definite leak fails.
valgrind: deps
	$(MAKE) tests
	B=$(B) CERBO_VALGRIND=1 tests/run.sh

deps:
	tests/deps.sh check

demo:
	etc/demo/demo.sh

demo-serve:
	etc/demo/demo.sh --serve

# The same story through nginx auth_request and cerbo-authd.
demo-authd:
	etc/demo/demo-authd.sh

# The same story through the nginx module.
demo-nginx:
	etc/demo/demo-nginx.sh

# The C sources are formatted by the tree's .clang-format (string literals
# are never split, so every message can be found with grep); make lint
# fails on a file that is not.
FORMAT_SRCS = $(STORE_SRCS) $(wildcard store/*.h) $(PAM_SRCS) \
              $(wildcard pam_cerbo/*.h) $(sort $(wildcard tools/*.[ch])) \
              $(AUTHD_SRCS) $(wildcard authd/*.h) $(UNIT_SRCS) $(PAMT_SRCS) \
              $(wildcard nginx/*.c)

format:
	clang-format -i $(FORMAT_SRCS)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRCS) && \
	    echo "format-check: every source follows .clang-format"

clean:
	rm -rf build build-asan build-fuzz

# ---------------------------------------------------------------------
# install / uninstall: make install [DESTDIR=/tmp/root] [PREFIX=/usr]
#
# Every folder below may be overridden on the command line.  On Debian
# and Ubuntu libraries go to the multiarch folder (lib/x86_64-linux-gnu)
# and the PAM module to its security/ subfolder: with PREFIX=/usr that is
# the folder Linux-PAM loads "pam_cerbo.so" from by name.  With the
# default PREFIX=/usr/local, name the module by its full path in
# /etc/pam.d, or set PAMDIR=/usr/lib/<multiarch>/security.
#
# The tools go to bin, like htpasswd and mosquitto_passwd (and their
# pages are in section 1): hash, verify, check and explain are useful to
# any user; what protects a store is its owner and mode, not the PATH.
# Nothing is installed under
# /etc: the store's folder (/etc/cerbo, root:cerbo 2750) belongs to the
# administrator or the distribution package; example stores, PAM service
# files and server snippets go to $(DOCDIR)/examples.  An existing store
# or configuration is therefore never overwritten.
INSTALL      ?= install
ifeq ($(origin MULTIARCH),undefined)
MULTIARCH    := $(or $(DEB_HOST_MULTIARCH),$(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null))
endif
LIBDIR       ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
PAMDIR       ?= $(LIBDIR)/security
BINDIR       ?= $(PREFIX)/bin
SBINDIR      ?= $(PREFIX)/sbin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
DOCDIR       ?= $(DATADIR)/doc/pam_cerbo
BASHCOMPDIR  ?= $(DATADIR)/bash-completion/completions
# The usage file's folder (cerbo-store(5), USAGE FILE): /var/lib/cerbo for
# a system prefix, else under the prefix (a developer's install touches
# nothing outside it).
STATEDIR     ?= $(if $(filter /usr /usr/local,$(PREFIX)),,$(PREFIX))/var/lib/cerbo

MAN_PAGES   := $(sort $(wildcard man/*.[1-8]))
# One completion file for both tools, installed under each tool's name
# (bash-completion loads completions/<command> on first use).
COMPLETION  := $(wildcard etc/bash_completion.d/cerbo)
# etc/ minus the demo (a script that sets itself up), the completion and
# the systemd units (installed as units).
EXAMPLE_SRCS := $(sort $(shell find etc -type f ! -path 'etc/demo/*' \
                  ! -path 'etc/bash_completion.d/*' \
                  ! -path 'etc/systemd/*' 2>/dev/null) \
                  $(wildcard examples/*.c))
EXAMPLE_DSTS := $(patsubst examples/%,%,$(patsubst etc/%,%,$(EXAMPLE_SRCS)))
DOCS        := README.md $(wildcard LICENSE SECURITY.md)
D           := $(DESTDIR)
# The Cockpit page ("API users"): what a browser loads, nothing else.
COCKPITDIR  ?= $(DATADIR)/cockpit/cerbo
COCKPIT_FILES := $(addprefix cockpit/,manifest.json index.html \
                 $(notdir $(wildcard cockpit/*.js)) \
                 $(notdir $(wildcard cockpit/*.css)))

.PHONY: install-lib install-module install-tools install-authd install-dev \
        install-man install-doc install-cockpit install-nginx-module \
        install-state deb deb-test check-browser

install: install-lib install-module install-tools install-authd \
         install-dev install-man install-doc install-cockpit install-state \
         $(if $(HAVE_NGINX_DEV),install-nginx-module)

# The nginx module goes where Debian's nginx loads modules from (with
# PREFIX=/usr), and its load_module line to modules-available, as Debian's
# libnginx-mod-* packages place theirs; enabling it is a symlink in
# /etc/nginx/modules-enabled (the package's postinst makes it).  The line
# names the module by its full path, so that it holds for any PREFIX.
NGINX_MODDIR  ?= $(PREFIX)/lib/nginx/modules
NGINX_MODCONF ?= $(DATADIR)/nginx/modules-available

install-nginx-module: $(NGINX_MODULE)
	$(INSTALL) -d -m 0755 $(D)$(NGINX_MODDIR) $(D)$(NGINX_MODCONF)
	$(INSTALL) -m 0644 $(NGINX_MODULE) $(D)$(NGINX_MODDIR)/
	echo "load_module $(NGINX_MODDIR)/ngx_http_auth_cerbo_module.so;" \
	    >$(D)$(NGINX_MODCONF)/mod-http-auth-cerbo.conf
	chmod 0644 $(D)$(NGINX_MODCONF)/mod-http-auth-cerbo.conf

# The usage file's folder: root:cerbo 2770, so that the processes that
# verify keys (in the group cerbo) write the file the tools create there
# (setgid: it gets the group).  A staged install (DESTDIR) leaves it to the
# package, which makes the group first.
install-state:
ifeq ($(D),)
	$(INSTALL) -d -m 2770 $(STATEDIR)
	@if getent group cerbo >/dev/null; then \
	    chgrp cerbo $(STATEDIR) && chmod 2770 $(STATEDIR); \
	else \
	    echo "note: no group cerbo: make it (groupadd --system cerbo)," \
	        "then chgrp cerbo $(STATEDIR)"; \
	fi
endif

install-cockpit:
	$(INSTALL) -d -m 0755 $(D)$(COCKPITDIR)
	$(INSTALL) -m 0644 $(COCKPIT_FILES) $(D)$(COCKPITDIR)/

install-lib: $(LIB_SO)
	$(INSTALL) -d -m 0755 $(D)$(LIBDIR)
	$(INSTALL) -m 0644 $(LIB_SO) $(D)$(LIBDIR)/libcerbo.so.0

install-module: $(MODULE)
	$(INSTALL) -d -m 0755 $(D)$(PAMDIR)
	$(INSTALL) -m 0644 $(MODULE) $(D)$(PAMDIR)/pam_cerbo.so
	@case "$(PAMDIR)" in /lib/*security|/usr/lib/*security) ;; \
	*) echo "note: Linux-PAM loads modules by name only from its own" \
	    "folder; name $(PAMDIR)/pam_cerbo.so by its full path in" \
	    "/etc/pam.d, or install with PREFIX=/usr" ;; esac

install-tools: $(TOOLS)
	$(INSTALL) -d -m 0755 $(D)$(BINDIR)
	$(INSTALL) -m 0755 $(TOOLS) $(D)$(BINDIR)/
ifneq ($(COMPLETION),)
	$(INSTALL) -d -m 0755 $(D)$(BASHCOMPDIR)
	$(INSTALL) -m 0644 $(COMPLETION) $(D)$(BASHCOMPDIR)/cerbo-apiuser
	ln -sf cerbo-apiuser $(D)$(BASHCOMPDIR)/cerbo-profile
endif

# The daemon goes to sbin (a service, page in section 8), its units to the
# systemd folder with ExecStart pointing at it.
AUTHD_UNITS := etc/systemd/cerbo-authd.service etc/systemd/cerbo-authd.socket

install-authd: $(AUTHD) $(AUTHD_UNITS)
	$(INSTALL) -d -m 0755 $(D)$(SBINDIR) $(D)$(SYSTEMDUNITDIR)
	$(INSTALL) -m 0755 $(AUTHD) $(D)$(SBINDIR)/cerbo-authd
	@mkdir -p $(B)
	sed -e 's|/usr/sbin/cerbo-authd|$(SBINDIR)/cerbo-authd|' \
	    etc/systemd/cerbo-authd.service >$(B)/cerbo-authd.service
	$(INSTALL) -m 0644 $(B)/cerbo-authd.service \
	    etc/systemd/cerbo-authd.socket $(D)$(SYSTEMDUNITDIR)/

# The header, the link-time symlink, the static library and cerbo.pc.
install-dev: $(LIB_A) $(B)/cerbo.pc
	$(INSTALL) -d -m 0755 $(D)$(INCLUDEDIR) $(D)$(LIBDIR) \
	    $(D)$(PKGCONFIGDIR)
	$(INSTALL) -m 0644 store/cerbo.h $(D)$(INCLUDEDIR)/cerbo.h
	ln -sf libcerbo.so.0 $(D)$(LIBDIR)/libcerbo.so
	$(INSTALL) -m 0644 $(LIB_A) $(D)$(LIBDIR)/libcerbo.a
	$(INSTALL) -m 0644 $(B)/cerbo.pc $(D)$(PKGCONFIGDIR)/cerbo.pc

# Always made again: the folders come from the command line.
.PHONY: $(B)/cerbo.pc
$(B)/cerbo.pc: store/cerbo.pc.in
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
	    store/cerbo.pc.in >$@

install-man:
	@for m in $(MAN_PAGES); do \
	    s=$${m##*.}; \
	    echo "$(INSTALL) -m 0644 $$m $(D)$(MANDIR)/man$$s/"; \
	    $(INSTALL) -d -m 0755 $(D)$(MANDIR)/man$$s && \
	    $(INSTALL) -m 0644 $$m $(D)$(MANDIR)/man$$s/ || exit 1; \
	done

install-doc:
	$(INSTALL) -d -m 0755 $(D)$(DOCDIR)
	$(INSTALL) -m 0644 $(DOCS) $(D)$(DOCDIR)/
	@set -- $(EXAMPLE_DSTS); for src in $(EXAMPLE_SRCS); do \
	    dst=$(D)$(DOCDIR)/examples/$$1; shift; \
	    echo "$(INSTALL) -m 0644 $$src $$dst"; \
	    $(INSTALL) -d -m 0755 "$${dst%/*}" && \
	    $(INSTALL) -m 0644 "$$src" "$$dst" || exit 1; \
	done

# Removes exactly the files install put, then the folders that are ours.
uninstall:
	rm -f $(D)$(LIBDIR)/libcerbo.so.0 $(D)$(LIBDIR)/libcerbo.so \
	    $(D)$(LIBDIR)/libcerbo.a $(D)$(PKGCONFIGDIR)/cerbo.pc \
	    $(D)$(INCLUDEDIR)/cerbo.h $(D)$(PAMDIR)/pam_cerbo.so \
	    $(TOOLS:$(B)/%=$(D)$(BINDIR)/%) $(D)$(SBINDIR)/cerbo-authd \
	    $(AUTHD_UNITS:etc/systemd/%=$(D)$(SYSTEMDUNITDIR)/%) \
	    $(D)$(BASHCOMPDIR)/cerbo-apiuser $(D)$(BASHCOMPDIR)/cerbo-profile \
	    $(foreach m,$(MAN_PAGES),$(D)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	    $(addprefix $(D)$(DOCDIR)/,$(notdir $(DOCS))) \
	    $(addprefix $(D)$(DOCDIR)/examples/,$(EXAMPLE_DSTS)) \
	    $(addprefix $(D)$(COCKPITDIR)/,$(notdir $(COCKPIT_FILES))) \
	    $(D)$(NGINX_MODDIR)/ngx_http_auth_cerbo_module.so \
	    $(D)$(NGINX_MODCONF)/mod-http-auth-cerbo.conf
	-rmdir $(D)$(COCKPITDIR) 2>/dev/null
	-rmdir $(D)$(STATEDIR) 2>/dev/null
	if [ -d $(D)$(DOCDIR) ]; then \
	    find $(D)$(DOCDIR) -depth -type d -empty -exec rmdir {} \; ; fi

# The Debian packages, built in a copy of the tree; results in $(B)/deb.
deb:
	tests/deps.sh pkg
	B=$(B) sh tests/e2e/deb.sh --build-only $(B)/deb

# Builds the packages, installs them (as root), authenticates through the
# installed module with pamtester, removes and purges them.  Not part of
# make check: it changes the system and takes about a minute.
deb-test:
	tests/deps.sh pkg
	CERBO_DEB_TEST=1 TESTS=e2e/deb.sh B=$(B) tests/run.sh

# The Cockpit page in headless Chromium against Debian's cockpit-ws (as
# root: it makes a throwaway account); make check runs it too when root.
check-browser: deps
	$(MAKE) tools
	TESTS=e2e/cockpit.sh B=$(B) tests/run.sh

# ---- Hardening: fuzzing, fault injection, lint -------------------------
# `make fuzz FUZZ_SECONDS=N` builds the libFuzzer targets with clang and
# ASan+UBSan into build-fuzz/ (the library objects too, apart from $(B)),
# then runs each target for N seconds.  New inputs go to a scratch corpus
# under build-fuzz/work/<target>/ (kept between runs); the seed corpus
# tests/fuzz/corpus/<target>/ is only read.  Crashers land in
# build-fuzz/artifacts/<target>/; add each to the seed corpus with a fix.
# `make check` replays every seed file (tests/unit/test_corpus.c).

FZ           := build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := store basic hash request usage
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer
# Library code is held to -Werror by gcc in the normal build; clang may
# warn about more, which must not stop the fuzzers.
FUZZ_CFLAGS  := -O1 -g $(filter-out -Werror,$(WARN)) $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link
FUZZ_LIBOBJS := $(STORE_SRCS:%.c=$(FZ)/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)

.SECONDARY: $(FUZZ_LIBOBJS) $(FZ)/tests/fuzz/targets.o \
            $(FUZZ_TARGETS:%=$(FZ)/tests/fuzz/fuzz_%.o)

$(FZ)/store/version.o: CPPFLAGS += -DCERBO_VERSION='"$(VERSION)"'
$(FZ)/store/%.o: store/%.c $(wildcard store/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -U_FORTIFY_SOURCE $(FUZZ_CFLAGS) -c -o $@ $<

$(FZ)/tests/fuzz/%.o: tests/fuzz/%.c tests/fuzz/targets.h \
                      $(wildcard store/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -U_FORTIFY_SOURCE $(FUZZ_CFLAGS) -c -o $@ $<

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ)/tests/fuzz/targets.o \
              $(FUZZ_LIBOBJS)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LIBS)

fuzz:
	tests/deps.sh lint
	$(MAKE) $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    work=$(FZ)/work/$$t; art=$(FZ)/artifacts/$$t; log=$(FZ)/fuzz_$$t.log; \
	    mkdir -p $$work $$art; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && dict=-dict=tests/fuzz/$$t.dict; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s (log $$log)"; \
	    if ! $(FZ)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
	        -rss_limit_mb=2560 -print_final_stats=1 $$dict \
	        -artifact_prefix=$$art/ $$work tests/fuzz/corpus/$$t \
	        >$$log 2>&1; then \
	        tail -60 $$log; echo "fuzz_$$t: FAILED, input in $$art/"; \
	        exit 1; \
	    fi; \
	    grep -E '^#[0-9]+.*(DONE|cov:)' $$log | tail -1 | sed 's/^/  /'; \
	    grep -E 'stat::(number_of_executed_units|new_units_added)' $$log \
	        | sed 's/^/  /'; \
	done

# The corpus replay test compiles the fuzz targets' entry code in.
$(B)/tests/unit/test_corpus.o: tests/fuzz/targets.c tests/fuzz/targets.h

$(FAULT_SHIM): tests/fault/shim.c
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE $(CFLAGS) $(WARN) -fPIC -shared -o $@ $< -ldl

# Static analysis: cppcheck and clang-tidy (.clang-tidy) over the sources.
LINT_SRCS = $(STORE_SRCS) $(PAM_SRCS) $(sort $(wildcard tools/*.c)) \
            $(AUTHD_SRCS)

lint:
	tests/deps.sh lint
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 \
	    --inline-suppr --suppressions-list=tests/lint/cppcheck.supp \
	    --std=c11 -D_GNU_SOURCE -D__GNUC__ -DCERBO_VERSION='"$(VERSION)"' \
	    -Istore $(LINT_SRCS)
	tests/lint/abi-init.sh
	tests/lint/front-end-numbers.sh
	$(MAKE) format-check
	$(MAKE) abi-check
	@fail=0; for f in $(LINT_SRCS); do \
	    clang-tidy --quiet $$f -- $(CPPFLAGS) \
	        -DCERBO_VERSION='"$(VERSION)"' -std=gnu11 || fail=1; \
	done; [ $$fail -eq 0 ] && echo "lint: clean"; exit $$fail

# ---- The ABI of libcerbo.so.0 ------------------------------------------
# store/libcerbo.abi describes the shared library's ABI (abidw, from a
# build with debug information: the default CFLAGS have -g).  abi-check
# fails when the library built now differs from it in any way: a change
# that breaks binaries built before it must not happen, and one that does
# not (a new function, a field added at the end of a struct, as cerbo.h's
# size rule allows) is recorded on purpose with `make abi-baseline`, and
# the new store/libcerbo.abi committed with it.
ABI_BASELINE := store/libcerbo.abi
ABIDW = abidw --no-corpus-path --no-comp-dir-path --no-show-locs \
        --header-file store/cerbo.h --drop-private-types --drop-undefined-syms

abi-baseline: $(LIB_SO)
	$(ABIDW) --out-file $(ABI_BASELINE) $(LIB_SO)

abi-check: $(LIB_SO)
	tests/deps.sh lint
	B=$(B) tests/lint/abi-symbols.sh $(LIB_SO)
	$(ABIDW) --out-file $(B)/libcerbo.abi $(LIB_SO)
	@if abidiff $(ABI_BASELINE) $(B)/libcerbo.abi; then \
	    echo "abi-check: libcerbo.so.0 matches $(ABI_BASELINE)"; \
	else \
	    echo "abi-check: libcerbo.so.0 differs from $(ABI_BASELINE)" \
	        "(above). A change that breaks built binaries must not be" \
	        "made; record a compatible one with make abi-baseline."; \
	    exit 1; \
	fi

# ---- Benchmarks: make bench (not part of check; check runs a smoke run) --

$(B)/bench/pam_loop: bench/pam_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -lpam -lsodium

$(B)/bench/verify_bench: bench/verify_bench.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) -lpthread

bench: all $(BENCH_BINS)
	tests/deps.sh bench
	B=$(B) bench/run.sh
	B=$(B) bench/http.sh
