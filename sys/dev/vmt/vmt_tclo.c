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
 * vmt(4): the TCLO loop, its command table, the Set_Option registry,
 * the event hook and RPCI requests.
 *
 * The host cannot call the guest; it queues commands on the TCLO
 * channel and the guest polls.  Each run of the MPSAFE callout sends
 * the reply to the previous command (an empty message, a "ping", when
 * there is none) and receives the next command.  It runs again one tick
 * later when a command came in, so a burst is answered quickly, and
 * every second otherwise.
 *
 * A broken channel is closed and reopened by the loop, after a delay
 * that starts at VMT_BACKOFF_MIN_MS and doubles up to VMT_BACKOFF_MAX_MS
 * while the host keeps failing; one good exchange resets it.  A new
 * channel starts over with a ping, and the host greets it with "reset".
 *
 * Commands are parsed strictly: printable ASCII only, the exact name,
 * arguments only where the command takes them.  Anything else gets an
 * error reply and one rate-limited log line; nothing the host sends can
 * make the loop read outside sc_tclo_buf.
 */

#include <sys/cdefs.h>
__KERNEL_RCSID(0, "$NetBSD$");

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/callout.h>
#include <sys/device.h>
#include <sys/kernel.h>
#include <sys/mutex.h>
#include <sys/stdarg.h>
#include <sys/syslog.h>
#include <sys/time.h>
#include <dev/sysmon/sysmonvar.h>

#include <dev/vmt/vmtreg.h>
#include <dev/vmt/vmtvar.h>

/* Replies of this driver to malformed commands (not fixed by VMware). */
#define VMT_TCLO_BAD_ARGS	"ERROR Invalid arguments"
#define VMT_TCLO_TOO_LONG	"ERROR Message too long"
#define VMT_TCLO_BAD_MSG	"ERROR Invalid message"

static const struct timeval vmt_tclo_loginterval = { VMT_LOG_INTERVAL_S, 0 };

struct vmt_tclo_cmd {
	const char	*tc_name;	/* exact command word */
	bool		tc_args;	/* "<name> <args>", args non-empty */
	const char	*tc_badargs;	/* reply when args are malformed */
	void		(*tc_fn)(struct vmt_softc *, const char *);
};

static void	vmt_tclo_reset(struct vmt_softc *, const char *);
static void	vmt_tclo_ping(struct vmt_softc *, const char *);
static void	vmt_tclo_capreg(struct vmt_softc *, const char *);
static void	vmt_tclo_poweron(struct vmt_softc *, const char *);
static void	vmt_tclo_halt(struct vmt_softc *, const char *);
static void	vmt_tclo_reboot(struct vmt_softc *, const char *);
static void	vmt_tclo_suspend(struct vmt_softc *, const char *);
static void	vmt_tclo_resume(struct vmt_softc *, const char *);
static void	vmt_tclo_set_option(struct vmt_softc *, const char *);
static void	vmt_tclo_time_sync(struct vmt_softc *, const char *);

static const struct vmt_tclo_cmd vmt_tclo_cmds[] = {
	{ VM_TCLO_RESET,	false, NULL,	vmt_tclo_reset },
	{ VM_TCLO_PING,		false, NULL,	vmt_tclo_ping },
	{ VM_TCLO_CAPREG,	false, NULL,	vmt_tclo_capreg },
	{ VM_TCLO_POWERON,	false, NULL,	vmt_tclo_poweron },
	{ VM_TCLO_HALT,		false, NULL,	vmt_tclo_halt },
	{ VM_TCLO_REBOOT,	false, NULL,	vmt_tclo_reboot },
	{ VM_TCLO_SUSPEND,	false, NULL,	vmt_tclo_suspend },
	{ VM_TCLO_RESUME,	false, NULL,	vmt_tclo_resume },
	{ VM_TCLO_SET_OPTION,	true, VM_TCLO_UNKNOWN_OPTION,
				vmt_tclo_set_option },
	{ VM_TCLO_TIME_SYNC,	true, VMT_TCLO_BAD_ARGS, vmt_tclo_time_sync },
};

/*
 * Events and RPCI requests.
 */

/* Call the listener, without sc_lock, from the TCLO callout only. */
static void
vmt_event(struct vmt_softc *sc, enum vmt_event ev, int arg)
{
	vmt_event_fn fn;
	void *fnarg;

	mutex_enter(&sc->sc_lock);
	fn = sc->sc_event_fn;
	fnarg = sc->sc_event_arg;
	mutex_exit(&sc->sc_lock);
	if (fn != NULL)
		(*fn)(sc, fnarg, ev, arg);
}

void
vmt_event_listen(struct vmt_softc *sc, vmt_event_fn fn, void *arg)
{
	mutex_enter(&sc->sc_lock);
	sc->sc_event_fn = fn;
	sc->sc_event_arg = fn != NULL ? arg : NULL;
	mutex_exit(&sc->sc_lock);
}

/*
 * One request on a channel of its own, opened and closed around it as
 * NetBSD and OpenBSD do: RPCI is rare, and a channel that lives only
 * for one exchange never needs reopening.
 */
static int
vmt_rpci_call_locked(struct vmt_softc *sc, const char *msg, size_t len,
    char *reply, size_t replylen)
{
	struct vm_rpc *rpc = &sc->sc_rpci_rpc;
	const char *text;
	size_t rlen = 0;
	int error;

	KASSERT(mutex_owned(&sc->sc_lock));
	sc->sc_rpci_calls++;
	if (reply != NULL && replylen > 0)
		reply[0] = '\0';
	if (vmt_rpc_open(sc, rpc) != 0)
		return EAGAIN;
	error = vmt_rpc_send(sc, rpc, msg, len);
	if (error == 0)
		error = vmt_rpc_recv(sc, rpc, sc->sc_rpci_buf, VMT_RPC_MAXLEN,
		    &rlen);
	vmt_rpc_close(sc, rpc);
	switch (error) {
	case 0:
		break;
	case ENOENT:
		/* The host owes an answer to every request. */
		return EPROTO;
	case EMSGSIZE:
		return EMSGSIZE;
	default:
		return EAGAIN;
	}
	sc->sc_rpci_buf[rlen] = '\0';

	text = sc->sc_rpci_buf;
	if (rlen >= 1 && (text[0] == '1' || text[0] == '0') &&
	    (rlen == 1 || text[1] == ' ')) {
		error = text[0] == '1' ? 0 : EIO;
		text += MIN(rlen, 2);
	} else
		error = EPROTO;
	if (reply != NULL && replylen > 0)
		strlcpy(reply, text, replylen);
	return error;
}

int
vmt_rpci_call(struct vmt_softc *sc, const char *msg, char *reply,
    size_t replylen)
{
	size_t len;
	int error;

	len = strnlen(msg, VMT_RPC_MAXLEN + 1);
	if (len > VMT_RPC_MAXLEN)
		return EMSGSIZE;
	mutex_enter(&sc->sc_lock);
	error = vmt_rpci_call_locked(sc, msg, len, reply, replylen);
	mutex_exit(&sc->sc_lock);
	return error;
}

int
vmt_rpci_callf(struct vmt_softc *sc, char *reply, size_t replylen,
    const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	int n;

	/* Formatted requests are short; longer ones use vmt_rpci_call(). */
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return EMSGSIZE;
	return vmt_rpci_call(sc, msg, reply, replylen);
}

/*
 * The Set_Option registry.
 */

static bool
vmt_option_name_ok(const char *name)
{
	size_t i, len;

	len = strnlen(name, VMT_OPTION_NAMELEN);
	if (len == 0 || len == VMT_OPTION_NAMELEN)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' ||
		    (unsigned char)name[i] > '~')
			return false;
	return true;
}

static struct vmt_option *
vmt_option_lookup(struct vmt_softc *sc, const char *name)
{
	size_t i;

	KASSERT(mutex_owned(&sc->sc_lock));
	for (i = 0; i < __arraycount(sc->sc_options); i++)
		if (sc->sc_options[i].vo_name[0] != '\0' &&
		    strcmp(sc->sc_options[i].vo_name, name) == 0)
			return &sc->sc_options[i];
	return NULL;
}

int
vmt_option_register(struct vmt_softc *sc, const char *name,
    vmt_option_fn fn, void *arg)
{
	struct vmt_option *vo;
	size_t i;
	int error = ENOSPC;

	if (fn == NULL || !vmt_option_name_ok(name))
		return EINVAL;
	mutex_enter(&sc->sc_lock);
	if (vmt_option_lookup(sc, name) != NULL) {
		error = EEXIST;
		goto out;
	}
	for (i = 0; i < __arraycount(sc->sc_options); i++) {
		vo = &sc->sc_options[i];
		if (vo->vo_name[0] == '\0') {
			strlcpy(vo->vo_name, name, sizeof(vo->vo_name));
			vo->vo_fn = fn;
			vo->vo_arg = arg;
			error = 0;
			break;
		}
	}
out:
	mutex_exit(&sc->sc_lock);
	return error;
}

void
vmt_option_unregister(struct vmt_softc *sc, const char *name)
{
	struct vmt_option *vo;

	mutex_enter(&sc->sc_lock);
	if ((vo = vmt_option_lookup(sc, name)) != NULL)
		memset(vo, 0, sizeof(*vo));
	mutex_exit(&sc->sc_lock);
}

/*
 * Command handlers.  Each leaves the reply in sc_tclo_reply; it goes
 * out at the next run of the loop.
 */

static void
vmt_tclo_set_reply(struct vmt_softc *sc, const char *reply)
{
	sc->sc_tclo_replylen = strlcpy(sc->sc_tclo_reply, reply,
	    sizeof(sc->sc_tclo_reply));
}

static void
vmt_tclo_badmsg(struct vmt_softc *sc, const char *why)
{
	if (ratecheck(&sc->sc_parselog, &vmt_tclo_loginterval))
		log(LOG_WARNING, "%s: malformed TCLO command: %s\n",
		    device_xname(sc->sc_dev), why);
}

/* An RPCI request whose failure is logged but changes nothing else. */
static void
vmt_tclo_rpci(struct vmt_softc *sc, const char *fmt, ...)
{
	char msg[128], why[64];
	va_list ap;
	int error;

	why[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	error = vmt_rpci_call(sc, msg, why, sizeof(why));
	if (error != 0 && ratecheck(&sc->sc_parselog, &vmt_tclo_loginterval))
		log(LOG_WARNING, "%s: \"%s\" not accepted (error %d%s%s)\n",
		    device_xname(sc->sc_dev), msg, error,
		    why[0] != '\0' ? ": " : "", why);
}

static void
vmt_tclo_state_change(struct vmt_softc *sc, bool ok, int id)
{
	vmt_tclo_rpci(sc, "%s %d %d", VM_RPCI_STATECHANGE, ok ? 1 : 0, id);
}

static void
vmt_tclo_reset(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_RPC_RESET_REPLY);
	vmt_event(sc, VMT_EV_RESET, 0);
}

static void
vmt_tclo_ping(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
}

static void
vmt_tclo_capreg(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	vmt_tclo_rpci(sc, "%s", VM_RPCI_CAP_STATECHANGE);
	vmt_tclo_rpci(sc, "%s", VM_RPCI_UNIFIED_LOOP);
	vmt_tclo_rpci(sc, "%s %u", VM_RPCI_SET_VERSION,
	    (unsigned)VM_VERSION_UNMANAGED);
}

static void
vmt_tclo_poweron(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	vmt_tclo_state_change(sc, true, VM_STATE_CHANGE_POWERON);
}

/*
 * Halt and reboot press the power or reset switch, as NetBSD's vmt(4)
 * does, so powerd(8) and its scripts decide how to go down.  The press
 * is queued for the sysmon thread, never made from this callout; the
 * host is told the request succeeded only once it is queued.
 */
static void
vmt_tclo_pswitch(struct vmt_softc *sc, int type, int id)
{
	int error;

	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	error = vmt_pswitch_press(sc, type);
	if (error != 0 && ratecheck(&sc->sc_parselog, &vmt_tclo_loginterval))
		log(LOG_WARNING, "%s: unable to pass on the host's %s "
		    "request (error %d)\n", device_xname(sc->sc_dev),
		    id == VM_STATE_CHANGE_HALT ? "halt" : "reboot", error);
	vmt_tclo_state_change(sc, error == 0, id);
}

static void
vmt_tclo_halt(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_pswitch(sc, PSWITCH_TYPE_POWER, VM_STATE_CHANGE_HALT);
}

static void
vmt_tclo_reboot(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_pswitch(sc, PSWITCH_TYPE_RESET, VM_STATE_CHANGE_REBOOT);
}

static void
vmt_tclo_suspend(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	/* Before the status: the VM may freeze during that exchange. */
	vmt_event(sc, VMT_EV_SUSPEND, 0);
	vmt_tclo_state_change(sc, true, VM_STATE_CHANGE_SUSPEND);
}

static void
vmt_tclo_resume(struct vmt_softc *sc, const char *args)
{
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	vmt_tclo_state_change(sc, true, VM_STATE_CHANGE_RESUME);
	vmt_event(sc, VMT_EV_RESUME, 0);
}

/* "Set_Option <name> <value>": the value is the rest of the line. */
static void
vmt_tclo_set_option(struct vmt_softc *sc, const char *args)
{
	char name[VMT_OPTION_NAMELEN];
	const char *value;
	struct vmt_option *vo;
	vmt_option_fn fn = NULL;
	void *arg = NULL;
	size_t namelen;

	vmt_tclo_set_reply(sc, VM_TCLO_UNKNOWN_OPTION);
	value = strchr(args, ' ');
	if (value == NULL || value == args || value[1] == '\0') {
		vmt_tclo_badmsg(sc, "truncated Set_Option");
		return;
	}
	namelen = (size_t)(value - args);
	value++;
	if (namelen >= sizeof(name))
		return;
	memcpy(name, args, namelen);
	name[namelen] = '\0';

	mutex_enter(&sc->sc_lock);
	if ((vo = vmt_option_lookup(sc, name)) != NULL) {
		fn = vo->vo_fn;
		arg = vo->vo_arg;
	}
	mutex_exit(&sc->sc_lock);
	if (fn != NULL && (*fn)(sc, arg, name, value) == 0)
		vmt_tclo_set_reply(sc, VM_TCLO_OK);
}

/* "Time_Synchronize <0|1>": 1 allows a backward step. */
static void
vmt_tclo_time_sync(struct vmt_softc *sc, const char *args)
{
	if ((args[0] != '0' && args[0] != '1') || args[1] != '\0') {
		vmt_tclo_set_reply(sc, VMT_TCLO_BAD_ARGS);
		vmt_tclo_badmsg(sc, "Time_Synchronize argument not 0 or 1");
		return;
	}
	vmt_tclo_set_reply(sc, VM_TCLO_OK);
	vmt_event(sc, VMT_EV_TIMESYNC, args[0] - '0');
}

/*
 * Parse the len bytes of sc_tclo_buf and run the command.
 */
static void
vmt_tclo_dispatch(struct vmt_softc *sc, size_t len)
{
	const struct vmt_tclo_cmd *tc;
	char *buf = sc->sc_tclo_buf;
	const char *args;
	size_t i, namelen;

	KASSERT(len <= VMT_RPC_MAXLEN);
	for (i = 0; i < len; i++) {
		if (buf[i] == '\0') {
			vmt_tclo_set_reply(sc, VMT_TCLO_BAD_MSG);
			vmt_tclo_badmsg(sc, "embedded NUL");
			return;
		}
		if ((unsigned char)buf[i] < ' ' ||
		    (unsigned char)buf[i] > '~') {
			vmt_tclo_set_reply(sc, VMT_TCLO_BAD_MSG);
			vmt_tclo_badmsg(sc, "control or non-ASCII character");
			return;
		}
	}
	buf[len] = '\0';

	if ((args = strchr(buf, ' ')) != NULL) {
		namelen = (size_t)(args - buf);
		args++;
	} else
		namelen = len;
	for (i = 0; i < __arraycount(vmt_tclo_cmds); i++) {
		tc = &vmt_tclo_cmds[i];
		if (strlen(tc->tc_name) == namelen &&
		    memcmp(tc->tc_name, buf, namelen) == 0)
			break;
	}
	if (i == __arraycount(vmt_tclo_cmds)) {
		vmt_tclo_set_reply(sc, VM_TCLO_UNKNOWN_CMD);
		return;
	}
	if (!tc->tc_args && args != NULL) {
		vmt_tclo_set_reply(sc, VMT_TCLO_BAD_ARGS);
		vmt_tclo_badmsg(sc, "unexpected arguments");
		return;
	}
	if (tc->tc_args && (args == NULL || args[0] == '\0')) {
		vmt_tclo_set_reply(sc, tc->tc_badargs);
		vmt_tclo_badmsg(sc, "truncated command");
		return;
	}
	(*tc->tc_fn)(sc, args);
}

/*
 * The loop.
 */

void
vmt_tclo_init(struct vmt_softc *sc)
{
	sc->sc_backoff_ms = VMT_BACKOFF_MIN_MS;
	sc->sc_tclo_started = false;
	sc->sc_tclo_replylen = 0;
}

/* Make sure the TCLO channel is open and sound; sc_lock held. */
static int
vmt_tclo_ensure_open(struct vmt_softc *sc)
{
	struct vm_rpc *rpc = &sc->sc_tclo_rpc;
	int error;

	KASSERT(mutex_owned(&sc->sc_lock));
	if (rpc->rpc_open && !rpc->rpc_broken)
		return 0;
	vmt_rpc_close(sc, rpc);
	if ((error = vmt_rpc_open(sc, rpc)) != 0)
		return error;
	if (sc->sc_tclo_started)
		sc->sc_reopens++;
	sc->sc_tclo_started = true;
	/* The old channel's pending reply means nothing on the new one. */
	sc->sc_tclo_replylen = 0;
	return 0;
}

/*
 * The loop stops while the device is detaching, suspended or shut
 * down: each run checks first, and reschedules only if it still may.
 */
void
vmt_tclo_tick(void *xsc)
{
	struct vmt_softc *sc = xsc;
	struct vm_rpc *rpc = &sc->sc_tclo_rpc;
	bool got = false, toolong = false, resumed;
	unsigned cpts;
	size_t len = 0;
	int error, delay;

	mutex_enter(&sc->sc_lock);
	if (sc->sc_dying || sc->sc_suspended) {
		mutex_exit(&sc->sc_lock);
		return;
	}
	resumed = sc->sc_resumed;
	sc->sc_resumed = false;
	error = vmt_tclo_ensure_open(sc);
	if (error == 0) {
		error = vmt_rpc_send(sc, rpc, sc->sc_tclo_reply,
		    sc->sc_tclo_replylen);
		sc->sc_tclo_replylen = 0;
	}
	if (error == 0) {
		error = vmt_rpc_recv(sc, rpc, sc->sc_tclo_buf,
		    VMT_RPC_MAXLEN, &len);
		switch (error) {
		case 0:
			got = true;
			sc->sc_tclo_commands++;
			break;
		case ENOENT:
			error = 0;
			break;
		case EMSGSIZE:
			sc->sc_tclo_commands++;
			if (!rpc->rpc_broken) {
				toolong = true;
				error = 0;
			}
			break;
		}
	}
	mutex_exit(&sc->sc_lock);

	if (got)
		vmt_tclo_dispatch(sc, len);
	else if (toolong) {
		vmt_tclo_set_reply(sc, VMT_TCLO_TOO_LONG);
		vmt_tclo_badmsg(sc, "message too long");
	}

	/* Checkpoints seen here or in any RPCI request since last time. */
	mutex_enter(&sc->sc_lock);
	cpts = sc->sc_cpt_pending;
	sc->sc_cpt_pending = 0;
	mutex_exit(&sc->sc_lock);
	if (cpts > 0)
		vmt_event(sc, VMT_EV_CHECKPOINT, (int)cpts);
	if (resumed)
		vmt_event(sc, VMT_EV_RESUME, 1);
	vmt_event(sc, VMT_EV_POLL, 0);

	if (error != 0) {
		delay = mstohz(sc->sc_backoff_ms);
		sc->sc_backoff_ms = MIN(sc->sc_backoff_ms * 2,
		    VMT_BACKOFF_MAX_MS);
	} else {
		sc->sc_backoff_ms = VMT_BACKOFF_MIN_MS;
		delay = got || toolong ? 1 : mstohz(VMT_TCLO_POLL_MS);
	}
	mutex_enter(&sc->sc_lock);
	if (!sc->sc_dying && !sc->sc_suspended)
		callout_schedule(&sc->sc_tclo_tick, delay);
	mutex_exit(&sc->sc_lock);
}
