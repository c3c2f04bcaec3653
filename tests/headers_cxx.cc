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
	std::printf("usync %s: headers compile as C++\n", USYNC_VERSION);
	return again ? 1 : 0;
}
