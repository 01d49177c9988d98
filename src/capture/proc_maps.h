/* proc_maps — one line of /proc/PID/maps, parsed. Pure: knows nothing of BPF or files. */
#ifndef FEE_PROC_MAPS_H
#define FEE_PROC_MAPS_H

struct proc_mapping {
	unsigned long start, end, offset;
	unsigned long inode;
	unsigned int dev_major, dev_minor;
	char perms[5];	  /* "r-xp" */
	const char *path; /* points into the parsed line; "" for an anonymous mapping */
};

/*
 * Parses "start-end perms offset major:minor inode [path]". The line's trailing newline is
 * cut off in place, so path is a proper string (it may hold spaces, or end in
 * " (deleted)"). Returns 0, or -EINVAL for a line of another shape.
 */
int proc_maps_parse_line(char *line, struct proc_mapping *m);

/* Does the mapping hold code (its perms carry 'x') from a file (an absolute path)? */
int proc_mapping_is_file_code(const struct proc_mapping *m);

#endif
