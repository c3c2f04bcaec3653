/*
 * bench/topology.h - the machine as hwloc sees it, and the CPU orders the
 * suite pins its workers in.
 */
#ifndef BENCH_TOPOLOGY_H
#define BENCH_TOPOLOGY_H

#include <hwloc.h>
#include <stdbool.h>

/* One processing unit (hardware thread). */
struct topo_pu {
	int os;       /* OS CPU id, what cpus lists and the kernel use */
	int core;     /* logical index of its core */
	int smt_rank; /* 0 for a core's first PU, 1 for its sibling... */
	int l3;       /* logical index of its L3 group (package when no L3) */
	int numa;     /* logical index of its NUMA node (0 when unknown) */
	int pkg;      /* logical index of its package (0 when unknown) */
};

struct topology {
	hwloc_topology_t hw;
	int npu, ncores, nl3, nnuma, npkg;
	bool have_l3; /* false: "l3" groups are packages */
	struct topo_pu *pu; /* npu entries, hwloc logical (compact) order */
	char model[128];    /* CPU model string, "unknown" if hwloc has none */
};

/* 0, or -1 with a message on stderr. */
int topo_init(struct topology *t);
void topo_fini(struct topology *t);

/* The PU entry whose OS id is os, or NULL. */
const struct topo_pu *topo_find(const struct topology *t, int os);

/*
 * Fill order[] with OS CPU ids in placement order and return how many:
 *   "compact"  fill an L3 group's cores, then the package, then the next;
 *   "scatter"  round-robin across packages, then L3 groups, then cores.
 * One PU per core (its first) unless smt, in which case compact puts a
 * core's siblings together and scatter takes every core's first PU before
 * any second.  Returns -1 for an unknown placement.  order holds npu.
 */
int topo_order(const struct topology *t, const char *placement, bool smt,
	       int *order);

/*
 * Thread counts where a group boundary falls for an order of n CPUs: the
 * counts that exactly fill L3 groups, NUMA nodes or packages (compact and
 * list orders), or that put one thread on every group (scatter).  Writes
 * up to max counts in increasing order, returns how many.
 */
int topo_boundaries(const struct topology *t, const int *order, int n,
		    bool scatter, int *out, int max);

/* Pin the calling thread to OS CPU os; 0 or -1. */
int topo_pin_self(const struct topology *t, int os);

/* "amd-epyc-2c": the model slugged, plus the core count. */
void topo_machine_name(const struct topology *t, char *buf, size_t size);

#endif /* BENCH_TOPOLOGY_H */
