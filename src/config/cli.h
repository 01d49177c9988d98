/* cli — the command line: what the user asked for, validated, on top of the --config file. */
#ifndef FEE_CLI_H
#define FEE_CLI_H

#include <stddef.h>

#include "config/config.h"

/* How often --exe and --port are re-evaluated. */
#define CLI_RESCAN_MS 500

enum cli_result {
	CLI_RUN,	/* options parsed: run the exporter */
	CLI_EXIT_OK,	/* --help or --version was printed */
	CLI_EXIT_USAGE, /* bad command line or config file: message printed (exit 2) */
};

/*
 * A check of the file that the configuration layer cannot make itself (main's: the custom
 * metrics declared in a scratch registry, in metrics/). Returns 0, or -EINVAL with
 * "FILE:LINE: KEY: MESSAGE" in err, or another -errno.
 */
typedef int (*cli_file_check_fn)(const struct exporter_config *cfg, char *err, size_t err_size);

/*
 * Fills cfg (config_init is called here): the defaults, then the file named by --config
 * (checked by its loader, then by check_file when not NULL), then every other flag on top
 * (flags override the file; repeatable flags add to the file's lists, --label replaces a
 * key the file set). Prints messages for --help, --version and errors. The caller releases
 * cfg (config_release) whatever the result.
 */
enum cli_result cli_parse(int argc, char **argv, struct exporter_config *cfg,
			  cli_file_check_fn check_file);

#endif
