/*
 * netswitch: the QEMU side of the switch (the netswitch object and the
 * swport netdev)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NET_NETSWITCH_SWPORT_H
#define NET_NETSWITCH_SWPORT_H

#include "qemu/queue.h"
#include "qom/object.h"
#include "net/net.h"
#include "net/netswitch-core.h"
#include "qapi/qapi-types-netswitch.h"

#define TYPE_NETSWITCH "netswitch"

typedef struct SwPort SwPort;
OBJECT_DECLARE_SIMPLE_TYPE(NetSwitch, NETSWITCH)

struct NetSwitch {
    Object parent_obj;

    /* properties */
    NetswitchPolicy policy;
    uint32_t ageing_time;       /* seconds, 0: no ageing */
    uint32_t max_entries;

    NswSwitch *core;            /* from user_creatable complete on */
    unsigned int nports;
    /* a frame is being switched: frames that arrive meanwhile wait */
    bool switching;
    /* the ports whose frames waited, switched once the frame is through */
    QSIMPLEQ_HEAD(, SwPort) deferred;
    bool draining;
    /* swport_peer_flush() is resuming ports: they join the deferred ones */
    bool resuming;
};

/* The netswitch object called @id, or NULL with @errp set. */
NetSwitch *netswitch_find(const char *id, Error **errp);

/* The virtual time the switch's MAC table ages by */
int64_t netswitch_now(void);

/* -netdev swport: see qapi/netswitch.json */
int net_init_swport(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp);

/*
 * qemu_flush_or_purge_queued_packets() for @nc, whose peer is a swport:
 * @nc can take frames again.  Delivers the frames queued for @nc, then
 * those that wait in the switch for it.
 */
void swport_peer_flush(NetClientState *nc, bool purge);

/* For the monitor: fill @info with the port behind @port. */
void swport_fill_info(NswPort *port, NetswitchPortInfo *info);

#endif /* NET_NETSWITCH_SWPORT_H */
