// SPDX-License-Identifier: GPL-2.0
/*
 * sysload: small system workloads for the backend-mode kernel (see
 * Documentation/hakmem_slab.rst, "Backend mode").  Built static on the host
 * (gcc -static) and run in the guest's busybox initramfs.
 *
 *   sysload fork N      N times: fork(), the child _exit()s, wait
 *   sysload files N DIR N times: create, write, stat, rename, unlink a
 *                       file in one of 16 directories under DIR
 *
 * Prints "sysload: WORKLOAD ops N seconds S ops_per_s R".  Exits non-zero
 * on any failed system call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int main(int argc, char **argv)
{
	double t0, t;
	long n;

	n = argc >= 3 ? atol(argv[2]) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: sysload fork N | sysload files N DIR\n");
		return 2;
	}
	t0 = now();
	if (!strcmp(argv[1], "fork")) {
		run_fork(n);
	} else if (!strcmp(argv[1], "files") && argc == 4) {
		run_files(n, argv[3]);
	} else {
		fprintf(stderr, "sysload: unknown workload %s\n", argv[1]);
		return 2;
	}
	t = now() - t0;
	printf("sysload: %s ops %ld seconds %.3f ops_per_s %.0f\n", argv[1], n,
	       t, n / t);
	return 0;
}
