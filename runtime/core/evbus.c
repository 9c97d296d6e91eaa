/* evbus.c: the internal event bus of evbus.h.
 *
 * Two fixed tables, events and subscriptions, behind one read-write lock:
 * raising takes it for reading (publishers in many threads raise at once),
 * subscribing and unsubscribing for writing (rare: module start and stop).
 * An event's listener count is kept apart in an atomic so that publishers
 * can skip building attributes without taking the lock.
 */
#include "core/evbus.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/rt.h"

struct rt_event {
	char *name;
	atomic_int listeners;
};

typedef struct ev_sub {
	int id; /* 0: free */
	rt_event *ev;
	rt_ev_fn fn;
	void *arg;
} ev_sub;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static rt_event events[RT_EV_MAX_EVENTS];
static atomic_int nevents;
static ev_sub subs[RT_EV_MAX_SUBS];
static int nsubs; /* slots in use at the end of subs[] (holes have id 0) */
static int next_id;

/* Under the write lock. */
static rt_event *declare_locked(const char *name)
{
	int n = atomic_load_explicit(&nevents, memory_order_relaxed);
	for (int i = 0; i < n; i++)
		if (!strcmp(events[i].name, name))
			return &events[i];
	if (n == RT_EV_MAX_EVENTS) {
		rt_log(RT_L_ERR, "evbus: more than %d events, %s not declared", RT_EV_MAX_EVENTS, name);
		return NULL;
	}
	char *copy = strdup(name);
	if (!copy) {
		rt_log(RT_L_ERR, "evbus: out of memory declaring %s", name);
		return NULL;
	}
	events[n].name = copy;
	atomic_init(&events[n].listeners, 0);
	/* published last: rt_ev_at readers see the name set */
	atomic_store_explicit(&nevents, n + 1, memory_order_release);
	return &events[n];
}

rt_event *rt_ev_declare(const char *name)
{
	if (!name || !*name)
		return NULL;
	pthread_rwlock_wrlock(&lock);
	rt_event *ev = declare_locked(name);
	pthread_rwlock_unlock(&lock);
	return ev;
}

const char *rt_ev_name(const rt_event *ev)
{
	return ev ? ev->name : "";
}

int rt_ev_listeners(const rt_event *ev)
{
	return ev ? atomic_load_explicit(&ev->listeners, memory_order_relaxed) : 0;
}

int rt_ev_raise(rt_event *ev, const rt_ev_attr *attrs, int nattrs)
{
	if (!rt_ev_listeners(ev))
		return 0;
	int called = 0;
	pthread_rwlock_rdlock(&lock);
	for (int i = 0; i < nsubs; i++)
		if (subs[i].id && subs[i].ev == ev) {
			subs[i].fn(ev, attrs, nattrs, subs[i].arg);
			called++;
		}
	pthread_rwlock_unlock(&lock);
	return called;
}

int rt_ev_subscribe(const char *name, rt_ev_fn fn, void *arg)
{
	if (!fn)
		return -1;
	int id = -1;
	pthread_rwlock_wrlock(&lock);
	rt_event *ev = name ? declare_locked(name) : NULL;
	int slot = 0;
	while (slot < nsubs && subs[slot].id)
		slot++;
	if (!ev) {
		rt_log(RT_L_ERR, "evbus: cannot subscribe to '%s'", name ? name : "(null)");
	} else if (slot == RT_EV_MAX_SUBS) {
		rt_log(RT_L_ERR, "evbus: more than %d subscriptions, %s refused", RT_EV_MAX_SUBS, name);
	} else {
		id = ++next_id;
		subs[slot] = (ev_sub){ id, ev, fn, arg };
		if (slot == nsubs)
			nsubs++;
		atomic_fetch_add_explicit(&ev->listeners, 1, memory_order_relaxed);
	}
	pthread_rwlock_unlock(&lock);
	return id;
}

int rt_ev_unsubscribe(int id)
{
	int rc = -1;
	pthread_rwlock_wrlock(&lock);
	for (int i = 0; i < nsubs && id > 0; i++)
		if (subs[i].id == id) {
			atomic_fetch_sub_explicit(&subs[i].ev->listeners, 1, memory_order_relaxed);
			subs[i] = (ev_sub){ 0, NULL, NULL, NULL };
			while (nsubs > 0 && !subs[nsubs - 1].id)
				nsubs--;
			rc = 0;
			break;
		}
	pthread_rwlock_unlock(&lock);
	return rc;
}

const rt_event *rt_ev_at(int i)
{
	return i >= 0 && i < atomic_load_explicit(&nevents, memory_order_acquire) ? &events[i] : NULL;
}

const rt_ev_attr *rt_ev_attr_get(const rt_ev_attr *attrs, int nattrs, const char *name)
{
	for (int i = 0; i < nattrs; i++)
		if (!strcmp(attrs[i].name, name))
			return &attrs[i];
	return NULL;
}
