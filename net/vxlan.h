/*
 * vxlan: a VXLAN tunnel endpoint netdev (RFC 7348)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NET_VXLAN_H
#define NET_VXLAN_H

#include "qapi/qapi-types-net.h"
#include "net/net.h"

int net_init_vxlan(const Netdev *netdev, const char *name,
                   NetClientState *peer, Error **errp);

#endif
