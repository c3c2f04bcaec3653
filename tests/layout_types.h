/* tests/layout_types.h - every public type whose layout C and C++ share:
 * X(type) for each.  Used by tests/layout_c.c (compiled as C) and
 * tests/headers_cxx.cc (as C++), which compare their sizeof and alignof. */
#define USYNC_TEST_LAYOUT_TYPES(X)                                             \
	X(usync_spin_t) X(usync_spin_backoff_t) X(usync_tas_t) X(usync_ttas_t) \
	X(usync_backoff_t) X(usync_ticket_t) X(usync_anderson_t)              \
	X(usync_mcs_node_t) X(usync_mcs_t) X(usync_mcs_tp_node_t)             \
	X(usync_mcs_tp_t) X(usync_clh_node_t) X(usync_clh_t)                  \
	X(usync_clh_ctx_t) X(usync_lock_ctx_t) X(usync_cond_t)                \
	X(usync_counter_barrier_t) X(usync_counter_barrier_thread_t)          \
	X(usync_tree_barrier_t) X(usync_tree_barrier_node_t)                  \
	X(usync_tree_barrier_thread_t) X(usync_mcs_barrier_t)                 \
	X(usync_mcs_barrier_node_t) X(usync_tournament_barrier_t)             \
	X(usync_tournament_barrier_round_t)                                   \
	X(usync_tournament_barrier_thread_t) X(usync_dissemination_barrier_t) \
	X(usync_dissemination_barrier_flag_t)                                 \
	X(usync_dissemination_barrier_thread_t) X(usync_rw_counter_t)          \
	X(usync_rw_ticket_t) X(usync_rw_phasefair_t) X(usync_rw_mcs_node_t)   \
	X(usync_rw_mcs_t) X(usync_bravo_t) X(usync_bravo_ctx_t)               \
	X(usync_rwlock_ctx_t)
