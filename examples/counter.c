/*
 * examples/counter.c - a shared counter under a usync lock, both ways:
 *
 *   1. the generic API: the algorithm is a run-time string (argv[1],
 *      default "mcs"), as an application reading its configuration would;
 *      argv[2], if given, is the number of rounds per thread;
 *   2. a per-algorithm API (the MCS lock), with its inline fast paths.
 *
 * Build it inside the project (meson), against an installed usync:
 *   cc counter.c $(pkg-config --cflags --libs --static usync)
 * or from a Meson project with dependency('usync') (see subproject/).
 */
#include <usync/usync.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4

static int rounds = 100000; /* per thread; argv[2] overrides */
static usync_lock_t *generic_lock;
static usync_mcs_t mcs_lock = USYNC_MCS_INITIALIZER;
static unsigned long generic_count, mcs_count; /* protected by the locks */

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		usync_lock_ctx_t ctx; /* one acquisition's state, on the stack */
		usync_lock_acquire(generic_lock, &ctx);
		generic_count++;
		usync_lock_release(generic_lock, &ctx);

		usync_mcs_node_t node; /* the MCS queue node, likewise */
		usync_mcs_lock(&mcs_lock, &node);
		mcs_count++;
		usync_mcs_unlock(&mcs_lock, &node);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *algorithm = argc > 1 ? argv[1] : "mcs";
	if (argc > 2 && atoi(argv[2]) > 0)
		rounds = atoi(argv[2]);
	int err = usync_lock_create(&generic_lock, algorithm, THREADS);
	if (err != 0) {
		fprintf(stderr, "usync_lock_create(%s): %s\navailable:",
			algorithm, strerror(err));
		for (const char *const *n = usync_lock_algorithms(); *n; n++)
			fprintf(stderr, " %s", *n);
		fputc('\n', stderr);
		return 2;
	}
	pthread_t threads[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create(&threads[t], NULL, worker, NULL);
	for (int t = 0; t < THREADS; t++)
		pthread_join(threads[t], NULL);
	usync_lock_destroy(generic_lock);

	unsigned long expected = (unsigned long)THREADS * (unsigned long)rounds;
	printf("usync %s: %s counted %lu, mcs counted %lu (expected %lu)\n",
	       USYNC_VERSION, algorithm, generic_count, mcs_count, expected);
	return generic_count == expected && mcs_count == expected ? 0 : 1;
}
