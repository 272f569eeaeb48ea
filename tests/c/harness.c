// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// The harness: registration, one forked child per test, result lines, summary.
// Usage: test_rbpf [substring...]   (only tests whose name contains one of them)
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TESTS 256
#define SKIP_EXIT 77
#define TEST_TIMEOUT_S 60

static struct test_case tests[MAX_TESTS];
static int n_tests;
static int msg_fd = -1; /* child → parent: the failure or skip reason */

void harness_register(const char *name, test_fn fn, bool needs_kernel)
{
	if (n_tests < MAX_TESTS)
		tests[n_tests++] = (struct test_case){ name, fn, needs_kernel };
}

static void send_msg(const char *fmt, va_list ap)
{
	char buf[2048];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (msg_fd >= 0 && write(msg_fd, buf, n) < 0)
		perror("harness: write");
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	char where[256];

	snprintf(where, sizeof(where), "%s:%d: ", file, line);
	if (msg_fd >= 0 && write(msg_fd, where, strlen(where)) < 0)
		perror("harness: write");
	va_start(ap, fmt);
	send_msg(fmt, ap);
	va_end(ap);
	_exit(1);
}

void harness_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_msg(fmt, ap);
	va_end(ap);
	_exit(SKIP_EXIT);
}

void check_msg(const char *file, int line, const char *what, const char *sub)
{
	const char *m = rbpf_last_error();

	if (!sub)
		return;
	if (!m || !strstr(m, sub))
		harness_fail(file, line, "%s: last error \"%s\" does not contain \"%s\"", what,
			     m ? m : "(null)", sub);
}

const char *bpf_obj_path(const char *name)
{
	static char buf[8][4096];
	static int next;
	const char *dir = getenv("RBPF_BPF_DIR");
	char *out = buf[next++ % 8];

	if (!dir || !*dir)
		dir = "target/bpf";
	snprintf(out, sizeof(buf[0]), "%s/%s.bpf.o", dir, name);
	if (access(out, R_OK) != 0)
		harness_skip("BPF object %s not built (cargo build -p rbpf-testprogs)", out);
	return out;
}

void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		FAIL("open %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		FAIL("seek %s", path);
	buf = malloc(n ? n : 1);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		FAIL("read %s", path);
	fclose(f);
	*size = n;
	return buf;
}

int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return true;
	return false;
}

static int run_one(const struct test_case *t, char *msg, size_t msg_sz)
{
	int pipefd[2], status = 0;
	ssize_t got = 0, n;
	pid_t pid;

	msg[0] = 0;
	if (pipe2(pipefd, O_CLOEXEC) != 0) {
		snprintf(msg, msg_sz, "pipe: %s", strerror(errno));
		return 1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(msg, msg_sz, "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		msg_fd = pipefd[1];
		alarm(TEST_TIMEOUT_S);
		t->fn();
		/* exit(), not _exit(): LeakSanitizer checks the test's leaks at exit */
		exit(0);
	}
	close(pipefd[1]);
	while ((n = read(pipefd[0], msg + got, msg_sz - 1 - got)) > 0)
		got += n;
	msg[got] = 0;
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0) {
		snprintf(msg, msg_sz, "waitpid: %s", strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		snprintf(msg + got, msg_sz - got, "%scrashed with signal %d (%s)%s", got ? " / " : "",
			 sig, strsignal(sig), sig == SIGALRM ? ": timed out" : "");
		return 1;
	}
	if (WEXITSTATUS(status) == SKIP_EXIT)
		return SKIP_EXIT;
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	bool root = geteuid() == 0;
	static char msg[8192];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < n_tests; i++) {
		const struct test_case *t = &tests[i];
		int r;

		if (!selected(t->name, argc, argv))
			continue;
		if (t->needs_kernel && !root) {
			printf("SKIP %s: needs root to load BPF programs\n", t->name);
			skipped++;
			continue;
		}
		r = run_one(t, msg, sizeof(msg));
		if (r == 0) {
			printf("PASS %s\n", t->name);
			passed++;
		} else if (r == SKIP_EXIT) {
			printf("SKIP %s: %s\n", t->name, msg);
			skipped++;
		} else {
			printf("FAIL %s: %s\n", t->name, msg[0] ? msg : "failed");
			failed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
