# qemu-xnet: build and test QEMU 10.0 with our overlay.
#
#   make          configure if needed (./configure --reuse), then build
#   make check    build, then run our test suites; ends with 'N passed, N failed'
#   make bench    build ours and pristine upstream, compare guests and the
#                 netswitch core (RUNS=3); not part of make check
#   make demo     build, then boot a Debian guest on the LAN9118 behind a
#                 netswitch with a slirp uplink: ifconfig, DHCP, ping, wget,
#                 iperf3 (NIC=lan9118|smc91c111|virtio|virtio-legacy|all)
#   make demo-pair  two guests in two QEMUs, their netswitches linked by UDP
#
# ./configure --help lists the options; see docs/devel/fork.rst.

OBJ  := build/obj
JOBS ?= $(shell nproc)

# Let ccache share objects between checkouts at different paths (CI clones
# afresh): paths below this directory are hashed relative to it, and the
# working directory is left out of the hash.
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= 1

.PHONY: all check demo demo-pair bench pristine clean distclean help

# The emulators only: upstream's own tests are built when something runs them.
all:
	@./configure --reuse
	@ninja -C $(OBJ) -j$(JOBS) $$(ninja -C $(OBJ) -t targets all | \
	    sed -n 's/^\(qemu-system-[a-z0-9_]*\): .*/\1/p')

check: all
	@python3 xnet/run-tests.py --build $(OBJ)

NIC ?= lan9118
demo: all
	@python3 xnet/guest/e2e.py --nic $(NIC)

demo-pair: all
	@python3 xnet/guest/two-guests.py --nic $(NIC)

# Upstream QEMU from the same source and flags, without our files and patches
pristine:
	@./configure --pristine --reuse
	@ninja -C build/pristine/obj -j$(JOBS) qemu-system-arm

RUNS ?= 3
bench: all pristine
	@python3 xnet/bench/run-bench.py --runs $(RUNS) $(BENCH_ARGS)

# Objects only: the extracted source and the downloads stay.
clean:
	rm -rf build/obj build/pristine/obj

distclean:
	rm -rf build

help:
	@sed -n '2,13s/^# \{0,1\}//p' Makefile
