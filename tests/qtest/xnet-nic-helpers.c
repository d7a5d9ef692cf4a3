/*
 * qtest helpers shared by our NIC qtests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
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

static void put_be32(GByteArray *b, uint32_t v)
{
    uint32_t be = cpu_to_be32(v);

    g_byte_array_append(b, (const guint8 *)&be, sizeof(be));
}

void xnet_write_foreign_stream(const char *path, const char *idstr,
                               uint32_t version)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    uint8_t byte, zeros[256] = { 0 };

    put_be32(b, 0x5145564d);            /* QEMU_VM_FILE_MAGIC */
    put_be32(b, 3);                     /* QEMU_VM_FILE_VERSION */
    byte = 0x04;                        /* QEMU_VM_SECTION_FULL */
    g_byte_array_append(b, &byte, 1);
    put_be32(b, 0);                     /* section id */
    byte = strlen(idstr);
    g_byte_array_append(b, &byte, 1);
    g_byte_array_append(b, (const guint8 *)idstr, strlen(idstr));
    put_be32(b, 0);                     /* instance id */
    put_be32(b, version);
    g_byte_array_append(b, zeros, sizeof(zeros));
    g_assert_true(g_file_set_contents(path, (const char *)b->data, b->len,
                                      NULL));
}

void xnet_expect_startup_error(const char *args, const char *needle)
{
    g_autofree char *cmd = g_strdup_printf("%s -display none -audio none "
                                           "-nodefaults %s",
                                           getenv("QTEST_QEMU_BINARY"), args);
    g_auto(GStrv) argv = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, NULL));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDIN_FROM_DEV_NULL,
                               NULL, NULL, &out, &err, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), !=, 0);
    if (!strstr(err, needle)) {
        g_test_message("stderr: %s", err);
    }
    g_assert_nonnull(strstr(err, needle));
}
