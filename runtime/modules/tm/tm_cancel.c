/* tm_cancel.c: CANCEL, both ways (kamailio-runtime.md 1.7).
 *
 * Our CANCELs: a branch to cancel that has had a provisional reply gets a
 * hop-by-hop CANCEL built from the INVITE sent on it, retransmitted T1..T2
 * until its reply or fr_timer (the wait timer also ends it).  A branch with
 * no reply yet gets none: by cancel_b_method (default 1) it keeps
 * retransmitting its INVITE and gets the CANCEL on its first 1xx, else ends
 * by its FR timer (0: a faked 487 at once; 2: a CANCEL anyway).  When a 2xx
 * or a local final reply completes an INVITE, pending branches are killed:
 * a CANCEL where a 1xx came, the others just stopped.
 *
 * A received CANCEL (t_relay / t_relay_cancel): its INVITE is found and
 * marked canceled; with no branch yet the INVITE gets 487 and the CANCEL
 * 200; else its pending branches are cancelled (Reason copied from the
 * CANCEL, e2e_cancel_reason) and the CANCEL gets "200 canceling", or "200
 * ok -- no more pending branches" when none was pending.  A CANCEL for no
 * known INVITE follows unmatched_cancel (0: a transaction of its own,
 * relayed statefully; 1: stateless; 2: dropped).
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

#include "core/forward.h"

#define F_KILL 1
#define F_FAKE_REPLY 2
#define F_FORCE_C 4
#define F_FORCE_RETR 8

unsigned tm_pending_branches(tm_cell *t)
{
	unsigned bm = 0;
	for (int i = 0; i < t->nbr; i++) {
		tm_branch *b = t->br[i];
		if ((b->rb & TM_RB_BLIND) && !b->buf)
			continue;
		if (b->last < 200 && !(b->rb & TM_RB_CANCEL_SENT)) {
			b->rb |= TM_RB_CANCEL_SENT; /* "in progress": not picked twice */
			bm |= 1u << i;
		}
	}
	return bm;
}

/* The Reason lines of our CANCEL: the received CANCEL's (e2e), or
 * "Reason: SIP;cause=N" with the text Kamailio gives 200. */
static rc_str reason_lines(tm_cell *t, int cause, int e2e, char *buf, int cap)
{
	if (e2e) {
		if (t->cancel_reason && !(t->flags & TM_T_NO_E2E_REASON))
			return (rc_str){ t->cancel_reason, t->cancel_reason_len };
		return (rc_str){ NULL, 0 };
	}
	if (cause <= 0 || !t->conf->local_cancel_reason)
		return (rc_str){ NULL, 0 };
	int n = snprintf(buf, (size_t)cap, "Reason: SIP;cause=%d%s\r\n", cause,
	                 cause == 200 ? ";text=\"Call completed elsewhere\"" : "");
	return (rc_str){ buf, n };
}

static int send_cancel(tm_cell *t, int bi, rc_str reason)
{
	tm_branch *b = t->br[bi];
	char buf[8192];
	/* the To of the request as received, as Kamailio's build_local_reparse
	   gets it; after t_use_uac_headers() the To as sent (to NULL) */
	const char *to = NULL;
	int tol = 0;
	if (t->to_body.s && !(t->flags & TM_T_UAC_HDRS)) {
		const char *ls = t->to_body.s, *le = t->to_body.s + t->to_body.len;
		while (ls > t->req && ls[-1] != '\n')
			ls--;
		while (le < t->req + t->req_len && *le != '\n')
			le++;
		if (le < t->req + t->req_len)
			le++;
		to = ls;
		tol = (int)(le - ls);
	}
	int n = tm_build_from_branch(t, bi, "CANCEL", (rc_str){ to, tol }, reason, buf, (int)sizeof buf);
	if (n < 0)
		return -1;
	if (!(b->cbuf = tm_cell_dup(t, buf, n)))
		return -1;
	b->clen = n;
	b->rb |= TM_RB_CANCEL_SENT;
	long long now = tm_now();
	b->cretr_iv = 2 * t->t1;
	b->cretr_at = now + t->t1;
	b->cfr_at = now + t->fr;
	tm_send(NULL, b->sock, &b->to, b->tolen, b->cbuf, b->clen);
	tm_timer_update(t);
	return 0;
}

int tm_cancel_branch_now(tm_cell *t, int bi, int cause)
{
	tm_branch *b = t->br[bi];
	char rb[128];
	rc_str reason;
	b->rb |= TM_RB_CANCELED | TM_RB_CANCEL_SENT;
	b->retr_at = 0;
	if (cause < 0) {
		reason = reason_lines(t, 0, 1, rb, (int)sizeof rb);
		if (!reason.s) {
			int st = atomic_load(&t->uas_status);
			reason = reason_lines(t, st >= 200 ? st : 0, 0, rb, (int)sizeof rb);
		}
	} else {
		reason = reason_lines(t, cause, 0, rb, (int)sizeof rb);
	}
	return send_cancel(t, bi, reason);
}

/* Kamailio's cancel_branch: 1 the branch stays active (its FR runs),
 * 0 it is done, -1 error. */
static int cancel_branch(tm_cell *t, int bi, rc_str reason, int flags)
{
	tm_branch *b = t->br[bi];
	int ret = 1;
	b->rb |= TM_RB_CANCELED;
	if (flags & F_KILL) {
		b->retr_at = b->fr_at = 0;
		ret = 0;
		if (b->last < 100 && !(flags & F_FORCE_C)) {
			b->rb &= ~TM_RB_CANCEL_SENT;
			if ((flags & F_FAKE_REPLY) && !(t->flags & TM_T_ADMIN_REPLY))
				tm_fake_reply(t, bi, 487);
			return ret;
		}
	} else if (b->last < 100 && !(flags & F_FORCE_C)) {
		/* nothing came back: no CANCEL on this branch */
		if (!(flags & F_FORCE_RETR))
			b->retr_at = 0;
		b->rb &= ~TM_RB_CANCEL_SENT;
		if (flags & F_FAKE_REPLY) {
			b->fr_at = 0;
			tm_fake_reply(t, bi, 487);
			return 0;
		}
		return 1;
	} else {
		b->retr_at = 0;
	}
	if (!b->buf) /* a blind branch: nothing to cancel on the wire */
		return ret;
	return send_cancel(t, bi, reason) < 0 ? -1 : ret;
}

static int b_method_flags(const tm_conf *cf)
{
	switch (cf->cancel_b_method) {
	case 1: return F_FORCE_RETR;
	case 2: return F_FORCE_C;
	default: return F_FAKE_REPLY;
	}
}

void tm_cancel_branches(tm_cell *t, unsigned which, int mode)
{
	char rb[128];
	rc_str reason = reason_lines(t, t->cancel_cause, 0, rb, (int)sizeof rb);
	int flags = mode == TM_CB_KILL ? F_KILL : mode == TM_CB_PLAIN ? 0 : b_method_flags(t->conf);
	for (int i = 0; i < t->nbr; i++)
		if (which & (1u << i))
			cancel_branch(t, i, reason, flags | (t->br[i]->buf ? 0 : F_FAKE_REPLY));
	tm_timer_update(t);
}

/* ---- a CANCEL received ------------------------------------------------------------------ */

/* Save the Reason lines of the CANCEL with the INVITE (e2e_cancel_reason). */
static void save_reason(tm_cell *inv, rc_msg_t *m)
{
	if (inv->cancel_reason || !inv->conf->e2e_cancel_reason)
		return;
	int total = 0;
	for (const sip_hdr *h = sip_hdr_find(&m->sip, "Reason", 6, 0); h;
	     h = sip_hdr_find(&m->sip, "Reason", 6, (int)(h - m->sip.hdrs) + 1))
		total += h->end - h->start;
	if (!total)
		return;
	char *d = tm_cell_mem(inv, (size_t)total);
	if (!d)
		return;
	int n = 0;
	for (const sip_hdr *h = sip_hdr_find(&m->sip, "Reason", 6, 0); h;
	     h = sip_hdr_find(&m->sip, "Reason", 6, (int)(h - m->sip.hdrs) + 1)) {
		memcpy(d + n, m->sip.buf + h->start, (size_t)(h->end - h->start));
		n += h->end - h->start;
	}
	inv->cancel_reason = d;
	inv->cancel_reason_len = n;
}

/* e2e_cancel: the INVITE's side and the CANCEL's reply. */
static void e2e_cancel(rc_msg_t *m, tm_cell *tc, tm_cell *inv)
{
	tm_lock(inv);
	inv->flags |= TM_T_CANCELED;
	unsigned bm = inv->nbr ? tm_pending_branches(inv) : 0;
	if (!bm) {
		/* no branch yet (or none to cancel): the INVITE ends here */
		tm_unlock(inv);
		tm_reply(inv, NULL, 487, (rc_str){ "Request canceled", 16 });
		tm_reply(tc, m, 200, (rc_str){ "ok -- no more pending branches", 30 });
		return;
	}
	save_reason(inv, m);
	char rb[4];
	rc_str reason = reason_lines(inv, 0, 1, rb, (int)sizeof rb);
	int flags = b_method_flags(inv->conf), err = 0;
	for (int i = 0; i < inv->nbr; i++)
		if (bm & (1u << i)) {
			int r = cancel_branch(inv, i, reason, flags | (inv->br[i]->buf ? 0 : F_FAKE_REPLY));
			if (r < 0) {
				bm &= ~(1u << i);
				err = 1;
			}
		}
	tm_timer_update(inv);
	tm_unlock(inv);
	if (err)
		tm_reply(tc, m, 500, (rc_str){ "cancel error", 12 });
	else if (bm)
		tm_reply(tc, m, 200, (rc_str){ "canceling", 9 });
	else
		tm_reply(tc, m, 200, (rc_str){ "ok -- no more pending branches", 30 });
}

int tm_forward_cancel(rc_msg_t *m, const tm_dest *d)
{
	const tm_conf *cf = tm_conf_of(m->gen);
	if (cf->unmatched_cancel == 0) {
		/* a transaction for the CANCEL first; tm_forward_nonack finds the INVITE */
		int r = tm_newtran(m);
		if (r <= 0 && r != TM_E_SCRIPT)
			return r == 0 ? 1 : r;
		return tm_forward_nonack(m->tm_t, m, m->ctx, d);
	}
	tm_cell *inv = tm_lookup_invite(m);
	if (inv) {
		int r = tm_newtran(m);
		if (r <= 0 && r != TM_E_SCRIPT) {
			tm_cell_unref(inv);
			return r == 0 ? 1 : r;
		}
		e2e_cancel(m, m->tm_t, inv);
		tm_cell_unref(inv);
		m->tm_mflags |= TM_M_FWDED;
		return 1;
	}
	if (cf->unmatched_cancel == 2) {
		rt_log(RT_L_DBG, "tm: CANCEL for no transaction dropped (unmatched_cancel 2)");
		return 1;
	}
	if (d && d->set)
		return rt_forward_request(m, &d->to, d->tolen);
	struct sockaddr_storage to;
	socklen_t tolen;
	if (rt_uri_dest(m, 0, &to, &tolen) < 0)
		return TM_E_BAD_ADDRESS;
	return rt_forward_request(m, &to, tolen);
}

/* Called by tm_forward_nonack for a CANCEL transaction (unmatched_cancel 0):
 * 1 when an INVITE was found and cancelled, 0 when there is none. */
int tm_cancel_from_nonack(tm_cell *tc, rc_msg_t *m);
int tm_cancel_from_nonack(tm_cell *tc, rc_msg_t *m)
{
	tm_cell *inv = tm_lookup_invite(m);
	if (!inv)
		return 0;
	e2e_cancel(m, tc, inv);
	tm_cell_unref(inv);
	return 1;
}
