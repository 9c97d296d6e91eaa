/* scratch.c: per-thread buffers allocated on first use (scratch.h).
 *
 * A thread's buffers are chained behind a small header; the chain's head is
 * the thread's value of one pthread key, whose destructor frees the chain
 * when the thread ends (the main thread's live until exit, still reachable). */
#include "core/scratch.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/rt.h"

typedef struct scratch_hdr {
	struct scratch_hdr *next;
	void **slot;
	_Alignas(16) char mem[];
} scratch_hdr;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_ok;

static void chain_free(void *head)
{
	for (scratch_hdr *h = head, *n; h; h = n) {
		n = h->next;
		*h->slot = NULL; /* a destructor of another key may still run code */
		free(h);
	}
}

static void key_init(void)
{
	key_ok = pthread_key_create(&key, chain_free) == 0;
}

void *rt_scratch_alloc(void **slot, size_t size, int zero)
{
	pthread_once(&once, key_init);
	scratch_hdr *h = !key_ok ? NULL : zero ? calloc(1, sizeof *h + size) : malloc(sizeof *h + size);
	if (!h) {
		rt_log(RT_L_ERR, "out of memory for a %zu-byte per-thread buffer", size);
		return NULL;
	}
	h->slot = slot;
	h->next = pthread_getspecific(key);
	pthread_setspecific(key, h);
	return *slot = h->mem;
}
