/* stats.c: the statistics registry (stats.h).  A singly linked list kept in
 * registration order: registration is rare, reads walk it all anyway. */
#include "core/stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static rt_stat *head, **tail = &head;

static rt_stat *find_locked(const char *group, const char *name)
{
	for (rt_stat *s = head; s; s = s->next)
		if ((!group || !strcmp(s->group, group)) && !strcmp(s->name, name))
			return s;
	return NULL;
}

static rt_stat *add(const char *group, const char *name, int flags,
                    long long (*read)(void *), void *arg)
{
	pthread_mutex_lock(&lock);
	rt_stat *s = find_locked(group, name);
	if (!s && (s = calloc(1, sizeof *s))) {
		s->group = group;
		s->name = name;
		s->flags = flags;
		atomic_init(&s->v, 0);
		*tail = s;
		tail = &s->next;
	}
	if (s && read) {
		s->read = read;
		s->arg = arg;
		s->flags = flags;
	}
	pthread_mutex_unlock(&lock);
	return s;
}

rt_stat *rt_stat_new(const char *group, const char *name, int flags)
{
	return add(group, name, flags, NULL, NULL);
}

rt_stat *rt_stat_fn(const char *group, const char *name, long long (*read)(void *), void *arg)
{
	return add(group, name, RT_STAT_NO_RESET, read, arg);
}

rt_stat *rt_stat_counter_fn(const char *group, const char *name, long long (*read)(void *),
                            void *arg)
{
	return add(group, name, RT_STAT_BASELINE, read, arg);
}

long long rt_stat_get(const rt_stat *s)
{
	if (!s)
		return 0;
	long long v = atomic_load_explicit(&s->v, memory_order_relaxed);
	if (!s->read)
		return v;
	return (s->flags & RT_STAT_BASELINE) ? s->read(s->arg) - v : s->read(s->arg);
}

rt_stat *rt_stat_find(const char *group, const char *name)
{
	pthread_mutex_lock(&lock);
	rt_stat *s = find_locked(group, name);
	pthread_mutex_unlock(&lock);
	return s;
}

void rt_stat_each(int (*cb)(const rt_stat *s, long long v, void *arg), void *arg)
{
	/* held across the walk: a read function must not register statistics */
	pthread_mutex_lock(&lock);
	for (rt_stat *s = head; s; s = s->next)
		if (cb(s, rt_stat_get(s), arg))
			break;
	pthread_mutex_unlock(&lock);
}

int rt_stat_reset(const char *which)
{
	int all = !which || !*which || !strcmp(which, "all"), n = 0;
	const char *colon = all ? NULL : strchr(which, ':');
	size_t glen = colon ? (size_t)(colon - which) : 0;
	pthread_mutex_lock(&lock);
	for (rt_stat *s = head; s; s = s->next) {
		int hit = all;
		if (!hit && colon)
			hit = strlen(s->group) == glen && !strncmp(s->group, which, glen) &&
			      (!colon[1] || !strcmp(s->name, colon + 1));
		else if (!hit)
			hit = !strcmp(s->group, which) || !strcmp(s->name, which);
		if (hit && !(s->flags & RT_STAT_NO_RESET)) {
			long long base = s->read && (s->flags & RT_STAT_BASELINE) ? s->read(s->arg) : 0;
			atomic_store_explicit(&s->v, base, memory_order_relaxed);
			n++;
		}
	}
	pthread_mutex_unlock(&lock);
	return n;
}

/* ---- per-thread counter tables ----------------------------------------------------- */

#define RT_STAT_MT_MAX 16

typedef struct mt_block {
	struct mt_block *next;
	atomic_llong v[];
} mt_block;

typedef struct mt_ref {
	rt_stat_mt *t;
	int i;
} mt_ref;

struct rt_stat_mt {
	const char *group;
	int id, n;
	mt_block *blocks; /* one per thread that counted; kept when it ends */
	mt_ref *refs;
};

static rt_stat_mt *mt_tables[RT_STAT_MT_MAX];
static int n_mt;
static pthread_mutex_t mt_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local mt_block *tl_blocks[RT_STAT_MT_MAX];

static long long mt_read(void *arg)
{
	const mt_ref *r = arg;
	long long sum = 0;
	pthread_mutex_lock(&mt_lock);
	for (mt_block *b = r->t->blocks; b; b = b->next)
		sum += atomic_load_explicit(&b->v[r->i], memory_order_relaxed);
	pthread_mutex_unlock(&mt_lock);
	return sum;
}

rt_stat_mt *rt_stat_mt_new(const char *group, const char *const *names, int n, int flags)
{
	rt_stat_mt *t = NULL;
	pthread_mutex_lock(&mt_lock);
	for (int i = 0; i < n_mt && !t; i++)
		if (!strcmp(mt_tables[i]->group, group))
			t = mt_tables[i];
	if (!t && n_mt < RT_STAT_MT_MAX && (t = calloc(1, sizeof *t))) {
		if (!(t->refs = calloc((size_t)n, sizeof *t->refs))) {
			free(t);
			t = NULL;
		} else {
			t->group = group;
			t->n = n;
			t->id = n_mt;
			mt_tables[n_mt++] = t;
		}
	}
	pthread_mutex_unlock(&mt_lock);
	if (!t) {
		rt_log(RT_L_ERR, "statistics: cannot register the group %s", group);
		return NULL;
	}
	for (int i = 0; i < t->n && i < n; i++) {
		t->refs[i] = (mt_ref){ t, i };
		if (flags & RT_STAT_NO_RESET)
			rt_stat_fn(group, names[i], mt_read, &t->refs[i]);
		else
			rt_stat_counter_fn(group, names[i], mt_read, &t->refs[i]);
	}
	return t;
}

void rt_stat_mt_add(rt_stat_mt *t, int i, long long n)
{
	if (!t || i < 0 || i >= t->n)
		return;
	mt_block *b = tl_blocks[t->id];
	if (!b) {
		/* this thread's first count in the table */
		b = calloc(1, sizeof *b + (size_t)t->n * sizeof b->v[0]);
		if (!b)
			return;
		pthread_mutex_lock(&mt_lock);
		b->next = t->blocks;
		t->blocks = b;
		pthread_mutex_unlock(&mt_lock);
		tl_blocks[t->id] = b;
	}
	atomic_store_explicit(&b->v[i], atomic_load_explicit(&b->v[i], memory_order_relaxed) + n,
	                      memory_order_relaxed);
}
