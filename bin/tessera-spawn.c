/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tessera-spawn: keep N copies of a FastCGI program running on one unix socket.
 *
 *   tessera-spawn --socket PATH --procs N [--pidfile F] [--user U] [--group G]
 *                 -- PROGRAM [ARGS...]
 *
 * Web servers that do not start FastCGI programs themselves (Apache with
 * mod_proxy_fcgi) need something else to do it. spawn-fcgi starts the
 * processes once; this supervisor also restarts a process that dies, so one
 * crash does not leave a route without workers.
 *
 * The supervisor creates the listening socket and every child inherits it as
 * fd 0 (FCGI_LISTENSOCK_FILENO): libfcgi's FCGX_Accept_r accepts on fd 0 when
 * it is a socket, so the children share one socket and the kernel spreads the
 * connections. The environment is passed on unchanged (TESSERA_CONFIG).
 *
 * Signals: SIGTERM or SIGINT stops the children (SIGTERM, then SIGKILL after
 * STOP_GRACE_SECONDS), removes the socket and the pid file, and exits 0.
 * SIGHUP restarts the children (after an upgrade of PROGRAM).
 *
 * Uses only libc and POSIX (plus one Linux prctl, guarded).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* initgroups, strsignal, SOCK_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define MAX_PROCS 256
#define LISTEN_BACKLOG 1024
#define SOCKET_MODE 0660
/* A child that dies sooner than this after its start is restarted only after
 * the same delay: a program that cannot start (bad configuration, missing
 * library) must not make us fork in a tight loop. */
#define QUICK_DEATH_SECONDS 1
#define STOP_GRACE_SECONDS 10

struct options {
	const char *socket_path;
	int procs;
	const char *pidfile;
	const char *user;
	const char *group;
	char **argv; /* PROGRAM and its arguments, NULL-terminated */
};

/* One slot per wanted child. pid 0: not running; restart_at says when to
 * start it again (0: at once). */
struct slot {
	pid_t pid;
	double started;
	double restart_at;
};

static const char *progname = "tessera-spawn";
static struct slot slots[MAX_PROCS];
static sigset_t handled_signals; /* blocked, taken with sigtimedwait */
static sigset_t original_mask;	 /* given back to the children */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, prefixed so it can be told apart from the program's own
 * lines in a shared log. */
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s[%ld]: %s\n", progname, (long)getpid(), line);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	say("error: %s", line);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: %s --socket PATH --procs N [--pidfile FILE] [--user USER] [--group GROUP]"
			" -- PROGRAM [ARGS...]\n",
		progname);
	exit(2);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ options */

static int parse_procs(const char *s)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end || n < 1 || n > MAX_PROCS)
		die("--procs must be a number from 1 to %d, not '%s'", MAX_PROCS, s);
	return (int)n;
}

/* Hand-rolled rather than getopt_long: the option list is short, and it must
 * stop exactly at "--" so PROGRAM's own options are never ours. */
static void parse_options(int argc, char **argv, struct options *o)
{
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--socket"))
			o->socket_path = argv[++i];
		else if (!strcmp(a, "--procs"))
			o->procs = parse_procs(argv[++i]);
		else if (!strcmp(a, "--pidfile"))
			o->pidfile = argv[++i];
		else if (!strcmp(a, "--user"))
			o->user = argv[++i];
		else if (!strcmp(a, "--group"))
			o->group = argv[++i];
		else
			usage();
	}
	if (i + 1 >= argc || !o->socket_path || !o->procs)
		usage();
	o->argv = argv + i + 1;
	if (strlen(o->socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die("socket path too long (the limit is %zu bytes): %s",
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1, o->socket_path);
	/* Fail now, not once per second in every child. */
	if (strchr(o->argv[0], '/') && access(o->argv[0], X_OK) != 0)
		die("cannot execute %s: %s", o->argv[0], strerror(errno));
}

/* ------------------------------------------------------------ set-up */

/* The children get the listening socket as fd 0, and the supervisor keeps
 * stdout and stderr: make sure 0, 1 and 2 are taken, so the socket we create
 * next is not one of them. */
static void reserve_standard_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1)
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null < 0)
			exit(1);
		if (null != fd) /* cannot happen: open takes the lowest free fd */
			exit(1);
	}
}

/* A file at PATH left by an earlier run is removed only when it is a socket
 * that nobody accepts on: never remove a regular file by mistake, and never
 * take over a socket another supervisor still serves. */
static void remove_stale_socket(const struct sockaddr_un *addr)
{
	struct stat st;
	if (lstat(addr->sun_path, &st) != 0) {
		if (errno == ENOENT)
			return;
		die("%s: %s", addr->sun_path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		die("%s exists and is not a socket", addr->sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	int in_use = connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0;
	close(fd);
	if (in_use)
		die("%s is in use by another process", addr->sun_path);
	if (unlink(addr->sun_path) != 0)
		die("cannot remove the stale socket %s: %s", addr->sun_path, strerror(errno));
}

/* The socket is created close-on-exec: a child gets it only through its dup2
 * onto fd 0, which clears the flag on the copy. */
static int make_listener(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	memcpy(addr.sun_path, path, strlen(path) + 1);
	remove_stale_socket(&addr);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	/* The umask makes the socket private from the start; the chmod below
	 * then opens it to the group (the web server). */
	mode_t old_umask = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
	umask(old_umask);
	if (rc != 0)
		die("bind %s: %s", path, strerror(errno));
	if (chmod(path, SOCKET_MODE) != 0)
		die("chmod %s: %s", path, strerror(errno));
	if (listen(fd, LISTEN_BACKLOG) != 0)
		die("listen %s: %s", path, strerror(errno));
	return fd;
}

/* The socket's owner is --user, the account the programs run as; its group is
 * --group, else --user's own group. Mode 0660: only the owner and that group
 * may connect, so the web server must run as a member of the group (e.g.
 * --group www-data). */
static void own_socket(const char *path, const struct passwd *pw, const struct group *gr)
{
	uid_t uid = pw ? pw->pw_uid : (uid_t)-1;
	gid_t gid = gr ? gr->gr_gid : pw ? pw->pw_gid : (gid_t)-1;
	if ((pw || gr) && chown(path, uid, gid) != 0)
		die("chown %s: %s", path, strerror(errno));
}

/* setgid and initgroups first: after setuid we would no longer be allowed
 * to change groups. */
static void drop_privileges(const struct passwd *pw)
{
	if (setgid(pw->pw_gid) != 0)
		die("setgid %ld: %s", (long)pw->pw_gid, strerror(errno));
	if (initgroups(pw->pw_name, pw->pw_gid) != 0)
		die("initgroups %s: %s", pw->pw_name, strerror(errno));
	if (setuid(pw->pw_uid) != 0)
		die("setuid %ld: %s", (long)pw->pw_uid, strerror(errno));
	/* A process that can get root back has not dropped anything. */
	if (pw->pw_uid != 0 && setuid(0) == 0)
		die("could still regain root after setuid");
}

static void write_pidfile(const char *path)
{
	FILE *f = fopen(path, "we");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0)
		die("cannot write the pid file %s: %s", path, strerror(errno));
}

/* SIGCHLD needs a handler, even an empty one: a signal whose default action
 * is to be ignored may be dropped instead of left pending for sigtimedwait. */
static void on_sigchld(int sig)
{
	(void)sig;
}

/* All the signals we act on are blocked and taken synchronously with
 * sigtimedwait in the main loop: no work in signal handlers, no races
 * between a signal and the wait. */
static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_sigchld };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&handled_signals);
	sigaddset(&handled_signals, SIGCHLD);
	sigaddset(&handled_signals, SIGTERM);
	sigaddset(&handled_signals, SIGINT);
	sigaddset(&handled_signals, SIGHUP);
	sigprocmask(SIG_BLOCK, &handled_signals, &original_mask);
}

/* ------------------------------------------------------------ children */

/* In the child, between fork and exec. Only async-signal-safe calls. */
static void exec_child(int listen_fd, pid_t supervisor, char **argv)
{
	/* Exec keeps the signal mask and ignored signals: give the program
	 * the defaults it expects. */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &original_mask, NULL);
#ifdef __linux__
	/* If the supervisor is killed outright, its children must not keep
	 * serving (and holding the socket) unsupervised. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != supervisor)
		_exit(1);
#else
	(void)supervisor;
#endif
	if (dup2(listen_fd, 0) != 0)
		_exit(126);
	execvp(argv[0], argv);
	static const char msg[] = "tessera-spawn: exec failed\n";
	ssize_t ignored = write(2, msg, sizeof msg - 1);
	(void)ignored;
	_exit(127);
}

static void start_child(struct slot *s, int listen_fd, char **argv)
{
	pid_t supervisor = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		/* Out of processes: try again later rather than give up. */
		say("fork: %s; retrying in %d s", strerror(errno), QUICK_DEATH_SECONDS);
		s->restart_at = now() + QUICK_DEATH_SECONDS;
		return;
	}
	if (pid == 0)
		exec_child(listen_fd, supervisor, argv);
	s->pid = pid;
	s->started = now();
	s->restart_at = 0;
}

static struct slot *find_slot(pid_t pid, int procs)
{
	for (int i = 0; i < procs; i++)
		if (slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "stopped (status 0x%x)", (unsigned)status);
}

/* Collect every child that has exited; when not stopping, note when to start
 * its replacement and log one line. */
static void reap_children(const struct options *o, bool stopping)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct slot *s = find_slot(pid, o->procs);
		if (!s)
			continue;
		s->pid = 0;
		if (stopping)
			continue; /* no replacement, no noise */
		char what[128];
		describe_status(status, what, sizeof what);
		double lived = now() - s->started;
		if (lived < QUICK_DEATH_SECONDS) {
			s->restart_at = now() + QUICK_DEATH_SECONDS;
			say("%s (pid %ld) %s after %.2f s; restarting in %d s", o->argv[0], (long)pid, what, lived,
			    QUICK_DEATH_SECONDS);
		} else {
			s->restart_at = 0;
			say("%s (pid %ld) %s; restarting", o->argv[0], (long)pid, what);
		}
	}
}

/* Start what is due; return the seconds until the next delayed start, or -1
 * when nothing waits. */
static double start_due_children(const struct options *o, int listen_fd)
{
	double t = now(), next = -1;
	for (int i = 0; i < o->procs; i++) {
		struct slot *s = &slots[i];
		if (s->pid)
			continue;
		if (s->restart_at <= t)
			start_child(s, listen_fd, o->argv);
		if (!s->pid) {
			double wait = s->restart_at - t;
			if (next < 0 || wait < next)
				next = wait;
		}
	}
	return next;
}

static int count_children(int procs)
{
	int n = 0;
	for (int i = 0; i < procs; i++)
		n += slots[i].pid != 0;
	return n;
}

/* A child that has been waited for no longer occupies its slot. */
static void forget_child(pid_t pid, int procs)
{
	struct slot *s = find_slot(pid, procs);
	if (s)
		s->pid = 0;
}

static void signal_children(int procs, int sig)
{
	for (int i = 0; i < procs; i++)
		if (slots[i].pid)
			kill(slots[i].pid, sig);
}

/* SIGTERM to every child, wait up to STOP_GRACE_SECONDS, then SIGKILL: a
 * program stuck in a request must not keep the supervisor from exiting. */
static void stop_children(const struct options *o)
{
	signal_children(o->procs, SIGTERM);
	double deadline = now() + STOP_GRACE_SECONDS;
	while (count_children(o->procs) && now() < deadline) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		sigtimedwait(&handled_signals, NULL, &tick);
		reap_children(o, true);
	}
	if (count_children(o->procs)) {
		say("children still running after %d s; sending SIGKILL", STOP_GRACE_SECONDS);
		signal_children(o->procs, SIGKILL);
		pid_t pid;
		while (count_children(o->procs) && (pid = waitpid(-1, NULL, 0)) > 0)
			forget_child(pid, o->procs);
	}
}

/* SIGHUP: replace every child (after PROGRAM was upgraded). The socket stays
 * open throughout: connections made while no child accepts wait in the listen
 * backlog, they are not refused. */
static void restart_children(const struct options *o)
{
	say("SIGHUP: restarting %d processes of %s", o->procs, o->argv[0]);
	for (int i = 0; i < o->procs; i++) {
		if (slots[i].pid)
			kill(slots[i].pid, SIGTERM);
		/* Not a quick death: no back-off for these. */
		slots[i].started = now() - QUICK_DEATH_SECONDS;
	}
}

static struct timespec to_timespec(double seconds)
{
	struct timespec ts;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	return ts;
}

/* The supervisor's life: start the children, then wait for signals. Returns
 * when told to stop. */
static void supervise(const struct options *o, int listen_fd)
{
	for (;;) {
		double next = start_due_children(o, listen_fd);
		struct timespec timeout = to_timespec(next < 0 ? 3600 : next);
		siginfo_t info;
		int sig = sigtimedwait(&handled_signals, &info, &timeout);
		if (sig == SIGTERM || sig == SIGINT) {
			say("%s: stopping %d processes of %s", strsignal(sig), count_children(o->procs),
			    o->argv[0]);
			stop_children(o);
			return;
		}
		if (sig == SIGHUP)
			restart_children(o);
		reap_children(o, false);
	}
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct passwd *pw = NULL;
	struct group *gr = NULL;

	parse_options(argc, argv, &o);
	/* Look the names up before anything changes on disk. */
	if (o.user && !(pw = getpwnam(o.user)))
		die("no such user: %s", o.user);
	if (o.group && !(gr = getgrnam(o.group)))
		die("no such group: %s", o.group);
	/* Being --user already is fine (nothing to drop); becoming it needs root. */
	bool switch_user = pw && pw->pw_uid != geteuid();
	if (switch_user && geteuid() != 0)
		die("--user %s needs root", o.user);

	reserve_standard_fds();
	setup_signals();
	int listen_fd = make_listener(o.socket_path);
	own_socket(o.socket_path, pw, gr);
	/* The pid file is written while we may still write in root's
	 * directories, and names the supervisor: stopping it stops all. */
	if (o.pidfile)
		write_pidfile(o.pidfile);
	if (switch_user)
		drop_privileges(pw);

	say("serving %s with %d processes of %s", o.socket_path, o.procs, o.argv[0]);
	supervise(&o, listen_fd);

	close(listen_fd);
	/* After dropping privileges these may fail (a root-owned directory);
	 * the next start removes a stale socket anyway. */
	if (unlink(o.socket_path) != 0 && errno != ENOENT)
		say("cannot remove %s: %s", o.socket_path, strerror(errno));
	if (o.pidfile && unlink(o.pidfile) != 0 && errno != ENOENT)
		say("cannot remove %s: %s", o.pidfile, strerror(errno));
	say("stopped");
	return 0;
}
