/* tm_lookup.c: which transaction a message belongs to (kamailio-runtime.md 1.4).
 *
 * Requests: RFC 3261 matching when the top Via branch has the magic cookie
 * (branch, sent-by host and port, transport; the method, except that an ACK
 * matches its INVITE); else the RFC 2543 comparison of Call-ID, CSeq number,
 * From, To, and (ruri_matching, via1_matching) the R-URI and the top Via.
 * An ACK for a 2xx is matched only to a transaction that answered the 2xx
 * itself (t_reply), by dialog: with no dialog callbacks in routec a
 * proxied 2xx's ACK matches nothing and t_relay forwards it statelessly,
 * as Kamailio does without the dialog module.  A CANCEL transaction for the
 * same request is reported (*canceled) so a late INVITE is born canceled.
 *
 * Replies: only by our own Via branch (tm_msg.c's format): bucket, md5,
 * branch number, and the CSeq method (a reply to our CANCEL matches its
 * INVITE's transaction on a branch where we sent one).
 */
#include "modules/tm/tm.h"

#include <string.h>

static int eq(rc_str a, sip_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.s, b.s, (size_t)a.len));
}

static int cseq_digits(sip_msg *m, sip_str *out)
{
	const sip_cseq *cs;
	if (sip_get_cseq(m, &cs) < 0)
		return -1;
	const sip_hdr *h = sip_hdr_get(m, SIP_H_CSEQ);
	int l = 0;
	while (l < h->body.len && h->body.s[l] >= '0' && h->body.s[l] <= '9')
		l++;
	*out = (sip_str){ h->body.s, l };
	return 0;
}

int tm_msg_hash(rc_msg_t *m, unsigned *hash)
{
	sip_str cid, num;
	if (sip_get_callid(&m->sip, &cid) < 0 || cseq_digits(&m->sip, &num) < 0)
		return -1;
	*hash = tm_hash(cid.s, cid.len, num.s, num.len);
	return 0;
}

static int same_method(const tm_cell *t, const rc_msg_t *m)
{
	if (t->method_id != SIP_M_OTHER || m->sip.method_id != SIP_M_OTHER)
		return t->method_id == m->sip.method_id;
	return eq(t->method, m->sip.method);
}

/* The Via of the request and the Via of the cell name the same sender. */
static int via_matching(const tm_cell *t, const sip_via *v)
{
	if (!eq(t->via_branch, v->branch) || !eq(t->via_host, v->host))
		return 0;
	int a = t->via_port, b = v->port;
	if (a != b) {
		if (a == 0 && b != 5060 && b != 5061)
			return 0;
		if (b == 0 && a != 5060 && a != 5061)
			return 0;
		if (a != 0 && b != 0)
			return 0;
	}
	if (!eq(t->via_transport, v->transport))
		return 0;
	if (a != b && (a == 5061 || b == 5061) &&
	    !(v->transport.len == 3 && !memcmp(v->transport.s, "TLS", 3)))
		return 0;
	return 1;
}

/* ACK to a 2xx the transaction sent itself: Call-ID, CSeq number, From-tag
 * and our To-tag. */
static int local_ack_matching(const tm_cell *t, rc_msg_t *m)
{
	sip_str cid, num;
	const sip_addr *from, *to;
	if (t->relayed != -2 || !t->totag_len)
		return 0;
	if (sip_get_callid(&m->sip, &cid) < 0 || cseq_digits(&m->sip, &num) < 0 ||
	    sip_get_from(&m->sip, &from) < 0 || sip_get_to(&m->sip, &to) < 0)
		return 0;
	return eq(t->callid, cid) && eq(t->cseq_num, num) && eq(t->from_tag, from->tag) &&
	       to->tag.s && to->tag.len == t->totag_len && !memcmp(to->tag.s, t->totag, (size_t)t->totag_len);
}

static int matching_3261(rc_msg_t *m, unsigned hash, const tm_conf *cf, const sip_via *v,
                         int skip_cancel_only, tm_cell **out, int *canceled)
{
	int is_ack = m->sip.method_id == SIP_M_ACK, is_cancel = m->sip.method_id == SIP_M_CANCEL;
	sip_str cid = { NULL, 0 };
	for (tm_cell *t = tm_bucket_first(hash); t; t = t->next) {
		if (t->flags & TM_T_UAC)
			continue;
		int t_cancel = t->method_id == SIP_M_CANCEL;
		if (skip_cancel_only) {
			if (t_cancel)
				continue;
		} else if (is_ack) {
			if (t->method_id != SIP_M_INVITE)
				continue;
		} else if (!t_cancel && !same_method(t, m)) {
			continue;
		}
		if (is_ack && atomic_load(&t->uas_status) < 300) {
			/* an ACK for a 2xx: ours only (see the top of the file) */
			if (local_ack_matching(t, m)) {
				*out = t;
				return TM_LK_FOUND;
			}
			continue;
		}
		if (!via_matching(t, v))
			continue;
		if (cf->callid_matching) {
			if (!cid.s)
				sip_get_callid(&m->sip, &cid);
			if (!eq(t->callid, cid))
				continue;
		}
		if (t_cancel && !skip_cancel_only) {
			if (!is_cancel && !is_ack)
				*canceled = 1;
			if (!is_cancel)
				continue;
		}
		*out = t;
		return TM_LK_FOUND;
	}
	return TM_LK_NONE;
}

static int matching_2543(rc_msg_t *m, unsigned hash, const tm_conf *cf, const sip_via *v,
                         int for_cancel, tm_cell **out, int *canceled)
{
	int is_ack = m->sip.method_id == SIP_M_ACK;
	sip_str cid, num;
	const sip_hdr *fh = sip_hdr_get(&m->sip, SIP_H_FROM), *th = sip_hdr_get(&m->sip, SIP_H_TO);
	const sip_addr *to, *from;
	if (sip_get_callid(&m->sip, &cid) < 0 || cseq_digits(&m->sip, &num) < 0 || !fh || !th ||
	    sip_get_to(&m->sip, &to) < 0 || sip_get_from(&m->sip, &from) < 0)
		return TM_LK_ERROR;
	sip_str ruri = m->sip.ruri;
	for (tm_cell *t = tm_bucket_first(hash); t; t = t->next) {
		if (t->flags & TM_T_UAC)
			continue;
		if (!eq(t->callid, cid) || !eq(t->cseq_num, num))
			continue;
		if (for_cancel) {
			/* the INVITE (any method but CANCEL) a CANCEL cancels: To URI only */
			if (t->method_id == SIP_M_CANCEL || !eq(t->from_body, fh->body) ||
			    !eq(t->to_uri, to->uri))
				continue;
		} else if (!is_ack) {
			if (!same_method(t, m) && t->method_id != SIP_M_CANCEL)
				continue;
			if (!eq(t->from_body, fh->body) || !eq(t->to_body, th->body))
				continue;
		} else {
			if (t->method_id != SIP_M_INVITE || !eq(t->to_uri, to->uri))
				continue;
			if (atomic_load(&t->uas_status) < 300) {
				if (!eq(t->from_tag, from->tag))
					continue;
				if (local_ack_matching(t, m)) {
					*out = t;
					return TM_LK_FOUND;
				}
				continue;
			}
			if (!eq(t->from_body, fh->body))
				continue;
		}
		if (cf->ruri_matching && !eq(t->ruri, ruri))
			continue;
		if (cf->via1_matching && !eq(t->via_value, v->value))
			continue;
		if (!for_cancel && !is_ack && t->method_id == SIP_M_CANCEL &&
		    m->sip.method_id != SIP_M_CANCEL) {
			*canceled = 1;
			continue;
		}
		*out = t;
		return TM_LK_FOUND;
	}
	return TM_LK_NONE;
}

static int has_cookie(const sip_via *v)
{
	return v->branch.s && v->branch.len > 7 && !memcmp(v->branch.s, "z9hG4bK", 7);
}

int tm_match_request_locked(rc_msg_t *m, unsigned hash, const tm_conf *cf, tm_cell **out,
                            int *canceled)
{
	const sip_via *v;
	*canceled = 0;
	*out = NULL;
	if (sip_get_via(&m->sip, 0, &v) < 0)
		return TM_LK_ERROR;
	if (has_cookie(v))
		return matching_3261(m, hash, cf, v, 0, out, canceled);
	return matching_2543(m, hash, cf, v, 0, out, canceled);
}

tm_cell *tm_lookup_invite(rc_msg_t *m)
{
	const sip_via *v;
	unsigned hash;
	tm_cell *t = NULL;
	int canceled = 0, rc;
	if (sip_get_via(&m->sip, 0, &v) < 0 || tm_msg_hash(m, &hash) < 0)
		return NULL;
	const tm_conf *cf = tm_conf_of(m->gen);
	tm_bucket_lock(hash);
	if (has_cookie(v))
		rc = matching_3261(m, hash, cf, v, 1, &t, &canceled);
	else
		rc = matching_2543(m, hash, cf, v, 1, &t, &canceled);
	if (rc == TM_LK_FOUND)
		tm_cell_ref(t);
	else
		t = NULL;
	tm_bucket_unlock(hash);
	return t;
}

tm_cell *tm_match_reply(rc_msg_t *m, int *branch)
{
	const sip_via *v;
	const sip_cseq *cs;
	unsigned hash, br;
	const char *md5;
	*branch = -1;
	if (sip_get_via(&m->sip, 0, &v) < 0 || !v->branch.s || sip_get_cseq(&m->sip, &cs) < 0)
		return NULL;
	if (tm_branch_parse(v->branch.s, v->branch.len, &hash, &md5, &br) < 0)
		return NULL;
	int is_cancel = cs->method_id == SIP_M_CANCEL;
	tm_cell *found = NULL;
	tm_bucket_lock(hash);
	for (tm_cell *t = tm_bucket_first(hash); t; t = t->next) {
		if (memcmp(t->md5, md5, TM_MD5_LEN) || (int)br >= t->nbr)
			continue;
		int same = (t->method_id != SIP_M_OTHER || cs->method_id != SIP_M_OTHER)
		               ? t->method_id == cs->method_id
		               : eq(t->method, cs->method);
		if (!same && !(is_cancel && t->is_invite && t->br[br]->cbuf))
			continue;
		tm_cell_ref(t);
		found = t;
		break;
	}
	tm_bucket_unlock(hash);
	if (found)
		*branch = (int)br;
	return found;
}
