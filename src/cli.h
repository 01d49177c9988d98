/* cli — the command line: what the user asked for, validated. */
#ifndef FEE_CLI_H
#define FEE_CLI_H

#include <sys/types.h>

#include "hook_mode.h"

#define CLI_MAX_PIDS 64
/* A port in the exporters' range (9100-9999) that no well-known exporter uses. */
#define CLI_DEFAULT_PORT 9969

struct cli_options {
	pid_t pids[CLI_MAX_PIDS];
	int n_pids;
	char listen_host[256]; /* "" = all interfaces */
	int listen_port;
	int verbose;
	enum hook_mode hooks; /* how to hook socket I/O; default auto */
};

enum cli_result {
	CLI_RUN,	/* options parsed: run the exporter */
	CLI_EXIT_OK,	/* --help or --version was printed */
	CLI_EXIT_USAGE, /* bad command line: message printed */
};

/* Parses argv into opts, printing messages for --help, --version and errors. */
enum cli_result cli_parse(int argc, char **argv, struct cli_options *opts);

/*
 * Splits "HOST:PORT", "[V6ADDR]:PORT" or ":PORT" into host and port. Returns 0 or -EINVAL.
 * Exposed for unit tests.
 */
int cli_parse_listen(const char *arg, char *host, size_t host_size, int *port);

#endif
