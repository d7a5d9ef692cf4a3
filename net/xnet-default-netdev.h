/*
 * qemu-xnet: a -netdev without id= is the backend of the board's default NIC
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The three hooks net/net.c calls (patches/0011-net-id-less-netdev.patch).
 */

#ifndef NET_XNET_DEFAULT_NETDEV_H
#define NET_XNET_DEFAULT_NETDEV_H

#include "qemu/option.h"

/*
 * From net_client_parse(), for every -netdev, -nic and -net in the
 * traditional KEY=VALUE syntax.  Takes a -netdev without id= as the -nic
 * with the same options and returns true; returns false for anything else,
 * which upstream parses as before.  Exits on an option only -nic has.
 */
bool xnet_default_netdev_parse(QemuOptsList *opts_list, const char *optstr);

/*
 * From net_check_clients(), once the board has created its NICs: exits
 * with an error naming the first id-less -netdev that no NIC took.
 */
void xnet_default_netdev_check(void);

/* From "-netdev help": the rule, after the list of backends. */
void xnet_default_netdev_help(void);

#endif
