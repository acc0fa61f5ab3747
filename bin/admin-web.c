/* SPDX-License-Identifier: BSD-2-Clause */
/* admin-web: step 7 of tessera-admin setup, the web server's configuration, modules and
 * services (--web apache|lighttpd). */
#include "setup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs a command, its output passed through; its exit status, or -1. */
static int run(const char *const argv[])
{
	printf("      $");
	for (const char *const *a = argv; *a; a++)
		printf(" %s", *a);
	printf("\n");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(1, 2);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "tessera-admin: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool systemd_running(void)
{
	return access("/run/systemd/system", F_OK) == 0;
}

int step_web(struct setup *s)
{
	printf("[web] %s\n", s->web);
	fflush(stdout);
	s->step_t0 = setup_now();
	bool systemd = systemd_running();
	if (!strcmp(s->web, "apache")) {
		const char *const mods[] = { "a2enmod", "-q", "proxy_fcgi", "setenvif", NULL };
		const char *const conf[] = { "a2enconf", "-q", "tessera", NULL };
		if (run(mods) != 0 || run(conf) != 0)
			return setup_fail("enabling the Apache configuration failed (above): is apache2 installed?");
		if (systemd) {
			const char *const units[] = { "systemctl", "enable", "--now", "tessera.target", "tessera-mailer.service",
						      NULL };
			const char *const reload[] = { "systemctl", "reload-or-restart", "apache2.service", NULL };
			if (run(units) != 0 || run(reload) != 0)
				return setup_fail("starting the services failed: see systemctl status 'tessera-spawn@*' "
					    "tessera-mailer apache2");
		}
	} else if (!strcmp(s->web, "lighttpd")) {
		/* lighttpd starts the programs as www-data, which must read tessera.conf. */
		const char *const group[] = { "adduser", "--quiet", "www-data", "tessera", NULL };
		const char *const mod[] = { "lighty-enable-mod", "tessera", NULL };
		int m;
		if (run(group) != 0 || ((m = run(mod)) != 0 && m != 2))
			return setup_fail("enabling the lighttpd configuration failed (above): is lighttpd installed?");
		if (systemd) {
			const char *const units[] = { "systemctl", "enable", "--now", "tessera-mailer.service", NULL };
			const char *const restart[] = { "systemctl", "restart", "lighttpd.service", NULL };
			if (run(units) != 0 || run(restart) != 0)
				return setup_fail("starting the services failed: see systemctl status tessera-mailer lighttpd");
		}
	}
	if (!systemd)
		printf("      systemd is not running here: start the programs yourself (%s)\n",
		       !strcmp(s->web, "apache") ? "tessera-spawn per program, see tessera-spawn@.service; "
						   "tessera-mailer; apache2"
						 : "lighttpd; tessera-mailer");
	printf("      done (%.1f s)\n", setup_now() - s->step_t0);
	return 0;
}
