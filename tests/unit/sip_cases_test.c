/* sip_cases_test.c: the SIP message corpus, and sip_parse over all of it.
 *
 * The corpus is our own rendering of RFC 4475's torture tests (the section
 * each case follows is named) plus edge cases of our parser: every case is a
 * datagram and the code sip_parse must return.  Each case is parsed from a
 * buffer that ends exactly at a PROT_NONE page (picohttpparser's trick), so
 * a read past the end faults; then every on-demand parser is run on it, and
 * every span checked to lie inside the message.
 *
 * This file is also the shared part of the SIP unit tests: sip_msg_test.c,
 * sip_lump_test.c, sip_build_test.c and sip_osip_test.c define
 * SIP_CASES_NO_MAIN and #include it for the harness (CHECK...), the corpus
 * (sip_cases[], sip_case()) and t_parse, through which every test parses a
 * message it expects to be valid: sip_osip_test.c hooks it to collect every
 * message the SIP tests parse and compares libosip2's reading of each.
 */
/* build: runtime/sip/msg.c runtime/sip/hf.c runtime/sip/uri.c */
#ifndef SIP_CASES_TEST_C
#define SIP_CASES_TEST_C
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sip/msg.h"

/* ---- harness -------------------------------------------------------------------- */

/* Not every program that includes this file uses every helper. */
#define T_SHARED __attribute__((unused))

static int t_pass, t_fail;
static int t_quiet; /* checks neither print nor count (sip_osip_test.c) */

static void t_report(int ok, const char *file, int line, const char *name, const char *fmt, ...)
{
	if (t_quiet)
		return;
	if (ok) {
		t_pass++;
		printf("ok - %s\n", name);
		return;
	}
	t_fail++;
	printf("FAIL %s:%d: %s: ", file, line, name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

T_SHARED static void t_int(long long got, long long want, const char *file, int line, const char *name)
{
	t_report(got == want, file, line, name, "got %lld, want %lld", got, want);
}

T_SHARED static void t_span(sip_str got, const char *want, const char *file, int line, const char *name)
{
	int ok = want ? got.s && got.len == (int)strlen(want) && !memcmp(got.s, want, (size_t)got.len)
	              : got.s == NULL;
	t_report(ok, file, line, name, "got \"%.*s\"%s, want \"%s\"", got.s ? got.len : 0,
	         got.s ? got.s : "", got.s ? "" : " (absent)", want ? want : "(absent)");
}

T_SHARED static void t_mem(const char *got, int got_len, const char *want, int want_len, const char *file, int line,
                  const char *name)
{
	int ok = got_len == want_len && (got_len <= 0 || !memcmp(got, want, (size_t)got_len));
	t_report(ok, file, line, name, "got (%d bytes)\n%.*s\n--- want (%d bytes)\n%.*s", got_len,
	         got_len > 0 ? got_len : 0, got ? got : "", want_len, want_len, want);
}

static int t_summary(void)
{
	if (t_quiet)
		return 0;
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#define CHECK(cond, name) t_report(!!(cond), __FILE__, __LINE__, name, "%s is false", #cond)
#define CHECK_INT(got, want, name) t_int((long long)(got), (long long)(want), __FILE__, __LINE__, name)
#define CHECK_SPAN(got, want, name) t_span((got), (want), __FILE__, __LINE__, name)
#define CHECK_MEM(got, gl, want, wl, name) t_mem((got), (gl), (want), (wl), __FILE__, __LINE__, name)

/* A copy of buf[0..len) that ends where an unreadable page begins.  The
 * previous copy is unmapped. */
T_SHARED static const char *guarded(const char *buf, size_t len)
{
	static char *map;
	static size_t map_len;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data = (len + page - 1) / page * page;
	if (map)
		munmap(map, map_len);
	map_len = data + page;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + data, page, PROT_NONE) != 0) {
		perror("guarded");
		exit(2);
	}
	char *p = map + data - len;
	if (len)
		memcpy(p, buf, len);
	return p;
}

/* ---- the corpus ------------------------------------------------------------------- */

struct sip_case {
	const char *name;
	const char *buf;
	size_t len;
	int rc; /* what sip_parse returns */
};

#define MSG(s) s, sizeof(s) - 1

/* A long header value and many headers, built at start-up (longreq). */
static char long_msg[24000];

static const struct sip_case sip_cases[] = {
	/* -- valid ------------------------------------------------------------------------- */
	{ "wsinv", /* 3.1.1.1: whitespace, folding, case, compact forms everywhere */
	  MSG("INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n"
	      "TO :\r\n"
	      " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
	      "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
	      "  ;\r\n"
	      "  tag = 98asjd8\r\n"
	      "MaX-fOrWaRdS: 0068\r\n"
	      "Call-ID: wsinv.ndaksdj@192.0.2.1\r\n"
	      "Content-Length   : 150\r\n"
	      "cseq: 0009\r\n"
	      "  INVITE\r\n"
	      "Via  : SIP  /   2.0\r\n"
	      " /UDP\r\n"
	      "    192.0.2.2;branch=390skdjuw\r\n"
	      "s :\r\n"
	      "NewFangledHeader:   newfangled value\r\n"
	      " continued newfangled value\r\n"
	      "UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
	      "Content-Type: application/sdp\r\n"
	      "Route:\r\n"
	      " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n"
	      "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n"
	      "  branch  =   z9hG4bK9ikj8  ,\r\n"
	      " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
	      " z9hG4bK30239\r\n"
	      "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
	      "      newvalue ;\r\n"
	      "  secondparam ; q = 0.33\r\n"
	      "\r\n"
	      "v=0\r\n"
	      "o=mhandley 29739 7272939 IN IP4 192.0.2.3\r\n"
	      "s=-\r\n"
	      "c=IN IP4 192.0.2.4\r\n"
	      "t=0 0\r\n"
	      "m=audio 49217 RTP/AVP 0 12\r\n"
	      "m=video 3227 RTP/AVP 31\r\n"
	      "a=rtpmap:31 LPC\r\n"),
	  0 },
	{ "intmeth", /* 3.1.1.2: every token character, quoted-pairs of BEL NUL DEL */
	  MSG("!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
	      ":&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
	      "To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
	      "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
	      "\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.\r\n"
	      "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
	      "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
	      "Max-Forwards: 255\r\n"
	      "extensionHeader-!.%*+_`'~:\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "esc01", /* 3.1.1.3: escapes in the Request-URI, To and Contact */
	  MSG("INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
	      "To: sip:%75se%72@example.com\r\n"
	      "From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
	      "Max-Forwards: 87\r\n"
	      "i: esc01.239409asdfakjkn23onasd0-3234\r\n"
	      "CSeq: 234234 INVITE\r\n"
	      "Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n"
	      "C: application/sdp\r\n"
	      "Contact:\r\n"
	      "  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n"
	      "Content-Length: 10\r\n"
	      "\r\n"
	      "v=0\r\ns=-\r\n"),
	  0 },
	{ "escnull", /* 3.1.1.4: an escaped NUL in a user part */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "To: sip:null-%00-null@example.com\r\n"
	      "From: sip:null-%00-null@example.com;tag=839923423\r\n"
	      "Max-Forwards: 70\r\n"
	      "Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\r\n"
	      "CSeq: 14398234 REGISTER\r\n"
	      "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
	      "Contact: <sip:%00@host5.example.com>\r\n"
	      "Contact: <sip:%00%00@host5.example.com>\r\n"
	      "L:0\r\n"
	      "\r\n"),
	  0 },
	{ "esc02", /* 3.1.1.5: escapes in URI headers and parameters */
	  MSG("RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
	      "To: \"%Z%45\" <sip:resource@example.com>\r\n"
	      "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
	      "Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\r\n"
	      "Via: SIP/2.0/TCP host.example.com;rport;branch=z9hG4bK209%fzsnel234\r\n"
	      "CSeq: 29344 RE%47IST%45R\r\n"
	      "Max-Forwards: 70\r\n"
	      "Contact: <sip:alias1@host1.example.com>\r\n"
	      "C%6Fntact: <sip:alias2@host2.example.com>\r\n"
	      "Contact: <sip:alias3@host3.example.com>\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "lwsdisp", /* 3.1.1.6: no LWS between display name and < */
	  MSG("OPTIONS sip:user@example.com SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: caller<sip:caller@example.com>;tag=323\r\n"
	      "Max-Forwards: 70\r\n"
	      "Call-ID: lwsdisp.1234abcd@funky.example.com\r\n"
	      "CSeq: 60 OPTIONS\r\n"
	      "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "dblreq", /* 3.1.1.8: a second message after Content-Length is ignored */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "To: sip:j.user@example.com\r\n"
	      "From: sip:j.user@example.com;tag=43251j3j324\r\n"
	      "Max-Forwards: 8\r\n"
	      "I: dblreq.0ha0isndaksdj99sdfafnl3lk233412\r\n"
	      "Contact: sip:j.user@host.example.com\r\n"
	      "CSeq: 8 REGISTER\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKon23nnsd\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"
	      "INVITE sip:joe@example.com SIP/2.0\r\n"
	      "t: sip:joe@example.com\r\n"
	      "From: sip:caller@example.net;tag=141334\r\n"
	      "\r\n"),
	  0 },
	{ "semiuri", /* 3.1.1.9: ';' in the user part */
	  MSG("OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\n"
	      "To: sip:j_user@example.com\r\n"
	      "From: sip:caller@example.org;tag=33242\r\n"
	      "Max-Forwards: 3\r\n"
	      "Call-ID: semiuri.0ha0isndaksdj\r\n"
	      "CSeq: 8 OPTIONS\r\n"
	      "Accept: application/sdp, application/pkcs7-mime,\r\n"
	      "        multipart/mixed, multipart/signed,\r\n"
	      "        message/sip, message/sipfrag\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKkdjuw\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "transports", /* 3.1.1.10: Via transports, across headers and lists */
	  MSG("OPTIONS sip:user@example.com SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: <sip:caller@example.com>;tag=323\r\n"
	      "Max-Forwards: 70\r\n"
	      "Call-ID:  transports.kijh4akdnaqjkwendsasfdj\r\n"
	      "Accept: application/sdp\r\n"
	      "CSeq: 60 OPTIONS\r\n"
	      "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\r\n"
	      "Via: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
	      "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
	      "Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
	      "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "mpart01", /* 3.1.1.11: a multipart body with binary bytes, NUL included */
	  MSG("MESSAGE sip:kumiko@example.org SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-;rport\r\n"
	      "Max-Forwards: 70\r\n"
	      "Route: <sip:127.0.0.1:5080>\r\n"
	      "Identity: r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8UeXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA=\r\n"
	      "Contact: <sip:fluffy@127.0.0.1:5070>\r\n"
	      "To: <sip:kumiko@example.org>\r\n"
	      "From: <sip:fluffy@example.com>;tag=2fb0dcc9\r\n"
	      "Call-ID: 3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..\r\n"
	      "CSeq: 1 MESSAGE\r\n"
	      "Content-Transfer-Encoding: binary\r\n"
	      "Content-Type: multipart/mixed;boundary=7a9cbec02ceef655\r\n"
	      "Date: Sat, 15 Oct 2005 04:44:56 GMT\r\n"
	      "User-Agent: SIPimp.org/0.2.5 (curses)\r\n"
	      "Content-Length: 92\r\n"
	      "\r\n"
	      "--7a9cbec02ceef655\r\n"
	      "Content-Type: application/octet-stream\r\n"
	      "\r\n"
	      "\x30\x82\x00\x01\xff\xfe\r\n"
	      "--7a9cbec02ceef655--\r\n"),
	  0 },
	{ "unreason", /* 3.1.1.12: a UTF-8 reason phrase */
	  MSG("SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe"
	      " \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb5\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\n"
	      "Call-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
	      "CSeq: 35 INVITE\r\n"
	      "From: sip:user@example.com;tag=11141343\r\n"
	      "To: sip:user@example.edu;tag=2229\r\n"
	      "Content-Length: 0\r\n"
	      "Contact: <sip:user@host198.example.com>\r\n"
	      "\r\n"),
	  0 },
	{ "noreason", /* 3.1.1.13: an empty reason phrase */
	  MSG("SIP/2.0 100 \r\n"
	      "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
	      "Call-ID: noreason.asndj203insdf99223ndf\r\n"
	      "CSeq: 35 INVITE\r\n"
	      "From: <sip:user@example.com>;tag=39ansfi3\r\n"
	      "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
	      "Content-Length: 0\r\n"
	      "Contact: <sip:user@host105.example.com>\r\n"
	      "\r\n"),
	  0 },
	{ "unkscm", /* 3.1.2.? (valid): unknown scheme in the Request-URI */
	  MSG("OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=384\r\n"
	      "Max-Forwards: 3\r\n"
	      "Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\r\n"
	      "CSeq: 3923423 OPTIONS\r\n"
	      "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "novelsc", /* 3.1.2.? (valid): a novel scheme with // */
	  MSG("OPTIONS soap.beep://192.0.2.103:3002 SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=384\r\n"
	      "Max-Forwards: 3\r\n"
	      "Call-ID: novelsc.asdfasser0q239nwsdfasdkl34\r\n"
	      "CSeq: 3923423 OPTIONS\r\n"
	      "Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "zeromf", /* 3.1.1.? Max-Forwards: 0 is valid */
	  MSG("OPTIONS sip:user@example.com SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=3ghsd41\r\n"
	      "Call-ID: zeromf.jfasdlfnm2o2l43r5u0asdfas\r\n"
	      "CSeq: 39234321 OPTIONS\r\n"
	      "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw2349i\r\n"
	      "Max-Forwards: 0\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "cparam01", /* 3.1.1.? Contact parameters */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP saturn.example.com:5060;branch=z9hG4bKkdjuw\r\n"
	      "Max-Forwards: 70\r\n"
	      "From: sip:watson@example.com;tag=DkfVgjkrtMwaerKKpe\r\n"
	      "To: sip:watson@example.com\r\n"
	      "Call-ID: cparam01.70710@saturn.example.com\r\n"
	      "CSeq: 2 REGISTER\r\n"
	      "Contact: sip:+19725552222@gw1.example.net;unknownparam\r\n"
	      "Contact: <sip:+19725552222@gw1.example.net;transport=udp>;expires=3600;q=0.8,\r\n"
	      " \"Mr. Watson\" <sips:watson@[2001:db8::9:1]:5061>;q=1.0;expires=4294967296\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "regescrt", /* 3.1.1.? escaped Route header in a Contact URI */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:user@example.com;tag=8\r\n"
	      "Max-Forwards: 70\r\n"
	      "Call-ID: regescrt.k345asrl3fdbv@192.0.2.1\r\n"
	      "CSeq: 14398234 REGISTER\r\n"
	      "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\r\n"
	      "M: <sip:user@example.com?Route=%3Csip:sip.example.com%3E>\r\n"
	      "L:0\r\n"
	      "\r\n"),
	  0 },
	{ "inv2543", /* 3.1.1.? an RFC 2543 INVITE: no branch, no tag */
	  MSG("INVITE sip:UserB@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP iftgw.example.com\r\n"
	      "From: <sip:+13035551111@ift.client.example.net;user=phone>\r\n"
	      "Record-Route: <sip:UserB@example.com;maddr=ss1.example.com>\r\n"
	      "To: sip:+16505552222@ss1.example.net;user=phone\r\n"
	      "Call-ID: inv2543.1717@ift.client.example.com\r\n"
	      "CSeq: 56 INVITE\r\n"
	      "Content-Type: application/sdp\r\n"
	      "\r\n"
	      "v=0\r\n"
	      "o=mhandley 29739 7272939 IN IP4 192.0.2.5\r\n"
	      "s=-\r\n"
	      "c=IN IP4 192.0.2.5\r\n"
	      "t=0 0\r\n"
	      "m=audio 49217 RTP/AVP 0\r\n"),
	  0 },
	{ "barelf", /* bare LF line ends, a folded header, no Content-Length */
	  MSG("BYE sip:bob@192.0.2.4 SIP/2.0\n"
	      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds7,\n"
	      " SIP/2.0/UDP bigbox3.site3.example.com;branch=z9hG4bK77ef4c2312983.1\n"
	      "Max-Forwards: 70\n"
	      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
	      "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
	      "Call-ID: a84b4c76e66710\n"
	      "CSeq: 231 BYE\n"
	      "\n"),
	  0 },
	{ "mixedeol", /* CRLF and LF mixed, keep-alive CRLFs first */
	  MSG("\r\n\r\nACK sip:bob@192.0.2.4 SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\n"
	      "Max-Forwards: 70\r\n"
	      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
	      "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
	      "Call-ID: a84b4c76e66710\n"
	      "CSeq: 314159 ACK\r\n"
	      "Content-Length: 4\n"
	      "\n"
	      "body"),
	  0 },
	{ "compact", /* every compact form */
	  MSG("SUBSCRIBE sip:presence@example.com SIP/2.0\r\n"
	      "v: SIP/2.0/UDP 192.0.2.7:5062;rport;branch=z9hG4bK.compact\r\n"
	      "f: <sip:watcher@example.com>;tag=a1\r\n"
	      "t: <sip:presence@example.com>\r\n"
	      "i: compact-1@192.0.2.7\r\n"
	      "CSeq: 1 SUBSCRIBE\r\n"
	      "m: <sip:watcher@192.0.2.7:5062>\r\n"
	      "o: presence\r\n"
	      "u: presence, dialog\r\n"
	      "k: eventlist\r\n"
	      "s: compact forms\r\n"
	      "a: *;+sip.automata\r\n"
	      "j: *;actor=\"msg-taker\"\r\n"
	      "d: proxy\r\n"
	      "r: <sip:target@example.com>\r\n"
	      "b: <sip:referrer@example.com>\r\n"
	      "x: 1800;refresher=uac\r\n"
	      "y: abcdef\r\n"
	      "n: <https://example.com/cert>;alg=rsa-sha1\r\n"
	      "e: gzip\r\n"
	      "c: text/plain\r\n"
	      "l: 2\r\n"
	      "\r\n"
	      "hi"),
	  0 },
	{ "star", /* REGISTER with Contact: * */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/TCP [2001:db8::7]:5060;branch=z9hG4bK776asdhds;received=2001:db8::99\r\n"
	      "Max-Forwards: 70\r\n"
	      "To: Bob <sip:bob@example.com>\r\n"
	      "From: Bob <sip:bob@example.com>;tag=456248\r\n"
	      "Call-ID: 843817637684230@998sdasdh09\r\n"
	      "CSeq: 1826 REGISTER\r\n"
	      "Contact: *\r\n"
	      "Expires: 0\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "vialist", /* Via values across headers, in lists, in every spelling */
	  MSG("SIP/2.0 180 Ringing\r\n"
	      "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/UDP b.example.com:5070;branch=z9hG4bKb\r\n"
	      "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
	      "v: SIP/2.0/TCP c.example.com;branch=z9hG4bKc;received=192.0.2.3;rport=5071\r\n"
	      "VIA: SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKd;maddr=224.2.0.1;ttl=16\r\n"
	      "Record-Route: <sip:p3.example.com;lr>\r\n"
	      "From: <sip:a@example.com>;tag=1\r\n"
	      "To: <sip:b@example.com>;tag=2\r\n"
	      "Call-ID: vialist@example.com\r\n"
	      "CSeq: 7 INVITE\r\n"
	      "Contact: <sip:b@192.0.2.9>\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "insuf", /* 3.1.2.? missing required headers: parses, getters say absent */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "CSeq: 193942 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
	      "Content-Type: application/sdp\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "badinv01", /* 3.1.2.1: empty Via parameters: parses, the Via does not */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "To: sip:j.user@example.com\r\n"
	      "From: sip:caller@example.net;tag=134161461246\r\n"
	      "Max-Forwards: 7\r\n"
	      "Call-ID: badinv01.0ha0isndaksdjasdf3234nas\r\n"
	      "CSeq: 8 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.15;;,;,,\r\n"
	      "Contact: \"Joe\" <sip:joe@example.org>;;;;\r\n"
	      "Content-Length: 0\r\n"
	      "Content-Type: application/sdp\r\n"
	      "\r\n"),
	  0 },
	{ "scalar02", /* 3.1.2.3: overlarge scalars: parses, the getters refuse */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/TCP host129.example.com;branch=z9hG4bK342sdfoi3\r\n"
	      "To: <sip:user@example.com>\r\n"
	      "From: <sip:user@example.com>;tag=239232jh3\r\n"
	      "CSeq: 36893488147419103232 REGISTER\r\n"
	      "Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32\r\n"
	      "Max-Forwards: 300\r\n"
	      "Expires: 1000000000000000000000000000000000000000000000000000000000000\r\n"
	      "Contact: <sip:user@host129.example.com>\r\n"
	      "  ;expires=280297596632815\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "quotbal", /* 3.1.2.? unterminated quote: parses, To does not */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "To: \"Mr. J. User <sip:j.user@example.com>\r\n"
	      "From: sip:caller@example.net;tag=93334\r\n"
	      "Max-Forwards: 10\r\n"
	      "Call-ID: quotbal.aksdj\r\n"
	      "Contact: <sip:caller@host59.example.net>\r\n"
	      "CSeq: 8 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "badaspec", /* 3.1.2.? spaces inside < >, comma in a display name */
	  MSG("OPTIONS sip:user@example.org SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP host4.example.com:5060;branch=z9hG4bKkdju43234\r\n"
	      "Max-Forwards: 70\r\n"
	      "From: Bell, Alexander <sip:a.g.bell@example.com>;tag=433423\r\n"
	      "To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n"
	      "Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3\r\n"
	      "Accept: application/sdp\r\n"
	      "CSeq: 3923239 OPTIONS\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "regbadct", /* 3.1.2.? a URI with '?' outside < > in Contact */
	  MSG("REGISTER sip:example.com SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:user@example.com;tag=998332\r\n"
	      "Max-Forwards: 70\r\n"
	      "Call-ID: regbadct.k345asrl3fdbv@10.0.0.1\r\n"
	      "CSeq: 1 REGISTER\r\n"
	      "Via: SIP/2.0/UDP 135.180.130.133:5060;branch=z9hG4bKkdjuw\r\n"
	      "Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "multi01", /* 3.1.2.? two To, two Call-ID: parses, the getters refuse */
	  MSG("INVITE sip:user@company.com SIP/2.0\r\n"
	      "Contact: <sip:caller@host25.example.net>\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.25;branch=z9hG4bKkdjuw\r\n"
	      "Max-Forwards: 70\r\n"
	      "CSeq: 5 INVITE\r\n"
	      "Call-ID: multi01.98asdh@192.0.2.1\r\n"
	      "CSeq: 59 INVITE\r\n"
	      "Call-ID: multi01.98asdh@192.0.2.2\r\n"
	      "From: sip:caller@example.com;tag=3413415\r\n"
	      "To: sip:user@example.com\r\n"
	      "To: sip:other@example.net\r\n"
	      "From: sip:caller@example.net;tag=2923420123\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "badvers", /* 3.1.2.? SIP/7.0: parses (the caller answers 505) */
	  MSG("OPTIONS sip:t.watson@example.org SIP/7.0\r\n"
	      "Via:     SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw\r\n"
	      "Max-Forwards:     70\r\n"
	      "From:    A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe\r\n"
	      "To:      T. Watson <sip:t.watson@example.org>\r\n"
	      "Call-ID: badvers.31417@c.example.com\r\n"
	      "CSeq:    1 OPTIONS\r\n"
	      "l: 0\r\n"
	      "\r\n"),
	  0 },
	{ "escruri", /* 3.1.2.? escaped headers in the Request-URI: parses */
	  MSG("INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=341518\r\n"
	      "Max-Forwards: 7\r\n"
	      "Contact: <sip:caller@host39923.example.net>\r\n"
	      "Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5\r\n"
	      "CSeq: 149209342 INVITE\r\n"
	      "Via: SIP/2.0/UDP host-of-the-caller.example.net;branch=z9hG4bKkdjuw\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "samecl", /* two Content-Length headers that agree */
	  MSG("MESSAGE sip:user@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK.samecl\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=1\r\n"
	      "Call-ID: samecl@192.0.2.1\r\n"
	      "CSeq: 1 MESSAGE\r\n"
	      "Content-Length: 3\r\n"
	      "l: 3\r\n"
	      "\r\n"
	      "abc"),
	  0 },
	{ "nul-value", /* NUL, TAB and a DEL in an unknown header's value */
	  MSG("OPTIONS sip:user@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK.nulv\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=1\r\n"
	      "Call-ID: nulv@192.0.2.1\r\n"
	      "CSeq: 1 OPTIONS\r\n"
	      "X-Binary: a\x00" "b\tc\x7f" "d\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  0 },
	{ "body-nocl", /* no Content-Length: the body is the rest of the datagram */
	  MSG("MESSAGE sip:user@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK.nocl\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=1\r\n"
	      "Call-ID: nocl@192.0.2.1\r\n"
	      "CSeq: 1 MESSAGE\r\n"
	      "Content-Type: text/plain\r\n"
	      "\r\n"
	      "hello\r\nworld"),
	  0 },
	{ "lowercase-version", /* "sip/2.0": ABNF literals are case-insensitive */
	  MSG("OPTIONS sip:user@example.com sip/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK.lcv\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=1\r\n"
	      "Call-ID: lcv@192.0.2.1\r\n"
	      "CSeq: 1 OPTIONS\r\n"
	      "\r\n"),
	  0 },
	{ "proxyreq", /* a plain INVITE through two proxies: the lump and reply tests' input */
	  MSG("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
	      "Max-Forwards: 70\r\n"
	      "Route: <sip:p1.example.com;lr>\r\n"
	      "Route: <sip:p2.example.com;lr>\r\n"
	      "To: Bob <sip:bob@biloxi.example.com>\r\n"
	      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
	      "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
	      "CSeq: 314159 INVITE\r\n"
	      "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
	      "Content-Type: application/sdp\r\n"
	      "Content-Length: 4\r\n"
	      "\r\n"
	      "v=0\n"),
	  0 },
	{ "longreq", NULL, 0, 0 },   /* 3.1.1.7: built by cases_init */
	{ "64hdrs", NULL, 0, 0 },    /* exactly SIP_MAX_HEADERS headers */

	/* -- invalid -------------------------------------------------------------------------- */
	{ "clerr", /* 3.1.2.? Content-Length larger than the message */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "Max-Forwards: 80\r\n"
	      "To: sip:j.user@example.com\r\n"
	      "From: sip:caller@example.net;tag=93942939o2\r\n"
	      "Contact: <sip:caller@hungry.example.net>\r\n"
	      "Call-ID: clerr.0ha0isndaksdjweiafasdk3\r\n"
	      "CSeq: 8 INVITE\r\n"
	      "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\r\n"
	      "Content-Type: application/sdp\r\n"
	      "Content-Length: 9999\r\n"
	      "\r\n"
	      "v=0\r\n"),
	  SIP_E_BODY_SHORT },
	{ "ncl", /* 3.1.2.? negative Content-Length */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "Max-Forwards: 254\r\n"
	      "To: sip:j.user@example.com\r\n"
	      "From: sip:caller@example.net;tag=32394234\r\n"
	      "Call-ID: ncl.0ha0isndaksdj2193423r542w35\r\n"
	      "CSeq: 0 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n"
	      "Content-Type: application/sdp\r\n"
	      "Content-Length: -999\r\n"
	      "\r\n"
	      "v=0\r\n"),
	  SIP_E_CLEN },
	{ "hugecl", /* a Content-Length with 30 digits */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n"
	      "Content-Length: 999999999999999999999999999999\r\n"
	      "\r\n"),
	  SIP_E_BODY_SHORT },
	{ "cl-junk", /* Content-Length: 12abc */
	  MSG("INVITE sip:user@example.com SIP/2.0\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.53;branch=z9hG4bKkdjuw\r\n"
	      "l: 12abc\r\n"
	      "\r\n"),
	  SIP_E_CLEN },
	{ "mcl01", /* 3.1.2.? Content-Length headers that disagree */
	  MSG("OPTIONS sip:user@example.com SIP/2.0\r\n"
	      "Call-ID: mcl01.fhn2323orihawfdoa3o4r52o3irsdf\r\n"
	      "CSeq: 15932 OPTIONS\r\n"
	      "From: sip:caller@example.com;tag=3413415\r\n"
	      "To: sip:user@example.com\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw\r\n"
	      "Max-Forwards: 70\r\n"
	      "Content-Length: 18\r\n"
	      "l: 59\r\n"
	      "\r\n"
	      "ab-cdefghijk-lmnop"),
	  SIP_E_CLEN_CONFLICT },
	{ "bigcode", /* 3.1.2.? a status code of 4294967301 */
	  MSG("SIP/2.0 4294967301 better not break the receiver\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
	      "Call-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n"
	      "CSeq: 353494 INVITE\r\n"
	      "From: <sip:user@example.com>;tag=39ansfi3\r\n"
	      "To: <sip:user@example.edu>;tag=902jndnke3\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  SIP_E_STATUS },
	{ "code099", MSG("SIP/2.0 099 Low\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"), SIP_E_STATUS },
	{ "code700", MSG("SIP/2.0 700 High\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"), SIP_E_STATUS },
	{ "code20x", MSG("SIP/2.0 20x Odd\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"), SIP_E_STATUS },
	{ "noreason-nosp", /* "SIP/2.0 180" without the SP before the (empty) reason */
	  MSG("SIP/2.0 180\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
	      "Call-ID: noreason2.asndj203insdf99223ndf\r\n"
	      "CSeq: 35 INVITE\r\n"
	      "\r\n"),
	  SIP_E_STATUS },
	{ "code-noreason-sp", MSG("SIP/2.0 200OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"), SIP_E_STATUS },
	{ "ltgtruri", /* 3.1.2.? the Request-URI in < > */
	  MSG("INVITE <sip:user@example.com> SIP/2.0\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=39291\r\n"
	      "Max-Forwards: 23\r\n"
	      "Call-ID: ltgtruri.1@192.0.2.5\r\n"
	      "CSeq: 1 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKkdjuw\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  SIP_E_RURI },
	{ "lwsruri", /* 3.1.2.? LWS inside the Request-URI */
	  MSG("INVITE sip:user@example.com; lr SIP/2.0\r\n"
	      "To: sip:user@example.com;tag=3xfe-9921883-z9f\r\n"
	      "From: sip:caller@example.net;tag=231413434\r\n"
	      "Max-Forwards: 5\r\n"
	      "Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423\r\n"
	      "CSeq: 2130706432 INVITE\r\n"
	      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKkdjuw2395\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  SIP_E_VERSION },
	{ "lwsstart", /* 3.1.2.? several SP between the Request-Line's elements */
	  MSG("INVITE  sip:user@example.com  SIP/2.0\r\n"
	      "Max-Forwards: 8\r\n"
	      "To: sip:user@example.com\r\n"
	      "From: sip:caller@example.net;tag=8814\r\n"
	      "Call-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com\r\n"
	      "CSeq: 1893884 INVITE\r\n"
	      "Via: SIP/2.0/UDP host1.example.com;branch=z9hG4bKkdjuw3923\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  SIP_E_RURI },
	{ "trws", /* 3.1.2.? trailing SP after the SIP version */
	  MSG("OPTIONS sip:remote-target@example.com SIP/2.0  \r\n"
	      "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK299342093\r\n"
	      "To: <sip:remote-target@example.com>\r\n"
	      "From: <sip:local-resource@example.com>;tag=329429089\r\n"
	      "Call-ID: trws.oicu34958239neffasdhr2345r\r\n"
	      "Accept: application/sdp\r\n"
	      "CSeq: 238923 OPTIONS\r\n"
	      "Max-Forwards: 70\r\n"
	      "Content-Length: 0\r\n"
	      "\r\n"),
	  SIP_E_VERSION },
	{ "version-short", MSG("OPTIONS sip:u@h SIP/2\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_VERSION },
	{ "version-http", MSG("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), SIP_E_RURI },
	{ "no-ruri-scheme", MSG("OPTIONS user@host SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_RURI },
	{ "method-nul", MSG("OPT\x00IONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_METHOD },
	{ "ruri-nul", MSG("OPTIONS sip:u@h\x00x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_RURI },
	{ "reason-nul", MSG("SIP/2.0 200 O\x00K\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_FIRST_LINE },
	{ "name-nul", MSG("OPTIONS sip:u@h SIP/2.0\r\nVi\x00" "a: SIP/2.0/UDP h\r\n\r\n"), SIP_E_HDR_NAME },
	{ "name-space", MSG("OPTIONS sip:u@h SIP/2.0\r\nCall ID: x\r\n\r\n"), SIP_E_HDR_NAME },
	{ "no-colon", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n"), SIP_E_HDR_NAME },
	{ "empty-name", MSG("OPTIONS sip:u@h SIP/2.0\r\n: value\r\n\r\n"), SIP_E_HDR_NAME },
	{ "fold-first", MSG("OPTIONS sip:u@h SIP/2.0\r\n folded: x\r\nVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_HDR_FOLD },
	{ "bare-cr-hdr", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\rX-Evil: 1\r\n\r\n"), SIP_E_HDR_CTL },
	{ "bare-cr-line", MSG("OPTIONS sip:u@h SIP/2.0\rVia: SIP/2.0/UDP h\r\n\r\n"), SIP_E_HDR_CTL },
	{ "bare-cr-end", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\rX"), SIP_E_HDR_CTL },
	{ "truncated-hdrs", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nTo: <sip:u@h>"), SIP_E_NO_END },
	{ "no-empty-line", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n"), SIP_E_NO_END },
	{ "cr-at-end", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r"), SIP_E_NO_END },
	{ "first-line-only", MSG("OPTIONS sip:u@h SIP/2.0"), SIP_E_NO_END },
	{ "name-at-end", MSG("OPTIONS sip:u@h SIP/2.0\r\nVia"), SIP_E_NO_END },
	{ "empty", MSG(""), SIP_E_EMPTY },
	{ "keepalive", MSG("\r\n\r\n"), SIP_E_EMPTY },
	{ "nul-only", MSG("\x00\x00\r\n\r\n"), SIP_E_METHOD },
	{ "65hdrs", NULL, 0, SIP_E_TOO_MANY_HEADERS },
};

#define N_CASES ((int)(sizeof sip_cases / sizeof sip_cases[0]))

/* The cases built at run time live in this copy of the table. */
static struct sip_case cases[N_CASES];

static void cases_init(void)
{
	memcpy(cases, sip_cases, sizeof cases);
	/* longreq: a 10 kB tag, 40 Route values in one header, a long Call-ID,
	   a 5 kB unknown header, 20 Via headers */
	char *p = long_msg, *e = long_msg + sizeof long_msg;
	p += snprintf(p, (size_t)(e - p), "INVITE sip:user@example.com SIP/2.0\r\nTo: \"I have a user name of ");
	for (int i = 0; i < 60; i++)
		p += snprintf(p, (size_t)(e - p), "extreme");
	p += snprintf(p, (size_t)(e - p), " proportion\" <sip:user@example.com:6000;unknownparam1=verylong");
	for (int i = 0; i < 100; i++)
		p += snprintf(p, (size_t)(e - p), "value");
	p += snprintf(p, (size_t)(e - p), ">\r\nF: sip:");
	for (int i = 0; i < 40; i++)
		p += snprintf(p, (size_t)(e - p), "amazinglylongcallername");
	p += snprintf(p, (size_t)(e - p), "@example.net;tag=12");
	for (int i = 0; i < 1000; i++)
		p += snprintf(p, (size_t)(e - p), "9");
	p += snprintf(p, (size_t)(e - p), "\r\nCall-ID: longreq.");
	for (int i = 0; i < 100; i++)
		p += snprintf(p, (size_t)(e - p), "onereallyreallyreallyreallylongcallid");
	p += snprintf(p, (size_t)(e - p), "\r\nCSeq: 3882340 INVITE\r\nRoute: ");
	for (int i = 0; i < 40; i++)
		p += snprintf(p, (size_t)(e - p), "%s<sip:sip%d.example.com;lr>", i ? ", " : "", i);
	p += snprintf(p, (size_t)(e - p), "\r\nUnknown-LongHeader: ");
	for (int i = 0; i < 500; i++)
		p += snprintf(p, (size_t)(e - p), "unknown-%03d,", i);
	p += snprintf(p, (size_t)(e - p), "end\r\n");
	for (int i = 0; i < 20; i++)
		p += snprintf(p, (size_t)(e - p), "Via: SIP/2.0/TCP sip%d.example.com:5060;branch=z9hG4bK.%d.x\r\n", 33 - i, i);
	p += snprintf(p, (size_t)(e - p), "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
	for (int i = 0; i < N_CASES; i++) {
		if (!strcmp(cases[i].name, "longreq")) {
			cases[i].buf = long_msg;
			cases[i].len = (size_t)(p - long_msg);
		}
	}
	/* 64hdrs / 65hdrs */
	static char h64[8192], h65[8192];
	char *q = h64;
	q += sprintf(q, "OPTIONS sip:u@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h.example.com;branch=z9hG4bK64\r\n");
	for (int i = 1; i < 64; i++)
		q += sprintf(q, "X-H%d: %d\r\n", i, i);
	size_t n64 = (size_t)(q - h64);
	memcpy(h65, h64, n64);
	q = h65 + n64 + sprintf(h65 + n64, "X-H64: 64\r\n\r\n");
	size_t n65 = (size_t)(q - h65);
	memcpy(h64 + n64, "\r\n", 2);
	n64 += 2;
	for (int i = 0; i < N_CASES; i++) {
		if (!strcmp(cases[i].name, "64hdrs")) {
			cases[i].buf = h64;
			cases[i].len = n64;
		} else if (!strcmp(cases[i].name, "65hdrs")) {
			cases[i].buf = h65;
			cases[i].len = n65;
		}
	}
}

/* The case of this name (aborts the test program on a typo). */
T_SHARED static const struct sip_case *sip_case(const char *name)
{
	if (!cases[0].name)
		cases_init();
	for (int i = 0; i < N_CASES; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	fprintf(stderr, "no SIP case named %s\n", name);
	exit(2);
}

/* Called with every message t_parse parsed successfully. */
static void (*t_on_parsed)(const char *what, const char *buf, size_t len);

/* sip_parse, for messages a test means to be valid (corpus cases, edited
 * messages, built replies). */
T_SHARED static int t_parse(sip_msg *m, const char *what, const char *buf, size_t len)
{
	int rc = sip_parse(m, buf, len);
	if (rc == 0 && t_on_parsed)
		t_on_parsed(what, buf, len);
	return rc;
}

/* Parse a named case (from a guarded copy): the return code. */
T_SHARED static int parse_case(sip_msg *m, const char *name)
{
	const struct sip_case *c = sip_case(name);
	return t_parse(m, name, guarded(c->buf, c->len), c->len);
}

#ifndef SIP_CASES_NO_MAIN

/* ---- run every parser over every case ------------------------------------------------ */

static int in_msg(const sip_msg *m, sip_str s)
{
	if (!s.s)
		return s.len == 0;
	return s.len >= 0 && s.s >= m->buf && s.s + s.len <= m->buf + m->len;
}

static int addr_in(const sip_msg *m, const sip_addr *a)
{
	return in_msg(m, a->value) && in_msg(m, a->display) && in_msg(m, a->uri) && in_msg(m, a->params) &&
	       in_msg(m, a->tag);
}

static int via_in(const sip_msg *m, const sip_via *v)
{
	return in_msg(m, v->value) && in_msg(m, v->host) && in_msg(m, v->branch) && in_msg(m, v->params) &&
	       in_msg(m, v->transport) && in_msg(m, v->received) && in_msg(m, v->rport);
}

/* Every getter on a parsed message; every span it returns lies inside. */
static int all_getters_inside(sip_msg *m)
{
	int ok = 1;
	const sip_via *v;
	const sip_addr *a;
	const sip_addr_list *l;
	const sip_cseq *cs;
	sip_str s;
	int i;
	uint32_t u;
	sip_uri uri;
	for (i = 0; i < 2; i++)
		if (sip_get_via(m, i, &v) == 0)
			ok &= via_in(m, v);
	if (sip_get_to(m, &a) == 0)
		ok &= addr_in(m, a);
	if (sip_get_from(m, &a) == 0)
		ok &= addr_in(m, a);
	if (sip_get_cseq(m, &cs) == 0)
		ok &= in_msg(m, cs->method);
	if (sip_get_callid(m, &s) == 0)
		ok &= in_msg(m, s);
	sip_get_maxfwd(m, &i);
	sip_get_expires(m, &u);
	if (sip_get_contacts(m, &l) == 0)
		for (i = 0; i < l->n; i++)
			ok &= addr_in(m, &l->v[i]) && (sip_uri_parse(l->v[i].uri.s, l->v[i].uri.len, &uri), 1);
	if (sip_get_routes(m, &l) == 0)
		for (i = 0; i < l->n; i++)
			ok &= addr_in(m, &l->v[i]);
	if (sip_get_record_routes(m, &l) == 0)
		for (i = 0; i < l->n; i++)
			ok &= addr_in(m, &l->v[i]);
	if (m->is_request && sip_uri_parse(m->ruri.s, m->ruri.len, &uri) == 0)
		ok &= in_msg(m, uri.user) && in_msg(m, uri.host) && in_msg(m, uri.params) && in_msg(m, uri.headers);
	for (i = 0; i < m->nhdrs; i++)
		ok &= in_msg(m, m->hdrs[i].name) && in_msg(m, m->hdrs[i].body) && m->hdrs[i].start < m->hdrs[i].end &&
		      m->hdrs[i].end <= m->hdrs_end;
	ok &= in_msg(m, m->body) && m->len <= m->body_off + m->body.len;
	return ok;
}

/* sip_cases_test --dump DIR: write every case to DIR/<name> (the seeds of
 * make fuzz-sip) and exit. */
static int dump(const char *dir)
{
	char path[512];
	for (int i = 0; i < N_CASES; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(cases[i].buf, 1, cases[i].len, f) != cases[i].len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	cases_init();
	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	sip_msg *m = malloc(sizeof *m);
	if (!m)
		return 2;
	char name[96];
	for (int i = 0; i < N_CASES; i++) {
		const struct sip_case *c = &cases[i];
		int rc = sip_parse(m, guarded(c->buf, c->len), c->len);
		snprintf(name, sizeof name, "parse %s -> %s", c->name, sip_strerror(c->rc));
		t_report(rc == c->rc, __FILE__, __LINE__, name, "got %d (%s)", rc, sip_strerror(rc));
		if (rc == 0) {
			snprintf(name, sizeof name, "getters on %s stay inside the message", c->name);
			CHECK(all_getters_inside(m), name);
		}
		/* every prefix of a valid message fails cleanly or parses, inside */
		if (c->rc == 0 && c->len < 4096) {
			int bad = 0;
			for (size_t n = 0; n < c->len; n++) {
				if (sip_parse(m, guarded(c->buf, n), n) == 0 && !all_getters_inside(m))
					bad++;
			}
			snprintf(name, sizeof name, "every prefix of %s parses safely", c->name);
			CHECK(bad == 0, name);
		}
	}
	free(m);
	return t_summary();
}

#endif

#endif /* SIP_CASES_TEST_C */
