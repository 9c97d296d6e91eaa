/* tm_timer.c: the timer wheel, its thread, and what time does to a cell.
 *
 * One thread ticks every TM_TICK_MS while something is armed (and sleeps
 * while the wheel is empty).  The wheel has TM_SLOTS slots per
 * shard (a cell goes to shard hash % TM_SHARDS, so workers arming timers of
 * different calls rarely share a lock); a node sits in the slot of its
 * deadline and is visited once per turn until due (a 120 s fr_inv timer is
 * looked at three times).  Each cell has one node, at its earliest
 * deadline: arming a later deadline leaves the node where it is (it fires
 * early, finds nothing due and re-arms), so a worker that stops a timer on a
 * reply never touches the wheel.
 *
 * Timer semantics are Kamailio's (kamailio-runtime.md 1.2): a branch
 * retransmits at T1, 2*T1, ... capped at T2 (UDP only, INVITEs too) until a
 * reply; a non-INVITE retransmits every T2 after a 1xx; the final-response
 * timer (fr_timer, fr_inv_timer after a 1xx on an INVITE, capped by the
 * transaction's end of life) fakes a 408.  A negative final reply to an
 * INVITE (and a locally generated 2xx) is retransmitted upstream at T1 ..
 * T2 until the ACK or fr_timer; every completed transaction then waits
 * wt_timer to absorb retransmissions before it is deleted.
 */
#include "modules/tm/tm.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rpc.h"

#define TM_TICK_MS 50
#define TM_SLOTS 4096
#define TM_HEAP_KEEP_MS 60000 /* idle time before the heap goes back */
#define TM_SHARDS 16

typedef struct tm_shard {
	pthread_mutex_t lock;
	long long done;          /* the last tick handled: a node goes to a later slot */
	tm_tnode *slot[TM_SLOTS];
} tm_shard;

static tm_shard shards[TM_SHARDS];
static pthread_t thread;
static atomic_int running;
static atomic_llong waiting;
/* Nodes in the wheel.  With none the thread sleeps on idle_cv (at most a
 * second at a time) instead of ticking: an idle proxy costs one wake-up a
 * second; the first node armed wakes it. */
static atomic_long armed;
static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;

long long tm_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long tm_cells_waiting(void)
{
	return atomic_load(&waiting);
}

static tm_cell *node_cell(tm_tnode *n)
{
	return (tm_cell *)((char *)n - offsetof(tm_cell, tn));
}

/* The slot of a deadline: its tick's, but never one the thread has passed
 * already (a deadline in the past fires at the next tick). */
static int slot_of(const tm_shard *s, long long at)
{
	long long tk = at / TM_TICK_MS;
	if (tk <= s->done)
		tk = s->done + 1;
	return (int)(tk % TM_SLOTS);
}

static void unlink_node(tm_shard *s, tm_tnode *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		s->slot[n->slot] = n->next;
	if (n->next)
		n->next->prev = n->prev;
	n->next = n->prev = NULL;
	n->slot = -1;
}

/* Arm t for `at` unless it is armed earlier already.  The wheel holds a
 * reference while the node is in it. */
static void arm(tm_cell *t, long long at)
{
	tm_shard *s = &shards[t->hash % TM_SHARDS];
	tm_tnode *n = &t->tn;
	pthread_mutex_lock(&s->lock);
	if (n->slot >= 0) {
		if (n->at <= at) {
			pthread_mutex_unlock(&s->lock);
			return;
		}
		unlink_node(s, n);
	} else {
		tm_cell_ref(t);
		if (atomic_fetch_add(&armed, 1) == 0) {
			pthread_mutex_lock(&idle_mu);
			pthread_cond_signal(&idle_cv);
			pthread_mutex_unlock(&idle_mu);
		}
	}
	n->at = at;
	n->slot = slot_of(s, at);
	n->prev = NULL;
	n->next = s->slot[n->slot];
	if (n->next)
		n->next->prev = n;
	s->slot[n->slot] = n;
	pthread_mutex_unlock(&s->lock);
}

static void disarm(tm_cell *t)
{
	tm_shard *s = &shards[t->hash % TM_SHARDS];
	int was = 0;
	pthread_mutex_lock(&s->lock);
	if (t->tn.slot >= 0) {
		unlink_node(s, &t->tn);
		atomic_fetch_sub(&armed, 1);
		was = 1;
	}
	pthread_mutex_unlock(&s->lock);
	if (was)
		tm_cell_unref(t);
}

static void min_at(long long *m, long long at)
{
	if (at && (!*m || at < *m))
		*m = at;
}

void tm_timer_update(tm_cell *t)
{
	if (t->deleted)
		return;
	long long next = 0;
	if (t->flags & TM_T_ON_WAIT)
		min_at(&next, t->wait_at);
	min_at(&next, t->resp_retr_at);
	min_at(&next, t->resp_fr_at);
	for (int i = 0; i < t->nbr; i++) {
		const tm_branch *b = t->br[i];
		min_at(&next, b->retr_at);
		min_at(&next, b->fr_at);
		min_at(&next, b->cretr_at);
		min_at(&next, b->cfr_at);
	}
	if (next)
		arm(t, next);
}

int tm_send(rc_msg_t *m, const rt_sock *s, const tm_addr *to, socklen_t tolen,
            const char *buf, int len)
{
	return rt_send(m, s, &to->sa, tolen, buf, len);
}

void tm_put_on_wait(tm_cell *t)
{
	if (t->flags & TM_T_ON_WAIT)
		return;
	t->flags |= TM_T_ON_WAIT;
	t->wait_at = tm_now() + (t->conf ? t->conf->wt : tm_conf_default.wt);
	atomic_fetch_add(&waiting, 1);
	tm_timer_update(t);
}

void tm_stop_branch_timers(tm_cell *t)
{
	for (int i = 0; i < t->nbr; i++) {
		t->br[i]->retr_at = 0;
		t->br[i]->fr_at = 0;
	}
}

void tm_start_final_retr(tm_cell *t)
{
	int st = atomic_load(&t->uas_status);
	if (!(t->flags & (TM_T_LOCAL | TM_T_UAC)) && t->is_invite &&
	    (st >= 300 || (t->relayed == -2 && st >= 200))) {
		long long now = tm_now();
		t->resp_iv = 2 * t->t1;
		t->resp_retr_at = now + t->t1;
		t->resp_fr_at = now + t->fr;
		tm_timer_update(t);
		return;
	}
	tm_put_on_wait(t);
}

void tm_release(tm_cell *t)
{
	t->resp_retr_at = 0;
	t->resp_fr_at = 0;
	tm_stop_branch_timers(t);
	tm_put_on_wait(t);
}

/* ---- what is due ------------------------------------------------------------------ */

/* The branch's final-response timer fired (Kamailio's final_response_handler). */
static void branch_fr(tm_cell *t, int i, long long now)
{
	tm_branch *b = t->br[i];
	b->fr_at = 0;
	b->retr_at = 0;
	b->rb |= TM_RB_TIMEOUT;
	const tm_conf *cf = t->conf;
	int silent = !cf->noisy_ctimer && !(t->flags & TM_T_NOISY_CTIMER) &&
	             !(t->flags & (TM_T_LOCAL | TM_T_UAC)) && t->is_invite && t->nbr == 1 &&
	             !t->on_failure && b->last == 0;
	if (silent) {
		rt_log(RT_L_DBG, "tm: transaction %u:%u dropped silently on its timeout (noisy_ctimer 0)",
		       t->hash, t->label);
		tm_put_on_wait(t);
		return;
	}
	if (b->fr_at == 0 && (b->rb & TM_RB_FR_INV))
		tm_stat_tm(TS_TIMEOUT_FR_INV);
	else
		tm_stat_tm(TS_TIMEOUT_FR);
	tm_fake_reply(t, i, 408);
}

static void branch_retr(tm_cell *t, int i, long long now)
{
	tm_branch *b = t->br[i];
	if (!b->buf) {
		b->retr_at = 0;
		return;
	}
	int iv = b->retr_iv;
	if ((b->rb & TM_RB_T2) || iv > t->t2)
		iv = t->t2;
	b->retr_at = now + iv;
	b->retr_iv = iv * 2 > t->t2 ? t->t2 : iv * 2;
	tm_stat_tm(iv >= t->t2 ? TS_RET_T2 : TS_RET_T1);
	if (tm_send(NULL, b->sock, &b->to, b->tolen, b->buf, b->len) < 0) {
		b->retr_at = 0;
		b->fr_at = 0;
		tm_fake_reply(t, i, 503);
	}
}

static void cancel_retr(tm_cell *t, tm_branch *b, long long now)
{
	if (!b->cbuf) {
		b->cretr_at = 0;
		return;
	}
	int iv = b->cretr_iv > t->t2 ? t->t2 : b->cretr_iv;
	b->cretr_at = now + iv;
	b->cretr_iv = iv * 2 > t->t2 ? t->t2 : iv * 2;
	tm_send(NULL, b->sock, &b->to, b->tolen, b->cbuf, b->clen);
}

/* Delete a transaction whose wait timer fired. */
static void cell_delete(tm_cell *t)
{
	t->deleted = 1;
	t->resp_retr_at = t->resp_fr_at = 0;
	for (int i = 0; i < t->nbr; i++) {
		tm_branch *b = t->br[i];
		b->retr_at = b->fr_at = b->cretr_at = b->cfr_at = 0;
	}
	atomic_fetch_sub(&waiting, 1);
	tm_cell_remove(t);
}

/* Everything due at `now` for t (t locked, referenced). */
static void cell_on_timer(tm_cell *t, long long now)
{
	if (t->deleted)
		return;
	if (t->resp_fr_at && now >= t->resp_fr_at) {
		/* no ACK for our negative reply: stop and wait */
		t->resp_fr_at = t->resp_retr_at = 0;
		tm_put_on_wait(t);
	} else if (t->resp_retr_at && now >= t->resp_retr_at) {
		int iv = t->resp_iv > t->t2 ? t->t2 : t->resp_iv;
		t->resp_retr_at = now + iv;
		t->resp_iv = iv * 2 > t->t2 ? t->t2 : iv * 2;
		if (t->resp)
			tm_send(NULL, t->rcv, &t->rto, t->rtolen, t->resp, t->resp_len);
		tm_stat_tm(TS_RET_RPL);
	}
	for (int i = 0; i < t->nbr && !t->deleted; i++) {
		tm_branch *b = t->br[i];
		if (b->cfr_at && now >= b->cfr_at) {
			b->cfr_at = b->cretr_at = 0; /* no reply to our CANCEL: give up on it */
		} else if (b->cretr_at && now >= b->cretr_at) {
			cancel_retr(t, b, now);
		}
		if (b->fr_at && now >= b->fr_at)
			branch_fr(t, i, now); /* may run routes and add branches */
		else if (b->retr_at && now >= b->retr_at)
			branch_retr(t, i, now);
	}
	/* last: a retransmission due at the same tick still goes out (Kamailio
	   runs retransmissions on its fast timer, the wait timer on the slow one) */
	if ((t->flags & TM_T_ON_WAIT) && now >= t->wait_at && !t->deleted) {
		cell_delete(t);
		return;
	}
	tm_timer_update(t);
}

/* ---- the thread -------------------------------------------------------------------- */

static void *timer_main(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	tm_set_cur_worker(NULL);
	rt_proc_register("tm timer");
	size_t cap = 256, n;
	tm_cell **due = malloc(cap * sizeof *due);
	long long last = tm_now() / TM_TICK_MS, empty_since = 0;
	int trimmed = 1;
	while (atomic_load(&running) && due) {
		if (atomic_load(&armed) == 0) {
			/* no transaction for TM_HEAP_KEEP_MS: give the heap pages the
			   cells used back to the system (an idle proxy should be small);
			   not sooner, so calls that come in bursts do not regrow it
			   page by page each time (rt_heap_setup (core/main.c) has glibc
			   keep up to 64 MB of it in between) */
			if (!trimmed) {
				long long now = tm_now();
				if (!empty_since)
					empty_since = now;
				else if (now - empty_since >= TM_HEAP_KEEP_MS) {
					malloc_trim(0);
					trimmed = 1;
					empty_since = 0;
				}
			}
			struct timespec dl;
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1;
			pthread_mutex_lock(&idle_mu);
			if (atomic_load(&armed) == 0 && atomic_load(&running))
				pthread_cond_timedwait(&idle_cv, &idle_mu, &dl);
			pthread_mutex_unlock(&idle_mu);
		} else {
			trimmed = 0;
			empty_since = 0;
			struct timespec ts = { 0, TM_TICK_MS * 1000000L };
			nanosleep(&ts, NULL);
		}
		long long now = tm_now(), tick = now / TM_TICK_MS;
		if (tick - last > TM_SLOTS)
			last = tick - TM_SLOTS; /* a whole turn covers every slot */
		for (; last < tick; ) {
			last++;
			int sl = (int)(last % TM_SLOTS);
			/* everything of this tick is due: deadlines are met to the tick */
			long long due_by = last * TM_TICK_MS + TM_TICK_MS - 1;
			if (due_by < now)
				due_by = now;
			for (int k = 0; k < TM_SHARDS; k++) {
				tm_shard *s = &shards[k];
				n = 0;
				pthread_mutex_lock(&s->lock);
				s->done = last;
				for (tm_tnode *x = s->slot[sl], *nx; x; x = nx) {
					nx = x->next;
					if (x->at > due_by)
						continue; /* a later turn of the wheel */
					if (n == cap) {
						tm_cell **d = realloc(due, cap * 2 * sizeof *due);
						if (!d)
							break;
						due = d;
						cap *= 2;
					}
					unlink_node(s, x);
					atomic_fetch_sub(&armed, 1);
					due[n++] = node_cell(x); /* the wheel's reference moves here */
				}
				pthread_mutex_unlock(&s->lock);
				for (size_t i = 0; i < n; i++) {
					tm_cell *t = due[i];
					tm_lock(t);
					cell_on_timer(t, due_by);
					tm_unlock(t);
					tm_cell_unref(t);
				}
			}
		}
	}
	free(due);
	rt_proc_unregister();
	pv_worker_done(); /* $var values routes run here may have set */
	return NULL;
}

int tm_timer_start(void)
{
	long long tick = tm_now() / TM_TICK_MS;
	for (int k = 0; k < TM_SHARDS; k++) {
		pthread_mutex_init(&shards[k].lock, NULL);
		memset(shards[k].slot, 0, sizeof shards[k].slot);
		shards[k].done = tick;
	}
	atomic_store(&running, 1);
	if (pthread_create(&thread, NULL, timer_main, NULL) != 0) {
		atomic_store(&running, 0);
		rt_log(RT_L_ERR, "tm: cannot start the timer thread");
		return -1;
	}
	return 0;
}

void tm_timer_stop(void)
{
	if (!atomic_exchange(&running, 0))
		return;
	pthread_mutex_lock(&idle_mu);
	pthread_cond_signal(&idle_cv);
	pthread_mutex_unlock(&idle_mu);
	pthread_join(thread, NULL);
	/* drop the wheel's references: the table goes next */
	for (int k = 0; k < TM_SHARDS; k++)
		for (int sl = 0; sl < TM_SLOTS; sl++)
			while (shards[k].slot[sl]) {
				tm_tnode *x = shards[k].slot[sl];
				unlink_node(&shards[k], x);
				atomic_fetch_sub(&armed, 1);
				tm_cell_unref(node_cell(x));
			}
	atomic_store(&waiting, 0);
}

/* For tm_cell_remove's callers outside the timer (tm_mod stop). */
void tm_timer_disarm(tm_cell *t);
void tm_timer_disarm(tm_cell *t)
{
	disarm(t);
}
