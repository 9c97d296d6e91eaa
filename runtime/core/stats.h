/* stats.h: named statistics (Kamailio's "group:name" counters).
 *
 * A module registers its counters once (at start or when a generation is
 * loaded; registering the same group/name again returns the same counter)
 * and bumps them from any thread with relaxed atomics.  A value that is
 * computed rather than counted (transactions in use, per-worker sums) is
 * registered with a read function instead.  The JSON-RPC `stats.*` methods
 * read everything through rt_stat_each.
 */
#ifndef ROUTEC_STATS_H
#define ROUTEC_STATS_H

#include <stdatomic.h>

#define RT_STAT_NO_RESET 1 /* stats.reset_statistics leaves it alone (gauges) */
#define RT_STAT_BASELINE 2 /* computed counter: a reset remembers the value (in v)
                              and later reads subtract it */

typedef struct rt_stat {
	const char *group, *name;
	int flags;
	atomic_llong v;
	long long (*read)(void *arg); /* computed value, or NULL */
	void *arg;
	struct rt_stat *next;
} rt_stat;

/* A counter (0 at first registration); NULL only when out of memory. */
rt_stat *rt_stat_new(const char *group, const char *name, int flags);
/* A computed value: read(arg) is called on every query (any thread). */
rt_stat *rt_stat_fn(const char *group, const char *name, long long (*read)(void *), void *arg);
/* A computed counter (a sum kept elsewhere, e.g. per worker thread): read
 * like rt_stat_fn, but stats.reset_statistics zeroes it as it does a
 * counter, by remembering the value at the reset. */
rt_stat *rt_stat_counter_fn(const char *group, const char *name, long long (*read)(void *),
                            void *arg);

/* Counters bumped on a hot path by many threads (sl's reply counters): each
 * thread counts in a block of its own with relaxed loads and stores (no
 * locked instruction, no cache line shared between workers) and a query
 * sums the blocks.  names are the group's statistics (static strings) in
 * the order of the indexes rt_stat_mt_add takes; flags RT_STAT_NO_RESET or
 * 0.  Registering a group again returns the same table.  NULL when out of
 * memory or past 16 tables (logged). */
typedef struct rt_stat_mt rt_stat_mt;
rt_stat_mt *rt_stat_mt_new(const char *group, const char *const *names, int n, int flags);
void rt_stat_mt_add(rt_stat_mt *t, int i, long long n); /* t NULL: nothing */
#define rt_stat_mt_inc(t, i) rt_stat_mt_add((t), (i), 1)

static inline void rt_stat_add(rt_stat *s, long long n)
{
	if (s)
		atomic_fetch_add_explicit(&s->v, n, memory_order_relaxed);
}
#define rt_stat_inc(s) rt_stat_add((s), 1)
static inline void rt_stat_set(rt_stat *s, long long n)
{
	if (s)
		atomic_store_explicit(&s->v, n, memory_order_relaxed);
}
long long rt_stat_get(const rt_stat *s);
/* Find one by group and name (group NULL: any group), or NULL. */
rt_stat *rt_stat_find(const char *group, const char *name);
/* Every statistic in registration order: cb returns nonzero to stop. */
void rt_stat_each(int (*cb)(const rt_stat *s, long long v, void *arg), void *arg);
/* Zero the resettable counters of a group, or one "group:name" / "name"
 * (NULL or "all": every one): how many were reset. */
int rt_stat_reset(const char *which);

#endif
