/* ul_mod.c: the usrloc module's life cycle: its parameters, start (the
 * database, the tables, statistics, control methods, the timer) and stop.
 *
 * The location table belongs to the process, not to a script generation:
 * a reload keeps every binding.  So its parameters are read from the first
 * generation, as fixed ones (rt_gen_param_fixed): a reload that changes one
 * is refused as needing a restart, and when forced keeps the running
 * values.
 *
 * Modes (db_mode): 0 memory only; 1 write-through (each change written at
 * once); 2 write-back (the timer writes what changed); 4 the table is read
 * at start, then kept in memory only.  Kamailio's 3 (database only, no
 * cache) is refused: routec always serves from memory.
 */
#include "modules/usrloc/ul_int.h"

#include <stdio.h>
#include <string.h>

#include "core/fn.h"

/* Kamailio 5.6's defaults */
#define UL_DEFAULTS                                                                     \
	{ .use_domain = 0, .matching_mode = 0, .cseq_delay = 20, .desc_time_order = 0,  \
	  .db_mode = 0, .db_load = 1, .timer_interval = 60, .hash_size = 10, .nat_bflag = -1 }
static const ul_conf defaults = UL_DEFAULTS;
ul_conf ul_cfg = UL_DEFAULTS;

static int configured; /* ul_cfg came from a generation */
static int started;

/* An int modparam: 0 and *out (unchanged when absent), -1 when not an int. */
static int param_int(rc_gen_t *g, const char *name, int *out)
{
	const rc_param_def *p = rt_gen_param_fixed(g, "usrloc", name);
	if (!p)
		return 0;
	if (p->type != RC_INT) {
		rt_log(RT_L_ERR, "modparam(\"usrloc\", \"%s\"): an integer is expected", name);
		return -1;
	}
	*out = p->i;
	return 0;
}

static int read_conf(rc_gen_t *g, ul_conf *c)
{
	if (param_int(g, "use_domain", &c->use_domain) < 0 ||
	    param_int(g, "matching_mode", &c->matching_mode) < 0 ||
	    param_int(g, "cseq_delay", &c->cseq_delay) < 0 ||
	    param_int(g, "desc_time_order", &c->desc_time_order) < 0 ||
	    param_int(g, "db_mode", &c->db_mode) < 0 || param_int(g, "db_load", &c->db_load) < 0 ||
	    param_int(g, "timer_interval", &c->timer_interval) < 0 ||
	    param_int(g, "hash_size", &c->hash_size) < 0 || param_int(g, "nat_bflag", &c->nat_bflag) < 0)
		return -1;
	const rc_param_def *url = rt_gen_param_fixed(g, "usrloc", "db_url");
	if (url && url->type == RC_STR && url->s)
		snprintf(c->db_url, sizeof c->db_url, "%s", url->s);
	if (c->matching_mode < 0 || c->matching_mode > 3) {
		rt_log(RT_L_ERR, "modparam(\"usrloc\", \"matching_mode\", %d): 0..3 is expected",
		       c->matching_mode);
		return -1;
	}
	if (c->db_mode == 3 || c->db_mode < 0 || c->db_mode > 4) {
		rt_log(RT_L_ERR, "modparam(\"usrloc\", \"db_mode\", %d): routec serves the location "
		                 "table from memory: 0, 1, 2 or 4", c->db_mode);
		return -1;
	}
	if (c->timer_interval < 1)
		c->timer_interval = 1;
	if (c->db_mode && ul_db_url_path(c->db_url[0] ? c->db_url : "(none)", c->db_path,
	                                 sizeof c->db_path) < 0)
		return -1;
	return 0;
}

static int ul_gen_init(rc_gen_t *g)
{
	ul_conf c = defaults;
	if (read_conf(g, &c) < 0)
		return -1;
	/* later generations: the reload compared the fixed parameters */
	if (!configured) {
		ul_cfg = c;
		configured = 1;
	}
	return 0;
}

static int load_domain(ul_domain *d)
{
	if (d->loaded || !ul_db_is_open())
		return 0;
	d->loaded = 1;
	if (!ul_cfg.db_load && ul_cfg.db_mode != 4)
		return 0;
	int n = ul_db_load(d);
	if (n < 0)
		return -1;
	rt_log(RT_L_INFO, "usrloc: %d bindings loaded from table %s", n, d->name);
	return 0;
}

void ul_on_new_domain(ul_domain *d)
{
	if (started)
		load_domain(d);
}

static long long registered_users(void *arg)
{
	(void)arg;
	long long n = 0, users, contacts;
	for (int i = 0; ul_domain_at(i); i++) {
		ul_domain_stats(ul_domain_at(i), &users, &contacts);
		n += users;
	}
	return n;
}

int ul_started(void)
{
	return started;
}

int ul_start(void)
{
	if (started)
		return 0;
	if (ul_cfg.db_mode) {
		if (ul_db_open(ul_cfg.db_path) < 0)
			return -1;
		for (int i = 0; ul_domain_at(i); i++)
			if (load_domain(ul_domain_at(i)) < 0) {
				ul_db_close();
				return -1;
			}
		if (ul_cfg.db_mode == 4)
			ul_db_close(); /* read once, then memory only */
	}
	rt_stat_fn("usrloc", "registered_users", registered_users, NULL);
	if (ul_rpc_register() < 0 || ul_timer_start(ul_cfg.timer_interval) < 0) {
		ul_db_close();
		return -1;
	}
	started = 1;
	return 0;
}

void ul_stop(void)
{
	if (!started)
		return;
	ul_timer_stop();
	/* what the write-back cache holds reaches the file before we go */
	if (ul_db_is_open() && ul_db_flush() < 0)
		rt_log(RT_L_ERR, "usrloc: the last write-back failed: recent changes are lost");
	ul_db_close();
	for (int i = 0; ul_domain_at(i); i++) {
		ul_domain_clear(ul_domain_at(i));
		ul_domain_at(i)->loaded = 0;
	}
	started = 0;
}

static int mod_start(void)
{
	return ul_start();
}

const rt_module usrloc_module = { "usrloc", ul_gen_init, mod_start, ul_stop };
