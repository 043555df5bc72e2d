/*	$NetBSD$	*/

/*
 * Copyright (c) 2026 The vmt timesync project.
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE AUTHOR AND CONTRIBUTORS ``AS IS'' AND
 * ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.
 */

/*
 * libFuzzer target: vmt(4) with options VMT_TIMESYNC against a host
 * that answers with registers of the fuzzer's choosing.
 *
 * The environment boots once (two timecounters, a simulated host,
 * vmt0 attached); each input is a program of operations, one opcode
 * byte and its arguments each: run virtual time, push a TCLO command
 * (from a dictionary or raw bytes), override the registers of the next
 * answers to a backdoor command (time, GUI options, lengths, status
 * bits, channel ids, the precision clock's nanoseconds: whatever the
 * fuzzer puts in EAX..EDI), step or lie with the host's clock, take the
 * precision clock away or give it back, suspend the VM, write a sysctl
 * node, detach and attach again, switch the timecounter, have the
 * kernel refuse adjustments, set the clock as an administrator would,
 * discipline it from userland (ntp_adjtime(2), adjtime(2),
 * clock_settime(2)).  The register
 * answers come through the linker's --wrap of the three backdoor
 * operations, so the simulated host itself is unchanged.
 *
 * Invariants, checked after every operation (abort() on violation):
 *  - realtime never goes back except by tc_setclock();
 *  - a backward tc_setclock() by the module needs a permission it was
 *    given since it attached (allow_backward, a Time_Synchronize from
 *    the host, or its startup option after startup.backward 1: the
 *    host's one-shot permission is used at the next confirmed sample,
 *    which may come much later);
 *  - every TCLO reply is "OK ..." or "ERROR ...";
 *  - after detach, no node of vmt0 is left.
 * The sanitizers (ASan, UBSan: no overflow anywhere) catch the rest.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/timex.h>		/* the NTP API's MOD_* and STA_* */

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

#include "fuzz_input.h"
#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmthost/vmt_kenv.h"

#define NS		1000000000LL
#define MS		1000000LL
/*
 * Virtual time one input may run, at most, and in all: the environment
 * boots once per process and counts time in int64_t nanoseconds.
 */
#define RUN_MAX_NS	(2 * 3600 * NS)
#define RUN_TOTAL_NS	(200LL * 365 * 86400 * NS)
/*
 * What one input may cost in windups (hardclock() calls).  A second of
 * virtual time costs two to three: kern_tc.c's fold at each second of
 * uptime and ntp_update_second() at each of realtime, and vmt(4)'s
 * TCLO poll, work the tickless environment cannot skip.  Two hours
 * were some 21,000 windups, one input in five ran that long, and they
 * took nearly all of the target's time: it ran 250 inputs a second
 * where the others run thousands.  This spans two minutes or so (two
 * sampling periods at the default); the module, the host and the clock
 * carry over to the next input, so longer periods, the discipline's
 * hold and the precision clock's reprobe are still reached across
 * inputs.  Runs go a second at a time, so an input overruns this by
 * one second's windups at most.
 */
#define RUN_MAX_HARDCLOCKS 400

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

void	__real_vmt_backdoor_cmd(struct vm_backdoor *);
void	__wrap_vmt_backdoor_cmd(struct vm_backdoor *);
void	__real_vmt_backdoor_hb_in(struct vm_backdoor *);
void	__wrap_vmt_backdoor_hb_in(struct vm_backdoor *);
void	__real_vmt_backdoor_hb_out(struct vm_backdoor *);
void	__wrap_vmt_backdoor_hb_out(struct vm_backdoor *);
int	__real_tc_adjtime(int64_t *, int64_t *);
int	__wrap_tc_adjtime(int64_t *, int64_t *);
int	__real_tc_adjfreq(int64_t *, int64_t *);
int	__wrap_tc_adjfreq(int64_t *, int64_t *);
uint64_t tc_step_count(void);		/* kern_tc.c's, <sys/timetc.h> */

static struct vmthost *host;
static struct vmt_softc *sc;

/* --- the host's answers, as the fuzzer wants them ------------------- */

#define OV_HB_IN	0x10000		/* pseudo commands for the HB ops */
#define OV_HB_OUT	0x10001

struct override {
	uint32_t	cmd;		/* command, or OV_HB_* */
	uint8_t		mask;		/* which of EAX..EDI to replace */
	uint8_t		count;		/* answers left */
	uint32_t	reg[6];
};
static struct override ov[4];

static const uint32_t ov_cmds[] = {
	VM_CMD_GET_TIME_FULL_LAG, VM_CMD_GET_TIME_FULL, VM_CMD_PRECISIONCLOCK,
	VM_CMD_GET_GUI_OPTIONS,
	VM_CMD_RPC, VM_CMD_GET_VERSION, VM_CMD_GET_HZ, VM_CMD_STOP_CATCHUP,
	OV_HB_IN, OV_HB_OUT,
};

static void
ov_apply(struct vm_backdoor *f, uint32_t cmd)
{
	union vm_reg *r[6] = { &f->eax, &f->ebx, &f->ecx, &f->edx, &f->esi,
	    &f->edi };
	size_t i, j;

	for (i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
		if (ov[i].count == 0 || ov[i].cmd != cmd)
			continue;
		ov[i].count--;
		for (j = 0; j < 6; j++)
			if (ov[i].mask & (1U << j))
				r[j]->word = ov[i].reg[j];
		return;
	}
}

void
__wrap_vmt_backdoor_cmd(struct vm_backdoor *f)
{
	uint16_t cmd = f->ecx.part.low;

	__real_vmt_backdoor_cmd(f);
	ov_apply(f, cmd);
}

void
__wrap_vmt_backdoor_hb_in(struct vm_backdoor *f)
{
	__real_vmt_backdoor_hb_in(f);
	ov_apply(f, OV_HB_IN);
}

void
__wrap_vmt_backdoor_hb_out(struct vm_backdoor *f)
{
	__real_vmt_backdoor_hb_out(f);
	ov_apply(f, OV_HB_OUT);
}

/* --- a kernel that refuses, and the host's clock ------------------- */

static bool refuse_adjtime, refuse_adjfreq;

int
__wrap_tc_adjtime(int64_t *old, int64_t *new)
{
	if (new != NULL && refuse_adjtime)
		return kenv_kernel_errno(EINVAL);
	return __real_tc_adjtime(old, new);
}

int
__wrap_tc_adjfreq(int64_t *old, int64_t *new)
{
	if (new != NULL && refuse_adjfreq)
		return kenv_kernel_errno(EINVAL);
	return __real_tc_adjfreq(old, new);
}

static int64_t host_off;		/* host clock steps, ns */
static int64_t lie_until = -1, lie_ns;	/* a lie for a while */

static int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static int64_t
host_clock(void *arg)
{
	int64_t t;

	(void)arg;
	t = sat_add(sat_add(VMTHOST_EPOCH_2026, kenv_now()), host_off);
	if (kenv_now() < lie_until)
		t = sat_add(t, lie_ns);
	return t;
}

/* --- invariants ----------------------------------------------------- */

static bool back_allowed;	/* a permission for a backward step */
static bool admin_step;		/* the input itself called tc_setclock() */
static uint64_t back_steps;	/* from kern_tc's step warnings */
static struct timespec last_rt;
static int64_t last_steps;

static void
log_hook(void *arg, int pri, const char *line)
{
	long long s0, s1;
	long n0, n1;

	(void)arg;
	(void)pri;
	if (sscanf(line, "Time stepped from %lld.%ld to %lld.%ld", &s0, &n0,
	    &s1, &n1) == 4 && (s1 < s0 || (s1 == s0 && n1 < n0)))
		back_steps++;
}

/*
 * tc_setclock() calls.  check() runs at every second of virtual time,
 * where a lookup by name cost as much as the second's windups; the
 * sysctl node is read once an input, and must agree.
 */
static int64_t
steps(void)
{
	return (int64_t)tc_step_count();
}

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_timesync: %s\n", what);
	abort();
}

static void
check_steps_node(void)
{
	int64_t v = 0;

	if (kenv_sysctl_getint("kern.timecounter.steps", &v) != 0 ||
	    v != steps())
		fail("kern.timecounter.steps is not tc_setclock()'s count");
}

static void
check(void)
{
	struct timespec now;
	const char *r;
	size_t i, n;
	int64_t s, v;

	nanotime(&now);
	s = steps();
	if ((now.tv_sec < last_rt.tv_sec || (now.tv_sec == last_rt.tv_sec &&
	    now.tv_nsec < last_rt.tv_nsec)) && s == last_steps)
		fail("realtime went back without a step");
	if (back_steps > 0 && !back_allowed && !admin_step)
		fail("a backward step without permission");
	back_steps = 0;
	admin_step = false;
	last_rt = now;
	last_steps = s;
	n = vmthost_tclo_replies(host, NULL);
	for (i = 0; i < n; i++) {
		r = vmthost_tclo_reply_at(host, i);
		if (strncmp(r, "OK ", 3) != 0 && strncmp(r, "ERROR ", 6) != 0)
			fail("a TCLO reply neither OK nor ERROR");
	}
	vmthost_clear_records(host);
	if (sc == NULL &&
	    kenv_sysctl_getint("machdep.vmt0.timesync.period", &v) != ENOENT)
		fail("a timesync node outlived detach");
}

/* --- the program ---------------------------------------------------- */

static const char *const tclo_dict[] = {
	"reset", "ping", "OS_Resume", "OS_Suspend", "Time_Synchronize 0",
	"Time_Synchronize 1", "Set_Option synctime 0", "Set_Option synctime 1",
	"Set_Option synctime.period 0", "Set_Option synctime.period 1",
	"Set_Option synctime.period 3600",
	"Set_Option time.synchronize.tools.percentCorrection 100",
	"Set_Option time.synchronize.tools.startup.backward 1",
	"Set_Option time.synchronize.tools.startup.backward 0",
	"Set_Option time.synchronize.tools.startup 1",
	"Set_Option time.synchronize.tools.startup 0",
	"Capabilities_Register", "OS_PowerOn",
};

static const char *const int_nodes[] = {
	"machdep.vmt0.timesync.period", "machdep.vmt0.clock_sync.period",
	"machdep.vmt0.timesync.step_threshold",
	"machdep.vmt0.timesync.allow_backward",
	"machdep.vmt0.timesync.host_synctime",
	"machdep.vmt0.timesync.precision_clock",
	"machdep.vmt0.timesync.discipline.hold",
};

static const char *const str_writes[][2] = {
	{ "machdep.vmt0.timesync.mode", "host" },
	{ "machdep.vmt0.timesync.mode", "on" },
	{ "machdep.vmt0.timesync.mode", "off" },
	{ "kern.timecounter.hardware", "tsc" },
	{ "kern.timecounter.hardware", "hpet" },
};

struct budget {
	int64_t		ns;		/* virtual time left */
	uint64_t	hardclocks;	/* kenv_hardclocks() to stop at */
};

static void
run(int64_t ns, struct budget *b)
{
	int64_t step;

	if (ns > b->ns)
		ns = b->ns;
	if (kenv_now() > RUN_TOTAL_NS)
		ns = 0;
	while (ns > 0 && kenv_hardclocks() < b->hardclocks) {
		step = ns > NS ? NS : ns;
		kenv_run_for(step);
		ns -= step;
		b->ns -= step;
		check();
	}
}

/*
 * The host's permissions for a backward step: Time_Synchronize, or the
 * startup option once startup.backward 1 was pushed.  Counted when
 * pushed, whether or not the guest takes them.
 */
static bool startup_back;

static void
permissions(const char *cmd, size_t len)
{
	if (memmem(cmd, len, "Time_Sync", 9) != NULL)
		back_allowed = true;
	if (memmem(cmd, len, "startup.backward 1", 18) != NULL)
		startup_back = true;
	if (memmem(cmd, len, "startup", 7) != NULL && startup_back)
		back_allowed = true;
}

static void
push(const char *cmd)
{
	permissions(cmd, strlen(cmd));
	vmthost_tclo_push(host, cmd);
}

/* Userland disciplines the clock, through the system calls' paths. */
static void
discipline(struct input *in)
{
	struct kenv_timex tx;
	struct timeval tv;
	struct timespec ts;

	switch (take(in, 1) % 4) {
	case 0:		/* ntpd: any update but a leap second */
		memset(&tx, 0, sizeof(tx));
		tx.modes = (unsigned)take(in, 2) & ~(unsigned)MOD_TAI;
		tx.status = (int)take(in, 2) & ~(STA_INS | STA_DEL);
		tx.offset = (long)(int32_t)take(in, 4);
		tx.freq = (long)(int32_t)take(in, 4);
		tx.maxerror = (long)(int32_t)take(in, 4);
		tx.esterror = (long)(int32_t)take(in, 4);
		tx.constant = (long)(int8_t)take(in, 1);
		(void)kenv_ntp_adjtime(&tx);
		break;
	case 1:		/* adjtime(2), up to about 36 minutes either way */
		tv.tv_sec = (time_t)(int16_t)take(in, 2) / 16;
		tv.tv_usec = (suseconds_t)(take(in, 4) % 1000000);
		(void)kenv_adjtime(&tv, NULL);
		break;
	case 2:		/* date(1): clock_settime(2), up to a day off */
		nanotime(&ts);
		ts.tv_sec += (time_t)((int64_t)(int32_t)take(in, 4) % 86400);
		(void)kenv_settime(&ts);
		admin_step = true;
		break;
	case 3:		/* ntpd stops cleanly */
		memset(&tx, 0, sizeof(tx));
		tx.modes = MOD_STATUS;
		tx.status = STA_UNSYNC;
		(void)kenv_ntp_adjtime(&tx);
		break;
	}
}

static void
op(struct input *in, struct budget *budget)
{
	struct timespec ts;
	char raw[64];
	size_t i, len;
	uint8_t code = (uint8_t)take(in, 1);
	int64_t v;
	int j;

	switch (code % 16) {
	case 0:		/* run up to 2.55 s, in 10 ms */
		run((int64_t)take(in, 1) * 10 * MS, budget);
		break;
	case 1:		/* run up to 65535 s */
		run((int64_t)take(in, 2) * NS, budget);
		break;
	case 2:
		push(tclo_dict[take(in, 1) % (sizeof(tclo_dict) /
		    sizeof(tclo_dict[0]))]);
		break;
	case 3:		/* raw TCLO bytes */
		len = (size_t)take(in, 1) % sizeof(raw);
		for (i = 0; i < len; i++)
			raw[i] = (char)take(in, 1);
		permissions(raw, len);
		vmthost_tclo_push_bytes(host, raw, len);
		break;
	case 4:		/* the next answers to a command, as chosen */
		i = (size_t)take(in, 1) % (sizeof(ov) / sizeof(ov[0]));
		ov[i].cmd = ov_cmds[take(in, 1) % (sizeof(ov_cmds) /
		    sizeof(ov_cmds[0]))];
		ov[i].mask = (uint8_t)take(in, 1);
		ov[i].count = (uint8_t)take(in, 1);
		for (j = 0; j < 6; j++)
			if (ov[i].mask & (1U << j))
				ov[i].reg[j] = (uint32_t)take(in, 4);
		break;
	case 5:		/* the host steps its clock */
		host_off = sat_add(host_off, (int64_t)take(in, 8));
		break;
	case 6:		/* the host lies for a while */
		lie_ns = (int64_t)take(in, 8);
		lie_until = kenv_now() + (int64_t)take(in, 2) * MS;
		break;
	case 7:
		/*
		 * Suspend for up to 2^32 ms, about 50 days: the counters
		 * stand still for a second of true time while the host's
		 * clock jumps the rest, which the guest cannot tell from
		 * the real thing and which costs no virtual time.
		 */
		v = (int64_t)take(in, 4) * MS;
		kenv_suspend();
		kenv_run_for(v < NS ? v : NS);
		host_off = sat_add(host_off, v < NS ? 0 : v - NS);
		kenv_resume();
		break;
	case 8:
		(void)kenv_sysctl_setint(int_nodes[take(in, 1) %
		    (sizeof(int_nodes) / sizeof(int_nodes[0]))],
		    (int32_t)take(in, 4));
		break;
	case 9:
		j = (int)(take(in, 1) % (sizeof(str_writes) /
		    sizeof(str_writes[0])));
		(void)kenv_sysctl_setstr(str_writes[j][0], str_writes[j][1]);
		break;
	case 10:	/* detach, or attach again */
		if (sc != NULL) {
			if (vmt_kenv_detach(sc) != 0)
				fail("detach failed");
			sc = NULL;
			back_allowed = startup_back = false;
		} else {
			/* NULL if the fuzzer's GETVERSION says "no VMware". */
			sc = vmt_kenv_attach(0);
			back_allowed = startup_back = false;
			/*
			 * A Time_Synchronize still queued counts now; any
			 * queued command is taken for one.  (The queue grows
			 * without bound while vmt0 is detached: a loop over
			 * it cost a fifth of the target's time.)
			 */
			if (vmthost_tclo_pending(host) > 0)
				back_allowed = true;
		}
		break;
	case 11:
		v = (int64_t)take(in, 1);
		refuse_adjtime = v & 1;
		refuse_adjfreq = v & 2;
		break;
	case 12:	/* an administrator sets the clock */
		ts.tv_sec = (time_t)((int64_t)take(in, 8) >> 28);
		ts.tv_nsec = (long)(take(in, 4) % NS);
		tc_setclock(&ts);
		admin_step = true;
		break;
	case 13:	/* the host's checkbox, and GETGUIOPTIONS */
		vmthost_set_synctime(host, take(in, 1) & 1);
		break;
	case 14:	/* the precision clock comes or goes */
		vmthost_set_precision_clock(host, take(in, 1) & 1);
		break;
	case 15:
		discipline(in);
		break;
	}
	/* allow_backward is a standing permission. */
	if (sc != NULL && kenv_sysctl_getint(
	    "machdep.vmt0.timesync.allow_backward", &v) == 0 && v != 0)
		back_allowed = true;
	check();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmthost_config hc;
	struct timespec ts = { 1767225600, 0 };

	kenv_boot(100);
	kenv_log_set_hook(log_hook, NULL);
	(void)kenv_counter_create("tsc", 2000000000, 32, 1000, 80.0);
	(void)kenv_counter_create("hpet", 14318180, 32, 500, -20.0);
	if (kenv_sysctl_setint("kern.timecounter.timestepwarnings", 1) != 0)
		abort();
	/* As a system boots: the clock set, and boottime with it. */
	if (kenv_settime(&ts) != 0)
		abort();
	vmthost_config_default(&hc);
	hc.seed = 3;
	hc.precision_clock = true;
	host = vmthost_create(&hc);
	vmthost_set_clock(host, host_clock, NULL);
	if ((sc = vmt_kenv_attach(0)) == NULL)
		abort();
	kenv_run_for(5 * NS);
	nanotime(&last_rt);
	last_steps = steps();
	back_steps = 0;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct budget budget = { RUN_MAX_NS,
	    kenv_hardclocks() + RUN_MAX_HARDCLOCKS };
	struct budget settle;
	int n;

	/* Each input starts where the last left off, on a true host. */
	memset(ov, 0, sizeof(ov));
	refuse_adjtime = refuse_adjfreq = false;
	lie_until = -1;
	for (n = 0; n < 256 && in.n > 0; n++)
		op(&in, &budget);
	/* Let whatever was started finish, with the kernel taking it. */
	memset(ov, 0, sizeof(ov));
	refuse_adjtime = refuse_adjfreq = false;
	settle.ns = 3 * NS;
	settle.hardclocks = UINT64_MAX;
	run(3 * NS, &settle);
	check_steps_node();
	return 0;
}
