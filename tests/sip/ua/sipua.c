/* sipua.c: a scriptable SIP test UA for end-to-end tests driven from shell.
 *
 *   sipua send --to ADDR --msg FILE [...]     one request, check the final response
 *   sipua uas --bind ADDR [...]               answer requests, record what arrived
 *   sipua scenario FILE [...]                 a dialog written as a short script
 *
 * Output: one line per datagram, ">>> " + first line for each one sent and
 * "<<< " + first line for each one received (the whole message too with
 * --print-full, ended by a line "----").  Errors go to stderr.  Exit status:
 * 0 success, 1 failure (wrong or missing response, malformed message), 2 usage.
 * tests/sip/ua/README.md has examples. */
#include "ua.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: sipua send --to IP:PORT --msg FILE [options]\n"
	"         --bind IP:PORT     local address (default 127.0.0.1:0)\n"
	"         --set KEY=VALUE    template variable (repeatable)\n"
	"         --expect CODES     e.g. 200 or 200,486; 'none' for no response at all\n"
	"                            (default: any final response)\n"
	"         --timeout MS       how long to wait (default 5000)\n"
	"         --retransmit       RFC 3261 timers A/E, T1 doubling (--t1 MS, default 500;\n"
	"                            --t2 MS caps every interval, timer A's too)\n"
	"         --linger MS        keep listening after the final response (default 0)\n"
	"         --no-ack           do not ACK a 2xx to INVITE\n"
	"         --print-full       print whole messages     --quiet   print nothing\n"
	"         --record FILE      write every message received, each ended by ----\n"
	"       sipua uas --bind IP:PORT [--code [METHOD=]CODE]... [--count N]\n"
	"         [--timeout MS] [--record FILE] [--trying] [--ring MS] [--delay MS] ...\n"
	"       sipua scenario FILE --to IP:PORT [--bind IP:PORT] [--set KEY=VALUE]...\n"
	"         [--timeout MS] [--t1 MS] [--t2 MS] [--seed N] [--print-full] [--record FILE]\n"
	"Templates: ${call_id} ${branch} ${from_tag} ${cseq} ${local_ip} ${local_port}\n"
	"${remote_ip} ${remote_port} and any --set KEY; Content-Length is fixed.\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n";

const char *ua_optval(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "sipua: %s needs a value\n", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

typedef struct {
	const char *to, *bind, *msg, *record;
	int expect[16], nexpect, expect_none, retransmit, no_ack;
	long timeout, t1, linger;
} send_opt_t;

static int parse_expect(send_opt_t *o, const char *s)
{
	char *end;

	if (strcmp(s, "none") == 0) {
		o->expect_none = 1;
		return 0;
	}
	for (;;) {
		long c = strtol(s, &end, 10);

		if (end == s || c < 100 || c > 699 || o->nexpect == 16 || (*end && *end != ','))
			return -1;
		o->expect[o->nexpect++] = (int)c;
		if (!*end)
			return 0;
		s = end + 1;
	}
}

static int send_options(int argc, char **argv, send_opt_t *o, ua_t *ua, ua_vars_t *v)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (strcmp(a, "--retransmit") == 0) { o->retransmit = 1; continue; }
		if (strcmp(a, "--no-ack") == 0) { o->no_ack = 1; continue; }
		if (strcmp(a, "--print-full") == 0) { ua->print_full = 1; continue; }
		if (strcmp(a, "--quiet") == 0) { ua->quiet = 1; continue; }
		if (strncmp(a, "--", 2) != 0 || !(val = ua_optval(argc, argv, &i)))
			goto bad;
		if (strcmp(a, "--to") == 0) o->to = val;
		else if (strcmp(a, "--bind") == 0) o->bind = val;
		else if (strcmp(a, "--msg") == 0) o->msg = val;
		else if (strcmp(a, "--record") == 0) o->record = val;
		else if (strcmp(a, "--set") == 0) { if (ua_var_arg(v, val) < 0) goto bad; }
		else if (strcmp(a, "--expect") == 0) { if (parse_expect(o, val) < 0) goto bad; }
		else if (strcmp(a, "--timeout") == 0) { if (ua_intarg(val, 1, 3600000, &o->timeout) < 0) goto bad; }
		else if (strcmp(a, "--t1") == 0) { if (ua_intarg(val, 1, 60000, &o->t1) < 0) goto bad; }
		else if (strcmp(a, "--t2") == 0) { if (ua_intarg(val, 1, 60000, &ua->t2) < 0) goto bad; }
		else if (strcmp(a, "--linger") == 0) { if (ua_intarg(val, 0, 600000, &o->linger) < 0) goto bad; }
		else goto bad;
	}
	if (!o->to || !o->msg) {
		fprintf(stderr, "sipua send: --to and --msg are required\n%s", usage);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "sipua send: bad option or value '%s'\n%s", argv[i], usage);
	return -1;
}

/* Decides on one new response: 1 success, 0 failure, -1 not yet. */
static int judge(const send_opt_t *o, const ua_msg_t *m)
{
	int i;

	if (o->expect_none) {
		fprintf(stderr, "sipua: expected no response, got %.*s\n", (int)m->flen, m->first);
		return 0;
	}
	for (i = 0; i < o->nexpect; i++)
		if (o->expect[i] == m->code)
			return 1;
	if (m->code < 200)
		return -1;
	if (o->nexpect == 0)
		return 1;
	fprintf(stderr, "sipua: expected %d%s, got %.*s\n", o->expect[0],
		o->nexpect > 1 ? " (or another listed code)" : "", (int)m->flen, m->first);
	return 0;
}

int ua_send_main(int argc, char **argv)
{
	send_opt_t o = { .timeout = 5000, .t1 = 500 };
	ua_t ua = { .fd = -1 };
	ua_vars_t pre = { 0 }, v = { 0 };
	ua_ctxn_t t = { 0 };
	struct sockaddr_in to, from;
	char *tmpl = NULL, *req = NULL, *ack = NULL, err[256] = "";
	static char buf[UA_MAXMSG];
	size_t tlen, rlen, acklen = 0;
	int64_t deadline;
	int result = -1, rc = UA_USAGE, i;
	ua_msg_t m;

	if (send_options(argc, argv, &o, &ua, &pre) < 0)
		goto out;
	if (ua_addr(o.to, &to) < 0) {
		fprintf(stderr, "sipua send: bad --to address '%s'\n", o.to);
		goto out;
	}
	if (ua_open(&ua, o.bind) < 0 || (o.record && ua_record_open(&ua, o.record) < 0))
		goto out;
	ua.record_resp = 1;
	ua_default_vars(&v, &ua, &to);
	for (i = 0; i < pre.n; i++)
		ua_var_set(&v, pre.key[i], pre.val[i]);
	if (!(tmpl = ua_read_file(o.msg, &tlen))) {
		fprintf(stderr, "sipua send: cannot read %s\n", o.msg);
		goto out;
	}
	if (!(req = ua_expand(tmpl, tlen, &v, &rlen, err, sizeof err))) {
		fprintf(stderr, "sipua send: %s: %s\n", o.msg, err);
		goto out;
	}
	rc = UA_FAIL;
	if (ua_ctxn_start(&ua, &t, req, rlen, &to, o.retransmit, (int)o.t1) < 0)
		goto out;
	deadline = ua_now() + o.timeout;
	for (;;) {
		int64_t due = ua_ctxn_due(&t), wake = due < deadline ? due : deadline;
		int n = ua_recv(&ua, buf, sizeof buf, wake, &from, &m), fresh;

		if (n < 0)
			goto out;
		if (n == 0) {
			if (ua_now() >= deadline)
				break;
			ua_ctxn_timer(&ua, &t, ua_now());
			continue;
		}
		if (!ua_ctxn_match(&t, &m))
			continue;
		fresh = ua_ctxn_response(&ua, &t, &m);
		if (t.invite && m.code / 100 == 2 && !o.no_ack && t.req) {
			if (!ack && (ack = malloc(UA_MAXMSG)))
				acklen = ua_indialog(ack, UA_MAXMSG, "ACK", t.req, &m, t.req->cseq, &ua);
			if (ack && acklen)
				ua_send(&ua, ack, acklen, &to, fresh ? "ACK of the 2xx" : "ACK again");
		}
		if (fresh && result < 0 && (result = judge(&o, &m)) >= 0) {
			int64_t end = ua_now() + o.linger;

			if (end < deadline)
				deadline = end;
		}
	}
	if (result < 0) {
		result = o.expect_none;
		if (!result)
			fprintf(stderr, "sipua: no final response within %ld ms\n", o.timeout);
	}
	rc = result ? UA_OK : UA_FAIL;
out:
	ua_ctxn_free(&t);
	ua_close(&ua);
	ua_vars_free(&pre);
	ua_vars_free(&v);
	free(tmpl);
	free(req);
	free(ack);
	return rc;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return ua_send_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "uas") == 0)
		return ua_uas_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "scenario") == 0)
		return ua_scenario_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return UA_OK;
	}
	fputs(usage, stderr);
	return UA_USAGE;
}
