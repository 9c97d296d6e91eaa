/* scratch.h: large per-thread buffers, allocated at a thread's first use.
 *
 * A _Thread_local array is part of every thread's static TLS block, which
 * glibc zeroes when it creates the thread: tm's and sl's 64 KB build
 * buffers made each thread (receivers, timers, the control threads)
 * resident by ~480 KB before it handled a message, 2.4 MB of a stateful
 * proxy's ~19 MB at 500 calls/s.  A scratch buffer costs a thread nothing
 * until the thread asks for it, then only the pages it writes; it is freed
 * when the thread ends.
 *
 *     static _Thread_local void *obuf_slot;
 *     char *obuf = rt_scratch(&obuf_slot, 65536);   // NULL: out of memory
 *
 * The slot must be _Thread_local.  rt_scratch's memory is not zeroed
 * (that would touch every page again: for buffers written before they are
 * read); rt_scratch_zero's is, once, when it is allocated, as a TLS object
 * was (for structs that keep state from one use to the next).
 */
#ifndef ROUTEC_SCRATCH_H
#define ROUTEC_SCRATCH_H

#include <stddef.h>

void *rt_scratch_alloc(void **slot, size_t size, int zero);

static inline void *rt_scratch(void **slot, size_t size)
{
	return *slot ? *slot : rt_scratch_alloc(slot, size, 0);
}

static inline void *rt_scratch_zero(void **slot, size_t size)
{
	return *slot ? *slot : rt_scratch_alloc(slot, size, 1);
}

#endif
