/*
 * qemu-xnet: a -netdev without id= is the backend of the board's default NIC
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Upstream, "-netdev user" alone fails ("Parameter 'id' is missing") and
 * "-netdev user,id=n0" alone leaves the board's on-board NIC unconnected,
 * although "-nic user" says in two words what the user wants: the board's
 * default NIC on a user backend.  Here an id-less "-netdev TYPE,OPTS" is
 * exactly "-nic TYPE,OPTS": the option joins -nic's list, so
 * net_param_nic() creates the backend under a generated id and records a
 * default NIC for it, which the board (vexpress: its LAN9118) connects.
 *
 * Joining -nic's list gives the combination rule for free: id-less
 * -netdevs and -nics take the board's NICs in command-line order, and
 * net_init_clients() handles all of them before any -net nic.
 *
 * One difference: a -nic the board has no NIC for gets upstream's warning
 * ("requested NIC ... was not created"), but an id-less -netdev without a
 * NIC is an error, since the backend would sit there unused while the user
 * believes the guest is on it.
 *
 * Left as upstream has them: the -netdev types of the modern syntax
 * (stream, dgram, JSON) still need id=, as does netdev_add.
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/help_option.h"
#include "qemu/config-file.h"
#include "qemu/id.h"
#include "qemu/qemu-print.h"
#include "qemu/queue.h"
#include "hw/boards.h"
#include "net/net.h"
#include "xnet-default-netdev.h"

/* An id-less -netdev, now a -nic: the id it got and where it was given */
typedef struct DefaultNetdev {
    char *id;
    Location loc;
    QSIMPLEQ_ENTRY(DefaultNetdev) next;
} DefaultNetdev;

static QSIMPLEQ_HEAD(, DefaultNetdev) default_netdevs =
    QSIMPLEQ_HEAD_INITIALIZER(default_netdevs);

/* Options that -nic takes for the NIC itself, which -netdev does not have */
static const char *const nic_only_options[] = { "model", "mac" };

/* A throw-away list for looking at a -netdev's options before it is kept */
static QemuOptsList peek_opts = {
    .name = "xnet-netdev-peek",
    .implied_opt_name = "type",
    .head = QTAILQ_HEAD_INITIALIZER(peek_opts.head),
    .desc = { { /* anything: the backend checks its options later */ } },
};

/*
 * Is this -netdev one we take for a -nic?  Only without id=, and not
 * "help" or "none", which upstream answers (a list, an error).  Exits if
 * it names an option of the NIC.
 */
static bool netdev_wants_default_nic(const char *optstr)
{
    QemuOpts *opts = qemu_opts_parse(&peek_opts, optstr, true, NULL);
    const char *type;
    bool wanted;
    int i;

    if (!opts) {
        return false;       /* a syntax error: upstream's parse reports it */
    }
    type = qemu_opt_get(opts, "type");
    wanted = !qemu_opts_id(opts) && type && !is_help_option(type) &&
             strcmp(type, "none") != 0;
    for (i = 0; wanted && i < ARRAY_SIZE(nic_only_options); i++) {
        if (qemu_opt_get(opts, nic_only_options[i])) {
            error_report("'%s' is an option of -nic, not of -netdev: "
                         "use -nic %s", nic_only_options[i], optstr);
            exit(1);
        }
    }
    qemu_opts_del(opts);
    return wanted;
}

bool xnet_default_netdev_parse(QemuOptsList *opts_list, const char *optstr)
{
    DefaultNetdev *d;
    QemuOpts *nic;

    if (strcmp(opts_list->name, "netdev") != 0 ||
        !netdev_wants_default_nic(optstr)) {
        return false;
    }

    nic = qemu_opts_parse_noisily(qemu_find_opts("nic"), optstr, true);
    if (!nic) {
        exit(1);
    }
    d = g_new0(DefaultNetdev, 1);
    d->id = id_generate(ID_NET);
    loc_save(&d->loc);
    /* net_param_nic() keeps an id it finds; the opts own their copy */
    qemu_opts_set_id(nic, g_strdup(d->id));
    QSIMPLEQ_INSERT_TAIL(&default_netdevs, d, next);
    return true;
}

void xnet_default_netdev_check(void)
{
    MachineClass *mc = MACHINE_GET_CLASS(qdev_get_machine());
    DefaultNetdev *d;

    QSIMPLEQ_FOREACH(d, &default_netdevs, next) {
        NetClientState *nc = qemu_find_netdev(d->id);

        if (nc && !nc->peer) {
            loc_push_restore(&d->loc);
            error_report("machine '%s' has no NIC left for this -netdev "
                         "without id=", mc->name);
            error_printf("Each -netdev without id=, like each -nic, takes "
                         "one of the board's NICs,\nin command-line order.  "
                         "For another NIC, give the -netdev an id=\nand add "
                         "-device MODEL,netdev=ID.\n");
            exit(1);
        }
    }
}

void xnet_default_netdev_help(void)
{
    qemu_printf("\nA -netdev without id= is the backend of the board's "
                "default NIC, exactly as\n-nic with the same options would "
                "be (an id is generated).\n");
}
