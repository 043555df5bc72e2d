/*
 * The NetBSD tier: strvis(3), the two vis(3) functions config(1) uses
 * (to embed the configuration text in a kernel and to extract it), for hosts that are
 * not NetBSD.
 */
#ifndef _TIER_VIS_H_
#define _TIER_VIS_H_

#define VIS_TAB		0x0008	/* also encode tab */

int	strvis(char *, const char *, int);
int	strunvis(char *, const char *);

#endif /* _TIER_VIS_H_ */
