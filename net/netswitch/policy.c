/*
 * netswitch core: the registry of forwarding policies
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

/* A fixed table: policies are compiled in, so a handful is plenty. */
#define NSW_POLICY_MAX  16

static const NswPolicy *policies[NSW_POLICY_MAX] = {
    &nsw_policy_hub,
    &nsw_policy_bridge,
    &nsw_policy_vlan,
};

const NswPolicy *nsw_policy_lookup(const char *name)
{
    unsigned int i;

    for (i = 0; i < NSW_POLICY_MAX && policies[i]; i++) {
        if (!strcmp(policies[i]->name, name)) {
            return policies[i];
        }
    }
    return NULL;
}

bool nsw_policy_register(const NswPolicy *policy)
{
    unsigned int i;

    if (nsw_policy_lookup(policy->name)) {
        return false;
    }
    for (i = 0; i < NSW_POLICY_MAX; i++) {
        if (!policies[i]) {
            policies[i] = policy;
            return true;
        }
    }
    return false;
}

void nsw_policy_foreach(void (*func)(const NswPolicy *policy, void *opaque),
                        void *opaque)
{
    unsigned int i;

    for (i = 0; i < NSW_POLICY_MAX && policies[i]; i++) {
        func(policies[i], opaque);
    }
}
