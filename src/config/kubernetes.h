/*
 * kubernetes — the `kubernetes:` section of the config file onto the model's setters
 * (config.h: struct kube_config): which pod containers of this node to watch, where the
 * node keeps what identifies them, the label names their series carry. Discovery itself
 * is src/targets/.
 *
 *   kubernetes:
 *     enabled: true
 *     include: [{namespace: "shop-*", pod: "web-*", container: "app", port: 8080,
 *                labels: {app: web}}]          # any item matches; fields of one item AND
 *     exclude: [{namespace: staging}]           # wins over include
 *     exclude_system_namespaces: true           # kube-system, kube-public, kube-node-lease
 *     label_names: {namespace: k8s_namespace, pod: k8s_pod, container: k8s_container,
 *                   node: k8s_node}
 *     cgroup_root: /                            # below the cgroup2 mount
 *     containerd_state_dirs: [/run/containerd, /run/k3s/containerd]
 *     crio_storage_dirs: [/run/containers/storage, /var/lib/containers/storage]
 *     rescan_interval: 500ms
 */
#ifndef FEE_CONFIG_KUBERNETES_H
#define FEE_CONFIG_KUBERNETES_H

#include <yaml.h>

#include "config/yaml_reader.h"

/* The `kubernetes:` mapping of the config file into *target (a struct kube_config). */
int config_parse_kubernetes(struct config_ctx *c, const char *key, yaml_node_t *node, void *target);

#endif
