// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding the API server: in a pod (environment + ServiceAccount files) and from a
 * kubeconfig's current context (file paths relative to it, base64 *-data, plugins refused). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "targets/kube_api_access.h"
#include "test_files.h"

static char dir[] = "/tmp/test_kube_api_access.XXXXXX";

static int load(const char *yaml, struct kube_api_access *cfg, char *err, size_t err_size)
{
	char path[256];

	write_test_file(dir, "config", yaml);
	snprintf(path, sizeof(path), "%s/config", dir);
	memset(cfg, 0, sizeof(*cfg));
	return kube_api_access_from_kubeconfig(cfg, path, err, err_size);
}

static const char *const two_contexts = "apiVersion: v1\n"
					"kind: Config\n"
					"current-context: lab\n"
					"clusters:\n"
					"- name: prod\n"
					"  cluster: {server: 'https://prod.example:6443'}\n"
					"- name: lab\n"
					"  cluster:\n"
					"    server: https://127.0.0.1:6443/\n"
					"    certificate-authority: pki/ca.crt\n"
					"contexts:\n"
					"- name: prod\n"
					"  context: {cluster: prod, user: admin}\n"
					"- name: lab\n"
					"  context: {cluster: lab, user: agent}\n"
					"users:\n"
					"- name: admin\n"
					"  user: {token: not-this-one}\n"
					"- name: agent\n"
					"  user:\n"
					"    tokenFile: /var/run/agent-token\n"
					"    client-certificate-data: LS0tLS1CRUdJTg==\n";

static void test_current_context(void **state)
{
	struct kube_api_access cfg;
	char err[256], want_ca[256];

	assert_int_equal(load(two_contexts, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "https://127.0.0.1:6443"); /* trailing / dropped */
	snprintf(want_ca, sizeof(want_ca), "%s/pki/ca.crt", dir);
	assert_string_equal(cfg.ca.file, want_ca);
	assert_null(cfg.token);
	assert_string_equal(cfg.token_file, "/var/run/agent-token");
	assert_int_equal(cfg.cert.len, 10);
	assert_memory_equal(cfg.cert.data, "-----BEGIN", 10);
	assert_int_equal(cfg.insecure, 0);
	kube_api_access_release(&cfg);
}

static void expect_error(const char *yaml, const char *part)
{
	struct kube_api_access cfg;
	char err[512] = "";

	assert_int_equal(load(yaml, &cfg, err, sizeof(err)), -EINVAL);
	if (!strstr(err, part))
		fail_msg("message '%s' lacks '%s'", err, part);
	kube_api_access_release(&cfg);
}

static void test_errors(void **state)
{
	expect_error("current-context: nowhere\ncontexts: []\n", "no context named");
	expect_error("current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n"
		     "clusters: [{name: c, cluster: {server: 'http://x'}}]\n",
		     "no https:// server");
	expect_error("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: c, user: u}}]\n"
		     "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
		     "users: [{name: u, user: {exec: {command: aws}}}]\n",
		     "exec or auth-provider plugin");
	expect_error("current-context: a\n"
		     "contexts: [{name: a, context: {cluster: c}}]\n"
		     "clusters: [{name: c, cluster: {server: 'https://x', "
		     "certificate-authority-data: 'not base64!'}}]\n",
		     "certificate-authority-data: not base64");
	expect_error("a: [\n", "config:");
}

static void test_in_cluster(void **state)
{
	struct kube_api_access cfg = { 0 };
	char err[512], want[256];

	unsetenv("KUBERNETES_SERVICE_HOST");
	assert_int_equal(kube_api_access_in_cluster(&cfg, dir, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "KUBERNETES_SERVICE_HOST"));
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	assert_int_equal(kube_api_access_in_cluster(&cfg, dir, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/token"));
	write_test_file(dir, "token", "eyJhbGciOi\n");
	write_test_file(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n");
	assert_int_equal(kube_api_access_in_cluster(&cfg, dir, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "https://[fd00::1]:443");
	snprintf(want, sizeof(want), "%s/token", dir);
	assert_string_equal(cfg.token_file, want);
	snprintf(want, sizeof(want), "%s/ca.crt", dir);
	assert_string_equal(cfg.ca.file, want);
	kube_api_access_release(&cfg);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_context),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_cluster),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
