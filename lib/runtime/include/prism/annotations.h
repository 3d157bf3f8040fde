/* Prism source annotations: what a server author writes next to declarations to talk to the
 * analyzer. They expand to Clang `annotate` attributes (and to nothing for other compilers), so
 * they never change the compiled program.
 *
 *   PRISM_HANDLER                  on a function: it is an event handler of a loop the analyzer
 *                                  does not know (not libevent). Analyzed like any handler.
 *   PRISM_NO_CONFLICT("reason")    on a global, static, class static or struct field: the
 *                                  programmer declares accesses to it safe to run concurrently
 *                                  (per-thread, atomic, or protected by a lock). Conflicts on it
 *                                  are removed and every report shows them as
 *                                  "removed by the programmer: <reason>".
 *
 * The analyzer reads the attribute text: "prism_handler" and "prism_no_conflict:<reason>".
 */
#ifndef PRISM_ANNOTATIONS_H_
#define PRISM_ANNOTATIONS_H_

#if defined(__clang__)
#define PRISM_HANDLER __attribute__((annotate("prism_handler")))
#define PRISM_NO_CONFLICT(reason) __attribute__((annotate("prism_no_conflict:" reason)))
#else
#define PRISM_HANDLER
#define PRISM_NO_CONFLICT(reason)
#endif

#endif /* PRISM_ANNOTATIONS_H_ */
