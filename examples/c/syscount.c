// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Count the system calls of one child process with rbpf, from C.
//
//     make -C examples/c run [ARGS="ls -l /"]
//
// Opens target/bpf/syscount.bpf.o, sets the .rodata filter `target_pid` before load,
// attaches the tracepoint program, runs the command, then prints the counts.
#define _GNU_SOURCE
#include <errno.h>
#include <rbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct row {
	uint32_t id;
	uint64_t count;
};

static int by_count(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("RBPF_BPF_DIR") ? getenv("RBPF_BPF_DIR") : "target/bpf";
	char *default_cmd[] = { "ls", "-l", "/", NULL };
	char **cmd = argc > 1 ? argv + 1 : default_cmd;
	struct rbpf_object *obj = NULL;
	struct rbpf_link *link = NULL;
	struct rbpf_map *counts;
	struct row rows[512];
	uint32_t key, next;
	char path[4096];
	int go[2], status, n = 0, err = 1;
	pid_t pid;
	int *target_pid;

	snprintf(path, sizeof(path), "%s/syscount.bpf.o", dir);
	obj = rbpf_object_open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s (%s)\n", path, strerror(errno), rbpf_last_error());
		return 1;
	}

	/* The child waits on a pipe so the filter is in place before it runs. */
	if (pipe(go) != 0 || (pid = fork()) < 0) {
		perror("fork");
		goto out;
	}
	if (pid == 0) {
		char b;

		close(go[1]);
		if (read(go[0], &b, 1) < 0)
			_exit(127);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	close(go[0]);

	target_pid = rbpf_object_global(obj, "target_pid", NULL);
	if (!target_pid) {
		fprintf(stderr, "target_pid: %s\n", rbpf_last_error());
		goto out;
	}
	*target_pid = pid;
	rbpf_program_set_autoload(rbpf_object_find_program_by_name(obj, "count_raw"), false);
	rbpf_program_set_autoload(rbpf_object_find_program_by_name(obj, "count_btf"), false);
	if (rbpf_object_load(obj) < 0) {
		fprintf(stderr, "load: %s\n", rbpf_last_error());
		goto out;
	}
	link = rbpf_program_attach(rbpf_object_find_program_by_name(obj, "count_syscalls"));
	if (!link) {
		fprintf(stderr, "attach: %s\n", rbpf_last_error());
		goto out;
	}

	close(go[1]); /* EOF releases the child */
	waitpid(pid, &status, 0);

	counts = rbpf_object_find_map_by_name(obj, "counts");
	for (int r = rbpf_map_get_next_key(counts, NULL, &key, sizeof(key)); r == 0 && n < 512;
	     r = rbpf_map_get_next_key(counts, &key, &next, sizeof(key)), key = next) {
		uint64_t v;

		if (rbpf_map_lookup_elem(counts, &key, sizeof(key), &v, sizeof(v), 0) == 0)
			rows[n++] = (struct row){ key, v };
	}
	qsort(rows, n, sizeof(rows[0]), by_count);
	printf("%10s  %8s\n", "syscall", "count");
	for (int i = 0; i < n && i < 15; i++)
		printf("%10u  %8llu\n", rows[i].id, (unsigned long long)rows[i].count);
	printf("%d distinct syscalls from pid %d (%s)\n", n, pid, cmd[0]);
	err = 0;
out:
	rbpf_link_destroy(link);
	rbpf_object_close(obj);
	return err;
}
