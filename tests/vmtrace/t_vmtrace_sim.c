/*
 * vmtrace(8) against the simulated VMware host: probe and record use
 * VMware's precision clock where the host has it, and GETTIMEFULL
 * where it does not.  The machine access of vt_backdoor.c (I/O
 * privilege, CPUID, DMI) is stood in for through the linker's --wrap;
 * its backdoor calls reach the simulated host (tools/vmthost).
 */

#include <atf-c.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmtrace/vmtrace.h"

enum vt_bd_status __wrap_vt_backdoor_open(struct vt_version *, char *,
	    size_t);
bool	__wrap_vt_hypervisor(char *, size_t);
bool	__wrap_vt_dmi_vmware(void);

enum vt_bd_status
__wrap_vt_backdoor_open(struct vt_version *ver, char *why, size_t len)
{
	ver->version = 6;
	ver->vmx_type = 2;
	if (len > 0)
		why[0] = '\0';
	return VT_BD_OK;
}

bool
__wrap_vt_hypervisor(char *name, size_t len)
{
	snprintf(name, len, "VMwareVMware");
	return true;
}

bool
__wrap_vt_dmi_vmware(void)
{
	return true;
}

static struct vmthost *host;

static void
boot(bool pclk)
{
	struct vmthost_config hc;

#if !defined(__x86_64__) && !defined(__i386__)
	atf_tc_skip("vmtrace has no backdoor on this architecture");
#endif
	kenv_boot(100);
	vmthost_config_default(&hc);
	hc.precision_clock = pclk;
	host = vmthost_create(&hc);
	ATF_REQUIRE(host != NULL);
}

/* Run f with stdout going to a file; return the file's text. */
static char *
capture(int (*f)(const void *), const void *arg, int *rv)
{
	static char buf[65536];
	FILE *fp;
	size_t n;
	int fd, saved;

	fflush(stdout);
	ATF_REQUIRE((saved = dup(STDOUT_FILENO)) >= 0);
	ATF_REQUIRE((fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) >= 0);
	ATF_REQUIRE(dup2(fd, STDOUT_FILENO) == STDOUT_FILENO);
	close(fd);
	*rv = (*f)(arg);
	fflush(stdout);
	ATF_REQUIRE(dup2(saved, STDOUT_FILENO) == STDOUT_FILENO);
	close(saved);
	ATF_REQUIRE((fp = fopen("out.txt", "r")) != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
do_probe(const void *arg)
{
	(void)arg;
	return vt_probe();
}

static int
do_record(const void *arg)
{
	return vt_record(arg);
}

/* The host_ns column of every sample line; how many are not whole us. */
static int
samples(const char *text, int *n, int *with_lag)
{
	const char *p;
	long long g, h;
	unsigned lag;
	int k, sub_us = 0;

	*n = *with_lag = 0;
	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL) {
		k = sscanf(p, "sample %lld %lld %u", &g, &h, &lag);
		if (k < 2)
			continue;
		(*n)++;
		*with_lag += k == 3;
		sub_us += h % 1000 != 0;
	}
	return sub_us;
}

ATF_TC(probe_pclk);
ATF_TC_HEAD(probe_pclk, tc)
{
	atf_tc_set_md_var(tc, "descr", "probe reports PRECISIONCLOCK with the "
	    "host's time where the host has it");
}
ATF_TC_BODY(probe_pclk, tc)
{
	const char *out;
	int rv;

	boot(true);
	out = capture(do_probe, NULL, &rv);
	printf("%s", out);
	ATF_REQUIRE_EQ(rv, 0);
	ATF_REQUIRE(strstr(out, "GETTIMEFULL_WITH_LAG(55): ok") != NULL);
	ATF_REQUIRE(strstr(out, "PRECISIONCLOCK(97): ok host_ns=1767225600")
	    != NULL);
	ATF_REQUIRE(strstr(out, "(2026-01-01T00:00:00.") != NULL);
	ATF_REQUIRE_EQ(vmthost_stats(host)->pclk_answered, 1);
	ATF_REQUIRE_EQ(vmthost_stats(host)->pclk_refused, 0);
}

ATF_TC(probe_no_pclk);
ATF_TC_HEAD(probe_no_pclk, tc)
{
	atf_tc_set_md_var(tc, "descr", "probe reports PRECISIONCLOCK "
	    "unsupported, with the registers, where the host lacks it");
}
ATF_TC_BODY(probe_no_pclk, tc)
{
	const char *out;
	int rv;

	boot(false);
	out = capture(do_probe, NULL, &rv);
	printf("%s", out);
	ATF_REQUIRE_EQ(rv, 0);
	ATF_REQUIRE_EQ(vmthost_stats(host)->pclk_refused, 1);
	ATF_REQUIRE(strstr(out, "PRECISIONCLOCK(97): unsupported (eax "
	    "0xffffffff") != NULL);
}

ATF_TC(record_pclk);
ATF_TC_HEAD(record_pclk, tc)
{
	atf_tc_set_md_var(tc, "descr", "record reads the precision clock "
	    "(nanosecond host times), with the lag from "
	    "GETTIMEFULL_WITH_LAG");
}
ATF_TC_BODY(record_pclk, tc)
{
	struct vt_record_opts o = { 0.001, 20, 0, NULL };
	const char *out;
	int rv, n, lag, sub_us;

	boot(true);
	out = capture(do_record, &o, &rv);
	printf("%s", out);
	ATF_REQUIRE_EQ(rv, 0);
	ATF_REQUIRE(strstr(out, "meta source backdoor PRECISIONCLOCK (97)")
	    != NULL);
	ATF_REQUIRE(strstr(out, "\nmax_time_lag_us ") != NULL);
	sub_us = samples(out, &n, &lag);
	ATF_REQUIRE_EQ(n, 20);
	ATF_REQUIRE_EQ(lag, 20);
	/* Microsecond reads would all be whole; ns reads almost never. */
	ATF_REQUIRE_MSG(sub_us >= 15, "%d of %d samples below the us",
	    sub_us, n);
	ATF_REQUIRE(vmthost_stats(host)->pclk_answered >= 4 * 20);
}

ATF_TC(record_no_pclk);
ATF_TC_HEAD(record_no_pclk, tc)
{
	atf_tc_set_md_var(tc, "descr", "record falls back to "
	    "GETTIMEFULL_WITH_LAG where the host lacks the precision clock");
}
ATF_TC_BODY(record_no_pclk, tc)
{
	struct vt_record_opts o = { 0.001, 10, 0, NULL };
	const char *out;
	int rv, n, lag, sub_us;

	boot(false);
	out = capture(do_record, &o, &rv);
	printf("%s", out);
	ATF_REQUIRE_EQ(rv, 0);
	ATF_REQUIRE(strstr(out, "meta source backdoor GETTIMEFULL_WITH_LAG "
	    "(55)") != NULL);
	ATF_REQUIRE(vmthost_stats(host)->pclk_refused >= 1);
	sub_us = samples(out, &n, &lag);
	ATF_REQUIRE_EQ(n, 10);
	ATF_REQUIRE_EQ(lag, 10);
	ATF_REQUIRE_EQ(sub_us, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, probe_pclk);
	ATF_TP_ADD_TC(tp, probe_no_pclk);
	ATF_TP_ADD_TC(tp, record_pclk);
	ATF_TP_ADD_TC(tp, record_no_pclk);
	return atf_no_error();
}
