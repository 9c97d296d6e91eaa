/* stats.c: the statistics registry (stats.h).  A singly linked list kept in
 * registration order: registration is rare, reads walk it all anyway. */
#include "core/stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
		s->flags |= RT_STAT_NO_RESET;
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

long long rt_stat_get(const rt_stat *s)
{
	if (!s)
		return 0;
	return s->read ? s->read(s->arg) : atomic_load_explicit(&s->v, memory_order_relaxed);
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
			atomic_store_explicit(&s->v, 0, memory_order_relaxed);
			n++;
		}
	}
	pthread_mutex_unlock(&lock);
	return n;
}
