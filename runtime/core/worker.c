/* worker.c: worker threads: receive a batch, route each message, repeat.
 *
 * Socket model.  Measured on this machine (2 vCPU VM, Linux 6.18, loopback):
 * a throwaway load generator (one thread, sendmmsg/recvmmsg, 32 requests in
 * flight per source socket) sends OPTIONS that the request route answers
 * with sip_build_reply; replies/s over 5 s runs, median of 3-5 runs, which
 * vary by +-20% on this VM:
 *
 *                                  shared socket   SO_REUSEPORT
 *     2 workers, 16 source ports      116k            107k
 *     4 workers, 16 source ports      144k            132k
 *     2 workers, 1 source port        133k            102k
 *
 * SO_REUSEPORT is never faster here, so rt_reuseport defaults to 0 (one
 * socket read by every worker).  Besides speed, the shared socket spreads
 * the load of a single busy peer (one source address and port, e.g. an SBC
 * in front of us) over every worker, where SO_REUSEPORT hashes it onto one.
 * Re-measure on many-core hosts: there SO_REUSEPORT avoids the shared
 * receive queue's lock and may win.
 *
 * With one socket (the usual case) a worker sleeps in recvmmsg on it
 * (MSG_WAITFORONE, SO_RCVTIMEO 200 ms so a stop request is seen within that
 * time) while the others stand by until it has work for two (rxturn.h: two
 * datagrams arriving together woke two sleepers).  Against epoll_wait +
 * recvmmsg, sleeping in recvmmsg is a system call less per
 * wake-up: 10.5 instead of 15.1 system calls per stateful call at 500
 * calls/s (bench/stateful.cfg), about 8% less CPU per call.  With several
 * sockets each worker waits in its own epoll set (the shared sockets are
 * registered with EPOLLEXCLUSIVE, same 200 ms timeout).  Either way a ready
 * socket is drained with recvmmsg batches of RT_BATCH; what the batch's
 * messages send is queued and leaves in one sendmmsg after the batch.
 */
#include "core/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/forward.h"
#include "core/rpc.h"
#include "core/rtmsg.h"
#include "core/rxturn.h"
#include "core/sock.h"
#include "sip/build.h"

#define RT_POLL_MS 200

int rt_reuseport = 0;

static rt_worker **workers;
static int nworkers;
static atomic_int stopping;
static rt_stats_snap retired; /* counts of workers already stopped */
/* workers, nworkers and retired: the control thread sums the counters
 * while workers start and stop */
static pthread_mutex_t workers_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- one message -------------------------------------------------------------- */

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void gen_refresh(rt_worker *w)
{
	unsigned seq = rt_gen_seq();
	if (seq == w->gen_seq && w->gen)
		return;
	rt_gen *g = rt_gen_acquire();
	rt_gen_release(w->gen);
	w->gen = g;
	w->gen_seq = seq;
}

/* A request RFC 3261 8.1.1 says must carry these, or nothing can follow it;
 * NULL if all are there and parse. */
static const char *missing_essential(rc_msg_t *m)
{
	const sip_addr *a;
	const sip_cseq *cs;
	sip_str cid;
	if (sip_get_from(&m->sip, &a) < 0)
		return "Missing or malformed From";
	if (sip_get_to(&m->sip, &a) < 0)
		return "Missing or malformed To";
	if (sip_get_callid(&m->sip, &cid) < 0)
		return "Missing or malformed Call-ID";
	if (sip_get_cseq(&m->sip, &cs) < 0)
		return "Missing or malformed CSeq";
	return NULL;
}

static void reply_400(rt_worker *w, rc_msg_t *m, const char *why)
{
	rc_str server = rt_server_header();
	sip_reply r = { .status = 400, .reason = { why, (int)strlen(why) },
	                .server = { server.s, server.len },
	                .src_ip = { m->src_ip, (int)strlen(m->src_ip) }, .src_port = m->src_port };
	int n = sip_build_reply(&m->sip, &r, w->sendbuf, sizeof w->sendbuf);
	if (n > 0 && rt_send_reply(m, w->sendbuf, n) == 0)
		m->replied = 1;
}

/* core:rcv_replies_<class>[_<method>] and _<code> (worker.h) */
static void count_reply(rt_worker *w, rc_msg_t *m)
{
	static const signed char slot[RT_STAT_METHODS] = {
		[SIP_M_BYE] = 1, [SIP_M_CANCEL] = 2, [SIP_M_INVITE] = 3, [SIP_M_MESSAGE] = 4,
		[SIP_M_PRACK] = 5, [SIP_M_REFER] = 6, [SIP_M_REGISTER] = 7, [SIP_M_UPDATE] = 8,
	};
	int st = m->sip.status, c = st / 100 - 1;
	const sip_cseq *cs;
	if (c < 0 || c > 5)
		return;
	RT_STAT_INC(w, rcv_replies_c[c][0]);
	if (sip_get_cseq(&m->sip, &cs) == 0 && cs->method_id > 0 && cs->method_id < RT_STAT_METHODS &&
	    slot[cs->method_id])
		RT_STAT_INC(w, rcv_replies_c[c][slot[cs->method_id]]);
	int k = st >= 180 && st <= 189 ? 0 : st == 401 ? 1 : st == 404 ? 2 : st == 407 ? 3
	      : st == 480 ? 4 : st == 486 ? 5 : -1;
	if (k >= 0)
		RT_STAT_INC(w, rcv_replies_code[k]);
}

static void handle_request(rt_worker *w, rc_msg_t *m)
{
	const sip_via *v;
	const char *why;
	RT_STAT_INC(w, rcv_requests);
	if (m->sip.method_id > 0 && m->sip.method_id < RT_STAT_METHODS)
		RT_STAT_INC(w, rcv_requests_m[m->sip.method_id]);
	if (sip_get_via(&m->sip, 0, &v) < 0) { /* nowhere to answer */
		rt_log(RT_L_DBG, "request from %s:%d without a usable Via: dropped", m->src_ip,
		       m->src_port);
		goto drop;
	}
	if ((why = missing_essential(m))) {
		rt_log(RT_L_DBG, "request from %s:%d: %s", m->src_ip, m->src_port, why);
		if (m->sip.method_id != SIP_M_ACK) /* an ACK is never answered */
			reply_400(w, m, why);
		goto drop;
	}
	if (!w->gen)
		goto drop;
	if (w->gen->sl_loaded && m->sip.method_id == SIP_M_ACK && sl_is_local_ack(m)) {
		sl_count_filtered_ack();
		if (w->gen->sl_filtered_ack) {
			rc_ctx_t e = { .route_type = RC_RT_EVENT, .while_max = rt_cfg.max_while_loops };
			m->ctx = &e;
			w->gen->sl_filtered_ack(m, &e);
		}
		goto drop;
	}
	if (!w->gen->request)
		goto drop;
	rc_ctx_t c = { .route_type = RC_RT_REQUEST, .while_max = rt_cfg.max_while_loops };
	m->ctx = &c;
	if (w->gen->request(m, &c) < 0)
		rt_log(RT_L_WARN, "error while trying script");
	if (m->replied || m->forwarded)
		return;
drop:
	RT_STAT_INC(w, drop_requests);
}

/* Kamailio's receive_msg for replies: the core reply_route decides, then
 * the reply goes on to the next Via unless it said no (kamailio-language.md
 * 5.2: a top-level value <= 0, or drop). */
static void handle_reply(rt_worker *w, rc_msg_t *m)
{
	RT_STAT_INC(w, rcv_replies);
	count_reply(w, m);
	if (w->gen && w->gen->reply) {
		rc_ctx_t c = { .route_type = RC_RT_CORE_ONREPLY, .while_max = rt_cfg.max_while_loops };
		m->ctx = &c;
		int r = w->gen->reply(m, &c);
		if (r < 0)
			rt_log(RT_L_WARN, "error while trying onreply script");
		if (r <= 0 || (c.flags & RC_F_DROP)) {
			RT_STAT_INC(w, drop_replies);
			return;
		}
	}
	/* tm next (Kamailio's reply_received): a reply of a transaction is
	   tm's to relay or absorb; others go on statelessly */
	if (tm_reply_hook(m))
		return;
	rt_forward_reply(m);
}

void rt_worker_handle(rt_worker *w, const rt_sock *rcv, char *buf, int len,
                      const struct sockaddr_storage *src, socklen_t srclen, long long now)
{
	rc_msg_t *m = w->msg;
	rt_msg_reset(m);
	m->worker = w;
	m->gen = w->gen;
	m->id++;
	m->buf = buf;
	m->len = len;
	m->rcv = rcv;
	m->recv_us = now;
	memcpy(&m->src, src, srclen <= sizeof m->src ? srclen : sizeof m->src);
	m->srclen = srclen;
	if (src->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)src;
		inet_ntop(AF_INET6, &a->sin6_addr, m->src_ip, sizeof m->src_ip);
		m->src_port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)src;
		inet_ntop(AF_INET, &a->sin_addr, m->src_ip, sizeof m->src_ip);
		m->src_port = ntohs(a->sin_port);
	}
	int rc = sip_parse(&m->sip, buf, (size_t)len);
	if (rc < 0) {
		if (rc == SIP_E_EMPTY) /* CRLF keep-alive */
			return;
		rt_log(RT_L_DBG, "malformed message from %s:%d (%d bytes): %s: dropped", m->src_ip,
		       m->src_port, len, sip_strerror(rc));
		if (len >= 4 && !memcmp(buf, "SIP/", 4))
			RT_STAT_INC(w, drop_replies);
		else
			RT_STAT_INC(w, drop_requests);
		return;
	}
	sip_lumps_init(&m->lumps, &m->sip);
	if (m->sip.is_request)
		handle_request(w, m);
	else
		handle_reply(w, m);
	if (m->tm_t || m->tm_precheck) /* tm: the message's hold on its transaction */
		tm_msg_done(m);
}

/* ---- batched sends ----------------------------------------------------------------- */

int rt_worker_queue(rt_worker *w, int fd, const struct sockaddr *to, socklen_t tolen,
                    const char *buf, int len)
{
	if (!w->outq_buf || len <= 0 || (size_t)len > RT_OUTQ || tolen > sizeof w->outq_to[0])
		return -1;
	if (w->outq_n && (fd != w->outq_fd || w->outq_n == RT_BATCH ||
	                  w->outq_used + (size_t)len > RT_OUTQ))
		rt_worker_flush(w);
	int i = w->outq_n++;
	char *dst = w->outq_buf + w->outq_used;
	memcpy(dst, buf, (size_t)len);
	w->outq_used += (size_t)len;
	w->outq_fd = fd;
	memcpy(&w->outq_to[i], to, tolen);
	w->outq_iov[i] = (struct iovec){ dst, (size_t)len };
	w->outq_mm[i].msg_hdr = (struct msghdr){ .msg_name = &w->outq_to[i], .msg_namelen = tolen,
	                                         .msg_iov = &w->outq_iov[i], .msg_iovlen = 1 };
	return 0;
}

void rt_worker_flush(rt_worker *w)
{
	int done = 0;
	while (done < w->outq_n) {
		int r = sendmmsg(w->outq_fd, w->outq_mm + done, (unsigned)(w->outq_n - done),
		                 MSG_NOSIGNAL);
		if (r > 0) {
			done += r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else {
			/* the datagram at `done` failed: say so and go on with the rest */
			rt_log(RT_L_ERR, "send of %zu bytes failed: %s", w->outq_iov[done].iov_len,
			       r < 0 ? strerror(errno) : "nothing sent");
			done++;
		}
	}
	w->outq_n = 0;
	w->outq_used = 0;
}

/* ---- the loop -------------------------------------------------------------------- */

/* Reads and handles batches from fd until it is empty.  first_flags is
 * MSG_DONTWAIT after epoll said fd is ready, MSG_WAITFORONE where the worker
 * sleeps in recvmmsg itself (it returns EAGAIN after SO_RCVTIMEO). */
static void drain(rt_worker *w, int fd, const rt_sock *s, int first_flags)
{
	/* bounded: a flood on one socket must not starve the stop check */
	for (int rounds = 0; rounds < 64 && !atomic_load_explicit(&stopping, memory_order_relaxed);
	     rounds++) {
		for (int i = 0; i < RT_BATCH; i++) {
			w->mm[i].msg_hdr.msg_namelen = sizeof w->from[i];
			w->mm[i].msg_len = 0;
		}
		int sleeps = !rounds && first_flags == MSG_WAITFORONE;
		if (sleeps)
			rt_rx_wait_begin();
		int n = recvmmsg(fd, w->mm, RT_BATCH, rounds ? MSG_DONTWAIT : first_flags, NULL);
		if (sleeps)
			rt_rx_wait_end();
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				rt_log(RT_L_ERR, "recvmmsg on %s:%d: %s", s->ip, s->port, strerror(errno));
			return;
		}
		gen_refresh(w);
		long long t = now_us();
		/* work for two (rxturn.h): a large batch, or more right after one */
		int called = 0;
		if (rounds || n >= RT_RX_CALL_N) {
			rt_rx_call_help();
			called = 1;
		}
		/* what this batch sends goes out in one sendmmsg after it */
		w->outq_on = 1;
		for (int i = 0; i < n; i++) {
			if (!called && i && now_us() - t >= RT_RX_CALL_US) {
				rt_rx_call_help(); /* one batch keeps this worker busy */
				called = 1;
			}
			if (w->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				rt_log(RT_L_DBG, "datagram larger than %d bytes: dropped", RT_DGRAM - 1);
				continue;
			}
			w->bufs[i][w->mm[i].msg_len] = '\0'; /* room kept: a guard for str* users */
			rt_worker_handle(w, s, w->bufs[i], (int)w->mm[i].msg_len, &w->from[i],
			                 w->mm[i].msg_hdr.msg_namelen, t);
		}
		rt_worker_flush(w);
		w->outq_on = 0;
		if (n < RT_BATCH)
			return;
	}
}

static void *worker_main(void *arg)
{
	rt_worker *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the main thread's */
	const rt_sock *s0 = rt_sock_at(0);
	rt_proc_register("udp receiver child=%d sock=%s:%d%s", w->id, s0 ? s0->ip : "?",
	                 s0 ? s0->port : 0, rt_sock_count() > 1 ? " (and the other sockets)" : "");
	struct epoll_event ev[RT_MAX_SOCKS];
	while (!atomic_load_explicit(&stopping, memory_order_relaxed)) {
		gen_refresh(w);
		if (w->epfd < 0) {
			if (rt_rx_should_stand_by())
				rt_rx_stand_by(); /* somebody waits on the socket already */
			else
				drain(w, w->fds[0], s0, MSG_WAITFORONE);
			continue;
		}
		int n = epoll_wait(w->epfd, ev, RT_MAX_SOCKS, RT_POLL_MS);
		if (n < 0 && errno != EINTR) {
			rt_log(RT_L_ERR, "worker %d: epoll_wait: %s", w->id, strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			int k = (int)ev[i].data.u32;
			drain(w, w->fds[k], rt_sock_at(k), MSG_DONTWAIT);
		}
	}
	rt_gen_release(w->gen);
	w->gen = NULL;
	pv_worker_done(); /* this thread's $var values and pv caches */
	rt_proc_unregister();
	return NULL;
}

/* ---- workers ------------------------------------------------------------------- */

rt_worker *rt_worker_new(int id)
{
	rt_worker *w = calloc(1, sizeof *w);
	if (!w || !(w->msg = calloc(1, sizeof *w->msg))) {
		free(w);
		rt_log(RT_L_ERR, "out of memory for a worker");
		return NULL;
	}
	w->id = id;
	w->epfd = -1;
	for (int i = 0; i < RT_MAX_SOCKS; i++)
		w->fds[i] = -1;
	return w;
}

void rt_worker_free(rt_worker *w)
{
	if (!w)
		return;
	for (int i = 0; i < RT_MAX_SOCKS; i++)
		if (w->fds[i] >= 0 && (!rt_sock_at(i) || w->fds[i] != rt_sock_at(i)->fd))
			close(w->fds[i]);
	if (w->epfd >= 0)
		close(w->epfd);
	rt_gen_release(w->gen);
	free(w->bufs);
	free(w->outq_buf);
	free(w->msg);
	free(w);
}

static int worker_setup(rt_worker *w)
{
	if (!(w->bufs = malloc((size_t)RT_BATCH * RT_DGRAM)) || !(w->outq_buf = malloc(RT_OUTQ))) {
		rt_log(RT_L_ERR, "out of memory for worker %d's buffers", w->id);
		return -1;
	}
	for (int i = 0; i < RT_BATCH; i++) {
		w->iov[i] = (struct iovec){ w->bufs[i], RT_DGRAM - 1 };
		w->mm[i].msg_hdr = (struct msghdr){ .msg_name = &w->from[i],
		                                    .msg_namelen = sizeof w->from[i],
		                                    .msg_iov = &w->iov[i],
		                                    .msg_iovlen = 1 };
	}
	/* One socket: the worker sleeps in recvmmsg itself.  Blocked receivers
	 * wait on the socket exclusively, so a datagram wakes one worker, and
	 * each datagram costs one system call less than epoll_wait + recvmmsg
	 * (measured: about a tenth of the CPU per call at 500 calls/s).  The
	 * receive timeout bounds how late a stop request is seen. */
	if (rt_sock_count() == 1) {
		w->fds[0] = rt_reuseport && w->id > 0 ? rt_sock_open_twin(0) : rt_sock_at(0)->fd;
		struct timeval tv = { .tv_sec = 0, .tv_usec = RT_POLL_MS * 1000 };
		if (w->fds[0] < 0 || setsockopt(w->fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
			rt_log(RT_L_ERR, "worker %d: receive timeout: %s", w->id, strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		rt_log(RT_L_ERR, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < rt_sock_count(); i++) {
		/* SO_REUSEPORT: worker 0 reads the first socket (the kernel also
		 * hashes datagrams onto it), the others their own twins. */
		w->fds[i] = rt_reuseport && w->id > 0 ? rt_sock_open_twin(i) : rt_sock_at(i)->fd;
		if (w->fds[i] < 0)
			return -1;
		struct epoll_event ev = { .events = EPOLLIN | (rt_reuseport ? 0 : EPOLLEXCLUSIVE),
		                          .data.u32 = (uint32_t)i };
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->fds[i], &ev) < 0) {
			rt_log(RT_L_ERR, "epoll_ctl: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void stats_add(rt_stats_snap *o, rt_stats *s)
{
#define ADD(f) o->f += atomic_load_explicit(&s->f, memory_order_relaxed)
	ADD(rcv_requests);
	ADD(rcv_replies);
	ADD(fwd_requests);
	ADD(fwd_replies);
	ADD(drop_requests);
	ADD(drop_replies);
	ADD(err_requests);
	ADD(err_replies);
	for (int i = 0; i < RT_STAT_METHODS; i++)
		ADD(rcv_requests_m[i]);
	for (int c = 0; c < 6; c++)
		for (int i = 0; i < RT_STAT_RPL_SLOTS; i++)
			ADD(rcv_replies_c[c][i]);
	for (int i = 0; i < RT_STAT_RPL_CODES; i++)
		ADD(rcv_replies_code[i]);
#undef ADD
}

int rt_workers_start(int n)
{
	if (n < 1)
		n = 1;
	atomic_store(&stopping, 0);
	/* turns on the socket when every worker reads the same one */
	rt_rx_setup(n, rt_sock_count() == 1 && !rt_reuseport);
	pthread_mutex_lock(&workers_lock);
	memset(&retired, 0, sizeof retired);
	if (!(workers = calloc((size_t)n, sizeof *workers))) {
		pthread_mutex_unlock(&workers_lock);
		return -1;
	}
	for (nworkers = 0; nworkers < n; nworkers++) {
		rt_worker *w = rt_worker_new(nworkers);
		if (!w)
			goto fail;
		if (worker_setup(w) < 0 || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			rt_log(RT_L_ERR, "cannot start worker %d", nworkers);
			rt_worker_free(w);
			goto fail;
		}
		w->running = 1;
		workers[nworkers] = w;
	}
	pthread_mutex_unlock(&workers_lock);
	rt_log(RT_L_INFO, "%d workers on %d socket(s), %s", n, rt_sock_count(),
	       rt_reuseport ? "a socket per worker (SO_REUSEPORT)" : "sockets shared by all workers");
	return 0;
fail:
	pthread_mutex_unlock(&workers_lock);
	rt_workers_stop();
	return -1;
}

void rt_workers_stop(void)
{
	atomic_store(&stopping, 1);
	rt_rx_end();
	for (int i = 0; i < nworkers; i++)
		if (workers[i]->running)
			pthread_join(workers[i]->thread, NULL);
	pthread_mutex_lock(&workers_lock);
	for (int i = 0; i < nworkers; i++) {
		stats_add(&retired, &workers[i]->stats);
		rt_worker_free(workers[i]);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	pthread_mutex_unlock(&workers_lock);
}

int rt_workers_count(void)
{
	return nworkers;
}

void rt_stats_sum(rt_stats_snap *o)
{
	pthread_mutex_lock(&workers_lock);
	*o = retired;
	for (int i = 0; i < nworkers; i++)
		stats_add(o, &workers[i]->stats);
	pthread_mutex_unlock(&workers_lock);
}
