/* tm_core_test.c: the transaction engine off the wire: the Via branch
 * format, reply priorities and branch picking, request / reply / CANCEL
 * matching (RFC 3261 and RFC 2543), retransmission absorption, the
 * generation's parameters, and the timer wheel deleting a transaction after
 * wt_timer.  The module runs for real (table, timer thread) on a loopback
 * socket; messages are built from text as the worker builds them. */
/* build: build/librt.a -lpcre2-8 -lsqlite3 -lm -lpthread */
#include "pv_harness.h"

#include <time.h>

#include "modules/tm/tm.h"

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static const char *const tm_modules[] = { "tm", "tmx", 0 };
static rc_param_def tm_params[] = {
	{ "tm", "fr_timer", RC_INT, 1500, NULL },
	{ "tm", "wt_timer", RC_INT, 300, NULL },
	{ "tm", "T1_timer", RC_INT, 400, NULL }, /* the SER name: an alias of retr_timer1 */
	{ "tm", "faked_reply_prio", RC_INT, 0, NULL },
	{ "tm", "syn_branch", RC_INT, 0, NULL }, /* accepted, without effect */
	{ 0, 0, 0, 0, 0 },
};

static rt_gen *tm_gen(void)
{
	static const rc_route_def none[] = { { 0, 0, 0 } };
	static rc_script_def d;
	d.abi = RC_ABI_VERSION;
	d.init = no_init;
	d.routes = none;
	d.params = tm_params;
	d.modules = tm_modules;
	d.source = "tm_core_test.c";
	rt_gen *g = NULL;
	if (rt_gen_load(&d, &g) < 0 || rt_modules_start(g) < 0) {
		printf("cannot load the tm generation\n");
		exit(1);
	}
	return g;
}

static rt_gen *g;

static char *req_text(const char *method, const char *branch, const char *callid, int cseq,
                      const char *ruri, const char *to_tag)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
	         "%s %s SIP/2.0\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:5099%s%s\n"
	         "Max-Forwards: 70\n"
	         "From: <sip:alice@a.example>;tag=ft1\n"
	         "To: <sip:bob@b.example>%s%s\n"
	         "Call-ID: %s\n"
	         "CSeq: %d %s\n"
	         "Content-Length: 0\n\n",
	         method, ruri, branch ? ";branch=" : "", branch ? branch : "", to_tag ? ";tag=" : "",
	         to_tag ? to_tag : "", callid, cseq, method);
	return buf;
}

static rc_msg_t *req(const char *method, const char *branch, const char *callid, int cseq,
                     const char *ruri, const char *to_tag)
{
	rc_msg_t *m = msg_from(req_text(method, branch, callid, cseq, ruri, to_tag), 5099);
	m->gen = g;
	return m;
}

static void done(rc_msg_t *m)
{
	tm_msg_done(m);
	msg_free(m);
}

/* ---- formats and priorities ---------------------------------------------------------- */

static void branch_format(void)
{
	tm_cell t;
	memset(&t, 0, sizeof t);
	t.hash = 0x64c4;
	memcpy(t.md5, "3759d2b1175266bf301124ad9ce3b153", 32);
	char b[96];
	tm_branch_id(&t, 0, b, sizeof b);
	CHECK_CSTR(b, "z9hG4bK4c46.3759d2b1175266bf301124ad9ce3b153.0",
	           "branch id: hash in reverse hex, md5, branch 0");
	tm_branch_id(&t, 10, b, sizeof b);
	CHECK(strstr(b, ".a") && b[strlen(b) - 1] == 'a', "branch 10 is written 'a'");
	tm_branch_id(&t, 26, b, sizeof b);
	CHECK(!strcmp(b + strlen(b) - 3, ".a1"), "branch 26 is written 'a1' (lowest nibble first)");
	unsigned h, br;
	const char *md5;
	CHECK(tm_branch_parse(b, (int)strlen(b), &h, &md5, &br) < 0,
	      "branch 26 is past max_branches: not one of ours");
	tm_branch_id(&t, 11, b, sizeof b);
	CHECK(tm_branch_parse(b, (int)strlen(b), &h, &md5, &br) == 0 && h == 0x64c4 && br == 11 &&
	          !memcmp(md5, t.md5, 32),
	      "a branch id parses back to hash, md5 and branch");
	CHECK(tm_branch_parse("z9hG4bKabc", 10, &h, &md5, &br) < 0 &&
	          tm_branch_parse("z9hG4bK1.abc.0", 14, &h, &md5, &br) < 0,
	      "foreign branches do not parse");
}

static void priorities(void)
{
	CHECK(tm_reply_prio(408, 0, 0) == 4108 && tm_reply_prio(486, 0, 0) == 4186 &&
	          tm_reply_prio(487, 0, 0) == 4187,
	      "4xx: 4100 + xx (408 4108, 486 4186, 487 4187)");
	CHECK(tm_reply_prio(401, 0, 0) == 4001 && tm_reply_prio(407, 0, 0) == 4007 &&
	          tm_reply_prio(415, 0, 0) == 4015 && tm_reply_prio(420, 0, 0) == 4020 &&
	          tm_reply_prio(484, 0, 0) == 4084,
	      "401, 407, 415, 420, 484 before other 4xx");
	CHECK(tm_reply_prio(603, 0, 0) < tm_reply_prio(302, 0, 0) &&
	          tm_reply_prio(302, 0, 0) < tm_reply_prio(401, 0, 0) &&
	          tm_reply_prio(486, 0, 0) < tm_reply_prio(500, 0, 0) &&
	          tm_reply_prio(503, 0, 0) < tm_reply_prio(180, 0, 0),
	      "6xx < 3xx < 4xx < 5xx < 1xx");
	CHECK(tm_reply_prio(701, 0, 0) == 10701 && tm_reply_prio(408, 1, 2000) == 6108,
	      ">= 700 after 5xx; faked replies get faked_reply_prio added");
}

static tm_branch brs[4];

static tm_cell *cell_with(int n, const int *last, const int *faked)
{
	static tm_cell t;
	static tm_conf cf;
	memset(&t, 0, sizeof t);
	cf = tm_conf_default;
	t.conf = &cf;
	t.nbr = n;
	for (int i = 0; i < n; i++) {
		memset(&brs[i], 0, sizeof brs[i]);
		brs[i].buf = "x";
		brs[i].last = last[i];
		if (last[i] >= 200) {
			brs[i].rpl_faked = faked[i];
			brs[i].rpl = faked[i] ? NULL : "SIP/2.0";
		}
		t.br[i] = &brs[i];
	}
	return &t;
}

static void picking(void)
{
	int code;
	int l1[] = { 486, 180, 0 }, f1[] = { 0, 0, 0 };
	tm_cell *t = cell_with(3, l1, f1);
	CHECK(tm_pick_branch(t, 0, 486, &code) == -2, "a branch still pending: no pick (-2)");
	int l2[] = { 486, 408, 0 }, f2[] = { 0, 1, 0 };
	t = cell_with(3, l2, f2);
	CHECK(tm_pick_branch(t, 2, 408, &code) == 1 && code == 408,
	      "{486, faked 408, incoming 408}: 408 wins over 486 (4108 < 4186), the first of equals");
	int l3[] = { 486, 408, 0 }, f3[] = { 0, 1, 0 };
	t = cell_with(3, l3, f3);
	((tm_conf *)t->conf)->faked_reply_prio = 2000;
	CHECK(tm_pick_branch(t, 2, 500, &code) == 0 && code == 486,
	      "faked_reply_prio 2000: a stored faked 408 (6108) loses to 486");
	int l4[] = { 486, 603, 0 }, f4[] = { 0, 0, 0 };
	t = cell_with(3, l4, f4);
	CHECK(tm_pick_branch(t, 2, 302, &code) == 1 && code == 603, "6xx beats everything else");
	int l5[] = { 408, 486, 0 }, f5[] = { 0, 0, 0 };
	t = cell_with(3, l5, f5);
	brs[0].rpl = NULL; /* a send failure: final without a reply, never picked */
	CHECK(tm_pick_branch(t, 2, 500, &code) == 1 && code == 486,
	      "a final branch without a reply (send failure) is never picked");
}

/* ---- matching ----------------------------------------------------------------------- */

static void matching(void)
{
	rc_msg_t *m = req("INVITE", "z9hG4bKm1", "cid-1", 1, "sip:bob@b.example", NULL);
	CHECK_INT(tm_newtran(m), 1, "t_newtran creates a transaction");
	tm_cell *t = m->tm_t;
	CHECK(t && t->is_invite && t->conf->fr == 1500 && t->conf->wt == 300 && t->t1 == 400,
	      "it takes the generation's fr_timer, wt_timer and T1_timer (alias of retr_timer1)");
	CHECK_INT(tm_newtran(m), TM_E_SCRIPT, "t_newtran again for the same message: E_SCRIPT");
	long long inuse = tm_cells_inuse();

	rc_msg_t *r = req("INVITE", "z9hG4bKm1", "cid-1", 1, "sip:bob@b.example", NULL);
	CHECK(tm_newtran(r) == 0 && r->tm_t == t, "a retransmission (same branch) is absorbed: 0");
	done(r);
	r = req("CANCEL", "z9hG4bKm1", "cid-1", 1, "sip:bob@b.example", NULL);
	tm_cell *inv = tm_lookup_invite(r);
	CHECK(inv == t, "a CANCEL finds its INVITE by branch");
	if (inv)
		tm_cell_unref(inv);
	done(r);
	r = req("INVITE", "z9hG4bKm2", "cid-1", 1, "sip:bob@b.example", NULL);
	CHECK(tm_newtran(r) == 1 && r->tm_t != t, "another branch is another transaction");
	done(r);
	r = req("BYE", "z9hG4bKm1", "cid-1", 1, "sip:bob@b.example", "tt");
	CHECK(tm_newtran(r) == 1 && r->tm_t != t, "the same branch with another method is another one");
	done(r);

	/* RFC 2543: no magic cookie */
	rc_msg_t *o = req("INVITE", "1234", "cid-2", 5, "sip:carol@c.example", NULL);
	CHECK_INT(tm_newtran(o), 1, "an RFC 2543 INVITE (no cookie) gets a transaction");
	r = req("INVITE", "1234", "cid-2", 5, "sip:carol@c.example", NULL);
	CHECK(tm_newtran(r) == 0 && r->tm_t == o->tm_t, "its retransmission matches (Call-ID, CSeq, From, To, R-URI, Via)");
	done(r);
	r = req("INVITE", "1234", "cid-2", 5, "sip:dave@c.example", NULL);
	CHECK(tm_newtran(r) == 1 && r->tm_t != o->tm_t, "ruri_matching: another R-URI does not match");
	done(r);
	r = req("CANCEL", "1234", "cid-2", 5, "sip:carol@c.example", NULL);
	tm_cell *inv2 = tm_lookup_invite(r);
	CHECK(inv2 == o->tm_t, "an RFC 2543 CANCEL finds its INVITE");
	if (inv2)
		tm_cell_unref(inv2);
	done(r);

	/* ACK to a negative reply: released */
	tm_lock(t);
	atomic_store(&t->uas_status, 486);
	tm_unlock(t);
	r = req("ACK", "z9hG4bKm1", "cid-1", 1, "sip:bob@b.example", "totag");
	CHECK(tm_newtran(r) == 0 && r->tm_t == t && (t->flags & TM_T_ON_WAIT),
	      "an ACK for a negative reply matches its INVITE and puts it on the wait timer");
	done(r);
	r = req("ACK", "z9hG4bKm9", "cid-9", 1, "sip:bob@b.example", "totag");
	CHECK(tm_newtran(r) == 1 && !r->tm_t, "an ACK of no transaction creates none");
	done(r);
	CHECK(tm_cells_inuse() >= inuse + 2, "the table holds them");

	/* replies by our branch */
	tm_lock(t);
	tm_branch *b = tm_cell_mem(t, sizeof *b);
	memset(b, 0, sizeof *b);
	b->buf = "INVITE";
	b->len = 6;
	t->br[0] = b;
	t->nbr = 1;
	tm_unlock(t);
	char bid[96], text[1024];
	tm_branch_id(t, 0, bid, sizeof bid);
	snprintf(text, sizeof text,
	         "SIP/2.0 180 Ringing\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\n"
	         "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKm1\nFrom: <sip:alice@a.example>;tag=ft1\n"
	         "To: <sip:bob@b.example>;tag=x\nCall-ID: cid-1\nCSeq: 1 INVITE\nContent-Length: 0\n\n",
	         test_port, bid);
	rc_msg_t *rp = msg_from(text, 5098);
	int br;
	tm_cell *rt = tm_match_reply(rp, &br);
	CHECK(rt == t && br == 0, "a reply matches by our Via branch: transaction and branch 0");
	if (rt)
		tm_cell_unref(rt);
	msg_free(rp);
	char *p = strstr(text, "CSeq: 1 INVITE");
	memcpy(p, "CSeq: 1 BYEXX ", 14);
	rp = msg_from(text, 5098);
	CHECK(!tm_match_reply(rp, &br), "a reply with another CSeq method does not match");
	msg_free(rp);
	done(m);
	done(o);
}

/* ---- timers ---------------------------------------------------------------------------- */

static void timers(void)
{
	rc_msg_t *m = req("MESSAGE", "z9hG4bKt1", "cid-t", 3, "sip:bob@b.example", NULL);
	CHECK_INT(tm_newtran(m), 1, "a transaction for the timer test");
	tm_cell *t = m->tm_t;
	unsigned hash = t->hash, label = t->label;
	tm_lock(t);
	tm_put_on_wait(t);
	tm_unlock(t);
	done(m);
	tm_cell *x = tm_cell_by_ident(hash, label);
	CHECK(x != NULL, "on the wait timer it is still found by index and label");
	if (x)
		tm_cell_unref(x);
	int gone = 0;
	for (int i = 0; i < 200 && !gone; i++) { /* wt_timer 300 ms; bounded at 4 s */
		sleep_ms(20);
		x = tm_cell_by_ident(hash, label);
		gone = !x;
		if (x)
			tm_cell_unref(x);
	}
	CHECK(gone, "the wheel deletes it once wt_timer has passed");
	long long t0 = tm_now();
	CHECK(t0 > 0 && tm_now() >= t0, "tm_now is monotonic milliseconds");
}

int main(void)
{
	listen_loopback(NULL, NULL);
	g = tm_gen();
	rt_gen_swap(g);
	branch_format();
	priorities();
	picking();
	matching();
	timers();
	rt_gen_swap(NULL);
	rt_modules_stop();
	rt_socks_close();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
