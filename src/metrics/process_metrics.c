// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics/process_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/app_cpu.h"
#include "targets/proc_figures.h"
#include "targets/python_version.h"

/* prometheus_client's ProcessCollector names and HELP texts (process_collector.py). */
enum process_family {
	PF_VMEM,
	PF_RSS,
	PF_START,
	PF_CPU,
	PF_OPEN_FDS,
	PF_MAX_FDS,
	PF_COUNT,
};

static const struct {
	const char *name;
	const char *help;
	enum metric_type type;
} family_spec[PF_COUNT] = {
	[PF_VMEM] = { "virtual_memory_bytes", "Virtual memory size in bytes.", METRIC_GAUGE },
	[PF_RSS] = { "resident_memory_bytes", "Resident memory size in bytes.", METRIC_GAUGE },
	[PF_START] = { "start_time_seconds",
		       "Start time of the process since unix epoch in seconds.", METRIC_GAUGE },
	[PF_CPU] = { "cpu_seconds_total", "Total user and system CPU time spent in seconds.",
		     METRIC_COUNTER },
	[PF_OPEN_FDS] = { "open_fds", "Number of open file descriptors.", METRIC_GAUGE },
	[PF_MAX_FDS] = { "max_fds", "Maximum number of open file descriptors.", METRIC_GAUGE },
};

/* python_info's own labels, after the target labels. */
static const char *const python_label_names[] = { "implementation", "major", "minor", "patchlevel",
						  "version" };
#define PYTHON_LABELS (sizeof(python_label_names) / sizeof(python_label_names[0]))

/* The figures of one application (or of the exporter) at one scrape. */
struct figures_sum {
	double vmem, rss, start, open_fds, max_fds;
	int fds_known; /* some process's /proc/PID/fd was readable */
	size_t n;
	unsigned long long oldest_start;
	pid_t oldest;
};

struct app {
	const char **values; /* target label values, in label_names order ("" when absent) */
	int owns_values;     /* values[0..n_labels) are copies (run-time targets) */
	struct metric_child *child[PF_COUNT];
	struct app_cpu cpu;
	struct app_cpu_process *procs; /* this scrape's, for app_cpu */
	size_t n_procs;
	struct figures_sum sum;
	/* python_info: decided once per oldest process (the master), re-read when it changes */
	pid_t python_of;
	unsigned long long python_of_start;
	struct metric_child *python;
};

struct target_app {
	unsigned int target;
	size_t app;
};

struct process_metrics {
	const char *proc_root;
	double boot_time, ticks, page_size;
	/* the applications (none when app metrics are off) */
	struct metric_family *family[PF_COUNT];
	struct metric_family *python_info;
	const char **label_names; /* union of the targets' label keys, then python's */
	size_t n_labels;
	struct app *apps;
	size_t n_apps;
	size_t *app_of_target; /* index in apps by target index */
	size_t n_targets;
	struct target_app *dynamic; /* targets added at run time (Kubernetes pods) */
	size_t n_dynamic;
	int enabled; /* the app's families are declared */
	/* the exporter itself */
	struct metric_child *self[PF_COUNT];
};

static const char *target_value(const struct config_target *t, const char *key)
{
	for (size_t i = 0; i < t->n_labels; i++)
		if (!strcmp(t->labels[i].key, key))
			return t->labels[i].value;
	return "";
}

static void add_label_name(struct process_metrics *pm, const char *key)
{
	size_t k = 0;

	while (k < pm->n_labels && strcmp(pm->label_names[k], key))
		k++;
	if (k == pm->n_labels)
		pm->label_names[pm->n_labels++] = key;
}

/* label_names = the union of the targets' label keys and the run-time ones, in first-seen
 * order. */
static int collect_label_names(struct process_metrics *pm, const struct config_target *targets,
			       size_t n, const char *const *dynamic_keys, size_t n_dynamic_keys)
{
	size_t max = PYTHON_LABELS + n_dynamic_keys;

	for (size_t t = 0; t < n; t++)
		max += targets[t].n_labels;
	pm->label_names = calloc(max, sizeof(*pm->label_names));
	if (!pm->label_names)
		return -ENOMEM;
	for (size_t t = 0; t < n; t++)
		for (size_t i = 0; i < targets[t].n_labels; i++)
			add_label_name(pm, targets[t].labels[i].key);
	for (size_t i = 0; i < n_dynamic_keys; i++)
		add_label_name(pm, dynamic_keys[i]);
	for (size_t i = 0; i < PYTHON_LABELS; i++)
		pm->label_names[pm->n_labels + i] = python_label_names[i];
	return 0;
}

static int same_values(const char **a, const char **b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return 1;
}

/* The application with these label values (values: n_labels + PYTHON_LABELS slots, taken
 * over), added when new. Its index, or -ENOMEM. */
static size_t find_app(const struct process_metrics *pm, const char **values)
{
	size_t a = 0;

	while (a < pm->n_apps && !same_values(pm->apps[a].values, values, pm->n_labels))
		a++;
	return a;
}

static long app_for(struct process_metrics *pm, const char **values)
{
	struct app *grown;
	size_t a = find_app(pm, values);

	if (a < pm->n_apps) {
		free(values);
		return (long)a;
	}
	grown = realloc(pm->apps, (pm->n_apps + 1) * sizeof(*grown));
	if (!grown) {
		free(values);
		return -ENOMEM;
	}
	pm->apps = grown;
	memset(&grown[a], 0, sizeof(grown[a]));
	grown[a].values = values;
	pm->n_apps++;
	return (long)a;
}

/* One application per distinct set of target label values. */
static int group_targets(struct process_metrics *pm, const struct config_target *targets, size_t n)
{
	pm->app_of_target = calloc(n ? n : 1, sizeof(*pm->app_of_target));
	if (!pm->app_of_target)
		return -ENOMEM;
	pm->n_targets = n;
	for (size_t t = 0; t < n; t++) {
		const char **values = calloc(pm->n_labels + PYTHON_LABELS, sizeof(*values));
		long a;

		if (!values)
			return -ENOMEM;
		for (size_t k = 0; k < pm->n_labels; k++)
			values[k] = target_value(&targets[t], pm->label_names[k]);
		a = app_for(pm, values);
		if (a < 0)
			return (int)a;
		pm->app_of_target[t] = (size_t)a;
	}
	return 0;
}

int process_metrics_add_target(struct process_metrics *pm, unsigned int target,
			       const char *const *keys, const char *const *values, size_t n)
{
	const char **all;
	struct target_app *grown;
	long a;

	if (!pm->enabled)
		return 0;
	all = calloc(pm->n_labels + PYTHON_LABELS, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t k = 0; k < pm->n_labels; k++) {
		all[k] = "";
		for (size_t i = 0; i < n; i++)
			if (!strcmp(keys[i], pm->label_names[k]))
				all[k] = values[i];
	}
	a = (long)find_app(pm, all);
	if ((size_t)a < pm->n_apps) {
		free(all);
	} else {
		/* The values must outlive the caller's: the new app keeps copies. */
		for (size_t k = 0; k < pm->n_labels; k++)
			all[k] = strdup(all[k]);
		a = app_for(pm, all);
		if (a < 0)
			return (int)a;
		pm->apps[a].owns_values = 1;
		for (size_t k = 0; k < pm->n_labels; k++)
			if (!pm->apps[a].values[k])
				return -ENOMEM;
	}
	grown = realloc(pm->dynamic, (pm->n_dynamic + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	pm->dynamic = grown;
	grown[pm->n_dynamic++] = (struct target_app){ .target = target, .app = (size_t)a };
	return 0;
}

/* The application of a record's target index, or NULL. */
static struct app *app_of(struct process_metrics *pm, unsigned int target)
{
	if (target < pm->n_targets)
		return &pm->apps[pm->app_of_target[target]];
	for (size_t i = 0; i < pm->n_dynamic; i++)
		if (pm->dynamic[i].target == target)
			return &pm->apps[pm->dynamic[i].app];
	return NULL;
}

static struct metric_family *add_process_family(struct registry *r, const char *prefix, int i,
						const char *const *labels, size_t n_labels)
{
	char name[128];
	struct metric_family *f;

	snprintf(name, sizeof(name), "%sprocess_%s", prefix, family_spec[i].name);
	f = registry_add_family(r, name, family_spec[i].help, family_spec[i].type, labels, n_labels,
				NULL, 0);
	/* The client's process collector yields a bare CounterMetricFamily: no _created. */
	if (f && family_spec[i].type == METRIC_COUNTER)
		metric_family_without_created(f);
	return f;
}

static int declare_apps(struct process_metrics *pm, struct registry *r)
{
	for (int i = 0; i < PF_COUNT; i++) {
		pm->family[i] = add_process_family(r, "", i, pm->label_names, pm->n_labels);
		if (!pm->family[i])
			return -errno;
	}
	pm->python_info =
		registry_add_family(r, "python_info", "Python platform information", METRIC_GAUGE,
				    pm->label_names, pm->n_labels + PYTHON_LABELS, NULL, 0);
	return pm->python_info ? 0 : -errno;
}

static int declare_self(struct process_metrics *pm, struct registry *r)
{
	for (int i = 0; i < PF_COUNT; i++) {
		struct metric_family *f = add_process_family(r, "flask_ebpf_exporter_", i, NULL, 0);

		pm->self[i] = f ? metric_family_child(f, NULL) : NULL;
		if (!pm->self[i])
			return -errno;
	}
	return 0;
}

struct process_metrics *process_metrics_new(struct registry *r, const struct config_target *targets,
					    size_t n_targets, const char *const *dynamic_keys,
					    size_t n_dynamic_keys, int apps, const char *proc_root)
{
	struct process_metrics *pm = calloc(1, sizeof(*pm));
	int err;

	if (!pm)
		return NULL;
	pm->proc_root = proc_root;
	pm->ticks = (double)sysconf(_SC_CLK_TCK);
	pm->page_size = (double)sysconf(_SC_PAGESIZE);
	if (proc_boot_time(proc_root, &pm->boot_time))
		pm->boot_time = 0;
	pm->enabled = apps;
	err = collect_label_names(pm, targets, apps ? n_targets : 0, dynamic_keys, n_dynamic_keys);
	if (!err && apps)
		err = group_targets(pm, targets, n_targets);
	if (!err && apps)
		err = declare_apps(pm, r);
	if (!err)
		err = declare_self(pm, r);
	if (err) {
		process_metrics_free(pm);
		errno = -err;
		return NULL;
	}
	return pm;
}

void process_metrics_free(struct process_metrics *pm)
{
	if (!pm)
		return;
	for (size_t a = 0; a < pm->n_apps; a++) {
		for (size_t k = 0; pm->apps[a].owns_values && k < pm->n_labels; k++)
			free((char *)pm->apps[a].values[k]);
		free(pm->apps[a].values);
		free(pm->apps[a].procs);
		app_cpu_release(&pm->apps[a].cpu);
	}
	free(pm->apps);
	free(pm->app_of_target);
	free(pm->dynamic);
	free(pm->label_names);
	free(pm);
}

static void add_figures(struct figures_sum *s, const struct proc_figures *f, double page_size)
{
	s->vmem += (double)f->vsize;
	s->rss += (double)f->rss_pages * page_size;
	if (f->open_fds >= 0) {
		s->open_fds += (double)f->open_fds;
		s->fds_known = 1;
	}
	if (!s->n || f->start_ticks < s->oldest_start) {
		s->oldest_start = f->start_ticks;
		s->oldest = f->pid;
		s->max_fds = f->max_fds;
	}
	s->n++;
}

static void set_children(struct metric_child *const *child, const struct figures_sum *s,
			 double cpu_seconds, double start_seconds)
{
	metric_child_set(child[PF_VMEM], s->vmem);
	metric_child_set(child[PF_RSS], s->rss);
	metric_child_set(child[PF_START], start_seconds);
	metric_child_set(child[PF_CPU], cpu_seconds);
	/* Unreadable descriptors (another user's processes without CAP_SYS_PTRACE): no series
	 * rather than a false 0; the application's children are made once known. */
	if (child[PF_OPEN_FDS] && (s->fds_known || !s->n))
		metric_child_set(child[PF_OPEN_FDS], s->open_fds);
	if (child[PF_MAX_FDS] && s->max_fds >= 0)
		metric_child_set(child[PF_MAX_FDS], s->max_fds);
}

/* python_info for the app's oldest process, looked up when that process changes. */
static int update_python(struct process_metrics *pm, struct app *app)
{
	struct python_version v;
	const char **values = app->values;

	if (!app->sum.n ||
	    (app->python_of == app->sum.oldest && app->python_of_start == app->sum.oldest_start))
		return 0;
	app->python_of = app->sum.oldest;
	app->python_of_start = app->sum.oldest_start;
	if (python_version_of_process(pm->proc_root, app->sum.oldest, &v))
		return 0;
	values[pm->n_labels + 0] = strdup(v.implementation);
	values[pm->n_labels + 1] = strdup(v.major);
	values[pm->n_labels + 2] = strdup(v.minor);
	values[pm->n_labels + 3] = strdup(v.patchlevel);
	values[pm->n_labels + 4] = strdup(v.version);
	for (size_t i = 0; i < PYTHON_LABELS; i++)
		if (!values[pm->n_labels + i])
			return -ENOMEM;
	app->python = metric_family_child(pm->python_info, values);
	for (size_t i = 0; i < PYTHON_LABELS; i++) {
		free((char *)values[pm->n_labels + i]);
		values[pm->n_labels + i] = NULL;
	}
	if (!app->python)
		return -errno;
	metric_child_set(app->python, 1);
	return 0;
}

static int update_app(struct process_metrics *pm, struct app *app)
{
	unsigned long long ticks;

	if (!app->sum.n && !app->child[0])
		return 0; /* not seen yet: no series */
	ticks = app_cpu_account(&app->cpu, app->procs, app->n_procs);
	if (ticks == -1ULL)
		return -ENOMEM;
	for (int i = 0; i < PF_COUNT; i++) {
		if (app->child[i] || (i == PF_OPEN_FDS && !app->sum.fds_known) ||
		    (i == PF_MAX_FDS && app->sum.max_fds < 0))
			continue;
		app->child[i] = metric_family_child(pm->family[i], app->values);
		if (!app->child[i])
			return -errno;
	}
	/* Gone for now (restarting): no memory, no descriptors; the start time and the CPU
	 * counter keep their last values. */
	set_children(app->child, &app->sum, (double)ticks / pm->ticks,
		     app->sum.n ? pm->boot_time + (double)app->sum.oldest_start / pm->ticks
				: metric_child_value(app->child[PF_START]));
	return update_python(pm, app);
}

static void update_self(struct process_metrics *pm)
{
	struct figures_sum s = { 0 };
	struct proc_figures f;

	if (proc_figures_read(pm->proc_root, getpid(), &f))
		return;
	add_figures(&s, &f, pm->page_size);
	/* As the client for itself: its own time, not its children's. */
	set_children(pm->self, &s, (double)(f.utime + f.stime) / pm->ticks,
		     pm->boot_time + (double)f.start_ticks / pm->ticks);
}

int process_metrics_update(struct process_metrics *pm, const pid_t *pids,
			   const unsigned int *targets, size_t n)
{
	int err = 0;

	for (size_t a = 0; a < pm->n_apps; a++) {
		struct app *app = &pm->apps[a];

		memset(&app->sum, 0, sizeof(app->sum));
		app->sum.max_fds = -1; /* unknown until a process says */
		free(app->procs);
		app->procs = calloc(n ? n : 1, sizeof(*app->procs));
		app->n_procs = 0;
		if (!app->procs)
			return -ENOMEM;
	}
	for (size_t i = 0; pm->n_apps && i < n; i++) {
		struct proc_figures f;
		struct app *app;

		app = app_of(pm, targets[i]);
		if (!app || proc_figures_read(pm->proc_root, pids[i], &f))
			continue;
		add_figures(&app->sum, &f, pm->page_size);
		app->procs[app->n_procs++] = (struct app_cpu_process){
			.pid = f.pid,
			.ppid = f.ppid,
			.start_ticks = f.start_ticks,
			.own = f.utime + f.stime,
			.reaped = f.cutime + f.cstime,
		};
	}
	for (size_t a = 0; !err && a < pm->n_apps; a++)
		err = update_app(pm, &pm->apps[a]);
	update_self(pm);
	return err;
}
