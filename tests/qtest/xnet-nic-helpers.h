/*
 * qtest helpers shared by our NIC qtests
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Frames go through the test's end of a "-netdev socket,fd=" pair; QEMU's
 * stream socket netdev frames every packet with its length as a 4-byte
 * big-endian number.
 */

#ifndef TESTS_QTEST_XNET_NIC_HELPERS_H
#define TESTS_QTEST_XNET_NIC_HELPERS_H

#include "libqtest.h"

/* Write one frame for QEMU to receive. */
void xnet_socket_send_frame(int fd, const uint8_t *frame, size_t len);

/* Has QEMU written (the start of) a frame that we have not read? */
bool xnet_socket_has_frame(int fd);

/*
 * Read the next frame QEMU sent, which must be there: devices send whole
 * frames synchronously, before the qtest command that caused them returns.
 */
size_t xnet_socket_recv_frame(int fd, uint8_t *buf, size_t max);

/* The QOM path of the one device of @type the board created; g_free it. */
char *xnet_find_board_device(QTestState *qts, const char *type);

/*
 * Write a migration stream (migration.send-configuration=off, no section
 * footer needed) made of one full section @idstr, instance 0, version
 * @version, followed by zeros: what a snapshot of another device model
 * looks like to the loader before the model reads its fields.
 */
void xnet_write_foreign_stream(const char *path, const char *idstr,
                               uint32_t version);

/*
 * Start QEMU_QTEST_BINARY (not under qtest) with @args; it must exit with
 * an error whose text contains @needle.
 */
void xnet_expect_startup_error(const char *args, const char *needle);

#endif
