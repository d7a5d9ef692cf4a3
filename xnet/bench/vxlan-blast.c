/*
 * qemu-xnet bench: send UDP datagrams to 127.0.0.1:PORT as fast as
 * sendmmsg() goes, for SECS seconds; print how many were sent.
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *   vxlan-blast PORT SECS VNI
 *
 * Each datagram is a VXLAN header (I flag, VNI) and a 64-byte broadcast
 * frame: for the vxlan netdev's local port it is a datagram to
 * decapsulate, for a dgram netdev's a frame to switch and encapsulate.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64

int main(int argc, char **argv)
{
    struct sockaddr_in to = { .sin_family = AF_INET };
    unsigned char pkt[8 + 64];
    struct mmsghdr msgs[BATCH];
    struct iovec iov = { pkt, sizeof(pkt) };
    struct timespec t0, t;
    long sent = 0;
    int fd, secs, vni, i;

    if (argc != 4) {
        fprintf(stderr, "usage: vxlan-blast PORT SECS VNI\n");
        return 2;
    }
    to.sin_port = htons(atoi(argv[1]));
    secs = atoi(argv[2]);
    vni = atoi(argv[3]);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x08;
    pkt[4] = vni >> 16;
    pkt[5] = vni >> 8;
    pkt[6] = vni;
    memset(pkt + 8, 0xff, 6);                                   /* dst */
    memcpy(pkt + 14, "\x52\x54\x00\x00\x00\x01\x08\x00", 8);    /* src */
    memset(msgs, 0, sizeof(msgs));
    for (i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof(to);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        int n = sendmmsg(fd, msgs, BATCH, 0);

        if (n > 0) {
            sent += n;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
    } while (t.tv_sec - t0.tv_sec < secs);
    printf("%ld\n", sent);
    return 0;
}
