/* osip_check.c: routec's SIP parser against libosip2, message by message.
 *
 *   osip_check [-q] FILE...
 *
 * Each FILE holds SIP messages in the format of `sipua --record`: each message
 * followed by a line "----", CR removed from CRLF pairs (a file written with
 * --record-raw keeps them; both are read).  Every line break of a message is
 * put back as CRLF before parsing, so a body that had bare LFs comes back
 * longer than it was: both parsers then see the same bytes, which is what
 * matters here.
 *
 * Each message is parsed by routec (runtime/sip/msg.h: sip_parse and the
 * on-demand getters) and by libosip2 (osip_message_init/osip_message_parse
 * after parser_init), and these must agree:
 *   - request or reply; the method; the status code;
 *   - the Request-URI as text: routec's span against osip_uri_to_str (osip
 *     writes the URI back from its parts, so an escaped character written in
 *     another form than osip's would show as a difference);
 *   - Call-ID (osip: number@host written back); CSeq number and method;
 *   - the number of Via values (both split comma lists and count across
 *     headers), and of Contact, Route and Record-Route values;
 *   - the number of header values.  libosip2 splits a header at commas
 *     (outside quotes and <sip:...>-style URIs) only if its name is on its
 *     list of comma-separated headers (Via, Contact, Route, Record-Route,
 *     Accept, Allow, Supported, Require, Warning, ... and compact forms: its
 *     own __osip_message_is_header_comma_separated is asked), and keeps each
 *     piece as one header; routec keeps header lines.  So routec's count is:
 *     a header line on osip's list counts its comma-separated values
 *     (sip_list_next), any other line counts 1; osip's is the sum of all its
 *     header lists plus one for each single header it holds (From, To,
 *     Call-ID, CSeq, Content-Type, Content-Length, MIME-Version).  osip adds
 *     "Content-Length: 0" when there is none, so a message without one
 *     counts one more for osip: routec's count gets that one too.
 * Not compared: the body (osip keeps it as a list of parts), header values
 * other than the above, anything about header order.
 *
 * Prints one line per message ("ok FILE#N ..." or "DIFF FILE#N: what") and a
 * summary "osip_check: N messages, N agree, N differ".  Exit 0 when every
 * message was parsed by both and they agree, 1 on a difference, a message
 * either parser rejects or no message at all, 2 on a usage or I/O error.  -q prints only the
 * differences and the summary. */
#include <osipparser2/osip_parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sip/msg.h"

static int quiet;

/* The reason of the first difference found in one message. */
static char why[1024];

static void differ(const char *fmt, ...)
{
	va_list ap;
	if (why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
}

static int span_eq(sip_str a, const char *b)
{
	size_t n = b ? strlen(b) : 0;
	return b && (size_t)a.len == n && memcmp(a.s, b, n) == 0;
}

/* libosip2's own test of whether it splits a header's value at commas: its
 * list of headers defined as comma-separated lists (Via, Contact, Route,
 * Record-Route, Accept, Allow, Supported, Require, Warning, ... and their
 * compact forms), set up by parser_init.  Exported by libosipparser2 though
 * declared in a private header. */
int __osip_message_is_header_comma_separated(const char *hname);

static int osip_splits(sip_str name)
{
	char n[128];
	if (name.len <= 0 || (size_t)name.len >= sizeof n)
		return 0;
	memcpy(n, name.s, (size_t)name.len);
	n[name.len] = 0;
	return __osip_message_is_header_comma_separated(n) == 0;
}

/* Values of header line i: comma-separated outside quotes and <>. */
static int line_values(const sip_msg *m, int i)
{
	sip_list_it it = { i, 0 };
	sip_str item;
	int n = 0, h, rc;
	while ((rc = sip_list_next(m, &it, &item, &h)) > 0 && h == i) {
		n++;
		if (it.hdr != i)
			break;
	}
	return rc < 0 ? rc : n;
}

/* Values of one type across headers, or a negative code. */
static int type_values(const sip_msg *m, int type)
{
	sip_list_it it;
	sip_str item;
	int n = 0, rc;
	sip_list_begin(m, type, &it);
	while ((rc = sip_list_next(m, &it, &item, NULL)) > 0)
		n++;
	return rc < 0 ? rc : n;
}

static int osip_values(osip_message_t *o)
{
	osip_list_t *lists[] = { &o->accepts, &o->accept_encodings, &o->accept_languages, &o->alert_infos,
		&o->allows, &o->authentication_infos, &o->authorizations, &o->call_infos, &o->contacts,
		&o->content_encodings, &o->error_infos, &o->proxy_authenticates,
		&o->proxy_authentication_infos, &o->proxy_authorizations, &o->record_routes, &o->routes,
		&o->vias, &o->www_authenticates, &o->headers };
	int n = 0;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		n += osip_list_size(lists[i]);
	n += (o->from != NULL) + (o->to != NULL) + (o->call_id != NULL) + (o->cseq != NULL) +
	     (o->content_type != NULL) + (o->content_length != NULL) + (o->mime_version != NULL);
	return n;
}

static void compare_count(const char *what, int ours, int theirs)
{
	if (ours < 0)
		differ("%s: routec: %s", what, sip_strerror(ours));
	else if (ours != theirs)
		differ("%s: routec %d, osip %d", what, ours, theirs);
}

/* Parses one message both ways; 0 if they agree. */
static int check(const char *buf, size_t len, char *summary, size_t cap)
{
	static sip_msg m;
	osip_message_t *o = NULL;
	char *s = NULL;
	int rc;

	why[0] = 0;
	summary[0] = 0;
	rc = sip_parse(&m, buf, len);
	if (osip_message_init(&o) != 0) {
		differ("osip_message_init failed");
		return -1;
	}
	int orc = osip_message_parse(o, buf, len);
	if (rc < 0 || orc != 0) {
		if (rc < 0 && orc != 0)
			differ("rejected by routec (%s) and by libosip2 (%d)", sip_strerror(rc), orc);
		else if (rc < 0)
			differ("rejected by routec (%s), parsed by libosip2", sip_strerror(rc));
		else
			differ("rejected by libosip2 (%d), parsed by routec", orc);
		osip_message_free(o);
		return -1;
	}

	int oreq = o->sip_method != NULL;
	if (m.is_request != oreq) {
		differ("request or reply: routec %s, osip %s", m.is_request ? "request" : "reply",
		       oreq ? "request" : "reply");
	} else if (m.is_request) {
		if (!span_eq(m.method, o->sip_method))
			differ("method: routec '%.*s', osip '%s'", m.method.len, m.method.s, o->sip_method);
		if (!o->req_uri || osip_uri_to_str(o->req_uri, &s) != 0)
			differ("R-URI: osip could not write it back");
		else if (!span_eq(m.ruri, s))
			differ("R-URI: routec '%.*s', osip '%s'", m.ruri.len, m.ruri.s, s);
		snprintf(summary, cap, "%.*s %.*s", m.method.len, m.method.s, m.ruri.len, m.ruri.s);
	} else {
		if (m.status != o->status_code)
			differ("status: routec %d, osip %d", m.status, o->status_code);
		snprintf(summary, cap, "%d %.*s", m.status, m.reason.len, m.reason.s);
	}
	osip_free(s);
	s = NULL;

	sip_str cid;
	rc = sip_get_callid(&m, &cid);
	if (rc < 0 && rc != SIP_E_ABSENT)
		differ("Call-ID: routec: %s", sip_strerror(rc));
	else if ((rc == SIP_E_ABSENT) != (o->call_id == NULL))
		differ("Call-ID: present for %s only", rc == 0 ? "routec" : "osip");
	else if (rc == 0) {
		if (osip_call_id_to_str(o->call_id, &s) != 0)
			differ("Call-ID: osip could not write it back");
		else if (!span_eq(cid, s))
			differ("Call-ID: routec '%.*s', osip '%s'", cid.len, cid.s, s);
		osip_free(s);
		s = NULL;
	}

	const sip_cseq *cs;
	rc = sip_get_cseq(&m, &cs);
	if (rc < 0 && rc != SIP_E_ABSENT)
		differ("CSeq: routec: %s", sip_strerror(rc));
	else if ((rc == SIP_E_ABSENT) != (o->cseq == NULL))
		differ("CSeq: present for %s only", rc == 0 ? "routec" : "osip");
	else if (rc == 0) {
		char num[16];
		snprintf(num, sizeof num, "%u", cs->num);
		if (!o->cseq->number || strcmp(num, o->cseq->number) != 0)
			differ("CSeq number: routec %s, osip '%s'", num, o->cseq->number ? o->cseq->number : "");
		if (!span_eq(cs->method, o->cseq->method))
			differ("CSeq method: routec '%.*s', osip '%s'", cs->method.len, cs->method.s,
			       o->cseq->method ? o->cseq->method : "");
	}

	compare_count("Via values", sip_via_count(&m), osip_list_size(&o->vias));
	compare_count("Contact values", type_values(&m, SIP_H_CONTACT), osip_list_size(&o->contacts));
	compare_count("Route values", type_values(&m, SIP_H_ROUTE), osip_list_size(&o->routes));
	compare_count("Record-Route values", type_values(&m, SIP_H_RECORD_ROUTE),
		      osip_list_size(&o->record_routes));

	int ours = 0;
	for (int i = 0; i < m.nhdrs && ours >= 0; i++) {
		int n = osip_splits(m.hdrs[i].name) ? line_values(&m, i) : 1;
		ours = n < 0 ? n : ours + n;
	}
	if (ours >= 0 && m.content_length < 0)
		ours++; /* osip adds Content-Length */
	compare_count("header values", ours, osip_values(o));
	size_t l = strlen(summary);
	snprintf(summary + l, cap - l, " (%d header lines, %d values)", m.nhdrs, ours);

	osip_message_free(o);
	return why[0] ? -1 : 0;
}

/* Reads FILE whole; NULL on error. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = realloc(b, cap + 65536 + 1);
			if (!nb) {
				free(b);
				fclose(f);
				return NULL;
			}
			b = nb;
			cap += 65536;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(b);
		return NULL;
	}
	b[n] = 0;
	*len = n;
	return b;
}

/* libosip2's traces would go to stdout, between our lines. */
static void no_trace(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
}

int main(int argc, char **argv)
{
	int total = 0, agree = 0, i = 1;
	static char msg[SIP_MAX_MSG_LEN / 8];

	if (i < argc && strcmp(argv[i], "-q") == 0) {
		quiet = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: osip_check [-q] FILE...  (files of `sipua --record`)\n");
		return 2;
	}
	osip_trace_initialize_func(END_TRACE_LEVEL, no_trace); /* the verdicts say it all */
	if (parser_init() != 0) {
		fprintf(stderr, "osip_check: parser_init failed\n");
		return 2;
	}
	for (; i < argc; i++) {
		size_t len, pos = 0, ml = 0;
		int n = 0, blank = 1;
		char *f = slurp(argv[i], &len);
		if (!f) {
			fprintf(stderr, "osip_check: cannot read %s\n", argv[i]);
			return 2;
		}
		while (pos < len) {
			char *nl = memchr(f + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - f) : len, ll = end - pos;
			const char *line = f + pos;
			pos = nl ? end + 1 : len;
			if (ll && line[ll - 1] == '\r')
				ll--;
			if (ll == 4 && memcmp(line, "----", 4) == 0) {
				if (!blank) {
					char sum[512];
					n++;
					total++;
					if (check(msg, ml, sum, sizeof sum) == 0) {
						agree++;
						if (!quiet)
							printf("ok %s#%d %s\n", argv[i], n, sum);
					} else {
						printf("DIFF %s#%d: %s\n", argv[i], n, why);
					}
				}
				ml = 0;
				blank = 1;
				continue;
			}
			if (ml + ll + 2 > sizeof msg) {
				fprintf(stderr, "osip_check: %s: message %d too large\n", argv[i], n + 1);
				free(f);
				return 2;
			}
			memcpy(msg + ml, line, ll);
			memcpy(msg + ml + ll, "\r\n", 2);
			ml += ll + 2;
			for (size_t k = 0; k < ll; k++)
				if (line[k] != ' ' && line[k] != '\t')
					blank = 0;
		}
		if (!blank)
			fprintf(stderr, "osip_check: %s: text after the last ---- ignored\n", argv[i]);
		free(f);
	}
	printf("osip_check: %d messages, %d agree, %d differ\n", total, agree, total - agree);
	return total > 0 && agree == total ? 0 : 1;
}
