/* tm_stats.c: statistics and the tm.* control methods (kamailio-runtime.md 1.9).
 *
 * One scheme, two groups:
 *   tmx  Kamailio's tmx names: UAS_transactions, UAC_transactions,
 *        2xx_transactions .. 6xx_transactions, inuse_transactions,
 *        active_transactions, rpl_received, rpl_absorbed, rpl_generated,
 *        rpl_relayed, rpl_sent.  Not resettable (as in Kamailio).
 *   tm   OpenSIPS's names, read from the same counters: received_replies
 *        (= rpl_received), relayed_replies (= rpl_relayed), local_replies
 *        (= rpl_generated), UAS_transactions, UAC_transactions,
 *        2xx..6xx_transactions, inuse_transactions; and counters of their
 *        own: retransmission_req_T1, retransmission_req_T2,
 *        retransmission_rpl, timeout_finalresponse, timeout_finalresponse_inv.
 * Counters live per thread (rt_stat_mt); inuse = transactions in the table,
 * active = inuse minus those on the wait timer, rpl_absorbed = received -
 * relayed.  tm.stats answers Kamailio's shape:
 *   {"current","waiting","total","total_local","rpl_received","rpl_generated",
 *    "rpl_sent","6xx","5xx","4xx","3xx","2xx","created","freed","delayed_free"}
 */
#include "modules/tm/tm.h"

#include "core/rpc.h"

rt_stat_mt *tm_mtx, *tm_mtt;

static const char *const tmx_names[TS_NX] = {
	"UAS_transactions", "UAC_transactions", "2xx_transactions", "3xx_transactions",
	"4xx_transactions", "5xx_transactions", "6xx_transactions", "rpl_received", "rpl_generated",
	"rpl_relayed", "rpl_sent",
};
static const char *const tm_names[TS_NT] = {
	"retransmission_req_T1", "retransmission_req_T2", "retransmission_rpl",
	"timeout_finalresponse", "timeout_finalresponse_inv",
};

static rt_stat *x[TS_NX];

static long long get(int i)
{
	return rt_stat_get(x[i]);
}

static long long rd_inuse(void *a)
{
	(void)a;
	return tm_cells_inuse();
}

static long long rd_active(void *a)
{
	(void)a;
	long long v = tm_cells_inuse() - tm_cells_waiting();
	return v > 0 ? v : 0;
}

static long long rd_absorbed(void *a)
{
	(void)a;
	return get(TS_RPL_RECEIVED) - get(TS_RPL_RELAYED);
}

static long long rd_alias(void *a)
{
	return get((int)(long)a);
}

void tm_stats_final(tm_cell *t, int code)
{
	if (t->final_counted || code < 200 || code > 699)
		return;
	t->final_counted = 1;
	tm_stat(TS_2XX + code / 100 - 2);
}

int tm_stats_init(void)
{
	if (tm_mtx)
		return 0;
	tm_mtx = rt_stat_mt_new("tmx", tmx_names, TS_NX, RT_STAT_NO_RESET);
	tm_mtt = rt_stat_mt_new("tm", tm_names, TS_NT, 0);
	if (!tm_mtx || !tm_mtt)
		return -1;
	for (int i = 0; i < TS_NX; i++)
		x[i] = rt_stat_find("tmx", tmx_names[i]);
	rt_stat_fn("tmx", "inuse_transactions", rd_inuse, NULL);
	rt_stat_fn("tmx", "active_transactions", rd_active, NULL);
	rt_stat_fn("tmx", "rpl_absorbed", rd_absorbed, NULL);
	rt_stat_fn("tm", "received_replies", rd_alias, (void *)(long)TS_RPL_RECEIVED);
	rt_stat_fn("tm", "relayed_replies", rd_alias, (void *)(long)TS_RPL_RELAYED);
	rt_stat_fn("tm", "local_replies", rd_alias, (void *)(long)TS_RPL_GENERATED);
	rt_stat_fn("tm", "UAS_transactions", rd_alias, (void *)(long)TS_UAS);
	rt_stat_fn("tm", "UAC_transactions", rd_alias, (void *)(long)TS_UAC);
	rt_stat_fn("tm", "2xx_transactions", rd_alias, (void *)(long)TS_2XX);
	rt_stat_fn("tm", "3xx_transactions", rd_alias, (void *)(long)TS_3XX);
	rt_stat_fn("tm", "4xx_transactions", rd_alias, (void *)(long)TS_4XX);
	rt_stat_fn("tm", "5xx_transactions", rd_alias, (void *)(long)TS_5XX);
	rt_stat_fn("tm", "6xx_transactions", rd_alias, (void *)(long)TS_6XX);
	rt_stat_fn("tm", "inuse_transactions", rd_inuse, NULL);
	return 0;
}

/* ---- tm.stats ---------------------------------------------------------------------------- */

static int rpc_stats(const rt_rpc_in *in, rt_rpc_out *o)
{
	(void)in;
	long long total = get(TS_UAS), local = get(TS_UAC), inuse = tm_cells_inuse();
	long long created = total + local;
	rpc_obj_open(o, NULL);
	rpc_int(o, "current", inuse);
	rpc_int(o, "waiting", tm_cells_waiting());
	rpc_int(o, "total", total);
	rpc_int(o, "total_local", local);
	rpc_int(o, "rpl_received", get(TS_RPL_RECEIVED));
	rpc_int(o, "rpl_generated", get(TS_RPL_GENERATED));
	rpc_int(o, "rpl_sent", get(TS_RPL_SENT));
	rpc_int(o, "6xx", get(TS_6XX));
	rpc_int(o, "5xx", get(TS_5XX));
	rpc_int(o, "4xx", get(TS_4XX));
	rpc_int(o, "3xx", get(TS_3XX));
	rpc_int(o, "2xx", get(TS_2XX));
	rpc_int(o, "created", created);
	rpc_int(o, "freed", created - inuse > 0 ? created - inuse : 0);
	rpc_int(o, "delayed_free", 0);
	rpc_obj_close(o);
	return 0;
}

/* tm.list: the transactions in the table (a routec addition for debugging:
 * index, label, method, state). */
typedef struct list_ctx {
	rt_rpc_out *o;
	int n;
} list_ctx;

static void list_one(tm_cell *t, void *arg)
{
	list_ctx *l = arg;
	if (l->n++ >= 1000)
		return;
	rpc_obj_open(l->o, NULL);
	rpc_int(l->o, "tindex", t->hash);
	rpc_int(l->o, "tlabel", t->label);
	rpc_str(l->o, "method", t->method.s ? t->method.s : "", t->method.s ? t->method.len : 0);
	rpc_str(l->o, "callid", t->callid.s ? t->callid.s : "", t->callid.len);
	rpc_int(l->o, "status", atomic_load(&t->uas_status));
	rpc_int(l->o, "branches", t->nbr);
	rpc_bool(l->o, "on_wait", (t->flags & TM_T_ON_WAIT) != 0);
	rpc_obj_close(l->o);
}

static int rpc_list(const rt_rpc_in *in, rt_rpc_out *o)
{
	(void)in;
	list_ctx l = { o, 0 };
	rpc_arr_open(o, NULL);
	tm_table_each(list_one, &l);
	rpc_arr_close(o);
	return 0;
}

int tm_rpc_init(void);
int tm_rpc_init(void)
{
	if (rt_rpc_register("tm.stats", rpc_stats, "Transaction statistics.") < 0 ||
	    rt_rpc_register("tm.list", rpc_list, "The transactions in memory (at most 1000).") < 0)
		return -1;
	return 0;
}
