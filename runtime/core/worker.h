/* worker.h: the worker threads and their per-thread state.
 *
 * A worker owns one rc_msg (reused for every datagram: no allocation per
 * message), its receive batch buffers, a send buffer for edited messages
 * and its statistics counters.  Workers share nothing writable: the only
 * shared objects are the sockets and the current generation.
 */
#ifndef ROUTEC_WORKER_H
#define ROUTEC_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/config.h"
#include "core/gen.h"

#define RT_BATCH    32     /* datagrams per recvmmsg */
#define RT_DGRAM    65536  /* largest UDP datagram, plus room for a NUL */
#define RT_SENDBUF  65536  /* an edited message (new Via, lumps) */
#define RT_OUTQ     262144 /* bytes a receive batch may queue for one sendmmsg */

/* Kamailio's per-method counters (rpc_core.c names them core:...):
 *   rcv_requests_m[enum sip_method]      rcv_requests_<method> (OTHER unused)
 *   rcv_replies_c[class - 1][slot]       rcv_replies_<class>xx (slot 0) and
 *        rcv_replies_<class>xx_<method> (slots 1.. : bye cancel invite
 *        message prack refer reg update, by the CSeq method)
 *   rcv_replies_code[i]                  rcv_replies_18x/401/404/407/480/486 */
#define RT_STAT_METHODS 15
#define RT_STAT_RPL_SLOTS 9
#define RT_STAT_RPL_CODES 6

/* Counters, one set per worker (no sharing, no locked instructions: each is
 * written by its worker only and read with relaxed loads by rt_stats_sum). */
typedef struct rt_stats {
	atomic_uint_fast64_t rcv_requests, rcv_replies;
	atomic_uint_fast64_t fwd_requests, fwd_replies;
	atomic_uint_fast64_t drop_requests, drop_replies;
	atomic_uint_fast64_t err_requests, err_replies;
	atomic_uint_fast64_t rcv_requests_m[RT_STAT_METHODS];
	atomic_uint_fast64_t rcv_replies_c[6][RT_STAT_RPL_SLOTS];
	atomic_uint_fast64_t rcv_replies_code[RT_STAT_RPL_CODES];
} rt_stats;

/* A plain snapshot (summed over workers). */
typedef struct rt_stats_snap {
	uint64_t rcv_requests, rcv_replies, fwd_requests, fwd_replies;
	uint64_t drop_requests, drop_replies, err_requests, err_replies;
	uint64_t rcv_requests_m[RT_STAT_METHODS];
	uint64_t rcv_replies_c[6][RT_STAT_RPL_SLOTS];
	uint64_t rcv_replies_code[RT_STAT_RPL_CODES];
} rt_stats_snap;

#define RT_STAT_INC(w, field)                                                                 \
	do {                                                                                  \
		if (w)                                                                        \
			atomic_store_explicit(&(w)->stats.field,                              \
			    atomic_load_explicit(&(w)->stats.field, memory_order_relaxed) + 1, \
			    memory_order_relaxed);                                            \
	} while (0)

struct rt_worker {
	int id;
	pthread_t thread;
	int running;
	rt_stats stats;
	rc_msg_t *msg;              /* reused for every message */
	rt_gen *gen;                /* the generation this worker holds */
	unsigned gen_seq;           /* rt_gen_seq() when it was taken */
	int fds[RT_MAX_SOCKS];      /* SO_REUSEPORT mode: this worker's twins */
	int epfd;
	char sendbuf[RT_SENDBUF];
	/* receive batch */
	struct mmsghdr mm[RT_BATCH];
	struct iovec iov[RT_BATCH];
	struct sockaddr_storage from[RT_BATCH];
	char (*bufs)[RT_DGRAM];
	/* send batch: what the messages of one receive batch send is copied here
	 * and leaves in one sendmmsg per socket when the batch is done */
	int outq_on;
	int outq_n, outq_fd;
	size_t outq_used;
	char *outq_buf;
	struct mmsghdr outq_mm[RT_BATCH];
	struct iovec outq_iov[RT_BATCH];
	struct sockaddr_storage outq_to[RT_BATCH];
};

/* Queue a datagram for the batch's sendmmsg: 0, or -1 when it does not fit
 * (the caller then sends it at once). */
int rt_worker_queue(rt_worker *w, int fd, const struct sockaddr *to, socklen_t tolen,
                    const char *buf, int len);
/* Send what is queued. */
void rt_worker_flush(rt_worker *w);

/* SO_REUSEPORT (a socket per worker) or one socket read by every worker:
 * see worker.c for the measurement behind the default. */
extern int rt_reuseport;

/* Start n workers on the open sockets: 0 or -1 (none left running). */
int rt_workers_start(int n);
/* Ask them to stop and wait (each returns within one poll timeout). */
void rt_workers_stop(void);
int rt_workers_count(void);
/* Any thread, also while workers start or stop. */
void rt_stats_sum(rt_stats_snap *out);

/* Process one datagram as a worker does: parse, fill m, run the script,
 * forward.  Exposed for tests and benchmarks. */
void rt_worker_handle(rt_worker *w, const rt_sock *rcv, char *buf, int len,
                      const struct sockaddr_storage *src, socklen_t srclen, long long now_us);

/* Workers of a process that is not running rt_run (tests): a worker with
 * its message, not started. */
rt_worker *rt_worker_new(int id);
void rt_worker_free(rt_worker *w);

#endif
