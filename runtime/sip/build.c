/* build.c: sip_build_reply.  Writes into the caller's buffer with bounds
 * checks on every append; nothing is allocated. */
#include "build.h"

#include <string.h>


const char *sip_reason_phrase(int status)
{
	switch (status) {
	case 100: return "Trying";
	case 180: return "Ringing";
	case 181: return "Call Is Being Forwarded";
	case 182: return "Queued";
	case 183: return "Session Progress";
	case 199: return "Early Dialog Terminated";
	case 200: return "OK";
	case 202: return "Accepted";
	case 204: return "No Notification";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Moved Temporarily";
	case 305: return "Use Proxy";
	case 380: return "Alternative Service";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 412: return "Conditional Request Failed";
	case 413: return "Request Entity Too Large";
	case 414: return "Request-URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 421: return "Extension Required";
	case 422: return "Session Interval Too Small";
	case 423: return "Interval Too Brief";
	case 429: return "Provide Referrer Identity";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 484: return "Address Incomplete";
	case 485: return "Ambiguous";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 488: return "Not Acceptable Here";
	case 489: return "Bad Event";
	case 491: return "Request Pending";
	case 493: return "Undecipherable";
	case 500: return "Server Internal Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Server Time-out";
	case 505: return "Version Not Supported";
	case 513: return "Message Too Large";
	case 580: return "Precondition Failure";
	case 600: return "Busy Everywhere";
	case 603: return "Decline";
	case 604: return "Does Not Exist Anywhere";
	case 606: return "Not Acceptable";
	}
	switch (status / 100) {
	case 1: return "Provisional";
	case 2: return "Success";
	case 3: return "Redirection";
	case 4: return "Request Failure";
	case 5: return "Server Failure";
	case 6: return "Global Failure";
	}
	return "Unknown";
}

typedef struct {
	char *p;
	size_t cap, len;
	int err;
} wbuf;

static void put(wbuf *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		w->err = SIP_E_NOSPACE;
		return;
	}
	if (n)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_cstr(wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_str(wbuf *w, sip_str s)
{
	put(w, s.s, s.len > 0 ? (size_t)s.len : 0);
}

static void put_int(wbuf *w, int v)
{
	char d[12];
	int n = 0;
	do
		d[sizeof d - 1 - n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	put(w, d + sizeof d - n, (size_t)n);
}

/* "Name: value\r\n" for every header of a type. */
static void copy_hdrs(wbuf *w, const sip_msg *m, int type)
{
	for (const sip_hdr *h = sip_hdr_get(m, type); h; h = sip_hdr_next(m, h)) {
		put_cstr(w, sip_hdr_canonical(type));
		put(w, ": ", 2);
		put_str(w, h->body);
		put(w, "\r\n", 2);
	}
}

/* The Via headers, the first value with the received/rport the server
 * adds (RFC 3261 18.2.1, RFC 3581 4). */
static void copy_vias(wbuf *w, sip_msg *m, const sip_reply *r)
{
	const sip_via *v;
	if (!r->src_ip.s || sip_get_via(m, 0, &v) < 0) {
		copy_hdrs(w, m, SIP_H_VIA);
		return;
	}
	const sip_hdr *first = &m->hdrs[v->hdr];
	int add_received = v->rport.s || v->host.len != r->src_ip.len ||
	                   memcmp(v->host.s, r->src_ip.s, (size_t)r->src_ip.len);
	for (const sip_hdr *h = sip_hdr_get(m, SIP_H_VIA); h; h = sip_hdr_next(m, h)) {
		put(w, "Via: ", 5);
		if (h != first) {
			put_str(w, h->body);
			put(w, "\r\n", 2);
			continue;
		}
		/* the body with edits at the rport value, the received value and the
		 * end of the first via-parm, in buffer order */
		const char *p = h->body.s, *end = h->body.s + h->body.len;
		const char *vend = v->value.s + v->value.len;
		if (v->rport.s) {
			put(w, p, (size_t)(v->rport.s - p));
			if (v->rport.len == 0)
				put(w, "=", 1);
			put_int(w, r->src_port);
			p = v->rport.s + v->rport.len;
		}
		if (v->received.s && v->received.s >= p) {
			put(w, p, (size_t)(v->received.s - p));
			put_str(w, r->src_ip);
			p = v->received.s + v->received.len;
		} else if (add_received && !v->received.s) {
			put(w, p, (size_t)(vend - p));
			put(w, ";received=", 10);
			put_str(w, r->src_ip);
			p = vend;
		}
		put(w, p, (size_t)(end - p));
		put(w, "\r\n", 2);
	}
}

static void opt_hdr(wbuf *w, const char *name, sip_str v)
{
	if (!v.s)
		return;
	put_cstr(w, name);
	put_str(w, v);
	put(w, "\r\n", 2);
}

int sip_build_reply(sip_msg *req, const sip_reply *r, char *out, size_t cap)
{
	if (!req || !r || !out || !req->is_request || r->status < 100 || r->status > 699 ||
	    r->reason.len < 0 || r->body.len < 0 || r->headers.len < 0)
		return SIP_E_ARG;
	if (!sip_hdr_get(req, SIP_H_VIA))
		return SIP_E_ABSENT;
	/* a reason phrase must not break the status line */
	for (int i = 0; r->reason.s && i < r->reason.len; i++)
		if (r->reason.s[i] == '\r' || r->reason.s[i] == '\n')
			return SIP_E_ARG;
	wbuf w = { out, cap, 0, 0 };
	put(&w, "SIP/2.0 ", 8);
	put_int(&w, r->status);
	put(&w, " ", 1);
	if (r->reason.s)
		put_str(&w, r->reason);
	else
		put_cstr(&w, sip_reason_phrase(r->status));
	put(&w, "\r\n", 2);

	copy_vias(&w, req, r);
	if (r->status > 100 && r->status < 300)
		copy_hdrs(&w, req, SIP_H_RECORD_ROUTE);
	copy_hdrs(&w, req, SIP_H_FROM);
	const sip_hdr *to = sip_hdr_get(req, SIP_H_TO);
	for (const sip_hdr *h = to; h; h = sip_hdr_next(req, h)) {
		put(&w, "To: ", 4);
		put_str(&w, h->body);
		const sip_addr *a;
		if (h == to && r->status != 100 && r->to_tag.len > 0 && sip_get_to(req, &a) == 0 && !a->tag.s) {
			put(&w, ";tag=", 5);
			put_str(&w, r->to_tag);
		}
		put(&w, "\r\n", 2);
	}
	copy_hdrs(&w, req, SIP_H_CALL_ID);
	copy_hdrs(&w, req, SIP_H_CSEQ);
	opt_hdr(&w, "Server: ", r->server);
	opt_hdr(&w, "User-Agent: ", r->user_agent);
	put_str(&w, r->headers);
	opt_hdr(&w, "Content-Type: ", r->content_type);
	put(&w, "Content-Length: ", 16);
	put_int(&w, r->body.s ? r->body.len : 0);
	put(&w, "\r\n\r\n", 4);
	put_str(&w, r->body);
	if (w.err)
		return w.err;
	if (w.len > (size_t)SIP_MAX_MSG_LEN)
		return SIP_E_TOO_LONG;
	return (int)w.len;
}
