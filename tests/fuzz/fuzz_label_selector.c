// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: Kubernetes label selectors from the configuration
 * (src/config/label_selector.c). Input: one flag byte (bit 0: annotation value rules), then
 * the selector text. Whatever the text, parsing either fails with EINVAL and a message, or
 * gives a selector whose keys are valid label keys and which matches a pod without
 * reading past anything.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/label_selector.h"
#include "fuzz_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strpair pod[] = { { "app", "shop" }, { "tier", "" }, { "n", "7" } };
	enum label_selector_values values;
	struct label_selector *s;
	char err[256] = "", *text;

	if (size < 1)
		return 0;
	values = data[0] & 1 ? LABEL_SELECTOR_ANNOTATION_VALUES : LABEL_SELECTOR_LABEL_VALUES;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	s = label_selector_parse(text, values, err, sizeof(err));
	free(text);
	if (!s) {
		FUZZ_CHECK(errno == EINVAL || errno == ENOMEM);
		FUZZ_CHECK(errno == ENOMEM || err[0] != '\0');
		return 0;
	}
	for (size_t i = 0; i < label_selector_key_count(s); i++)
		FUZZ_CHECK(kube_label_key_valid(label_selector_key(s, i)));
	(void)label_selector_matches(s, pod, 3);
	label_selector_free(s);
	return 0;
}
