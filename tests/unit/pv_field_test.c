/* pv_field_test.c: the old-style condition elements (kamailio-language.md
 * 4.4): method/uri/from_uri/to_uri/status compared case-insensitively or
 * by regex, src_ip/dst_ip as addresses and networks, ports, msg:len, af
 * and proto as ints, and `== myself` over the listen socket and aliases. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include "../../compiler/ast.h"

enum { EQ, NE, RE, LT, GT, LE, GE };

static rc_msg_t *m;

static int cmp(int field, int op, rc_val v)
{
	rc_re *re = NULL;
	if (op == RE) {
		rc_str s = rc_v_str(m, &v);
		re = rc_re_prepare(G(), s.s, s.len, 1, "t:1:1");
	}
	return rc_field_cmp(m, field, op, &v, re);
}

static int ipnet(int field, const char *net)
{
	return rc_field_ipnet(m, field, net, (int)strlen(net));
}

int main(void)
{
	listen_loopback("proxy.example.org", "udp:alias2.example.org:5999");
	rt_log_level = RT_L_CRIT;

	/* the numbers the compiler passes are compiler/ast.h's */
	static const int pairs[][2] = {
		{ PV_F_METHOD, F_METHOD }, { PV_F_URI, F_URI }, { PV_F_FROM_URI, F_FROM_URI },
		{ PV_F_TO_URI, F_TO_URI }, { PV_F_SRC_IP, F_SRC_IP }, { PV_F_SRC_PORT, F_SRC_PORT },
		{ PV_F_DST_IP, F_DST_IP }, { PV_F_DST_PORT, F_DST_PORT }, { PV_F_SND_IP, F_SND_IP },
		{ PV_F_TO_AF, F_TO_AF }, { PV_F_PROTO, F_PROTO }, { PV_F_AF, F_AF }, { PV_F_MSGLEN, F_MSGLEN },
	};
	int same = 1;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		same &= pairs[i][0] == pairs[i][1];
	CHECK(same && (int)PV_F_STATUS >= (int)F_COUNT, "field numbers agree with compiler/ast.h");

	char req[512];
	snprintf(req, sizeof req,
	         "INVITE sip:bob@127.0.0.1:%d SIP/2.0\nVia: SIP/2.0/UDP 10.1.2.3;branch=z9hG4bK1\n"
	         "From: <sip:alice@proxy.example.org>;tag=1\nTo: <sip:bob@Alias2.Example.org:5999>\n"
	         "Call-ID: c1\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
	         test_port);
	m = msg(req);
	CHECK(cmp(F_METHOD, EQ, S("INVITE")), "method == \"INVITE\"");
	CHECK(cmp(F_METHOD, EQ, S("invite")), "method == \"invite\" (case-insensitive)");
	CHECK(!cmp(F_METHOD, EQ, S("INVITEX")), "method == \"INVITEX\" is false");
	CHECK(cmp(F_METHOD, NE, S("BYE")), "method != \"BYE\"");
	CHECK(cmp(F_METHOD, RE, S("^inv")), "method =~ \"^inv\"");
	CHECK(!cmp(F_METHOD, RE, S("^bye")), "method =~ \"^bye\" is false");
	CHECK(rc_field_cmp(m, F_METHOD, RE, &(rc_val){ RC_STR, 0, { "^I", 2 } }, NULL),
	      "method =~ a dynamic regex (no prepared one)");
	char uri[64];
	snprintf(uri, sizeof uri, "SIP:BOB@127.0.0.1:%d", test_port);
	CHECK(cmp(F_URI, EQ, S(uri)), "uri == the R-URI (case-insensitive)");
	CHECK(cmp(F_URI, RE, S("^sip:bob@")), "uri =~ \"^sip:bob@\"");
	CHECK(cmp(F_FROM_URI, EQ, S("sip:alice@proxy.example.org")), "from_uri == ...");
	CHECK(cmp(F_TO_URI, RE, S("alias2")), "to_uri =~ \"alias2\"");
	set(m, "$ru", S("sip:carol@x.com"));
	CHECK(cmp(F_URI, EQ, S("sip:carol@x.com")), "uri is the new R-URI once changed");

	CHECK(cmp(F_SRC_IP, EQ, S("127.0.0.1")), "src_ip == 127.0.0.1");
	CHECK(!cmp(F_SRC_IP, EQ, S("127.0.0.2")), "src_ip == 127.0.0.2 is false");
	CHECK(cmp(F_SRC_IP, NE, S("10.0.0.1")), "src_ip != 10.0.0.1");
	CHECK(cmp(F_DST_IP, EQ, S("127.0.0.1")), "dst_ip == 127.0.0.1 (the receiving socket)");
	CHECK(cmp(F_SRC_IP, RE, S("^127\\.")), "src_ip =~ \"^127\\.\"");
	CHECK(ipnet(F_SRC_IP, "127.0.0.0/8"), "src_ip == 127.0.0.0/8");
	CHECK(ipnet(F_SRC_IP, "127.0.0.0/255.0.0.0"), "src_ip == 127.0.0.0/255.0.0.0");
	CHECK(!ipnet(F_SRC_IP, "10.0.0.0/8"), "src_ip == 10.0.0.0/8 is false");
	CHECK(ipnet(F_SRC_IP, "127.0.0.1/32"), "src_ip == 127.0.0.1/32");
	CHECK(ipnet(F_SRC_IP, "0.0.0.0/0"), "src_ip == 0.0.0.0/0");
	CHECK(!ipnet(F_SRC_IP, "127.0.0.2/32"), "src_ip == 127.0.0.2/32 is false");
	CHECK(!ipnet(F_SRC_IP, "::1/128"), "an IPv4 source is not in an IPv6 network");
	CHECK(!ipnet(F_SRC_IP, "127.0.0.0/33"), "a bad prefix length never matches");

	CHECK(cmp(F_SRC_PORT, EQ, I(5070)), "src_port == 5070");
	CHECK(cmp(F_SRC_PORT, GT, I(5000)), "src_port > 5000");
	CHECK(cmp(F_SRC_PORT, LE, S("5070")), "src_port <= \"5070\"");
	CHECK(!cmp(F_SRC_PORT, LT, I(5070)), "src_port < 5070 is false");
	CHECK(cmp(F_DST_PORT, EQ, I(test_port)), "dst_port == the listen port");
	CHECK(cmp(F_MSGLEN, EQ, I(m->len)), "msg:len == the length");
	CHECK(cmp(F_MSGLEN, LT, I(1500)), "msg:len < 1500");
	CHECK(cmp(F_AF, EQ, S("INET")), "af == INET");
	CHECK(!cmp(F_AF, EQ, S("INET6")), "af == INET6 is false");
	CHECK(cmp(F_PROTO, EQ, S("udp")), "proto == udp");
	CHECK(cmp(F_PROTO, EQ, S("UDP")), "proto == UDP");
	CHECK(!cmp(F_PROTO, EQ, S("tcp")), "proto == tcp is false");
	CHECK(cmp(F_PROTO, NE, S("tls")), "proto != tls");
	CHECK(!cmp(F_SND_IP, EQ, S("127.0.0.1")), "snd_ip has no value outside onsend_route");

	/* myself */
	msg_free(m);
	m = msg(req);
	CHECK(rc_field_myself(m, F_URI), "uri == myself (127.0.0.1:port)");
	CHECK(rc_field_myself(m, F_FROM_URI), "from_uri == myself (an alias without a port)");
	CHECK(rc_field_myself(m, F_TO_URI), "to_uri == myself (alias with its port, any case)");
	CHECK(rc_field_myself(m, F_SRC_IP), "src_ip == myself");
	set(m, "$ru", S("sip:bob@proxy.example.org"));
	CHECK(rc_field_myself(m, F_URI), "an alias without a port matches any port");
	set(m, "$ru", S("sip:bob@127.0.0.1"));
	CHECK(!rc_field_myself(m, F_URI), "127.0.0.1 without a port is :5060, not our port");
	set(m, "$ru", S("sip:bob@elsewhere.com"));
	CHECK(!rc_field_myself(m, F_URI), "another host is not myself");
	msg_free(m);

	m = msg("SIP/2.0 404 Not Found\nVia: SIP/2.0/UDP 10.1.2.3;branch=z9hG4bK1\nFrom: <sip:a@b>;tag=1\n"
	        "To: <sip:c@d>;tag=2\nCall-ID: c1\nCSeq: 7 BYE\nContent-Length: 0\n\n");
	CHECK(cmp(F_METHOD, EQ, S("BYE")), "method in a reply is the CSeq method");
	CHECK(cmp(PV_F_STATUS, EQ, S("404")), "status == \"404\"");
	CHECK(cmp(PV_F_STATUS, EQ, I(404)), "status == 404");
	CHECK(cmp(PV_F_STATUS, RE, S("^4")), "status =~ \"^4\"");
	CHECK(cmp(PV_F_STATUS, GE, I(400)), "status >= 400");
	CHECK(!cmp(F_URI, EQ, S("")), "a reply has no uri");
	msg_free(m);
	pv_worker_done();
	return summary();
}
