/* tm_callid.c: tmx functions that act on a transaction named by Call-ID and
 * CSeq number, and t_precheck_trans.
 *
 *   t_cancel_callid(callid, cseq, flag[, rcode])  cancel its pending branches
 *       (INVITE), setting message flag `flag` (-1: none) on the transaction;
 *       rcode: the cause of the Reason header of our CANCELs
 *   t_reply_callid(callid, cseq, code, reason)     reply on it
 *   t_precheck_trans()  1 when another worker is processing the same request
 *       right now (a retransmission racing its original, before t_newtran),
 *       else -1 and the request is recorded until this message is done.
 * The transaction is the newest one in the table with that Call-ID and CSeq
 * number that was created from a received request.
 */
#include "modules/tm/tm.h"

#include <string.h>

static tm_cell *by_callid(rc_str cid, rc_str cseq)
{
	int n = 0;
	while (n < cseq.len && cseq.s[n] >= '0' && cseq.s[n] <= '9')
		n++;
	unsigned h = tm_hash(cid.s, cid.len, cseq.s, n);
	tm_cell *found = NULL;
	tm_bucket_lock(h);
	for (tm_cell *t = tm_bucket_first(h); t; t = t->next)
		if (!(t->flags & TM_T_UAC) && t->callid.len == cid.len && t->cseq_num.len == n &&
		    !memcmp(t->callid.s, cid.s, (size_t)cid.len) && !memcmp(t->cseq_num.s, cseq.s, (size_t)n)) {
			tm_cell_ref(t);
			found = t;
			break;
		}
	tm_bucket_unlock(h);
	return found;
}

/* t_cancel_callid: callid, cseq (formats), flag[, rcode] (ints or pvs) */
int tmx_prep_callid(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if ((i < 2 ? mod_prep_fmt(g, &argv[i], where) : mod_prep_pv(g, &argv[i], where)) < 0)
			return -1;
	return 0;
}

/* t_reply_callid: callid, cseq (formats), code (int or pv), reason (format) */
int tmx_prep_reply_callid(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	for (int i = 0; i < argc; i++)
		if ((i == 2 ? mod_prep_pv(g, &argv[i], where) : mod_prep_fmt(g, &argv[i], where)) < 0)
			return -1;
	return 0;
}

static int cancel_callid(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv, int with_code)
{
	rc_str cid = mod_arg_str(m, c, &argv[0]), cseq = mod_arg_str(m, c, &argv[1]);
	int flag = -1, code = 0;
	mod_arg_int(m, c, &argv[2], &flag);
	if (with_code)
		mod_arg_int(m, c, &argv[3], &code);
	tm_cell *t = by_callid(cid, cseq);
	if (!t) {
		rt_log(RT_L_DBG, "t_cancel_callid: no transaction for '%.*s' %.*s", cid.len, cid.s, cseq.len,
		       cseq.s);
		return -1;
	}
	tm_lock(t);
	if (flag >= 0 && flag < 32)
		t->msg_flags |= 1u << flag;
	if (t->is_invite) {
		t->cancel_cause = code > 0 ? code : 0;
		tm_cancel_branches(t, tm_pending_branches(t), TM_CB_METHOD);
	}
	tm_unlock(t);
	tm_cell_unref(t);
	return 1;
}

int tmx_t_cancel_callid(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return cancel_callid(m, c, argv, 0);
}

int tmx_t_cancel_callid_4(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return cancel_callid(m, c, argv, 1);
}

int tmx_t_reply_callid(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	rc_str cid = mod_arg_str(m, c, &argv[0]), cseq = mod_arg_str(m, c, &argv[1]);
	int code;
	if (mod_arg_int(m, c, &argv[2], &code) < 0) {
		rt_log(RT_L_ERR, "t_reply_callid: bad reply code");
		return -1;
	}
	rc_str reason = mod_arg_str(m, c, &argv[3]);
	tm_cell *t = by_callid(cid, cseq);
	if (!t)
		return -1;
	int r = tm_reply(t, NULL, code, reason);
	tm_cell_unref(t);
	return r;
}

/* ---- t_precheck_trans ------------------------------------------------------------ */

#define PRE_STRIPES 256
#define PRE_SLOTS 8

static pthread_mutex_t pre_lock[PRE_STRIPES];
static unsigned long long pre_keys[PRE_STRIPES][PRE_SLOTS];
static pthread_once_t pre_once = PTHREAD_ONCE_INIT;

static void pre_init(void)
{
	for (int i = 0; i < PRE_STRIPES; i++)
		pthread_mutex_init(&pre_lock[i], NULL);
}

/* What identifies the request: Call-ID, CSeq, From-tag, top Via branch, method. */
static unsigned long long pre_key(rc_msg_t *m)
{
	sip_str cid = { NULL, 0 };
	const sip_cseq *cs;
	const sip_addr *from;
	const sip_via *v;
	unsigned long long h = 1469598103934665603ULL;
#define MIX(p, n)                                                   \
	for (int i_ = 0; i_ < (n); i_++)                                \
		h = (h ^ (unsigned char)(p)[i_]) * 1099511628211ULL;
	if (sip_get_callid(&m->sip, &cid) == 0)
		MIX(cid.s, cid.len);
	if (sip_get_cseq(&m->sip, &cs) == 0)
		MIX((const char *)&cs->num, (int)sizeof cs->num);
	if (sip_get_from(&m->sip, &from) == 0 && from->tag.s)
		MIX(from->tag.s, from->tag.len);
	if (sip_get_via(&m->sip, 0, &v) == 0 && v->branch.s)
		MIX(v->branch.s, v->branch.len);
	MIX(m->sip.method.s, m->sip.method.len);
#undef MIX
	return h ? h : 1;
}

int tmx_t_precheck_trans(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	if (!m->sip.is_request || m->sip.method_id == SIP_M_ACK || m->sip.method_id == SIP_M_CANCEL)
		return -1;
	pthread_once(&pre_once, pre_init);
	unsigned long long k = pre_key(m);
	int s = (int)(k % PRE_STRIPES), free_slot = -1, busy = 0;
	pthread_mutex_lock(&pre_lock[s]);
	for (int i = 0; i < PRE_SLOTS; i++) {
		if (pre_keys[s][i] == k && m->tm_precheck != k)
			busy = 1;
		if (!pre_keys[s][i] && free_slot < 0)
			free_slot = i;
	}
	if (!busy && !m->tm_precheck && free_slot >= 0) {
		pre_keys[s][free_slot] = k;
		m->tm_precheck = k;
	}
	pthread_mutex_unlock(&pre_lock[s]);
	return busy ? 1 : -1;
}

void tm_precheck_done(rc_msg_t *m)
{
	unsigned long long k = m->tm_precheck;
	int s = (int)(k % PRE_STRIPES);
	pthread_mutex_lock(&pre_lock[s]);
	for (int i = 0; i < PRE_SLOTS; i++)
		if (pre_keys[s][i] == k) {
			pre_keys[s][i] = 0;
			break;
		}
	pthread_mutex_unlock(&pre_lock[s]);
	m->tm_precheck = 0;
}
