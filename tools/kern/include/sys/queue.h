/*
 * Userland kernel environment: <sys/queue.h>.
 * The doubly linked LIST macros of BSD's queue(3), the part the kernel
 * sources use (alllwp).
 */
#ifndef _SYS_QUEUE_H_
#define _SYS_QUEUE_H_

#define LIST_HEAD(name, type)						\
	struct name {							\
		struct type *lh_first;	/* first element */		\
	}
#define LIST_HEAD_INITIALIZER(head)	{ NULL }
#define LIST_ENTRY(type)						\
	struct {							\
		struct type *le_next;	/* next element */		\
		struct type **le_prev;	/* the pointer to this one */	\
	}

#define LIST_FIRST(head)		((head)->lh_first)
#define LIST_NEXT(elm, field)		((elm)->field.le_next)
#define LIST_EMPTY(head)		(LIST_FIRST(head) == NULL)
#define LIST_INIT(head)			((head)->lh_first = NULL)

#define LIST_FOREACH(var, head, field)					\
	for ((var) = LIST_FIRST(head); (var) != NULL;			\
	    (var) = LIST_NEXT(var, field))

#define LIST_INSERT_HEAD(head, elm, field) do {				\
	if (((elm)->field.le_next = (head)->lh_first) != NULL)		\
		(head)->lh_first->field.le_prev = &(elm)->field.le_next; \
	(head)->lh_first = (elm);					\
	(elm)->field.le_prev = &(head)->lh_first;			\
} while (/* CONSTCOND */ 0)

#define LIST_REMOVE(elm, field) do {					\
	if ((elm)->field.le_next != NULL)				\
		(elm)->field.le_next->field.le_prev =			\
		    (elm)->field.le_prev;				\
	*(elm)->field.le_prev = (elm)->field.le_next;			\
} while (/* CONSTCOND */ 0)

#endif /* _SYS_QUEUE_H_ */
