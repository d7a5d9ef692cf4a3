/*
 * netswitch: classic pcap capture files
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The classic libpcap format: a 24-byte file header (magic 0xa1b2c3d4,
 * version 2.4, link type 1 = Ethernet), then per frame a 16-byte record
 * header (seconds, microseconds, captured and original length) and the
 * frame.  Fields are in host byte order; readers detect it by the magic.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "system/runstate.h"
#include "pcap.h"

#define PCAP_MAGIC          0xa1b2c3d4
#define PCAP_VERSION_MAJOR  2
#define PCAP_VERSION_MINOR  4
#define PCAP_LINKTYPE_ETHER 1
#define PCAP_SNAPLEN        65535

typedef struct PcapFileHeader {
    uint32_t magic;
    uint16_t version_major;
    uint16_t version_minor;
    int32_t thiszone;
    uint32_t sigfigs;
    uint32_t snaplen;
    uint32_t linktype;
} PcapFileHeader;

typedef struct PcapRecordHeader {
    uint32_t ts_sec;
    uint32_t ts_usec;
    uint32_t caplen;
    uint32_t len;
} PcapRecordHeader;

struct NswPcap {
    int fd;
    char *path;
};

/*
 * Open an existing capture of ours at @path for appending, or return -1.
 * A file that is absent, shorter than its header or not an Ethernet pcap
 * in this host's byte order is not continued.
 */
static int pcap_continue(const char *path)
{
    PcapFileHeader hdr;
    int fd = qemu_open_old(path, O_RDWR | O_APPEND | O_BINARY);

    if (fd < 0) {
        return -1;
    }
    if (pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr) ||
        hdr.magic != PCAP_MAGIC || hdr.linktype != PCAP_LINKTYPE_ETHER) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Create (truncate) @path and write the file header: its fd, or -1. */
static int pcap_create(const char *path, Error **errp)
{
    PcapFileHeader hdr = {
        .magic = PCAP_MAGIC,
        .version_major = PCAP_VERSION_MAJOR,
        .version_minor = PCAP_VERSION_MINOR,
        .snaplen = PCAP_SNAPLEN,
        .linktype = PCAP_LINKTYPE_ETHER,
    };
    int fd = qemu_create(path, O_WRONLY | O_TRUNC | O_BINARY, 0644, errp);

    if (fd < 0) {
        return -1;
    }
    if (qemu_write_full(fd, &hdr, sizeof(hdr)) != sizeof(hdr)) {
        error_setg_errno(errp, errno, "cannot write to '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

NswPcap *nsw_pcap_open(const char *path, Error **errp)
{
    NswPcap *pcap;
    int fd = -1;

    /*
     * The destination of a migration on the same host usually has the
     * source's command line, so the same capture file, which the source
     * is still writing: truncating it would leave a hole where the source
     * goes on writing.  The destination sends and receives nothing before
     * it runs, that is after the source has stopped, so appending to the
     * file continues the one capture across the migration.
     */
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        fd = pcap_continue(path);
    }
    if (fd < 0) {
        fd = pcap_create(path, errp);
        if (fd < 0) {
            return NULL;
        }
    }
    pcap = g_new0(NswPcap, 1);
    pcap->fd = fd;
    pcap->path = g_strdup(path);
    return pcap;
}

void nsw_pcap_write(NswPcap *pcap, const uint8_t *frame, size_t len)
{
    int64_t now_us = g_get_real_time();
    uint32_t caplen = MIN(len, PCAP_SNAPLEN);
    PcapRecordHeader rec = {
        .ts_sec = now_us / G_USEC_PER_SEC,
        .ts_usec = now_us % G_USEC_PER_SEC,
        .caplen = caplen,
        .len = MIN(len, UINT32_MAX),
    };
    struct iovec iov[2] = {
        { .iov_base = &rec, .iov_len = sizeof(rec) },
        { .iov_base = (void *)frame, .iov_len = caplen },
    };

    if (pcap->fd < 0) {
        return;
    }
    if (writev(pcap->fd, iov, 2) != sizeof(rec) + caplen) {
        warn_report("netswitch: capture to '%s' stopped: %s", pcap->path,
                    strerror(errno));
        close(pcap->fd);
        pcap->fd = -1;
    }
}

void nsw_pcap_close(NswPcap *pcap)
{
    if (!pcap) {
        return;
    }
    if (pcap->fd >= 0) {
        close(pcap->fd);
    }
    g_free(pcap->path);
    g_free(pcap);
}
