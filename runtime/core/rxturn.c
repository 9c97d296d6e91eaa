/* rxturn.c: one worker waits on the shared socket, the others in standby
 * (rxturn.h says why).
 *
 * Measured on this machine (2 vCPU VM, bench/stateful.cfg at 500 calls/s,
 * routec alone with build/uas and build/loadgen, after a 4 s warm-up,
 * three alternating runs each): two workers on the socket, 161-245 µs of
 * CPU per call (5.3-5.6 voluntary context switches); with turns, 148-184
 * µs (2.9-3.6), as one worker alone (-n 1: 173-180 µs, 3.0-3.4).  Closed
 * loop, 32 calls in flight: 14.0-14.6k calls/s either way.  PSS at 500
 * calls/s was 1.3-1.6 MB higher (18.9-19.2 against 17.6 MB): the receiver
 * did most of the allocating, in its own glibc arena; one arena for all
 * threads (rt_heap_setup) took that away.
 *
 * The counts are hints, read without a lock: a race leaves either two
 * workers on the socket (the next one done takes standby) or, for at most
 * RT_RX_LOOK_MS, nobody while the receiver is busy (a standby looks then).
 * Neither loses a datagram: the socket's queue holds it. */
#include "core/rxturn.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <time.h>

static struct {
	int on, inited;
	int n;                /* workers taking turns */
	atomic_int waiting;   /* workers asleep in recvmmsg on the socket */
	atomic_int standing;  /* workers in standby */
	sem_t call;           /* a standby's call to the socket */
} rx;

void rt_rx_setup(int n, int on)
{
	rx.on = on && n > 1;
	rx.n = n;
	atomic_store(&rx.waiting, 0);
	atomic_store(&rx.standing, 0);
	if (rx.inited)
		sem_destroy(&rx.call); /* the workers that used it are gone */
	rx.inited = rx.on && sem_init(&rx.call, 0, 0) == 0;
	if (!rx.inited)
		rx.on = 0; /* no turns: every worker reads, as without them */
}

void rt_rx_end(void)
{
	if (!rx.on)
		return;
	for (int i = 0; i < rx.n; i++)
		sem_post(&rx.call);
}

int rt_rx_should_stand_by(void)
{
	return rx.on && atomic_load_explicit(&rx.waiting, memory_order_relaxed) > 0;
}

void rt_rx_stand_by(void)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_nsec += RT_RX_LOOK_MS * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec += dl.tv_nsec / 1000000000L;
		dl.tv_nsec %= 1000000000L;
	}
	atomic_fetch_add(&rx.standing, 1);
	while (sem_clockwait(&rx.call, CLOCK_MONOTONIC, &dl) < 0 && errno == EINTR)
		;
	atomic_fetch_sub(&rx.standing, 1);
}

void rt_rx_wait_begin(void)
{
	if (rx.on)
		atomic_fetch_add(&rx.waiting, 1);
}

void rt_rx_wait_end(void)
{
	if (rx.on)
		atomic_fetch_sub(&rx.waiting, 1);
}

void rt_rx_call_help(void)
{
	if (rx.on && atomic_load(&rx.waiting) == 0 && atomic_load(&rx.standing) > 0)
		sem_post(&rx.call);
}
