// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: flask_ebpf_exporter --pid PID [--pid PID ...] [options]\n"
		"\n"
		"Serves prometheus_flask_exporter's metrics for an unmodified HTTP/1.x server\n"
		"(Flask under werkzeug or gunicorn, and others), measured from its socket reads\n"
		"and writes with eBPF. Needs root (CAP_BPF, CAP_PERFMON) and a kernel with BTF.\n"
		"\n"
		"Options:\n"
		"  -p, --pid PID          watch this process and all its descendants, present and\n"
		"                         future (repeatable; for gunicorn give the master's PID)\n"
		"  -l, --listen HOST:PORT serve metrics here (default :%d, all interfaces;\n"
		"                         \"[::1]:PORT\" for IPv6, port 0 picks a free port)\n"
		"  -k, --hooks MODE       how to hook socket reads and writes: auto (default:\n"
		"                         the cheapest this kernel has), fentry, kprobe or\n"
		"                         tracepoint; a mode the kernel lacks is an error\n"
		"  -v, --verbose          log more, including libbpf's messages\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Endpoints: /metrics (Prometheus text format), /-/ready (200 once every probe is\n"
		"attached), /-/healthy.\n",
		CLI_DEFAULT_PORT);
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int cli_parse_listen(const char *arg, char *host, size_t host_size, int *port)
{
	const char *colon, *host_start = arg, *host_end;
	long p;

	if (arg[0] == '[') { /* [v6addr]:port */
		host_end = strchr(arg, ']');
		if (!host_end || host_end[1] != ':')
			return -EINVAL;
		host_start = arg + 1;
		colon = host_end + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return -EINVAL;
		host_end = colon;
		if (memchr(arg, ':', (size_t)(colon - arg))) /* a bare v6 address needs [] */
			return -EINVAL;
	}
	if ((size_t)(host_end - host_start) >= host_size)
		return -EINVAL;
	if (parse_int(colon + 1, 0, 65535, &p))
		return -EINVAL;
	memcpy(host, host_start, (size_t)(host_end - host_start));
	host[host_end - host_start] = '\0';
	*port = (int)p;
	return 0;
}

enum cli_result cli_parse(int argc, char **argv, struct cli_options *opts)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "hooks", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	memset(opts, 0, sizeof(*opts));
	opts->listen_port = CLI_DEFAULT_PORT;
	opts->hooks = HOOK_MODE_AUTO;
	optind = 1;
	opterr = 0; /* we print our own messages */

	while ((c = getopt_long(argc, argv, ":p:l:k:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_int(optarg, 1, INT_MAX, &v)) {
				fprintf(stderr,
					"flask_ebpf_exporter: --pid: not a process id: '%s'\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			if (opts->n_pids == CLI_MAX_PIDS) {
				fprintf(stderr, "flask_ebpf_exporter: --pid: at most %d PIDs\n",
					CLI_MAX_PIDS);
				return CLI_EXIT_USAGE;
			}
			opts->pids[opts->n_pids++] = (pid_t)v;
			break;
		case 'l':
			if (cli_parse_listen(optarg, opts->listen_host, sizeof(opts->listen_host),
					     &opts->listen_port)) {
				fprintf(stderr,
					"flask_ebpf_exporter: --listen: expected HOST:PORT, "
					"[ADDR]:PORT "
					"or :PORT, got '%s'\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'k':
			if (hook_mode_parse(optarg, &opts->hooks)) {
				fprintf(stderr,
					"flask_ebpf_exporter: --hooks: expected auto, fentry, "
					"kprobe or "
					"tracepoint, got '%s'\n",
					optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'v':
			opts->verbose = 1;
			break;
		case 'h':
			print_usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("flask_ebpf_exporter %s\n", FEE_VERSION);
			return CLI_EXIT_OK;
		case ':':
			fprintf(stderr, "flask_ebpf_exporter: option '%s' needs a value\n",
				argv[optind - 1]);
			print_usage(stderr);
			return CLI_EXIT_USAGE;
		default:
			fprintf(stderr, "flask_ebpf_exporter: unknown option '%s'\n",
				argv[optind - 1]);
			print_usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "flask_ebpf_exporter: unexpected argument '%s'\n", argv[optind]);
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (opts->n_pids == 0) {
		fprintf(stderr, "flask_ebpf_exporter: nothing to watch: give at least one --pid\n");
		print_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return CLI_RUN;
}
