/*
 * netswitch: classic pcap capture files
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef NET_NETSWITCH_PCAP_H
#define NET_NETSWITCH_PCAP_H

typedef struct NswPcap NswPcap;

/*
 * Create @path (truncating it) and write the file header; NULL on error.
 * On the destination of an incoming migration, a capture of ours already
 * at @path (the source's) is continued instead: appended to, no header.
 */
NswPcap *nsw_pcap_open(const char *path, Error **errp);

/*
 * Append one Ethernet frame.  A write error is reported once and stops
 * the capture; it never affects the traffic.
 */
void nsw_pcap_write(NswPcap *pcap, const uint8_t *frame, size_t len);

void nsw_pcap_close(NswPcap *pcap);

#endif /* NET_NETSWITCH_PCAP_H */
