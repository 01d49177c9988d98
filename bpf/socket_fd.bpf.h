/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Is a file descriptor of the current process a socket? Read from its file table.
 *
 * Cheap enough for every write of a watched process (socket_io.bpf.h asks it at a write's
 * entry): the walk from the task to the descriptor array is direct loads through BTF
 * pointers (task->files->fdt, its max_fds and fd array; each a plain load, made safe by
 * the kernel's exception table, not a helper call); the array's slot (a pointer to a
 * pointer, which the verifier does not follow) is one helper read, and the file's f_op,
 * compared with the sockets' (learned, socket_fops), another. Measured on the 2-core VM
 * (scripts/bench/README.md, "Writes that cannot be a response"): ≈ 10 ns for the walk
 * and the slot, ≈ 10 ns per further helper read; the old walk was seven helper reads.
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

/*
 * &socket_file_ops, the file operations of every socket file (net/socket.c,
 * sock_alloc_file()), once learned; 0 before. No kernel address is needed for it (reading
 * /proc/kallsyms would take CAP_SYSLOG): it is learned from the first file found a socket
 * by its inode's mode that also delivered bytes (fd_is_socket_learn(), where a read makes
 * a connection). Only sockfs files have socket inodes and deliver bytes: a socket's path
 * on a filesystem opens only with O_PATH, whose file (empty_fops) cannot be read. A
 * global the daemon never touches (the skeleton's .bss).
 */
__u64 socket_fops;

/* The file's mode says socket. */
static __always_inline bool file_inode_is_socket(struct file *file)
{
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);

	return (mode & FEE_S_IFMT) == FEE_S_IFSOCK;
}

/* Does a descriptor of the current process name a socket? Once socket_fops is known, one
 * helper read of the file's f_op answers (two fewer than the inode's mode): a file is a
 * socket exactly when its operations are the sockets'. */
static __always_inline bool fd_is_socket(__u32 fd)
{
	struct file *file = fd_file(fd);
	__u64 known = socket_fops;

	if (!file)
		return false;
	if (known)
		return (__u64)BPF_CORE_READ(file, f_op) == known;
	return file_inode_is_socket(file);
}

/* fd_is_socket() where a read on fd has just delivered bytes: its answer teaches
 * socket_fops. */
static __always_inline bool fd_is_socket_learn(__u32 fd)
{
	struct file *file = fd_file(fd);

	if (!file || !file_inode_is_socket(file))
		return false;
	if (!socket_fops)
		socket_fops = (__u64)BPF_CORE_READ(file, f_op);
	return true;
}

/* Two descriptors of the current process share one open file (one is a dup of the other). */
static __always_inline bool fds_share_file(__u32 a, __u32 b)
{
	struct file *file = fd_file(a);

	return file && file == fd_file(b);
}

#endif
