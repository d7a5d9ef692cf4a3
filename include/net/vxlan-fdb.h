/*
 * vxlan: the forwarding database (inner MAC address -> remote VTEP)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What Linux's "bridge fdb show dev vxlan0" lists: for every inner
 * source MAC address received, the remote tunnel endpoint (VTEP) it came
 * from, so that unicast to it goes to that endpoint only.  The table is
 * bounded (entries come from the network, so an attacker chooses how
 * many addresses there are): when it is full, new addresses are refused
 * (and the caller counts it) until old ones age out, as Linux's
 * "maxaddress" does.  Time is passed in (now_ns, any monotonic clock; QEMU
 * uses the virtual clock) and an entry older than the ageing time is
 * treated as absent.  No dependency on QEMU's net layer: the unit test
 * links this file alone.
 */

#ifndef NET_VXLAN_FDB_H
#define NET_VXLAN_FDB_H

/*
 * A tunnel endpoint: address family (AF_INET, AF_INET6), address (4 or
 * 16 bytes, the rest zero) and UDP port in host order.  Always build one
 * from a zeroed struct so that memcmp() compares two of them.
 */
typedef struct VxlanVtep {
    uint16_t family;
    uint16_t port;
    uint8_t addr[16];
} VxlanVtep;

typedef struct VxlanFdb VxlanFdb;

typedef enum VxlanFdbLearn {
    VXLAN_FDB_NEW,          /* a new address */
    VXLAN_FDB_REFRESHED,    /* known, same endpoint: its age is now 0 */
    VXLAN_FDB_MOVED,        /* known, now behind another endpoint */
    VXLAN_FDB_FULL,         /* a new address, and no room for it */
} VxlanFdbLearn;

typedef void VxlanFdbFunc(const uint8_t *mac, const VxlanVtep *vtep,
                          int64_t age_ns, void *opaque);

/* @max_entries >= 1; @ageing_ns 0 keeps entries until flushed */
VxlanFdb *vxlan_fdb_new(unsigned int max_entries, int64_t ageing_ns);
void vxlan_fdb_free(VxlanFdb *fdb);
VxlanFdbLearn vxlan_fdb_learn(VxlanFdb *fdb, const uint8_t *mac,
                              const VxlanVtep *vtep, int64_t now_ns);
/* The endpoint of @mac, or NULL when unknown or aged out */
const VxlanVtep *vxlan_fdb_lookup(VxlanFdb *fdb, const uint8_t *mac,
                                  int64_t now_ns);
/* Calls @fn for each entry that has not aged out, in no given order */
void vxlan_fdb_foreach(VxlanFdb *fdb, int64_t now_ns, VxlanFdbFunc *fn,
                       void *opaque);
/* Entries stored, including aged ones not yet removed */
unsigned int vxlan_fdb_count(const VxlanFdb *fdb);
void vxlan_fdb_flush(VxlanFdb *fdb);

#endif
