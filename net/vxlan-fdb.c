/*
 * vxlan: the forwarding database (inner MAC address -> remote VTEP)
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A hash table from the 48-bit MAC address to its entry.  Aged entries
 * are removed when looked up, and all at once when a new address finds
 * the table full; that sweep runs at most once per second of the
 * caller's clock, so a flood of new addresses into a full table costs a
 * hash lookup each, not a scan of the table each.
 */

#include "qemu/osdep.h"
#include "qemu/xxhash.h"
#include "net/vxlan-fdb.h"

#define SWEEP_INTERVAL_NS   1000000000LL

typedef struct VxlanFdbEntry {
    uint64_t key;               /* the MAC address, first byte highest */
    VxlanVtep vtep;
    int64_t seen_ns;
} VxlanFdbEntry;

struct VxlanFdb {
    GHashTable *table;          /* &entry->key -> entry (owned) */
    unsigned int max_entries;
    int64_t ageing_ns;
    int64_t last_sweep_ns;
    bool swept;                 /* last_sweep_ns is valid */
};

static uint64_t mac_key(const uint8_t *mac)
{
    uint64_t key = 0;
    int i;

    for (i = 0; i < 6; i++) {
        key = (key << 8) | mac[i];
    }
    return key;
}

static void key_mac(uint64_t key, uint8_t *mac)
{
    int i;

    for (i = 5; i >= 0; i--) {
        mac[i] = key & 0xff;
        key >>= 8;
    }
}

static bool entry_aged(const VxlanFdb *fdb, const VxlanFdbEntry *e,
                       int64_t now_ns)
{
    return fdb->ageing_ns && now_ns - e->seen_ns >= fdb->ageing_ns;
}

/*
 * The inner source MACs come from the network: with g_int64_hash (the two
 * halves XORed) a sender could pick addresses that all land in one chain
 * and make every lookup walk the table.  A hash keyed with a random seed
 * per process, as the netswitch's MAC table has, leaves it nothing to aim at.
 */
static uint64_t fdb_hash_seed;

static guint fdb_hash(gconstpointer key)
{
    return qemu_xxhash4(*(const uint64_t *)key, fdb_hash_seed);
}

VxlanFdb *vxlan_fdb_new(unsigned int max_entries, int64_t ageing_ns)
{
    VxlanFdb *fdb = g_new0(VxlanFdb, 1);

    while (!fdb_hash_seed) {
        fdb_hash_seed = ((uint64_t)g_random_int() << 32) | g_random_int();
    }
    fdb->table = g_hash_table_new_full(fdb_hash, g_int64_equal, NULL, g_free);
    fdb->max_entries = MAX(max_entries, 1);
    fdb->ageing_ns = ageing_ns;
    return fdb;
}

void vxlan_fdb_free(VxlanFdb *fdb)
{
    if (fdb) {
        g_hash_table_destroy(fdb->table);
        g_free(fdb);
    }
}

typedef struct SweepArgs {
    const VxlanFdb *fdb;
    int64_t now_ns;
} SweepArgs;

static gboolean sweep_one(gpointer key, gpointer value, gpointer opaque)
{
    SweepArgs *args = opaque;

    return entry_aged(args->fdb, value, args->now_ns);
}

/* Remove the aged entries, at most once per SWEEP_INTERVAL_NS */
static void fdb_sweep(VxlanFdb *fdb, int64_t now_ns)
{
    SweepArgs args = { .fdb = fdb, .now_ns = now_ns };

    if (!fdb->ageing_ns ||
        (fdb->swept && now_ns - fdb->last_sweep_ns < SWEEP_INTERVAL_NS &&
         now_ns >= fdb->last_sweep_ns)) {
        return;
    }
    fdb->swept = true;
    fdb->last_sweep_ns = now_ns;
    g_hash_table_foreach_remove(fdb->table, sweep_one, &args);
}

VxlanFdbLearn vxlan_fdb_learn(VxlanFdb *fdb, const uint8_t *mac,
                              const VxlanVtep *vtep, int64_t now_ns)
{
    uint64_t key = mac_key(mac);
    VxlanFdbEntry *e = g_hash_table_lookup(fdb->table, &key);
    VxlanFdbLearn result;

    if (e) {
        /* an aged entry learnt again is new, wherever it is */
        if (entry_aged(fdb, e, now_ns)) {
            result = VXLAN_FDB_NEW;
        } else if (memcmp(&e->vtep, vtep, sizeof(*vtep))) {
            result = VXLAN_FDB_MOVED;
        } else {
            result = VXLAN_FDB_REFRESHED;
        }
        e->vtep = *vtep;
        e->seen_ns = now_ns;
        return result;
    }
    if (g_hash_table_size(fdb->table) >= fdb->max_entries) {
        fdb_sweep(fdb, now_ns);
        if (g_hash_table_size(fdb->table) >= fdb->max_entries) {
            return VXLAN_FDB_FULL;
        }
    }
    e = g_new(VxlanFdbEntry, 1);
    e->key = key;
    e->vtep = *vtep;
    e->seen_ns = now_ns;
    g_hash_table_insert(fdb->table, &e->key, e);
    return VXLAN_FDB_NEW;
}

const VxlanVtep *vxlan_fdb_lookup(VxlanFdb *fdb, const uint8_t *mac,
                                  int64_t now_ns)
{
    uint64_t key = mac_key(mac);
    VxlanFdbEntry *e = g_hash_table_lookup(fdb->table, &key);

    if (!e) {
        return NULL;
    }
    if (entry_aged(fdb, e, now_ns)) {
        g_hash_table_remove(fdb->table, &key);
        return NULL;
    }
    return &e->vtep;
}

void vxlan_fdb_foreach(VxlanFdb *fdb, int64_t now_ns, VxlanFdbFunc *fn,
                       void *opaque)
{
    GHashTableIter iter;
    gpointer value;
    uint8_t mac[6];

    g_hash_table_iter_init(&iter, fdb->table);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        VxlanFdbEntry *e = value;

        if (!entry_aged(fdb, e, now_ns)) {
            key_mac(e->key, mac);
            fn(mac, &e->vtep, now_ns - e->seen_ns, opaque);
        }
    }
}

unsigned int vxlan_fdb_count(const VxlanFdb *fdb)
{
    return g_hash_table_size(fdb->table);
}

void vxlan_fdb_flush(VxlanFdb *fdb)
{
    g_hash_table_remove_all(fdb->table);
}
