/*
 * netswitch: the user-creatable switch object
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   -object netswitch,id=sw0[,policy=hub|bridge|vlan][,ageing-time=S]
 *                            [,max-entries=N][,flap-limit=N]
 *
 * The object owns an NswSwitch (net/netswitch-core.h); its ports are
 * swport netdevs (swport.c) that name it with switch=sw0.  MAC ageing runs
 * on QEMU's virtual clock, so it stops with the VM and qtest steps it.
 *
 * Migration: the switch has no migration state.  What its queues hold
 * when a migration completes is dropped there and counted (vm-migrated),
 * see netswitch_migration_notify().
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/timer.h"
#include "qom/object_interfaces.h"
#include "migration/misc.h"
#include "swport.h"
#include "trace.h"

#define NETSWITCH_DEFAULT_AGEING_S  300

int64_t netswitch_now(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

NetSwitch *netswitch_find(const char *id, Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(), id);
    NetSwitch *sw = obj ? (NetSwitch *)object_dynamic_cast(obj, TYPE_NETSWITCH)
                        : NULL;

    if (!sw) {
        error_setg(errp, "'%s' is not a netswitch object", id);
        return NULL;
    }
    return sw;
}

static void netswitch_pending_bh(void *opaque)
{
    NetSwitch *sw = opaque;

    nsw_switch_run_pending(sw->core, netswitch_now());
    netswitch_kick(sw);
}

static void netswitch_timer_cb(void *opaque)
{
    NetSwitch *sw = opaque;

    sw->timer_deadline = INT64_MAX;
    nsw_switch_run_timers(sw->core, netswitch_now());
    netswitch_kick(sw);
}

void netswitch_kick(NetSwitch *sw)
{
    int64_t deadline = nsw_switch_next_timer(sw->core);

    if (nsw_switch_has_pending(sw->core)) {
        qemu_bh_schedule(sw->pending_bh);
    }
    /* Only shaped ports need the timer; re-arm it only when it moves */
    if (deadline != sw->timer_deadline) {
        sw->timer_deadline = deadline;
        if (deadline == INT64_MAX) {
            timer_del(sw->timer);
        } else {
            timer_mod(sw->timer, deadline);
        }
    }
}

/*
 * The VM now runs on the destination of a migration (precopy done, or
 * postcopy started): the frames this switch still holds were for devices
 * and backends that will never run here again, since the VM stays
 * stopped in this process.  Frames wait in a port's queue while its
 * device's RX is full (a LAN9118 whose FIFO the guest has not read) and
 * from the moment the VM stops, as qemu_can_send_packet() says no then.
 * They are not carried in the migration stream: a switch on the
 * destination may have other backends (another tap), Ethernet is
 * allowed to lose frames (TCP resends them, as after a moved cable), and
 * up to queue-bytes per port of guest-controlled frames would have to be
 * parsed on load.  Counting them keeps the accounting identity: a
 * source that quits leaves nothing queued and uncounted behind.
 */
static int netswitch_migration_notify(NotifierWithReturn *notifier,
                                      MigrationEvent *e, Error **errp)
{
    NetSwitch *sw = container_of(notifier, NetSwitch, migration_notifier);
    unsigned int dropped;

    if (e->type != MIG_EVENT_PRECOPY_DONE) {
        return 0;
    }
    dropped = nsw_switch_drop_held(sw->core, NSW_DROP_VM_MIGRATED);
    trace_netswitch_migrated(object_get_canonical_path_component(OBJECT(sw)),
                             dropped);
    netswitch_kick(sw);     /* shaped ports no longer wait for their timer */
    return 0;
}

static int64_t ageing_ns(uint32_t seconds)
{
    return seconds * NANOSECONDS_PER_SECOND;
}

static int netswitch_get_policy(Object *obj, Error **errp)
{
    return NETSWITCH(obj)->policy;
}

static void netswitch_set_policy(Object *obj, int value, Error **errp)
{
    NetSwitch *sw = NETSWITCH(obj);

    if (sw->core) {
        error_setg(errp, "the policy of a netswitch cannot change");
        return;
    }
    sw->policy = value;
}

static void netswitch_get_ageing_time(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    visit_type_uint32(v, name, &NETSWITCH(obj)->ageing_time, errp);
}

static void netswitch_set_ageing_time(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    NetSwitch *sw = NETSWITCH(obj);
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    sw->ageing_time = value;
    if (sw->core) {
        nsw_mac_table_set_ageing(nsw_switch_mac_table(sw->core),
                                 ageing_ns(value));
    }
}

static void netswitch_get_max_entries(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    visit_type_uint32(v, name, &NETSWITCH(obj)->max_entries, errp);
}

static void netswitch_set_max_entries(Object *obj, Visitor *v,
                                      const char *name, void *opaque,
                                      Error **errp)
{
    NetSwitch *sw = NETSWITCH(obj);
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    if (value < 1 || value > NSW_MAC_TABLE_MAX_SIZE) {
        error_setg(errp, "max-entries must be between 1 and %u",
                   NSW_MAC_TABLE_MAX_SIZE);
        return;
    }
    sw->max_entries = value;
    if (sw->core) {
        nsw_mac_table_set_max_entries(nsw_switch_mac_table(sw->core), value);
    }
}

static void netswitch_get_flap_limit(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    visit_type_uint32(v, name, &NETSWITCH(obj)->flap_limit, errp);
}

static void netswitch_set_flap_limit(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    NetSwitch *sw = NETSWITCH(obj);
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    sw->flap_limit = value;
    if (sw->core) {
        nsw_switch_set_flap_limit(sw->core, value);
    }
}

static void netswitch_complete(UserCreatable *uc, Error **errp)
{
    NetSwitch *sw = NETSWITCH(uc);
    const NswPolicy *policy = nsw_policy_lookup(NetswitchPolicy_str(sw->policy));
    NswMacTable *table;

    if (!policy) {
        error_setg(errp, "netswitch policy '%s' is not available",
                   NetswitchPolicy_str(sw->policy));
        return;
    }
    sw->core = nsw_switch_new(policy);
    nsw_switch_set_flap_limit(sw->core, sw->flap_limit);
    sw->pending_bh = qemu_bh_new(netswitch_pending_bh, sw);
    sw->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, netswitch_timer_cb, sw);
    sw->timer_deadline = INT64_MAX;
    table = nsw_switch_mac_table(sw->core);
    nsw_mac_table_set_max_entries(table, sw->max_entries);
    nsw_mac_table_set_ageing(table, ageing_ns(sw->ageing_time));
    migration_add_notifier(&sw->migration_notifier,
                           netswitch_migration_notify);
}

/* Ports hold a reference to the switch, so it outlives them anyway. */
static bool netswitch_can_be_deleted(UserCreatable *uc)
{
    return NETSWITCH(uc)->nports == 0;
}

static void netswitch_instance_init(Object *obj)
{
    NetSwitch *sw = NETSWITCH(obj);

    sw->policy = NETSWITCH_POLICY_BRIDGE;
    sw->ageing_time = NETSWITCH_DEFAULT_AGEING_S;
    sw->max_entries = NSW_MAC_TABLE_DEFAULT_SIZE;
    sw->flap_limit = NSW_FLAP_LIMIT_DEFAULT;
}

static void netswitch_instance_finalize(Object *obj)
{
    NetSwitch *sw = NETSWITCH(obj);

    if (sw->core) {
        migration_remove_notifier(&sw->migration_notifier);
        timer_free(sw->timer);
        qemu_bh_delete(sw->pending_bh);
        nsw_switch_free(sw->core);
    }
}

static void netswitch_class_init(ObjectClass *oc, void *data)
{
    UserCreatableClass *ucc = USER_CREATABLE_CLASS(oc);

    ucc->complete = netswitch_complete;
    ucc->can_be_deleted = netswitch_can_be_deleted;

    object_class_property_add_enum(oc, "policy", "NetswitchPolicy",
                                   &NetswitchPolicy_lookup,
                                   netswitch_get_policy, netswitch_set_policy);
    object_class_property_set_description(oc, "policy",
        "forwarding policy: hub, bridge (MAC learning) or vlan (802.1Q)");
    object_class_property_add(oc, "ageing-time", "uint32",
                              netswitch_get_ageing_time,
                              netswitch_set_ageing_time, NULL, NULL);
    object_class_property_set_description(oc, "ageing-time",
        "seconds of virtual time an unused MAC entry lives (0: forever)");
    object_class_property_add(oc, "max-entries", "uint32",
                              netswitch_get_max_entries,
                              netswitch_set_max_entries, NULL, NULL);
    object_class_property_set_description(oc, "max-entries",
        "MAC table size; the least recently seen entry makes room");
    object_class_property_add(oc, "flap-limit", "uint32",
                              netswitch_get_flap_limit,
                              netswitch_set_flap_limit, NULL, NULL);
    object_class_property_set_description(oc, "flap-limit",
        "MAC moves per second to one port that take its link down "
        "(loop protection; 0: off)");
}

static const TypeInfo netswitch_info = {
    .name = TYPE_NETSWITCH,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(NetSwitch),
    .instance_init = netswitch_instance_init,
    .instance_finalize = netswitch_instance_finalize,
    .class_init = netswitch_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_USER_CREATABLE },
        { }
    },
};

static void netswitch_register_types(void)
{
    type_register_static(&netswitch_info);
}

type_init(netswitch_register_types);
