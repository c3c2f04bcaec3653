/*
 * src/rwlocks/registry.c - the one name -> algorithm table of the generic
 * shared-lock API, and the API's functions (dispatch through struct
 * usync_rwlock_ops).
 */
#include "rwlock_internal.h"

#include <stdlib.h>
#include <string.h>

#define OPS_ENTRY(name) { #name, &usync_rwlock_ops_##name, 0 },
#define BRAVO_ENTRY(name, inner) { "bravo:" #name, &usync_rwlock_ops_bravo, inner },

static const struct entry {
	const char *name;
	const struct usync_rwlock_ops *ops;
	unsigned inner;
} registry[] = {
	USYNC_RWLOCK_REGISTRY(OPS_ENTRY)
	USYNC_RWLOCK_BRAVO_REGISTRY(BRAVO_ENTRY)
};

#define NALGORITHMS (sizeof(registry) / sizeof(registry[0]))

const char *const *usync_rwlock_algorithms(void)
{
	static const char *const list[NALGORITHMS + 1] = {
#define NAME_ENTRY(name) #name,
#define BRAVO_NAME_ENTRY(name, inner) "bravo:" #name,
		USYNC_RWLOCK_REGISTRY(NAME_ENTRY)
		USYNC_RWLOCK_BRAVO_REGISTRY(BRAVO_NAME_ENTRY)
#undef NAME_ENTRY
#undef BRAVO_NAME_ENTRY
		NULL,
	};
	return list;
}

int usync_rwlock_create(usync_rwlock_t **out, const char *algorithm,
			unsigned max_threads)
{
	if (out == NULL || algorithm == NULL || max_threads == 0)
		return EINVAL;
	const struct entry *e = NULL;
	for (size_t i = 0; i < NALGORITHMS; i++)
		if (strcmp(registry[i].name, algorithm) == 0)
			e = &registry[i];
	if (e == NULL || max_threads > e->ops->max_threads)
		return EINVAL;
	size_t size = (sizeof(usync_rwlock_t) + USYNC_CACHELINE - 1) /
		      USYNC_CACHELINE * USYNC_CACHELINE;
	usync_rwlock_t *rw = (usync_rwlock_t *)aligned_alloc(USYNC_CACHELINE,
							     size);
	if (rw == NULL)
		return ENOMEM;
	rw->ops = e->ops;
	rw->name = e->name;
	e->ops->init(&rw->state, e->inner);
	*out = rw;
	return 0;
}

void usync_rwlock_destroy(usync_rwlock_t *rw)
{
	if (rw == NULL)
		return;
	rw->ops->destroy(&rw->state);
	free(rw);
}

void usync_rwlock_read_acquire(usync_rwlock_t *rw, usync_rwlock_ctx_t *ctx)
{
	rw->ops->read_acquire(&rw->state, ctx);
}

bool usync_rwlock_read_try_acquire(usync_rwlock_t *rw,
				   usync_rwlock_ctx_t *ctx)
{
	return rw->ops->read_try_acquire(&rw->state, ctx);
}

void usync_rwlock_read_release(usync_rwlock_t *rw, usync_rwlock_ctx_t *ctx)
{
	rw->ops->read_release(&rw->state, ctx);
}

void usync_rwlock_write_acquire(usync_rwlock_t *rw, usync_rwlock_ctx_t *ctx)
{
	rw->ops->write_acquire(&rw->state, ctx);
}

bool usync_rwlock_write_try_acquire(usync_rwlock_t *rw,
				    usync_rwlock_ctx_t *ctx)
{
	return rw->ops->write_try_acquire(&rw->state, ctx);
}

void usync_rwlock_write_release(usync_rwlock_t *rw, usync_rwlock_ctx_t *ctx)
{
	rw->ops->write_release(&rw->state, ctx);
}

int usync_rwlock_set_policy(usync_rwlock_t *rw, usync_wait_policy_t policy)
{
	if (rw == NULL)
		return EINVAL;
	return rw->ops->set_policy(&rw->state, policy);
}

const char *usync_rwlock_name(const usync_rwlock_t *rw)
{
	return rw->name;
}
