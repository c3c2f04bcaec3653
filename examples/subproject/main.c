/*
 * examples/subproject/main.c - four threads take turns with a lock and
 * meet at a barrier each round, both chosen by name at run time
 * (argv[1] and argv[2], defaults "mcs" and "dissemination").
 */
#include <usync/usync.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 1000

static usync_lock_t *lock;
static usync_barrier_t *barrier;
static unsigned long turns[ROUNDS]; /* turns[r]: threads that passed round r */

static void *worker(void *arg)
{
	unsigned id = (unsigned)(size_t)arg;
	for (int r = 0; r < ROUNDS; r++) {
		usync_lock_ctx_t ctx;
		usync_lock_acquire(lock, &ctx);
		turns[r]++;
		usync_lock_release(lock, &ctx);
		/* After the barrier every thread sees all THREADS turns. */
		usync_barrier_wait(barrier, id);
		if (turns[r] != THREADS) {
			fprintf(stderr, "round %d: %lu turns\n", r, turns[r]);
			return (void *)1;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *lock_name = argc > 1 ? argv[1] : "mcs";
	const char *barrier_name = argc > 2 ? argv[2] : "dissemination";
	int err = usync_lock_create(&lock, lock_name, THREADS);
	if (err == 0)
		err = usync_barrier_create(&barrier, barrier_name, THREADS);
	if (err != 0) {
		fprintf(stderr, "usync: %s\n", strerror(err));
		return 2;
	}
	pthread_t threads[THREADS];
	for (size_t t = 0; t < THREADS; t++)
		pthread_create(&threads[t], NULL, worker, (void *)t);
	int bad = 0;
	for (size_t t = 0; t < THREADS; t++) {
		void *ret;
		pthread_join(threads[t], &ret);
		bad |= ret != NULL;
	}
	usync_barrier_destroy(barrier);
	usync_lock_destroy(lock);
	printf("usync %s: %s + %s, %d rounds of %d threads: %s\n", USYNC_VERSION,
	       lock_name, barrier_name, ROUNDS, THREADS, bad ? "FAILED" : "ok");
	return bad;
}
