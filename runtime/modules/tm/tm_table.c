/* tm_table.c: the transaction table, cells, their references and memory.
 *
 * TM_TABLE_SIZE buckets, each a doubly linked chain and a label counter
 * (seeded at random, as Kamailio does, so that $T(id_label) values of two
 * runs differ); the chains are guarded by TM_LOCKS mutexes, bucket i by
 * lock i % TM_LOCKS: 65536 mutexes would cost 2.5 MiB for nothing, a
 * request holds its bucket for a few hundred nanoseconds.
 *
 * A cell is one malloc'd block: the struct, then the memory tm_cell_mem
 * hands out (the request copy, branch buffers, replies).  When a cell needs
 * more (serial forking, a long reply) a chunk is chained to it; everything
 * goes with the last reference.
 */
#include "modules/tm/tm.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TM_LOCKS 1024
#define TM_CHUNK 256 /* room a chunk has besides what it was made for */

struct tm_chunk {
	tm_chunk *next;
	size_t cap;
	_Alignas(16) char mem[];
};

typedef struct tm_bucket {
	tm_cell *head;
	unsigned next_label;  /* labels handed out, counted from the bucket's start */
} tm_bucket;

static tm_bucket *table;
static unsigned label_seed;
static pthread_mutex_t locks[TM_LOCKS];
static atomic_llong inuse;

int tm_table_init(void)
{
	if (table)
		return 0;
	table = calloc(TM_TABLE_SIZE, sizeof *table);
	if (!table) {
		rt_log(RT_L_ERR, "tm: out of memory for the transaction table");
		return -1;
	}
	/* a random first label per bucket, so a restart does not reuse the
	   identifiers the previous run handed out (t_continue, tm.t_uac ...
	   take them); derived from one seed when a bucket is first used, not
	   written into every bucket here: that touched the table's 1 MB at start */
	label_seed = (unsigned)time(NULL) ^ (unsigned)getpid() << 16;
	for (int i = 0; i < TM_LOCKS; i++)
		pthread_mutex_init(&locks[i], NULL);
	return 0;
}

static void cell_free(tm_cell *t)
{
	rt_gen_release(t->gen);
	pthread_mutex_destroy(&t->mu);
	for (tm_chunk *c = t->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	free(t);
}

void tm_table_destroy(void)
{
	if (!table)
		return;
	for (unsigned i = 0; i < TM_TABLE_SIZE; i++) {
		tm_cell *t = table[i].head;
		while (t) {
			tm_cell *n = t->next;
			t->in_table = 0;
			atomic_fetch_sub(&inuse, 1);
			/* at shutdown nothing else holds a reference */
			cell_free(t);
			t = n;
		}
	}
	free(table);
	table = NULL;
}

unsigned tm_hash(const char *callid, int clen, const char *cseq, int nlen)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < clen; i++)
		h = (h ^ (unsigned char)callid[i]) * 16777619u;
	h = (h ^ ' ') * 16777619u;
	for (int i = 0; i < nlen; i++)
		h = (h ^ (unsigned char)cseq[i]) * 16777619u;
	/* fold: FNV's low bits alone are weak */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & (TM_TABLE_SIZE - 1);
}

void tm_bucket_lock(unsigned hash)
{
	pthread_mutex_lock(&locks[hash % TM_LOCKS]);
}

void tm_bucket_unlock(unsigned hash)
{
	pthread_mutex_unlock(&locks[hash % TM_LOCKS]);
}

tm_cell *tm_bucket_first(unsigned hash)
{
	return table ? table[hash & (TM_TABLE_SIZE - 1)].head : NULL;
}

tm_cell *tm_cell_new(size_t size)
{
	size = (size + 15) & ~(size_t)15;
	size_t head = (sizeof(tm_cell) + 15) & ~(size_t)15;
	tm_cell *t = malloc(head + size);
	if (!t) {
		rt_log(RT_L_ERR, "tm: out of memory for a transaction (%zu bytes)", head + size);
		return NULL;
	}
	memset(t, 0, sizeof *t);
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&t->mu, &a);
	pthread_mutexattr_destroy(&a);
	atomic_init(&t->refs, 1);
	atomic_init(&t->uas_status, 0);
	t->tn.slot = -1;
	t->relayed = -1;
	t->blind = -1;
	t->picked = -1;
	t->mem = (char *)t + head;
	t->mem_left = size;
	return t;
}

/* bucket i's first label: 24 random-looking bits, a different start per bucket and run */
static unsigned label_start(unsigned i)
{
	unsigned x = label_seed ^ i * 0x9e3779b9u;
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	return x >> 8;
}

void tm_cell_insert_locked(tm_cell *t)
{
	tm_bucket *b = &table[t->hash];
	t->label = label_start(t->hash) + b->next_label++;
	t->prev = NULL;
	t->next = b->head;
	if (b->head)
		b->head->prev = t;
	b->head = t;
	t->in_table = 1;
	atomic_fetch_add(&t->refs, 1); /* the table's */
	atomic_fetch_add(&inuse, 1);
}

void tm_cell_remove(tm_cell *t)
{
	int was = 0;
	tm_bucket_lock(t->hash);
	if (t->in_table) {
		tm_bucket *b = &table[t->hash];
		if (t->prev)
			t->prev->next = t->next;
		else
			b->head = t->next;
		if (t->next)
			t->next->prev = t->prev;
		t->next = t->prev = NULL;
		t->in_table = 0;
		was = 1;
	}
	tm_bucket_unlock(t->hash);
	if (was) {
		atomic_fetch_sub(&inuse, 1);
		tm_cell_unref(t);
	}
}

void tm_cell_ref(tm_cell *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

void tm_cell_unref(tm_cell *t)
{
	if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		cell_free(t);
}

void *tm_cell_mem(tm_cell *t, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (n > t->mem_left) {
		/* a chunk for this and a little more: most cells never get one */
		size_t cap = n + TM_CHUNK;
		tm_chunk *c = malloc(sizeof *c + cap);
		if (!c) {
			rt_log(RT_L_ERR, "tm: out of memory (%zu bytes for a transaction)", n);
			return NULL;
		}
		c->cap = cap;
		c->next = t->chunks;
		t->chunks = c;
		t->mem = c->mem;
		t->mem_left = cap;
	}
	void *p = t->mem;
	t->mem += n;
	t->mem_left -= n;
	return p;
}

char *tm_cell_dup(tm_cell *t, const char *s, int len)
{
	char *d = tm_cell_mem(t, (size_t)len + 1);
	if (d) {
		if (len > 0)
			memcpy(d, s, (size_t)len);
		d[len] = '\0';
	}
	return d;
}

tm_cell *tm_cell_by_ident(unsigned hash, unsigned label)
{
	if (!table || hash >= TM_TABLE_SIZE)
		return NULL;
	tm_cell *found = NULL;
	tm_bucket_lock(hash);
	for (tm_cell *t = table[hash].head; t; t = t->next)
		if (t->label == label) {
			tm_cell_ref(t);
			found = t;
			break;
		}
	tm_bucket_unlock(hash);
	return found;
}

void tm_table_each(void (*fn)(tm_cell *t, void *arg), void *arg)
{
	if (!table)
		return;
	for (unsigned i = 0; i < TM_TABLE_SIZE; i++) {
		if (!table[i].head)
			continue;
		tm_bucket_lock(i);
		for (tm_cell *t = table[i].head; t; t = t->next)
			fn(t, arg);
		tm_bucket_unlock(i);
	}
}

long long tm_cells_inuse(void)
{
	return atomic_load(&inuse);
}
