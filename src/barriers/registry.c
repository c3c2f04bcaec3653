/*
 * src/barriers/registry.c - the one name -> algorithm table of the generic
 * barrier API, and the API's functions (dispatch through struct
 * usync_barrier_ops).
 */
#include "barrier_internal.h"

#define OPS_ENTRY(name) &usync_barrier_ops_##name,
#define NAME_ENTRY(name) #name,

static const struct usync_barrier_ops *const registry[] = {
	USYNC_BARRIER_REGISTRY(OPS_ENTRY)
};

#define NALGORITHMS (sizeof(registry) / sizeof(registry[0]))

static const char *const names[NALGORITHMS + 1] = {
	USYNC_BARRIER_REGISTRY(NAME_ENTRY) NULL,
};

const char *const *usync_barrier_algorithms(void)
{
	return names;
}

int usync_barrier_create(usync_barrier_t **out, const char *algorithm,
			 unsigned nthreads)
{
	if (out == NULL || algorithm == NULL || nthreads == 0 ||
	    nthreads > USYNC_BARRIER_MAX_THREADS)
		return EINVAL;
	const struct usync_barrier_ops *ops = NULL;
	for (size_t i = 0; i < NALGORITHMS; i++)
		if (strcmp(registry[i]->name, algorithm) == 0)
			ops = registry[i];
	if (ops == NULL)
		return EINVAL;
	usync_barrier_t *barrier =
		usync_barrier_alloc_lines(1, (sizeof(usync_barrier_t) +
					      USYNC_CACHELINE - 1) /
						     USYNC_CACHELINE *
						     USYNC_CACHELINE);
	if (barrier == NULL)
		return ENOMEM;
	barrier->ops = ops;
	int err = ops->init(&barrier->state, nthreads);
	if (err != 0) {
		free(barrier);
		return err;
	}
	*out = barrier;
	return 0;
}

void usync_barrier_destroy(usync_barrier_t *barrier)
{
	if (barrier == NULL)
		return;
	barrier->ops->destroy(&barrier->state);
	free(barrier);
}

int usync_barrier_wait(usync_barrier_t *barrier, unsigned thread_id)
{
	return barrier->ops->wait(&barrier->state, thread_id);
}

int usync_barrier_set_policy(usync_barrier_t *barrier,
			     usync_wait_policy_t policy)
{
	if (barrier == NULL)
		return EINVAL;
	return barrier->ops->set_policy(&barrier->state, policy);
}

const char *usync_barrier_name(const usync_barrier_t *barrier)
{
	return barrier->ops->name;
}
