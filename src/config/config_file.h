/*
 * config_file — the YAML file (--config): every key of the top level onto the model's
 * setters (config.h), the sections of their own in routes.c, checked as a whole at the end.
 */
#ifndef FEE_CONFIG_FILE_H
#define FEE_CONFIG_FILE_H

#include <stddef.h>

#include "config/config.h"

/*
 * Reads the YAML file at path into cfg (on top of what cfg holds). Returns 0, or -EINVAL
 * with the first problem in err as "FILE:LINE: KEY: MESSAGE" (or "FILE: MESSAGE" when
 * the file cannot be read), or -ENOMEM.
 */
int config_load_file(struct exporter_config *cfg, const char *path, char *err, size_t err_size);
/* The same from a string; `name` stands for the file name in messages. For tests. */
int config_load_string(struct exporter_config *cfg, const char *yaml, const char *name, char *err,
		       size_t err_size);

#endif
