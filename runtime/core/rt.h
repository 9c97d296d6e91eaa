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
#include <stddef.h>
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
	rc_str uri, dst_uri, path; /* path: the Path vector sent as Route headers */
	int q;          /* -1 when not given, else 0..1000 */
	unsigned flags; /* branch flags */
	rc_str instance;/* the contact's +sip.instance (lookup), s == NULL: none */
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

	/* ---- core section (core/): like the module sections below, zeroed
	   before each message (everything from here to the end of the struct) */
	struct rc_gen *gen;       /* the generation running this message */
	unsigned mflags;          /* RT_MF_*: what core commands asked for */
	int ruri_q1;              /* the R-URI's q + 1 (Kamailio's ruri_q): 0 unspecified, so
	                             the zeroed message has none; use rt_ruri_q/rt_set_ruri_q */

	/* ---- module sections: each module adds its own fields below ---- */

	/* pv (runtime/pv) and its modules: per-message state, pointing into the
	   arena (core zeroes it before each message) */
	struct pv_avp *pv_avps;    /* $avp values, newest first */
	struct pv_xitem *pv_xavps; /* $xavp items, newest first */
	rc_str tx_reply_hdrs;      /* textops append_to_reply(): lines for the next local reply */
	int sl_err;                /* last internal error, Kamailio E_* code (negative; 0 = E_UNSPEC), for sl_reply_error() */
	rc_str rr_params;          /* rr add_rr_param() text: ";a=b;c" */
	rc_str rr_base;            /* rr: the Record-Route line record_route() queued, up to the params */
	const char *rr_text;       /* rr: that line's text in the lump, or NULL when none was queued */
	rc_str rr_route_params;    /* rr: ";params" of our Route that loose_route() consumed */
	int rr_next_hop;           /* rr: loose_route() took the next hop from a Route after ours */
	int mf_value;              /* maxfwd: Max-Forwards after mf_process_maxfwd_header() + 1; 0: untouched */
	unsigned corex_xflags[2];  /* corex setxflag(): extended message flags 0..63 */
	unsigned corex_iflags;     /* corex msg_iflag_set(): Kamailio's internal msg_flags bits */
	unsigned kex_sflags;       /* kex setsflag(): script flags, 0 when the script starts ($sf) */

	/* tm (modules/tm): its per-message fields go here */
	struct tm_cell *tm_t;      /* the message's transaction: found or created for it (a
	                              reference, dropped by tm_msg_done), or the one a route
	                              tm runs is for (none taken: TM_M_FAKED) */
	int tm_branch;             /* reply: its branch; branch/branch-failure route: that branch */
	unsigned tm_mflags;        /* TM_M_*: what tm did with the message */
	rc_route_fn tm_on_failure, tm_on_reply, tm_on_branch, tm_on_bfail; /* t_on_*() before the
	                              transaction exists */
	int tm_fr, tm_fr_inv, tm_t1, tm_t2, tm_life_inv, tm_life_noninv; /* t_set_fr/_retr/
	                              _max_lifetime before it exists, ms (0: the modparam) */
	unsigned tm_tfl_set, tm_tfl_reset; /* TM_T_* flags asked for before it exists */
	int tm_err;                /* tm's last error (Kamailio's tm_error / ser_error) */
	const char *tm_ruri_mark;  /* the R-URI (its text pointer) when it was last used for
	                              forking: the same one is not forked to again */
	int tm_ruri_used;          /* tm_ruri_mark is set */
	int tm_code;               /* failure route: the code picked */
	unsigned long long tm_precheck; /* t_precheck_trans recorded this request */

	/* registrar (modules/registrar): its per-message fields go here */
	struct reg_state *reg;     /* save()'s reply kept for reg_send_reply(), $ulc profiles
	                              (all in the arena), or NULL */
	rc_str reg_path;           /* lookup(): the Path of the contact now in the R-URI (Kamailio's
	                              path_vec): forward() and t_relay() put it in a Route header
	                              (rt_build_request); s == NULL: none */
	rc_str reg_instance;       /* lookup(): that contact's +sip.instance (Kamailio's
	                              msg->instance), for t_load_contacts; s == NULL: none */
};

/* The R-URI's q (-1: unspecified, else 0..1000), Kamailio's get_ruri_q /
 * set_ruri_q: lookup() sets it to its contact's, t_load_contacts sorts the
 * R-URI by it, clearing the destination set forgets it. */
static inline int rt_ruri_q(const rc_msg_t *m)
{
	return m->ruri_q1 - 1;
}

static inline void rt_set_ruri_q(rc_msg_t *m, int q)
{
	m->ruri_q1 = q < 0 ? 0 : q + 1;
}

/* pv (runtime/pv): core calls pv_worker_done() when a worker thread ends
 * ($var/$vn values live in thread-local storage of each worker). */
void pv_worker_done(void);

/* Logging, Kamailio's levels: -5 alert .. 3 debug (the `debug` parameter). */
enum { RT_L_ALERT = -5, RT_L_BUG = -4, RT_L_CRIT = -2, RT_L_ERR = -1, RT_L_WARN = 0,
       RT_L_NOTICE = 1, RT_L_INFO = 2, RT_L_DBG = 3 };
extern int rt_log_level;
void rt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Send a buffer to an address from the right socket (UDP). 0 or -1. */
int rt_send(rc_msg_t *m, const rt_sock *from, const struct sockaddr *to, socklen_t tolen,
            const char *buf, int len);

/* ==== module hooks the core calls =========================================== */

/* sl: 1 when m is an ACK to a negative reply sl sent (its To-tag is sl's),
 * which sl absorbs before the script runs, as Kamailio's sl does. */
int sl_is_local_ack(rc_msg_t *m);
/* sl's statistics: registered by the control interface (rt_rpc_core_init);
 * the worker counts the ACKs it absorbed (sl:received_ACKs). */
void sl_stats_init(void);
void sl_count_filtered_ack(void);

/* tm: a reply that went through the core reply_route goes to tm first: 1
 * when it belongs to a transaction (tm relays it, or not), 0 to relay it
 * statelessly.  tm_msg_done: the worker is done with m (tm drops the
 * message's reference to its transaction).  Both are cheap when tm is not
 * loaded. */
int tm_reply_hook(rc_msg_t *m);
void tm_msg_done(rc_msg_t *m);
/* tm: a stateful reply on m's transaction (m->tm_t set), for sl's
 * send_reply(): 1, or -1 (logged). */
int tm_send_reply(rc_msg_t *m, rc_ctx_t *c, int code, rc_str reason);

/* ==== core services (added by core/; implemented in runtime/core) ==========
 * For pv/ and modules/.  Everything here may be called from any worker. */

#define RT_MF_FORCE_RPORT     1 /* force_rport(): reply to the source port, fill ;rport */
#define RT_MF_ADD_LOCAL_RPORT 2 /* add_local_rport(): ;rport in the Via we add */

/* 1 if host[:port] names this proxy (a listen address, an advertised
 * address or an alias; any case; IPv6 with or without brackets), else 0.
 * port 0 matches any port; proto 0 any protocol. */
int rt_myself(const char *host, int hlen, int port, int proto);

/* Where a reply to request m goes (RFC 3261 18.2.2 / Kamailio's
 * update_sock_struct_from_ip): the source IP; the source port if the top Via
 * has ;rport or force_rport() was called, else the Via's port, else 5060.
 * 0, or -1 when m has no usable top Via. */
int rt_reply_dest(rc_msg_t *m, struct sockaddr_storage *to, socklen_t *tolen);
/* Sends a reply built for m (sip_build_reply) there, from m's receiving
 * socket.  0 or -1 (logged). */
int rt_send_reply(rc_msg_t *m, const char *buf, int len);

/* The value of the Server header of locally built replies and of the
 * User-Agent header of locally built requests (`server_header`,
 * `server_signature`, `user_agent_header`); s == NULL: send none. */
rc_str rt_server_header(void);
rc_str rt_user_agent_header(void);

/* The listening sockets, in listen order; NULL past the end. */
const rt_sock *rt_sock_at(int i);

/* A module's parameter (modparam) in the generation being loaded, or NULL.
 * Asking marks it used: modparams nobody asks for during the generation's
 * init are logged as ignored. */
const rc_param_def *rt_gen_param(rc_gen_t *g, const char *module, const char *name);
/* Zeroed memory that lives as long as the generation (never freed alone). */
void *rt_gen_alloc(rc_gen_t *g, size_t n);
/* Run fn(arg) when the generation is freed (pcre2 code, a TCCState): 0 or -1. */
int rt_gen_on_free(rc_gen_t *g, void (*fn)(void *), void *arg);

#endif
