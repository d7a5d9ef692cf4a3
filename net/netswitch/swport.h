/*
 * netswitch: the QEMU side of the switch (the netswitch object and the
 * swport netdev)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NET_NETSWITCH_SWPORT_H
#define NET_NETSWITCH_SWPORT_H

#include "qemu/main-loop.h"
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

    uint32_t flap_limit;

    NswSwitch *core;            /* from user_creatable complete on */
    unsigned int nports;
    /* the core's work left for later (nsw_switch_has_pending()) */
    QEMUBH *pending_bh;
    /* shaped ports' next send (nsw_switch_next_timer()) */
    QEMUTimer *timer;
    int64_t timer_deadline;     /* INT64_MAX: not armed */
    /* empties the switch once the VM has migrated away */
    NotifierWithReturn migration_notifier;
};

/* The netswitch object called @id, or NULL with @errp set. */
NetSwitch *netswitch_find(const char *id, Error **errp);

/* The virtual time the switch's MAC table ages by */
int64_t netswitch_now(void);

/* -netdev swport: see qapi/netswitch.json */
int net_init_swport(const Netdev *netdev, const char *name,
                    NetClientState *peer, Error **errp);

/*
 * After a call into the core: schedule its pending work and arm its
 * timer, if it needs them (netswitch.c)
 */
void netswitch_kick(NetSwitch *sw);

/* For the monitor: fill @info with the port behind @port. */
void swport_fill_info(NswPort *port, NetswitchPortInfo *info);
void swport_fill_counters(const NswPortStats *st, NetswitchCounters *c);

/*
 * Apply the settings @set gives to @port (port-settings.c); the others
 * stay.  False, with nothing changed, when one is invalid.
 */
bool swport_apply_settings(NswPort *port, const NetswitchPortSettings *set,
                           Error **errp);
void swport_fill_settings(NswPort *port, NetswitchPortInfo *info);

#endif /* NET_NETSWITCH_SWPORT_H */
