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
 * vmt_tspolicy against the guest clock model: the five system targets
 * as scenarios, and unit cases for the rules.
 */

#include <atf-c.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmt_tspolicy.h>

#include "clockmodel.h"

#define PPB		VMT_TSP_FREQ_PPB
#define MS		1e-3
#define US		1e-6

static void
default_config(struct vmt_tsp_config *cfg)
{

	vmt_tspolicy_defaults(cfg);
	cfg->tc_enabled = true;
}

static void
report(const char *name, const struct cm *m, const struct cm_stats *st)
{

	printf("%s: sync %.0f s, rms %.2f us, max %.2f us, samples %ld, "
	    "slews %ld, fsteps %ld, bsteps %ld, rejects %ld, "
	    "freq err %.4f ppm\n", name, cm_stats_sync(st),
	    cm_stats_rms(st) / US, st->max / US, m->samples, m->slews,
	    m->fsteps, m->bsteps, m->rejects, (m->y + m->f) * 1e6);
	fflush(stdout);
}

/* Bring a default 100 ppm guest into steady state for secs seconds. */
static void
settle(struct cm *m, struct cm_params *par, double secs)
{
	struct vmt_tsp_config cfg;

	default_config(&cfg);
	cm_init(m, par, &cfg);
	cm_run_until(m, secs);
}

/* --- the five targets ------------------------------------------------ */

ATF_TC(steady_24h);
ATF_TC_HEAD(steady_24h, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 1: 100 ppm, 0.1 s, 24 h: "
	    "sync < 600 s, then rms <= 20 us, max <= 100 us");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(steady_24h, tc)
{
	static const double offs[] = { 0.1, -0.1 };
	static const uint64_t seeds[] = { 1, 0xdeadbeef, 42 };
	struct cm_params par;
	struct cm_stats st;
	struct cm m;
	size_t i, j;
	char name[64];

	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
	for (j = 0; j < sizeof(seeds) / sizeof(seeds[0]); j++) {
		cm_params_default(&par);
		par.offset0_s = offs[i];
		par.seed = seeds[j];
		settle(&m, &par, 0);
		cm_stats_start(&m, &st, 1 * MS, 600);
		cm_run_until(&m, 86400);
		snprintf(name, sizeof(name), "steady off=%+.1f seed=%zu",
		    offs[i], j);
		report(name, &m, &st);
		ATF_CHECK(cm_stats_sync(&st) <= 600);
		ATF_CHECK(cm_stats_rms(&st) <= 20 * US);
		ATF_CHECK(st.max <= 100 * US);
		ATF_CHECK_EQ(m.bsteps, 0);
		ATF_CHECK_EQ(m.fsteps, 0);
	}
}

ATF_TC(resume_2h);
ATF_TC_HEAD(resume_2h, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 2: resume after a 2 h "
	    "suspend: < 1 ms within 2 s, one forward step");
}
ATF_TC_BODY(resume_2h, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;
	int64_t y0;

	cm_params_default(&par);
	settle(&m, &par, 3600);
	y0 = m.pol.tp_freq_est;
	cm_suspend(&m, 7200);
	cm_event(&m, VMT_TSP_EV_RESUME);
	/* The estimate survived the event. */
	ATF_CHECK_EQ(m.pol.tp_freq_est, y0);
	cm_stats_start(&m, &st, 1 * MS, 2);
	cm_run_until(&m, m.t + 3600);
	report("resume", &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 2);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(m.fsteps, 1);
	ATF_CHECK_EQ(m.bsteps, 0);
}

ATF_TC(ahead_5s);
ATF_TC_HEAD(ahead_5s, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 3: guest 5 s ahead, no "
	    "backward permission: slewed within 1120 s, no step");
}
ATF_TC_BODY(ahead_5s, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;

	cm_params_default(&par);
	par.offset0_s = 5.0;
	settle(&m, &par, 0);
	cm_stats_start(&m, &st, 1 * MS, 1120);
	cm_run_until(&m, 7200);
	report("ahead 5 s", &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 1120);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(m.bsteps, 0);
	ATF_CHECK_EQ(m.fsteps, 0);
}

ATF_TC(ahead_5s_backward);
ATF_TC_HEAD(ahead_5s_backward, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 3: guest 5 s ahead with "
	    "Time_Synchronize 1: exactly one backward step");
}
ATF_TC_BODY(ahead_5s_backward, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;

	cm_params_default(&par);
	settle(&m, &par, 3600);
	m.off += 5.0;			/* e.g. a snapshot from the future */
	cm_event(&m, VMT_TSP_EV_SYNC_BACKWARD);
	cm_stats_start(&m, &st, 1 * MS, 2);
	cm_run_until(&m, m.t + 3600);
	report("ahead 5 s, TS 1", &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 2);
	ATF_CHECK_EQ(m.bsteps, 1);
	ATF_CHECK_EQ(m.fsteps, 0);
}

static void
host_step(double delta)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;
	char name[64];

	cm_params_default(&par);
	settle(&m, &par, 3600);
	cm_host_step(&m, delta);
	cm_stats_start(&m, &st, 1 * MS, 180);
	cm_run_until(&m, m.t + 7200);
	snprintf(name, sizeof(name), "host step %+.1f s", delta);
	report(name, &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 180);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(m.fsteps, 0);
	ATF_CHECK_EQ(m.bsteps, 0);
	ATF_CHECK(m.rejects >= 1);
}

ATF_TC(host_step_plus);
ATF_TC_HEAD(host_step_plus, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 4: host steps +0.3 s: "
	    "slewed, recovered within 180 s");
}
ATF_TC_BODY(host_step_plus, tc)
{

	host_step(0.3);
}

ATF_TC(host_step_minus);
ATF_TC_HEAD(host_step_minus, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 4: host steps -0.3 s: "
	    "slewed, recovered within 180 s");
}
ATF_TC_BODY(host_step_minus, tc)
{

	host_step(-0.3);
}

ATF_TC(disabled_2h);
ATF_TC_HEAD(disabled_2h, tc)
{
	atf_tc_set_md_var(tc, "descr", "target 5: disabled for 2 h: no "
	    "adjustment; re-enabled: resumes");
}
ATF_TC_BODY(disabled_2h, tc)
{
	struct vmt_tsp_config cfg;
	struct cm_params par;
	struct cm_stats st;
	struct cm m;
	long acts, samples;

	cm_params_default(&par);
	par.freq0 = 7 * PPB;		/* someone's correction to restore */
	settle(&m, &par, 3600);
	default_config(&cfg);
	cfg.tc_enabled = false;
	cm_configure(&m, &cfg);
	/* The single disabling decision: cancel slew, restore freq. */
	ATF_CHECK_EQ(m.pending_us, 0);
	ATF_CHECK(fabs(m.f - 7e-9) < 1e-15);
	acts = m.actions;
	samples = m.samples;
	cm_run_until(&m, m.t + 7200);
	ATF_CHECK_EQ(m.actions, acts);
	ATF_CHECK(m.samples > samples);	/* still sampled, for reporting */
	printf("disabled: offset after 2 h %.3f ms, %ld samples, "
	    "0 adjustments\n", cm_offset(&m) / MS, m.samples - samples);
	cfg.tc_enabled = true;
	cm_configure(&m, &cfg);
	cm_stats_start(&m, &st, 1 * MS, 600);
	cm_run_until(&m, m.t + 7200);
	report("re-enabled", &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 600);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(m.fsteps, 0);
	ATF_CHECK_EQ(m.bsteps, 0);
}

/* --- unit cases ------------------------------------------------------- */

static void
sample_at(struct vmt_tspolicy *p, int64_t off, int64_t up,
    struct vmt_tsp_decision *dc)
{
	struct vmt_tsp_sample s;

	s.ts_offset_ns = off;
	s.ts_width_ns = 30000;
	s.ts_uptime_ns = up;
	s.ts_lag_us = 0;
	vmt_tspolicy_sample(p, &s, dc);
}

ATF_TC_WITHOUT_HEAD(disabled_no_actions);
ATF_TC_BODY(disabled_no_actions, tc)
{
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	struct vmt_tsp_status st;
	static const int64_t offs[] = { 0, 1000, -5000000000LL,
	    5000000000LL, -7200000000000LL };
	size_t i;

	default_config(&cfg);
	cfg.tc_enabled = false;
	ATF_REQUIRE(vmt_tspolicy_init(&p, &cfg, 3 * PPB));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		vmt_tspolicy_event(&p, VMT_TSP_EV_SYNC_BACKWARD, &dc);
		ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
		ATF_CHECK(!dc.dc_set_freq);
		sample_at(&p, offs[i], (int64_t)(i + 1) * 1000000000LL, &dc);
		ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
		ATF_CHECK(!dc.dc_set_freq);
		ATF_CHECK(!dc.dc_stopcatchup);
		ATF_CHECK_EQ(dc.dc_next_ms, 60000U);
		vmt_tspolicy_status(&p, &st);
		ATF_CHECK_EQ(st.st_offset_ns, offs[i]);
	}
	vmt_tspolicy_event(&p, VMT_TSP_EV_TC_CHANGED, &dc);
	ATF_CHECK(!dc.dc_set_freq);

	/* Enabled, then disabled: one restoring decision. */
	cfg.tc_enabled = true;
	ATF_REQUIRE(vmt_tspolicy_configure(&p, &cfg, 5 * PPB, &dc));
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
	ATF_CHECK_EQ(dc.dc_next_ms, 0U);
	sample_at(&p, 300000, 10500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_CHECK_EQ(dc.dc_slew_us, -300);
	cfg.tc_enabled = false;
	ATF_REQUIRE(vmt_tspolicy_configure(&p, &cfg, 0, &dc));
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_CHECK_EQ(dc.dc_slew_us, 0);
	ATF_CHECK(dc.dc_set_freq);
	ATF_CHECK_EQ(dc.dc_freq, 5 * PPB);
	ATF_CHECK_EQ(dc.dc_slews, 0U);
	/* And nothing after that. */
	ATF_REQUIRE(vmt_tspolicy_configure(&p, &cfg, 0, &dc));
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
	ATF_CHECK(!dc.dc_set_freq);
}

ATF_TC_WITHOUT_HEAD(threshold_edges);
ATF_TC_BODY(threshold_edges, tc)
{
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	const int64_t thr = VMT_TSP_STEP_DEFAULT_NS;

	default_config(&cfg);
	/* Exactly at the threshold behind: slew. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, -thr, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	/* The kernel delivers an adjtime exactly: ask for just that. */
	ATF_CHECK_EQ(dc.dc_slew_us, thr / 1000);
	ATF_CHECK_EQ(dc.dc_fsteps, 0U);
	/* One ns more: step forward, STOPCATCHUP. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, -thr - 1, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_STEP);
	ATF_CHECK_EQ(dc.dc_step_ns, thr + 1);
	ATF_CHECK(dc.dc_stopcatchup);
	ATF_CHECK_EQ(dc.dc_fsteps, 1U);
	/* maxTimeLag raises the forward threshold. */
	vmt_tspolicy_init(&p, &cfg, 0);
	{
		struct vmt_tsp_sample s = { -thr - 1000, 30000,
		    5500000000LL, 2000000 };
		vmt_tspolicy_sample(&p, &s, &dc);
	}
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	/* Ahead by more than the threshold, no permission: slew. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, thr + 1, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_CHECK_EQ(dc.dc_slew_us, -thr / 1000);
	ATF_CHECK_EQ(dc.dc_bsteps, 0U);
	/* Small offsets: slew -offset, rounded to us. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, 1499, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_CHECK_EQ(dc.dc_slew_us, -1);
	ATF_CHECK_EQ(dc.dc_slews, 1U);
	/* A custom threshold. */
	cfg.tc_step_ns = 100000000;
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, -100000001, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_STEP);
}

ATF_TC_WITHOUT_HEAD(backward_rules);
ATF_TC_BODY(backward_rules, tc)
{
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	int64_t up = 5500000000LL;
	int i;

	default_config(&cfg);
	/* Time_Synchronize 0 does not allow a backward step. */
	vmt_tspolicy_init(&p, &cfg, 0);
	vmt_tspolicy_event(&p, VMT_TSP_EV_SYNC, &dc);
	ATF_CHECK_EQ(dc.dc_next_ms, 0U);
	sample_at(&p, 3000000000LL, up, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	/* Time_Synchronize 1 allows exactly one. */
	vmt_tspolicy_event(&p, VMT_TSP_EV_SYNC_BACKWARD, &dc);
	sample_at(&p, 3000000000LL, up += 1000000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_STEP);
	ATF_CHECK_EQ(dc.dc_bsteps, 1U);
	ATF_CHECK(dc.dc_step_ns < -2990000000LL);
	sample_at(&p, 3000000000LL, up += 2000000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_CHECK_EQ(dc.dc_bsteps, 0U);
	/* The permission expires with its one-shot sample. */
	vmt_tspolicy_init(&p, &cfg, 0);
	vmt_tspolicy_event(&p, VMT_TSP_EV_SYNC_BACKWARD, &dc);
	sample_at(&p, 1000, up, &dc);
	sample_at(&p, 3000000000LL, up += 2000000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_bsteps, 0U);

	/* allow_backward: only after the jump is confirmed. */
	cfg.tc_allow_backward = true;
	vmt_tspolicy_init(&p, &cfg, 0);
	for (i = 0; i < 40; i++)
		sample_at(&p, 0, up += 2000000000LL, &dc);
	for (i = 0; i < 10; i++) {
		sample_at(&p, 3000000000LL, up += 2000000000LL, &dc);
		if (dc.dc_action == VMT_TSP_STEP)
			break;
		ATF_CHECK_EQ(dc.dc_rejects, 1U);
	}
	ATF_CHECK(i >= 1 && i < 10);
	ATF_CHECK_EQ(dc.dc_bsteps, 1U);
	/* Without it the same guest is only slewed. */
	cfg.tc_allow_backward = false;
	vmt_tspolicy_init(&p, &cfg, 0);
	for (i = 0; i < 40; i++)
		sample_at(&p, 0, up += 2000000000LL, &dc);
	for (i = 0; i < 10; i++) {
		sample_at(&p, 3000000000LL, up += 2000000000LL, &dc);
		ATF_CHECK(dc.dc_action != VMT_TSP_STEP);
	}
	ATF_CHECK_EQ(p.tp_bsteps, 0U);
}

/* Feed a steady 50 ppm-fast guest (no noise) and learn its frequency. */
static void
learn_50ppm(struct vmt_tspolicy *p, struct cm *m)
{
	struct cm_params par;
	struct vmt_tsp_config cfg;

	cm_params_default(&par);
	par.ppm = 50;
	par.wander = 0;
	par.jitter_ns = 0;
	default_config(&cfg);
	cm_init(m, &par, &cfg);
	cm_run_until(m, 3600);
	*p = m->pol;
}

ATF_TC_WITHOUT_HEAD(freq_reset_on_tc_change);
ATF_TC_BODY(freq_reset_on_tc_change, tc)
{
	struct vmt_tsp_decision dc;
	struct vmt_tspolicy p;
	struct cm m;

	learn_50ppm(&p, &m);
	ATF_CHECK(llabs(m.pol.tp_freq_est - 50000 * PPB) < 5 * PPB);
	cm_event(&m, VMT_TSP_EV_TC_CHANGED);
	ATF_CHECK_EQ(m.pol.tp_freq_est, 0);
	ATF_CHECK_EQ(m.pol.tp_freq_base_ns, 0);
	ATF_CHECK(m.f == 0.0);
	/* A new counter 20 ppm slow: learnt again. */
	m.y = -20e-6;
	cm_run_until(&m, m.t + 3600);
	ATF_CHECK(llabs(m.pol.tp_freq_est + 20000 * PPB) < 5 * PPB);
	ATF_CHECK(fabs(cm_offset(&m)) < 20 * US);
	(void)dc;
}

ATF_TC_WITHOUT_HEAD(freq_survives_resume);
ATF_TC_BODY(freq_survives_resume, tc)
{
	struct vmt_tspolicy p;
	struct cm m;
	int64_t y0;

	learn_50ppm(&p, &m);
	y0 = m.pol.tp_freq_est;
	cm_suspend(&m, 600);
	cm_event(&m, VMT_TSP_EV_RESUME);
	ATF_CHECK_EQ(m.pol.tp_freq_est, y0);
	ATF_CHECK(!m.pol.tp_ph_valid);
	cm_run_until(&m, m.t + 30);
	ATF_CHECK_EQ(m.fsteps, 1);
	ATF_CHECK(llabs(m.pol.tp_freq_est - y0) < PPB);
	ATF_CHECK(fabs(cm_offset(&m)) < 10 * US);
	/* Checkpoint and discontinuity are one-shots too. */
	cm_event(&m, VMT_TSP_EV_CHECKPOINT);
	ATF_CHECK_EQ(m.next_up, m.up);
	cm_event(&m, VMT_TSP_EV_DISCONTINUITY);
	ATF_CHECK_EQ(m.pol.tp_freq_est, m.pol.tp_freq_est);
	cm_run_until(&m, m.t + 30);
	ATF_CHECK(llabs(m.pol.tp_freq_est - y0) < PPB);
}

ATF_TC_WITHOUT_HEAD(outliers_rejected);
ATF_TC_BODY(outliers_rejected, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;
	long rej;

	cm_params_default(&par);
	settle(&m, &par, 3600);
	/* A wide bracket. */
	rej = m.rejects;
	m.force_width_ns = 1000000;
	cm_run_until(&m, m.t + 61);
	ATF_CHECK_EQ(m.rejects, rej + 1);
	/* An isolated 50 ms jump. */
	cm_run_until(&m, m.t + 120);
	rej = m.rejects;
	m.force_bias_ns = 50e6;
	cm_stats_start(&m, &st, 100 * US, 0);
	cm_run_until(&m, m.t + 600);
	ATF_CHECK_EQ(m.rejects, rej + 1);
	ATF_CHECK(st.max < 100 * US);
	ATF_CHECK(m.pol.tp_rejects == (uint64_t)m.rejects);
	/* Being behind by more than the threshold is never rejected. */
	m.off -= 10.0;
	cm_run_until(&m, m.t + 120);
	ATF_CHECK_EQ(m.fsteps, 1);
	ATF_CHECK(fabs(cm_offset(&m)) < 100 * US);
}

ATF_TC_WITHOUT_HEAD(config_valid);
ATF_TC_BODY(config_valid, tc)
{
	struct vmt_tsp_config cfg, bad;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;

	vmt_tspolicy_defaults(&cfg);
	ATF_CHECK(vmt_tspolicy_config_valid(&cfg));
	ATF_CHECK_EQ(cfg.tc_step_ns, 1000000000LL);
	ATF_CHECK_EQ(cfg.tc_period_s, 60U);
	ATF_CHECK(!cfg.tc_allow_backward);
	bad = cfg; bad.tc_step_ns = 0;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_step_ns = -1;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_step_ns = VMT_TSP_STEP_MAX_NS + 1;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_period_s = 0;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_period_s = VMT_TSP_PERIOD_MAX_S + 1;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_maxlag_us = VMT_TSP_MAXLAG_MAX_US + 1;
	ATF_CHECK(!vmt_tspolicy_config_valid(&bad));
	bad = cfg; bad.tc_period_s = 1;
	ATF_CHECK(vmt_tspolicy_config_valid(&bad));
	/* init falls back to defaults; configure refuses and keeps. */
	bad = cfg; bad.tc_period_s = 0;
	ATF_CHECK(!vmt_tspolicy_init(&p, &bad, 0));
	ATF_CHECK_EQ(p.tp_cfg.tc_period_s, 60U);
	cfg.tc_period_s = 30;
	ATF_CHECK(vmt_tspolicy_configure(&p, &cfg, 0, &dc));
	ATF_CHECK(!vmt_tspolicy_configure(&p, &bad, 0, &dc));
	ATF_CHECK_EQ(p.tp_cfg.tc_period_s, 30U);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
}

/* Hostile inputs must not overflow (UBSan) or produce wild commands. */
ATF_TC_WITHOUT_HEAD(extreme_inputs);
ATF_TC_BODY(extreme_inputs, tc)
{
	static const int64_t vals[] = { 0, 1, -1, 999999999, -1000000001,
	    INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MIN / 2,
	    86400000000000LL, -86400000000000LL };
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	struct vmt_tsp_sample s;
	size_t i, j, k;

	default_config(&cfg);
	cfg.tc_allow_backward = true;
	vmt_tspolicy_init(&p, &cfg, 0);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
	for (j = 0; j < sizeof(vals) / sizeof(vals[0]); j++)
	for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		s.ts_offset_ns = vals[i];
		s.ts_uptime_ns = vals[j];
		s.ts_width_ns = vals[k];
		s.ts_lag_us = (uint32_t)vals[k];
		vmt_tspolicy_sample(&p, &s, &dc);
		ATF_CHECK(dc.dc_freq <= VMT_TSP_FREQ_MAX &&
		    dc.dc_freq >= -VMT_TSP_FREQ_MAX);
		if (k % 3 == 0)
			vmt_tspolicy_event(&p, (enum vmt_tsp_event)(k % 7),
			    &dc);
	}
	/* Random walks of plausible and implausible inputs. */
	{
		uint64_t x = 88172645463325252ULL;
		int64_t up = 0;
		int n;

		for (n = 0; n < 200000; n++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			up += (int64_t)(x % 120000000000ULL);
			s.ts_uptime_ns = (x & 0x700) == 0x700 ?
			    (int64_t)x : up;
			s.ts_offset_ns = (x & 0x80) ? (int64_t)(x >> 3) :
			    (int64_t)(x % 4000000000ULL) - 2000000000LL;
			s.ts_width_ns = (x & 0x1000) ? (int64_t)x :
			    (int64_t)(x % 100000);
			s.ts_lag_us = (x & 0x2000) ? (uint32_t)x : 0;
			vmt_tspolicy_sample(&p, &s, &dc);
			ATF_CHECK(dc.dc_freq <= VMT_TSP_FREQ_MAX &&
			    dc.dc_freq >= -VMT_TSP_FREQ_MAX);
			if ((x & 0xf0000) == 0)
				vmt_tspolicy_event(&p,
				    (enum vmt_tsp_event)((x >> 20) % 7), &dc);
			if ((x & 0xff00000) == 0) {
				cfg.tc_enabled = !cfg.tc_enabled;
				cfg.tc_allow_backward = (x >> 30) & 1;
				vmt_tspolicy_configure(&p, &cfg,
				    (int64_t)(x >> 40) - (1LL << 23), &dc);
			}
		}
	}
}


/* --- issue 12: extremes -------------------------------------------- */

ATF_TC(uptime_40y);
ATF_TC_HEAD(uptime_40y, tc)
{
	atf_tc_set_md_var(tc, "descr", "after 40 years of uptime the policy "
	    "still learns the frequency and keeps the offset (no absolute "
	    "clamp on uptime)");
}
ATF_TC_BODY(uptime_40y, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;

	cm_params_default(&par);
	par.uptime0_s = 40.0 * 365.25 * 86400;
	settle(&m, &par, 0);
	/* The situation: uptime past 2^60 ns (36.5 years). */
	ATF_REQUIRE(m.up * 1e9 > 1152921504606846976.0);
	cm_run_until(&m, 3600);
	cm_stats_start(&m, &st, 1 * MS, 0);
	cm_run_until(&m, 3 * 3600);
	report("uptime 40 y", &m, &st);
	ATF_CHECK(llabs(m.pol.tp_freq_est - 100000 * PPB) < 1000 * PPB);
	ATF_CHECK(cm_stats_rms(&st) <= 20 * US);
	ATF_CHECK(st.max <= 100 * US);
}

ATF_TC_WITHOUT_HEAD(forward_step_inflight);
ATF_TC_BODY(forward_step_inflight, tc)
{
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	struct vmt_tsp_sample s = { -50000000, 30000, 10500000000LL, 100000 };

	/*
	 * step_threshold 1 ms; maxTimeLag 100 ms lets a guest 50 ms
	 * behind be slewed.  One second later maxTimeLag is 0 and the
	 * guest 2 ms behind, with 2.5 ms of the current second's fold
	 * still to come: stepping "forward" by 2 - 2.5 ms would go back.
	 */
	default_config(&cfg);
	cfg.tc_step_ns = 1000000;
	vmt_tspolicy_init(&p, &cfg, 0);
	vmt_tspolicy_sample(&p, &s, &dc);
	ATF_REQUIRE_EQ(dc.dc_action, VMT_TSP_SLEW);
	ATF_REQUIRE_EQ(dc.dc_slew_us, 50000);
	s.ts_offset_ns = -2000000;
	s.ts_uptime_ns = 11500000000LL;
	s.ts_lag_us = 0;
	vmt_tspolicy_sample(&p, &s, &dc);
	ATF_CHECK_EQ(dc.dc_bsteps, 0U);
	ATF_CHECK(dc.dc_action != VMT_TSP_STEP || dc.dc_step_ns > 0);
	/* What the kernel still owes plus the new command: on time. */
	if (dc.dc_action == VMT_TSP_SLEW)
		ATF_CHECK(llabs(dc.dc_slew_us + 500) <= 1);
}

ATF_TC_WITHOUT_HEAD(no_clamped_step);
ATF_TC_BODY(no_clamped_step, tc)
{
	static const int64_t behind[] = {
		2335219200LL * 1000000000LL,	/* host in 2100 */
		5490892800LL * 1000000000LL,	/* host in 2200 */
		9000000000LL * 1000000000LL,	/* 285 years */
	};
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	size_t i;

	default_config(&cfg);
	for (i = 0; i < sizeof(behind) / sizeof(behind[0]); i++) {
		vmt_tspolicy_init(&p, &cfg, 0);
		sample_at(&p, -behind[i], 5500000000LL, &dc);
		ATF_CHECK_EQ(dc.dc_action, VMT_TSP_STEP);
		ATF_CHECK_EQ_MSG(dc.dc_step_ns, behind[i], "step %lld for "
		    "%lld", (long long)dc.dc_step_ns, (long long)behind[i]);
	}
	/* Beyond what an offset may be: not acted on at all. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, INT64_MIN, 5500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
	ATF_CHECK_EQ(dc.dc_rejects, 1U);
	sample_at(&p, INT64_MAX, 6500000000LL, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_NONE);
	ATF_CHECK(!dc.dc_set_freq);
}

ATF_TC_WITHOUT_HEAD(split_slew);
ATF_TC_BODY(split_slew, tc)
{
	/* TC_ADJTIME_MAX_US: the largest adjtime kern_tc takes. */
	const int64_t kmax = (int64_t)1000000 * 86400 * 365;
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	int64_t up = 5500000000LL, ahead = 400LL * 86400 * 1000000000LL;
	int i;

	default_config(&cfg);
	vmt_tspolicy_init(&p, &cfg, 0);
	for (i = 0; i < 20; i++) {
		sample_at(&p, ahead, up, &dc);
		ATF_CHECK_EQ(dc.dc_action, VMT_TSP_SLEW);
		ATF_CHECK_MSG(dc.dc_slew_us >= -kmax && dc.dc_slew_us < -kmax +
		    20 * 5000, "slew %lld us", (long long)dc.dc_slew_us);
		/* The model follows: 5 ms a second, whatever was asked. */
		up += 2000000000LL;
		ahead -= 2 * 5000000;
	}
	ATF_CHECK_EQ(p.tp_bsteps, 0U);
	/* Behind by as much: stepped, not slewed. */
	vmt_tspolicy_init(&p, &cfg, 0);
	sample_at(&p, -400LL * 86400 * 1000000000LL, up, &dc);
	ATF_CHECK_EQ(dc.dc_action, VMT_TSP_STEP);
}


ATF_TC(refused_model);
ATF_TC_HEAD(refused_model, tc)
{
	atf_tc_set_md_var(tc, "descr", "a kernel refusing every slew and "
	    "frequency for 10 minutes: the policy's model keeps what the "
	    "kernel really has, and it synchronises once they are taken");
}
ATF_TC_BODY(refused_model, tc)
{
	struct cm_params par;
	struct cm_stats st;
	struct cm m;

	cm_params_default(&par);
	settle(&m, &par, 3600);
	ATF_REQUIRE_EQ(m.mirror_bad, 0);
	m.refuse_slew = m.refuse_freq = true;
	cm_host_step(&m, 0.02);
	cm_run_until(&m, m.t + 600);
	/* The situation: the policy asked, and was refused. */
	ATF_REQUIRE(m.refused > 0);
	ATF_CHECK_EQ(m.mirror_bad, 0);
	ATF_CHECK(m.pol.tp_refused >= (uint64_t)m.refused);
	m.refuse_slew = m.refuse_freq = false;
	cm_stats_start(&m, &st, 1 * MS, 600);
	cm_run_until(&m, m.t + 3600);
	report("refused 10 min", &m, &st);
	ATF_CHECK(cm_stats_sync(&st) <= 600);
	ATF_CHECK(st.max <= 100 * US);
	ATF_CHECK_EQ(m.mirror_bad, 0);
	ATF_CHECK_EQ(m.bsteps, 0);
}


/* The far end of every range: uptime near 2^63, offsets at the limit. */
ATF_TC_WITHOUT_HEAD(extreme_ranges);
ATF_TC_BODY(extreme_ranges, tc)
{
	struct vmt_tsp_config cfg;
	struct vmt_tspolicy p;
	struct vmt_tsp_decision dc;
	struct vmt_tsp_sample s;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	int64_t offs[] = { 0, VMT_TSP_OFFSET_MAX, -VMT_TSP_OFFSET_MAX,
	    VMT_TSP_OFFSET_MAX / 3, 1000, -2000000, 400LL * 86400000000000LL };
	int n;

	default_config(&cfg);
	cfg.tc_allow_backward = true;
	vmt_tspolicy_init(&p, &cfg, 0);
	s.ts_uptime_ns = INT64_MAX - 1000LL * 1000000000LL;
	for (n = 0; n < 20000; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s.ts_offset_ns = offs[x % 7] + (int64_t)(x >> 40) % 1000;
		if (s.ts_offset_ns > VMT_TSP_OFFSET_MAX)
			s.ts_offset_ns = VMT_TSP_OFFSET_MAX;
		s.ts_width_ns = (int64_t)(x >> 20) % 100000;
		s.ts_lag_us = (x & 0x100) ? (uint32_t)(x >> 32) : 0;
		if (s.ts_uptime_ns < INT64_MAX - 200000000LL)
			s.ts_uptime_ns += (int64_t)(x % 200000000LL);
		vmt_tspolicy_sample(&p, &s, &dc);
		ATF_CHECK(dc.dc_slew_us >= -VMT_TSP_SLEW_MAX_US &&
		    dc.dc_slew_us <= VMT_TSP_SLEW_MAX_US);
		if (dc.dc_action == VMT_TSP_STEP)
			ATF_CHECK(dc.dc_step_ns != 0);
		if ((x & 0x3000) == 0x3000)
			vmt_tspolicy_refused(&p, (unsigned)(x >> 50) & 3);
		if ((x & 0x7c000) == 0)
			vmt_tspolicy_event(&p,
			    (enum vmt_tsp_event)((x >> 24) % 7), &dc);
	}
	ATF_CHECK(s.ts_uptime_ns > INT64_MAX - 200000000LL);
}

ATF_TP_ADD_TCS(tp)
{

	ATF_TP_ADD_TC(tp, steady_24h);
	ATF_TP_ADD_TC(tp, resume_2h);
	ATF_TP_ADD_TC(tp, ahead_5s);
	ATF_TP_ADD_TC(tp, ahead_5s_backward);
	ATF_TP_ADD_TC(tp, host_step_plus);
	ATF_TP_ADD_TC(tp, host_step_minus);
	ATF_TP_ADD_TC(tp, disabled_2h);
	ATF_TP_ADD_TC(tp, disabled_no_actions);
	ATF_TP_ADD_TC(tp, threshold_edges);
	ATF_TP_ADD_TC(tp, backward_rules);
	ATF_TP_ADD_TC(tp, freq_reset_on_tc_change);
	ATF_TP_ADD_TC(tp, freq_survives_resume);
	ATF_TP_ADD_TC(tp, outliers_rejected);
	ATF_TP_ADD_TC(tp, config_valid);
	ATF_TP_ADD_TC(tp, extreme_inputs);
	ATF_TP_ADD_TC(tp, uptime_40y);
	ATF_TP_ADD_TC(tp, forward_step_inflight);
	ATF_TP_ADD_TC(tp, no_clamped_step);
	ATF_TP_ADD_TC(tp, split_slew);
	ATF_TP_ADD_TC(tp, refused_model);
	ATF_TP_ADD_TC(tp, extreme_ranges);
	return atf_no_error();
}
