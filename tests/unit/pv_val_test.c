/* pv_val_test.c: Kamailio 5.6's value rules (kamailio-language.md 4.3) as
 * runtime/pv/val.c and re.c implement them: conversions, the operators whose
 * result depends on the operand types, division by zero, the =~ operator,
 * with the verified examples of the reference. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include <limits.h>

static rc_msg_t *m;

static const char *vs(rc_val v)
{
	return show(v);
}

static void conversions(void)
{
	rc_val v;
	v = S("12abc");
	CHECK_INT(rc_v_int(&v), 0, "(int)\"12abc\" = 0");
	v = S("");
	CHECK_INT(rc_v_int(&v), 0, "(int)\"\" = 0");
	v = S("42");
	CHECK_INT(rc_v_int(&v), 42, "(int)\"42\" = 42");
	v = S("-7");
	CHECK_INT(rc_v_int(&v), -7, "(int)\"-7\" = -7");
	v = S("+7");
	CHECK_INT(rc_v_int(&v), 7, "(int)\"+7\" = 7");
	v = S("0x1F");
	CHECK_INT(rc_v_int(&v), 31, "(int)\"0x1F\" = 31 (hex accepted)");
	v = S("0Xff");
	CHECK_INT(rc_v_int(&v), 255, "(int)\"0Xff\" = 255");
	v = S("0x");
	CHECK_INT(rc_v_int(&v), 0, "(int)\"0x\" = 0");
	v = S("0xfg");
	CHECK_INT(rc_v_int(&v), 0, "(int)\"0xfg\" = 0");
	v = S(" 5");
	CHECK_INT(rc_v_int(&v), 0, "(int)\" 5\" = 0 (no whitespace skipping)");
	v = S("2147483648");
	CHECK_INT(rc_v_int(&v), 0, "(int)\"2147483648\" overflows: 0");
	v = S("-2147483648");
	CHECK_INT(rc_v_int(&v), INT_MIN, "(int)\"-2147483648\" = INT_MIN");
	v = S("0xffffffff");
	CHECK_INT(rc_v_int(&v), -1, "(int)\"0xffffffff\" = -1 (32 bits)");
	v = pv_vnull();
	CHECK_INT(rc_v_int(&v), 0, "(int)null = 0");
	CHECK_INT(rc_v_str(m, &v).len, 0, "(str)null = \"\"");
	v = I(-123);
	CHECK_STR(rc_v_str(m, &v), "-123", "(str)-123 = \"-123\"");
	v = I(INT_MIN);
	CHECK_STR(rc_v_str(m, &v), "-2147483648", "(str)INT_MIN");
	v = I(0);
	CHECK_STR(rc_v_str(m, &v), "0", "(str)0 = \"0\"");
	v = S("abc");
	CHECK_STR(rc_v_str(m, &v), "abc", "(str)\"abc\" = \"abc\"");
}

static void add(void)
{
	rc_val a, b, r;
	a = S("5"), b = I(3);
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "53", "\"5\" + 3 = \"53\"");
	a = I(3), b = S("5");
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "i:8", "3 + \"5\" = 8 (left int decides)");
	a = S("abc"), b = I(1);
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "abc1", "$var(s) + 1 = \"abc1\"");
	a = I(9), b = S("abc");
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "i:9", "9 + $var(s) = 9");
	a = I(1), b = I(2);
	rc_v_add(m, &a, &b, &r);
	rc_val s = S("abc"), r2;
	rc_v_add(m, &r, &s, &r2);
	CHECK_CSTR(vs(r2), "i:3", "1 + 2 + $var(s) = 3");
	a = I(2147483647), b = I(1);
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "i:-2147483648", "2147483647 + 1 = -2147483648 (wraps)");
	a = pv_vnull(), b = I(7);
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "7", "null + 7 = \"7\" (undefined left: concat)");
	CHECK_INT(r.type, RC_STR, "null + 7 is a string");
	a = S("x"), b = pv_vnull();
	rc_v_add(m, &a, &b, &r);
	CHECK_CSTR(vs(r), "x", "\"x\" + null = \"x\"");
	/* (str)5 + 5 = "55" */
	a = I(5);
	rc_val str5 = pv_vstr(rc_v_str(m, &a).s, rc_v_str(m, &a).len);
	b = I(5);
	rc_v_add(m, &str5, &b, &r);
	CHECK_CSTR(vs(r), "55", "(str)5 + 5 = \"55\"");
}

static void equality(void)
{
	rc_val a, b;
	a = I(0), b = S("abc");
	CHECK(rc_v_eq(m, &a, &b), "0 == \"abc\" is true (int compare)");
	a = S("abc"), b = I(0);
	CHECK(!rc_v_eq(m, &a, &b), "\"abc\" == 0 is false (string compare)");
	a = S("10"), b = I(10);
	CHECK(rc_v_eq(m, &a, &b), "\"10\" == 10 is true");
	a = S("10"), b = S("10.0");
	CHECK(!rc_v_eq(m, &a, &b), "\"10\" == \"10.0\" is false");
	a = S("ABC"), b = S("abc");
	CHECK(!rc_v_eq(m, &a, &b), "== on strings is case-sensitive");
	a = pv_vnull(), b = I(0);
	CHECK(rc_v_eq(m, &a, &b), "null == 0 is true (as the right side's type: int)");
	a = pv_vnull(), b = S("");
	CHECK(rc_v_eq(m, &a, &b), "null == \"\" is true (as string)");
	a = pv_vnull(), b = S("x");
	CHECK(!rc_v_eq(m, &a, &b), "null == \"x\" is false");
	a = pv_vnull(), b = pv_vnull();
	CHECK(rc_v_eq(m, &a, &b), "null == null is true");
	a = I(0), b = S("0x0");
	CHECK(rc_v_eq(m, &a, &b), "0 == \"0x0\" is true");
	a = I(5), b = S("5");
	CHECK(rc_v_streq(m, &a, &b), "5 eq \"5\" (forced string compare) is true");
	a = I(5), b = S("05");
	CHECK(!rc_v_streq(m, &a, &b), "5 eq \"05\" is false");
	a = I(5), b = S("05");
	CHECK(rc_v_eq(m, &a, &b), "5 == \"05\" is true (int compare)");
	/* $var(unset) == "" is rewritten to strempty: $var defaults to int 0 */
	rc_val unset = get(m, "$var(never_set)");
	CHECK_CSTR(vs(unset), "i:0", "$var(never_set) is int 0");
	CHECK(rc_v_str(m, &unset).len != 0, "$var(unset) == \"\" is false (strempty of \"0\")");
	b = I(0);
	CHECK(rc_v_eq(m, &unset, &b), "$var(unset) == 0 is true");
	CHECK(rc_str_eq(rc_v_str(m, &(rc_val){ RC_STR, 0, { "ab", 2 } }), "ab", 2), "rc_str_eq equal");
	CHECK(!rc_str_eq(rc_v_str(m, &(rc_val){ RC_STR, 0, { "ab", 2 } }), "abc", 3), "rc_str_eq length");
}

static void division(void)
{
	int err = 0;
	CHECK_INT(rc_v_div(m, 7, 2, &err), 3, "7 / 2 = 3");
	CHECK_INT(err, 0, "7 / 2 is no error");
	CHECK_INT(rc_v_div(m, -7, 2, &err), -3, "-7 / 2 = -3");
	rc_v_div(m, 1, 0, &err);
	CHECK_INT(err, 1, "1 / 0 is an evaluation error");
	err = 0;
	rc_v_mod(m, 1, 0, &err);
	CHECK_INT(err, 1, "1 mod 0 is an evaluation error");
	err = 0;
	CHECK_INT(rc_v_mod(m, 7, 3, &err), 1, "7 mod 3 = 1");
	CHECK_INT(rc_v_div(m, INT_MIN, -1, &err), INT_MIN, "INT_MIN / -1 wraps, no trap");
	CHECK_INT(rc_v_mod(m, INT_MIN, -1, &err), 0, "INT_MIN mod -1 = 0, no trap");
	CHECK_INT(err, 0, "no error flagged for the wrapping cases");
}

static void regex(void)
{
	rc_re *re = rc_re_prepare(G(), "^sip$", 5, 1, "t:1:1");
	rc_val v = S("SIP");
	CHECK(re && rc_v_match(m, &v, re) > 0, "\"SIP\" =~ \"^sip$\" (caseless)");
	rc_re *cs = rc_re_prepare(G(), "^sip$", 5, 0, "t:1:1");
	CHECK(cs && rc_v_match(m, &v, cs) <= 0, "flag 0: case-sensitive");
	v = I(5060);
	rc_re *num = rc_re_prepare(G(), "^50[0-9]+$", 10, 1, "t:1:1");
	CHECK(num && rc_v_match(m, &v, num) > 0, "an int matches as its decimal text");
	v = S("a\nb");
	rc_re *dot = rc_re_prepare(G(), "a.b", 3, 1, "t:1:1");
	CHECK(dot && rc_v_match(m, &v, dot) > 0, "'.' matches a line break (POSIX without REG_NEWLINE)");
	v = S("abc\n");
	rc_re *end = rc_re_prepare(G(), "abc$", 4, 1, "t:1:1");
	CHECK(end && rc_v_match(m, &v, end) <= 0, "'$' matches only at the very end");
	CHECK(rc_re_prepare(G(), "a(b", 3, 1, "t:1:1") == NULL, "a bad regex fails to prepare");
	rc_val pat = S("^inv.*");
	v = S("INVITE");
	CHECK(rc_v_match_dyn(m, &v, &pat) > 0, "dynamic regex, caseless");
	CHECK(rc_v_match_dyn(m, &v, &pat) > 0, "dynamic regex again (from the cache)");
	pat = S("^bye$");
	CHECK(rc_v_match_dyn(m, &v, &pat) == 0, "dynamic regex, no match");
	pat = S("(");
	CHECK(rc_v_match_dyn(m, &v, &pat) < 0, "bad dynamic regex: error");
	char p[32];
	for (int i = 0; i < 40; i++) { /* more patterns than the cache holds */
		snprintf(p, sizeof p, "^x%d$", i);
		pat = S(p);
		rc_v_match_dyn(m, &v, &pat);
	}
	pat = S("^INVITE$");
	CHECK(rc_v_match_dyn(m, &v, &pat) > 0, "the cache keeps working after evictions");
}

int main(void)
{
	m = msg("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\nTo: <sip:a@b>\n"
	        "From: <sip:c@d>;tag=1\nCall-ID: x\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n");
	conversions();
	add();
	equality();
	division();
	regex();
	msg_free(m);
	pv_worker_done();
	return summary();
}
