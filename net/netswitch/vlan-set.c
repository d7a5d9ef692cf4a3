/*
 * netswitch core: sets of VLAN ids, as lists like "1,10-20,100"
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

/*
 * The helpers below parse at *@p and advance it; they return NULL or an
 * error message.
 */

static char *parse_vid(const char **p, uint16_t *vid)
{
    const char *start = *p;
    char *end;
    guint64 value;

    if (!g_ascii_isdigit(*start)) {
        return g_strdup_printf("expected a VLAN id at '%s'", start);
    }
    value = g_ascii_strtoull(start, &end, 10);
    if (value < 1 || value > NSW_VLAN_VID_MAX) {
        return g_strdup_printf("VLAN id %.*s is not in 1-%d",
                               (int)(end - start), start, NSW_VLAN_VID_MAX);
    }
    *vid = value;
    *p = end;
    return NULL;
}

/* "N" or "N-M" */
static char *parse_range(const char **p, uint16_t *first, uint16_t *last)
{
    char *err = parse_vid(p, first);

    *last = *first;
    if (err || **p != '-') {
        return err;
    }
    (*p)++;
    err = parse_vid(p, last);
    if (!err && *last < *first) {
        err = g_strdup_printf("VLAN range %u-%u is reversed", *first, *last);
    }
    return err;
}

/* A range, then the end of the list or a comma before another range */
static char *parse_item(const char **p, NswVlanSet *set)
{
    uint16_t first, last;
    char *err = parse_range(p, &first, &last);

    if (err) {
        return err;
    }
    for (unsigned int vid = first; vid <= last; vid++) {
        set_bit(vid, set->bits);
    }
    if (**p == ',' && (*p)[1]) {
        (*p)++;
    } else if (**p) {
        return g_strdup_printf("unexpected '%s' in VLAN list", *p);
    }
    return NULL;
}

bool nsw_vlan_set_parse(NswVlanSet *set, const char *str, char **errmsg)
{
    NswVlanSet parsed = { 0 };
    const char *p = str;
    char *err = NULL;

    while (*p && !err) {
        err = parse_item(&p, &parsed);
    }
    if (err) {
        if (errmsg) {
            *errmsg = err;
        } else {
            g_free(err);
        }
        return false;
    }
    *set = parsed;
    return true;
}

char *nsw_vlan_set_format(const NswVlanSet *set)
{
    GString *out = g_string_new("");
    unsigned int first, vid;

    for (vid = 1; vid <= NSW_VLAN_VID_MAX; vid++) {
        if (!nsw_vlan_set_test(set, vid)) {
            continue;
        }
        first = vid;
        while (vid < NSW_VLAN_VID_MAX && nsw_vlan_set_test(set, vid + 1)) {
            vid++;
        }
        g_string_append_printf(out, "%s%u", out->len ? "," : "", first);
        if (vid > first) {
            g_string_append_printf(out, "-%u", vid);
        }
    }
    return g_string_free(out, false);
}
