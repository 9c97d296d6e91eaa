/* tm_pv.c: the transaction's pseudo-variables (kamailio-runtime.md 1.6.3).
 *
 *   $T_branch_idx  reply / branch / branch-failure route: that branch;
 *                  request route: branches appended so far; failure route:
 *                  branches of the transaction + appended (the next index).
 *                  0 for the first branch, as Kamailio 5.6 counts (the SER
 *                  text of the seed counts from 1).
 *   $T_reply_code  onreply: this reply; failure / branch-failure: the picked
 *                  (that) branch's; request / branch route: the last status
 *                  sent upstream; 0 with no transaction.
 *   $T_reply_reason  the reason phrase of that reply.
 *   $T(name)       id_index, id_label (null without a transaction), id_index_n,
 *                  id_label_n (create it), reply_code, reply_reason,
 *                  reply_type (1: the picked reply was faked), branch_index.
 *   $T_req(pv)     pv evaluated on the transaction's request.
 *   $T_rpl(pv)     pv evaluated on the picked (failure route) or this
 *                  branch's stored reply; null when it was faked.
 */
#include "modules/tm/tm.h"

#include <string.h>

#include "core/rtmsg.h"

enum { TN_ID_INDEX, TN_ID_LABEL, TN_ID_INDEX_N, TN_ID_LABEL_N, TN_REPLY_CODE, TN_REPLY_REASON,
       TN_REPLY_TYPE, TN_BRANCH_INDEX };

static tm_cell *cell(rc_msg_t *m)
{
	return tm_msg_cell(m);
}

static int branch_idx(rc_msg_t *m, rc_ctx_t *c)
{
	tm_cell *t = m->tm_t;
	if (!m->sip.is_request)
		return m->tm_t ? m->tm_branch : 0;
	if (c->route_type & (RC_RT_BRANCH | RC_RT_BRANCH_FAILURE))
		return m->tm_branch;
	if (c->route_type & RC_RT_FAILURE)
		return (t ? t->nbr : 0) + m->nbranches;
	return m->nbranches;
}

/* The branch whose reply this route looks at, or -1. */
static int reply_branch(rc_msg_t *m, rc_ctx_t *c, tm_cell *t)
{
	if (!t)
		return -1;
	if (c->route_type & (RC_RT_FAILURE | RC_RT_BRANCH_FAILURE))
		return t->picked >= 0 && t->picked < t->nbr ? t->picked : -1;
	if (!m->sip.is_request)
		return m->tm_branch;
	return -1;
}

static int reply_code(rc_msg_t *m, rc_ctx_t *c)
{
	tm_cell *t = cell(m);
	if (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY))
		return m->sip.is_request ? 0 : m->sip.status;
	if (!t)
		return 0;
	if (c->route_type & RC_RT_FAILURE)
		return m->tm_code;
	if (c->route_type & RC_RT_BRANCH_FAILURE) {
		int b = reply_branch(m, c, t);
		return b >= 0 ? t->br[b]->last : 0;
	}
	return atomic_load(&t->uas_status);
}

/* The reason phrase of the reply this route looks at, in m's arena. */
static int reply_reason(rc_msg_t *m, rc_ctx_t *c, rc_val *out)
{
	tm_cell *t = cell(m);
	*out = pv_vnull();
	if (c->route_type & (RC_RT_TM_ONREPLY | RC_RT_CORE_ONREPLY)) {
		if (!m->sip.is_request)
			*out = pv_vstr(m->sip.reason.s, m->sip.reason.len);
		return 0;
	}
	if (!t)
		return 0;
	const char *buf = NULL;
	int len = 0, code = 0;
	int b = reply_branch(m, c, t);
	if (b >= 0) {
		const tm_branch *br = t->br[b];
		code = br->last;
		if (br->rpl) {
			buf = br->rpl;
			len = br->rpl_len;
		}
	} else if (t->resp) {
		buf = t->resp;
		len = t->resp_len;
	}
	if (!buf) {
		if (code) {
			const char *s = tm_status_text(code);
			*out = pv_vstr(s, (int)strlen(s));
		}
		return 0;
	}
	/* "SIP/2.0 486 Busy Here\r\n" */
	const char *e = memchr(buf, '\n', (size_t)len);
	if (!e || len < 12)
		return 0;
	const char *s = buf + 12;
	int n = (int)(e - s);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	char *d = pv_dup(m, s, n > 0 ? n : 0);
	if (d)
		*out = pv_vstr(d, n > 0 ? n : 0);
	return 0;
}

static int get_branch_idx(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	*out = pv_vint(branch_idx(m, c));
	return 0;
}

static int get_reply_code(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	*out = pv_vint(reply_code(m, c));
	return 0;
}

static int get_reply_reason(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	return reply_reason(m, c, out);
}

static int t_prep(rc_gen_t *g, rc_pv *pv, const char *where)
{
	static const char *const names[] = { "id_index", "id_label", "id_index_n", "id_label_n",
	                                     "reply_code", "reply_reason", "reply_type",
	                                     "branch_index" };
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if ((int)strlen(names[i]) == pv->name.len && !memcmp(names[i], pv->name.s, (size_t)pv->name.len)) {
			pv->sub = i;
			return 0;
		}
	rt_log(RT_L_ERR, "%s: $T(%.*s): unknown name", where, pv->name.len, pv->name.s);
	return -1;
}

static int get_t(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	tm_cell *t = cell(m);
	*out = pv_vnull();
	switch (pv->sub) {
	case TN_ID_INDEX_N:
	case TN_ID_LABEL_N:
		if (!t && m->sip.is_request && (c->route_type & RC_RT_REQUEST)) {
			int r = tm_newtran(m);
			if (r < 0 && r != TM_E_SCRIPT)
				return 0;
			t = m->tm_t;
		}
		/* fall through */
	case TN_ID_INDEX:
	case TN_ID_LABEL:
		if (t)
			*out = pv_vint((int)(pv->sub == TN_ID_INDEX || pv->sub == TN_ID_INDEX_N ? t->hash
			                                                                       : t->label));
		return 0;
	case TN_REPLY_CODE:
		*out = pv_vint(reply_code(m, c));
		return 0;
	case TN_REPLY_REASON:
		return reply_reason(m, c, out);
	case TN_REPLY_TYPE: {
		int b = reply_branch(m, c, t);
		*out = pv_vint((c->route_type & RC_RT_FAILURE) && b >= 0 && t->br[b]->rpl_faked &&
		               !t->br[b]->rpl);
		return 0;
	}
	case TN_BRANCH_INDEX:
		*out = pv_vint(branch_idx(m, c));
		return 0;
	}
	return 0;
}

/* $T_req(pv) / $T_rpl(pv): the inner spec, parsed at load. */
static int inner_prep(rc_gen_t *g, rc_pv *pv, const char *where)
{
	int used = 0;
	rc_pv *in = pv_parse(g, pv->name.s, pv->name.len, &used, where);
	if (!in || used != pv->name.len) {
		rt_log(RT_L_ERR, "%s: '%.*s' is not one pseudo-variable", where, pv->name.len, pv->name.s);
		return -1;
	}
	pv->obj = in;
	return 0;
}

/* The value of `in` on another message, copied into m's arena. */
static int eval_on(rc_msg_t *m, rc_ctx_t *c, rc_msg_t *other, const rc_pv *in, rc_val *out)
{
	rc_ctx_t oc = *c;
	rc_val v;
	*out = pv_vnull();
	if (pv_get(other, &oc, in, &v) < 0)
		return -1;
	if (v.type == RC_STR) {
		char *d = pv_dup(m, v.s.s, v.s.len);
		if (!d)
			return -1;
		v.s.s = d;
	}
	*out = v;
	return 0;
}

static int get_t_req(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	tm_cell *t = cell(m);
	*out = pv_vnull();
	if (!t || (t->flags & TM_T_UAC))
		return 0;
	rc_msg_t *r = tm_fake_request(t, -1, m->worker);
	if (!r)
		return -1;
	int rc = eval_on(m, c, r, pv->obj, out);
	tm_fake_done(r);
	return rc;
}

static int get_t_rpl(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	tm_cell *t = cell(m);
	*out = pv_vnull();
	int b = reply_branch(m, c, t);
	if (b < 0)
		return 0;
	if (!m->sip.is_request && b == m->tm_branch)
		return pv_get(m, c, pv->obj, out); /* the reply being processed */
	const tm_branch *br = t->br[b];
	if (!br->rpl)
		return 0;
	rc_msg_t *r = tm_fake_request(t, b, m->worker);
	if (!r)
		return -1;
	/* the same message slot, holding the stored reply instead */
	rt_msg_reset(r);
	r->buf = br->rpl;
	r->len = br->rpl_len;
	r->gen = t->gen;
	int rc = -1;
	if (sip_parse(&r->sip, br->rpl, (size_t)br->rpl_len) == 0) {
		sip_lumps_init(&r->lumps, &r->sip);
		r->tm_mflags = TM_M_FAKED | TM_M_LOOKED;
		rc = eval_on(m, c, r, pv->obj, out);
	}
	tm_fake_done(r);
	return rc;
}

const pv_mod_class tm_pv_classes[] = {
	{ "T_branch_idx", 0, NULL, get_branch_idx, NULL },
	{ "T_reply_code", 0, NULL, get_reply_code, NULL },
	{ "T_reply_reason", 0, NULL, get_reply_reason, NULL },
	{ "T", PV_MOD_NAME, t_prep, get_t, NULL },
	{ "T_req", PV_MOD_NAME, inner_prep, get_t_req, NULL },
	{ "T_rpl", PV_MOD_NAME, inner_prep, get_t_rpl, NULL },
	{ 0 },
};
