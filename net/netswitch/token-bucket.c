/*
 * netswitch core: token buckets for shaping, policing and storm control
 *
 * Copyright (c) 2026 The qemu-xnet authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Tokens are kept in unit-nanoseconds (units x 10^9), so that refilling
 * at any rate from any interval is exact integer arithmetic: a rate of R
 * units per second adds R unit-nanoseconds per nanosecond.
 */

#include "qemu/osdep.h"
#include "net/netswitch-core.h"

#define NS_PER_UNIT     1000000000LL

static int64_t tb_capacity(const NswTokenBucket *tb)
{
    return tb->burst * NS_PER_UNIT;
}

void nsw_tb_init(NswTokenBucket *tb, uint64_t rate, uint64_t burst,
                 int64_t now_ns)
{
    g_assert(rate <= NSW_TB_MAX_RATE);
    g_assert(!rate || (burst >= 1 && burst <= NSW_TB_MAX_BURST));
    g_assert(burst <= NSW_TB_MAX_BURST);
    tb->rate = rate;
    tb->burst = burst;
    tb->tokens = tb_capacity(tb);
    tb->last_ns = now_ns;
}

/* Add what @now_ns - last_ns earned, up to the capacity. */
static void tb_refill(NswTokenBucket *tb, int64_t now_ns)
{
    int64_t cap = tb_capacity(tb);
    int64_t elapsed = now_ns - tb->last_ns;

    if (elapsed <= 0) {
        /* nothing earned; a clock that went back restarts from here */
        tb->last_ns = now_ns;
        return;
    }
    tb->last_ns = now_ns;
    /* Compare before multiplying: elapsed * rate may not fit in 64 bits */
    if ((uint64_t)elapsed >= (uint64_t)(cap - tb->tokens) / tb->rate + 1) {
        tb->tokens = cap;
    } else {
        tb->tokens += elapsed * tb->rate;
    }
}

bool nsw_tb_take(NswTokenBucket *tb, uint64_t units, int64_t now_ns)
{
    if (!tb->rate) {
        return true;
    }
    tb_refill(tb, now_ns);
    if (tb->tokens < (int64_t)MIN(units, tb->burst) * NS_PER_UNIT) {
        return false;
    }
    /*
     * A full bucket passes a take larger than the burst too, and owes the
     * rest: the refill pays it back before anything else goes, so the
     * long-run rate holds whatever the burst.  Takes are bounded so that
     * the debt fits (NSW_TB_MAX_BURST units of 10^9 each).
     */
    g_assert(units <= NSW_TB_MAX_BURST);
    tb->tokens -= (int64_t)units * NS_PER_UNIT;
    return true;
}

int64_t nsw_tb_wait_ns(NswTokenBucket *tb, uint64_t units, int64_t now_ns)
{
    int64_t need;

    if (!tb->rate) {
        return 0;
    }
    tb_refill(tb, now_ns);
    need = MIN(units, tb->burst) * NS_PER_UNIT;
    if (tb->tokens >= need) {
        return 0;
    }
    return (need - tb->tokens + tb->rate - 1) / tb->rate;
}
