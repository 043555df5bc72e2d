# The simulated VMware host (userland, in libsim.a) and the harness's
# attach glue for vmt(4) (kernel side, with the kernel sources).
USRCS +=	tools/vmthost/vmthost.c tools/vmthost/vmthost_kenv.c
KSRCS +=	tools/vmthost/vmt_kenv.c
