/*
 * libFuzzer target: each input is one host-to-guest TCLO command.
 *
 * The environment boots once: a simulated host and vmt0, with a
 * Set_Option handler registered so the registry path runs too.  Each
 * input is queued on the host and virtual time runs until the guest
 * has answered it (or given the channel up and been greeted again).
 * Inputs of odd length travel over the low-bandwidth path, even ones
 * over high-bandwidth, so both receive paths see every shape.
 *
 * Invariants checked: every reply the guest sends is "OK ..." or
 * "ERROR ..."; the loop never stops answering.  The sanitizers catch
 * the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dev/vmt/vmtvar.h>

#include "kenv.h"
#include "vmthost/vmthost.h"
#include "vmthost/vmt_kenv.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct vmthost *host;

static int
fuzz_option(struct vmt_softc *sc, void *arg, const char *name,
    const char *value)
{
	/* Look at every byte, as a real handler would. */
	return strlen(name) + strlen(value) > 0 && value[0] == '1' ? 0 : 22;
}

static void
fuzz_check_replies(void)
{
	const char *r;
	size_t i, n;

	n = vmthost_tclo_replies(host, NULL);
	for (i = 0; i < n; i++) {
		r = vmthost_tclo_reply_at(host, i);
		if (strncmp(r, "OK ", 3) != 0 && strncmp(r, "ERROR ", 6) != 0) {
			fprintf(stderr, "fuzz_tclo: bad reply \"%s\"\n", r);
			abort();
		}
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vmt_softc *sc;
	int i;

	kenv_boot(100);
	kenv_counter_create("tsc", 2000000000, 32, 1000, 0.0);
	host = vmthost_create(NULL);
	if ((sc = vmt_kenv_attach(0)) == NULL)
		abort();
	if (vmt_option_register(sc, "synctime", fuzz_option, NULL) != 0)
		abort();
	for (i = 0; i < 200 && vmthost_tclo_replies(host, "reset") == 0; i++)
		kenv_run_for(10000000);
	if (vmthost_tclo_replies(host, "reset") == 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int i;

	vmthost_clear_records(host);
	vmthost_set_hb(host, size % 2 == 0);
	vmthost_tclo_push_bytes(host, data, size);
	/* Until answered: at most a reopen's backoff and its "reset". */
	for (i = 0; i < 4000; i++) {
		if (vmthost_tclo_pending(host) == 0 &&
		    vmthost_tclo_replies(host, NULL) > 0)
			break;
		kenv_run_for(10000000);
	}
	if (i == 4000) {
		fprintf(stderr, "fuzz_tclo: the guest stopped answering\n");
		abort();
	}
	fuzz_check_replies();
	return 0;
}
