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
 * VMware backdoor protocol constants.  Facts only: every value here is
 * fixed by the hypervisor, none is a tunable.
 */

#ifndef _DEV_VMT_VMTREG_H_
#define _DEV_VMT_VMTREG_H_

/* Backdoor access. */
#define VM_MAGIC		0x564D5868U	/* "VMXh" in EAX,
						 * echoed on success */
#define VM_PORT_CMD		0x5658		/* low-bandwidth port:
						 * inl %dx */
#define VM_PORT_RPC		0x5659		/* high-bandwidth port:
						 * rep outsb/insb */
#define VM_BACKDOOR_FAIL	0xFFFFFFFFU	/* EAX of
						 * an unsupported command */

/* Backdoor commands, in CX[15:0]. */
#define VM_CMD_GET_VERSION	10	/* EBX = magic if present,
					 * ECX = VMX type */
#define VM_CMD_GET_GUI_OPTIONS	13	/* EAX = VM_GUI_* bitmask */
#define VM_CMD_GET_TIME		23	/* EAX = seconds (32-bit), deprecated */
#define VM_CMD_STOP_CATCHUP	24	/* drop queued timer interrupts */
#define VM_CMD_RPC		30	/* message channel,
					 * subcommand in CX[31:16] */
#define VM_CMD_GET_HZ		45	/* EBX:EAX = TSC Hz, ECX = bus Hz */
#define VM_CMD_GET_TIME_FULL	46	/* ESI:EDX s, EBX us,
					 * ECX maxTimeLag us */
#define VM_CMD_GET_TIME_FULL_LAG 55	/* as above, EDI = interrupt lag us */
#define VM_CMD_GET_VCPU_INFO	68	/* EAX = vCPU feature bits */
#define VM_CMD_PRECISIONCLOCK	97	/* precision clock, subcommand in
					 * CX[31:16]; see below */

/*
 * PRECISIONCLOCK subcommands, in CX[31:16].  GETTIME takes EBX = 0 and
 * EDX[31:16] = 0; it answers EAX = VM_PCLK_OK and the host's realtime
 * in nanoseconds since the Epoch as EBX (high 32 bits) : ECX (low 32).
 * Any other EAX is a failure.  ESXi 7.0 and later answer it when the
 * VM has the "precision clock" device (ACPI VMW0005).
 */
#define VM_PCLK_GETTIME		0
#define VM_PCLK_OK		0

/* GETGUIOPTIONS bits. */
#define VM_GUI_SYNC_TIME	0x0400	/* "synchronize guest time with host" */

/* GET_VCPU_INFO bits, in EAX (NetBSD's x86 lapic.c reads them). */
#define VCPUINFO_LEGACY_X2APIC	0x00000008U	/* x2APIC without IR is fine */
#define VCPUINFO_VCPU_RESERVED	0x80000000U	/* the answer means nothing */

/* Message subcommands, in CX[31:16] of VM_CMD_RPC. */
#define VM_RPC_OPEN		0	/* EBX = protocol |
					 * VM_RPC_FLAG_COOKIE */
#define VM_RPC_SET_LENGTH	1	/* EBX = length of the
					 * message to send */
#define VM_RPC_SET_DATA		2	/* EBX = next 4 bytes of the message */
#define VM_RPC_GET_LENGTH	3	/* EBX = length of the pending reply */
#define VM_RPC_GET_DATA		4	/* EBX = next 4 bytes of the reply */
#define VM_RPC_GET_END		5	/* acknowledge the reply
					 * (status step) */
#define VM_RPC_CLOSE		6	/* release the channel */

/* Protocols for VM_RPC_OPEN. */
#define VM_RPC_OPEN_RPCI	0x49435052U	/* "RPCI": guest to host */
#define VM_RPC_OPEN_TCLO	0x4F4C4354U	/* "TCLO": host to guest */
#define VM_RPC_FLAG_COOKIE	0x80000000U	/* channel is
						 * cookie-protected */

/*
 * Message status, in the high half of ECX (low-bandwidth) or of EBX
 * (after a high-bandwidth transfer).
 */
#define VM_RPC_REPLY_SUCCESS	0x0001	/* the step was performed */
#define VM_RPC_REPLY_DORECV	0x0002	/* a reply is pending for the guest */
#define VM_RPC_REPLY_CLOSED	0x0004	/* the channel is closed */
#define VM_RPC_REPLY_UNSENT	0x0008	/* the host dropped the message */
#define VM_RPC_REPLY_CPT	0x0010	/* a checkpoint happened: redo */
#define VM_RPC_REPLY_POWEROFF	0x0020	/* the VM is powering off */
#define VM_RPC_REPLY_TIMEOUT	0x0040	/* the host timed out the step */
#define VM_RPC_REPLY_HB		0x0080	/* payload may use the HB port */

/* EBX for a high-bandwidth transfer: "enhanced" SUCCESS << 16. */
#define VM_RPC_ENH_DATA		(VM_RPC_REPLY_SUCCESS << 16)

/* tools.os.statechange.status ids. */
#define VM_STATE_CHANGE_HALT	1
#define VM_STATE_CHANGE_REBOOT	2
#define VM_STATE_CHANGE_POWERON	3
#define VM_STATE_CHANGE_RESUME	4
#define VM_STATE_CHANGE_SUSPEND	5

/* Reply prefixes. */
#define VM_RPC_RESET_REPLY	"OK ATR toolbox"	/* answer to "reset" */
#define VM_RPCI_OK		"1 "			/* RPCI success */
#define VM_RPCI_FAIL		"0 "			/* RPCI failure */
#define VM_TCLO_OK		"OK "			/* TCLO success */
#define VM_TCLO_ERROR		"ERROR "		/* TCLO failure */
#define VM_TCLO_UNKNOWN_CMD	"ERROR Unknown command"	/* no such command */
/* Set_Option */
#define VM_TCLO_UNKNOWN_OPTION	"ERROR Unknown or invalid option"

/* TCLO commands, host to guest. */
#define VM_TCLO_RESET		"reset"			/* host (re)connected */
#define VM_TCLO_PING		"ping"			/* liveness check */
#define VM_TCLO_CAPREG		"Capabilities_Register"	/* announce caps */
#define VM_TCLO_POWERON		"OS_PowerOn"		/* VM powered on */
#define VM_TCLO_HALT		"OS_Halt"		/* shut the
							 * guest down */
#define VM_TCLO_REBOOT		"OS_Reboot"		/* reboot the guest */
#define VM_TCLO_SUSPEND		"OS_Suspend"		/* VM about
							 * to suspend */
#define VM_TCLO_RESUME		"OS_Resume"		/* VM resumed */
#define VM_TCLO_SET_OPTION	"Set_Option"		/* <name> <value> */
#define VM_TCLO_TIME_SYNC	"Time_Synchronize"	/* <0|1>: sync now */

/* RPCI requests, guest to host. */
#define VM_RPCI_CAP_STATECHANGE	"tools.capability.statechange "	/* OS_* ok */
/* one loop */
#define VM_RPCI_UNIFIED_LOOP	"vmx.capability.unified_loop toolbox"
#define VM_RPCI_SET_VERSION	"tools.set.version"	/* <version> */
#define VM_RPCI_STATECHANGE	"tools.os.statechange.status" /* <ok> <id> */
#define VM_RPCI_SET_OPTION	"vmx.set_option"	/* <name> <old> <new> */

/*
 * tools.set.version value of tools not managed by VMware (built from
 * open-vm-tools or, here, by the OS): the host never offers upgrades.
 */
#define VM_VERSION_UNMANAGED	0x7fffffff

#endif /* _DEV_VMT_VMTREG_H_ */
