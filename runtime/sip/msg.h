/* msg.h: the SIP message layer: a zero-copy lazy parser over one datagram.
 *
 * sip_parse() reads the first line and indexes the headers (name, value,
 * type) of a received message and finds its body; it copies nothing and
 * allocates nothing: every result is a span (sip_str) into the caller's
 * buffer, which must outlive the sip_msg.  A header's value is only looked at
 * when something asks for it: the sip_get_*() functions parse one header
 * field the first time they are called and cache the result (or the error)
 * in the sip_msg, so a second call costs a branch.
 *
 *   sip_msg m;
 *   if (sip_parse(&m, buf, n) < 0) -> drop, log sip_strerror(rc)
 *   const sip_via *v;   sip_get_via(&m, 0, &v)   -> v->branch
 *   const sip_cseq *cs; sip_get_cseq(&m, &cs)    -> cs->num, cs->method
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * SIP_E_* code on failure; SIP_E_ABSENT means "no such header", which callers
 * usually treat as a value, not an error.  Nothing reads past the length it
 * was given, nothing needs a NUL terminator, and no input makes anything
 * abort.  A value span may contain folded line breaks (CRLF or LF followed by
 * SP/HTAB): they are linear whitespace, and every parser here treats them so.
 *
 * The UDP rules: a datagram is a whole message.  No empty line after the
 * headers is an error (truncated), as is a Content-Length larger than the
 * bytes that follow the headers; bytes past Content-Length are ignored (m->len
 * says where the message ends); no Content-Length means "the rest of the
 * datagram".  Leading CRLFs (keep-alives) are skipped; a datagram of nothing
 * else is SIP_E_EMPTY.
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

/* A span of the message buffer (or of a caller's string): not NUL-terminated.
 * An absent optional field has s == NULL and len 0; a present but empty one
 * (a bare `;rport`, an empty reason phrase) has s != NULL and len 0. */
typedef struct {
	const char *s;
	int len;
} sip_str;

#define SIP_MAX_HEADERS 64         /* more header lines: SIP_E_TOO_MANY_HEADERS */
#define SIP_MAX_LIST    16         /* cached Contact / Route / Record-Route values */
#define SIP_MAX_MSG_LEN (1 << 24)  /* 16 MiB: larger buffers are refused */

/* ---- errors --------------------------------------------------------------- */

#define SIP_ERROR_LIST(E)                                                            \
	E(SIP_E_ABSENT,           -1, "header not present")                          \
	E(SIP_E_EMPTY,            -2, "empty message (only line breaks)")            \
	E(SIP_E_TOO_LONG,         -3, "message larger than SIP_MAX_MSG_LEN")         \
	E(SIP_E_FIRST_LINE,       -4, "malformed first line")                        \
	E(SIP_E_METHOD,           -5, "malformed request method")                    \
	E(SIP_E_RURI,             -6, "malformed Request-URI")                       \
	E(SIP_E_VERSION,          -7, "malformed SIP version")                       \
	E(SIP_E_STATUS,           -8, "malformed status code")                       \
	E(SIP_E_HDR_NAME,         -9, "malformed header name or missing colon")      \
	E(SIP_E_HDR_CTL,          -10, "bare CR in the first line or a header")      \
	E(SIP_E_HDR_FOLD,         -11, "continuation line without a header")         \
	E(SIP_E_TOO_MANY_HEADERS, -12, "more than SIP_MAX_HEADERS header lines")     \
	E(SIP_E_NO_END,           -13, "no empty line after the headers (truncated)") \
	E(SIP_E_CLEN,             -14, "malformed Content-Length")                   \
	E(SIP_E_CLEN_CONFLICT,    -15, "Content-Length headers disagree")            \
	E(SIP_E_BODY_SHORT,       -16, "fewer body bytes than Content-Length")       \
	E(SIP_E_VIA,              -17, "malformed Via")                              \
	E(SIP_E_ADDR,             -18, "malformed name-addr or addr-spec")           \
	E(SIP_E_CSEQ,             -19, "malformed CSeq")                             \
	E(SIP_E_CALLID,           -20, "malformed Call-ID")                          \
	E(SIP_E_MAXFWD,           -21, "malformed Max-Forwards")                     \
	E(SIP_E_EXPIRES,          -22, "malformed Expires")                          \
	E(SIP_E_CONTACT,          -23, "malformed Contact")                          \
	E(SIP_E_PARAM,            -24, "malformed parameter")                        \
	E(SIP_E_LIST,             -25, "unbalanced quote or angle bracket in a list") \
	E(SIP_E_TOO_MANY_VALUES,  -26, "more than SIP_MAX_LIST values")              \
	E(SIP_E_URI,              -27, "malformed URI")                              \
	E(SIP_E_URI_SCHEME,       -28, "URI scheme is not sip, sips or tel")         \
	E(SIP_E_LUMP_FULL,        -29, "too many lumps or lump text arena full")     \
	E(SIP_E_LUMP_OVERLAP,     -30, "lump overlaps another edit")                 \
	E(SIP_E_LUMP_RANGE,       -31, "lump outside the message")                   \
	E(SIP_E_NOSPACE,          -32, "output buffer too small")                    \
	E(SIP_E_ARG,              -33, "invalid argument")

/* Success is 0 (there is no SIP_OK: libosip2 defines that name as 200). */
enum sip_err {
#define SIP_ERR_ENUM(name, val, text) name = val,
	SIP_ERROR_LIST(SIP_ERR_ENUM)
#undef SIP_ERR_ENUM
};

/* A constant English text for any return code ("ok" for >= 0). */
const char *sip_strerror(int rc);

/* ---- header types and methods ------------------------------------------------ */

enum sip_hdr_type {
	SIP_H_OTHER = 0,
#define SIP_HDR(e, name, compact) SIP_H_##e,
#include "hdrs.def"
#undef SIP_HDR
	SIP_H__COUNT
};

enum sip_method {
	SIP_M_OTHER = 0, SIP_M_INVITE, SIP_M_ACK, SIP_M_BYE, SIP_M_CANCEL, SIP_M_REGISTER,
	SIP_M_OPTIONS, SIP_M_INFO, SIP_M_UPDATE, SIP_M_PRACK, SIP_M_SUBSCRIBE, SIP_M_NOTIFY,
	SIP_M_MESSAGE, SIP_M_REFER, SIP_M_PUBLISH
};

/* The type of a header name (full or compact, any case); SIP_H_OTHER if unknown. */
int sip_hdr_type_of(const char *name, int len);
/* The canonical name of a type ("Call-ID"); "" for SIP_H_OTHER. */
const char *sip_hdr_canonical(int type);
/* The method id of a method token (case-sensitive, as RFC 3261 says). */
int sip_method_of(const char *s, int len);

/* ---- the parsed message ------------------------------------------------------ */

typedef struct sip_hdr {
	sip_str name;  /* as written: "v", "VIA", "X-Foo" */
	sip_str body;  /* the value, leading and trailing whitespace trimmed; may be
	                  empty and may hold folded line breaks */
	int start;     /* offset of the name in the buffer */
	int end;       /* offset just past the line break ending the header (after
	                  its last continuation line) */
	uint8_t type;  /* enum sip_hdr_type */
	int8_t next;   /* index of the next header of the same type, or -1 */
} sip_hdr;

typedef struct sip_via {
	sip_str value;     /* the whole via-parm as written */
	sip_str proto;     /* "SIP" */
	sip_str version;   /* "2.0" */
	sip_str transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", "WSS", ... */
	sip_str host;      /* IPv6 references without the brackets */
	sip_str port_s;    /* empty if absent */
	int port;          /* 0 if absent */
	int ipv6;          /* host was written as [IPv6] */
	sip_str params;    /* from the first ';' to the end, or empty */
	sip_str branch, received, rport, maddr, ttl; /* values; s == NULL if absent */
	int hdr;           /* index in m->hdrs of the header holding this value */
} sip_via;

/* name-addr or addr-spec with header parameters: To, From, Contact, Route,
 * Record-Route, and the like. */
typedef struct sip_addr {
	sip_str value;     /* the element as written */
	sip_str display;   /* display name as written (quotes kept), or empty */
	sip_str uri;       /* the URI between < >, or the addr-spec */
	sip_str params;    /* header parameters from the first ';' on, or empty */
	sip_str tag;       /* the tag parameter's value; s == NULL if absent */
	int q;             /* q in thousandths (0..1000), -1 if absent */
	int64_t expires;   /* expires parameter (saturates at 2^32-1), -1 if absent */
	int hdr;           /* index in m->hdrs of the header holding this value */
} sip_addr;

typedef struct sip_addr_list {
	int n;             /* values in v */
	int star;          /* Contact: * */
	sip_addr v[SIP_MAX_LIST];
} sip_addr_list;

typedef struct sip_cseq {
	uint32_t num;      /* < 2^31 */
	sip_str method;
	int method_id;     /* enum sip_method */
} sip_cseq;

/* On-demand parsers, one bit each in sip_msg.done. */
enum sip_part {
	SIP_P_VIA1, SIP_P_VIA2, SIP_P_TO, SIP_P_FROM, SIP_P_CSEQ, SIP_P_CALLID,
	SIP_P_MAXFWD, SIP_P_EXPIRES, SIP_P_CONTACT, SIP_P_ROUTE, SIP_P_RROUTE, SIP_P__COUNT
};

typedef struct sip_msg {
	const char *buf;   /* the buffer given to sip_parse */
	int len;           /* bytes of it that are the message (headers + body) */

	/* first line */
	int is_request;
	sip_str method;    /* request */
	int method_id;     /* enum sip_method, SIP_M_OTHER for replies */
	sip_str ruri;      /* request */
	sip_str version;   /* "SIP/2.0" */
	int status;        /* reply: 100..699 */
	sip_str reason;    /* reply, may be empty */

	/* headers and body */
	int start;         /* offset of the first line (after skipped CRLFs) */
	int hdrs_start;    /* offset of the first header line */
	int hdrs_end;      /* offset of the empty line ending the headers */
	int body_off;      /* offset just past that empty line */
	sip_str body;
	int64_t content_length; /* -1 if there is no Content-Length header */
	int nhdrs;
	int8_t first[SIP_H__COUNT]; /* index of the first header of each type, or -1 */
	int8_t last[SIP_H__COUNT];  /* and of the last */
	sip_hdr hdrs[SIP_MAX_HEADERS];

	/* caches of the on-demand parsers: valid when the bit is set in done,
	   rc[] holds the result code. */
	uint32_t done;
	int8_t rc[SIP_P__COUNT];
	sip_via via[2];
	sip_addr to, from;
	sip_cseq cseq;
	sip_str callid;
	int maxfwd;
	uint32_t expires;
	sip_addr_list contact, route, rroute;
} sip_msg;

/* Parse the first line, index the headers and find the body of buf[0..len).
 * Returns 0 or a negative SIP_E_* code; on error m is only good for
 * sip_parse again. */
int sip_parse(sip_msg *m, const char *buf, size_t len);

/* The first header of a type, the next header of the same type, or NULL. */
const sip_hdr *sip_hdr_get(const sip_msg *m, int type);
const sip_hdr *sip_hdr_next(const sip_msg *m, const sip_hdr *h);
/* The first header at index >= from whose name matches (any case; a known
 * name also matches its compact form and vice versa), or NULL. */
const sip_hdr *sip_hdr_find(const sip_msg *m, const char *name, int len, int from);
/* Number of headers of a type. */
int sip_hdr_count(const sip_msg *m, int type);

/* ---- lists across headers ---------------------------------------------------- */

/* Iterates over the comma-separated values of every header of one type, in
 * order ("Via: a, b" then "v: c" gives a, b, c).  Commas inside quoted
 * strings and < > do not split.  Values come back trimmed; an empty value
 * (",,") comes back empty, for the caller to reject. */
typedef struct sip_list_it {
	int hdr;           /* current header index, -1 when done */
	int pos;           /* offset in its body */
} sip_list_it;

void sip_list_begin(const sip_msg *m, int type, sip_list_it *it);
/* 1 and *item (and *hdr, if not NULL) set; 0 at the end; SIP_E_LIST. */
int sip_list_next(const sip_msg *m, sip_list_it *it, sip_str *item, int *hdr);

/* ---- header field parsers (hf.c) ------------------------------------------------ */

/* Cached, parsed the first time: */
int sip_get_via(sip_msg *m, int n, const sip_via **out);   /* n = 0 or 1 */
int sip_get_to(sip_msg *m, const sip_addr **out);
int sip_get_from(sip_msg *m, const sip_addr **out);
int sip_get_cseq(sip_msg *m, const sip_cseq **out);
int sip_get_callid(sip_msg *m, sip_str *out);
int sip_get_maxfwd(sip_msg *m, int *out);                   /* 0..255 */
int sip_get_expires(sip_msg *m, uint32_t *out);             /* saturates at 2^32-1 */
int sip_get_contacts(sip_msg *m, const sip_addr_list **out);
int sip_get_routes(sip_msg *m, const sip_addr_list **out);
int sip_get_record_routes(sip_msg *m, const sip_addr_list **out);

/* Not cached: the n-th Via value (0 = topmost) across headers and lists. */
int sip_via_at(sip_msg *m, int n, sip_via *out);
/* Number of Via values, or a negative code. */
int sip_via_count(const sip_msg *m);

/* Parse one value; the building blocks of the above. */
int sip_via_parse(const char *s, int len, sip_via *out);
/* name_addr_only: Route/Record-Route style (< > required). */
int sip_addr_parse(const char *s, int len, int name_addr_only, sip_addr *out);

/* Header parameters: iterate ";name=value;name" (LWS allowed around ';' and
 * '='; values are tokens, IPv6 references or quoted strings, quotes kept).
 * *pos starts at 0; returns 1 per parameter, 0 at the end, SIP_E_PARAM. */
int sip_param_next(sip_str params, int *pos, sip_str *name, sip_str *value);
/* Find one (name case-insensitive): 0 and *value, SIP_E_ABSENT, SIP_E_PARAM. */
int sip_param_get(sip_str params, const char *name, sip_str *value);

/* ---- URIs (uri.c) ------------------------------------------------------------- */

enum sip_scheme { SIP_URI_SIP = 1, SIP_URI_SIPS, SIP_URI_TEL };

typedef struct sip_uri {
	int scheme;        /* enum sip_scheme */
	sip_str user;      /* sip/sips: user part; tel: the number */
	sip_str password;
	sip_str host;      /* IPv6 references without the brackets; empty for tel */
	int ipv6;
	sip_str port_s;
	int port;          /* 0 if absent */
	sip_str params;    /* from the first ';' of the URI (not the user part) up
	                      to '?' or the end, or empty */
	sip_str headers;   /* after '?', or empty */
	sip_str transport, maddr, ttl, user_param, method; /* s == NULL if absent */
	int lr;            /* ;lr present */
} sip_uri;

/* Parse a sip:, sips: or tel: URI (escapes are validated, not decoded). */
int sip_uri_parse(const char *s, int len, sip_uri *out);

#endif
