/* proc_tree — the processes of a process tree, read from a /proc-like directory. */
#ifndef FEE_PROC_TREE_H
#define FEE_PROC_TREE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Fills out[] with root and every process descending from it (processes only, not
 * threads), reading <proc_root>/<pid>/stat. Returns how many were found (at most max;
 * -E2BIG when more exist), -ESRCH when root does not exist, or -errno.
 */
int proc_tree_collect(const char *proc_root, pid_t root, pid_t *out, size_t max);

/* The parent pid from the text of a /proc/<pid>/stat file, or -EINVAL. Exposed for tests. */
int proc_stat_parent(const char *stat_text, pid_t *ppid);

#endif
