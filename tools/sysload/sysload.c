// SPDX-License-Identifier: GPL-2.0
/*
 * sysload: small system workloads for the backend-mode kernel (see
 * Documentation/hakmem_slab.rst, "Backend mode").  Built static on the host
 * (gcc -static) and run in the guest's busybox initramfs.
 *
 *   sysload fork N      N times: fork(), the child _exit()s, wait
 *   sysload files N DIR N times: create, write, stat, rename, unlink a
 *                       file in one of 16 directories under DIR
 *   sysload pipe N      hackbench-like: 2 groups of 10 sender and 10
 *                       receiver processes, each sender writes N 100-byte
 *                       messages to each receiver of its group through
 *                       the receiver's pipe (ops: messages, 200 * N)
 *   sysload walk N DIR  N times: drop the dentry and inode caches (echo 2
 *                       > drop_caches), then readdir() and lstat() every
 *                       entry under DIR on DIR's file system (ops:
 *                       entries; DIR /sys: kernfs makes its dentries and
 *                       inodes on lookup and drop_caches frees them, where
 *                       tmpfs's are pinned)
 *   sysload tcp N       N loopback TCP connections (brings lo up): connect,
 *                       send 64 bytes, the server's process echoes them,
 *                       receive, close
 *   sysload epoll N     N times: epoll_create1(), a timerfd armed 1 s ahead
 *                       and an eventfd added to it, write the eventfd,
 *                       epoll_wait(), read(), close all three (the timer
 *                       never fires: a tickless wait would time the tick)
 *
 * Prints "sysload: WORKLOAD ops N seconds S ops_per_s R".  Exits non-zero
 * on any failed system call.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "sysload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void run_fork(long n)
{
	long i;
	int st;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid)
			_exit(0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
			die("waitpid");
	}
}

static void run_files(long n, const char *dir)
{
	char a[256], b[256];
	struct stat sb;
	long i;
	int fd;

	for (i = 0; i < 16; i++) {
		snprintf(a, sizeof(a), "%s/d%ld", dir, i);
		if (mkdir(a, 0755) && errno != EEXIST)
			die("mkdir");
	}
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "%s/d%ld/f%ld", dir, i % 16, i);
		snprintf(b, sizeof(b), "%s/d%ld/g%ld", dir, (i + 1) % 16, i);
		fd = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (fd < 0)
			die("open");
		if (write(fd, a, sizeof(a)) != sizeof(a))
			die("write");
		close(fd);
		if (stat(a, &sb))
			die("stat");
		if (rename(a, b))
			die("rename");
		if (unlink(b))
			die("unlink");
	}
}

static void full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("write");
		p += r;
		len -= r;
	}
}

static void full_read(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("read");
		p += r;
		len -= r;
	}
}

static void wait_all(int n)
{
	int st;

	while (n--)
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("a child failed");
}

#define PIPE_GROUPS	2
#define PIPE_TASKS	10
#define PIPE_MSG	100

/* Returns the number of messages: every sender to every receiver, N each. */
static long run_pipe(long n)
{
	char msg[PIPE_MSG];
	int fds[PIPE_TASKS][2];
	int g, i, j, tasks = 0;
	long k;

	memset(msg, 'm', sizeof(msg));
	for (g = 0; g < PIPE_GROUPS; g++) {
		for (i = 0; i < PIPE_TASKS; i++)
			if (pipe(fds[i]))
				die("pipe");
		for (i = 0; i < PIPE_TASKS; i++) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid)
				continue;
			for (j = 0; j < PIPE_TASKS; j++)
				if (j != i)
					close(fds[j][0]);
			for (j = 0; j < PIPE_TASKS; j++)
				close(fds[j][1]);
			for (k = 0; k < n * PIPE_TASKS; k++)
				full_read(fds[i][0], msg, sizeof(msg));
			_exit(0);
		}
		for (i = 0; i < PIPE_TASKS; i++) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid)
				continue;
			for (j = 0; j < PIPE_TASKS; j++)
				close(fds[j][0]);
			for (k = 0; k < n; k++)
				for (j = 0; j < PIPE_TASKS; j++)
					full_write(fds[j][1], msg, sizeof(msg));
			_exit(0);
		}
		for (i = 0; i < PIPE_TASKS; i++) {
			close(fds[i][0]);
			close(fds[i][1]);
		}
		tasks += 2 * PIPE_TASKS;
	}
	wait_all(tasks);
	return (long)PIPE_GROUPS * PIPE_TASKS * PIPE_TASKS * n;
}

static long walk_tree(const char *path, dev_t dev)
{
	char sub[4096];
	struct dirent *de;
	struct stat sb;
	long count = 0;
	DIR *d;

	d = opendir(path);
	if (!d)
		return 0;	/* unreadable directories are skipped */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     de->d_name) >= sizeof(sub))
			continue;
		if (lstat(sub, &sb))
			continue;	/* sysfs entries may go away */
		count++;
		if (S_ISDIR(sb.st_mode) && sb.st_dev == dev)
			count += walk_tree(sub, dev);
	}
	closedir(d);
	return count;
}

static void vm_drop(const char *what)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	if (fd < 0)
		die("open /proc/sys/vm/drop_caches");
	full_write(fd, what, strlen(what));
	close(fd);
}

/* Returns the number of entries stat'ed in all N walks. */
static long run_walk(long n, const char *dir)
{
	struct stat sb;
	long i, count = 0;

	if (stat(dir, &sb))
		die("stat");
	for (i = 0; i < n; i++) {
		vm_drop("2\n");
		count += walk_tree(dir, sb.st_dev);
	}
	if (!count)
		die("walk found nothing");
	return count;
}

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", sizeof("lo"));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	close(fd);
}

static void run_tcp(long n)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char buf[64];
	int ls, fd, one = 1;
	pid_t pid;
	long i;

	lo_up();
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) || listen(ls, 128) ||
	    getsockname(ls, (struct sockaddr *)&sa, &len))
		die("bind/listen");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		for (i = 0; i < n; i++) {
			fd = accept(ls, NULL, NULL);
			if (fd < 0)
				die("accept");
			full_read(fd, buf, sizeof(buf));
			full_write(fd, buf, sizeof(buf));
			close(fd);
		}
		_exit(0);
	}
	close(ls);
	memset(buf, 't', sizeof(buf));
	for (i = 0; i < n; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			die("connect");
		full_write(fd, buf, sizeof(buf));
		full_read(fd, buf, sizeof(buf));
		close(fd);
	}
	wait_all(1);
}

static void run_epoll(long n)
{
	struct itimerspec its = { .it_value = { .tv_sec = 1 } };
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t one = 1;
	int ep, tfd, efd;
	long i;

	for (i = 0; i < n; i++) {
		ep = epoll_create1(0);
		tfd = timerfd_create(CLOCK_MONOTONIC, 0);
		efd = eventfd(0, 0);
		if (ep < 0 || tfd < 0 || efd < 0)
			die("epoll_create1/timerfd_create/eventfd");
		if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) ||
		    timerfd_settime(tfd, 0, &its, NULL))
			die("epoll_ctl/timerfd_settime");
		full_write(efd, &one, sizeof(one));
		if (epoll_wait(ep, &ev, 1, -1) != 1)
			die("epoll_wait");
		full_read(efd, &one, sizeof(one));
		close(efd);
		close(tfd);
		close(ep);
	}
}

int main(int argc, char **argv)
{
	double t0, t;
	long n;

	n = argc >= 3 ? atol(argv[2]) : 0;
	if (n <= 0) {
		fprintf(stderr,
			"usage: sysload fork|pipe|tcp|epoll N | sysload files|walk N DIR\n");
		return 2;
	}
	t0 = now();
	if (!strcmp(argv[1], "fork")) {
		run_fork(n);
	} else if (!strcmp(argv[1], "files") && argc == 4) {
		run_files(n, argv[3]);
	} else if (!strcmp(argv[1], "pipe")) {
		n = run_pipe(n);
	} else if (!strcmp(argv[1], "walk") && argc == 4) {
		n = run_walk(n, argv[3]);
	} else if (!strcmp(argv[1], "tcp")) {
		run_tcp(n);
	} else if (!strcmp(argv[1], "epoll")) {
		run_epoll(n);
	} else {
		fprintf(stderr, "sysload: unknown workload %s\n", argv[1]);
		return 2;
	}
	t = now() - t0;
	printf("sysload: %s ops %ld seconds %.3f ops_per_s %.0f\n", argv[1], n,
	       t, n / t);
	return 0;
}
