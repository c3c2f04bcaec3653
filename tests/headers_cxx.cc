// The public headers compiled as C++ (C++23, whose <stdatomic.h> provides
// the C atomics) with -Wall -Wextra -Werror -pedantic, and usable from it.
#include <usync/usync.h>

#include <cstdio>

int main()
{
	usync_ticket_t ticket;
	usync_ticket_init(&ticket);
	usync_ticket_lock(&ticket);
	bool again = usync_ticket_trylock(&ticket);
	usync_ticket_unlock(&ticket);

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
	std::printf("usync %s: headers compile as C++\n", USYNC_VERSION);
	return again ? 1 : 0;
}
