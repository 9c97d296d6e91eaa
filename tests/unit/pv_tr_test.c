/* pv_tr_test.c: transformations (kamailio-language.md 6.4) and formats:
 * every s.* uri.* param.* nameaddr.* tobody.* subtype routec runs, on
 * values set in $var, with the verified examples of the reference, and
 * pv-formats ($$, every spec form, "<null>"). */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static rc_msg_t *m;

static void tr(const char *value, const char *spec, const char *want)
{
	char what[512];
	set(m, "$var(x)", S(value));
	snprintf(what, sizeof what, "%s of \"%s\" is %s", spec, value, want);
	check_cstr(show(get(m, spec)), want, what, __FILE__, __LINE__);
}

static void tri(int value, const char *spec, const char *want)
{
	char what[512];
	set(m, "$var(x)", I(value));
	snprintf(what, sizeof what, "%s of %d is %s", spec, value, want);
	check_cstr(show(get(m, spec)), want, what, __FILE__, __LINE__);
}

static void strings(void)
{
	tr("12345", "$(var(x){s.substr,1,0})", "2345"); /* verified */
	tr("12345", "$(var(x){s.substr,1,2})", "23");
	tr("12345", "$(var(x){s.substr,-2,0})", "45");
	tr("12345", "$(var(x){s.substr,-4,2})", "23");
	tr("12345", "$(var(x){s.substr,0,9})", "12345");
	tr("12345", "$(var(x){s.substr,5,1})", "<null>");
	tr("12345", "$(var(x){s.substr,-6,1})", "<null>");
	tr("abcdef", "$(var(x){s.len})", "i:6");
	tri(12345, "$(var(x){s.len})", "i:5");
	tr("", "$(var(x){s.len})", "i:0");
	tr("42", "$(var(x){s.int})", "i:42");
	tr("12abc", "$(var(x){s.int})", "<null>");
	tr("abc", "$(var(x){s.md5})", "900150983cd24fb0d6963f7d28e17f72");
	tr("", "$(var(x){s.md5})", "d41d8cd98f00b204e9800998ecf8427e");
	tr("The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.",
	   "$(var(x){s.md5})", "f168d89e05b664041ee6745f050caa4b"); /* > 64 bytes: two blocks */
	tr("MiXeD1", "$(var(x){s.tolower})", "mixed1");
	tr("MiXeD1", "$(var(x){s.toupper})", "MIXED1");
	tr("+1 (555) 12-34", "$(var(x){s.numeric})", "15551234");
	tr("  a b \t", "$(var(x){s.trim})", "a b");
	tr("  a b \t", "$(var(x){s.ltrim})", "a b \t");
	tr("  a b \t", "$(var(x){s.rtrim})", "  a b");
	tr("a,b,c", "$(var(x){s.select,1,,})", "b");
	tr("a,b,c", "$(var(x){s.select,0,,})", "a");
	tr("a,b,c", "$(var(x){s.select,-1,,})", "c");
	tr("a,b,c", "$(var(x){s.select,-3,,})", "a");
	tr("a,b,c", "$(var(x){s.select,5,,})", "");
	tr("a;b;c", "$(var(x){s.select,2,;})", "c");
	tr("abcdef", "$(var(x){s.strip,2})", "cdef");
	tr("abcdef", "$(var(x){s.strip,9})", "");
	tr("abcdef", "$(var(x){s.striptail,2})", "abcd");
	tr("abc@def", "$(var(x){s.stripto,@})", "@def");
	tr("abcdef", "$(var(x){s.stripto,@})", "");
	tr("1234", "$(var(x){s.prefixes})", "1,12,123,1234");
	tr("1234", "$(var(x){s.prefixes,2})", "1,12");
	tr("123", "$(var(x){s.prefixes.quoted})", "'1','12','123'");
	tr("a-b-c", "$(var(x){s.replace,-,+})", "a+b+c");
	tr("aaa", "$(var(x){s.replace,aa,b})", "ba");
	tr("a-b-c", "$(var(x){s.replace,-,})", "abc");
	tr("a-b-c", "$(var(x){s.count,-})", "i:2");
	tr("user@host@x", "$(var(x){s.before,@})", "user");
	tr("user@host@x", "$(var(x){s.after,@})", "host@x");
	tr("user@host@x", "$(var(x){s.rbefore,@})", "user@host");
	tr("user@host@x", "$(var(x){s.rafter,@})", "x");
	tr("nouser", "$(var(x){s.before,@})", "nouser");
	tr("nouser", "$(var(x){s.after,@})", "");
	tr("a-b-c", "$(var(x){s.rm,-})", "abc");
	tr("Hi!", "$(var(x){s.encode.hexa})", "486921");
	tr("486921", "$(var(x){s.decode.hexa})", "Hi!");
	tr("48zz", "$(var(x){s.decode.hexa})", "<null>");
	tr("Hello", "$(var(x){s.encode.base64})", "SGVsbG8=");
	tr("SGVsbG8=", "$(var(x){s.decode.base64})", "Hello");
	tr("SGk=", "$(var(x){s.decode.base64})", "Hi");
	tr("SGVsbG8", "$(var(x){s.decode.base64})", "<null>");
	tr("it's \"q\"\\", "$(var(x){s.escape.common})", "it\\'s \\\"q\\\"\\\\");
	tr("it\\'s \\\"q\\\"\\\\", "$(var(x){s.unescape.common})", "it's \"q\"\\");
	tr("a b@c;d", "$(var(x){s.escape.user})", "a%20b%40c;d");
	tr("a%20b%40c", "$(var(x){s.unescape.user})", "a b@c");
	tr("a b;c=d", "$(var(x){s.escape.param})", "a%20b%3bc%3dd");
	tr("a%3Bb", "$(var(x){s.unescape.param})", "a;b");
	tr("a%3", "$(var(x){s.unescape.param})", "<null>");
	tr("\"quoted\"", "$(var(x){s.unquote})", "quoted");
	tr("'q'", "$(var(x){s.unquote})", "q");
	tr("\"q'", "$(var(x){s.unquote})", "\"q'");
	tr("<sip:a@b>", "$(var(x){s.unbracket})", "sip:a@b");
	tr("[x]", "$(var(x){s.unbracket})", "x");
	tr("(x]", "$(var(x){s.unbracket})", "(x]");
	/* parameters given as pseudo-variables */
	set(m, "$var(off)", I(2));
	set(m, "$var(len)", I(3));
	tr("abcdefg", "$(var(x){s.substr,$var(off),$var(len)})", "cde");
	set(m, "$var(sep)", S("@"));
	tr("a@b", "$(var(x){s.before,$var(sep)})", "a");
	/* chains, left to right */
	tr("sip:Alice@Example.COM:5070", "$(var(x){uri.host}{s.toupper}{s.len})", "i:11"); /* verified form */
	tr("  ABC  ", "$(var(x){s.trim}{s.tolower}{s.md5}{s.substr,0,4})", "9001");
	tr("a,b", "$(var(x) {s.select,1,,})", "<null>"); /* a space is not a transformation */
	/* a transformation of null fails: the value is null */
	CHECK_PV(m, "$(hdr(X-None){s.len})", "<null>");
	CHECK_PV(m, "$(vn(never){s.len})", "<null>");
}

static void uris(void)
{
	const char *u = "sip:alice:pw@atlanta.com:5070;transport=tcp;maddr=10.0.0.1;ttl=5;user=phone;method=INVITE;lr;x=1?subject=hi";
	tr(u, "$(var(x){uri.user})", "alice");
	tr(u, "$(var(x){uri.host})", "atlanta.com");
	tr(u, "$(var(x){uri.domain})", "atlanta.com");
	tr(u, "$(var(x){uri.passwd})", "pw");
	tr(u, "$(var(x){uri.port})", "i:5070");
	tr(u, "$(var(x){uri.params})", "transport=tcp;maddr=10.0.0.1;ttl=5;user=phone;method=INVITE;lr;x=1");
	tr(u, "$(var(x){uri.param,x})", "1");
	tr(u, "$(var(x){uri.param,nope})", "");
	tr(u, "$(var(x){uri.headers})", "subject=hi");
	tr(u, "$(var(x){uri.transport})", "tcp");
	tr(u, "$(var(x){uri.ttl})", "5");
	tr(u, "$(var(x){uri.uparam})", "phone");
	tr(u, "$(var(x){uri.maddr})", "10.0.0.1");
	tr(u, "$(var(x){uri.method})", "INVITE");
	tr(u, "$(var(x){uri.lr})", "");
	tr(u, "$(var(x){uri.scheme})", "sip");
	tr(u, "$(var(x){uri.duri})", "sip:atlanta.com:5070;transport=tcp");
	tr(u, "$(var(x){uri.saor})", "sip:alice@atlanta.com");
	tr(u, "$(var(x){uri.suri})", "sip:alice@atlanta.com:5070;transport=tcp");
	tr("sip:bob@biloxi.com", "$(var(x){uri.port})", "");
	tr("sips:bob@biloxi.com", "$(var(x){uri.scheme})", "sips");
	tr("sip:bob@[2001:db8::1]:5060", "$(var(x){uri.host})", "2001:db8::1");
	tr("sip:bob@[2001:db8::1]:5060", "$(var(x){uri.duri})", "sip:[2001:db8::1]:5060");
	tr("sip:bob@biloxi.com;", "$(var(x){uri.user})", "bob"); /* trailing ';' tolerated */
	tr("not a uri", "$(var(x){uri.user})", "<null>");
	tr("", "$(var(x){uri.user})", "<null>");
	/* $(ru{uri.user}) form */
	CHECK_PV(m, "$(ru{uri.user})", "bob");
	CHECK_PV(m, "$(ru{uri.port})", "i:5080");
}

static void params(void)
{
	tr("a=1;b=2;c", "$(var(x){param.value,b})", "2"); /* verified form */
	tr("a=1;b=2;c", "$(var(x){param.value,B})", "2");
	tr("a=1;b=2;c", "$(var(x){param.value,c})", "");
	tr("a=1;b=2;c", "$(var(x){param.value,d})", "");
	tr("a=1;b=2;c", "$(var(x){param.in,c})", "i:1");
	tr("a=1;b=2;c", "$(var(x){param.in,d})", "i:0");
	tr("a=1;b=2;c", "$(var(x){param.count})", "i:3");
	tr("a=1;b=2;c", "$(var(x){param.name,1})", "b");
	tr("a=1;b=2;c", "$(var(x){param.valueat,0})", "1");
	tr("a=1;b=2;c", "$(var(x){param.name,-1})", "c");
	tr("a=1;b=2;c", "$(var(x){param.name,7})", "");
	tr(" a = 1 ; b=\"x;y\"", "$(var(x){param.value,b})", "\"x;y\"");
	tr(" a = 1 ; b=2", "$(var(x){param.value,a})", "1");
	tr("a=1,b=2", "$(var(x){param.value,b,,})", "2");
	tr("a=1,b=2", "$(var(x){param.count,,})", "i:2");
	tr(";lr;ftag=abc", "$(var(x){param.value,ftag})", "abc");
}

static void nameaddrs(void)
{
	const char *na = "\"Alice A\" <sip:alice@atlanta.com>;tag=99;x=1";
	tr(na, "$(var(x){nameaddr.name})", "\"Alice A\"");
	tr(na, "$(var(x){nameaddr.uri})", "sip:alice@atlanta.com");
	tr(na, "$(var(x){nameaddr.len})", "i:33");
	tr("sip:bob@biloxi.com", "$(var(x){nameaddr.uri})", "sip:bob@biloxi.com");
	tr("sip:bob@biloxi.com", "$(var(x){nameaddr.name})", "");
	tr(na, "$(var(x){tobody.uri})", "sip:alice@atlanta.com");
	tr(na, "$(var(x){tobody.tag})", "99");
	tr(na, "$(var(x){tobody.user})", "alice");
	tr(na, "$(var(x){tobody.host})", "atlanta.com");
	tr(na, "$(var(x){tobody.display})", "\"Alice A\"");
	tr(na, "$(var(x){tobody.params})", "tag=99;x=1");
	tr("<sip:bob@biloxi.com>", "$(var(x){tobody.tag})", "");
	tr("garbage <", "$(var(x){tobody.uri})", "<null>");
	CHECK_PV(m, "$(hdr(From){tobody.tag})", "1928301774");
	CHECK_PV(m, "$(hdr(From){nameaddr.uri}{uri.user})", "alice");
}

static void formats(void)
{
	rc_fmt *f;
	set(m, "$var(n)", I(7));
	f = rc_fmt_prepare(G(), "from $fu to $(tu{uri.user}) n=$var(n)", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "from sip:alice@atlanta.com to bob n=7", "a format with pvs");
	f = rc_fmt_prepare(G(), "cost: $$5 and $$$var(n)", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "cost: $5 and $7", "$$ is a literal $");
	f = rc_fmt_prepare(G(), "tag=$tt;", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "tag=<null>;", "a null prints <null>");
	f = rc_fmt_prepare(G(), "[$(hdr(X-None){s.len})]", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "[]", "a failed transformation prints nothing (pv_printf skips it)");
	set(m, "$var(bad)", S("12abc"));
	f = rc_fmt_prepare(G(), "[$(var(bad){s.int})]", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "[]", "s.int of non-numeric text fails: prints nothing");
	f = rc_fmt_prepare(G(), "$hdr(Call-ID)$ci", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "a84b4c76@h1a84b4c76@h1", "adjacent pvs");
	f = rc_fmt_prepare(G(), "plain text", -1, "t:1:1");
	rc_str c;
	CHECK(pv_fmt_const(f, &c) && c.len == 10, "a format without pvs is constant");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "plain text", "constant format text");
	f = rc_fmt_prepare(G(), "", 0, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "", "empty format");
	CHECK(rc_fmt_prepare(G(), "bad $nosuch here", -1, "t:1:1") == NULL, "a format with an unknown pv fails");
	CHECK(rc_fmt_prepare(G(), "trailing $", -1, "t:1:1") == NULL, "a lone '$' fails, as in Kamailio");
	CHECK(rc_fmt_prepare(G(), "$fU.", -1, "t:1:1") == NULL, "'$fU.' fails, as in Kamailio");
	f = rc_fmt_prepare(G(), "$rm $(ru{uri.host}) $(hdr(v)[1]{s.select,0, })", -1, "t:1:1");
	CHECK_STR(rc_fmt_eval(m, m->ctx, f), "INVITE example.com SIP/2.0/UDP", "several spec forms in one format");
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	m = msg("INVITE sip:bob@example.com:5080 SIP/2.0\n"
	        "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\n"
	        "v: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\n"
	        "From: \"Alice\" <sip:alice@atlanta.com>;tag=1928301774\n"
	        "To: <sip:bob@biloxi.com>\n"
	        "Call-ID: a84b4c76@h1\n"
	        "CSeq: 1 INVITE\n"
	        "Content-Length: 0\n\n");
	strings();
	uris();
	params();
	nameaddrs();
	formats();
	msg_free(m);
	pv_worker_done();
	return summary();
}
