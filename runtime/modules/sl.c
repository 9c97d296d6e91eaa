/* sl.c: stateless replies (kamailio-runtime.md 2).
 *
 *   sl_send_reply(code, reason)  sl_reply(...)  send_reply(code, reason)
 *   send_reply_mode(code, reason, mode)  sl_reply_error()
 *
 * The reply is built from the request (sip/build.h): its Vias, From, To
 * (with a To-tag for codes >= 180 when the request has none), Call-ID,
 * CSeq, the Server header core configures, the lines append_to_reply()
 * queued, and for 3xx a Contact with the destination set.  It goes to the
 * request's source (rt_send_reply: source port with rport, else the Via
 * port, else 5060).  ACKs are never answered (-1).
 *
 * The To-tag is Kamailio's: 32 hex digits of MD5("KAMAILIO-stateless",
 * first listen address, its port), constant for the instance, then '.' and
 * two CRC-16s of the top Via and the Call-ID, so a retransmission gets the
 * same tag and the ACK for the reply can be recognized.
 *
 * send_reply() replies through tm (tm_send_reply) when the message has a
 * transaction the script created or found, else statelessly here.
 */
#include "modules/mod.h"

#include <stdio.h>
#include <string.h>

#include "core/rtmsg.h"
#include "core/scratch.h"
#include "core/stats.h"
#include "sip/build.h"

#define SL_DEFAULT_CODE 500
#define SL_DEFAULT_REASON "Internal Server Error"
#define SL_BUF 65536

/* Statistics (group sl), as Kamailio 5.6.3 counts them: every reply sent
 * counts in sent_replies and in one code bucket, where 1xx (and codes past
 * 699) count as xxx_replies, so 1xx_replies stays 0 as in Kamailio; a reply
 * that could not be sent (an ACK, a bad code, a send error) counts in
 * failures; received_ACKs are the ACKs absorbed before the script.
 * sent_err_replies is Kamailio's and never moves there either.  Not
 * resettable, as in Kamailio. */
enum { SL_1XX, SL_200, SL_202, SL_2XX, SL_300, SL_301, SL_302, SL_3XX, SL_400, SL_401, SL_403,
       SL_404, SL_407, SL_408, SL_483, SL_4XX, SL_500, SL_5XX, SL_6XX, SL_XXX, SL_SENT,
       SL_SENT_ERR, SL_FAILURES, SL_ACKS, SL_NSTATS };
static const char *const sl_stat_names[SL_NSTATS] = {
	"1xx_replies", "200_replies", "202_replies", "2xx_replies", "300_replies", "301_replies",
	"302_replies", "3xx_replies", "400_replies", "401_replies", "403_replies", "404_replies",
	"407_replies", "408_replies", "483_replies", "4xx_replies", "500_replies", "5xx_replies",
	"6xx_replies", "xxx_replies", "sent_replies", "sent_err_replies", "failures",
	"received_ACKs",
};
static rt_stat_mt *sl_stats;

void sl_stats_init(void)
{
	sl_stats = rt_stat_mt_new("sl", sl_stat_names, SL_NSTATS, RT_STAT_NO_RESET);
}

void sl_count_filtered_ack(void)
{
	rt_stat_mt_inc(sl_stats, SL_ACKS);
}

static void sl_count(int code)
{
	static const struct { int code, idx; } exact[] = {
		{ 200, SL_200 }, { 202, SL_202 }, { 300, SL_300 }, { 301, SL_301 }, { 302, SL_302 },
		{ 400, SL_400 }, { 401, SL_401 }, { 403, SL_403 }, { 404, SL_404 }, { 407, SL_407 },
		{ 408, SL_408 }, { 483, SL_483 }, { 500, SL_500 },
	};
	static const int bucket[] = { SL_XXX, SL_XXX, SL_2XX, SL_3XX, SL_4XX, SL_5XX, SL_6XX };
	int idx = code >= 100 && code < 700 ? bucket[code / 100] : SL_XXX;
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (exact[i].code == code)
			idx = exact[i].idx;
	rt_stat_mt_inc(sl_stats, idx);
	rt_stat_mt_inc(sl_stats, SL_SENT);
}

static _Thread_local void *sl_buf_slot; /* SL_BUF bytes (core/scratch.h) */
static _Thread_local char tag_md5[32];
static _Thread_local const rt_sock *tag_sock;

/* The constant half of the To-tag (rtmsg.h). */
static const char *tag_base(void)
{
	return rt_local_tag_md5("KAMAILIO-stateless", tag_md5, &tag_sock);
}

int sl_is_local_ack(rc_msg_t *m)
{
	const sip_addr *to;
	if (sip_get_to(&m->sip, &to) < 0 || !to->tag.s || to->tag.len < 33)
		return 0;
	return to->tag.s[32] == '.' && !memcmp(to->tag.s, tag_base(), 32);
}

/* 41 characters: md5 '.' crc(via host, port, branch) crc(via port, host, callid). */
static int sl_totag(rc_msg_t *m, rc_str *out)
{
	const sip_via *v;
	char *d = rc_tmp(m, 42);
	if (!d)
		return -1;
	memcpy(d, tag_base(), 32);
	d[32] = '.';
	memset(d + 33, '0', 8);
	if (sip_get_via(&m->sip, 0, &v) == 0) {
		sip_str ci = { NULL, 0 };
		rc_str a[3] = { { v->host.s, v->host.len }, { v->port_s.s, v->port_s.len }, { v->branch.s, v->branch.len } };
		pv_crc16_hex(a, v->branch.s ? 3 : 2, d + 33);
		sip_get_callid(&m->sip, &ci);
		rc_str b[3] = { { v->port_s.s, v->port_s.len }, { v->host.s, v->host.len }, { ci.s, ci.len } };
		pv_crc16_hex(b, ci.s ? 3 : 2, d + 37);
	}
	d[41] = '\0';
	out->s = d;
	out->len = 41;
	return 0;
}

/* "Contact: <u1>;q=0.5, <u2>\r\n" for a redirect: the new R-URI and the
 * branches (Kamailio's print_dset). */
static rc_str dset_contact(rc_msg_t *m)
{
	rc_str r = { NULL, 0 };
	int n = m->new_ruri.s ? 1 : 0, total = 11;
	for (int i = 0; i < m->nbranches; i++)
		n++, total += m->branches[i].uri.len + 16;
	if (!n)
		return r;
	if (m->new_ruri.s)
		total += m->new_ruri.len + 4;
	char *d = rc_tmp(m, total + 1);
	if (!d)
		return r;
	int o = sprintf(d, "Contact: ");
	int first = 1;
	if (m->new_ruri.s) {
		o += sprintf(d + o, "<%.*s>", m->new_ruri.len, m->new_ruri.s);
		first = 0;
	}
	for (int i = 0; i < m->nbranches; i++) {
		const rt_branch *b = &m->branches[i];
		o += sprintf(d + o, "%s<%.*s>", first ? "" : ", ", b->uri.len, b->uri.s);
		first = 0;
		if (b->q >= 0) {
			char q[16];
			int ql = b->q >= 1000 ? sprintf(q, "1") : sprintf(q, "0.%03d", b->q);
			while (ql > 1 && q[ql - 1] == '0')
				ql--;
			if (q[ql - 1] == '.')
				ql--;
			o += sprintf(d + o, ";q=%.*s", ql, q);
		}
	}
	o += sprintf(d + o, "\r\n");
	r.s = d;
	r.len = o;
	return r;
}

static int sl_reply_build(rc_msg_t *m, int code, rc_str reason);

/* Builds and sends one stateless reply: 1, or -1 (logged; sl:failures). */
static int sl_reply_helper(rc_msg_t *m, int code, rc_str reason)
{
	int rc = sl_reply_build(m, code, reason);
	if (rc > 0)
		sl_count(code);
	else
		rt_stat_mt_inc(sl_stats, SL_FAILURES);
	return rc;
}

static int sl_reply_build(rc_msg_t *m, int code, rc_str reason)
{
	if (!m->sip.is_request) {
		rt_log(RT_L_ERR, "sl: cannot reply to a reply");
		return -1;
	}
	if (m->sip.method_id == SIP_M_ACK)
		return -1;
	if (code < 100 || code > 699) {
		rt_log(RT_L_ERR, "sl: invalid reply code %d", code);
		return -1;
	}
	sip_reply r;
	memset(&r, 0, sizeof r);
	r.status = code;
	r.reason.s = reason.s;
	r.reason.len = reason.len;
	r.src_ip.s = m->src_ip;
	r.src_ip.len = (int)strlen(m->src_ip);
	r.src_port = m->src_port;
	const sip_addr *to;
	if (code >= 180 && sip_get_to(&m->sip, &to) == 0 && (!to->tag.s || to->tag.len == 0)) {
		rc_str tag;
		if (sl_totag(m, &tag) < 0)
			return -1;
		r.to_tag.s = tag.s;
		r.to_tag.len = tag.len;
	}
	rc_str server = rt_server_header();
	r.server.s = server.s;
	r.server.len = server.len;
	rc_str hdrs = m->tx_reply_hdrs;
	if (code >= 300 && code < 400) {
		rc_str ct = dset_contact(m);
		if (ct.len) {
			char *d = rc_tmp(m, hdrs.len + ct.len + 1);
			if (d) {
				if (hdrs.len)
					memcpy(d, hdrs.s, (size_t)hdrs.len);
				memcpy(d + hdrs.len, ct.s, (size_t)ct.len);
				hdrs.s = d;
				hdrs.len += ct.len;
			}
		}
	}
	r.headers.s = hdrs.s;
	r.headers.len = hdrs.len;
	char *sl_buf = rt_scratch(&sl_buf_slot, SL_BUF);
	if (!sl_buf)
		return -1;
	int len = sip_build_reply(&m->sip, &r, sl_buf, SL_BUF);
	if (len < 0) {
		rt_log(RT_L_ERR, "sl: cannot build the %d reply: %s", code, sip_strerror(len));
		return -1;
	}
	if (rt_send_reply(m, sl_buf, len) < 0)
		return -1;
	m->replied = 1;
	return 1;
}

static int sl_prep(rc_gen_t *g, rc_arg *argv, int argc, const char *where)
{
	if (argc < 2)
		return -1;
	if (mod_prep_pv(g, &argv[0], where) < 0 || mod_prep_fmt(g, &argv[1], where) < 0)
		return -1;
	if (argc > 2 && mod_prep_pv(g, &argv[2], where) < 0)
		return -1;
	return 0;
}

static int sl_call(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	int code;
	rc_str reason;
	if (mod_arg_int(m, c, &argv[0], &code) < 0) {
		code = SL_DEFAULT_CODE;
		reason.s = SL_DEFAULT_REASON;
		reason.len = (int)sizeof SL_DEFAULT_REASON - 1;
	} else {
		reason = mod_arg_str(m, c, &argv[1]);
	}
	return sl_reply_helper(m, code, reason);
}

int sl_send_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return sl_call(m, c, argv);
}

int sl_reply(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	return sl_call(m, c, argv);
}

int sl_send_reply_tm(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	/* with a transaction the script created or found (t_newtran,
	   t_check_trans, a failure or onreply route): a stateful reply, as
	   Kamailio's send_reply goes through tm */
	if (m->tm_t) {
		int code;
		rc_str reason;
		if (mod_arg_int(m, c, &argv[0], &code) < 0) {
			code = SL_DEFAULT_CODE;
			reason = (rc_str){ SL_DEFAULT_REASON, (int)sizeof SL_DEFAULT_REASON - 1 };
		} else {
			reason = mod_arg_str(m, c, &argv[1]);
		}
		return tm_send_reply(m, c, code, reason);
	}
	return sl_call(m, c, argv);
}

int sl_send_reply_mode(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	/* mode 1 (no new TCP connection) and 2 (close after) mean nothing on UDP */
	return sl_call(m, c, argv);
}

int sl_reply_error(rc_msg_t *m, rc_ctx_t *c, rc_arg *argv)
{
	static const struct {
		int err, code;
		const char *text;
	} tab[] = {
		{ -477, 477, "Unfortunately error on sending to next hop occurred" },
		{ -478, 478, "Unresolvable destination" },
		{ -400, 400, "Bad Request" },
		{ -479, 479, "Regretfully, we were not able to process the URI" },
		{ -9, 400, "Transaction tuple incomplete" },
		{ -13, 400, "Bad To" },
		{ -11, 500, "Error in external logic" },
		{ -12, 500, "Forking capacity exceeded" },
		{ -15, 400, "Invalid character in q parameter" },
		{ -16, 400, "Empty q parameter" },
		{ -17, 400, "Q parameter too big" },
		{ -18, 400, "Decimal part missing in q" },
		{ -487, 487, "Transaction canceled" },
		{ -2, 500, "No error" },
	};
	int err = m->sl_err ? m->sl_err : -1, code = 500; /* 0: nothing recorded, E_UNSPEC */
	const char *text = "I'm terribly sorry, server error occurred";
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].err == err) {
			code = tab[i].code;
			text = tab[i].text;
			break;
		}
	char buf[128];
	int n = snprintf(buf, sizeof buf, "%s (%d/SL)", text, -err);
	char *d = pv_dup(m, buf, n);
	if (!d)
		return -1;
	rc_str reason = { d, n };
	sl_reply_helper(m, code, reason);
	rt_log(RT_L_ERR, "stateless error reply used: %s", d);
	return 1;
}

const rt_fn sl_fns[] = {
	{ "sl_send_reply", sl_send_reply, sl_prep },
	{ "sl_reply", sl_reply, sl_prep },
	{ "sl_send_reply_tm", sl_send_reply_tm, sl_prep },
	{ "sl_send_reply_mode", sl_send_reply_mode, sl_prep },
	{ "sl_reply_error", sl_reply_error, NULL },
	{ 0 },
};
