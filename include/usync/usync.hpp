// usync/usync.hpp - C++ classes over the usync locks and barriers.
//
// Header-only, C++11 and later, namespace usync.  One class per primitive,
// named after its C type (usync::mcs_lock for usync_mcs_t), each meeting the
// standard Lockable requirements (lock, try_lock, unlock), so that
// std::lock_guard, std::unique_lock, std::scoped_lock (deadlock avoidance
// through try_lock) and std::condition_variable_any work unchanged.  The
// classes are neither copyable nor movable (waiters hold pointers into
// them).  Those whose C type has a static initializer have a constexpr
// default constructor, so a global lock can be `constinit` (C++20) and is
// ready before any constructor runs.  The others allocate and throw
// std::system_error (with the C function's errno) when that fails.
//
// Queue locks and the per-acquisition node.  An MCS or mcs_tp acquisition
// needs a queue node that stays put from lock() to unlock(), but lock()
// takes no argument.  Two designs were weighed:
//   - a guard type that carries the node (folly's DistributedMutex proxy):
//     no cost, but std::lock_guard, std::scoped_lock and
//     condition_variable_any cannot use it;
//   - the node from a small per-thread cache, and the holder's node kept in
//     the lock object: lock() takes a node from the calling thread's cache
//     and, once it holds the lock, records it in the lock (only the holder
//     writes or reads that member, so it needs no atomic); unlock() hands
//     it back.  Every standard wrapper works.
// The classes take the second, and offer the first as well: T::guard (for
// mcs_lock and mcs_tp_lock) keeps the node in the guard's own storage, the
// zero-overhead way to hold such a lock for a scope.  The cache keeps up to
// 16 free nodes per thread (more are freed), releases them at thread exit,
// and lets a node locked by one thread be unlocked by another (it joins the
// unlocking thread's cache).  clh_lock and generic_lock borrow their
// usync_lock_ctx_t from the same kind of cache.
//
// Timed locking.  Every exclusive lock class is also TimedLockable
// (try_lock_for, try_lock_until, as std::timed_mutex), through the C
// *_timedlock functions, so std::unique_lock's timed constructors work.  A
// std::chrono::steady_clock deadline is passed as it is (on Linux that
// clock is CLOCK_MONOTONIC, the C functions' clock); a deadline on another
// clock is converted by its distance from that clock's now(), as the
// standard allows.
//
// Ordering: as the C functions (acquire on lock, release on unlock).
#ifndef USYNC_USYNC_HPP
#define USYNC_USYNC_HPP

#include <usync/usync.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <type_traits>
#include <new>
#include <system_error>

namespace usync {

namespace detail {

[[noreturn]] inline void throw_errno(int err, const char *what)
{
	throw std::system_error(err, std::generic_category(), what);
}

// A steady_clock time as the C timed functions' absolute CLOCK_MONOTONIC
// deadline: before the epoch becomes the epoch (a deadline past), and
// anything beyond about 68 years from it is clamped there (never reached).
inline struct timespec monotonic_deadline(std::chrono::steady_clock::time_point tp)
{
	using namespace std::chrono;
	struct timespec ts;
	const auto since = tp.time_since_epoch();
	if (since <= steady_clock::duration::zero()) {
		ts.tv_sec = 0;
		ts.tv_nsec = 0;
		return ts;
	}
	const auto cap = duration_cast<steady_clock::duration>(seconds(INT32_MAX));
	const nanoseconds ns = duration_cast<nanoseconds>(since < cap ? since : cap);
	ts.tv_sec = static_cast<std::time_t>(ns.count() / 1000000000);
	ts.tv_nsec = static_cast<long>(ns.count() % 1000000000);
	return ts;
}

// From a duration or a time point on any clock (saturating: a duration
// too long to add to now() is a deadline never reached).
template <class Rep, class Period>
inline struct timespec deadline_after(const std::chrono::duration<Rep, Period> &d)
{
	using namespace std::chrono;
	const auto cap = hours(24 * 365 * 50);
	if (d <= d.zero())
		return monotonic_deadline(steady_clock::time_point());
	if (d >= duration_cast<duration<Rep, Period>>(cap))
		return monotonic_deadline(steady_clock::time_point::max());
	return monotonic_deadline(steady_clock::now() +
				  duration_cast<steady_clock::duration>(d));
}
template <class Clock, class Duration>
inline struct timespec deadline_at(const std::chrono::time_point<Clock, Duration> &tp)
{
	return deadline_after(tp - Clock::now());
}
template <class Duration>
inline struct timespec
deadline_at(const std::chrono::time_point<std::chrono::steady_clock, Duration> &tp)
{
	return monotonic_deadline(
		std::chrono::time_point_cast<std::chrono::steady_clock::duration>(tp));
}

// The TimedLockable half of every exclusive lock class: try_lock_for and
// try_lock_until over the class's try_lock_until_ts(const timespec *).
#define USYNC_HPP_TIMED_LOCKABLE                                               \
	template <class Rep, class Period>                                     \
	bool try_lock_for(const std::chrono::duration<Rep, Period> &d)         \
	{                                                                      \
		const struct timespec ts = detail::deadline_after(d);          \
		return try_lock_until_ts(&ts);                                 \
	}                                                                      \
	template <class Clock, class Duration>                                 \
	bool try_lock_until(const std::chrono::time_point<Clock, Duration> &tp) \
	{                                                                      \
		const struct timespec ts = detail::deadline_at(tp);            \
		return try_lock_until_ts(&ts);                                 \
	}

// A per-thread cache of free, cache-line-aligned T (a queue node or a
// lock context).  Blocks come from posix_memalign (C++11 has no aligned
// operator new) and are constructed in place.
template <class T> class block_cache {
	struct entry {
		T value;
		entry *next;
	};
	entry *free_ = nullptr;
	unsigned count_ = 0;
	static constexpr unsigned keep = 16;

	static entry *of(T *value)
	{
		// value is the first member of its entry.
		return reinterpret_cast<entry *>(value);
	}

    public:
	block_cache() = default;
	block_cache(const block_cache &) = delete;
	block_cache &operator=(const block_cache &) = delete;
	~block_cache()
	{
		while (free_ != nullptr) {
			entry *e = free_;
			free_ = e->next;
			e->~entry();
			std::free(e);
		}
	}

	static block_cache &mine()
	{
		static thread_local block_cache cache;
		return cache;
	}

	T *take()
	{
		if (free_ != nullptr) {
			entry *e = free_;
			free_ = e->next;
			count_--;
			return &e->value;
		}
		void *p = nullptr;
		if (posix_memalign(&p, alignof(entry), sizeof(entry)) != 0)
			throw std::bad_alloc();
		entry *e = new (p) entry();
		return &e->value;
	}

	void give(T *value) noexcept
	{
		entry *e = of(value);
		if (count_ >= keep) {
			e->~entry();
			std::free(e);
			return;
		}
		e->next = free_;
		free_ = e;
		count_++;
	}
};

// The lock classes' shared shape: not copyable, not movable.
class immovable {
    protected:
	constexpr immovable() noexcept = default;
	~immovable() = default;

    public:
	immovable(const immovable &) = delete;
	immovable &operator=(const immovable &) = delete;
};

} // namespace detail

// ---------------------------------------------------------------- TAS family

#define USYNC_HPP_SIMPLE_LOCK(cls, ctype, prefix, INIT)                        \
	class cls : detail::immovable {                                        \
		ctype lock_;                                                   \
                                                                               \
	    public:                                                            \
		constexpr cls() noexcept : lock_ INIT {}                      \
		void lock() noexcept { prefix##_lock(&lock_); }                \
		bool try_lock() noexcept { return prefix##_trylock(&lock_); }  \
		/* The absolute CLOCK_MONOTONIC form of try_lock_until. */     \
		bool try_lock_until_ts(const struct timespec *ts) noexcept     \
		{                                                              \
			return prefix##_timedlock(&lock_, ts) == 0;            \
		}                                                              \
		USYNC_HPP_TIMED_LOCKABLE                                       \
		void unlock() noexcept { prefix##_unlock(&lock_); }            \
		/* 0, or EINVAL for an unknown policy; while unused. */        \
		int set_policy(usync_wait_policy_t p) noexcept                 \
		{                                                              \
			return prefix##_set_policy(&lock_, p);                 \
		}                                                              \
		ctype *native_handle() noexcept { return &lock_; }             \
	}

// Test-and-set (tas), test-and-test-and-set (ttas), exponential backoff
// and ticket locks: no context, constexpr construction.
USYNC_HPP_SIMPLE_LOCK(tas_lock, usync_tas_t, usync_tas, USYNC_TAS_INITIALIZER);
USYNC_HPP_SIMPLE_LOCK(ttas_lock, usync_ttas_t, usync_ttas,
		      USYNC_TTAS_INITIALIZER);
USYNC_HPP_SIMPLE_LOCK(backoff_lock, usync_backoff_t, usync_backoff,
		      USYNC_BACKOFF_INITIALIZER);
USYNC_HPP_SIMPLE_LOCK(ticket_lock, usync_ticket_t, usync_ticket,
		      USYNC_TICKET_INITIALIZER);
#undef USYNC_HPP_SIMPLE_LOCK

// --------------------------------------------------------------- MCS family

// MCS and time-published MCS: Lockable through the per-thread node cache,
// and `guard`, which carries the node itself.
#define USYNC_HPP_NODE_LOCK(cls, ctype, ntype, prefix, INIT)                   \
	class cls : detail::immovable {                                        \
		ctype lock_;                                                   \
		ntype *holder_ = nullptr; /* written by the holder only */     \
		using cache = detail::block_cache<ntype>;                      \
                                                                               \
	    public:                                                            \
		constexpr cls() noexcept : lock_ INIT {}                      \
		void lock()                                                    \
		{                                                              \
			ntype *node = cache::mine().take();                    \
			prefix##_lock(&lock_, node);                           \
			holder_ = node;                                        \
		}                                                              \
		bool try_lock()                                                \
		{                                                              \
			ntype *node = cache::mine().take();                    \
			if (!prefix##_trylock(&lock_, node)) {                 \
				cache::mine().give(node);                      \
				return false;                                  \
			}                                                      \
			holder_ = node;                                        \
			return true;                                           \
		}                                                              \
		bool try_lock_until_ts(const struct timespec *ts)              \
		{                                                              \
			ntype *node = cache::mine().take();                    \
			if (prefix##_timedlock(&lock_, node, ts) != 0) {       \
				cache::mine().give(node);                      \
				return false;                                  \
			}                                                      \
			holder_ = node;                                        \
			return true;                                           \
		}                                                              \
		USYNC_HPP_TIMED_LOCKABLE                                       \
		void unlock() noexcept                                         \
		{                                                              \
			ntype *node = holder_;                                 \
			prefix##_unlock(&lock_, node);                         \
			cache::mine().give(node);                              \
		}                                                              \
		int set_policy(usync_wait_policy_t p) noexcept                 \
		{                                                              \
			return prefix##_set_policy(&lock_, p);                 \
		}                                                              \
		ctype *native_handle() noexcept { return &lock_; }             \
                                                                               \
		/* Holds the lock for the guard's scope, with the queue node   \
		 * in the guard itself (no cache, no allocation). */           \
		class guard : detail::immovable {                              \
			cls &owner_;                                           \
			ntype node_;                                           \
                                                                               \
		    public:                                                    \
			explicit guard(cls &l) noexcept : owner_(l)            \
			{                                                      \
				prefix##_lock(&owner_.lock_, &node_);          \
			}                                                      \
			~guard() { prefix##_unlock(&owner_.lock_, &node_); }   \
		};                                                             \
	}

USYNC_HPP_NODE_LOCK(mcs_lock, usync_mcs_t, usync_mcs_node_t, usync_mcs,
		    USYNC_MCS_INITIALIZER);
USYNC_HPP_NODE_LOCK(mcs_tp_lock, usync_mcs_tp_t, usync_mcs_tp_node_t,
		    usync_mcs_tp, USYNC_MCS_TP_INITIALIZER);
#undef USYNC_HPP_NODE_LOCK

// ------------------------------------------------------ allocating locks

// Anderson's array lock for up to `capacity` contending threads.  The
// holder's slot is kept in the lock.
class anderson_lock : detail::immovable {
	usync_anderson_t lock_;
	unsigned holder_slot_ = 0; // written by the holder only

    public:
	explicit anderson_lock(unsigned capacity)
	{
		int err = usync_anderson_init(&lock_, capacity);
		if (err != 0)
			detail::throw_errno(err, "usync_anderson_init");
	}
	~anderson_lock() { usync_anderson_destroy(&lock_); }
	void lock() noexcept
	{
		unsigned slot;
		usync_anderson_lock(&lock_, &slot);
		holder_slot_ = slot;
	}
	bool try_lock() noexcept
	{
		unsigned slot;
		if (!usync_anderson_trylock(&lock_, &slot))
			return false;
		holder_slot_ = slot;
		return true;
	}
	bool try_lock_until_ts(const struct timespec *ts) noexcept
	{
		unsigned slot;
		if (usync_anderson_timedlock(&lock_, &slot, ts) != 0)
			return false;
		holder_slot_ = slot;
		return true;
	}
	USYNC_HPP_TIMED_LOCKABLE
	void unlock() noexcept { usync_anderson_unlock(&lock_, holder_slot_); }
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_anderson_set_policy(&lock_, p);
	}
	usync_anderson_t *native_handle() noexcept { return &lock_; }
};

// Runtime choice: any algorithm of usync_lock_algorithms() by name, for up
// to max_threads contending threads (the generic API; one indirect call
// per operation).  Each acquisition's usync_lock_ctx_t comes from the
// per-thread cache.  (Not "usync::lock": a C++ class cannot have a member
// function named after itself, and Lockable needs lock().)
class generic_lock : detail::immovable {
	usync_lock_t *lock_ = nullptr;
	usync_lock_ctx_t *holder_ = nullptr; // written by the holder only
	using cache = detail::block_cache<usync_lock_ctx_t>;

    public:
	// Throws std::system_error: EINVAL (unknown name, max_threads 0 or
	// above USYNC_LOCK_MAX_THREADS) or ENOMEM.
	generic_lock(const char *algorithm, unsigned max_threads)
	{
		int err = usync_lock_create(&lock_, algorithm, max_threads);
		if (err != 0)
			detail::throw_errno(err, "usync_lock_create");
	}
	~generic_lock() { usync_lock_destroy(lock_); }
	void lock()
	{
		usync_lock_ctx_t *ctx = cache::mine().take();
		usync_lock_acquire(lock_, ctx);
		holder_ = ctx;
	}
	bool try_lock()
	{
		usync_lock_ctx_t *ctx = cache::mine().take();
		if (!usync_lock_try_acquire(lock_, ctx)) {
			cache::mine().give(ctx);
			return false;
		}
		holder_ = ctx;
		return true;
	}
	bool try_lock_until_ts(const struct timespec *ts)
	{
		usync_lock_ctx_t *ctx = cache::mine().take();
		if (usync_lock_acquire_until(lock_, ctx, ts) != 0) {
			cache::mine().give(ctx);
			return false;
		}
		holder_ = ctx;
		return true;
	}
	USYNC_HPP_TIMED_LOCKABLE
	void unlock() noexcept
	{
		usync_lock_ctx_t *ctx = holder_;
		usync_lock_release(lock_, ctx);
		cache::mine().give(ctx);
	}
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_lock_set_policy(lock_, p);
	}
	const char *name() const noexcept { return usync_lock_name(lock_); }
	usync_lock_t *native_handle() noexcept { return lock_; }
};

// CLH for up to max_threads contending threads.  A CLH acquisition needs a
// node from the lock's own pool; the generic API borrows and returns it per
// acquisition, so clh_lock is a generic_lock fixed to "clh".
class clh_lock : public generic_lock {
    public:
	explicit clh_lock(unsigned max_threads)
		: generic_lock("clh", max_threads)
	{
	}
};

#undef USYNC_HPP_TIMED_LOCKABLE

// ------------------------------------------------------------ shared locks

// SharedLockable (std::shared_lock, std::shared_mutex's interface): lock,
// try_lock, unlock for writers; lock_shared, try_lock_shared, unlock_shared
// for readers.  No upgrade or downgrade, as in C.

namespace detail {

// The contexts of the shared acquisitions the calling thread holds, by
// lock, so that unlock_shared() finds the one lock_shared() used (many
// readers hold at once, so the lock object cannot keep it).  As for
// std::shared_mutex, the thread that locks shared also unlocks.
template <class Ctx> class shared_holds {
	struct hold {
		const void *lock;
		Ctx *ctx;
	};
	hold *holds_ = nullptr;
	unsigned count_ = 0, capacity_ = 0;

    public:
	shared_holds() = default;
	shared_holds(const shared_holds &) = delete;
	shared_holds &operator=(const shared_holds &) = delete;
	~shared_holds() { std::free(holds_); }

	static shared_holds &mine()
	{
		static thread_local shared_holds holds;
		return holds;
	}

	void add(const void *lock, Ctx *ctx)
	{
		if (count_ == capacity_) {
			unsigned n = capacity_ ? 2 * capacity_ : 8;
			void *p = std::realloc(holds_, n * sizeof(hold));
			if (p == nullptr)
				throw std::bad_alloc();
			holds_ = static_cast<hold *>(p);
			capacity_ = n;
		}
		holds_[count_++] = hold{ lock, ctx };
	}

	// The latest context added for lock, removed from the set.
	Ctx *take(const void *lock) noexcept
	{
		for (unsigned i = count_; i-- > 0;)
			if (holds_[i].lock == lock) {
				Ctx *ctx = holds_[i].ctx;
				holds_[i] = holds_[--count_];
				return ctx;
			}
		return nullptr;
	}
};

} // namespace detail

#define USYNC_HPP_SIMPLE_RWLOCK(cls, ctype, prefix, INIT)                      \
	class cls : detail::immovable {                                        \
		ctype lock_;                                                   \
                                                                               \
	    public:                                                            \
		constexpr cls() noexcept : lock_ INIT {}                       \
		~cls() { prefix##_destroy(&lock_); }                           \
		void lock() noexcept { prefix##_write_lock(&lock_); }          \
		bool try_lock() noexcept                                       \
		{                                                              \
			return prefix##_write_trylock(&lock_);                 \
		}                                                              \
		void unlock() noexcept { prefix##_write_unlock(&lock_); }      \
		void lock_shared() noexcept { prefix##_read_lock(&lock_); }    \
		bool try_lock_shared() noexcept                                \
		{                                                              \
			return prefix##_read_trylock(&lock_);                  \
		}                                                              \
		void unlock_shared() noexcept                                  \
		{                                                              \
			prefix##_read_unlock(&lock_);                          \
		}                                                              \
		int set_policy(usync_wait_policy_t p) noexcept                 \
		{                                                              \
			return prefix##_set_policy(&lock_, p);                 \
		}                                                              \
		ctype *native_handle() noexcept { return &lock_; }             \
	}

// The centralized shared locks: no context, constexpr construction.
USYNC_HPP_SIMPLE_RWLOCK(rw_counter_lock, usync_rw_counter_t, usync_rw_counter,
			USYNC_RW_COUNTER_INITIALIZER);
USYNC_HPP_SIMPLE_RWLOCK(rw_ticket_lock, usync_rw_ticket_t, usync_rw_ticket,
			USYNC_RW_TICKET_INITIALIZER);
USYNC_HPP_SIMPLE_RWLOCK(rw_phasefair_lock, usync_rw_phasefair_t,
			usync_rw_phasefair, USYNC_RW_PHASEFAIR_INITIALIZER);
#undef USYNC_HPP_SIMPLE_RWLOCK

// The shared locks whose every acquisition has a context: the writer's is
// kept in the lock, each reader's in the calling thread's set of shared
// holds; the contexts themselves come from the per-thread cache.  One
// body for the three, expanded in each class.
#define USYNC_HPP_CTX_RWLOCK_BODY(ctype, ctxtype, H, RL, RT, RU, WL, WT, WU)     \
    private:                                                                   \
	ctxtype *writer_ = nullptr; /* written by the writer only */           \
	using cache = detail::block_cache<ctxtype>;                            \
	using holds = detail::shared_holds<ctxtype>;                           \
                                                                               \
    public:                                                                    \
	void lock()                                                            \
	{                                                                      \
		ctxtype *c = cache::mine().take();                             \
		WL(H, c);                                                      \
		writer_ = c;                                                   \
	}                                                                      \
	bool try_lock()                                                        \
	{                                                                      \
		ctxtype *c = cache::mine().take();                             \
		if (!WT(H, c)) {                                               \
			cache::mine().give(c);                                 \
			return false;                                          \
		}                                                              \
		writer_ = c;                                                   \
		return true;                                                   \
	}                                                                      \
	void unlock() noexcept                                                 \
	{                                                                      \
		ctxtype *c = writer_;                                          \
		WU(H, c);                                                      \
		cache::mine().give(c);                                         \
	}                                                                      \
	void lock_shared()                                                     \
	{                                                                      \
		ctxtype *c = cache::mine().take();                             \
		holds::mine().add(this, c); /* may throw: before locking */   \
		RL(H, c);                                                      \
	}                                                                      \
	bool try_lock_shared()                                                 \
	{                                                                      \
		ctxtype *c = cache::mine().take();                             \
		holds::mine().add(this, c);                                    \
		if (!RT(H, c)) {                                               \
			holds::mine().take(this);                              \
			cache::mine().give(c);                                 \
			return false;                                          \
		}                                                              \
		return true;                                                   \
	}                                                                      \
	void unlock_shared() noexcept                                          \
	{                                                                      \
		ctxtype *c = holds::mine().take(this);                         \
		RU(H, c);                                                      \
		cache::mine().give(c);                                         \
	}

// The MCS reader-writer queue lock (constexpr construction).
class rw_mcs_lock : detail::immovable {
	usync_rw_mcs_t lock_;
	USYNC_HPP_CTX_RWLOCK_BODY(usync_rw_mcs_t, usync_rw_mcs_node_t, &lock_,
				  usync_rw_mcs_read_lock, usync_rw_mcs_read_trylock,
				  usync_rw_mcs_read_unlock, usync_rw_mcs_write_lock,
				  usync_rw_mcs_write_trylock,
				  usync_rw_mcs_write_unlock)
    public:
	constexpr rw_mcs_lock() noexcept : lock_ USYNC_RW_MCS_INITIALIZER {}
	~rw_mcs_lock() { usync_rw_mcs_destroy(&lock_); }
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_rw_mcs_set_policy(&lock_, p);
	}
	usync_rw_mcs_t *native_handle() noexcept { return &lock_; }
};

// BRAVO reader bias around the inner lock chosen at construction.  Throws
// std::system_error (EINVAL) for an unknown inner lock.
class bravo_lock : detail::immovable {
	usync_bravo_t lock_;
	USYNC_HPP_CTX_RWLOCK_BODY(usync_bravo_t, usync_bravo_ctx_t, &lock_,
				  usync_bravo_read_lock, usync_bravo_read_trylock,
				  usync_bravo_read_unlock, usync_bravo_write_lock,
				  usync_bravo_write_trylock,
				  usync_bravo_write_unlock)
    public:
	explicit bravo_lock(usync_bravo_inner_t inner = USYNC_BRAVO_RW_PHASEFAIR)
	{
		int err = usync_bravo_init(&lock_, inner);
		if (err != 0)
			detail::throw_errno(err, "usync_bravo_init");
	}
	~bravo_lock() { usync_bravo_destroy(&lock_); }
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_bravo_set_policy(&lock_, p);
	}
	usync_bravo_t *native_handle() noexcept { return &lock_; }
};

// Runtime choice of shared lock: any name of usync_rwlock_algorithms()
// ("bravo:<inner>" included), for up to max_threads threads.  Throws
// std::system_error (EINVAL, ENOMEM) from the constructor.
class generic_rwlock : detail::immovable {
	usync_rwlock_t *lock_ = nullptr;
	USYNC_HPP_CTX_RWLOCK_BODY(usync_rwlock_t, usync_rwlock_ctx_t, lock_,
				  usync_rwlock_read_acquire,
				  usync_rwlock_read_try_acquire,
				  usync_rwlock_read_release,
				  usync_rwlock_write_acquire,
				  usync_rwlock_write_try_acquire,
				  usync_rwlock_write_release)
    public:
	generic_rwlock(const char *algorithm, unsigned max_threads)
	{
		int err = usync_rwlock_create(&lock_, algorithm, max_threads);
		if (err != 0)
			detail::throw_errno(err, "usync_rwlock_create");
	}
	~generic_rwlock() { usync_rwlock_destroy(lock_); }
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_rwlock_set_policy(lock_, p);
	}
	const char *name() const noexcept { return usync_rwlock_name(lock_); }
	usync_rwlock_t *native_handle() noexcept { return lock_; }
};
#undef USYNC_HPP_CTX_RWLOCK_BODY

// ----------------------------------------------------------------- barriers

// A barrier for exactly nthreads participants, any algorithm of
// usync_barrier_algorithms() by name.  Throws std::system_error (EINVAL,
// ENOMEM) from the constructor.
class barrier : detail::immovable {
	usync_barrier_t *barrier_ = nullptr;

    public:
	barrier(const char *algorithm, unsigned nthreads)
	{
		int err = usync_barrier_create(&barrier_, algorithm, nthreads);
		if (err != 0)
			detail::throw_errno(err, "usync_barrier_create");
	}
	~barrier() { usync_barrier_destroy(barrier_); }
	// Each participant once per episode with its own thread_id in
	// [0, nthreads).  Throws std::system_error(EINVAL) for a thread_id
	// out of range (nothing is touched then).
	void arrive_and_wait(unsigned thread_id)
	{
		int err = usync_barrier_wait(barrier_, thread_id);
		if (err != 0)
			detail::throw_errno(err, "usync_barrier_wait");
	}
	int set_policy(usync_wait_policy_t p) noexcept
	{
		return usync_barrier_set_policy(barrier_, p);
	}
	const char *name() const noexcept { return usync_barrier_name(barrier_); }
	usync_barrier_t *native_handle() noexcept { return barrier_; }
};

} // namespace usync

#endif // USYNC_USYNC_HPP
