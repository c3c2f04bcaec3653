// tests/headers_cxx.cc - the public headers as C++ (built for C++11, 14,
// 17, 20 and 23 with -Wall -Wextra -Werror -pedantic), and the C and C++
// views of each public type are one layout: sizeof and alignof here equal
// those tests/layout_c.c computed as C.  USYNC_HEADERS_STD_FIRST puts the
// standard headers before usync's (the build compiles both orders).
#ifdef USYNC_HEADERS_STD_FIRST
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#if __cplusplus > 202002L && defined(__has_include)
#if __has_include(<stdatomic.h>)
#include <stdatomic.h> // C++23: the C atomics, declared by std too
#endif
#endif
#include <usync/usync.h>
#include <usync/usync.hpp>
#else
#include <usync/usync.h>
#include <usync/usync.hpp>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#endif

#include <cstdio>
#include <vector>

#include "layout_types.h"

extern "C" const size_t usync_test_layouts_c[][2];

// Static initializers are constant expressions in C++ too.
static usync_tas_t tas = USYNC_TAS_INITIALIZER;
static usync_ttas_t ttas = USYNC_TTAS_INITIALIZER;
static usync_backoff_t backoff = USYNC_BACKOFF_INITIALIZER;
static usync_ticket_t ticket = USYNC_TICKET_INITIALIZER;
static usync_mcs_t mcs = USYNC_MCS_INITIALIZER;
static usync_mcs_tp_t mcs_tp = USYNC_MCS_TP_INITIALIZER;
static usync_cond_t cond = USYNC_COND_INITIALIZER;
#if __cplusplus >= 202002L
constinit static usync_mcs_t mcs_constinit = USYNC_MCS_INITIALIZER;
constinit static usync_cond_t cond_constinit = USYNC_COND_INITIALIZER;
#endif

int main()
{
	int bad = 0;
	size_t i = 0;
#define LAYOUT_CHECK(type)                                                     \
	if (sizeof(type) != usync_test_layouts_c[i][0] ||                      \
	    alignof(type) != usync_test_layouts_c[i][1]) {                     \
		std::printf("%s: C++ %zu/%zu, C %zu/%zu (size/align)\n",       \
			    #type, sizeof(type), alignof(type),                \
			    usync_test_layouts_c[i][0],                        \
			    usync_test_layouts_c[i][1]);                       \
		bad = 1;                                                       \
	}                                                                      \
	i++;
	USYNC_TEST_LAYOUT_TYPES(LAYOUT_CHECK)
#undef LAYOUT_CHECK

	// The condition variable's inline fast paths: no waiter, no call.
	usync_cond_signal(&cond);
	usync_cond_broadcast(&cond);
#if __cplusplus >= 202002L
	usync_cond_signal(&cond_constinit);
#endif

	// The inline fast paths, from C++ threads.  One counter per lock:
	// two threads may be inside two different locks at once.
	long count[6] = { 0, 0, 0, 0, 0, 0 };
	std::vector<std::thread> threads;
	for (int t = 0; t < 2; t++)
		threads.emplace_back([&count] {
			for (int k = 0; k < 1000; k++) {
				usync_tas_lock(&tas);
				count[0]++;
				usync_tas_unlock(&tas);
				usync_ttas_lock(&ttas);
				count[1]++;
				usync_ttas_unlock(&ttas);
				usync_backoff_lock(&backoff);
				count[2]++;
				usync_backoff_unlock(&backoff);
				usync_ticket_lock(&ticket);
				count[3]++;
				usync_ticket_unlock(&ticket);
				usync_mcs_node_t node;
				usync_mcs_lock(&mcs, &node);
				count[4]++;
				usync_mcs_unlock(&mcs, &node);
				usync_mcs_tp_node_t tp_node;
				usync_mcs_tp_lock(&mcs_tp, &tp_node);
				count[5]++;
				usync_mcs_tp_unlock(&mcs_tp, &tp_node);
			}
		});
	for (auto &t : threads)
		t.join();
	for (int k = 0; k < 6; k++)
		if (count[k] != 2 * 1000) {
			std::printf("count[%d] %ld\n", k, count[k]);
			bad = 1;
		}
#if __cplusplus >= 202002L
	usync_mcs_node_t n;
	usync_mcs_lock(&mcs_constinit, &n);
	usync_mcs_unlock(&mcs_constinit, &n);
#endif

	usync_lock_t *lock = nullptr;
	usync_lock_ctx_t ctx;
	if (usync_lock_create(&lock, "clh", 2) != 0)
		return 1;
	usync_lock_acquire(lock, &ctx);
	usync_lock_release(lock, &ctx);
	usync_lock_destroy(lock);

	usync_rwlock_t *rw = nullptr;
	usync_rwlock_ctx_t rctx;
	if (usync_rwlock_create(&rw, "bravo:rw_mcs", 2) != 0)
		return 1;
	usync_rwlock_read_acquire(rw, &rctx);
	usync_rwlock_read_release(rw, &rctx);
	usync_rwlock_destroy(rw);
	usync_bravo_t bravo;
	usync_bravo_ctx_t bctx;
	if (usync_bravo_init(&bravo, USYNC_BRAVO_RW_PHASEFAIR) != 0)
		return 1;
	usync_bravo_read_lock(&bravo, &bctx);
	usync_bravo_read_unlock(&bravo, &bctx);
	usync_bravo_destroy(&bravo);
	std::printf("usync %s: headers compile as C++ (%ld), %zu layouts agree "
		    "with C: %s\n",
		    USYNC_VERSION, (long)__cplusplus, i, bad ? "NO" : "yes");
	return bad;
}
