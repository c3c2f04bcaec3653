/*
 * bench/probe_handoff.c - usync-probe-handoff: the two-thread handoff of
 * the queue and ticket locks against Concurrency Kit's, with nothing in the
 * critical section.
 *
 * usync-bench's lock workload counts every acquisition in a plain shared
 * counter (its mutual-exclusion check), so each handoff there also moves
 * that counter's line, and at two threads that extra transfer dilutes a
 * difference between two locks' handoffs (a 1.4x gap measured 1.02x).
 * This probe measures MCS'91's empty critical section instead: two threads
 * pinned to two CPUs, each kind for ROUND_MS per round, the kinds
 * interleaved round by round; it prints the median time per acquisition
 * (wall time / all acquisitions) and the median of the per-round ratios
 * usync / ck.  Exclusion is not checked here (the test suite does that).
 *
 * usage: usync-probe-handoff [rounds (9)] [round_ms (60)] [cpu_a cpu_b (0 1)]
 * USYNC_PROBE_POLICY=spin|yield|park sets the usync locks' policy.
 */
#define _GNU_SOURCE
#include <ck_spinlock.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <usync/usync.h>

enum { K_USYNC_MCS, K_CK_MCS, K_USYNC_TICKET, K_CK_TICKET, K_N };
static const char *const names[K_N] = { "usync:mcs", "ck:mcs",
					"usync:ticket", "ck:ticket" };
#define MAX_ROUNDS 101

/* Each lock, and the flags every worker polls, alone in a 128-byte block
 * (two lines: the adjacent-line prefetcher pairs them), so that no lock
 * shares a line with another lock or with the stop flag, which every
 * iteration reads.  (Packed, ck's ticket lock sat on the stop flag's line,
 * and the two MCS locks shared one.) */
#define OWN_BLOCK(type, name)                                                  \
	static union {                                                         \
		type v;                                                        \
		char pad[128];                                                 \
	} __attribute__((aligned(128))) name
OWN_BLOCK(usync_mcs_t, umcs_b);
OWN_BLOCK(ck_spinlock_mcs_t, cmcs_b);
OWN_BLOCK(usync_ticket_t, uticket_b);
OWN_BLOCK(ck_spinlock_ticket_t, cticket_b);
OWN_BLOCK(atomic_int, stop_b);
OWN_BLOCK(atomic_int, kind_b);
OWN_BLOCK(long, counts_b[2]);
#define umcs (umcs_b.v)
#define cmcs (cmcs_b.v)
#define uticket (uticket_b.v)
#define cticket (cticket_b.v)
#define stop (stop_b.v)
#define kind (kind_b.v)
#define counts(i) (counts_b[i].v)
static int cpus[2] = { 0, 1 };
static pthread_barrier_t bar;

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpus[id], &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "probe: cannot pin to cpu %d\n", cpus[id]);
	usync_mcs_node_t unode __attribute__((aligned(64)));
	struct ck_spinlock_mcs cnode __attribute__((aligned(64)));
	for (;;) {
		pthread_barrier_wait(&bar);
		int k = atomic_load(&kind);
		if (k < 0)
			return NULL;
		long n = 0;
		while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
			switch (k) {
			case K_USYNC_MCS:
				usync_mcs_lock(&umcs, &unode);
				usync_mcs_unlock(&umcs, &unode);
				break;
			case K_CK_MCS:
				ck_spinlock_mcs_lock(&cmcs, &cnode);
				ck_spinlock_mcs_unlock(&cmcs, &cnode);
				break;
			case K_USYNC_TICKET:
				usync_ticket_lock(&uticket);
				usync_ticket_unlock(&uticket);
				break;
			default:
				ck_spinlock_ticket_lock(&cticket);
				ck_spinlock_ticket_unlock(&cticket);
				break;
			}
			n++;
		}
		counts(id) = n;
		pthread_barrier_wait(&bar);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];
	memcpy(s, v, sizeof(double) * (size_t)n);
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return s[n / 2];
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;
	int ms = argc > 2 ? atoi(argv[2]) : 60;
	if (argc > 4) {
		cpus[0] = atoi(argv[3]);
		cpus[1] = atoi(argv[4]);
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || ms < 1 || ms > 10000) {
		fprintf(stderr, "usage: %s [rounds 1-%d] [round_ms 1-10000] "
				"[cpu_a cpu_b]\n", argv[0], MAX_ROUNDS);
		return 2;
	}
	usync_mcs_init(&umcs);
	ck_spinlock_ticket_init(&cticket);
	usync_ticket_init(&uticket);
	const char *p = getenv("USYNC_PROBE_POLICY");
	if (p != NULL) {
		usync_wait_policy_t pol = !strcmp(p, "spin") ? USYNC_WAIT_SPIN
					  : !strcmp(p, "park") ? USYNC_WAIT_PARK
							       : USYNC_WAIT_YIELD;
		usync_mcs_set_policy(&umcs, pol);
		usync_ticket_set_policy(&uticket, pol);
	}
	pthread_barrier_init(&bar, NULL, 3);
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	static double ns[K_N][MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < K_N; k++) {
			atomic_store(&kind, k);
			atomic_store(&stop, 0);
			pthread_barrier_wait(&bar);
			double t0 = now_ns();
			struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&d, NULL);
			atomic_store(&stop, 1);
			pthread_barrier_wait(&bar);
			ns[k][r] = (now_ns() - t0) /
				   (double)(counts(0) + counts(1));
		}
	atomic_store(&kind, -1);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("2 threads on cpus %d and %d, empty critical section, %d rounds "
	       "of %d ms\n", cpus[0], cpus[1], rounds, ms);
	for (int k = 0; k < K_N; k++)
		printf("%-13s %8.1f ns per acquisition (median)\n", names[k],
		       median(ns[k], rounds));
	for (int k = 0; k < K_N; k += 2) {
		double v[MAX_ROUNDS];
		for (int r = 0; r < rounds; r++)
			v[r] = ns[k][r] / ns[k + 1][r];
		printf("%s / %s: %.3f (median of per-round ratios)\n", names[k],
		       names[k + 1], median(v, rounds));
	}
	return 0;
}
