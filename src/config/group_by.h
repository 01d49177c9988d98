/* group_by — what the duration histogram's grouping label holds (the library's group_by). */
#ifndef FEE_CONFIG_GROUP_BY_H
#define FEE_CONFIG_GROUP_BY_H

enum group_by {
	GROUP_BY_PATH = 0,  /* request.path */
	GROUP_BY_FULL_PATH, /* request.full_path: path + '?' + query (the kernel keeps it) */
	GROUP_BY_ENDPOINT,  /* the matched route's endpoint, "None" when nothing matched */
	GROUP_BY_URL_RULE,  /* the matched route's rule text, "None" when nothing matched */
};

/* "path", "full_path", "endpoint", "url_rule": the value and the label name. */
const char *group_by_name(enum group_by g);
/* The group_by for a name, or -1. */
int group_by_parse(const char *name);

#endif
