/*
 * netswitch: QMP query-netswitch, netswitch-mac-flush and
 * netswitch-port-set, HMP 'info netswitch' and 'netswitch_mac_flush'
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-netswitch.h"
#include "qapi/qapi-visit-netswitch.h"
#include "qobject/qdict.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"
#include "swport.h"

typedef struct MacDump {
    NswSwitch *core;
    NetswitchMacEntryList **tail;
} MacDump;

static void mac_dump_entry(const uint8_t *mac, uint16_t vid, unsigned int port,
                           int64_t age_ns, void *opaque)
{
    MacDump *d = opaque;
    NswPort *p = nsw_switch_port_by_index(d->core, port);
    NetswitchMacEntry *e = g_new0(NetswitchMacEntry, 1);

    e->port = g_strdup(p ? nsw_port_name(p) : "?");
    e->vlan = vid;
    e->mac = g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x",
                             mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    e->age = age_ns / NANOSECONDS_PER_SECOND;
    QAPI_LIST_APPEND(d->tail, e);
}

static NetswitchInfo *netswitch_info(NetSwitch *sw)
{
    NetswitchInfo *info = g_new0(NetswitchInfo, 1);
    NetswitchPortInfoList **ports = &info->ports;
    MacDump dump = { .core = sw->core, .tail = &info->mac_table };
    NswPort *port = NULL;

    info->id = g_strdup(object_get_canonical_path_component(OBJECT(sw)));
    info->policy = sw->policy;
    info->ageing_time = sw->ageing_time;
    info->max_entries = sw->max_entries;
    info->flap_limit = sw->flap_limit;
    while ((port = nsw_switch_next_port(sw->core, port))) {
        NetswitchPortInfo *pi = g_new0(NetswitchPortInfo, 1);

        swport_fill_info(port, pi);
        QAPI_LIST_APPEND(ports, pi);
    }
    nsw_mac_table_foreach(nsw_switch_mac_table(sw->core), netswitch_now(),
                          mac_dump_entry, &dump);
    info->removed_ports = g_new0(NetswitchCounters, 1);
    swport_fill_counters(nsw_switch_removed_stats(sw->core),
                         info->removed_ports);
    return info;
}

typedef struct SwitchList {
    NetswitchInfoList **tail;
} SwitchList;

static int netswitch_collect(Object *obj, void *opaque)
{
    SwitchList *list = opaque;
    NetSwitch *sw = (NetSwitch *)object_dynamic_cast(obj, TYPE_NETSWITCH);

    if (sw && sw->core) {
        QAPI_LIST_APPEND(list->tail, netswitch_info(sw));
    }
    return 0;
}

NetswitchInfoList *qmp_query_netswitch(const char *id, Error **errp)
{
    NetswitchInfoList *head = NULL;
    SwitchList list = { .tail = &head };
    NetSwitch *sw;

    if (id) {
        sw = netswitch_find(id, errp);
        if (!sw) {
            return NULL;
        }
        netswitch_collect(OBJECT(sw), &list);
        return head;
    }
    object_child_foreach(object_get_objects_root(), netswitch_collect, &list);
    return head;
}

static int netswitch_flush_one(Object *obj, void *opaque)
{
    NetSwitch *sw = (NetSwitch *)object_dynamic_cast(obj, TYPE_NETSWITCH);

    if (sw && sw->core) {
        nsw_mac_table_flush(nsw_switch_mac_table(sw->core));
    }
    return 0;
}

void qmp_netswitch_mac_flush(const char *id, Error **errp)
{
    NetSwitch *sw;

    if (id) {
        sw = netswitch_find(id, errp);
        if (sw) {
            netswitch_flush_one(OBJECT(sw), NULL);
        }
        return;
    }
    object_child_foreach(object_get_objects_root(), netswitch_flush_one, NULL);
}

void qmp_netswitch_port_set(NetswitchPortSet *arg, Error **errp)
{
    NetSwitch *sw = netswitch_find(arg->id, errp);
    NswPort *port;

    if (!sw) {
        return;
    }
    port = sw->core ? nsw_switch_find_port(sw->core, arg->port) : NULL;
    if (!port) {
        error_setg(errp, "netswitch '%s' has no port '%s'", arg->id,
                   arg->port);
        return;
    }
    if (swport_apply_settings(port, qapi_NetswitchPortSet_base(arg), errp)) {
        netswitch_kick(sw);
    }
}

static void hmp_print_drops(Monitor *mon, const NetswitchDrops *d)
{
    monitor_printf(mon, "      drops: queue-full %" PRIu64
                   " vlan-filtered %" PRIu64 " runt %" PRIu64
                   " oversize %" PRIu64 " invalid-source %" PRIu64
                   " link-down %" PRIu64 " hairpin %" PRIu64
                   " tx-error %" PRIu64 "\n"
                   "             policed %" PRIu64 " storm %" PRIu64
                   " mac-limit %" PRIu64 " spoofed %" PRIu64
                   " bad-offload %" PRIu64 " vm-migrated %" PRIu64
                   " vm-stopped %" PRIu64 "\n",
                   d->queue_full, d->vlan_filtered, d->runt, d->oversize,
                   d->invalid_source, d->link_down, d->hairpin, d->tx_error,
                   d->policed, d->storm, d->mac_limit, d->spoofed,
                   d->bad_offload, d->vm_migrated, d->vm_stopped);
}

/* The port policies that are on, one line, or nothing */
static void hmp_print_policies(Monitor *mon, const NetswitchPortInfo *p)
{
    g_autoptr(GString) line = g_string_new("");

    if (p->rate) {
        g_string_append_printf(line, " rate %" PRIu64 " bit/s burst %" PRIu64,
                               p->rate, p->burst);
    }
    if (p->police_rate) {
        g_string_append_printf(line, " police %" PRIu64 " bit/s burst %"
                               PRIu64, p->police_rate, p->police_burst);
    }
    if (p->storm_pps) {
        g_string_append_printf(line, " storm %" PRIu64 " pps", p->storm_pps);
    }
    if (p->max_macs) {
        g_string_append_printf(line, " max-macs %u", p->max_macs);
    }
    if (*p->allowed_macs) {
        g_string_append_printf(line, " allowed-macs %s", p->allowed_macs);
    }
    if (line->len) {
        monitor_printf(mon, "      policies:%s\n", line->str);
    }
}

static void hmp_print_port(Monitor *mon, const NetswitchPortInfo *p,
                           bool vlans)
{
    monitor_printf(mon, "  port %s: peer %s, link %s", p->name,
                   p->peer ? p->peer : "-", p->link_up ? "up" : "down");
    if (vlans) {
        monitor_printf(mon, ", pvid %u, vlans %s", p->pvid,
                       *p->vlans ? p->vlans : "-");
    }
    if (p->hairpin) {
        monitor_printf(mon, ", hairpin");
    }
    monitor_printf(mon, "\n      rx %" PRIu64 " packets %" PRIu64
                   " bytes (%" PRIu64 " dropped), forwarded %" PRIu64
                   ", tx %" PRIu64 " packets %" PRIu64 " bytes (%" PRIu64
                   " dropped)\n", p->rx_packets, p->rx_bytes, p->rx_dropped,
                   p->forwarded, p->tx_packets, p->tx_bytes, p->tx_dropped);
    monitor_printf(mon, "      queue %u frames %" PRIu64 " bytes (max %u "
                   "frames %" PRIu64 " bytes), high water %u frames\n",
                   p->queue_len, p->queue_bytes, p->queue_max_frames,
                   p->queue_max_bytes, p->queue_high_water);
    if (p->gso_whole || p->gso_segmented) {
        monitor_printf(mon, "      super-frames: %" PRIu64 " whole, %" PRIu64
                       " segmented into %" PRIu64 "\n", p->gso_whole,
                       p->gso_segmented, p->gso_segments);
    }
    if (p->gro_acks_thinned) {
        monitor_printf(mon, "      ACKs thinned: %" PRIu64 "\n",
                       p->gro_acks_thinned);
    }
    hmp_print_policies(mon, p);
    hmp_print_drops(mon, p->drops);
}

static void hmp_print_switch(Monitor *mon, const NetswitchInfo *sw)
{
    NetswitchPortInfoList *p;
    NetswitchMacEntryList *e;
    bool vlans = sw->policy == NETSWITCH_POLICY_VLAN;

    monitor_printf(mon, "netswitch %s: policy %s, ageing-time %u s, "
                   "max-entries %u, flap-limit %u\n", sw->id,
                   NetswitchPolicy_str(sw->policy), sw->ageing_time,
                   sw->max_entries, sw->flap_limit);
    for (p = sw->ports; p; p = p->next) {
        hmp_print_port(mon, p->value, vlans);
    }
    if (sw->policy == NETSWITCH_POLICY_HUB) {
        return;
    }
    monitor_printf(mon, "  %-16s %-5s %-17s %s\n", "port", "vlan", "mac",
                   "age");
    for (e = sw->mac_table; e; e = e->next) {
        monitor_printf(mon, "  %-16s %-5u %-17s %" PRIu64 "\n",
                       e->value->port, e->value->vlan, e->value->mac,
                       e->value->age);
    }
}

void hmp_info_netswitch(Monitor *mon, const QDict *qdict)
{
    const char *id = qdict_get_try_str(qdict, "id");
    Error *err = NULL;
    NetswitchInfoList *list = qmp_query_netswitch(id, &err);
    NetswitchInfoList *l;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    if (!list) {
        monitor_printf(mon, "no netswitch\n");
    }
    for (l = list; l; l = l->next) {
        hmp_print_switch(mon, l->value);
    }
    qapi_free_NetswitchInfoList(list);
}

void hmp_netswitch_mac_flush(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;

    qmp_netswitch_mac_flush(qdict_get_try_str(qdict, "id"), &err);
    hmp_handle_error(mon, err);
}
