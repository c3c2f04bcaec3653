/*
 * bench/topology.c - hwloc discovery, placement orders, pinning.
 */
#include "topology.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ancestor_index(hwloc_topology_t hw, hwloc_obj_t pu,
			  hwloc_obj_type_t type)
{
	hwloc_obj_t a = hwloc_get_ancestor_obj_by_type(hw, type, pu);
	return a ? (int)a->logical_index : -1;
}

int topo_init(struct topology *t)
{
	memset(t, 0, sizeof *t);
	if (hwloc_topology_init(&t->hw) != 0 || hwloc_topology_load(t->hw) != 0) {
		fprintf(stderr, "usync-bench: hwloc cannot load the topology\n");
		return -1;
	}
	hwloc_topology_t hw = t->hw;
	t->npu = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_PU);
	t->ncores = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_CORE);
	t->npkg = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_PACKAGE);
	t->nnuma = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_NUMANODE);
	t->nl3 = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_L3CACHE);
	t->have_l3 = t->nl3 > 0;
	if (t->npkg < 1)
		t->npkg = 1;
	if (t->nnuma < 1)
		t->nnuma = 1;
	if (!t->have_l3)
		t->nl3 = t->npkg;
	t->pu = calloc((size_t)t->npu, sizeof *t->pu);
	if (t->pu == NULL || t->npu < 1)
		return -1;
	int *pus_in_core = calloc((size_t)(t->ncores > 0 ? t->ncores : t->npu),
				  sizeof(int));
	if (pus_in_core == NULL)
		return -1;
	for (int i = 0; i < t->npu; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(hw, HWLOC_OBJ_PU, (unsigned)i);
		struct topo_pu *p = &t->pu[i];
		p->os = (int)o->os_index;
		p->core = ancestor_index(hw, o, HWLOC_OBJ_CORE);
		if (p->core < 0) /* no core level: each PU is its own core */
			p->core = i;
		p->smt_rank = pus_in_core[p->core]++;
		p->pkg = ancestor_index(hw, o, HWLOC_OBJ_PACKAGE);
		if (p->pkg < 0)
			p->pkg = 0;
		p->l3 = t->have_l3 ? ancestor_index(hw, o, HWLOC_OBJ_L3CACHE)
				   : p->pkg;
		if (p->l3 < 0)
			p->l3 = p->pkg;
		p->numa = 0;
		for (int n = 0; n < t->nnuma; n++) {
			hwloc_obj_t node = hwloc_get_obj_by_type(
				hw, HWLOC_OBJ_NUMANODE, (unsigned)n);
			if (node && hwloc_bitmap_isset(node->cpuset, o->os_index))
				p->numa = n;
		}
	}
	if (t->ncores < 1)
		t->ncores = t->npu;
	free(pus_in_core);

	const char *model = NULL;
	hwloc_obj_t pkg = hwloc_get_obj_by_type(hw, HWLOC_OBJ_PACKAGE, 0);
	if (pkg)
		model = hwloc_obj_get_info_by_name(pkg, "CPUModel");
	snprintf(t->model, sizeof t->model, "%s", model ? model : "unknown");
	return 0;
}

void topo_fini(struct topology *t)
{
	free(t->pu);
	hwloc_topology_destroy(t->hw);
}

const struct topo_pu *topo_find(const struct topology *t, int os)
{
	for (int i = 0; i < t->npu; i++)
		if (t->pu[i].os == os)
			return &t->pu[i];
	return NULL;
}

/* Sort keys for scatter: rank of the core in its L3 group and rank of the
 * L3 group in its package, computed from the compact order. */
struct scatter_key {
	int os, smt, core_in_l3, l3_in_pkg, pkg, logical;
};

static int cmp_scatter(const void *a, const void *b)
{
	const struct scatter_key *x = a, *y = b;
	int d;
	if ((d = x->smt - y->smt) || (d = x->core_in_l3 - y->core_in_l3) ||
	    (d = x->l3_in_pkg - y->l3_in_pkg) || (d = x->pkg - y->pkg))
		return d;
	return x->logical - y->logical;
}

int topo_order(const struct topology *t, const char *placement, bool smt,
	       int *order)
{
	int n = 0;
	if (strcmp(placement, "compact") == 0) {
		for (int i = 0; i < t->npu; i++)
			if (smt || t->pu[i].smt_rank == 0)
				order[n++] = t->pu[i].os;
		return n;
	}
	if (strcmp(placement, "scatter") != 0)
		return -1;
	struct scatter_key *keys = malloc(sizeof *keys * (size_t)t->npu);
	if (keys == NULL)
		return -1;
	/* hwloc's logical order is tree order: a group's PUs are contiguous. */
	for (int i = 0; i < t->npu; i++) {
		const struct topo_pu *p = &t->pu[i];
		int core_rank = 0, l3_rank = 0;
		for (int j = 0; j < i; j++) {
			const struct topo_pu *q = &t->pu[j];
			if (q->l3 == p->l3 && q->smt_rank == 0 && q->core != p->core)
				core_rank++;
			if (q->pkg == p->pkg && q->l3 != p->l3 &&
			    (j == 0 || t->pu[j - 1].l3 != q->l3))
				l3_rank++;
		}
		keys[i] = (struct scatter_key){ .os = p->os, .smt = p->smt_rank,
			.core_in_l3 = core_rank, .l3_in_pkg = l3_rank,
			.pkg = p->pkg, .logical = i };
	}
	qsort(keys, (size_t)t->npu, sizeof *keys, cmp_scatter);
	for (int i = 0; i < t->npu; i++)
		if (smt || keys[i].smt == 0)
			order[n++] = keys[i].os;
	free(keys);
	return n;
}

static void add_count(int *out, int *k, int max, int v)
{
	for (int i = 0; i < *k; i++)
		if (out[i] == v)
			return;
	if (*k < max)
		out[(*k)++] = v;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int topo_boundaries(const struct topology *t, const int *order, int n,
		    bool scatter, int *out, int max)
{
	int k = 0;
	if (scatter) {
		/* one thread per group: as many threads as groups in use */
		if (t->npkg > 1 && t->npkg < n)
			add_count(out, &k, max, t->npkg);
		if (t->nnuma > 1 && t->nnuma < n)
			add_count(out, &k, max, t->nnuma);
		if (t->nl3 > 1 && t->nl3 < n)
			add_count(out, &k, max, t->nl3);
	} else {
		for (int i = 1; i < n; i++) {
			const struct topo_pu *a = topo_find(t, order[i - 1]);
			const struct topo_pu *b = topo_find(t, order[i]);
			if (a && b && (a->l3 != b->l3 || a->numa != b->numa ||
				       a->pkg != b->pkg))
				add_count(out, &k, max, i);
		}
	}
	qsort(out, (size_t)k, sizeof *out, cmp_int);
	return k;
}

int topo_pin_self(const struct topology *t, int os)
{
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	if (set == NULL)
		return -1;
	hwloc_bitmap_only(set, (unsigned)os);
	int rc = hwloc_set_cpubind(t->hw, set, HWLOC_CPUBIND_THREAD);
	hwloc_bitmap_free(set);
	return rc == 0 ? 0 : -1;
}

void topo_machine_name(const struct topology *t, char *buf, size_t size)
{
	char slug[96];
	size_t k = 0;
	bool dash = false;
	for (const char *s = t->model; *s && k + 1 < sizeof slug; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c)) {
			if (dash && k > 0)
				slug[k++] = '-';
			dash = false;
			if (k + 1 < sizeof slug)
				slug[k++] = (char)tolower(c);
		} else {
			dash = true;
		}
	}
	slug[k] = '\0';
	snprintf(buf, size, "%s-%dc", k ? slug : "unknown", t->ncores);
}
