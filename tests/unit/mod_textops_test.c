/* mod_textops_test.c: textops on messages built from text: return codes and
 * the edited message (lumps applied) byte for byte. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

static const char *BASE =
	"INVITE sip:bob@biloxi.com SIP/2.0\n"
	"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776\n"
	"Max-Forwards: 70\n"
	"To: Bob <sip:bob@biloxi.com>\n"
	"From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
	"Call-ID: a84b4c76e66710\n"
	"CSeq: 314159 INVITE\n"
	"X-Foo: one\n"
	"Subject: hello\n"
	"x-foo: two\n"
	"Content-Type: application/sdp\n"
	"Content-Length: 12\n"
	"\n"
	"v=0\no=x 1\n";

/* BASE with its header lines edited: lines listed in `drop` removed, and
 * text inserted; built by hand to compare with. */
static const char *expect(const char *const *lines)
{
	static char buf[4096];
	buf[0] = '\0';
	for (int i = 0; lines[i]; i++)
		strcat(buf, lines[i]);
	return buf;
}

#define HEAD "INVITE sip:bob@biloxi.com SIP/2.0\n"
#define VIA "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776\n"
#define MF "Max-Forwards: 70\n"
#define TO "To: Bob <sip:bob@biloxi.com>\n"
#define FROM "From: Alice <sip:alice@atlanta.com>;tag=1928301774\n"
#define CI "Call-ID: a84b4c76e66710\n"
#define CS "CSeq: 314159 INVITE\n"
#define XF1 "X-Foo: one\n"
#define SUBJ "Subject: hello\n"
#define XF2 "x-foo: two\n"
#define CT "Content-Type: application/sdp\n"
#define CL "Content-Length: 12\n"
#define BODY "\nv=0\no=x 1\n"

static void headers(void)
{
	rc_msg_t *m = msg(BASE);
	CHECK_INT(call(m, "textops_append_hf", 1, ARGS(AS("X-Added: $fU\r\n"))), 1, "append_hf returns 1");
	CHECK_INT(call(m, "textops_insert_hf", 1, ARGS(AS("X-First: 1\r\n"))), 1, "insert_hf returns 1");
	CHECK_INT(call(m, "textops_append_hf_2", 2, ARGS(AS("X-After-Foo: 2\r\n"), AS("X-Foo"))), 1,
	          "append_hf(txt, X-Foo)");
	CHECK_INT(call(m, "textops_insert_hf_2", 2, ARGS(AS("X-Before-Cseq: 3\r\n"), AS("CSeq"))), 1,
	          "insert_hf(txt, CSeq)");
	CHECK_INT(call(m, "textops_append_hf_2", 2, ARGS(AS("X-After-Via: 4\r\n"), AS("v"))), 1,
	          "append_hf(txt, v): compact name");
	CHECK_INT(call(m, "textops_insert_hf_2", 2, ARGS(AS("X-None: 5\r\n"), AS("X-Absent"))), 1,
	          "insert_hf(txt, absent header): before all headers");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, "X-First: 1\n", "X-None: 5\n", VIA, "X-After-Via: 4\n", MF, TO,
	                                         FROM, CI, "X-Before-Cseq: 3\n", CS, XF1, SUBJ, XF2,
	                                         "X-After-Foo: 2\n", CT, CL, "X-Added: alice\n", BODY, NULL }),
	           "headers added where asked");
	CHECK_INT(call(m, "textops_append_hf", 1, ARGS(AS(""))), -1, "append_hf with nothing to add: -1");
	msg_free(m);

	m = msg(BASE);
	CHECK_INT(call(m, "textops_remove_hf", 1, ARGS(AS("X-Foo"))), 2, "remove_hf(X-Foo) removes 2 (any case)");
	CHECK_INT(call(m, "textops_remove_hf", 1, ARGS(AS("X-Foo"))), -1, "again: nothing left to remove, -1");
	CHECK_INT(call(m, "textops_remove_hf", 1, ARGS(AS("X-Nothing"))), -1, "remove_hf of an absent header: -1");
	CHECK_INT(call(m, "textops_remove_hf", 1, ARGS(AS("s"))), 1, "remove_hf(s) removes Subject (compact form)");
	CHECK_INT(call(m, "textops_is_present_hf", 1, ARGS(AS("Call-ID"))), 1, "is_present_hf(Call-ID)");
	CHECK_INT(call(m, "textops_is_present_hf", 1, ARGS(AS("i"))), 1, "is_present_hf(i)");
	CHECK_INT(call(m, "textops_is_present_hf", 1, ARGS(AS("X-Nothing"))), -1, "is_present_hf(X-Nothing)");
	CHECK_INT(call(m, "textops_append_hf_2", 2, ARGS(AS("X-New: 1\r\n"), AS("Subject"))), 1,
	          "append_hf after a removed header still works");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, "X-New: 1\n", CT, CL, BODY, NULL }),
	           "X-Foo and Subject removed");
	msg_free(m);

	m = msg(BASE);
	CHECK_INT(call(m, "textops_remove_hf_re", 1, ARGS(AS("^x-"))), 2, "remove_hf_re(^x-)");
	CHECK_INT(call(m, "textops_is_present_hf_re", 1, ARGS(AS("^sub"))), 1, "is_present_hf_re(^sub)");
	CHECK_INT(call(m, "textops_is_present_hf_re", 1, ARGS(AS("^y-"))), -1, "is_present_hf_re(^y-)");
	set(m, "$var(h)", S("Subject"));
	CHECK_INT(call(m, "textops_is_present_hf_pv", 1, ARGS(AS("$var(h)"))), 1, "is_present_hf_pv($var(h))");
	CHECK_INT(call(m, "textops_remove_hf_pv", 1, ARGS(AS("$var(h)"))), 1, "remove_hf_pv($var(h))");
	CHECK_CSTR(applied(m), expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, CT, CL, BODY, NULL }),
	           "removed by regex and by pv");
	/* a dynamic argument (an expression) to remove_hf */
	site *s = prep("textops_remove_hf", 0, NULL);
	s->argv[0] = (rc_arg){ RC_STR, 0, { "Max-Forwards", 12 }, NULL };
	s->ok = 1;
	CHECK_INT(run(m, s), 1, "remove_hf with a value computed at the call");
	free(s);
	msg_free(m);
}

static void search_replace(void)
{
	rc_msg_t *m = msg(BASE);
	CHECK_INT(call(m, "textops_search", 1, ARGS(AS("^INVITE sip:"))), 1, "search sees the first line");
	CHECK_INT(call(m, "textops_search", 1, ARGS(AS("^subject: hel+o\r$"))), 1,
	          "search: caseless, ^ and $ at line breaks (the CR is part of the line, as in POSIX)");
	CHECK_INT(call(m, "textops_search", 1, ARGS(AS("bye"))), -1, "search: no match");
	CHECK_INT(call(m, "textops_search_body", 1, ARGS(AS("^o=x"))), 1, "search_body");
	CHECK_INT(call(m, "textops_search_body", 1, ARGS(AS("INVITE"))), -1, "search_body does not see headers");
	CHECK_INT(call(m, "textops_search", 1, ARGS(AS("("))), -1000, "a bad regex fails to prepare");
	CHECK_INT(call(m, "textops_search_append", 2, ARGS(AS("Subject: hello"), AS(" world"))), 1, "search_append");
	CHECK_INT(call(m, "textops_replace", 2, ARGS(AS("alice@atlanta"), AS("carol@chicago"))), 1,
	          "replace (first match)");
	CHECK_INT(call(m, "textops_replace", 2, ARGS(AS("nomatch"), AS("x"))), -1, "replace: no match");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, "From: Alice <sip:carol@chicago.com>;tag=1928301774\n",
	                                         CI, CS, XF1, "Subject: hello world\n", XF2, CT, CL, BODY, NULL }),
	           "search_append and replace");
	msg_free(m);

	m = msg(BASE);
	CHECK_INT(call(m, "textops_replace_all", 2, ARGS(AS("x-foo"), AS("X-Bar"))), 1, "replace_all");
	CHECK_INT(call(m, "textops_replace_body", 2, ARGS(AS("v=0"), AS("v=1"))), 1, "replace_body");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, "X-Bar: one\n", SUBJ, "X-Bar: two\n", CT,
	                                         CL, "\nv=1\no=x 1\n", NULL }),
	           "replace_all and replace_body (the body length is the caller's business)");
	msg_free(m);
}

static void substs(void)
{
	rc_msg_t *m = msg(BASE);
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/^Subject: ([a-z]*)/Subject: [\\1] \\u $rm/"))), 1, "subst");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, XF1,
	                                         "Subject: [hello] sip:bob@biloxi.com INVITE\n", XF2, CT, CL, BODY, NULL }),
	           "subst with a group, \\u and a pv");
	msg_free(m);

	m = msg(BASE);
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/x-foo: ([a-z]+)/X-Foo: <\\1>/gi"))), 1, "subst with g and i");
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/nomatch/x/"))), -1, "subst without a match: -1");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, "X-Foo: <one>\n", SUBJ, "X-Foo: <two>\n",
	                                         CT, CL, BODY, NULL }),
	           "subst g: every match");
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/a(/b/"))), -1000, "a bad subst regex fails to prepare");
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/a/b/q"))), -1000, "an unknown subst flag fails");
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("/a/b"))), -1000, "a subst without its last separator fails");
	CHECK_INT(call(m, "textops_subst", 1, ARGS(AS("#one#1#"))), -1, "another separator; overlapping an edit: -1");
	msg_free(m);

	m = msg(BASE);
	CHECK_INT(call(m, "textops_subst_uri", 1, ARGS(AS("/^sip:([a-z]+)@biloxi.com$/sip:\\1@b2.example.com/"))), 1,
	          "subst_uri");
	CHECK_PV(m, "$ru", "sip:bob@b2.example.com");
	CHECK_INT(call(m, "textops_subst_uri", 1, ARGS(AS("/^tel:/x/"))), -1, "subst_uri without a match: -1");
	CHECK_INT(call(m, "textops_subst_user", 1, ARGS(AS("/^bob$/+15551234/"))), 1, "subst_user");
	CHECK_PV(m, "$ru", "sip:+15551234@b2.example.com");
	CHECK_INT(call(m, "textops_subst_body", 1, ARGS(AS("/^o=.*$/o=y 2/"))), 1, "subst_body");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, XF1, SUBJ, XF2, CT, CL, "\nv=0\no=y 2\n",
	                                         NULL }),
	           "subst_body edits the body only (the R-URI is forwarding's to write)");
	msg_free(m);
}

static void body_methods_strings(void)
{
	rc_msg_t *m = msg(BASE);
	CHECK_INT(call(m, "textops_has_body", 0, NULL), 1, "has_body()");
	CHECK_INT(call(m, "textops_has_body_1", 1, ARGS(AS("application/sdp"))), 1, "has_body(application/sdp)");
	CHECK_INT(call(m, "textops_has_body_1", 1, ARGS(AS("text/plain"))), -1, "has_body(text/plain)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("INVITE"))), 1, "is_method(INVITE)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("BYE,INVITE"))), 1, "is_method(BYE,INVITE)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("bye, invite"))), 1, "is_method(bye, invite)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("REGISTER,BYE"))), -1, "is_method(REGISTER,BYE)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("INVITE,,BYE"))), -1000, "an empty name is refused at prepare");
	CHECK_INT(call(m, "textops_set_body", 2, ARGS(AS("hello $fU"), AS("text/plain"))), 1, "set_body");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, XF1, SUBJ, XF2, "Content-Length: 11\n",
	                                         "Content-Type: text/plain\n", "\nhello alice", NULL }),
	           "set_body replaces the body, Content-Length and Content-Type");
	CHECK_INT(call(m, "textops_set_body", 2, ARGS(AS("x"), AS("text/plain"))), -1, "a second set_body is refused");
	msg_free(m);

	m = msg("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:c@d>;tag=1\n"
	        "To: <sip:a@b>\nCall-ID: 1\nCSeq: 1 OPTIONS\nX-Proto: PUBLISH\nContent-Length: 0\n\n");
	CHECK_INT(call(m, "textops_has_body", 0, NULL), -1, "has_body() of an empty body: -1");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("OPTIONS"))), 1, "is_method(OPTIONS)");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("FOO,OPTIONS"))), 1, "is_method with an unknown name too");
	msg_free(m);
	m = msg("SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:c@d>;tag=1\n"
	        "To: <sip:a@b>;tag=2\nCall-ID: 1\nCSeq: 1 BYE\nContent-Length: 0\n\n");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("BYE"))), 1, "is_method on a reply: the CSeq method");
	msg_free(m);
	m = msg("FOO sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:c@d>;tag=1\n"
	        "To: <sip:a@b>\nCall-ID: 1\nCSeq: 1 FOO\nContent-Length: 0\n\n");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("foo"))), 1, "is_method of an extension method");
	CHECK_INT(call(m, "textops_is_method", 1, ARGS(AS("INVITE"))), -1, "is_method(INVITE) on FOO");

	CHECK_INT(call(m, "textops_cmp_str", 2, ARGS(AS("abc"), AS("abc"))), 1, "cmp_str equal: 1");
	CHECK_INT(call(m, "textops_cmp_str", 2, ARGS(AS("abd"), AS("abc"))), -1, "cmp_str greater: -1");
	CHECK_INT(call(m, "textops_cmp_str", 2, ARGS(AS("ab"), AS("abc"))), -2, "cmp_str smaller: -2");
	CHECK_INT(call(m, "textops_cmp_str", 2, ARGS(AS("ABC"), AS("abc"))), -2, "cmp_str is case-sensitive");
	CHECK_INT(call(m, "textops_cmp_istr", 2, ARGS(AS("ABC"), AS("abc"))), 1, "cmp_istr");
	CHECK_INT(call(m, "textops_starts_with", 2, ARGS(AS("$rm-x"), AS("FOO"))), 1, "starts_with($rm-x, FOO)");
	CHECK_INT(call(m, "textops_starts_with", 2, ARGS(AS("ab"), AS("abc"))), -1, "starts_with longer prefix");
	CHECK_INT(call(m, "textops_ends_with", 2, ARGS(AS("hello"), AS("llo"))), 1, "ends_with");
	CHECK_INT(call(m, "textops_ends_with", 2, ARGS(AS("hello"), AS("he"))), -1, "ends_with no");
	msg_free(m);
}

static void more(void)
{
	rc_msg_t *m = msg(BASE);
	CHECK_INT(call(m, "textops_in_list", 3, ARGS(AS("b"), AS("a, b ,c"), AS(","))), 1, "in_list(b, \"a, b ,c\", \",\")");
	CHECK_INT(call(m, "textops_in_list", 3, ARGS(AS("bb"), AS("a,b,c"), AS(","))), -1, "in_list(bb, ...)");
	CHECK_INT(call(m, "textops_in_list", 3, ARGS(AS("$fU"), AS("bob;alice"), AS(";"))), 1, "in_list($fU, bob;alice, ;)");
	CHECK_INT(call(m, "textops_in_list", 3, ARGS(AS("x"), AS("a"), AS(",;"))), -1000, "a separator of two characters is refused");
	CHECK_INT(call(m, "textops_in_list_prefix", 3, ARGS(AS("+49301234"), AS("+33, +4930"), AS(","))), 1, "in_list_prefix");
	CHECK_INT(call(m, "textops_in_list_prefix", 3, ARGS(AS("+4"), AS("+33, +4930"), AS(","))), -1, "in_list_prefix: longer elements do not match");
	CHECK_INT(call(m, "textops_search_str", 2, ARGS(AS("$ci"), AS("^A84"))), 1, "search_str($ci, ^A84) caseless");
	CHECK_INT(call(m, "textops_search_str", 2, ARGS(AS("abc"), AS("^b"))), -1, "search_str no match");
	CHECK_INT(call(m, "textops_search_str", 2, ARGS(AS(""), AS("b"))), -2, "search_str on empty text");
	CHECK_INT(call(m, "textops_replace_str", 3, ARGS(AS("x-foo"), AS("X-Baz"), AS("a"))), 1, "replace_str is case-sensitive: one match");
	CHECK_INT(call(m, "textops_replace_body_str", 3, ARGS(AS("o=x"), AS("o=z"), AS("f"))), 1, "replace_body_str");
	CHECK_INT(call(m, "textops_search_append_body", 2, ARGS(AS("v=0"), AS("!"))), 1, "search_append_body");
	CHECK_INT(call(m, "textops_remove_hf_idx", 2, ARGS(AS("X-Foo"), AI(-1))), -1,
	          "remove_hf_idx(X-Foo, -1): the last one was edited by replace_str: refused, not spoiled");
	CHECK_INT(call(m, "textops_remove_hf_idx", 2, ARGS(AS("X-Foo"), AI(-2))), 1, "remove_hf_idx(X-Foo, -2): the first");
	CHECK_INT(call(m, "textops_remove_hf_idx", 2, ARGS(AS("X-Foo"), AI(5))), 2, "remove_hf_idx past the end: 2");
	set(m, "$var(re)", S("^sub"));
	CHECK_INT(call(m, "textops_is_present_hf_re_pv", 1, ARGS(AS("$var(re)"))), 1, "is_present_hf_re_pv");
	CHECK_INT(call(m, "textops_remove_hf_re_pv", 1, ARGS(AS("$var(re)"))), 1, "remove_hf_re_pv");
	CHECK_CSTR(applied(m),
	           expect((const char *const[]){ HEAD, VIA, MF, TO, FROM, CI, CS, "X-Baz: two\n", CT, CL, "\nv=0!\no=z 1\n", NULL }),
	           "the first X-Foo and Subject gone, x-foo renamed, the body edited twice");
	msg_free(m);
}

int main(void)
{
	listen_loopback(NULL, NULL);
	rt_log_level = RT_L_CRIT;
	headers();
	search_replace();
	substs();
	body_methods_strings();
	more();
	pv_worker_done();
	return summary();
}
