// TU-wide collectors: which functions the TU defines or refers to (with their
// identity, linkage, type, handler annotation and whether their address is
// taken), and the declarations the link step needs facts about (every global;
// annotated or atomic fields).
//
// Thread-safety: one instance per TU, used by one thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_TRANSLATION_UNIT_COLLECTOR_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_TRANSLATION_UNIT_COLLECTOR_H_

#include "clang/AST/ASTContext.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/frontend/function_summary.h"

namespace prism::frontend {

// Records every function and declaration fact of the AST into `out` (functions,
// declarations).
void CollectTranslationUnit(SummaryContext& context,
                            v1::TranslationUnitSummary* out);

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_TRANSLATION_UNIT_COLLECTOR_H_
