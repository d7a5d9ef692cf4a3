/*
 * qtest helpers shared by our NIC qtests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "xnet-nic-helpers.h"

void xnet_socket_send_frame(int fd, const uint8_t *frame, size_t len)
{
    uint32_t be_len = htonl(len);

    g_assert_cmpint(write(fd, &be_len, 4), ==, 4);
    g_assert_cmpint(write(fd, frame, len), ==, len);
}

bool xnet_socket_has_frame(int fd)
{
    uint8_t c;

    return recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) == 1;
}

size_t xnet_socket_recv_frame(int fd, uint8_t *buf, size_t max)
{
    uint32_t be_len;
    size_t len, got = 0;

    g_assert_cmpint(recv(fd, &be_len, 4, MSG_DONTWAIT), ==, 4);
    len = ntohl(be_len);
    g_assert_cmpuint(len, <=, max);
    while (got < len) {
        ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);

        g_assert_cmpint(n, >, 0);
        got += n;
    }
    return len;
}

char *xnet_find_board_device(QTestState *qts, const char *type)
{
    QDict *resp = qtest_qmp(qts, "{'execute': 'qom-list', 'arguments':"
                            " {'path': '/machine/unattached'}}");
    g_autofree char *child = g_strdup_printf("child<%s>", type);
    QListEntry *e;
    char *path = NULL;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(resp, "return"), e) {
        QDict *prop = qobject_to(QDict, qlist_entry_obj(e));

        if (!strcmp(qdict_get_str(prop, "type"), child)) {
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(prop, "name"));
        }
    }
    qobject_unref(resp);
    g_assert(path);
    return path;
}
