/*
 * netswitch: a port's run-time settings (NetswitchPortSettings), shared
 * by -netdev swport and netswitch-port-set
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Every setting is checked before any is applied, so that a command with
 * one bad value changes nothing.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "net/net.h"
#include "net/util.h"     /* net_parse_macaddr() */
#include "swport.h"

/* At most this many addresses in allowed-macs */
#define ALLOWED_MACS_MAX    1024

typedef struct TokenSetting {
    uint64_t rate;          /* bits per second, 0: off */
    uint64_t burst;         /* bytes */
} TokenSetting;

/* 10 ms of @rate, but at least a 64 KiB frame, so that none waits long */
static uint64_t default_burst(uint64_t rate)
{
    return MIN(MAX(rate / 8 / 100, 64 * KiB), NSW_TB_MAX_BURST);
}

/*
 * The rate and burst a command asks for, given the current ones: the
 * burst stays, and a rate set without one ever given gets the default.
 */
static bool resolve_tokens(const char *name, bool has_rate, uint64_t rate,
                           bool has_burst, uint64_t burst, TokenSetting *cur,
                           Error **errp)
{
    if (has_rate) {
        cur->rate = rate;
        if (!has_burst && !cur->burst) {
            cur->burst = default_burst(rate);
        }
    }
    if (has_burst) {
        cur->burst = burst;
    }
    if (!cur->rate) {
        return true;
    }
    if (cur->rate < 8 || cur->rate > NSW_RATE_MAX) {
        error_setg(errp, "%s must be 0 or between 8 and %" PRIu64
                   " bits per second", name, (uint64_t)NSW_RATE_MAX);
        return false;
    }
    if (cur->burst > NSW_TB_MAX_BURST || (cur->rate && cur->burst < 1)) {
        error_setg(errp, "the burst of %s must be between 1 and %" PRIu64
                   " bytes", name, (uint64_t)NSW_TB_MAX_BURST);
        return false;
    }
    return true;
}

/* "aa:bb:cc:dd:ee:ff,..." into a new array (NULL for ""); false: @errp */
static bool parse_allowed_macs(const char *str, uint8_t (**macs)[6],
                               unsigned int *n, Error **errp)
{
    g_auto(GStrv) items = NULL;
    unsigned int i;

    *macs = NULL;
    *n = 0;
    if (!*str) {
        return true;
    }
    items = g_strsplit(str, ",", -1);
    if (g_strv_length(items) > ALLOWED_MACS_MAX) {
        error_setg(errp, "allowed-macs: at most %d addresses",
                   ALLOWED_MACS_MAX);
        return false;
    }
    *macs = g_malloc_n(g_strv_length(items), sizeof(**macs));
    for (i = 0; items[i]; i++) {
        if (net_parse_macaddr((*macs)[i], items[i]) < 0 ||
            ((*macs)[i][0] & 1)) {
            error_setg(errp, "allowed-macs: '%s' is not a unicast MAC "
                       "address", items[i]);
            g_free(*macs);
            *macs = NULL;
            return false;
        }
    }
    *n = i;
    return true;
}

bool swport_apply_settings(NswPort *port, const NetswitchPortSettings *set,
                           Error **errp)
{
    uint32_t frames = set->has_queue_frames ? set->queue_frames
                                            : nsw_port_queue_max_frames(port);
    uint64_t bytes = set->has_queue_bytes ? set->queue_bytes
                                          : nsw_port_queue_max_bytes(port);
    TokenSetting shaper, policer;
    g_autofree uint8_t (*macs)[6] = NULL;
    unsigned int nmacs = 0;
    int64_t now = netswitch_now();

    nsw_port_get_shaper(port, &shaper.rate, &shaper.burst);
    nsw_port_get_policer(port, &policer.rate, &policer.burst);
    if (frames < 1 || frames > NSW_QUEUE_MAX_FRAMES) {
        error_setg(errp, "queue-frames must be between 1 and %u",
                   NSW_QUEUE_MAX_FRAMES);
        return false;
    }
    if (bytes < 1 || bytes > NSW_QUEUE_MAX_BYTES) {
        error_setg(errp, "queue-bytes must be between 1 and %" PRIu64,
                   (uint64_t)NSW_QUEUE_MAX_BYTES);
        return false;
    }
    if (!resolve_tokens("rate", set->has_rate, set->rate, set->has_burst,
                        set->burst, &shaper, errp) ||
        !resolve_tokens("police-rate", set->has_police_rate,
                        set->police_rate, set->has_police_burst,
                        set->police_burst, &policer, errp)) {
        return false;
    }
    if (set->has_storm_pps && set->storm_pps > NSW_STORM_MAX_PPS) {
        error_setg(errp, "storm-pps must be at most %" PRIu64,
                   (uint64_t)NSW_STORM_MAX_PPS);
        return false;
    }
    if (set->allowed_macs &&
        !parse_allowed_macs(set->allowed_macs, &macs, &nmacs, errp)) {
        return false;
    }

    nsw_port_set_queue_limits(port, frames, bytes);
    if (set->has_rate || set->has_burst) {
        nsw_port_set_shaper(port, shaper.rate, shaper.burst, now);
    }
    if (set->has_police_rate || set->has_police_burst) {
        nsw_port_set_policer(port, policer.rate, policer.burst, now);
    }
    if (set->has_storm_pps) {
        nsw_port_set_storm_limit(port, set->storm_pps, now);
    }
    if (set->has_max_macs) {
        nsw_port_set_max_macs(port, set->max_macs);
    }
    if (set->allowed_macs) {
        nsw_port_set_allowed_macs(port, (const uint8_t (*)[6])macs, nmacs);
    }
    return true;
}

void swport_fill_settings(NswPort *port, NetswitchPortInfo *info)
{
    const uint8_t (*macs)[6];
    unsigned int n = nsw_port_allowed_macs(port, &macs), i;
    GString *list = g_string_new("");

    info->queue_max_frames = nsw_port_queue_max_frames(port);
    info->queue_max_bytes = nsw_port_queue_max_bytes(port);
    nsw_port_get_shaper(port, &info->rate, &info->burst);
    nsw_port_get_policer(port, &info->police_rate, &info->police_burst);
    info->storm_pps = nsw_port_storm_limit(port);
    info->max_macs = nsw_port_max_macs(port);
    for (i = 0; i < n; i++) {
        g_string_append_printf(list, "%s%02x:%02x:%02x:%02x:%02x:%02x",
                               i ? "," : "", macs[i][0], macs[i][1],
                               macs[i][2], macs[i][3], macs[i][4], macs[i][5]);
    }
    info->allowed_macs = g_string_free(list, false);
}
