// SPDX-License-Identifier: (BSD-2-Clause OR MIT)
// Attach kinds through the C API, on the repo's objects (bpf/attach_probes.bpf.c,
// attach_net.bpf.c, attach_kprobe.bpf.c): a uprobe and a USDT probe on a program this
// test builds, XDP / tcx / TC (link and netlink) counting packets across a veth pair in
// namespaces the test creates, a cgroup it creates, an iterator, link pinning, and the
// clear error of kprobes on a kernel without them.
//
// Cleanup also on failure: FAIL() exits the test's process at once, so each test that
// creates system state first forks a reaper that waits for the test process to end (its
// pipe closes) and then removes what the test created.
#define _GNU_SOURCE
#include "harness.h"
#include "rbpf.h"

#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/perf_event.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* --- helpers ---------------------------------------------------------------------------- */

static void *glob_ptr(struct rbpf_object *obj, const char *name, size_t want)
{
	size_t sz = 0;
	void *p = rbpf_object_global(obj, name, &sz);

	if (!p)
		FAIL("global '%s': %s", name, rbpf_last_error());
	if (sz != want)
		FAIL("global '%s': size %zu, want %zu", name, sz, want);
	return p;
}

static uint64_t g64(struct rbpf_object *obj, const char *name)
{
	return *(volatile uint64_t *)glob_ptr(obj, name, 8);
}

static struct rbpf_program *find_prog(struct rbpf_object *obj, const char *name)
{
	struct rbpf_program *p = rbpf_object_find_program_by_name(obj, name);

	if (!p)
		FAIL("no program '%s': %s", name, rbpf_last_error());
	return p;
}

/* Run `cmd` (sh -c) when this process ends, however it ends. */
static void reap_on_exit(const char *cmd)
{
	int p[2];
	pid_t pid;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;

		close(p[1]);
		/* Detach from the harness's process group handling: just wait for EOF. */
		while (read(p[0], &c, 1) > 0)
			;
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	/* p[1] stays open (close-on-exec) for the life of this process. */
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --- the probed program --------------------------------------------------------------- */

static const char *FIXTURE_SRC =
	"#include <sys/sdt.h>\n"
	"#include <stdlib.h>\n"
	"volatile int sink;\n"
	"struct pair { long pad; long a; int arr[4]; };\n"
	"__attribute__((noinline)) int rbpf_c_target(int x) { sink += x; return x * 2; }\n"
	"__attribute__((noinline)) void rbpf_c_site(long i, struct pair *p, int idx) {\n"
	"    DTRACE_PROBE4(rbpftest, args4, i, p->a, -5, p->arr[idx]);\n"
	"}\n"
	"int main(int argc, char **argv) {\n"
	"    int n = argc > 1 ? atoi(argv[1]) : 1;\n"
	"    struct pair p = { .pad = 1, .a = 4242, .arr = { 10, 11, 12, 13 } };\n"
	"    for (int i = 0; i < n; i++) { rbpf_c_target(i); rbpf_c_site(i, &p, i & 3); }\n"
	"    return 0;\n"
	"}\n";

/* Build the probed program in a fresh directory (removed when the test ends). */
static const char *build_fixture(void)
{
	static char dir[64], bin[128];
	char src[128], cmd[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/rbpf_c_attach_XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	reap_on_exit(cmd);
	snprintf(src, sizeof(src), "%s/probed.c", dir);
	snprintf(bin, sizeof(bin), "%s/probed", dir);
	f = fopen(src, "w");
	CHECK(f != NULL);
	fputs(FIXTURE_SRC, f);
	fclose(f);
	if (sh("cc -O2 -o '%s' '%s' 2>&1", bin, src) != 0)
		SKIP("cannot build the probed program with cc (<sys/sdt.h> from systemtap-sdt-dev)");
	return bin;
}

static void run_fixture(const char *bin, int n)
{
	char arg[16];
	pid_t pid;
	int st;

	snprintf(arg, sizeof(arg), "%d", n);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		execl(bin, bin, arg, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

#define N 7

/* --- uprobe / uretprobe ------------------------------------------------------------------ */

KTEST(attach_uprobe_counts_calls_with_cookie)
{
	const char *bin = build_fixture();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_probes"), NULL));
	struct rbpf_link *entry, *ret;

	CHECK_OK(rbpf_object_load(obj));
	RBPF_OPTS(rbpf_uprobe_opts, uo, .func_name = "rbpf_c_target", .bpf_cookie = 42);
	entry = CHECK_PTR(rbpf_program_attach_uprobe_opts(find_prog(obj, "count_uprobe"), -1, bin, 0, &uo));
	RBPF_OPTS(rbpf_uprobe_opts, ro, .func_name = "rbpf_c_target", .retprobe = true);
	ret = CHECK_PTR(rbpf_program_attach_uprobe_opts(find_prog(obj, "count_uretprobe"), -1, bin, 0, &ro));
	run_fixture(bin, N);
	CHECK_EQ(g64(obj, "uprobe_cnt"), N);
	CHECK_EQ((int64_t)g64(obj, "uprobe_arg"), N - 1);
	CHECK_EQ(g64(obj, "uprobe_cookie"), 42);
	CHECK_EQ(g64(obj, "uretprobe_cnt"), N);
	CHECK_EQ((int64_t)g64(obj, "uretprobe_ret"), 2 * (N - 1));
	CHECK_OK(rbpf_link_destroy(entry));
	CHECK_OK(rbpf_link_destroy(ret));
	run_fixture(bin, 2);
	CHECK_EQ(g64(obj, "uprobe_cnt"), N);

	/* Errors name the program; bad opts are refused as libbpf's OPTS_VALID does. */
	CHECK_NULL_ERR(rbpf_program_attach_uprobe(find_prog(obj, "count_uprobe"), false, -1,
						  "/nonexistent/rbpf", 0),
		       ENOENT, "prog 'count_uprobe'");
	RBPF_OPTS(rbpf_uprobe_opts, missing, .func_name = "no_such_function");
	CHECK_NULL_ERR(rbpf_program_attach_uprobe_opts(find_prog(obj, "count_uprobe"), -1, bin, 0, &missing),
		       ENOENT, "no_such_function");
	uo.sz = 4;
	CHECK_NULL_ERR(rbpf_program_attach_uprobe_opts(find_prog(obj, "count_uprobe"), -1, bin, 0, &uo),
		       EINVAL, "rbpf_uprobe_opts size (4) is too small");
	CHECK_NULL_ERR(rbpf_program_attach_uprobe(NULL, false, -1, bin, 0), EINVAL, "prog is NULL");
	rbpf_object_close(obj);
}

/* --- USDT ---------------------------------------------------------------------------------- */

KTEST(attach_usdt_reads_arguments_and_cookie)
{
	const char *bin = build_fixture();
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_probes"), NULL));
	struct rbpf_object *net;
	struct rbpf_link *l;
	int64_t *args;

	CHECK_OK(rbpf_object_load(obj));
	RBPF_OPTS(rbpf_usdt_opts, o, .usdt_cookie = 0xC0FFEE);
	l = CHECK_PTR(rbpf_program_attach_usdt(find_prog(obj, "usdt_args4"), -1, bin, "rbpftest", "args4", &o));
	run_fixture(bin, N);
	CHECK_EQ(g64(obj, "usdt_cnt"), N);
	CHECK_EQ(g64(obj, "usdt_arg_cnt"), 4);
	CHECK_EQ(g64(obj, "usdt_cookie"), 0xC0FFEE);
	args = glob_ptr(obj, "usdt_args", 4 * sizeof(int64_t));
	CHECK_EQ(args[0], N - 1);
	CHECK_EQ(args[1], 4242);
	CHECK_EQ(args[2], -5);
	CHECK_EQ(args[3], 10 + ((N - 1) & 3));
	CHECK_EQ(rbpf_link_fd(l), -1); /* a bundle of uprobes, as libbpf's usdt link */
	CHECK_OK(rbpf_link_destroy(l));
	CHECK_NULL_ERR(rbpf_program_attach_usdt(find_prog(obj, "usdt_args4"), -1, bin, "rbpftest", "nope", NULL),
		       ENOENT, "prog 'usdt_args4'");

	/* An object without usdt.bpf.h. */
	net = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_net"), NULL));
	CHECK_OK(rbpf_object_load(net));
	CHECK_NULL_ERR(rbpf_program_attach_usdt(find_prog(net, "on_sample"), -1, bin, "rbpftest", "args4", NULL),
		       ESRCH, "did you forget to include bpf/usdt.bpf.h?");
	rbpf_object_close(net);
	rbpf_object_close(obj);
}

/* --- network: XDP, tcx, TC ------------------------------------------------------------------ */

struct netpair {
	char ns_a[64], ns_b[64];
	char addr_b[32];
	int ifindex_b;
	int sock; /* UDP socket in ns_a */
	struct sockaddr_in dst;
};

static void enter_ns(const char *ns)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(setns(fd, CLONE_NEWNET) == 0);
	close(fd);
}

/* Two namespaces joined by a veth pair; this process ends up inside ns_b, holding a UDP
 * socket of ns_a. Removed when the test process ends. */
static void netpair_setup(struct netpair *np)
{
	int id = getpid();
	char cmd[256];

	if (sh("ip netns list >/dev/null 2>&1") != 0)
		SKIP("`ip netns` is not available");
	snprintf(np->ns_a, sizeof(np->ns_a), "rbpf_c_%d_a", id);
	snprintf(np->ns_b, sizeof(np->ns_b), "rbpf_c_%d_b", id);
	snprintf(cmd, sizeof(cmd), "ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", np->ns_a,
		 np->ns_b);
	reap_on_exit(cmd);
	snprintf(np->addr_b, sizeof(np->addr_b), "10.%d.%d.2", (id >> 8) & 0xff, id & 0xff);
	CHECK_EQ(sh("ip netns add %s && ip netns add %s", np->ns_a, np->ns_b), 0);
	CHECK_EQ(sh("ip -n %s link add va type veth peer name vb netns %s", np->ns_a, np->ns_b), 0);
	CHECK_EQ(sh("ip -n %s addr add 10.%d.%d.1/24 dev va && ip -n %s addr add %s/24 dev vb",
		    np->ns_a, (id >> 8) & 0xff, id & 0xff, np->ns_b, np->addr_b),
		 0);
	CHECK_EQ(sh("ip -n %s link set va up && ip -n %s link set vb up", np->ns_a, np->ns_b), 0);
	enter_ns(np->ns_a);
	np->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(np->sock >= 0);
	enter_ns(np->ns_b);
	np->ifindex_b = if_nametoindex("vb");
	CHECK(np->ifindex_b > 0);
	memset(&np->dst, 0, sizeof(np->dst));
	np->dst.sin_family = AF_INET;
	np->dst.sin_port = htons(9);
	CHECK(inet_pton(AF_INET, np->addr_b, &np->dst.sin_addr) == 1);
}

static void send_udp(struct netpair *np, int n)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	for (int i = 0; i < n; i++) {
		if (sendto(np->sock, "rbpf", 4, 0, (struct sockaddr *)&np->dst, sizeof(np->dst)) < 0 &&
		    errno != EAGAIN)
			FAIL("sendto: %s", strerror(errno));
		nanosleep(&ts, NULL);
	}
	ts.tv_nsec = 50 * 1000 * 1000;
	nanosleep(&ts, NULL);
}

/* Counter delta over n datagrams, after a warm-up datagram (ARP). */
static uint64_t count_udp(struct netpair *np, struct rbpf_object *obj, const char *var, int n)
{
	uint64_t before;

	send_udp(np, 1);
	before = g64(obj, var);
	send_udp(np, n);
	return g64(obj, var) - before;
}

KTEST(attach_xdp_tcx_tc_count_packets_on_veth)
{
	struct netpair np;
	struct rbpf_object *obj;
	struct rbpf_link *l;
	uint32_t id = 0;

	netpair_setup(&np);
	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_net"), NULL));
	CHECK_OK(rbpf_object_load(obj));

	/* XDP, BPF link. */
	l = CHECK_PTR(rbpf_program_attach_xdp(find_prog(obj, "xdp_count"), np.ifindex_b));
	CHECK_EQ(count_udp(&np, obj, "xdp_pkts", 5), 5);
	CHECK_OK(rbpf_xdp_query_id(np.ifindex_b, 0, &id));
	CHECK(id > 0);
	errno = 0;
	CHECK(rbpf_program_attach_xdp(find_prog(obj, "xdp_count"), np.ifindex_b) == NULL);
	CHECK(errno == EBUSY || errno == EEXIST);
	check_msg(__FILE__, __LINE__, "second XDP", "prog 'xdp_count'");
	check_msg(__FILE__, __LINE__, "second XDP", "already has an XDP program");
	CHECK_OK(rbpf_link_destroy(l));
	CHECK_EQ(count_udp(&np, obj, "xdp_pkts", 2), 0);

	/* XDP over netlink (skb mode), queried and detached. */
	CHECK_OK(rbpf_xdp_attach(np.ifindex_b, rbpf_program_fd(find_prog(obj, "xdp_count")), XDP_FLAGS_SKB_MODE, NULL));
	CHECK_EQ(count_udp(&np, obj, "xdp_pkts", 3), 3);
	RBPF_OPTS(rbpf_xdp_query_opts, q);
	CHECK_OK(rbpf_xdp_query(np.ifindex_b, 0, &q));
	CHECK(q.prog_id > 0 && q.skb_prog_id == q.prog_id);
	CHECK_EQ(q.attach_mode, XDP_ATTACHED_SKB);
	CHECK_OK(rbpf_xdp_detach(np.ifindex_b, XDP_FLAGS_SKB_MODE, NULL));
	CHECK_OK(rbpf_xdp_query_id(np.ifindex_b, 0, &id));
	CHECK_EQ(id, 0);

	/* tcx link, ingress from the section name. */
	l = CHECK_PTR(rbpf_program_attach_tcx(find_prog(obj, "tcx_count"), np.ifindex_b, NULL));
	CHECK(rbpf_link_fd(l) >= 0);
	CHECK_EQ(count_udp(&np, obj, "tcx_pkts", 4), 4);
	CHECK_OK(rbpf_link_update_program(l, find_prog(obj, "tc_count")));
	CHECK_EQ(count_udp(&np, obj, "tc_pkts", 2), 2);
	CHECK_OK(rbpf_link_destroy(l));
	CHECK_EQ(count_udp(&np, obj, "tc_pkts", 2), 0);

	/* TC over netlink as a link: the filter and the qdisc it made go on destroy. */
	l = CHECK_PTR(rbpf_program_attach_tc(find_prog(obj, "tc_count"), np.ifindex_b, RBPF_TC_INGRESS, 1, 1));
	CHECK_EQ(count_udp(&np, obj, "tc_pkts", 3), 3);
	CHECK_OK(rbpf_link_destroy(l));
	CHECK_EQ(count_udp(&np, obj, "tc_pkts", 2), 0);

	/* libbpf's bpf_tc_* calls. */
	RBPF_OPTS(rbpf_tc_hook, hook, .ifindex = np.ifindex_b, .attach_point = RBPF_TC_INGRESS);
	CHECK_OK(rbpf_tc_hook_create(&hook)); /* not EEXIST: the link removed its qdisc */
	CHECK_ERR(rbpf_tc_hook_create(&hook), EEXIST, NULL);
	RBPF_OPTS(rbpf_tc_opts, to, .prog_fd = rbpf_program_fd(find_prog(obj, "tc_count")));
	CHECK_OK(rbpf_tc_attach(&hook, &to));
	CHECKF(to.prog_id > 0 && to.handle > 0 && to.priority > 0, "outputs: prog_id %u handle %u priority %u",
	       to.prog_id, to.handle, to.priority);
	CHECK_EQ(count_udp(&np, obj, "tc_pkts", 5), 5);
	RBPF_OPTS(rbpf_tc_opts, qo, .handle = to.handle, .priority = to.priority);
	CHECK_OK(rbpf_tc_query(&hook, &qo));
	CHECK_EQ(qo.prog_id, to.prog_id);
	CHECK_ERR(rbpf_tc_detach(&hook, &qo), EINVAL, NULL); /* prog_id set */
	RBPF_OPTS(rbpf_tc_opts, dopt, .handle = to.handle, .priority = to.priority);
	CHECK_OK(rbpf_tc_detach(&hook, &dopt));
	CHECK(rbpf_tc_query(&hook, &dopt) < 0); /* ENOENT, or EINVAL once the chain is empty */
	hook.attach_point = RBPF_TC_INGRESS | RBPF_TC_EGRESS;
	CHECK_OK(rbpf_tc_hook_destroy(&hook));
	CHECK_ERR(rbpf_tc_attach(NULL, &to), EINVAL, "hook is NULL");

	rbpf_object_close(obj);
	sh("ip netns del %s; ip netns del %s", np.ns_a, np.ns_b);
}

/* --- cgroup ------------------------------------------------------------------------------------ */

KTEST(attach_cgroup_counts_socket_creation)
{
	const char *root = "/sys/fs/cgroup/unified";
	char dir[256], procs[300], cmd[300];
	struct rbpf_object *obj;
	struct rbpf_link *l;
	int cg, st;
	pid_t pid;

	if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) != 0)
		root = "/sys/fs/cgroup";
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0 && strcmp(root, "/sys/fs/cgroup") == 0)
		SKIP("no cgroup v2 mount");
	snprintf(dir, sizeof(dir), "%s/rbpf_c_%d", root, getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(cmd, sizeof(cmd), "rmdir '%s' 2>/dev/null", dir);
	reap_on_exit(cmd);
	CHECK(mkdir(dir, 0755) == 0);
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(cg >= 0);
	obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_net"), NULL));
	CHECK_OK(rbpf_object_load(obj));
	l = CHECK_PTR(rbpf_program_attach_cgroup(find_prog(obj, "sock_create"), cg));

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		FILE *f = fopen(procs, "w");

		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0)
			_exit(2);
		for (int i = 0; i < 3; i++) {
			int s = socket(AF_INET, SOCK_DGRAM, 0);

			if (s < 0)
				_exit(3);
			close(s);
		}
		_exit(0);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ(g64(obj, "sock_creates"), 3);
	CHECK_OK(rbpf_link_destroy(l));

	RBPF_OPTS(rbpf_cgroup_opts, co);
	l = CHECK_PTR(rbpf_program_attach_cgroup_opts(find_prog(obj, "sock_create"), cg, &co));
	CHECK_OK(rbpf_link_destroy(l));
	CHECK_NULL_ERR(rbpf_program_attach_cgroup(find_prog(obj, "sock_create"), -1), EBADF, "prog 'sock_create'");
	rbpf_object_close(obj);
	close(cg);
	rmdir(dir);
}

/* --- iterator, link pinning ------------------------------------------------------------------- */

KTEST(attach_iter_output_and_link_pin)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_net"), NULL));
	struct rbpf_link *l, *opened;
	char buf[4096], want[64], pin[128], cmd[160];
	int n;

	*(uint32_t *)glob_ptr(obj, "target_tgid", 4) = getpid();
	CHECK_OK(rbpf_object_load(obj));
	l = CHECK_PTR(rbpf_program_attach_iter(find_prog(obj, "dump_task"), NULL));
	n = rbpf_iter_read_all(l, buf, sizeof(buf) - 1);
	CHECK(n > 0 && n < (int)sizeof(buf));
	buf[n] = 0;
	snprintf(want, sizeof(want), "%d %d\n", getpid(), getpid());
	CHECKF(strcmp(buf, want) == 0, "iterator output \"%s\", want \"%s\"", buf, want);
	/* The size needed is returned even when the buffer is too small. */
	CHECK_EQ(rbpf_iter_read_all(l, buf, 2), n);
	n = rbpf_iter_create(l);
	CHECK(n >= 0);
	CHECK(read(n, buf, sizeof(buf)) > 0);
	close(n);

	/* Pin, open the pin, unpin. */
	if (access("/sys/fs/bpf", F_OK) != 0 || sh("mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf") != 0)
		SKIP("bpffs is not available");
	snprintf(pin, sizeof(pin), "/sys/fs/bpf/rbpf_c_iter_%d", getpid());
	snprintf(cmd, sizeof(cmd), "rm -f '%s'", pin);
	reap_on_exit(cmd);
	CHECK_OK(rbpf_link_pin(l, pin));
	CHECK(rbpf_link_pin_path(l) && strcmp(rbpf_link_pin_path(l), pin) == 0);
	CHECK_ERR(rbpf_link_pin(l, pin), EBUSY, "already pinned");
	opened = CHECK_PTR(rbpf_link_open(pin));
	CHECK(rbpf_iter_read_all(opened, buf, sizeof(buf)) > 0);
	CHECK_OK(rbpf_link_unpin(opened));
	CHECK(access(pin, F_OK) != 0);
	CHECK(rbpf_link_pin_path(opened) == NULL);
	CHECK_OK(rbpf_link_destroy(opened));
	CHECK_NULL_ERR(rbpf_link_open(pin), ENOENT, NULL);
	CHECK_OK(rbpf_link_destroy(l));
	rbpf_object_close(obj);
}

/* --- kprobes on a kernel without them ------------------------------------------------------------ */

KTEST(attach_kprobe_fails_clearly_without_kprobes)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_kprobe"), NULL));
	struct rbpf_program *kp;
	struct rbpf_link *l;

	CHECK_OK(rbpf_object_load(obj));
	kp = find_prog(obj, "kprobe_nanosleep");
	l = rbpf_program_attach_kprobe(kp, false, "do_nanosleep");
	if (l) {
		rbpf_link_destroy(l);
		rbpf_object_close(obj);
		SKIP("this kernel has kprobes (the attach worked)");
	}
	CHECK_EQ(errno, EOPNOTSUPP);
	check_msg(__FILE__, __LINE__, "attach_kprobe", "prog 'kprobe_nanosleep'");
	check_msg(__FILE__, __LINE__, "attach_kprobe", "kprobes are not supported by this kernel");
	CHECK_NULL_ERR(rbpf_program_attach(kp), EOPNOTSUPP, "kprobes are not supported by this kernel");
	RBPF_OPTS(rbpf_kprobe_opts, ko, .retprobe = true);
	CHECK_NULL_ERR(rbpf_program_attach_kprobe_opts(find_prog(obj, "kretprobe_nanosleep"), "do_nanosleep", &ko),
		       EOPNOTSUPP, "kretprobe");
	CHECK_NULL_ERR(rbpf_program_attach_ksyscall(find_prog(obj, "ksyscall_nanosleep"), "nanosleep", NULL),
		       EOPNOTSUPP, "prog 'ksyscall_nanosleep'");
	const char *syms[] = { "do_nanosleep" };
	CHECK_NULL_ERR(rbpf_program_attach_kprobe_multi_targets(find_prog(obj, "kprobe_multi_nanosleep"), syms, NULL,
								NULL, 1, NULL),
		       EOPNOTSUPP, "kprobe.multi links are not supported by this kernel");
	CHECK_NULL_ERR(rbpf_program_attach(find_prog(obj, "kprobe_bare")), EOPNOTSUPP, NULL);
	rbpf_object_close(obj);
}

/* --- socket filter and perf_event -------------------------------------------------------------- */

KTEST(attach_socket_filter_and_perf_event)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_net"), NULL));
	struct rbpf_link *l;
	struct perf_event_attr attr;
	struct timespec t0, t1;
	char buf[16];
	int sv[2], pfd;

	CHECK_OK(rbpf_object_load(obj));
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) == 0);
	l = CHECK_PTR(rbpf_program_attach_socket_filter(find_prog(obj, "sock_filter"), sv[1]));
	for (int i = 0; i < 3; i++) {
		CHECK(send(sv[0], "hello", 5, 0) == 5);
		CHECK(recv(sv[1], buf, sizeof(buf), 0) == 5);
	}
	CHECK_EQ(g64(obj, "sock_filter_pkts"), 3);
	CHECK_OK(rbpf_link_destroy(l));
	CHECK(send(sv[0], "hello", 5, 0) == 5);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 5);
	CHECK_EQ(g64(obj, "sock_filter_pkts"), 3);
	close(sv[0]);
	close(sv[1]);

	/* A software CPU-clock sampler on this process, every 100 us of CPU time. */
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 100000;
	attr.disabled = 1;
	pfd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		SKIP("perf_event_open(cpu-clock): %s", strerror(errno));
	RBPF_OPTS(rbpf_perf_event_opts, po, .bpf_cookie = 7);
	l = CHECK_PTR(rbpf_program_attach_perf_event_opts(find_prog(obj, "on_sample"), pfd, &po));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 50000000L);
	CHECKF(g64(obj, "perf_samples") > 5, "samples: %llu", (unsigned long long)g64(obj, "perf_samples"));
	CHECK_OK(rbpf_link_destroy(l));
	close(pfd);
	CHECK_NULL_ERR(rbpf_program_attach_perf_event(find_prog(obj, "on_sample"), -1), EBADF, "prog 'on_sample'");
	rbpf_object_close(obj);
}

/* --- auto-attach from the section name --------------------------------------------------------- */

/* SEC("uprobe/libc.so.6:getpid") and SEC("uretprobe/libc.so.6:getpid"): the library is
 * found by name (ld.so.cache); .rodata target_tid keeps other threads out. */
KTEST(attach_auto_uprobe_on_libc_getpid)
{
	struct rbpf_object *obj = CHECK_PTR(rbpf_object_open_file(bpf_obj_path("attach_probes"), NULL));
	struct rbpf_link *entry, *ret;
	pid_t me = getpid();

	*(uint32_t *)glob_ptr(obj, "target_tid", 4) = (uint32_t)syscall(SYS_gettid);
	CHECK_OK(rbpf_object_load(obj));
	entry = CHECK_PTR(rbpf_program_attach(find_prog(obj, "auto_getpid")));
	ret = CHECK_PTR(rbpf_program_attach(find_prog(obj, "auto_getpid_ret")));
	for (int i = 0; i < 3; i++)
		CHECK_EQ(getpid(), me);
	CHECK_EQ(g64(obj, "getpid_cnt"), 3);
	CHECK_EQ(g64(obj, "getpid_ret_cnt"), 3);
	CHECK_EQ((int64_t)g64(obj, "getpid_ret"), me);
	CHECK_OK(rbpf_link_destroy(entry));
	CHECK_OK(rbpf_link_destroy(ret));
	getpid();
	CHECK_EQ(g64(obj, "getpid_cnt"), 3);
	/* Bare sections have nothing to auto-attach to. */
	CHECK_NULL_ERR(rbpf_program_attach(find_prog(obj, "count_uprobe")), EOPNOTSUPP, "prog 'count_uprobe'");
	CHECK_NULL_ERR(rbpf_program_attach(find_prog(obj, "usdt_args4")), EOPNOTSUPP, "prog 'usdt_args4'");
	rbpf_object_close(obj);
}
