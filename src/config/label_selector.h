/*
 * label_selector — Kubernetes label selectors as `kubectl -l` and the API's labelSelector
 * parameter write them (k8s.io/apimachinery/pkg/labels, selector.go), parsed once and
 * matched against a pod's labels (or, with relaxed value rules, its annotations). Pure:
 * no I/O, no globals.
 *
 * Grammar: requirements joined by commas, each one of
 *	key		key present		!key		key absent
 *	key=value	key==value		key!=value	(absent also matches !=)
 *	key in (v1,v2)	key notin (v1,v2)	(absent also matches notin)
 *	key>N		key<N			(integer compare; absent never matches)
 * Whitespace around tokens is ignored. An empty selector matches every pod.
 */
#ifndef FEE_LABEL_SELECTOR_H
#define FEE_LABEL_SELECTOR_H

#include <stddef.h>

#include "util/strpair.h" /* a pod's labels or annotations, key and value as it carries them */

/* Values in one `in (...)` set, and requirements in one selector: the API accepts more,
 * but a node agent's configuration never needs more, and the bound keeps matching cheap. */
#define LABEL_SELECTOR_MAX_VALUES 32
#define LABEL_SELECTOR_MAX_REQUIREMENTS 32

enum label_selector_values {
	LABEL_SELECTOR_LABEL_VALUES,	  /* label values: <= 63 chars of [A-Za-z0-9_.-] */
	LABEL_SELECTOR_ANNOTATION_VALUES, /* annotation values: any text without , ( ) or space */
};

struct label_selector;

/*
 * Parses `text`. Returns the selector, or NULL with errno EINVAL and a message naming the
 * offending requirement in err ("'app in (a,b': missing ')'"), or ENOMEM.
 */
struct label_selector *label_selector_parse(const char *text, enum label_selector_values values,
					    char *err, size_t err_size);
void label_selector_free(struct label_selector *s);

/* Whether the pairs satisfy every requirement. NULL selector: matches. */
int label_selector_matches(const struct label_selector *s, const struct strpair *pairs, size_t n);

/* The keys the selector reads (so a pod store keeps just those), n_keys of them. */
size_t label_selector_key_count(const struct label_selector *s);
const char *label_selector_key(const struct label_selector *s, size_t i);

/* Whether `key` is a valid label or annotation key: an optional DNS-subdomain prefix and
 * `/`, then a name of <= 63 chars of [A-Za-z0-9_.-] starting and ending alphanumeric. */
int kube_label_key_valid(const char *key);

#endif
