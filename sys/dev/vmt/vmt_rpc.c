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
 * vmt(4) message channel: the transport under RPCI and TCLO.
 *
 * A message goes out in a size step (SET_LENGTH) and a payload, either
 * four bytes per low-bandwidth SET_DATA call or, when the size step's
 * status offers HB, one high-bandwidth transfer.  A message comes in
 * through a size step (GET_LENGTH), a payload the same two ways, and a
 * status step (GET_END) that acknowledges it.
 *
 * Checkpoints.  When the VM is suspended or snapshotted in the middle
 * of a transfer, the next payload or status step answers with SUCCESS
 * clear and CPT set.  The host has not consumed the message; the
 * transfer must be restarted from its size step.  That is what happens
 * here, silently, up to VMT_RPC_CPT_RETRIES times; each restart is
 * counted and the softc notes that a checkpoint occurred, so that the
 * time-sync module learns the guest clock may have stopped.  The size
 * steps, OPEN and CLOSE are never restarted.
 *
 * Any other failure marks the channel broken and logs one line
 * (rate-limited) with the register the status came in; the caller
 * closes and reopens it.  Nothing the host answers is trusted: lengths
 * are checked against the caller's buffer before anything is copied.
 *
 * Every function here is called with sc_lock held.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/device.h>
#include <sys/mutex.h>
#include <sys/syslog.h>
#include <sys/time.h>

#include <dev/vmt/vmt_backdoor.h>
#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

/* Internal result of one attempt: a checkpoint, start over. */
#define VMT_RPC_RESTART		(-1)

/* SUCCESS clear and CPT set: the only status that asks for a restart. */
#define VMT_RPC_IS_CPT(st)						\
	(((st) & (VM_RPC_REPLY_SUCCESS | VM_RPC_REPLY_CPT)) == VM_RPC_REPLY_CPT)

static const struct timeval vmt_rpc_loginterval = { VMT_LOG_INTERVAL_S, 0 };

void
vmt_rpc_init(struct vm_rpc *rpc, const char *name, uint32_t proto)
{
	memset(rpc, 0, sizeof(*rpc));
	rpc->rpc_name = name;
	rpc->rpc_proto = proto;
}

/* A low-bandwidth frame for subcommand sub on rpc's channel. */
static void
vmt_rpc_frame(struct vm_backdoor *frame, const struct vm_rpc *rpc,
    uint16_t sub)
{
	memset(frame, 0, sizeof(*frame));
	frame->eax.word = VM_MAGIC;
	frame->ecx.part.low = VM_CMD_RPC;
	frame->ecx.part.high = sub;
	frame->edx.part.low = VM_PORT_CMD;
	frame->edx.part.high = rpc->rpc_channel;
	frame->esi.word = rpc->rpc_cookie1;
	frame->edi.word = rpc->rpc_cookie2;
}

/* A high-bandwidth frame moving len bytes on rpc's channel. */
static void
vmt_rpc_hbframe(struct vm_backdoor *frame, const struct vm_rpc *rpc,
    size_t len)
{
	memset(frame, 0, sizeof(*frame));
	frame->eax.word = VM_MAGIC;
	frame->ebx.word = VM_RPC_ENH_DATA;
	frame->ecx.word = (uint32_t)len;
	frame->edx.part.low = VM_PORT_RPC;
	frame->edx.part.high = rpc->rpc_channel;
}

/* The channel failed: it must be closed and reopened before reuse. */
static void
vmt_rpc_fail(struct vmt_softc *sc, struct vm_rpc *rpc, const char *what,
    const char *reg, uint32_t val)
{
	KASSERT(mutex_owned(&sc->sc_lock));
	rpc->rpc_broken = true;
	rpc->rpc_stats.rs_errors++;
	sc->sc_errors++;
	if (ratecheck(&rpc->rpc_errlog, &vmt_rpc_loginterval))
		log(LOG_WARNING, "%s: %s %s failed, %s=0x%x\n",
		    device_xname(sc->sc_dev), rpc->rpc_name, what, reg, val);
}

/*
 * What the status of a payload or status step means: 0 to go on,
 * VMT_RPC_RESTART for a checkpoint (the host kept the message, so the
 * transfer starts over from its size step), or EIO, logged, for
 * anything else.
 */
static int
vmt_rpc_step(struct vmt_softc *sc, struct vm_rpc *rpc, uint16_t st,
    const char *what, const char *reg, uint32_t val)
{
	if (st & VM_RPC_REPLY_SUCCESS)
		return 0;
	if (VMT_RPC_IS_CPT(st))
		return VMT_RPC_RESTART;
	vmt_rpc_fail(sc, rpc, what, reg, val);
	return EIO;
}

/* A checkpoint was seen; report it upward at the next occasion. */
static void
vmt_rpc_checkpoint(struct vmt_softc *sc, struct vm_rpc *rpc)
{
	KASSERT(mutex_owned(&sc->sc_lock));
	if (sc->sc_cpt_pending < INT32_MAX)
		sc->sc_cpt_pending++;
}

int
vmt_rpc_open(struct vmt_softc *sc, struct vm_rpc *rpc)
{
	struct vm_backdoor frame;

	KASSERT(mutex_owned(&sc->sc_lock));
	KASSERT(!rpc->rpc_open);

	memset(&frame, 0, sizeof(frame));
	frame.eax.word = VM_MAGIC;
	frame.ebx.word = rpc->rpc_proto | VM_RPC_FLAG_COOKIE;
	frame.ecx.part.low = VM_CMD_RPC;
	frame.ecx.part.high = VM_RPC_OPEN;
	frame.edx.part.low = VM_PORT_CMD;
	vmt_backdoor_cmd(&frame);
	if ((frame.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
		/* Old hosts refuse cookies: open without them. */
		memset(&frame, 0, sizeof(frame));
		frame.eax.word = VM_MAGIC;
		frame.ebx.word = rpc->rpc_proto;
		frame.ecx.part.low = VM_CMD_RPC;
		frame.ecx.part.high = VM_RPC_OPEN;
		frame.edx.part.low = VM_PORT_CMD;
		vmt_backdoor_cmd(&frame);
		if ((frame.ecx.part.high & VM_RPC_REPLY_SUCCESS) == 0) {
			if (ratecheck(&rpc->rpc_errlog, &vmt_rpc_loginterval))
				log(LOG_WARNING,
				    "%s: %s open failed, ecx=0x%x\n",
				    device_xname(sc->sc_dev), rpc->rpc_name,
				    frame.ecx.word);
			return EIO;
		}
		frame.esi.word = 0;
		frame.edi.word = 0;
	}
	rpc->rpc_channel = frame.edx.part.high;
	rpc->rpc_cookie1 = frame.esi.word;
	rpc->rpc_cookie2 = frame.edi.word;
	rpc->rpc_open = true;
	rpc->rpc_broken = false;
	rpc->rpc_stats.rs_opens++;
	return 0;
}

void
vmt_rpc_close(struct vmt_softc *sc, struct vm_rpc *rpc)
{
	struct vm_backdoor frame;

	KASSERT(mutex_owned(&sc->sc_lock));
	if (!rpc->rpc_open)
		return;
	/* The host may have dropped the channel already: ignore status. */
	vmt_rpc_frame(&frame, rpc, VM_RPC_CLOSE);
	vmt_backdoor_cmd(&frame);
	rpc->rpc_open = false;
	rpc->rpc_broken = false;
	rpc->rpc_channel = 0;
	rpc->rpc_cookie1 = 0;
	rpc->rpc_cookie2 = 0;
}

static int
vmt_rpc_send_once(struct vmt_softc *sc, struct vm_rpc *rpc, const char *buf,
    size_t len)
{
	struct vm_backdoor frame;
	uint32_t word;
	uint16_t st;
	size_t i, n;
	int error;

	vmt_rpc_frame(&frame, rpc, VM_RPC_SET_LENGTH);
	frame.ebx.word = (uint32_t)len;
	vmt_backdoor_cmd(&frame);
	st = frame.ecx.part.high;
	if ((st & VM_RPC_REPLY_SUCCESS) == 0) {
		vmt_rpc_fail(sc, rpc, "send length", "ecx", frame.ecx.word);
		return EIO;
	}
	if (len == 0)
		return 0;

	if (st & VM_RPC_REPLY_HB) {
		vmt_rpc_hbframe(&frame, rpc, len);
		frame.esi.quad = (uint64_t)(uintptr_t)buf;
		frame.ebp.word = rpc->rpc_cookie1;
		frame.edi.word = rpc->rpc_cookie2;
		vmt_backdoor_hb_out(&frame);
		rpc->rpc_stats.rs_hb++;
		return vmt_rpc_step(sc, rpc, frame.ebx.part.high, "send data",
		    "ebx", frame.ebx.word);
	}

	for (i = 0; i < len; i += n) {
		n = MIN(sizeof(word), len - i);
		word = 0;
		memcpy(&word, buf + i, n);
		vmt_rpc_frame(&frame, rpc, VM_RPC_SET_DATA);
		frame.ebx.word = word;
		vmt_backdoor_cmd(&frame);
		if ((error = vmt_rpc_step(sc, rpc, frame.ecx.part.high,
		    "send data", "ecx", frame.ecx.word)) != 0)
			return error;
	}
	return 0;
}

/*
 * Read and discard a message too long for the caller, four bytes at a
 * time (the low-bandwidth path is always available), so that the
 * channel stays usable.  Beyond VMT_RPC_DRAINMAX it is not worth it:
 * the channel is declared broken and will be reopened.
 */
static int
vmt_rpc_drain(struct vmt_softc *sc, struct vm_rpc *rpc, uint32_t len,
    uint16_t dataid)
{
	struct vm_backdoor frame;
	uint32_t i;
	int error;

	if (len > VMT_RPC_DRAINMAX) {
		vmt_rpc_fail(sc, rpc, "receive (message too long)", "ebx",
		    len);
		return EMSGSIZE;
	}
	for (i = 0; i < len; i += 4) {
		vmt_rpc_frame(&frame, rpc, VM_RPC_GET_DATA);
		frame.ebx.word = dataid;
		vmt_backdoor_cmd(&frame);
		if ((error = vmt_rpc_step(sc, rpc, frame.ecx.part.high,
		    "get data", "ecx", frame.ecx.word)) != 0)
			return error;
	}
	return EMSGSIZE;
}

static int
vmt_rpc_recv_once(struct vmt_softc *sc, struct vm_rpc *rpc, char *buf,
    size_t bufsize, size_t *lenp)
{
	struct vm_backdoor frame;
	uint32_t len, i, n;
	uint16_t st, dataid;
	int result = 0, error;

	vmt_rpc_frame(&frame, rpc, VM_RPC_GET_LENGTH);
	vmt_backdoor_cmd(&frame);
	st = frame.ecx.part.high;
	if ((st & VM_RPC_REPLY_SUCCESS) == 0) {
		vmt_rpc_fail(sc, rpc, "get length", "ecx", frame.ecx.word);
		return EIO;
	}
	if ((st & VM_RPC_REPLY_DORECV) == 0)
		return ENOENT;
	len = frame.ebx.word;
	dataid = frame.edx.part.high;

	if (len > bufsize) {
		result = vmt_rpc_drain(sc, rpc, len, dataid);
		if (result != EMSGSIZE)
			return result;
		if (rpc->rpc_broken)
			return EMSGSIZE;
		len = 0;
	} else if (len > 0 && (st & VM_RPC_REPLY_HB)) {
		vmt_rpc_hbframe(&frame, rpc, len);
		frame.edi.quad = (uint64_t)(uintptr_t)buf;
		frame.esi.word = rpc->rpc_cookie1;
		frame.ebp.word = rpc->rpc_cookie2;
		vmt_backdoor_hb_in(&frame);
		rpc->rpc_stats.rs_hb++;
		if ((error = vmt_rpc_step(sc, rpc, frame.ebx.part.high,
		    "get data", "ebx", frame.ebx.word)) != 0) {
			return error;
		}
	} else {
		for (i = 0; i < len; i += n) {
			n = MIN(4, len - i);
			vmt_rpc_frame(&frame, rpc, VM_RPC_GET_DATA);
			frame.ebx.word = dataid;
			vmt_backdoor_cmd(&frame);
			if ((error = vmt_rpc_step(sc, rpc, frame.ecx.part.high,
			    "get data", "ecx", frame.ecx.word)) != 0) {
				return error;
			}
			memcpy(buf + i, &frame.ebx.word, n);
		}
	}

	/* Status step: acknowledge, so the host releases the message. */
	vmt_rpc_frame(&frame, rpc, VM_RPC_GET_END);
	frame.ebx.word = dataid;
	vmt_backdoor_cmd(&frame);
	if ((error = vmt_rpc_step(sc, rpc, frame.ecx.part.high, "ack data",
	    "ecx", frame.ecx.word)) != 0)
		return error;
	*lenp = len;
	return result;
}

/*
 * Send len bytes of buf.  Returns 0, or EIO with the channel broken.
 */
int
vmt_rpc_send(struct vmt_softc *sc, struct vm_rpc *rpc, const char *buf,
    size_t len)
{
	int error, tries;

	KASSERT(mutex_owned(&sc->sc_lock));
	if (!rpc->rpc_open || rpc->rpc_broken)
		return EIO;
	if (len > VMT_RPC_MAXLEN)
		return EMSGSIZE;
	for (tries = 0;; tries++) {
		error = vmt_rpc_send_once(sc, rpc, buf, len);
		if (error != VMT_RPC_RESTART)
			break;
		vmt_rpc_checkpoint(sc, rpc);
		if (tries == VMT_RPC_CPT_RETRIES) {
			vmt_rpc_fail(sc, rpc, "send (checkpoint retries)",
			    "tries", (uint32_t)tries + 1);
			return EIO;
		}
		rpc->rpc_stats.rs_cpt_retries++;
		sc->sc_cpt_retries++;
	}
	if (error == 0)
		rpc->rpc_stats.rs_sent++;
	return error;
}

/*
 * Receive a message into buf (bufsize bytes at most; no NUL is added)
 * and acknowledge it.  Returns 0 with its length in *lenp; ENOENT if
 * none is pending; EMSGSIZE if it was longer than bufsize (it was
 * drained and acknowledged, unless the channel is now broken); EIO
 * with the channel broken.
 */
int
vmt_rpc_recv(struct vmt_softc *sc, struct vm_rpc *rpc, char *buf,
    size_t bufsize, size_t *lenp)
{
	int error, tries;

	KASSERT(mutex_owned(&sc->sc_lock));
	*lenp = 0;
	if (!rpc->rpc_open || rpc->rpc_broken)
		return EIO;
	for (tries = 0;; tries++) {
		error = vmt_rpc_recv_once(sc, rpc, buf, bufsize, lenp);
		if (error != VMT_RPC_RESTART)
			break;
		vmt_rpc_checkpoint(sc, rpc);
		if (tries == VMT_RPC_CPT_RETRIES) {
			vmt_rpc_fail(sc, rpc, "receive (checkpoint retries)",
			    "tries", (uint32_t)tries + 1);
			return EIO;
		}
		rpc->rpc_stats.rs_cpt_retries++;
		sc->sc_cpt_retries++;
	}
	if (error == 0 || error == EMSGSIZE)
		rpc->rpc_stats.rs_received++;
	return error;
}
