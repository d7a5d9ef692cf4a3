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
};

/* The netswitch object called @id, or NULL with @errp set. */
NetSwitch *netswitch_find(const char *id, Error **errp);

/* The virtual time the switch's MAC table ages by */
int64_t netswitch_now(void);

/* -netdev swport: see qapi/netswitch.json */
int net_init_swport(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp);

/*
 * The device or backend connected to swport @nc flushed its queue, so it
 * can take frames again (called from qemu_flush_queued_packets()).
 */
void swport_peer_ready(NetClientState *nc);

/* For the monitor: fill @info with the port behind @port. */
void swport_fill_info(NswPort *port, NetswitchPortInfo *info);

#endif /* NET_NETSWITCH_SWPORT_H */
