/*
 * tls_probes — OpenSSL uprobes for the target processes. Finds the OpenSSL each process
 * actually maps (its /proc/PID/maps: a libssl, or an executable that links OpenSSL
 * statically and kept its symbols), resolves SSL_read, SSL_read_ex, SSL_write,
 * SSL_write_ex and SSL_free by ELF symbol, and attaches the TLS programs (bpf/tls.bpf.h)
 * once per library file (by device and inode) for every process: the programs filter on
 * the target set themselves. A process forked from a probed one needs nothing new.
 */
#ifndef FEE_TLS_PROBES_H
#define FEE_TLS_PROBES_H

#include <stddef.h>
#include <sys/types.h>

struct bpf_program;
struct tls_probes;

/* The BPF programs to attach (from the skeleton; set not to auto-attach). */
struct tls_programs {
	struct bpf_program *ssl_read, *ssl_read_ex, *ssl_write, *ssl_write_ex;
	struct bpf_program *ssl_return; /* the one return probe of all four */
	struct bpf_program *ssl_free;
};

/* NULL + errno on failure. */
struct tls_probes *tls_probes_new(const struct tls_programs *progs);
/* Detaches everything. */
void tls_probes_free(struct tls_probes *t);

/*
 * Looks at the code process pid maps and probes every OpenSSL in it not probed yet.
 * Returns how many libraries it newly probed, or -errno (-ENOENT: the process is gone).
 */
int tls_probes_scan_process(struct tls_probes *t, pid_t pid);

/* uprobes attached, and attach calls that failed, so far. */
unsigned int tls_probes_attached(const struct tls_probes *t);
unsigned int tls_probes_failed(const struct tls_probes *t);

/* The probed libraries' paths (as the first process mapping each saw them), up to max;
 * returns how many there are. */
size_t tls_probes_libraries(const struct tls_probes *t, const char **paths, size_t max);

#endif
