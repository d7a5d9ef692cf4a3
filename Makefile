# qemu-xnet: build and test QEMU 10.0 with our overlay.
#
#   make          configure if needed (./configure --reuse), then build
#   make check    build, then run our test suites; ends with 'N passed, N failed'
#   make check-migration  guest live migration runs only, with the longer
#                 ones (ping-pong in one transfer, the guest's RX full);
#                 not part of make check
#   make check-upstream-nics  upstream's e1000e and igb behind the netswitch
#                 (x86_64 guest, q35): DHCP, ping, wget, iperf3, no bad
#                 virtio-net headers; not part of make check
#   make check-multihost  guests on two hosts joined by VXLAN with a Linux
#                 VTEP, and a tap uplink into a Linux bridge; not in make check
#   make bench    build ours and pristine upstream, compare guests and the
#                 netswitch core (RUNS=3); not part of make check
#   make demo     build, then boot a Debian guest with the card's command
#                 (-M vexpress -netdev user: the LAN9118 on slirp), then on
#                 the NIC behind a netswitch with a slirp uplink: ifconfig,
#                 DHCP, ping, wget, iperf3 (NIC=lan9118|smc91c111|virtio|
#                 virtio-legacy|virtio-legacy-pci|e1000e|igb|upstream|all)
#   make demo-pair  two guests in two QEMUs, their netswitches linked by UDP
#   make demo-multihost  two guests on two "hosts" and a Linux VTEP on a
#                 third, one VXLAN segment: ping, iperf3, each VTEP's counters
#   make fuzz     build QEMU's generic fuzzer (clang, libFuzzer, ASan, UBSan)
#                 in build/fuzz/obj, beside the normal build
#   make fuzz-run TARGET=name [SECONDS=n]  fuzz one target of
#                 xnet/fuzz/targets.conf (make fuzz-run alone lists them)
#   make check-sanitize  the whole make check under ASan and UBSan, then
#                 every kept fuzz input once
#   make soak     30 minutes of guest traffic per NIC with QEMU's memory
#                 sampled (SOAK_ARGS="--minutes 5 --sanitized": sanitized)
#
# ./configure --help lists the options; see docs/devel/fork.rst.

OBJ  := build/obj
FUZZ_OBJ := build/fuzz/obj
JOBS ?= $(shell nproc)

# Let ccache share objects between checkouts at different paths (CI clones
# afresh): paths below this directory are hashed relative to it, and the
# working directory is left out of the hash.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all check check-migration check-multihost check-upstream-nics demo demo-pair demo-multihost \
	bench pristine clean distclean help fuzz fuzz-run check-sanitize soak

# The emulators only: upstream's own tests are built when something runs them.
all:
	@./configure --reuse
	@ninja -C $(OBJ) -j$(JOBS) $$(ninja -C $(OBJ) -t targets all | \
	    sed -n 's/^\(qemu-system-[a-z0-9_]*\): .*/\1/p')

check: all
	@python3 xnet/run-tests.py --build $(OBJ)

# Guest live migration: make check's runs, a ping-pong (A to B to A to B)
# in one transfer, one with the guest's RX full, and realview-eb; not part
# of make check
check-migration: all
	@python3 xnet/run-tests.py --build $(OBJ) --migration

check-multihost: all
	@python3 xnet/run-tests.py --build $(OBJ) --multihost

check-upstream-nics: all
	@python3 xnet/run-tests.py --build $(OBJ) --upstream-nics

NIC ?= lan9118
demo: all
	@python3 xnet/guest/e2e.py --nic $(NIC)

demo-pair: all
	@python3 xnet/guest/two-guests.py --nic $(NIC)

demo-multihost: all
	@python3 xnet/guest/vxlan-multihost.py --nic $(NIC)

# Upstream QEMU from the same source and flags, without our files and patches
pristine:
	@./configure --pristine --reuse
	@ninja -C build/pristine/obj -j$(JOBS) qemu-system-arm qemu-system-x86_64

RUNS ?= 3
bench: all pristine
	@python3 xnet/bench/run-bench.py --runs $(RUNS) $(BENCH_ARGS)

# A long guest run with QEMU's memory sampled (docs/devel/benchmarks.rst);
# SOAK_ARGS="--minutes 5 --sanitized" is its sanitized variant.
SOAK_ARGS ?=
soak: all
	@python3 xnet/guest/soak.py $(SOAK_ARGS)

# The instrumented build: clang with libFuzzer, ASan and UBSan, our tree.
fuzz:
	@./configure --fuzz --reuse
	@ninja -C $(FUZZ_OBJ) -j$(JOBS) qemu-fuzz-arm qemu-fuzz-x86_64

SECONDS ?= 1800
RUNS_MAX ?= 1000000
fuzz-run: fuzz
ifeq ($(TARGET),)
	@python3 xnet/fuzz/run-fuzz.py list
else
	@python3 xnet/fuzz/run-fuzz.py run $(TARGET) --seconds $(SECONDS) \
	    --runs $(RUNS_MAX)
endif

# make check's suite against the sanitized emulators of build/fuzz/obj, then
# every kept fuzz input (xnet/fuzz/corpus) once, as a regression test
check-sanitize:
	@./configure --fuzz --reuse
	@ninja -C $(FUZZ_OBJ) -j$(JOBS) qemu-system-arm qemu-system-x86_64 \
	    qemu-fuzz-arm qemu-fuzz-x86_64
	@python3 xnet/run-tests.py --build $(FUZZ_OBJ) --sanitized
	@python3 xnet/fuzz/run-fuzz.py replay

# Objects only: the extracted source and the downloads stay.
clean:
	rm -rf build/obj build/pristine/obj build/fuzz/obj

distclean:
	rm -rf build

help:
	@sed -n '2,31s/^# \{0,1\}//p' Makefile
