/* rt.h: the runtime's internal view of a message and of a worker.
 *
 * Generated code sees rc_msg_t as opaque (routec.h); the runtime (core/,
 * pv/, modules/) shares this definition.  Modules keep their per-message
 * state in the sections marked for them instead of side tables, so a message
 * is one object that lives in one worker for its whole life: nothing here is
 * shared between threads except through the functions that say so.
 */
#ifndef ROUTEC_RT_H
#define ROUTEC_RT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "routec.h"
#include "sip/lump.h"
#include "sip/msg.h"

#define RT_MAX_BRANCHES 12
#define RT_ARENA 65536 /* scratch bytes per message (strings built by the script) */

/* A listening socket (`listen = udp:127.0.0.1:5060 advertise 1.2.3.4:5060`). */
typedef struct rt_sock {
	int fd;
	int proto;                    /* RT_PROTO_UDP ... */
	struct sockaddr_storage addr;
	socklen_t alen;
	char ip[48];                  /* as text, no brackets */
	int port;
	char adv_host[128];           /* advertised address, "" if none */
	int adv_port;
	char name[64];                /* `name "x"` */
} rt_sock;

enum { RT_PROTO_UDP = 1, RT_PROTO_TCP, RT_PROTO_TLS, RT_PROTO_SCTP, RT_PROTO_WS, RT_PROTO_WSS };

/* One outgoing branch (the R-URI counts as branch 0 once appended). */
typedef struct rt_branch {
	rc_str uri, dst_uri, path;
	int q;          /* -1 when not given, else 0..1000 */
	unsigned flags; /* branch flags */
} rt_branch;

typedef struct rt_worker rt_worker; /* per thread: $var storage, send buffers */

struct rc_msg {
	/* what was received */
	sip_msg sip;
	const char *buf;
	int len;
	struct sockaddr_storage src;
	socklen_t srclen;
	char src_ip[48];
	int src_port;
	const rt_sock *rcv;       /* the socket it came in on */
	unsigned id;              /* $mi: a per-worker counter */
	long long recv_us;        /* receive time, for $Ts and latency */

	/* what the script changed */
	sip_lumps lumps;
	rc_str new_ruri;          /* $ru after a change, else s == NULL */
	rc_str dst_uri;           /* $du, s == NULL when unset */
	const rt_sock *force_send;/* $fs / force_send_socket() */
	unsigned flags;           /* message flags (setflag) */
	unsigned bflags;          /* flags of branch 0 */
	rt_branch branches[RT_MAX_BRANCHES]; /* append_branch() */
	int nbranches;
	int replied;              /* a reply was sent for this request (sl, tm) */
	int forwarded;            /* forward()/t_relay() sent it on */

	/* scratch: strings the script builds live here until the message is done */
	char arena[RT_ARENA];
	int arena_used;

	rt_worker *worker;
	rc_ctx_t *ctx;            /* the script context running this message */

	/* ---- module sections: each module adds its own fields below ---- */
};

/* Logging, Kamailio's levels: -5 alert .. 3 debug (the `debug` parameter). */
enum { RT_L_ALERT = -5, RT_L_BUG = -4, RT_L_CRIT = -3, RT_L_ERR = -1, RT_L_WARN = 0,
       RT_L_NOTICE = 1, RT_L_INFO = 2, RT_L_DBG = 3 };
extern int rt_log_level;
void rt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send a buffer to an address from the right socket (UDP). 0 or -1. */
int rt_send(rc_msg_t *m, const rt_sock *from, const struct sockaddr *to, socklen_t tolen,
            const char *buf, int len);

#endif
