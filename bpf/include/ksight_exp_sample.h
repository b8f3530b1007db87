/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sampling by bytes (tcmalloc, jemalloc, Go): the bytes until the next
 * sample follow Exp(mean = rate). BPF has no floating point, so user space
 * fills a table of KSIGHT_EXP_BINS + 1 quantile edges (exponential_edges()
 * in src/agent/alloc_sampling.h) and BPF draws one of the equally likely
 * bins, then a uniform offset inside it. Shared by bpf/ualloc.bpf.c and
 * bpf/alloc.bpf.c.
 */
#ifndef KSIGHT_EXP_SAMPLE_H
#define KSIGHT_EXP_SAMPLE_H

#define KSIGHT_EXP_BINS 1024 /* a power of two: the bin is a mask of a random u32 */

#ifdef __bpf__
/* Piecewise uniform over quantile bins: the density is nearly flat inside
 * each bin, and small allocations (the first bins) are sampled with the
 * right probability instead of a coarse table's first step. All edges 0
 * (rate <= 1) draws 0: every allocation is sampled. */
static __always_inline __u64 ksight_exp_draw(const volatile __u64 *edges)
{
	__u32 i = bpf_get_prandom_u32() & (KSIGHT_EXP_BINS - 1);
	__u64 lo = edges[i], width = edges[i + 1] - lo;
	return width ? lo + bpf_get_prandom_u32() % width : lo;
}
#endif

#endif /* KSIGHT_EXP_SAMPLE_H */
