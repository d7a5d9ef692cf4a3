/*
 * netswitch core: MAC learning table
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A hash table of (MAC, VID) keys, plus a list of all entries ordered
 * from least to most recently seen.  Learning moves an entry to the end
 * of the list, so both evicting when full and ageing take entries from
 * its head in O(1) each.
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "qemu/queue.h"
#include "qemu/xxhash.h"
#include "net/eth.h"
#include "net/netswitch-core.h"

typedef struct NswMacEntry NswMacEntry;

struct NswMacEntry {
    uint64_t key;               /* MAC in bits 63-16, VID in bits 15-0 */
    int64_t seen_ns;
    unsigned int port;
    QLIST_ENTRY(NswMacEntry) hash_link;
    QTAILQ_ENTRY(NswMacEntry) lru_link;
};

typedef QLIST_HEAD(, NswMacEntry) NswMacBucket;

struct NswMacTable {
    NswMacBucket *buckets;
    uint32_t bucket_mask;
    /* Keeps guests from choosing addresses that share a bucket. */
    uint64_t seed;
    unsigned int count;
    unsigned int max_entries;
    int64_t ageing_ns;
    /* Latest learning time: no entry is stamped earlier than the last */
    int64_t latest_ns;
    QTAILQ_HEAD(, NswMacEntry) lru;     /* least recently seen first */
    GArray *per_port;           /* unsigned int: entries of each port */
};

static uint64_t mac_key(const uint8_t *mac, uint16_t vid)
{
    uint64_t mac48 = (uint64_t)ldl_be_p(mac) << 16 | lduw_be_p(mac + 4);

    return mac48 << 16 | vid;
}

static void key_to_mac(uint64_t key, uint8_t *mac)
{
    stl_be_p(mac, key >> 32);
    stw_be_p(mac + 4, key >> 16);
}

static NswMacBucket *bucket_of(const NswMacTable *table, uint64_t key)
{
    return &table->buckets[qemu_xxhash4(key, table->seed) & table->bucket_mask];
}

static bool entry_expired(const NswMacTable *table, const NswMacEntry *e,
                          int64_t now_ns)
{
    return table->ageing_ns && now_ns - e->seen_ns > table->ageing_ns;
}

static NswMacEntry *find_entry(const NswMacTable *table, uint64_t key)
{
    NswMacEntry *e;

    QLIST_FOREACH(e, bucket_of(table, key), hash_link) {
        if (e->key == key) {
            return e;
        }
    }
    return NULL;
}

static unsigned int *port_count(NswMacTable *table, unsigned int port)
{
    if (port >= table->per_port->len) {
        g_array_set_size(table->per_port, port + 1);
    }
    return &g_array_index(table->per_port, unsigned int, port);
}

static void remove_entry(NswMacTable *table, NswMacEntry *e)
{
    (*port_count(table, e->port))--;
    QLIST_REMOVE(e, hash_link);
    QTAILQ_REMOVE(&table->lru, e, lru_link);
    table->count--;
    g_free(e);
}

/* One bucket per possible entry keeps chains short. */
static void resize_buckets(NswMacTable *table)
{
    uint32_t n = pow2ceil(table->max_entries);
    NswMacEntry *e;

    g_free(table->buckets);
    table->buckets = g_new0(NswMacBucket, n);
    table->bucket_mask = n - 1;
    QTAILQ_FOREACH(e, &table->lru, lru_link) {
        QLIST_INSERT_HEAD(bucket_of(table, e->key), e, hash_link);
    }
}

NswMacTable *nsw_mac_table_new(unsigned int max_entries, int64_t ageing_ns)
{
    NswMacTable *table = g_new0(NswMacTable, 1);

    QTAILQ_INIT(&table->lru);
    table->per_port = g_array_new(false, true, sizeof(unsigned int));
    table->seed = (uint64_t)g_random_int() << 32 | g_random_int();
    table->ageing_ns = ageing_ns;
    table->latest_ns = INT64_MIN;
    nsw_mac_table_set_max_entries(table, max_entries);
    return table;
}

void nsw_mac_table_free(NswMacTable *table)
{
    nsw_mac_table_flush(table);
    g_array_free(table->per_port, true);
    g_free(table->buckets);
    g_free(table);
}

void nsw_mac_table_set_max_entries(NswMacTable *table,
                                   unsigned int max_entries)
{
    g_assert(max_entries >= 1 && max_entries <= NSW_MAC_TABLE_MAX_SIZE);
    while (table->count > max_entries) {
        remove_entry(table, QTAILQ_FIRST(&table->lru));
    }
    table->max_entries = max_entries;
    resize_buckets(table);
}

unsigned int nsw_mac_table_max_entries(const NswMacTable *table)
{
    return table->max_entries;
}

void nsw_mac_table_set_ageing(NswMacTable *table, int64_t ageing_ns)
{
    g_assert(ageing_ns >= 0);
    table->ageing_ns = ageing_ns;
}

int64_t nsw_mac_table_ageing(const NswMacTable *table)
{
    return table->ageing_ns;
}

unsigned int nsw_mac_table_count(const NswMacTable *table)
{
    return table->count;
}

unsigned int nsw_mac_table_port_count(const NswMacTable *table,
                                      unsigned int port)
{
    return port < table->per_port->len ?
           g_array_index(table->per_port, unsigned int, port) : 0;
}

static NswMacEntry *add_entry(NswMacTable *table, uint64_t key)
{
    NswMacEntry *e;

    if (table->count == table->max_entries) {
        remove_entry(table, QTAILQ_FIRST(&table->lru));
    }
    e = g_new(NswMacEntry, 1);
    e->key = key;
    QLIST_INSERT_HEAD(bucket_of(table, key), e, hash_link);
    QTAILQ_INSERT_TAIL(&table->lru, e, lru_link);
    table->count++;
    return e;
}

static void touch_entry(NswMacTable *table, NswMacEntry *e, int64_t now_ns)
{
    e->seen_ns = now_ns;
    if (e != QTAILQ_LAST(&table->lru)) {
        QTAILQ_REMOVE(&table->lru, e, lru_link);
        QTAILQ_INSERT_TAIL(&table->lru, e, lru_link);
    }
}

NswLearnResult nsw_mac_table_learn(NswMacTable *table, const uint8_t *mac,
                                   uint16_t vid, unsigned int port,
                                   int64_t now_ns)
{
    uint64_t key = mac_key(mac, vid);
    NswLearnResult result;
    NswMacEntry *e;

    g_assert(vid < NSW_VLAN_COUNT);
    if (is_multicast_ether_addr(mac)) {
        return NSW_LEARN_IGNORED;
    }
    /* The LRU list must stay sorted by seen_ns for ageing to stop early. */
    now_ns = MAX(now_ns, table->latest_ns);
    table->latest_ns = now_ns;

    e = find_entry(table, key);
    if (!e) {
        e = add_entry(table, key);
        result = NSW_LEARN_NEW;
    } else {
        if (entry_expired(table, e, now_ns)) {
            result = NSW_LEARN_NEW;
        } else if (e->port != port) {
            result = NSW_LEARN_MOVED;
        } else {
            result = NSW_LEARN_REFRESHED;
        }
        (*port_count(table, e->port))--;
    }
    e->port = port;
    (*port_count(table, port))++;
    touch_entry(table, e, now_ns);
    return result;
}

bool nsw_mac_table_lookup(const NswMacTable *table, const uint8_t *mac,
                          uint16_t vid, int64_t now_ns, unsigned int *port)
{
    NswMacEntry *e = find_entry(table, mac_key(mac, vid));

    if (!e || entry_expired(table, e, now_ns)) {
        return false;
    }
    *port = e->port;
    return true;
}

void nsw_mac_table_foreach(const NswMacTable *table, int64_t now_ns,
                           NswMacEntryFunc *func, void *opaque)
{
    uint8_t mac[ETH_ALEN];
    NswMacEntry *e;

    QTAILQ_FOREACH(e, &table->lru, lru_link) {
        if (!entry_expired(table, e, now_ns)) {
            key_to_mac(e->key, mac);
            func(mac, e->key & 0xffff, e->port, now_ns - e->seen_ns, opaque);
        }
    }
}

unsigned int nsw_mac_table_age(NswMacTable *table, int64_t now_ns)
{
    unsigned int removed = 0;
    NswMacEntry *e;

    while ((e = QTAILQ_FIRST(&table->lru)) && entry_expired(table, e, now_ns)) {
        remove_entry(table, e);
        removed++;
    }
    return removed;
}

/* Remove the entries @match accepts; returns how many. */
static unsigned int remove_matching(NswMacTable *table,
                                    bool (*match)(const NswMacEntry *e,
                                                  unsigned int arg),
                                    unsigned int arg)
{
    unsigned int removed = 0;
    NswMacEntry *e, *next;

    QTAILQ_FOREACH_SAFE(e, &table->lru, lru_link, next) {
        if (match(e, arg)) {
            remove_entry(table, e);
            removed++;
        }
    }
    return removed;
}

static bool match_all(const NswMacEntry *e, unsigned int unused)
{
    return true;
}

static bool match_port(const NswMacEntry *e, unsigned int port)
{
    return e->port == port;
}

static bool match_vlan(const NswMacEntry *e, unsigned int vid)
{
    return (e->key & 0xffff) == vid;
}

unsigned int nsw_mac_table_flush(NswMacTable *table)
{
    return remove_matching(table, match_all, 0);
}

unsigned int nsw_mac_table_flush_port(NswMacTable *table, unsigned int port)
{
    return remove_matching(table, match_port, port);
}

unsigned int nsw_mac_table_flush_vlan(NswMacTable *table, uint16_t vid)
{
    return remove_matching(table, match_vlan, vid);
}
