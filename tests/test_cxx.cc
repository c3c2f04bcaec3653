// tests/test_cxx.cc - the C++ classes of usync/usync.hpp with the standard
// library's lock wrappers and threads (C++17).  Every lock class:
//   - std::lock_guard from 4 threads: exact final count, zero overlap;
//   - std::scoped_lock over two locks taken in opposite orders by two
//     threads: no deadlock (it backs off through try_lock), exact counts;
//   - std::unique_lock + std::condition_variable_any: a bounded buffer, 2
//     producers and 2 consumers, every item consumed exactly once;
//   - try_lock fails while another thread holds the lock;
//   - TimedLockable: try_lock_for / try_lock_until (steady_clock and
//     system_clock deadlines) time out while another thread holds the lock,
//     no sooner than the deadline, and succeed once it is free; and
//     std::unique_lock's timed constructor.
// Plus mcs_lock::guard, constexpr/constinit construction, usync::barrier,
// and std::system_error from bad arguments.  Runs under ThreadSanitizer too.
// Prints "N passed, M failed" and exits non-zero on any failure.
#include <usync/usync.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace {

int passed, failed;

void check(bool ok, const std::string &what)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		std::printf("FAILED: %s\n", what.c_str());
	}
}

unsigned scale()
{
	const char *env = std::getenv("USYNC_TEST_SCALE");
	unsigned pct = env ? (unsigned)std::strtoul(env, nullptr, 10) : 100;
	return pct ? pct : 100;
}

template <class L> void exclusion(L &l, const std::string &name)
{
	const int threads = 4, rounds = (int)(20000 * scale() / 100);
	long count = 0;
	std::atomic<int> inside{ 0 }, overlaps{ 0 };
	std::vector<std::thread> ts;
	for (int t = 0; t < threads; t++)
		ts.emplace_back([&] {
			for (int i = 0; i < rounds; i++) {
				std::lock_guard<L> g(l);
				if (inside.fetch_add(1, std::memory_order_relaxed))
					overlaps++;
				count++;
				inside.fetch_sub(1, std::memory_order_relaxed);
			}
		});
	for (auto &t : ts)
		t.join();
	check(count == (long)threads * rounds && overlaps == 0,
	      name + ": lock_guard exclusion, count " + std::to_string(count));
}

template <class L> void scoped_two(L &a, L &b, const std::string &name)
{
	const int rounds = (int)(5000 * scale() / 100);
	long count = 0;
	std::thread t1([&] {
		for (int i = 0; i < rounds; i++) {
			std::scoped_lock g(a, b);
			count++;
		}
	});
	std::thread t2([&] {
		for (int i = 0; i < rounds; i++) {
			std::scoped_lock g(b, a);
			count++;
		}
	});
	t1.join();
	t2.join();
	check(count == 2L * rounds,
	      name + ": scoped_lock of two locks in opposite orders");
}

template <class L> void producer_consumer(L &l, const std::string &name)
{
	const int producers = 2, consumers = 2;
	const int per_producer = (int)(2000 * scale() / 100);
	const size_t capacity = 8;
	std::condition_variable_any not_full, not_empty;
	std::deque<int> buffer;
	int produced_done = 0;
	std::vector<int> seen((size_t)producers * per_producer, 0);
	std::vector<std::thread> ts;
	for (int p = 0; p < producers; p++)
		ts.emplace_back([&, p] {
			for (int i = 0; i < per_producer; i++) {
				std::unique_lock<L> u(l);
				not_full.wait(u, [&] {
					return buffer.size() < capacity;
				});
				buffer.push_back(p * per_producer + i);
				not_empty.notify_one();
			}
			std::unique_lock<L> u(l);
			produced_done++;
			not_empty.notify_all();
		});
	for (int c = 0; c < consumers; c++)
		ts.emplace_back([&] {
			for (;;) {
				std::unique_lock<L> u(l);
				not_empty.wait(u, [&] {
					return !buffer.empty() ||
					       produced_done == producers;
				});
				if (buffer.empty())
					return;
				seen[(size_t)buffer.front()]++;
				buffer.pop_front();
				not_full.notify_one();
			}
		});
	for (auto &t : ts)
		t.join();
	bool once = true;
	for (int s : seen)
		once = once && s == 1;
	check(once, name + ": condition_variable_any bounded buffer, each "
			   "item consumed once");
}

template <class L> void try_lock_held(L &l, const std::string &name)
{
	std::unique_lock<L> u(l);
	bool got = true;
	std::thread other([&] {
		got = l.try_lock();
		if (got)
			l.unlock();
	});
	other.join();
	u.unlock();
	bool again = l.try_lock();
	if (again)
		l.unlock();
	check(!got && again, name + ": try_lock fails while held, then succeeds");
}

template <class L> void timed_held(L &l, const std::string &name)
{
	using namespace std::chrono;
	std::unique_lock<L> u(l);
	bool for_got = true, until_got = true, sys_got = true, late = false;
	std::thread other([&] {
		auto t0 = steady_clock::now();
		for_got = l.try_lock_for(milliseconds(20));
		late = steady_clock::now() - t0 < milliseconds(20);
		if (for_got)
			l.unlock();
		until_got = l.try_lock_until(steady_clock::now() + milliseconds(5));
		if (until_got)
			l.unlock();
		sys_got = l.try_lock_until(system_clock::now() + milliseconds(5));
		if (sys_got)
			l.unlock();
	});
	other.join();
	u.unlock();
	bool free_for = l.try_lock_for(seconds(10));
	if (free_for)
		l.unlock();
	bool free_until = l.try_lock_until(steady_clock::now() - seconds(1));
	if (free_until)
		l.unlock();
	std::unique_lock<L> timed(l, milliseconds(100));
	check(!for_got && !late && !until_got && !sys_got && free_for &&
		      free_until && timed.owns_lock(),
	      name + ": try_lock_for / try_lock_until time out while held, "
		     "succeed when free");
}

template <class L> void all(L &a, L &b, const std::string &name)
{
	exclusion(a, name);
	scoped_two(a, b, name);
	producer_consumer(a, name);
	try_lock_held(a, name);
	timed_held(a, name);
}

template <class L> void all_default(const std::string &name)
{
	L a, b;
	all(a, b, name);
}

// Shared locks with std::shared_lock and std::unique_lock: writers keep
// two plain words equal, readers never see them differ; and two readers
// are inside at once (each waits, boundedly, for the other).
template <class RW> void shared(RW &rw, const std::string &name)
{
	const int rounds = (int)(5000 * scale() / 100);
	long a = 0, b = 0;
	std::atomic<int> torn{ 0 };
	std::vector<std::thread> ts;
	for (int t = 0; t < 2; t++)
		ts.emplace_back([&] {
			for (int i = 0; i < rounds; i++) {
				std::unique_lock<RW> w(rw);
				a++;
				b++;
			}
		});
	for (int t = 0; t < 2; t++)
		ts.emplace_back([&] {
			for (int i = 0; i < rounds; i++) {
				std::shared_lock<RW> r(rw);
				if (a != b)
					torn++;
			}
		});
	for (auto &t : ts)
		t.join();
	check(a == 2L * rounds && b == a && torn == 0,
	      name + ": unique_lock writers, shared_lock readers");

	std::atomic<int> inside{ 0 };
	std::atomic<bool> both{ true };
	auto reader = [&] {
		std::shared_lock<RW> r(rw);
		inside++;
		for (long spins = 0; inside.load() < 2; spins++)
			if (spins > 200000000L) {
				both = false; // the other reader never came in
				break;
			} else if (spins % 1024 == 0) {
				std::this_thread::yield();
			}
	};
	std::thread r1(reader), r2(reader);
	r1.join();
	r2.join();
	check(both.load(), name + ": two readers inside at once");
	bool got = rw.try_lock();
	if (got)
		rw.unlock();
	check(got, name + ": try_lock on a free lock");
}

// constexpr construction: constant-initialised globals.
#if __cplusplus >= 202002L
constinit usync::mcs_lock global_mcs;
constinit usync::ticket_lock global_ticket;
#else
usync::mcs_lock global_mcs;
usync::ticket_lock global_ticket;
#endif

} // namespace

int main()
{
	all_default<usync::tas_lock>("tas_lock");
	all_default<usync::ttas_lock>("ttas_lock");
	all_default<usync::backoff_lock>("backoff_lock");
	all_default<usync::ticket_lock>("ticket_lock");
	all_default<usync::mcs_lock>("mcs_lock");
	all_default<usync::mcs_tp_lock>("mcs_tp_lock");
	{
		usync::anderson_lock a(8), b(8);
		all(a, b, "anderson_lock");
	}
	{
		usync::clh_lock a(8), b(8);
		all(a, b, "clh_lock");
	}
	for (const char *const *n = usync_lock_algorithms(); *n; n++) {
		usync::generic_lock a(*n, 8), b(*n, 8);
		all(a, b, std::string("generic_lock ") + *n);
	}

	{
		usync::rw_counter_lock c;
		shared(c, "rw_counter_lock");
		usync::rw_ticket_lock t;
		shared(t, "rw_ticket_lock");
		usync::rw_phasefair_lock p;
		shared(p, "rw_phasefair_lock");
		usync::rw_mcs_lock m;
		shared(m, "rw_mcs_lock");
		usync::bravo_lock b(USYNC_BRAVO_RW_MCS);
		shared(b, "bravo_lock");
	}
	for (const char *const *n = usync_rwlock_algorithms(); *n; n++) {
		usync::generic_rwlock g(*n, 8);
		shared(g, std::string("generic_rwlock ") + *n);
	}

	// The node-carrying guard.
	{
		long count = 0;
		std::vector<std::thread> ts;
		for (int t = 0; t < 4; t++)
			ts.emplace_back([&] {
				for (int i = 0; i < 10000; i++) {
					usync::mcs_lock::guard g(global_mcs);
					count++;
				}
			});
		for (auto &t : ts)
			t.join();
		check(count == 40000, "mcs_lock::guard exclusion");
	}
	{
		std::lock_guard<usync::ticket_lock> g(global_ticket);
		check(!global_ticket.try_lock(), "constant-initialised ticket_lock");
	}

	// Barrier: what each thread wrote before episode e is visible to all
	// after it.
	for (const char *const *n = usync_barrier_algorithms(); *n; n++) {
		const unsigned threads = 3, episodes = 500;
		usync::barrier bar(*n, threads);
		std::vector<unsigned> slots(threads, 0);
		std::atomic<int> stale{ 0 };
		std::vector<std::thread> ts;
		for (unsigned id = 0; id < threads; id++)
			ts.emplace_back([&, id] {
				for (unsigned e = 1; e <= episodes; e++) {
					slots[id] = e;
					bar.arrive_and_wait(id);
					for (unsigned o = 0; o < threads; o++)
						if (slots[o] < e)
							stale++;
					bar.arrive_and_wait(id);
				}
			});
		for (auto &t : ts)
			t.join();
		check(stale == 0, std::string("barrier ") + *n +
					  ": writes visible after each episode");
	}

	// Bad input: std::system_error with the C call's errno.
	auto throws = [](int expected, auto &&make) {
		try {
			make();
		} catch (const std::system_error &e) {
			return e.code().value() == expected;
		}
		return false;
	};
	check(throws(EINVAL, [] { usync::generic_lock l("no-such-lock", 4); }),
	      "generic_lock with an unknown name throws EINVAL");
	check(throws(EINVAL, [] { usync::generic_lock l("mcs", 0); }),
	      "generic_lock with max_threads 0 throws EINVAL");
	check(throws(EINVAL, [] { usync::generic_rwlock l("rw_nothing", 4); }),
	      "generic_rwlock with an unknown name throws EINVAL");
	check(throws(EINVAL, [] { usync::anderson_lock l(0); }),
	      "anderson_lock(0) throws EINVAL");
	check(throws(EINVAL, [] { usync::barrier b("mcs", 0); }),
	      "barrier of 0 threads throws EINVAL");
	check(throws(EINVAL,
		     [] {
			     usync::barrier b("counter", 2);
			     b.arrive_and_wait(2);
		     }),
	      "arrive_and_wait with thread_id out of range throws EINVAL");
	{
		usync::mcs_lock l;
		check(l.set_policy((usync_wait_policy_t)9) == EINVAL &&
			      l.set_policy(USYNC_WAIT_PARK) == 0,
		      "set_policy validates");
	}

	std::printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
