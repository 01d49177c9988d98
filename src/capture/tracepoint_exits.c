// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "capture/tracepoint_exits.h"

#include "exporter.skel.h"
#include "socket_syscalls.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>

void tracepoint_exits_attach_manually(struct exporter_bpf *skel)
{
	bpf_program__set_autoattach(skel->progs.tp_exit_socket_read, false);
	bpf_program__set_autoattach(skel->progs.tp_exit_socket_write, false);
	bpf_program__set_autoattach(skel->progs.tp_exit_socket_accept, false);
}

int tracepoint_exits_install(const struct exporter_bpf *skel, char *failed, size_t failed_size)
{
	const struct bpf_program *shared[FEE_SHARED_EXITS] = {
		[FEE_SHARED_EXIT_SOCKET_READ] = skel->progs.tp_exit_socket_read,
		[FEE_SHARED_EXIT_SOCKET_WRITE] = skel->progs.tp_exit_socket_write,
		[FEE_SHARED_EXIT_SOCKET_ACCEPT] = skel->progs.tp_exit_socket_accept,
	};
	int table = bpf_map__fd(skel->maps.tp_shared_exits);

	for (__u32 slot = 0; slot < FEE_SHARED_EXITS; slot++) {
		int prog = bpf_program__fd(shared[slot]);

		if (bpf_map_update_elem(table, &slot, &prog, BPF_ANY)) {
			int err = -errno;

			snprintf(failed, failed_size, "%s", bpf_program__name(shared[slot]));
			return err;
		}
	}
	return 0;
}
