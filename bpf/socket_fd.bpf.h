/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Is a file descriptor of the current process a socket? Read from its file table.
 *
 * Cheap enough for every write of a watched process (socket_io.bpf.h asks it at a write's
 * entry): the walk from the task to the descriptor array is direct loads through BTF
 * pointers (task->files->fdt, its max_fds and fd array; each a plain load, made safe by
 * the kernel's exception table, not a helper call); only the array's slot (a pointer to
 * a pointer, which the verifier does not follow) and the two steps from the file to its
 * inode's mode are helper reads. The old walk was seven BPF_CORE_READ helper reads.
 */
#ifndef FEE_SOCKET_FD_BPF_H
#define FEE_SOCKET_FD_BPF_H

#include "env.bpf.h"

/* From include/uapi/linux/stat.h; vmlinux.h carries no macros. */
#define FEE_S_IFMT 00170000
#define FEE_S_IFSOCK 0140000

/* The open file behind a descriptor of the current process, or NULL. A task without a
 * file table (an exiting one) reads as NULL pointers: a faulting direct load gives 0. */
static __always_inline struct file *fd_file(__u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *file = NULL;

	if (fd >= fdt->max_fds)
		return NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), fdt->fd + fd))
		return NULL;
	return file;
}

/* Does a descriptor of the current process name a socket (an open file on a sockfs
 * inode)? */
static __always_inline bool fd_is_socket(__u32 fd)
{
	struct file *file = fd_file(fd);
	umode_t mode;

	if (!file)
		return false;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	return (mode & FEE_S_IFMT) == FEE_S_IFSOCK;
}

/* Two descriptors of the current process share one open file (one is a dup of the other). */
static __always_inline bool fds_share_file(__u32 a, __u32 b)
{
	struct file *file = fd_file(a);

	return file && file == fd_file(b);
}

#endif
