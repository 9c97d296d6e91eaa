/* pv_msg.c: the pseudo-variables computed from the message (table 6.3 of
 * kamailio-language.md), with the types Kamailio's getters give: a status,
 * a CSeq number, a port are ints; a URI part, a header are strings; an
 * absent part is null (except $rp and $rP, which give the defaults 5060 and
 * "udp", as Kamailio does).
 *
 * Writes: $ru sets the new R-URI (m->new_ruri, which forwarding uses), $rU
 * $rd $rp splice the R-URI in force, $du sets or (= $null) resets the
 * destination, $fu $fU $fd $fn and the To ones edit the header through a
 * lump, $bf $mf set flags, $br the first branch, $fs the send socket.
 */
#include "pv/pv.h"

#include "core/rtmsg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *proto_name(int proto)
{
	switch (proto) {
	case RT_PROTO_TCP: return "tcp";
	case RT_PROTO_TLS: return "tls";
	case RT_PROTO_SCTP: return "sctp";
	case RT_PROTO_WS: return "ws";
	case RT_PROTO_WSS: return "wss";
	default: return "udp";
	}
}

static int sstr(const char *s, rc_val *out)
{
	*out = pv_vstr(s, (int)strlen(s));
	return 0;
}

/* A span that is null when absent or empty. */
static int span_or_null(sip_str s, rc_val *out)
{
	*out = s.s && s.len > 0 ? pv_vstr(s.s, s.len) : pv_vnull();
	return 0;
}

rc_str pv_ruri(rc_msg_t *m)
{
	return rt_msg_ruri(m);
}

int pv_method_bits(const char *s, int len)
{
	static const struct {
		const char *name;
		int bit;
	} tab[] = {
		{ "INVITE", 1 }, { "CANCEL", 2 }, { "ACK", 4 }, { "BYE", 8 }, { "INFO", 16 },
		{ "REGISTER", 32 }, { "SUBSCRIBE", 64 }, { "NOTIFY", 128 }, { "MESSAGE", 256 },
		{ "OPTIONS", 512 }, { "PRACK", 1024 }, { "UPDATE", 2048 }, { "REFER", 4096 },
		{ "PUBLISH", 8192 }, { "KDMQ", 16384 }, { "GET", 32768 }, { "POST", 65536 },
		{ "PUT", 131072 }, { "DELETE", 262144 },
	};
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if ((int)strlen(tab[i].name) == len && !memcmp(tab[i].name, s, (size_t)len))
			return tab[i].bit;
	return 524288; /* METHOD_OTHER */
}

/* The method of a request, or of the CSeq of a reply. */
static int method_of(rc_msg_t *m, rc_str *out)
{
	if (m->sip.is_request) {
		out->s = m->sip.method.s;
		out->len = m->sip.method.len;
		return 0;
	}
	const sip_cseq *cs;
	if (sip_get_cseq(&m->sip, &cs) < 0)
		return -1;
	out->s = cs->method.s;
	out->len = cs->method.len;
	return 0;
}

/* ---- URI parts --------------------------------------------------------------- */

enum { U_ALL, U_USER, U_HOST, U_PORT, U_PROTO, U_SCHEME, U_USERLEN };

static int uri_part(rc_msg_t *m, rc_str uri, int part, rc_val *out)
{
	sip_uri u;
	*out = pv_vnull();
	if (!uri.s)
		return 0;
	if (sip_uri_parse(uri.s, uri.len, &u) < 0) {
		rt_log(RT_L_ERR, "failed to parse the URI '%.*s'", uri.len, uri.s);
		return 0;
	}
	switch (part) {
	case U_USER: return span_or_null(u.user, out);
	case U_HOST: return span_or_null(u.host, out);
	case U_USERLEN:
		*out = pv_vint(u.user.s ? u.user.len : 0);
		return 0;
	case U_PORT:
		if (u.port_s.s) {
			*out = pv_vstr(u.port_s.s, u.port_s.len);
			return 0;
		}
		if (u.scheme == SIP_URI_SIPS || (u.transport.s && pv_eqi(u.transport.s, u.transport.len, "tls", 3)))
			return sstr("5061", out);
		return sstr("5060", out);
	case U_PROTO:
		if (u.transport.s && u.transport.len > 0) {
			*out = pv_vstr(u.transport.s, u.transport.len);
			return 0;
		}
		return sstr("udp", out);
	case U_SCHEME:
		return sstr(u.scheme == SIP_URI_SIPS ? "sips" : u.scheme == SIP_URI_TEL ? "tel" : "sip", out);
	default:
		*out = pv_vstr(uri.s, uri.len);
		return 0;
	}
	(void)m;
}

/* ---- headers ------------------------------------------------------------------ */

static const sip_hdr *hdr_first(const sip_msg *s, int type, rc_str name)
{
	if (type != SIP_H_OTHER)
		return sip_hdr_get(s, type);
	return sip_hdr_find(s, name.s, name.len, 0);
}

static const sip_hdr *hdr_next(const sip_msg *s, const sip_hdr *h, int type, rc_str name)
{
	if (type != SIP_H_OTHER)
		return sip_hdr_next(s, h);
	return sip_hdr_find(s, name.s, name.len, (int)(h - s->hdrs) + 1);
}

static int hdr_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	rc_str name = pv->name;
	int type = pv->htype, kind, idx;
	*out = pv_vnull();
	if (pv->dname) {
		name = pv_fmt_eval(m, c, pv->dname);
		type = sip_hdr_type_of(name.s, name.len);
	}
	if (name.len <= 0)
		return 0;
	const sip_msg *s = &m->sip;
	if (pv->cls == PVC_HDRC) {
		int n = 0;
		for (const sip_hdr *h = hdr_first(s, type, name); h; h = hdr_next(s, h, type, name))
			n++;
		*out = pv_vint(n);
		return 0;
	}
	idx = pv_index(m, c, pv, &kind);
	if (kind == PV_IDX_ALL) {
		int total = 0, n = 0;
		for (const sip_hdr *h = hdr_first(s, type, name); h; h = hdr_next(s, h, type, name))
			total += h->body.len + (n++ ? 1 : 0);
		if (!n)
			return 0;
		char *d = rc_tmp(m, total + 1), *p = d;
		if (!d)
			return -1;
		n = 0;
		for (const sip_hdr *h = hdr_first(s, type, name); h; h = hdr_next(s, h, type, name)) {
			if (n++)
				*p++ = ',';
			memcpy(p, h->body.s, (size_t)h->body.len);
			p += h->body.len;
		}
		*p = '\0';
		*out = pv_vstr(d, total);
		return 0;
	}
	if (kind != PV_IDX_INT)
		idx = 0;
	if (idx < 0) {
		int n = 0;
		for (const sip_hdr *h = hdr_first(s, type, name); h; h = hdr_next(s, h, type, name))
			n++;
		idx += n;
		if (idx < 0)
			return 0;
	}
	for (const sip_hdr *h = hdr_first(s, type, name); h; h = hdr_next(s, h, type, name))
		if (idx-- == 0) {
			*out = pv_vstr(h->body.s, h->body.len);
			return 0;
		}
	return 0;
}

/* The body of the first header of a type, or null. */
static int hdr_body(rc_msg_t *m, int type, rc_val *out)
{
	const sip_hdr *h = sip_hdr_get(&m->sip, type);
	*out = h ? pv_vstr(h->body.s, h->body.len) : pv_vnull();
	return 0;
}

/* The URI of a name-addr header ($ai $re $rt $di $pu) or a part of it. */
static int hdr_uri(rc_msg_t *m, int type, const char *name, int part, rc_val *out)
{
	*out = pv_vnull();
	const sip_hdr *h = type != SIP_H_OTHER ? sip_hdr_get(&m->sip, type)
	                                       : sip_hdr_find(&m->sip, name, (int)strlen(name), 0);
	if (!h)
		return 0;
	sip_list_it it;
	sip_str item;
	sip_addr a;
	it.hdr = (int)(h - m->sip.hdrs);
	it.pos = 0;
	if (sip_list_next(&m->sip, &it, &item, NULL) <= 0 || sip_addr_parse(item.s, item.len, 0, &a) < 0)
		return 0;
	rc_str u = { a.uri.s, a.uri.len };
	return uri_part(m, u, part, out);
}

/* ---- From / To ---------------------------------------------------------------- */

enum { A_URI, A_USER, A_HOST, A_DISPLAY, A_TAG };

static int addr_get(rc_msg_t *m, int from, int part, rc_val *out)
{
	const sip_addr *a;
	*out = pv_vnull();
	if ((from ? sip_get_from(&m->sip, &a) : sip_get_to(&m->sip, &a)) < 0)
		return 0;
	rc_str u = { a->uri.s, a->uri.len };
	switch (part) {
	case A_URI: return span_or_null(a->uri, out);
	case A_USER: return uri_part(m, u, U_USER, out);
	case A_HOST: return uri_part(m, u, U_HOST, out);
	case A_DISPLAY: return span_or_null(a->display, out);
	default: return span_or_null(a->tag, out);
	}
}

/* ---- flags, branches, sockets -------------------------------------------------- */

static int hex8(rc_msg_t *m, unsigned v, rc_val *out)
{
	char *d = rc_tmp(m, 9);
	if (!d)
		return -1;
	for (int i = 7; i >= 0; i--, v >>= 4)
		d[i] = "0123456789abcdef"[v & 15];
	d[8] = '\0';
	*out = pv_vstr(d, 8);
	return 0;
}

static int src_uri(rc_msg_t *m, rc_val *out)
{
	int proto = m->rcv ? m->rcv->proto : RT_PROTO_UDP;
	int v6 = strchr(m->src_ip, ':') != NULL;
	char buf[128];
	int n = snprintf(buf, sizeof buf, "sip:%s%s%s:%d%s%s", v6 ? "[" : "", m->src_ip, v6 ? "]" : "",
	                 m->src_port, proto == RT_PROTO_UDP ? "" : ";transport=",
	                 proto == RT_PROTO_UDP ? "" : proto_name(proto));
	char *d = pv_dup(m, buf, n);
	if (!d)
		return -1;
	*out = pv_vstr(d, n);
	return 0;
}

static int sock_text(rc_msg_t *m, const rt_sock *s, rc_val *out)
{
	char buf[128];
	int v6 = strchr(s->ip, ':') != NULL;
	int n = snprintf(buf, sizeof buf, "%s:%s%s%s:%d", proto_name(s->proto), v6 ? "[" : "", s->ip,
	                 v6 ? "]" : "", s->port);
	char *d = pv_dup(m, buf, n);
	if (!d)
		return -1;
	*out = pv_vstr(d, n);
	return 0;
}

static int branches_all(rc_msg_t *m, rc_val *out)
{
	int total = 0;
	*out = pv_vnull();
	for (int i = 0; i < m->nbranches; i++)
		total += m->branches[i].uri.len + (i ? 2 : 0);
	if (!m->nbranches)
		return 0;
	char *d = rc_tmp(m, total + 1), *p = d;
	if (!d)
		return -1;
	for (int i = 0; i < m->nbranches; i++) {
		if (i) {
			memcpy(p, ", ", 2);
			p += 2;
		}
		memcpy(p, m->branches[i].uri.s, (size_t)m->branches[i].uri.len);
		p += m->branches[i].uri.len;
	}
	*p = '\0';
	*out = pv_vstr(d, total);
	return 0;
}

static long long now_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int time_part(rc_msg_t *m, int part, rc_val *out)
{
	time_t t = (time_t)((m->recv_us ? m->recv_us : now_us()) / 1000000);
	struct tm tm;
	localtime_r(&t, &tm);
	int v[] = { tm.tm_sec, tm.tm_min, tm.tm_hour, tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
	            tm.tm_wday + 1, tm.tm_yday + 1, tm.tm_isdst };
	*out = pv_vint(v[part]);
	return 0;
}

int pv_msg_get(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, rc_val *out)
{
	const sip_msg *s = &m->sip;
	rc_str os = { s->ruri.s, s->ruri.len };
	rc_str ms;
	*out = pv_vnull();
	switch (pv->cls) {
	case PVC_ENV: {
		char name[256];
		if (pv->name.len >= (int)sizeof name)
			return 0;
		memcpy(name, pv->name.s, (size_t)pv->name.len);
		name[pv->name.len] = '\0';
		const char *v = getenv(name);
		if (v)
			*out = pv_vstr(v, (int)strlen(v));
		return 0;
	}
	case PVC_TIME: return time_part(m, pv->sub, out);
	case PVC_RU: return s->is_request ? uri_part(m, pv_ruri(m), U_ALL, out) : 0;
	case PVC_RU_USER: return s->is_request ? uri_part(m, pv_ruri(m), U_USER, out) : 0;
	case PVC_RU_HOST: return s->is_request ? uri_part(m, pv_ruri(m), U_HOST, out) : 0;
	case PVC_RU_PORT: return s->is_request ? uri_part(m, pv_ruri(m), U_PORT, out) : 0;
	case PVC_RU_PROTO: return s->is_request ? uri_part(m, pv_ruri(m), U_PROTO, out) : 0;
	case PVC_RU_SCHEME: return s->is_request ? uri_part(m, pv_ruri(m), U_SCHEME, out) : 0;
	case PVC_RU_USERLEN: return s->is_request ? uri_part(m, pv_ruri(m), U_USERLEN, out) : 0;
	case PVC_OU: return s->is_request ? uri_part(m, os, U_ALL, out) : 0;
	case PVC_OU_USER: return s->is_request ? uri_part(m, os, U_USER, out) : 0;
	case PVC_OU_HOST: return s->is_request ? uri_part(m, os, U_HOST, out) : 0;
	case PVC_OU_PORT: return s->is_request ? uri_part(m, os, U_PORT, out) : 0;
	case PVC_OU_PROTO: return s->is_request ? uri_part(m, os, U_PROTO, out) : 0;
	case PVC_DU: return span_or_null((sip_str){ m->dst_uri.s, m->dst_uri.len }, out);
	case PVC_DU_HOST: return uri_part(m, m->dst_uri, U_HOST, out);
	case PVC_DU_PORT: return uri_part(m, m->dst_uri, U_PORT, out);
	case PVC_DU_PROTO: return uri_part(m, m->dst_uri, U_PROTO, out);
	case PVC_RM:
		if (method_of(m, &ms) == 0)
			*out = pv_vstr(ms.s, ms.len);
		return 0;
	case PVC_RMID:
		if (method_of(m, &ms) == 0)
			*out = pv_vint(pv_method_bits(ms.s, ms.len));
		return 0;
	case PVC_RS:
		if (!s->is_request)
			*out = pv_vint(s->status);
		return 0;
	case PVC_RR:
		if (!s->is_request)
			*out = pv_vstr(s->reason.s ? s->reason.s : "", s->reason.len);
		return 0;
	case PVC_RV: return span_or_null(s->version, out);
	case PVC_CI: {
		sip_str ci;
		if (sip_get_callid(&m->sip, &ci) == 0)
			*out = pv_vstr(ci.s, ci.len);
		return 0;
	}
	case PVC_CS: {
		const sip_cseq *cs;
		if (sip_get_cseq(&m->sip, &cs) == 0)
			*out = pv_vint((int)cs->num);
		return 0;
	}
	case PVC_CSB: return hdr_body(m, SIP_H_CSEQ, out);
	case PVC_CT: return hdr_body(m, SIP_H_CONTACT, out);
	case PVC_CTYPE: return hdr_body(m, SIP_H_CONTENT_TYPE, out);
	case PVC_CL:
		if (s->content_length >= 0)
			*out = pv_vint((int)s->content_length);
		return 0;
	case PVC_UA: return hdr_body(m, SIP_H_USER_AGENT, out);
	case PVC_FU: return addr_get(m, 1, A_URI, out);
	case PVC_FU_USER: return addr_get(m, 1, A_USER, out);
	case PVC_FU_HOST: return addr_get(m, 1, A_HOST, out);
	case PVC_FN: return addr_get(m, 1, A_DISPLAY, out);
	case PVC_FT: return addr_get(m, 1, A_TAG, out);
	case PVC_TU: return addr_get(m, 0, A_URI, out);
	case PVC_TU_USER: return addr_get(m, 0, A_USER, out);
	case PVC_TU_HOST: return addr_get(m, 0, A_HOST, out);
	case PVC_TN: return addr_get(m, 0, A_DISPLAY, out);
	case PVC_TT: return addr_get(m, 0, A_TAG, out);
	case PVC_SI:
		if (m->src_ip[0])
			*out = pv_vstr(m->src_ip, (int)strlen(m->src_ip));
		return 0;
	case PVC_SP: *out = pv_vint(m->src_port); return 0;
	case PVC_SU: return src_uri(m, out);
	case PVC_RI:
		if (m->rcv)
			*out = pv_vstr(m->rcv->ip, (int)strlen(m->rcv->ip));
		return 0;
	case PVC_RP:
		if (m->rcv)
			*out = pv_vint(m->rcv->port);
		return 0;
	case PVC_PR: return sstr(proto_name(m->rcv ? m->rcv->proto : RT_PROTO_UDP), out);
	case PVC_PRID: *out = pv_vint(m->rcv ? m->rcv->proto : RT_PROTO_UDP); return 0;
	case PVC_MB: *out = pv_vstr(m->buf, m->len); return 0;
	case PVC_ML: *out = pv_vint(m->len); return 0;
	case PVC_MT: *out = pv_vint(s->is_request ? 1 : 2); return 0;
	case PVC_MI: *out = pv_vint((int)m->id); return 0;
	case PVC_BF: *out = pv_vint((int)m->bflags); return 0;
	case PVC_BFX: return hex8(m, m->bflags, out);
	case PVC_MF: *out = pv_vint((int)m->flags); return 0;
	case PVC_MFX: return hex8(m, m->flags, out);
	case PVC_BR:
		if (m->nbranches > 0)
			*out = pv_vstr(m->branches[0].uri.s, m->branches[0].uri.len);
		return 0;
	case PVC_BRALL: return branches_all(m, out);
	case PVC_RB:
		if (s->body.len > 0)
			*out = pv_vstr(s->body.s, s->body.len);
		return 0;
	case PVC_BS: *out = pv_vint(s->body.len); return 0;
	case PVC_TS_MSG: *out = pv_vint((int)((m->recv_us ? m->recv_us : now_us()) / 1000000)); return 0;
	case PVC_TS_NOW: *out = pv_vint((int)(now_us() / 1000000)); return 0;
	case PVC_PP: *out = pv_vint((int)getpid()); return 0;
	case PVC_FS:
		if (m->force_send)
			return sock_text(m, m->force_send, out);
		return 0;
	case PVC_HDR:
	case PVC_HDRC: return hdr_get(m, c, pv, out);
	case PVC_AI: return hdr_uri(m, SIP_H_P_ASSERTED_IDENTITY, NULL, U_ALL, out);
	case PVC_PU: return hdr_uri(m, SIP_H_P_PREFERRED_IDENTITY, NULL, U_ALL, out);
	case PVC_PD: return hdr_uri(m, SIP_H_P_PREFERRED_IDENTITY, NULL, U_HOST, out);
	case PVC_RE: return hdr_uri(m, SIP_H_OTHER, "Remote-Party-ID", U_ALL, out);
	case PVC_RT: return hdr_uri(m, SIP_H_REFER_TO, NULL, U_ALL, out);
	case PVC_DI: return hdr_uri(m, SIP_H_DIVERSION, NULL, U_ALL, out);
	default: return 0;
	}
}

/* ---- writing ------------------------------------------------------------------------ */

/* A new URI: uri with [a, b) replaced by text. */
static int splice(rc_msg_t *m, rc_str uri, const char *a, const char *b, const char *t1, int l1,
                  const char *t2, int l2, rc_str *out)
{
	int pre = (int)(a - uri.s), post = (int)(uri.s + uri.len - b);
	int n = pre + l1 + l2 + post;
	char *d = rc_tmp(m, n + 1);
	if (!d)
		return -1;
	memcpy(d, uri.s, (size_t)pre);
	if (l1)
		memcpy(d + pre, t1, (size_t)l1);
	if (l2)
		memcpy(d + pre + l1, t2, (size_t)l2);
	memcpy(d + pre + l1 + l2, b, (size_t)post);
	d[n] = '\0';
	out->s = d;
	out->len = n;
	return 0;
}

/* Kamailio's SET_USER_T / SET_HOST_T / SET_PORT_T on a URI. */
static int uri_set_part(rc_msg_t *m, rc_str uri, int part, rc_str v, rc_str *out)
{
	sip_uri u;
	if (!uri.s || sip_uri_parse(uri.s, uri.len, &u) < 0 || u.scheme == SIP_URI_TEL) {
		rt_log(RT_L_ERR, "cannot change a part of the URI '%.*s'", uri.len, uri.s ? uri.s : "");
		return -1;
	}
	const char *hs = u.host.s - (u.ipv6 ? 1 : 0);          /* the host as written */
	const char *he = u.host.s + u.host.len + (u.ipv6 ? 1 : 0);
	switch (part) {
	case U_USER:
		if (u.user.s) {
			if (v.len == 0) /* no user: drop user[:password]@ */
				return splice(m, uri, u.user.s, hs, NULL, 0, NULL, 0, out);
			const char *ue = u.password.s ? u.password.s - 1 : u.user.s + u.user.len;
			return splice(m, uri, u.user.s, ue, v.s, v.len, NULL, 0, out);
		}
		if (v.len == 0) {
			*out = uri;
			return 0;
		}
		return splice(m, uri, hs, hs, v.s, v.len, "@", 1, out);
	case U_HOST: {
		int v6 = memchr(v.s, ':', (size_t)v.len) && v.s[0] != '[';
		if (v.len == 0)
			return -1;
		if (v6) {
			char *b = rc_tmp(m, v.len + 2);
			if (!b)
				return -1;
			b[0] = '[';
			memcpy(b + 1, v.s, (size_t)v.len);
			b[v.len + 1] = ']';
			return splice(m, uri, hs, he, b, v.len + 2, NULL, 0, out);
		}
		return splice(m, uri, hs, he, v.s, v.len, NULL, 0, out);
	}
	default: /* U_PORT */
		if (u.port_s.s) {
			if (v.len == 0)
				return splice(m, uri, u.port_s.s - 1, u.port_s.s + u.port_s.len, NULL, 0, NULL, 0, out);
			return splice(m, uri, u.port_s.s, u.port_s.s + u.port_s.len, v.s, v.len, NULL, 0, out);
		}
		if (v.len == 0) {
			*out = uri;
			return 0;
		}
		return splice(m, uri, he, he, ":", 1, v.s, v.len, out);
	}
}

static int set_ruri(rc_msg_t *m, rc_str v)
{
	char *d = pv_dup(m, v.s, v.len);
	if (!d)
		return -1;
	m->new_ruri.s = d;
	m->new_ruri.len = v.len;
	return 0;
}

int pv_lump_free(const rc_msg_t *m, int off, int len)
{
	for (int i = 0; i < m->lumps.n; i++) {
		const sip_lump *l = &m->lumps.v[i];
		if (l->where == SIP_LUMP_EDIT && (l->off == off || (off < l->off + l->del && l->off < off + len)))
			return 0;
		if (l->where != SIP_LUMP_EDIT && l->off > off && l->off < off + len)
			return 0;
	}
	return 1;
}

/* $fu $fU $fd $fn and the To ones: one edit of the header through a lump. */
static int addr_set(rc_msg_t *m, int from, int part, const rc_val *v, const rc_pv *pv)
{
	const sip_addr *a;
	if ((from ? sip_get_from(&m->sip, &a) : sip_get_to(&m->sip, &a)) < 0) {
		rt_log(RT_L_ERR, "%.*s: no valid %s header", pv->text.len, pv->text.s, from ? "From" : "To");
		return -1;
	}
	rc_str val = rc_v_str(m, v), uri = { a->uri.s, a->uri.len }, nu;
	int off, len;
	const char *text;
	int tlen;
	if (part == A_DISPLAY) {
		if (a->display.s) {
			off = (int)(a->display.s - m->buf);
			len = a->display.len;
			text = val.s;
			tlen = val.len;
		} else if (a->uri.s > a->value.s && a->uri.s[-1] == '<') {
			off = (int)(a->uri.s - 1 - m->buf);
			len = 0;
			char *d = rc_tmp(m, val.len + 1);
			if (!d)
				return -1;
			memcpy(d, val.s, (size_t)val.len);
			d[val.len] = ' ';
			text = d;
			tlen = val.len + 1;
		} else {
			/* addr-spec form: "display <uri>" replaces the URI */
			off = (int)(a->uri.s - m->buf);
			len = a->uri.len;
			char *d = rc_tmp(m, val.len + a->uri.len + 3);
			if (!d)
				return -1;
			tlen = sprintf(d, "%.*s <%.*s>", val.len, val.s, a->uri.len, a->uri.s);
			text = d;
		}
	} else {
		if (part == A_URI) {
			nu = val;
		} else if (uri_set_part(m, uri, part == A_USER ? U_USER : U_HOST, val, &nu) < 0) {
			return -1;
		}
		off = (int)(a->uri.s - m->buf);
		len = a->uri.len;
		text = nu.s;
		tlen = nu.len;
	}
	if (!pv_lump_free(m, off, len)) {
		rt_log(RT_L_ERR, "%.*s: the %s header was already changed", pv->text.len, pv->text.s,
		       from ? "From" : "To");
		return -1;
	}
	return sip_lump_replace(&m->lumps, off, len, text, tlen) < 0 ? -1 : 0;
}

static int set_fs(rc_msg_t *m, rc_str v)
{
	const char *p = v.s, *e = v.s + v.len;
	int proto = RT_PROTO_UDP;
	const char *colon = memchr(p, ':', (size_t)(e - p));
	if (colon && colon - p <= 4 && colon - p >= 3) {
		static const char *const names[] = { "udp", "tcp", "tls", "sctp", "ws", "wss" };
		for (int i = 0; i < 6; i++)
			if (pv_eqi(p, (int)(colon - p), names[i], (int)strlen(names[i]))) {
				proto = i + 1;
				p = colon + 1;
				break;
			}
	}
	const char *he;
	int port = 0;
	if (p < e && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));
		if (!rb)
			return -1;
		p++;
		he = rb;
		colon = rb + 1 < e && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(e - p));
		he = colon ? colon : e;
	}
	if (colon && !pv_str2sint(colon + 1, (int)(e - colon - 1), &port))
		return -1;
	for (int i = 0; rt_sock_at(i); i++) {
		const rt_sock *s = rt_sock_at(i);
		if (s->proto == proto && (int)strlen(s->ip) == he - p && !memcmp(s->ip, p, (size_t)(he - p)) &&
		    (!port || port == s->port)) {
			m->force_send = s;
			return 0;
		}
	}
	rt_log(RT_L_ERR, "$fs: '%.*s' is not a listening socket", v.len, v.s);
	return -1;
}

int pv_ruri_set_user(rc_msg_t *m, rc_str user)
{
	rc_str nu;
	if (!m->sip.is_request || uri_set_part(m, pv_ruri(m), U_USER, user, &nu) < 0)
		return -1;
	return set_ruri(m, nu);
}

int pv_msg_set(rc_msg_t *m, rc_ctx_t *c, const rc_pv *pv, const rc_val *v)
{
	rc_str s, nu;
	(void)c;
	switch (pv->cls) {
	case PVC_RU:
	case PVC_RU_USER:
	case PVC_RU_HOST:
	case PVC_RU_PORT:
		if (!m->sip.is_request) {
			rt_log(RT_L_ERR, "%.*s: a reply has no R-URI", pv->text.len, pv->text.s);
			return -1;
		}
		if (pv->cls == PVC_RU) {
			if (v->type == RC_NULL) {
				rt_log(RT_L_ERR, "$ru: cannot be set to $null");
				return -1;
			}
			s = rc_v_str(m, v);
			if (sip_uri_parse(s.s, s.len, &(sip_uri){ 0 }) < 0) {
				rt_log(RT_L_ERR, "$ru: '%.*s' is not a valid URI", s.len, s.s);
				return -1;
			}
			return set_ruri(m, s);
		}
		s = rc_v_str(m, v);
		if (uri_set_part(m, pv_ruri(m), pv->cls == PVC_RU_USER ? U_USER : pv->cls == PVC_RU_HOST ? U_HOST : U_PORT,
		                 s, &nu) < 0)
			return -1;
		return set_ruri(m, nu);
	case PVC_DU:
		if (v->type == RC_NULL) {
			m->dst_uri.s = NULL;
			m->dst_uri.len = 0;
			return 0;
		}
		s = rc_v_str(m, v);
		if (s.len == 0) {
			m->dst_uri.s = NULL;
			m->dst_uri.len = 0;
			return 0;
		}
		{
			char *d = pv_dup(m, s.s, s.len);
			if (!d)
				return -1;
			m->dst_uri.s = d;
			m->dst_uri.len = s.len;
		}
		return 0;
	case PVC_BF:
	case PVC_BFX:
		m->bflags = (unsigned)rc_v_int(v);
		return 0;
	case PVC_MF:
	case PVC_MFX:
		m->flags = (unsigned)rc_v_int(v);
		return 0;
	case PVC_BR:
		s = rc_v_str(m, v);
		if (v->type == RC_NULL || s.len == 0) {
			if (m->nbranches > 0) {
				memmove(&m->branches[0], &m->branches[1], (size_t)(m->nbranches - 1) * sizeof m->branches[0]);
				m->nbranches--;
			}
			return 0;
		}
		{
			char *d = pv_dup(m, s.s, s.len);
			if (!d)
				return -1;
			if (m->nbranches == 0) {
				memset(&m->branches[0], 0, sizeof m->branches[0]);
				m->branches[0].q = -1;
				m->nbranches = 1;
			}
			m->branches[0].uri.s = d;
			m->branches[0].uri.len = s.len;
		}
		return 0;
	case PVC_FS:
		if (v->type == RC_NULL) {
			m->force_send = NULL;
			return 0;
		}
		return set_fs(m, rc_v_str(m, v));
	case PVC_FU: return addr_set(m, 1, A_URI, v, pv);
	case PVC_FU_USER: return addr_set(m, 1, A_USER, v, pv);
	case PVC_FU_HOST: return addr_set(m, 1, A_HOST, v, pv);
	case PVC_FN: return addr_set(m, 1, A_DISPLAY, v, pv);
	case PVC_TU: return addr_set(m, 0, A_URI, v, pv);
	case PVC_TU_USER: return addr_set(m, 0, A_USER, v, pv);
	case PVC_TU_HOST: return addr_set(m, 0, A_HOST, v, pv);
	case PVC_TN: return addr_set(m, 0, A_DISPLAY, v, pv);
	default:
		return -2;
	}
}
