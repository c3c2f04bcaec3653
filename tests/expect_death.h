/*
 * tests/expect_death.h - the death-test helper of the misuse suites
 * (test_misuse.c, test_rwlock_misuse.c): run a misuse in a forked child and
 * assert that it dies of SIGABRT having printed the expected
 * "usync: <function>: <what>" line.  Include after <cmocka.h>.  The calling
 * binary must create no threads outside such children (fork needs a
 * thread-free process under the sanitizers).
 */
#ifndef USYNC_TESTS_EXPECT_DEATH_H
#define USYNC_TESTS_EXPECT_DEATH_H

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs misuse() in a child; asserts it aborts printing `message`. */
static inline void expect_death(void (*misuse)(void), const char *message)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		misuse();
		_exit(0); /* not reached if the check fired */
	}
	close(fds[1]);
	char out[4096];
	size_t len = 0;
	ssize_t got;
	while ((got = read(fds[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) ||
	    strstr(out, message) == NULL)
		print_error("expected abort with \"%s\", got status %#x and "
			    "stderr:\n%s\n",
			    message, status, out);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, message));
	assert_non_null(strstr(out, "usync: "));
}

#endif /* USYNC_TESTS_EXPECT_DEATH_H */
