/*
 * proc_select — find processes by what they are rather than by PID, from a /proc-like
 * directory: by executable path (--exe) and by the TCP port they listen on (--port).
 * Pure: knows /proc's file formats, not BPF; the tests run it on a fake /proc tree.
 */
#ifndef FEE_PROC_SELECT_H
#define FEE_PROC_SELECT_H

#include <stddef.h>
#include <sys/types.h>

/* Called once per process found; a non-zero return stops the walk and is returned. */
typedef int (*proc_select_fn)(void *ctx, pid_t pid);

/*
 * Every process whose <proc_root>/<pid>/exe link names a path matching glob (fnmatch(3),
 * no flags: '*' also matches '/'). Kernel threads and processes that exit meanwhile have
 * no link and are skipped. Returns 0, the callback's non-zero value, or -errno.
 */
int proc_select_exe(const char *proc_root, const char *glob, proc_select_fn fn, void *ctx);

/*
 * Inodes of the TCP sockets in LISTEN state on local port `port`, from
 * <proc_root>/net/tcp and <proc_root>/net/tcp6 (either may be missing). Fills up to max,
 * returns how many were found (possibly more than max) or -errno when neither table
 * could be read.
 */
int proc_listen_inodes(const char *proc_root, int port, unsigned long *inodes, size_t max);

/*
 * Every process with a descriptor on one of the sockets inodes[0..n) (links
 * "socket:[INODE]" in <proc_root>/<pid>/fd/). Returns 0, the callback's value or -errno.
 */
int proc_select_socket_owners(const char *proc_root, const unsigned long *inodes, size_t n,
			      proc_select_fn fn, void *ctx);

/*
 * One line of /proc/net/tcp or tcp6: local port, state (0x0A is LISTEN) and inode.
 * Returns 0, or -EINVAL for the header or a malformed line. Exposed for tests.
 */
int proc_net_tcp_parse_line(const char *line, int *port, int *state, unsigned long *inode);

#endif
