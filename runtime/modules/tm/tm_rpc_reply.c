/* tm_rpc_reply.c: the tm.reply RPC method, through which an external
 * application answers a request that t_write_req / t_write_unix handed to
 * it (Kamailio 5.6's rpc_reply and t_reply_with_body).
 *
 *   tm.reply code reason trans_id to_tag [new_headers [body]]
 *
 * trans_id is "hash:label" as line 16 of t_write_*'s text gives it.  The
 * reply is built from the transaction's request like any local reply, with
 * these differences, all Kamailio's: the To-tag is the one given (appended,
 * or replacing the request's own; none when empty, whatever the code), the
 * header lines come before the Server header, and the body follows with its
 * Content-Length (the application gives the Content-Type among the
 * headers).  A 2xx to an INVITE is retransmitted until the ACK, which is
 * matched by that To-tag.  Errors (the JSON-RPC error code and message):
 *   400 "Reply code expected", "Reason phrase expected", "Transaction ID
 *       expected", "To tag expected" (a parameter missing, in that order),
 *       "Invalid transaction ID" (no "N:N");
 *   481 "No such transaction";
 *   500 "Reply failed" (a final reply went out already, a bad code).
 */
#include "modules/tm/tm.h"

#include <stdio.h>
#include <string.h>

#include "core/rpc.h"
#include "core/scratch.h"
#include "sip/build.h"

#define RR_BUF 65536
/* the reply, its extra lines and the messages parsed on the way: per thread,
   allocated at its first tm.reply (core/scratch.h) */
typedef struct rr_scratch {
	char rbuf[RR_BUF], extra[RR_BUF / 2];
	sip_msg rq, rs;
} rr_scratch;
static _Thread_local void *rr_slot;

/* Put tag in the To header of the reply built in out (len bytes): replace
 * the tag it has, or append ";tag=" to the header's value.  New length, or
 * -1 when there is no To or no room. */
static int set_to_tag(sip_msg *rs, char *out, int len, int cap, rc_str tag)
{
	const sip_addr *to;
	if (sip_parse(rs, out, (size_t)len) < 0 || sip_get_to(rs, &to) < 0)
		return -1;
	char *at;
	int del, add;
	if (to->tag.s) {
		at = (char *)to->tag.s;
		del = to->tag.len;
		add = tag.len;
	} else {
		const sip_hdr *h = &rs->hdrs[to->hdr];
		at = (char *)h->body.s + h->body.len;
		del = 0;
		add = 5 + tag.len;
	}
	if (len - del + add > cap)
		return -1;
	int off = (int)(at - out);
	memmove(at + add, at + del, (size_t)(len - off - del));
	if (!to->tag.s) {
		memcpy(at, ";tag=", 5);
		at += 5;
	}
	memcpy(at, tag.s, (size_t)tag.len);
	return len - del + add;
}

/* The reply to t's request, in *out (cell locked: the To-tag goes into cell
 * memory for the 2xx ACK).  Length, or -1 (logged). */
static int build(tm_cell *t, int code, rc_str reason, rc_str tag, rc_str hdrs, rc_str body,
                 const char **out)
{
	rr_scratch *x = rt_scratch_zero(&rr_slot, sizeof *x);
	if (!x)
		return -1;
	char *extra = x->extra, *rbuf = x->rbuf;
	if (sip_parse(&x->rq, t->req, (size_t)t->req_len) < 0) {
		rt_log(RT_L_ERR, "tm.reply: the transaction's request does not parse");
		return -1;
	}
	/* the application's lines, then the Server header (Kamailio's order);
	   a last line without its CRLF gets one rather than glueing the next */
	rc_str server = rt_server_header();
	int n = 0;
	if (hdrs.len + server.len + 16 > (int)sizeof x->extra) {
		rt_log(RT_L_ERR, "tm.reply: %d bytes of headers is too long", hdrs.len);
		return -1;
	}
	if (hdrs.len > 0) {
		memcpy(extra, hdrs.s, (size_t)hdrs.len);
		n = hdrs.len;
		if (extra[n - 1] != '\n') {
			memcpy(extra + n, "\r\n", 2);
			n += 2;
		}
	}
	if (server.s)
		n += snprintf(extra + n, sizeof x->extra - (size_t)n, "Server: %.*s\r\n", server.len, server.s);
	sip_reply r;
	char ip[48];
	tm_reply_init(&r, t, code, reason, ip);
	r.headers = (sip_str){ extra, n };
	r.body = (sip_str){ body.s, body.len };
	int len = sip_build_reply(&x->rq, &r, rbuf, RR_BUF);
	if (len < 0) {
		rt_log(RT_L_ERR, "tm.reply: cannot build the %d reply: %s", code, sip_strerror(len));
		return -1;
	}
	if (tag.len > 0) {
		if ((len = set_to_tag(&x->rs, rbuf, len, RR_BUF, tag)) < 0) {
			rt_log(RT_L_ERR, "tm.reply: cannot put the To-tag in the %d reply", code);
			return -1;
		}
		char *d = tm_cell_dup(t, tag.s, tag.len);
		if (!d)
			return -1;
		t->totag = d;
		t->totag_len = tag.len;
	}
	*out = rbuf;
	return len;
}

/* Kamailio's sscanf("%u:%u"): leading blanks, digits, ':', digits; what
 * follows is ignored. */
static int parse_ident(rc_str s, unsigned *hash, unsigned *label)
{
	char tmp[64];
	int n = s.len < (int)sizeof tmp - 1 ? s.len : (int)sizeof tmp - 1;
	memcpy(tmp, s.s, (size_t)n);
	tmp[n] = '\0';
	return sscanf(tmp, "%u:%u", hash, label) == 2 ? 0 : -1;
}

static int rpc_reply(const rt_rpc_in *in, rt_rpc_out *o)
{
	static const char *const missing[4] = { "Reply code expected", "Reason phrase expected",
		                                    "Transaction ID expected", "To tag expected" };
	char bufs[6][32];
	rc_str p[6] = { { 0 } };
	long long code = 0;
	for (int i = 0; i < 6; i++) {
		int bad = i == 0 ? rpc_param_int(in, 0, &code) : rpc_param_str(in, i, &p[i], bufs[i]);
		if (bad < 0 && i < 4) {
			rpc_fail(o, 400, "%s", missing[i]);
			return -1;
		}
		if (bad < 0)
			p[i] = (rc_str){ "", 0 };
	}
	unsigned hash, label;
	if (parse_ident(p[2], &hash, &label) < 0) {
		rt_log(RT_L_ERR, "tm.reply: invalid trans_id (%.*s)", p[2].len, p[2].s);
		rpc_fail(o, 400, "Invalid transaction ID");
		return -1;
	}
	tm_cell *t = tm_cell_by_ident(hash, label);
	if (!t) {
		rt_log(RT_L_ERR, "tm.reply: no transaction %u:%u", hash, label);
		rpc_fail(o, 481, "No such transaction");
		return -1;
	}
	int rc = -1;
	if (code < 100 || code > 699) {
		rt_log(RT_L_ERR, "tm.reply: cannot reply %lld", code);
	} else {
		tm_lock(t);
		int st = atomic_load(&t->uas_status);
		const char *rbuf = NULL;
		int len = st >= 200 ? -1 : build(t, (int)code, p[1], p[3], p[4], p[5], &rbuf);
		if (st >= 200)
			rt_log(RT_L_INFO, "tm.reply: can't generate %lld reply when a final %d was sent out",
			       code, st);
		else if (len >= 0)
			rc = tm_reply_buf(t, NULL, (int)code, rbuf, len);
		tm_unlock(t);
	}
	tm_cell_unref(t);
	if (rc < 0) {
		rpc_fail(o, 500, "Reply failed");
		return -1;
	}
	rpc_obj_open(o, NULL);
	rpc_obj_close(o);
	return 0;
}

int tm_reply_rpc_init(void)
{
	return rt_rpc_register("tm.reply", rpc_reply,
	                       "Reply to a transaction: code, reason, trans_id (hash:label), "
	                       "to_tag, headers, body.");
}
