/*
 * tests/test_rwlock_misuse.c - the shared locks' misuse checks
 * (-Ddebug_checks, on in debug builds) fire with a clear message: read
 * unlock without a read lock, write unlock by a thread that does not hold
 * the lock for writing, destroy while held.  Death tests as in
 * tests/test_misuse.c: each misuse runs in a forked child (this binary
 * creates no threads outside such children), which must die of SIGABRT
 * having printed "usync: <function>: <what>".  Release builds: correct use
 * passes and the checks are gone.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <usync/usync.h>

#include "expect_death.h"

#if USYNC_DEBUG_CHECKS


static const char *const not_reading = "read_unlock of a lock not held for reading";
static const char *const not_writing = "write_unlock of a lock not held for writing";
static const char *const held = "destroy of a lock that is held";

/* Per-algorithm API: the three misuses of each lock without context. */
#define PLAIN_MISUSE(NAME)                                                     \
	static void NAME##_read_unlock_free(void)                              \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_read_unlock(&l);                                \
	}                                                                      \
	static void NAME##_write_unlock_free(void)                             \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_write_unlock(&l);                               \
	}                                                                      \
	static void NAME##_write_unlock_by_reader(void)                        \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_read_lock(&l);                                  \
		usync_##NAME##_write_unlock(&l);                               \
	}                                                                      \
	static void NAME##_read_unlock_by_writer(void)                         \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_write_lock(&l);                                 \
		usync_##NAME##_read_unlock(&l);                                \
	}                                                                      \
	static void NAME##_destroy_read_held(void)                             \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_read_lock(&l);                                  \
		usync_##NAME##_destroy(&l);                                    \
	}                                                                      \
	static void NAME##_destroy_write_held(void)                            \
	{                                                                      \
		usync_##NAME##_t l;                                            \
		usync_##NAME##_init(&l);                                       \
		usync_##NAME##_write_lock(&l);                                 \
		usync_##NAME##_destroy(&l);                                    \
	}                                                                      \
	static void NAME##_misuse(void)                                        \
	{                                                                      \
		expect_death(NAME##_read_unlock_free, not_reading);            \
		expect_death(NAME##_read_unlock_by_writer, not_reading);       \
		expect_death(NAME##_write_unlock_free, not_writing);           \
		expect_death(NAME##_write_unlock_by_reader, not_writing);      \
		expect_death(NAME##_destroy_read_held, held);                  \
		expect_death(NAME##_destroy_write_held, held);                 \
	}

PLAIN_MISUSE(rw_counter)
PLAIN_MISUSE(rw_ticket)
PLAIN_MISUSE(rw_phasefair)

static void rw_mcs_read_unlock_free(void)
{
	usync_rw_mcs_t l = USYNC_RW_MCS_INITIALIZER;
	usync_rw_mcs_node_t n;
	memset(&n, 0, sizeof(n));
	usync_rw_mcs_read_unlock(&l, &n);
}
static void rw_mcs_read_unlock_by_writer(void)
{
	usync_rw_mcs_t l = USYNC_RW_MCS_INITIALIZER;
	usync_rw_mcs_node_t n;
	usync_rw_mcs_write_lock(&l, &n);
	usync_rw_mcs_read_unlock(&l, &n);
}
static void rw_mcs_write_unlock_by_reader(void)
{
	usync_rw_mcs_t l = USYNC_RW_MCS_INITIALIZER;
	usync_rw_mcs_node_t n;
	usync_rw_mcs_read_lock(&l, &n);
	usync_rw_mcs_write_unlock(&l, &n);
}
static void rw_mcs_write_unlock_other_node(void)
{
	usync_rw_mcs_t l = USYNC_RW_MCS_INITIALIZER;
	usync_rw_mcs_node_t mine, other;
	memset(&other, 0, sizeof(other));
	usync_rw_mcs_write_lock(&l, &mine);
	usync_rw_mcs_write_unlock(&l, &other);
}
static void rw_mcs_destroy_held(void)
{
	usync_rw_mcs_t l = USYNC_RW_MCS_INITIALIZER;
	usync_rw_mcs_node_t n;
	usync_rw_mcs_read_lock(&l, &n);
	usync_rw_mcs_destroy(&l);
}
static void rw_mcs_misuse(void)
{
	expect_death(rw_mcs_read_unlock_free, not_reading);
	expect_death(rw_mcs_read_unlock_by_writer, not_reading);
	expect_death(rw_mcs_write_unlock_by_reader, not_writing);
	expect_death(rw_mcs_write_unlock_other_node, not_writing);
	expect_death(rw_mcs_destroy_held, held);
}

/* Generic API: the same three misuses, for every registered algorithm. */
static const char *generic_name;

static void generic_read_unlock_free(void)
{
	usync_rwlock_t *l;
	usync_rwlock_ctx_t c;
	if (usync_rwlock_create(&l, generic_name, 2) == 0)
		usync_rwlock_read_release(l, &c);
}
static void generic_write_unlock_by_reader(void)
{
	usync_rwlock_t *l;
	usync_rwlock_ctx_t c;
	if (usync_rwlock_create(&l, generic_name, 2) != 0)
		return;
	usync_rwlock_read_acquire(l, &c);
	usync_rwlock_write_release(l, &c);
}
static void generic_write_unlock_free(void)
{
	usync_rwlock_t *l;
	usync_rwlock_ctx_t c;
	if (usync_rwlock_create(&l, generic_name, 2) == 0)
		usync_rwlock_write_release(l, &c);
}
static void generic_destroy_held(void)
{
	usync_rwlock_t *l;
	usync_rwlock_ctx_t c;
	if (usync_rwlock_create(&l, generic_name, 2) != 0)
		return;
	usync_rwlock_write_acquire(l, &c);
	usync_rwlock_destroy(l);
}
static void generic_destroy_read_held(void)
{
	usync_rwlock_t *l;
	usync_rwlock_ctx_t c;
	if (usync_rwlock_create(&l, generic_name, 2) != 0)
		return;
	usync_rwlock_read_acquire(l, &c);
	usync_rwlock_destroy(l);
}

static void bravo_write_unlock_by_reader(void)
{
	usync_bravo_t l;
	usync_bravo_ctx_t c;
	if (usync_bravo_init(&l, USYNC_BRAVO_RW_PHASEFAIR) != 0)
		return;
	usync_bravo_read_lock(&l, &c);
	usync_bravo_write_unlock(&l, &c);
}
static void bravo_read_unlock_by_writer(void)
{
	usync_bravo_t l;
	usync_bravo_ctx_t c;
	if (usync_bravo_init(&l, USYNC_BRAVO_RW_TICKET) != 0)
		return;
	usync_bravo_write_lock(&l, &c);
	usync_bravo_read_unlock(&l, &c);
}
static void bravo_destroy_fast_reader_inside(void)
{
	usync_bravo_t l;
	usync_bravo_ctx_t c;
	if (usync_bravo_init(&l, USYNC_BRAVO_RW_COUNTER) != 0)
		return;
	usync_bravo_read_lock(&l, &c); /* by the table: the inner is free */
	usync_bravo_destroy(&l);
}

static void test_rwlock_misuse_aborts(void **state)
{
	(void)state;
	rw_counter_misuse();
	rw_ticket_misuse();
	rw_phasefair_misuse();
	rw_mcs_misuse();
	expect_death(bravo_write_unlock_by_reader, not_writing);
	expect_death(bravo_read_unlock_by_writer, not_reading);
	expect_death(bravo_destroy_fast_reader_inside, held);
	for (const char *const *n = usync_rwlock_algorithms(); *n; n++) {
		generic_name = *n;
		expect_death(generic_read_unlock_free, not_reading);
		expect_death(generic_write_unlock_free, not_writing);
		expect_death(generic_write_unlock_by_reader, not_writing);
		expect_death(generic_destroy_held, held);
		expect_death(generic_destroy_read_held, held);
	}
}

#endif /* USYNC_DEBUG_CHECKS */

/* Correct use never trips a check, through either API. */
static void test_rwlock_correct_use_passes(void **state)
{
	(void)state;
	for (const char *const *n = usync_rwlock_algorithms(); *n; n++) {
		usync_rwlock_t *l;
		usync_rwlock_ctx_t a, b;
		assert_int_equal(usync_rwlock_create(&l, *n, 2), 0);
		for (int i = 0; i < 100; i++) {
			usync_rwlock_read_acquire(l, &a);
			usync_rwlock_read_release(l, &a);
			usync_rwlock_write_acquire(l, &a);
			usync_rwlock_write_release(l, &a);
			assert_true(usync_rwlock_read_try_acquire(l, &b));
			usync_rwlock_read_release(l, &b);
			assert_true(usync_rwlock_write_try_acquire(l, &b));
			usync_rwlock_write_release(l, &b);
		}
		usync_rwlock_destroy(l);
	}
	usync_rw_counter_t c = USYNC_RW_COUNTER_INITIALIZER;
	usync_rw_counter_read_lock(&c);
	usync_rw_counter_read_lock(&c);
	usync_rw_counter_read_unlock(&c);
	usync_rw_counter_read_unlock(&c);
	usync_rw_counter_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rwlock_correct_use_passes),
#if USYNC_DEBUG_CHECKS
		cmocka_unit_test(test_rwlock_misuse_aborts),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
