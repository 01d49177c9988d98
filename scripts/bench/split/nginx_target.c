// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nginx as a target of the benchmark-only programs: see nginx_target.h. */
#include "nginx_target.h"

#include <stdio.h>

#include "flask_ebpf_exporter.h"

int nginx_only_worker(int master)
{
	char path[64];
	FILE *f;
	int child = 0, more = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", master, master);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%d %d", &child, &more) < 1 || more) {
		fprintf(stderr, "%s: want exactly one worker\n", path);
		child = 0;
	}
	if (f)
		fclose(f);
	return child;
}

static void target_bits_add(__u64 *bits, __u32 tgid)
{
	bits[(tgid / 64) & (FEE_TARGET_BITS_WORDS - 1)] |= 1ULL << (tgid % 64);
}

int nginx_mark_targets(__u64 *bits, int master)
{
	int worker = nginx_only_worker(master);

	if (worker) {
		target_bits_add(bits, master);
		target_bits_add(bits, worker);
	}
	return worker;
}
