/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Is a file descriptor of the current process a socket? Read from its fdtable via CO-RE. */
#ifndef FEE_SOCKET_FD_BPF_H
#define FEE_SOCKET_FD_BPF_H

#include "env.bpf.h"

/* From include/uapi/linux/stat.h; vmlinux.h carries no macros. */
#define FEE_S_IFMT 00170000
#define FEE_S_IFSOCK 0140000

/* The open file behind a descriptor of the current process, or NULL. */
static __always_inline struct file *fd_file(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/*
 * Only called when a read looks like the start of an HTTP request on a descriptor we do
 * not track yet, so the pointer chase stays off the per-syscall path.
 */
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
