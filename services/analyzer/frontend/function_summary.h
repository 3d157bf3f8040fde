// The per-function facts of the analyzer's front-end: for one function body,
// every access to non-local memory, every call, every pointer stored into
// memory and every pointer returned, as plain data (prism.v1.Function fields).
// See summary.proto for the conventions and function_collectors.h for who
// records what.
//
// Thread-safety: uses the TU's SummaryContext; one thread per TU.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_SUMMARY_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_SUMMARY_H_

#include "clang/AST/Decl.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/summary_context.h"

namespace prism::frontend {

// Fills accesses, calls, stores and returns of `function` (which has a body)
// into `out`.
void SummarizeFunctionBody(SummaryContext& context,
                           const clang::FunctionDecl* function,
                           v1::Function* out);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_FUNCTION_SUMMARY_H_
