/* ul_timer.c: the expiry timer: every timer_interval seconds, one thread
 * walks every table, removes the contacts whose time is up and, in
 * write-back mode, writes what changed to the database.
 *
 * A binding past its expiry but not removed yet is already invisible:
 * lookup and registered() test ul_valid() themselves (Kamailio's
 * VALID_CONTACT), so the timer only reclaims memory and raises the events;
 * being late by up to timer_interval changes no routing decision.
 *
 * The slot locks are taken one at a time and only for the walk of that
 * slot.  What expired is copied, and the copies are handed to the expired
 * hook (registrar's event_route[usrloc:contact-expired]) once every lock
 * is released: a script that runs there may call lookup() or save().
 */
#include "modules/usrloc/ul_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "core/rpc.h"

static pthread_mutex_t hook_lock = PTHREAD_MUTEX_INITIALIZER;
static ul_expired_fn expired_hook;

static pthread_t thread;
static int running;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond;
static int stop_req;
static int interval_s;

void ul_set_expired_hook(ul_expired_fn fn)
{
	pthread_mutex_lock(&hook_lock);
	expired_hook = fn;
	pthread_mutex_unlock(&hook_lock);
}

typedef struct gone {
	struct gone *next;
	ul_domain *d;
	ul_contact *c;
} gone;

/* Removes what expired in slot i of d; copies go on *list when wanted. */
static int expire_slot(ul_domain *d, int i, long long now, int copy, gone ***tail)
{
	int n = 0;
	ul_lock_slot(d, i);
	ul_record *r = ul_slot_first(d, i);
	while (r) {
		ul_record *next = r->next; /* r may go */
		for (ul_contact *c = r->contacts, *cn; c; c = cn) {
			cn = c->next;
			if (ul_valid(c, now))
				continue;
			if (copy) {
				gone *g = malloc(sizeof *g);
				if (g && (g->c = ul_contact_dup(c))) {
					g->d = d;
					g->next = NULL;
					**tail = g;
					*tail = &g->next;
				} else {
					free(g);
					rt_log(RT_L_ERR, "usrloc: out of memory: no expired event for %.*s",
					       c->c.len, c->c.s);
				}
			}
			ul_delete_contact(d, r, c);
			rt_stat_inc(d->expires);
			n++;
		}
		ul_release_record(d, r);
		r = next;
	}
	ul_unlock_slot(d, i);
	return n;
}

int ul_timer_run(long long now)
{
	pthread_mutex_lock(&hook_lock);
	ul_expired_fn hook = expired_hook;
	pthread_mutex_unlock(&hook_lock);
	gone *list = NULL, **tail = &list;
	int n = 0;
	for (int k = 0; ul_domain_at(k); k++) {
		ul_domain *d = ul_domain_at(k);
		for (int i = 0; i < d->size; i++)
			if (d->slots[i].first) /* racy peek: a record added now is not due yet */
				n += expire_slot(d, i, now, hook != NULL, &tail);
	}
	/* db_mode 2 writes back here; db_mode 1 retries what failed to write */
	if (ul_cfg.db_mode && ul_db_is_open())
		ul_db_flush();
	for (gone *g = list, *gn; g; g = gn) {
		gn = g->next;
		hook(g->d, g->c);
		ul_contact_free(g->c);
		free(g);
	}
	return n;
}

static void *timer_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's */
	rt_proc_register("usrloc timer");
	pthread_mutex_lock(&stop_lock);
	while (!stop_req) {
		struct timespec at;
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += interval_s;
		int rc = 0;
		while (!stop_req && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&stop_cond, &stop_lock, &at);
		if (stop_req)
			break;
		pthread_mutex_unlock(&stop_lock);
		ul_timer_run(ul_now());
		pthread_mutex_lock(&stop_lock);
	}
	pthread_mutex_unlock(&stop_lock);
	pv_worker_done(); /* what the event route left in this thread's $var */
	rt_proc_unregister();
	return NULL;
}

int ul_timer_start(int interval)
{
	if (running)
		return 0;
	interval_s = interval > 0 ? interval : 1;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	stop_req = 0;
	if (pthread_create(&thread, NULL, timer_main, NULL) != 0) {
		rt_log(RT_L_ERR, "usrloc: cannot start the timer thread");
		pthread_cond_destroy(&stop_cond);
		return -1;
	}
	running = 1;
	return 0;
}

void ul_timer_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&stop_lock);
	stop_req = 1;
	pthread_cond_signal(&stop_cond);
	pthread_mutex_unlock(&stop_lock);
	pthread_join(thread, NULL);
	pthread_cond_destroy(&stop_cond);
	running = 0;
}
