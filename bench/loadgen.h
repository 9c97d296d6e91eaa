/* loadgen.h: what bench/loadgen.c (the load engine and main) and
 * bench/loadgen_cli.c (its command line, set-up and report) share. */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define MAXBATCH 256
#define MSGCAP   2048
#define NS       1000000000LL

typedef struct {
	uint32_t gen, user;         /* user: bench-USER with --users */
	uint8_t busy, phase;        /* 'o' OPTIONS, 'r' REGISTER, 'i' INVITE, 'b' BYE, 'h' holding */
	int64_t t_sent;             /* ns, of the request now pending */
} slot_t;

typedef struct {                    /* what a call needs from its 200 */
	char to[192], uri[160], route[320];
} dlg_t;

typedef struct {
	uint32_t slot, gen;
	uint8_t phase;
	int64_t at;
} tmr_t;

typedef struct {                    /* FIFO of timers; deadlines arrive in order */
	tmr_t *e;
	size_t head, n, cap;
} fifo_t;

typedef struct {
	/* options */
	struct sockaddr_in to, local;
	long closed, rate, count, wait_ms, hold_ms, batch, users, expires;
	double duration;
	int invite, reg;
	char ruri[160], ip[INET_ADDRSTRLEN], target[32], contact[32];
	unsigned port;
	/* state */
	int fd;
	slot_t *slot;
	dlg_t *dlg;
	uint32_t *freel;
	uint32_t *ucseq;            /* --users with REGISTER: each user's last CSeq */
	long nslots, nfree, inflight, started, scheduled;
	fifo_t timeouts, holds;
	char out[MAXBATCH][MSGCAP];
	struct mmsghdr om[MAXBATCH];
	struct iovec oiov[MAXBATCH];
	int nout;
	uint32_t *lat;
	size_t nlat, caplat;
	int64_t t0, t_last;
	/* counters */
	long sent, transactions, responses, provisional, s2xx, sother, timeouts_n, late,
	     unmatched, not_sent, send_errors, calls, calls_failed;
} lg_t;

/* The command line into g: 0, or -1 after a message (exit 2). */
int lg_options(lg_t *g, int argc, char **argv);
/* Slots, timers' room and the socket: 0, or -1 after a message. */
int lg_setup(lg_t *g);
/* The "key: value" lines, the run having ended at `end` (ns). */
void lg_report(lg_t *g, int64_t end);

#endif
