/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mapdrv tracepoints: tracefs events/mapdrv/{mapdrv_mmap,mapdrv_fault,
 * mapdrv_vma_open,mapdrv_vma_close}.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mapdrv

#if !defined(MAPDRV_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define MAPDRV_TRACE_H

#include <linux/mm.h>
#include <linux/tracepoint.h>

/*
 * A VMA mapping the buffer came (mapdrv_mmap: the first of a mapping;
 * mapdrv_vma_open: fork, split, mremap) or went (mapdrv_vma_close), and
 * how many are live after. The flags are 0 where the hook does not see them
 * (vm_ops->mapped, on the ->mmap_prepare path).
 */
DECLARE_EVENT_CLASS(mapdrv_vma_class,
		    TP_PROTO(unsigned long start, unsigned long end,
			     unsigned long pgoff, unsigned long flags, int live),
		    TP_ARGS(start, end, pgoff, flags, live),
		    TP_STRUCT__entry(__field(unsigned long, start)
				     __field(unsigned long, end)
				     __field(unsigned long, pgoff)
				     __field(unsigned long, flags)
				     __field(int, live)),
		    TP_fast_assign(__entry->start = start;
				   __entry->end = end;
				   __entry->pgoff = pgoff;
				   __entry->flags = flags;
				   __entry->live = live;),
		    TP_printk("start=0x%lx end=0x%lx pgoff=%lu flags=0x%lx live_vmas=%d",
			      __entry->start, __entry->end, __entry->pgoff,
			      __entry->flags, __entry->live)
);

#define MAPDRV_DEFINE_VMA_EVENT(name)					\
	DEFINE_EVENT(mapdrv_vma_class, name,				\
		     TP_PROTO(unsigned long start, unsigned long end,	\
			      unsigned long pgoff, unsigned long flags,	\
			      int live),				\
		     TP_ARGS(start, end, pgoff, flags, live))

MAPDRV_DEFINE_VMA_EVENT(mapdrv_mmap);
MAPDRV_DEFINE_VMA_EVENT(mapdrv_vma_open);
MAPDRV_DEFINE_VMA_EVENT(mapdrv_vma_close);

TRACE_EVENT(mapdrv_fault,
	    TP_PROTO(unsigned long address, unsigned long pgoff,
		     unsigned long pfn, unsigned int result),
	    TP_ARGS(address, pgoff, pfn, result),
	    TP_STRUCT__entry(__field(unsigned long, address)
			     __field(unsigned long, pgoff)
			     __field(unsigned long, pfn)
			     __field(unsigned int, result)),
	    TP_fast_assign(__entry->address = address;
			   __entry->pgoff = pgoff;
			   __entry->pfn = pfn;
			   __entry->result = result;),
	    TP_printk("address=0x%lx pgoff=%lu pfn=0x%lx result=0x%x",
		      __entry->address, __entry->pgoff, __entry->pfn,
		      __entry->result)
);

#endif /* MAPDRV_TRACE_H */

/* These stay outside the guard: trace/define_trace.h re-reads this file. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mapdrv_trace
#include <trace/define_trace.h>
