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
 * Baseline "netbsd": a model of today's NetBSD vmt(4), as found in
 * NetBSD sys/dev/vmt/vmt_subr.c and documented in share/man/man4/vmt.4
 * (see also DOMAIN.md section 1).  It is a model, written here, of the
 * behaviour that matters for time keeping, not a copy:
 *
 *  - the TCLO channel is polled once a second, and at once again after
 *    a command;
 *  - the clock is stepped with tc_setclock() to the host's GETTIMEFULL
 *    (read once, unbracketed) at attach, on OS_Resume, and every
 *    clock_sync.period seconds (60), whatever the host's checkbox says;
 *  - Set_Option is answered with an error and never read;
 *  - any status without SUCCESS is fatal to the transfer: a checkpoint
 *    cut is logged ("get data failed, ebx=0x100000"), the message is
 *    lost, and the TCLO channel is reset ("resetting rpc").
 *
 * Only the backdoor boundary (vmt_backdoor.h) and the protocol
 * constants (vmtreg.h) of our vmt(4) are used, so that none of our
 * transport's checkpoint handling leaks into the baseline.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/kernel.h>
#include <sys/kmem.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <sys/timetc.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmt_backdoor.h>

#include "baseline.h"

#define NB_NAME			"vmt0"
#define NB_POLL_MS		1000	/* TCLO poll, as NetBSD */
#define NB_REOPEN_MS		15000	/* after a failed reopen */
#define NB_CLOCK_SYNC_PERIOD_S	60	/* machdep.vmt0.clock_sync.period */
#define NB_BUFLEN		1024

struct nb_rpc {
	uint16_t	channel;
	uint32_t	cookie1;
	uint32_t	cookie2;
};

struct bl_netbsd {
	struct nb_rpc	nb_tclo;
	bool		nb_tclo_open;
	bool		nb_ping;	/* next poll sends an empty message */
	bool		nb_error;	/* reset the channel at the next poll */
	callout_t	nb_tclo_tick;
	callout_t	nb_clock_sync;
	char		nb_buf[NB_BUFLEN + 1];
	char		nb_rbuf[NB_BUFLEN + 1];
};

static void
nb_frame(struct vm_backdoor *f, const struct nb_rpc *rpc, uint16_t sub)
{
	memset(f, 0, sizeof(*f));
	f->eax.word = VM_MAGIC;
	f->ecx.part.low = VM_CMD_RPC;
	f->ecx.part.high = sub;
	f->edx.part.low = VM_PORT_CMD;
	f->edx.part.high = rpc->channel;
	f->esi.word = rpc->cookie1;
	f->edi.word = rpc->cookie2;
}

static int
nb_rpc_open(struct nb_rpc *rpc, uint32_t proto)
{
	struct vm_backdoor f;

	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ebx.word = proto | VM_RPC_FLAG_COOKIE;
	f.ecx.part.low = VM_CMD_RPC;
	f.ecx.part.high = VM_RPC_OPEN;
	f.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&f);
	if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
		log(LOG_WARNING, "%s: open failed, eax=%#x, ecx=%#x\n",
		    NB_NAME, f.eax.word, f.ecx.word);
		return EIO;
	}
	rpc->channel = f.edx.part.high;
	rpc->cookie1 = f.esi.word;
	rpc->cookie2 = f.edi.word;
	return 0;
}

static void
nb_rpc_close(struct nb_rpc *rpc)
{
	struct vm_backdoor f;

	nb_frame(&f, rpc, VM_RPC_CLOSE);
	vmt_backdoor_cmd(&f);
	memset(rpc, 0, sizeof(*rpc));
}

static int
nb_rpc_send(const struct nb_rpc *rpc, const char *buf, uint32_t len)
{
	struct vm_backdoor f;
	uint32_t i, word;

	nb_frame(&f, rpc, VM_RPC_SET_LENGTH);
	f.ebx.word = len;
	vmt_backdoor_cmd(&f);
	if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
		log(LOG_WARNING, "%s: sending length failed, eax=%#x, "
		    "ecx=%#x\n", NB_NAME, f.eax.word, f.ecx.word);
		return EIO;
	}
	if (len == 0)
		return 0;
	if (f.ecx.part.high & VM_RPC_REPLY_HB) {
		memset(&f, 0, sizeof(f));
		f.eax.word = VM_MAGIC;
		f.ebx.word = VM_RPC_ENH_DATA;
		f.ecx.word = len;
		f.edx.part.low = VM_PORT_RPC;
		f.edx.part.high = rpc->channel;
		f.ebp.word = rpc->cookie1;
		f.edi.word = rpc->cookie2;
		f.esi.quad = (uint64_t)(uintptr_t)buf;
		vmt_backdoor_hb_out(&f);
		if ((f.ebx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
			log(LOG_WARNING, "%s: send failed, ebx=%#x\n",
			    NB_NAME, f.ebx.word);
			return EIO;
		}
		return 0;
	}
	for (i = 0; i < len; i += 4) {
		word = 0;
		memcpy(&word, buf + i, MIN(4, len - i));
		nb_frame(&f, rpc, VM_RPC_SET_DATA);
		f.ebx.word = word;
		vmt_backdoor_cmd(&f);
		if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
			log(LOG_WARNING, "%s: send failed, ebx=%#x\n",
			    NB_NAME, f.ebx.word);
			return EIO;
		}
	}
	return 0;
}

static int
nb_rpc_send_str(const struct nb_rpc *rpc, const char *s)
{
	return nb_rpc_send(rpc, s, (uint32_t)strlen(s));
}

static int
nb_rpc_get_length(const struct nb_rpc *rpc, uint32_t *len, uint16_t *id,
    bool *hb)
{
	struct vm_backdoor f;

	nb_frame(&f, rpc, VM_RPC_GET_LENGTH);
	vmt_backdoor_cmd(&f);
	if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
		log(LOG_WARNING, "%s: get length failed, eax=%#x, ecx=%#x\n",
		    NB_NAME, f.eax.word, f.ecx.word);
		return EIO;
	}
	if ((f.ecx.part.high & VM_RPC_REPLY_DORECV) == 0) {
		*len = 0;
		*id = 0;
	} else {
		*len = f.ebx.word;
		*id = f.edx.part.high;
	}
	*hb = (f.ecx.part.high & VM_RPC_REPLY_HB) != 0;
	return 0;
}

static int
nb_rpc_get_payload(const struct nb_rpc *rpc, char *buf, uint32_t len,
    uint16_t id, bool hb)
{
	struct vm_backdoor f;
	uint32_t i;

	if (hb) {
		memset(&f, 0, sizeof(f));
		f.eax.word = VM_MAGIC;
		f.ebx.word = VM_RPC_ENH_DATA;
		f.ecx.word = len;
		f.edx.part.low = VM_PORT_RPC;
		f.edx.part.high = rpc->channel;
		f.esi.word = rpc->cookie1;
		f.ebp.word = rpc->cookie2;
		f.edi.quad = (uint64_t)(uintptr_t)buf;
		vmt_backdoor_hb_in(&f);
		if ((f.ebx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
			log(LOG_WARNING, "%s: get data failed, ebx=%#x\n",
			    NB_NAME, f.ebx.word);
			return EIO;
		}
		return 0;
	}
	for (i = 0; i < len; i += 4) {
		nb_frame(&f, rpc, VM_RPC_GET_DATA);
		f.ebx.word = id;
		vmt_backdoor_cmd(&f);
		if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
			log(LOG_WARNING, "%s: get data failed, ebx=%#x\n",
			    NB_NAME, f.ecx.word);
			return EIO;
		}
		memcpy(buf + i, &f.ebx.word, MIN(4, len - i));
	}
	return 0;
}

/* Receive a message of len bytes (len <= NB_BUFLEN) and acknowledge. */
static int
nb_rpc_get_data(const struct nb_rpc *rpc, char *buf, uint32_t len,
    uint16_t id, bool hb)
{
	struct vm_backdoor f;

	if (nb_rpc_get_payload(rpc, buf, len, id, hb) != 0)
		return EIO;
	buf[len] = '\0';
	nb_frame(&f, rpc, VM_RPC_GET_END);
	f.ebx.word = id;
	vmt_backdoor_cmd(&f);
	if ((f.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
		log(LOG_WARNING, "%s: ack data failed, eax=%#x, ecx=%#x\n",
		    NB_NAME, f.eax.word, f.ecx.word);
		return EIO;
	}
	return 0;
}

/* An RPCI request on a channel of its own, opened and closed each time. */
static int
nb_rpci(struct bl_netbsd *nb, const char *msg)
{
	struct nb_rpc rpci;
	uint32_t len;
	uint16_t id;
	bool hb;
	int error = EIO;

	if (nb_rpc_open(&rpci, VM_RPC_OPEN_RPCI) != 0) {
		log(LOG_WARNING, "%s: rpci channel open failed\n", NB_NAME);
		return EIO;
	}
	if (nb_rpc_send_str(&rpci, msg) != 0)
		log(LOG_WARNING, "%s: unable to send rpci command\n",
		    NB_NAME);
	else if (nb_rpc_get_length(&rpci, &len, &id, &hb) != 0)
		log(LOG_WARNING, "%s: failed to get length of rpci response "
		    "data\n", NB_NAME);
	else if (len > NB_BUFLEN)
		log(LOG_WARNING, "%s: rpci response too long\n", NB_NAME);
	else if (len > 0 && nb_rpc_get_data(&rpci, nb->nb_rbuf, len, id,
	    hb) != 0)
		log(LOG_WARNING, "%s: failed to get rpci response data\n",
		    NB_NAME);
	else
		error = 0;
	nb_rpc_close(&rpci);
	return error;
}

/* One unbracketed host read, stepped to: vmt_sync_guest_clock(). */
static void
nb_sync_guest_clock(void)
{
	struct vm_backdoor f;
	struct timespec ts;

	memset(&f, 0, sizeof(f));
	f.eax.word = VM_MAGIC;
	f.ecx.part.low = VM_CMD_GET_TIME_FULL;
	f.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&f);
	if (f.eax.word == VM_BACKDOOR_FAIL)
		return;
	ts.tv_sec = (time_t)(((uint64_t)f.esi.word << 32) | f.edx.word);
	ts.tv_nsec = (long)f.ebx.word * 1000;
	tc_setclock(&ts);
}

static void
nb_clock_sync_tick(void *arg)
{
	struct bl_netbsd *nb = arg;

	nb_sync_guest_clock();
	callout_schedule(&nb->nb_clock_sync,
	    mstohz(NB_CLOCK_SYNC_PERIOD_S * 1000));
}

static void
nb_statechange(struct bl_netbsd *nb, int id)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "%s 1 %d", VM_RPCI_STATECHANGE, id);
	if (nb_rpci(nb, msg) != 0)
		log(LOG_WARNING, "%s: unable to send state change result\n",
		    NB_NAME);
}

/* The reply to one TCLO command. */
static const char *
nb_dispatch(struct bl_netbsd *nb, const char *cmd)
{
	char msg[64];

	if (strcmp(cmd, VM_TCLO_RESET) == 0)
		return VM_RPC_RESET_REPLY;
	if (strcmp(cmd, VM_TCLO_PING) == 0)
		return VM_TCLO_OK;
	if (strcmp(cmd, VM_TCLO_CAPREG) == 0) {
		(void)nb_rpci(nb, VM_RPCI_CAP_STATECHANGE);
		snprintf(msg, sizeof(msg), "%s %d", VM_RPCI_SET_VERSION,
		    VM_VERSION_UNMANAGED);
		(void)nb_rpci(nb, msg);
		return VM_TCLO_OK;
	}
	if (strcmp(cmd, VM_TCLO_SUSPEND) == 0) {
		nb_statechange(nb, VM_STATE_CHANGE_SUSPEND);
		return VM_TCLO_OK;
	}
	if (strcmp(cmd, VM_TCLO_RESUME) == 0) {
		nb_sync_guest_clock();
		nb_statechange(nb, VM_STATE_CHANGE_RESUME);
		return VM_TCLO_OK;
	}
	if (strcmp(cmd, VM_TCLO_POWERON) == 0) {
		nb_statechange(nb, VM_STATE_CHANGE_POWERON);
		return VM_TCLO_OK;
	}
	if (strncmp(cmd, VM_TCLO_SET_OPTION " ",
	    sizeof(VM_TCLO_SET_OPTION)) == 0)
		return VM_TCLO_UNKNOWN_OPTION;
	return VM_TCLO_UNKNOWN_CMD;
}

/* Close and reopen the TCLO channel after a failure. */
static bool
nb_reset(struct bl_netbsd *nb)
{
	log(LOG_WARNING, "%s: resetting rpc\n", NB_NAME);
	if (nb->nb_tclo_open)
		nb_rpc_close(&nb->nb_tclo);
	nb->nb_tclo_open = false;
	nb->nb_error = false;
	if (nb_rpc_open(&nb->nb_tclo, VM_RPC_OPEN_TCLO) != 0) {
		log(LOG_WARNING, "%s: unable to reopen TCLO channel\n",
		    NB_NAME);
		return false;
	}
	nb->nb_tclo_open = true;
	nb->nb_ping = true;
	return true;
}

/* One poll; returns the delay to the next in ms. */
static int
nb_poll(struct bl_netbsd *nb)
{
	uint32_t len;
	uint16_t id;
	bool hb;

	if (nb->nb_error && !nb_reset(nb))
		return NB_REOPEN_MS;
	if (nb->nb_ping && nb_rpc_send(&nb->nb_tclo, NULL, 0) != 0) {
		log(LOG_WARNING, "%s: failed to send TCLO outgoing ping\n",
		    NB_NAME);
		nb->nb_error = true;
		return NB_POLL_MS;
	}
	if (nb_rpc_get_length(&nb->nb_tclo, &len, &id, &hb) != 0) {
		log(LOG_WARNING, "%s: failed to get length of incoming TCLO "
		    "data\n", NB_NAME);
		nb->nb_error = true;
		return NB_POLL_MS;
	}
	if (len == 0) {
		nb->nb_ping = true;
		return NB_POLL_MS;
	}
	if (len > NB_BUFLEN || nb_rpc_get_data(&nb->nb_tclo, nb->nb_buf, len,
	    id, hb) != 0) {
		log(LOG_WARNING, "%s: failed to get incoming TCLO data\n",
		    NB_NAME);
		nb->nb_error = true;
		return NB_POLL_MS;
	}
	nb->nb_ping = false;
	if (nb_rpc_send_str(&nb->nb_tclo, nb_dispatch(nb, nb->nb_buf)) != 0) {
		log(LOG_WARNING, "%s: error sending TCLO reply\n", NB_NAME);
		nb->nb_error = true;
	}
	/* Poll again at once: the host may have more to say. */
	return 0;
}

static void
nb_tclo_tick(void *arg)
{
	struct bl_netbsd *nb = arg;
	int ms;

	ms = nb_poll(nb);
	callout_schedule(&nb->nb_tclo_tick, ms == 0 ? 1 : mstohz(ms));
}

struct bl_netbsd *
bl_netbsd_attach(void)
{
	struct bl_netbsd *nb;

	nb = kmem_zalloc(sizeof(*nb), KM_SLEEP);
	if (nb_rpc_open(&nb->nb_tclo, VM_RPC_OPEN_TCLO) == 0)
		nb->nb_tclo_open = true;
	else
		nb->nb_error = true;
	nb->nb_ping = true;
	callout_init(&nb->nb_tclo_tick, CALLOUT_MPSAFE);
	callout_setfunc(&nb->nb_tclo_tick, nb_tclo_tick, nb);
	callout_schedule(&nb->nb_tclo_tick, mstohz(NB_POLL_MS));
	nb_sync_guest_clock();
	callout_init(&nb->nb_clock_sync, CALLOUT_MPSAFE);
	callout_setfunc(&nb->nb_clock_sync, nb_clock_sync_tick, nb);
	callout_schedule(&nb->nb_clock_sync,
	    mstohz(NB_CLOCK_SYNC_PERIOD_S * 1000));
	return nb;
}

void
bl_netbsd_detach(struct bl_netbsd *nb)
{
	callout_halt(&nb->nb_tclo_tick, NULL);
	callout_halt(&nb->nb_clock_sync, NULL);
	callout_destroy(&nb->nb_tclo_tick);
	callout_destroy(&nb->nb_clock_sync);
	if (nb->nb_tclo_open)
		nb_rpc_close(&nb->nb_tclo);
	kmem_free(nb, sizeof(*nb));
}
