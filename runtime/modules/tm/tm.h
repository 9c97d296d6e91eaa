/* tm.h: the transaction module's inside (kamailio-runtime.md section 1).
 *
 * A transaction is a cell: the request as received (for matching, local
 * replies and the faked request of failure routes), the script's edits at
 * the first relay, the reply last sent upstream, and one tm_branch per
 * outgoing branch with the bytes sent (retransmissions, CANCEL and ACK are
 * built from them).  Everything of a cell lives in one malloc'd block that
 * grows by chunks when serial forking adds branches (tm_cell_mem).
 *
 * Cells are found through a table of TM_TABLE_SIZE buckets (hash of Call-ID
 * and CSeq number, so an INVITE, its CANCEL and its ACK share a bucket).
 * Locks, always taken in this order and never the other way round:
 *   cell->mu     recursive; the "reply lock": every change of a cell's state,
 *                and the routes tm runs for the cell, happen under it
 *   bucket lock  (striped) the chains of the table; lookups read only what
 *                never changes after insertion (and the atomic uas_status)
 *   timer shard  the wheel's lists (tm_timer.c)
 * References: the table holds one while the cell is in it, a message that
 * found or created it one (m->tm_t, dropped by tm_msg_done), the timer
 * thread one while it handles it.  The last tm_cell_unref frees the block and
 * releases the cell's generation.
 *
 * Time is CLOCK_MONOTONIC milliseconds (tm_now).  A cell keeps every deadline
 * it has (per-branch retransmission and final-response timers, the reply
 * retransmission, the wait timer) as plain fields; the wheel holds one node
 * per cell at its earliest deadline, and tm_cell_on_timer does what is due.
 */
#ifndef ROUTEC_TM_H
#define ROUTEC_TM_H

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/gen.h"
#include "core/stats.h"
#include "modules/mod.h"

#define TM_TABLE_BITS 16
#define TM_TABLE_SIZE (1u << TM_TABLE_BITS)
#define TM_MAX_BRANCHES RT_MAX_BRANCHES /* Kamailio's max_branches: 12 */
#define TM_MD5_LEN 32

/* Kamailio's error codes (ser_error) that tm reports; the negative value is
 * what the script sees and what err2reason turns into a reply. */
enum {
	TM_E_UNSPEC = -1, TM_E_OUT_OF_MEM = -2, TM_E_BAD_RE = -3, TM_E_BAD_ADDRESS = -478,
	TM_E_BUG = -5, TM_E_CFG = -6, TM_E_NO_SOCKET = -7, TM_E_BAD_VIA = -8, TM_E_BAD_TUPEL = -9,
	TM_E_SCRIPT = -10, TM_E_EXEC = -11, TM_E_TOO_MANY_BRANCHES = -12, TM_E_BAD_TO = -13,
	TM_E_CANCELED = -487, TM_E_SEND = -477, TM_E_BAD_REQ = -400, TM_E_BAD_SERVER = -500,
};

/* ---- per generation: the module parameters --------------------------------------- */

typedef struct tm_conf {
	int fr, fr_inv, wt, t1, t2;      /* ms */
	int max_inv, max_noninv;         /* ms */
	int noisy_ctimer, restart_fr_on_each_reply, auto_inv_100;
	rc_str auto_inv_100_reason;
	int ruri_matching, via1_matching, callid_matching;
	int failure_reply_mode, faked_reply_prio, cancel_b_method, unmatched_cancel;
	int relay_100, remap_503_500, disable_6xx, local_cancel_reason, e2e_cancel_reason;
	int aggregate_auth;              /* aggregate_challenges */
	int default_code;
	rc_str default_reason;
	rc_str fr_avp, fr_inv_avp;       /* $avp names for per-request timers, or s == NULL */
	int fr_avp_int, fr_inv_avp_int;  /* the name is an i: one */
	struct tm_tw_app *tw_apps;       /* tw_append definitions (tm_tw.c), or NULL */
	rc_str contacts_avp, contact_flows_avp; /* $xavp names of t_load_contacts (s NULL: off) */
	int unix_tx_timeout;
	rc_route_fn local_request;       /* event_route[tm:local-request] */
	rt_gen *gen;
	unsigned gen_id;
} tm_conf;

/* The conf of a generation (NULL when it does not load tm: defaults). */
const tm_conf *tm_conf_of(const rt_gen *g);
extern const tm_conf tm_conf_default;

/* ---- cells ------------------------------------------------------------------------------ */

/* The text of an address (no port, IPv6 without brackets) into out[48]. */
void tm_addr_text(const void *sa, char out[48]);

/* An IPv4 or IPv6 address and port, in 28 bytes (a sockaddr_storage takes
 * 128): cells keep three of them. */
typedef union tm_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
} tm_addr;

static inline void tm_addr_set(tm_addr *d, const struct sockaddr_storage *s, socklen_t len)
{
	memset(d, 0, sizeof *d);
	memcpy(d, s, len < sizeof *d ? len : sizeof *d);
}

/* transaction flags (tm_cell.flags) */
#define TM_T_CANCELED        0x0001 /* a CANCEL came: t_is_canceled() */
#define TM_T_6XX             0x0002 /* a 6xx cancelled the other branches */
#define TM_T_AUTO100         0x0004 /* send 100 Trying for an INVITE on relay */
#define TM_T_LOCAL           0x0008 /* replies are not relayed (t_replicate, UAC) */
#define TM_T_DISABLE_6XX     0x0010
#define TM_T_NO_INT_REPLY    0x0020 /* t_set_disable_internal_reply: no error reply */
#define TM_T_ON_WAIT         0x0040 /* the wait timer runs: deleted when it fires */
#define TM_T_UAC             0x0080 /* created by tm_uac_request: no UAS side */
#define TM_T_SUSPENDED       0x0100 /* t_suspend() */
#define TM_T_NO_E2E_REASON   0x0200
#define TM_T_DISABLE_FAILOVER 0x0400
#define TM_T_ADMIN_REPLY     0x0800
#define TM_T_IN_FAILURE      0x1000 /* the failure route runs (t_relay adds branches unlocked) */
#define TM_T_CONTINUE        0x2000 /* t_continue runs */
#define TM_T_NOISY_CTIMER    0x4000
#define TM_T_UAC_HDRS        0x8000 /* t_use_uac_headers: CANCEL To as sent */

/* branch flags (tm_branch.rb) */
#define TM_RB_CANCELED  0x0001 /* cancel asked: a CANCEL goes out on its first 1xx */
#define TM_RB_REPLIED   0x0002 /* a reply was received */
#define TM_RB_TIMEOUT   0x0004 /* the final-response timer fired */
#define TM_RB_FR_INV    0x0008 /* the FR timer is fr_inv (a 1xx came) */
#define TM_RB_T2        0x0010 /* non-INVITE after a 1xx: retransmit every T2 */
#define TM_RB_FB        0x0020 /* first branch of a relay step (failure_reply_mode 2) */
#define TM_RB_BLIND     0x0040 /* t_suspend's branch: nothing sent */
#define TM_RB_CANCEL_SENT 0x0080
#define TM_RB_DROPPED   0x0100 /* its stored reply was dropped (t_drop_replies) */

typedef struct tm_branch {
	char *buf;                    /* the request as sent (NULL for a blind branch) */
	int len;
	char *cbuf;                   /* our CANCEL, or NULL */
	int clen;
	tm_addr to;
	socklen_t tolen;
	const rt_sock *sock;
	rc_str uri, dst_uri;          /* its R-URI and $du, in cell memory */
	rc_str instance;              /* its contact's +sip.instance (t_next_contact_flow) */
	unsigned bflags;              /* branch flags ($bf in its routes) */
	unsigned rb;                  /* TM_RB_* */
	int last;                     /* status of the last reply received, 0 none */
	char *rpl;                    /* stored final reply (>= 300), top Via kept; NULL */
	int rpl_len;
	int rpl_faked;                /* the final was faked (408 timeout, 487, 503) */
	long long retr_at, fr_at;     /* next retransmission, final-response deadline (0 off) */
	int retr_iv;                  /* interval of the next retransmission, ms */
	long long cretr_at, cfr_at;   /* our CANCEL's */
	int cretr_iv;
	rc_route_fn on_reply, on_failure, on_bfail;
} tm_branch;

typedef struct tm_chunk tm_chunk;

typedef struct tm_tnode {
	struct tm_tnode *next, *prev;
	long long at;                 /* armed for this time (ms) */
	int slot;                     /* -1: not armed */
} tm_tnode;

/* A lump of the script saved with the transaction (text copied). */
typedef struct tm_lump {
	int off, del, len, where;
	const char *text;
} tm_lump;

typedef struct tm_cell {
	struct tm_cell *next, *prev;  /* bucket chain */
	tm_tnode tn;
	atomic_int refs;
	pthread_mutex_t mu;           /* the reply lock (recursive) */
	unsigned hash, label;
	int in_table, deleted;
	rt_gen *gen;                  /* the generation whose routes it runs (held) */
	const tm_conf *conf;
	unsigned flags;               /* TM_T_* */
	int method_id;
	rc_str method;
	int is_invite;

	/* the request as received, and what identifies it */
	char *req;
	int req_len;
	rc_str callid, cseq_num, from_tag, to_tag, from_body, to_body, to_uri, ruri;
	rc_str via_value, via_branch, via_host, via_transport;
	int via_port;
	tm_lump *lumps;               /* the script's edits at the first relay */
	int nlumps, lumps_saved;
	rc_str new_ruri, dst_uri;     /* $ru (s NULL: unchanged) and $du at the first relay */
	rc_str reg_path;              /* and the R-URI's Path (lookup), s NULL: none */
	const rt_sock *force_send;
	tm_addr src;
	socklen_t srclen;
	int src_port;
	const rt_sock *rcv;
	unsigned mflags;              /* the message's RT_MF_* (force_rport ...) */
	unsigned msg_flags;           /* message flags, swapped into its routes */
	unsigned bflags0;             /* branch flags of the R-URI at creation */
	rc_str reply_hdrs;            /* append_to_reply() lines of the request route */
	char md5[TM_MD5_LEN];

	/* upstream (server transaction) */
	tm_addr rto;                  /* where replies go (fixed at creation) */
	socklen_t rtolen;
	atomic_int uas_status;        /* last status sent upstream */
	int relayed;                  /* branch relayed last; -2 local reply; -1 none */
	char *resp;                   /* that reply's bytes (retransmissions) */
	int resp_len, resp_cap;
	long long resp_retr_at, resp_fr_at; /* negative INVITE reply: until ACK */
	int resp_iv;
	char *totag;                  /* tm's To-tag for local replies (cell memory), NULL
	                                 until one is needed */
	int totag_len;
	char *cancel_reason;          /* Reason lines of the received CANCEL */
	int cancel_reason_len;
	int cancel_cause;             /* cause for our CANCELs (200, 6xx), 0 none */

	long long created, wait_at, end_of_life;
	int fr, fr_inv, t1, t2;       /* this transaction's timers, ms */
	rc_route_fn on_failure, on_reply, on_branch, on_bfail, on_branch_delayed;
	int nbr;                      /* branches (nr_of_outgoings) */
	tm_branch *br[TM_MAX_BRANCHES]; /* in cell memory: pointers stay valid */

	/* t_suspend / UAC */
	int blind;                    /* the blind branch of t_suspend, or -1 */
	int susp_rpl;                 /* t_suspend on a reply: its branch + 1, 0 none */
	char *srpl;                   /* that reply, with its route's edits, in cell memory */
	int srpl_len;
	void (*uac_cb)(struct tm_cell *t, int code, const char *rpl, int len, void *arg);
	void *uac_arg;

	/* memory: the rest of the first block, then chunks */
	tm_chunk *chunks;
	char *mem;
	size_t mem_left;
	int picked;                   /* the branch picked for the failure route */
	int drop_mode;                /* failure_reply_mode, or t_drop_replies()'s */
	int failure_err;              /* error of the failure route's t_relay (tm_error) */
	int final_counted;            /* its Nxx_transactions was counted */
	int suspend_ruri_new;         /* t_suspend: the R-URI was still new */
	struct tm_avp *avps;          /* the transaction's $avp values, oldest first */
	int navps;
	struct tm_contact *contacts;  /* t_load_contacts' contacts left (tm_serial.c) */
	int ncontacts;
	struct tm_contact *flows;     /* t_next_contacts' contact_flows_avp items */
	int nflows;
} tm_cell;

typedef struct tm_avp {
	rc_str name;
	int iname;
	rc_val v;                     /* a string in cell memory */
} tm_avp;

/* ---- table (tm_table.c) ------------------------------------------------------------------- */

int tm_table_init(void);
void tm_table_destroy(void);            /* frees every cell left */
unsigned tm_hash(const char *callid, int clen, const char *cseq, int nlen);
void tm_bucket_lock(unsigned hash);
void tm_bucket_unlock(unsigned hash);
/* The first cell of a bucket (bucket locked). */
tm_cell *tm_bucket_first(unsigned hash);
/* A new cell of `size` bytes of memory besides the struct (not in the table),
 * with one reference (the caller's); NULL when out of memory (logged). */
tm_cell *tm_cell_new(size_t size);
/* Insert under the (held) bucket lock: takes the table's reference. */
void tm_cell_insert_locked(tm_cell *t);
/* Remove it from the table (if in) and drop the table's reference. */
void tm_cell_remove(tm_cell *t);
void tm_cell_ref(tm_cell *t);
void tm_cell_unref(tm_cell *t);
/* Memory that lives as long as the cell (8-aligned); NULL when out of memory. */
void *tm_cell_mem(tm_cell *t, size_t n);
char *tm_cell_dup(tm_cell *t, const char *s, int len);
/* By index and label ($T(id_index)), referenced; NULL when gone. */
tm_cell *tm_cell_by_ident(unsigned hash, unsigned label);
/* Calls fn for every cell (RPC listing); bucket by bucket. */
void tm_table_each(void (*fn)(tm_cell *t, void *arg), void *arg);

static inline void tm_lock(tm_cell *t)
{
	pthread_mutex_lock(&t->mu);
}
static inline void tm_unlock(tm_cell *t)
{
	pthread_mutex_unlock(&t->mu);
}

/* ---- timers (tm_timer.c) -------------------------------------------------------------------- */

long long tm_now(void);
int tm_timer_start(void);
void tm_timer_stop(void);
/* Recompute the cell's earliest deadline and arm it (cell locked). */
void tm_timer_update(tm_cell *t);
/* Put the transaction on the wait timer (cell locked). */
void tm_put_on_wait(tm_cell *t);
/* Stop every branch timer (FR and retransmission). */
void tm_stop_branch_timers(tm_cell *t);
/* Start retransmitting the final reply upstream (negative INVITE reply,
 * or a local 2xx) until ACK or fr_timer, else put on wait. */
void tm_start_final_retr(tm_cell *t);
/* t_release: reply retransmissions and branch timers stop, wait timer. */
void tm_release(tm_cell *t);
/* Send a buffer to a branch or upstream; m may be NULL (timer thread). */
int tm_send(rc_msg_t *m, const rt_sock *s, const tm_addr *to, socklen_t tolen,
            const char *buf, int len);

/* ---- matching (tm_lookup.c) ----------------------------------------------------------------- */

enum { TM_LK_NONE = -1, TM_LK_E2EACK = -2, TM_LK_FOUND = 1, TM_LK_ERROR = 0 };
/* The request's transaction (bucket locked by the caller, hash given):
 * TM_LK_FOUND and *out (not referenced), TM_LK_NONE, TM_LK_E2EACK.
 * *canceled: a CANCEL transaction exists for this request. */
int tm_match_request_locked(rc_msg_t *m, unsigned hash, const tm_conf *cf, tm_cell **out,
                            int *canceled);
/* The INVITE a CANCEL cancels, referenced, or NULL. */
tm_cell *tm_lookup_invite(rc_msg_t *m);
/* The transaction and branch of a reply (by our Via branch), referenced;
 * NULL when it matches none. */
tm_cell *tm_match_reply(rc_msg_t *m, int *branch);
/* The hash of a request's Call-ID and CSeq number; -1 if it lacks them. */
int tm_msg_hash(rc_msg_t *m, unsigned *hash);

/* ---- building messages (tm_msg.c) ------------------------------------------------------------- */

/* "z9hG4bK" + reverse hex of hash + "." + md5 + "." + reverse hex of branch. */
int tm_branch_id(const tm_cell *t, int branch, char *out, int cap);
/* Parse our branch id: 0 and the pieces, or -1. */
int tm_branch_parse(const char *s, int len, unsigned *hash, const char **md5, unsigned *branch);
/* The request's MD5 (Kamailio's char_msg_val) into t->md5. */
void tm_calc_md5(tm_cell *t, rc_msg_t *m);
/* tm's To-tag for local replies (computed once per cell). */
void tm_totag(tm_cell *t, sip_msg *req);
struct sip_reply;
/* A local reply's code, reason and where the request came from (for
 * ;received/;rport), ip its text's room. */
void tm_reply_init(struct sip_reply *r, const tm_cell *t, int code, rc_str reason, char ip[48]);
/* A reply to the transaction's request, built locally, into out: length or
 * negative.  hdrs: extra lines; to-tag added for code >= 180. */
int tm_build_local_reply(tm_cell *t, sip_msg *req, int code, rc_str reason, rc_str hdrs,
                         char *out, int cap);
/* A bounded output buffer: what does not fit sets err and is dropped. */
typedef struct tm_obuf {
	char *p;
	int cap, len, err;
} tm_obuf;
void tm_put(tm_obuf *o, const char *s, int n);
/* CANCEL or ACK from branch b's request as sent (build_local_reparse):
 * method "CANCEL"/"ACK"; to: the whole To line for the ACK (reply's), or
 * NULL; reason: Reason lines to add, or NULL.  Length or -1. */
int tm_build_from_branch(tm_cell *t, int b, const char *method, rc_str to_line, rc_str reason,
                         char *out, int cap);
/* The Kamailio reason phrase of a status (error_text). */
const char *tm_status_text(int code);
/* err2reason_phrase for tm's own error replies: code and "text (N/TM)". */
int tm_err2reason(int err, int *code, char *text, int cap);

/* ---- reply processing (tm_reply.c) ---------------------------------------------------------- */

/* A reply the worker received (after the core reply_route): 1 when tm took
 * it (matched), 0 to forward it statelessly. */
int tm_reply_received(rc_msg_t *m);
/* A local reply on the transaction (t_reply): cell locked or not.  1 sent,
 * -1 error.  req: the request to build it from (the message, or NULL: the
 * cell's copy). */
int tm_reply(tm_cell *t, rc_msg_t *req, int code, rc_str reason);
/* Send a local reply built by the caller upstream (Kamailio's _reply_light):
 * kept for retransmissions, a final one ends the branches; rm: the request
 * being processed, or NULL.  Cell locked or not.  1 sent, -1 error. */
int tm_reply_buf(tm_cell *t, rc_msg_t *rm, int code, const char *buf, int len);
/* The tm.reply RPC method (tm_rpc_reply.c). */
int tm_reply_rpc_init(void);
/* A reply t_suspend() suspended: kept in the cell (t->srpl) with the edits
 * of its route; 0, or -1 (logged).  Cell locked. */
int tm_reply_suspend_keep(tm_cell *t, rc_msg_t *m);
/* Go on with reply m of branch bi where its onreply_route left it (t_continue
 * of a suspended reply): relayed or stored, as received replies are.  Cell
 * locked. */
void tm_reply_resume(tm_cell *t, rc_msg_t *m, int bi);
/* Resend the last reply upstream: 1, -1 when none. */
int tm_retransmit_reply(rc_msg_t *m, tm_cell *t);
/* A reply faked on branch b (408 timeout, 487, 503 send failure): runs the
 * same path as a received reply.  Cell locked. */
void tm_fake_reply(tm_cell *t, int b, int code);
/* Kill the transaction with an error reply for err (kill_transaction). */
int tm_kill(tm_cell *t, int err);
/* Keep branch bi's final reply: rpl with its edits (top Via kept), or the
 * mark of a faked one (rpl NULL).  0, or -1 (logged). */
int tm_store_reply(tm_cell *t, int bi, rc_msg_t *rpl);

/* ---- the reply that goes upstream (tm_relay.c) ---------------------------------------------- */

/* A branch's final reply can be picked: received and stored, or faked. */
static inline int tm_pickable(const tm_branch *b)
{
	return (b->rpl || b->rpl_faked) && !(b->rb & TM_RB_DROPPED);
}
/* Reply priority (t_pick_branch). */
int tm_reply_prio(int code, int faked, int faked_prio);
/* The branch t_pick_branch picks (all final), or -1/-2 (some pending). */
int tm_pick_branch(tm_cell *t, int inc_branch, int inc_code, int *code);
/* What becomes of reply `code` on branch bi (rpl: the reply, NULL when
 * faked), Kamailio's t_should_relay_response: one of TM_RPS_*, *store (keep
 * it for the pick), *relay (the branch whose reply goes upstream, or -1).
 * Runs the branch-failure and failure routes.  Cell locked. */
enum { TM_RPS_ERROR, TM_RPS_PUSHED_AFTER_COMPLETION, TM_RPS_DISCARDED, TM_RPS_STORE,
       TM_RPS_COMPLETED, TM_RPS_PROVISIONAL };
int tm_should_relay(tm_cell *t, int code, int bi, int *store, int *relay, rc_msg_t *rpl);
/* The header lines of a 401/407 going upstream when more than one branch
 * challenged (aggregate_challenges): the request route's append_to_reply
 * lines, then every WWW-Authenticate and Proxy-Authenticate line of each
 * 401/407, branch by branch (rpl: branch bi's reply being processed).
 * 1 and *len (out holds them), 0 nothing to aggregate, -1 they do not fit. */
int tm_challenges(tm_cell *t, int bi, rc_msg_t *rpl, char *out, int cap, int *len);

/* ---- forwarding (tm_fwd.c, tm_cancel.c) --------------------------------------------------- */

/* Where to relay: an explicit proxy (t_relay(host, port)), or the R-URI/$du. */
typedef struct tm_dest {
	int set;
	struct sockaddr_storage to;
	socklen_t tolen;
} tm_dest;

#define TM_NEWTRAN_RETR 0
/* t_newtran: 1 new (m->tm_t set), 0 retransmission (handled), TM_E_SCRIPT
 * already created for this message, other negative errors. */
int tm_newtran(rc_msg_t *m);
/* t_relay: see tm_fwd.c. */
int tm_relay(rc_msg_t *m, rc_ctx_t *c, const tm_dest *d, int replicate);
/* Add and send branches from m's R-URI and destination set. */
int tm_forward_nonack(tm_cell *t, rc_msg_t *m, rc_ctx_t *c, const tm_dest *d);
/* 1 if the R-URI may still be forked to: not used by an earlier relay, not
 * moved into the destination set (t_relay and t_load_contacts both ask). */
int tm_ruri_is_new(rc_msg_t *m);
/* The CANCEL of m: relay it (t_relay on a CANCEL). */
int tm_forward_cancel(rc_msg_t *m, const tm_dest *d);
/* Cancel the branches of a bitmap from tm_pending_branches (cancel_uacs):
 * mode TM_CB_*.  The Reason is the
 * received CANCEL's (e2e_cancel_reason) or t->cancel_cause's. */
#define TM_CB_METHOD 0 /* by cancel_b_method */
#define TM_CB_KILL 1   /* stop: a CANCEL only where a 1xx came */
#define TM_CB_PLAIN 2  /* a CANCEL where a 1xx came, stop retransmitting elsewhere */
void tm_cancel_branches(tm_cell *t, unsigned which, int mode);
/* The branches still pending, marked as being cancelled (prepare_to_cancel). */
unsigned tm_pending_branches(tm_cell *t);
/* Build and send our CANCEL on branch b now; cause: the Reason cause, 0 for
 * none, -1 for the transaction's (received CANCEL's lines or cancel_cause). */
int tm_cancel_branch_now(tm_cell *t, int b, int cause);
/* A branch whose request could not be sent / that failed. */
void tm_save_lumps(tm_cell *t, rc_msg_t *m);

/* ---- the message side ------------------------------------------------------------------------ */

#define TM_M_FOUND     1   /* m->tm_t found by lookup (not created here) */
#define TM_M_CREATED   2   /* created for this message */
#define TM_M_REPLIED   4   /* replied through tm */
#define TM_M_FWDED     8   /* relayed */
#define TM_M_RELEASED  16
#define TM_M_LOOKED    32  /* a lookup ran (found or not): not again */
#define TM_M_FAKED     64  /* the faked request of a route tm runs */
#define TM_M_E2EACK    128
#define TM_M_SUSPENDED 256 /* a reply t_suspend() suspended in its onreply_route */

/* The transaction of the message, looking it up once (requests: by
 * matching; replies: by branch).  Not referenced beyond the message. */
tm_cell *tm_msg_cell(rc_msg_t *m);

/* ---- routes tm runs (tm_route.c) ---------------------------------------------------------------- */

/* A message for a route tm runs outside the worker's own: the cell's
 * request re-parsed, its edits, $ru/$du at relay time, flags; from a
 * per-thread stack.  NULL when the stack is full or the copy does not parse. */
rc_msg_t *tm_fake_request(tm_cell *t, int branch, rt_worker *w);
void tm_fake_done(rc_msg_t *m);
/* The same for a reply of branch bi kept in cell memory (buf, len), as if it
 * came from the branch's destination (t_continue of a suspended reply);
 * released by tm_fake_done. */
rc_msg_t *tm_fake_reply_msg(tm_cell *t, int bi, char *buf, int len, rt_worker *w);
/* The transaction's $avp values: taken from m (saved in cell memory), and
 * set on m (its own are dropped) for a route tm runs. */
void tm_avps_save(tm_cell *t, rc_msg_t *m);
void tm_avps_load(tm_cell *t, rc_msg_t *m);
/* Run a route of the cell's generation on m with route type rt; returns
 * the context's flags (RC_F_DROP ...). */
int tm_run_route(tm_cell *t, rc_route_fn fn, rc_msg_t *m, int route_type);
/* The worker of the current thread (NULL on the timer thread). */
rt_worker *tm_cur_worker(void);
void tm_set_cur_worker(rt_worker *w);
/* Run the failure route of the picked branch (cell locked); 1 ran. */
int tm_run_failure(tm_cell *t, int picked, int code);
/* The branch-failure event route of branch b (cell locked). */
void tm_run_branch_failure(tm_cell *t, int b, int code);

/* ---- statistics (tm_stats.c) -------------------------------------------------------------- */

/* Counted per thread (rt_stat_mt): group "tmx" with Kamailio's names, group
 * "tm" with OpenSIPS's extra ones; docs/tm.md has the scheme. */
enum { TS_UAS, TS_UAC, TS_2XX, TS_3XX, TS_4XX, TS_5XX, TS_6XX, TS_RPL_RECEIVED, TS_RPL_GENERATED,
       TS_RPL_RELAYED, TS_RPL_SENT, TS_NX };
enum { TS_RET_T1, TS_RET_T2, TS_RET_RPL, TS_TIMEOUT_FR, TS_TIMEOUT_FR_INV, TS_NT };
extern rt_stat_mt *tm_mtx, *tm_mtt;
#define tm_stat(i) rt_stat_mt_inc(tm_mtx, (i))
#define tm_stat_tm(i) rt_stat_mt_inc(tm_mtt, (i))
int tm_stats_init(void);
/* A final reply sent upstream: its class counted once per transaction. */
void tm_stats_final(tm_cell *t, int code);

/* ---- UAC (tm_uac.c) ------------------------------------------------------------------------------- */

typedef void (*tm_uac_cb)(tm_cell *t, int code, const char *rpl, int len, void *arg);
/* Send a request as a UAC transaction: method, R-URI, next hop (NULL: the
 * R-URI), extra header lines (each with CRLF; From/To/Call-ID/CSeq taken
 * from them when given, else generated), body.  cb (may be NULL) gets the
 * final reply.  Fires event_route[tm:local-request].  1, or -1 (logged). */
int tm_uac_request(rc_msg_t *m, const char *method, rc_str ruri, rc_str nexthop, rc_str hdrs,
                   rc_str body, tm_uac_cb cb, void *arg);

/* ---- preparations of the script functions (tm_funcs*.c) ---------------------------------- */

int tm_prep_dest(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_relay_to(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_on_failure(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_on_reply(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_on_branch(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_on_bfail(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_reply(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_unsupported(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_fmt1(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_pv1(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_pv2(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tm_prep_re1(rc_gen_t *g, rc_arg *argv, int argc, const char *where);

int tm_prep_fmt6(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tmx_prep_continue(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tmx_prep_cancel_branches(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
/* A 2xx to our own INVITE (UAC): tm sends the ACK. */
void tm_uac_ack_2xx(tm_cell *t, int bi, rc_msg_t *rpl);
int tm_uac_rpc_init(void);
int tm_rpc_init(void);
int tmx_prep_callid(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
int tmx_prep_reply_callid(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
/* t_precheck_trans: forget the request recorded for m. */
void tm_precheck_done(rc_msg_t *m);

/* Kamailio's add_blind_uac (tm_async.c): a branch that sends nothing, its
 * fr_timer running, so the transaction lives until t_continue, a reply from
 * outside, or the timeout's 408.  Saves the script's lumps for a first
 * branch.  Cell locked by the caller; the new branch index, or -1 (logged
 * with `who`). */
int tm_add_blind_branch(tm_cell *t, rc_msg_t *m, const char *who);

/* ---- t_write_req / t_write_unix (tm_tw.c), serial forking (tm_serial.c) ------------- */

/* The tw_append modparams of a generation into c->tw_apps: 0, or -1 (logged). */
int tm_tw_conf(rc_gen_t *g, tm_conf *c);
int tm_prep_tw(rc_gen_t *g, rc_arg *argv, int argc, const char *where);
/* The contacts_avp and contact_flows_avp $xavp items of m into the cell,
 * and back on a message of a route tm runs (called with the $avp values:
 * tm_avps_save/load); a failure route's message also gets the R-URI's Path
 * back (t->reg_path). */
void tm_serial_save(tm_cell *t, rc_msg_t *m);
void tm_serial_load(tm_cell *t, rc_msg_t *m);

/* ---- for tests -------------------------------------------------------------------------------- */

/* Cells in the table (inuse) and on the wait timer. */
long long tm_cells_inuse(void);
long long tm_cells_waiting(void);

#endif
