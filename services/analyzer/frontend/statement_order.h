// Statement order of one function body (summary.proto, StatementRange): a
// number per full statement in source order, shared by everything inside one
// full expression, and the ranges of numbers that may run repeatedly (loops,
// backward gotos, the whole body when control may return unseen). The link
// step uses it to tell what may run after a call: an object handed to a
// registration and touched afterwards races with the registered handler.
//
// FunctionSummarizer (function_summary.cc) calls Enter/Leave around every node
// of its walk; collectors ask Of() for the nodes they record.
//
// Thread-safety: one instance per function, used by one thread.
#ifndef PRISM_SERVICES_ANALYZER_FRONTEND_STATEMENT_ORDER_H_
#define PRISM_SERVICES_ANALYZER_FRONTEND_STATEMENT_ORDER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "clang/AST/Stmt.h"
#include "prism/v1/summary.pb.h"

namespace prism::frontend {

class StatementOrder {
 public:
  // Around each node of the walk, in pre-order.
  void Enter(const clang::Stmt* stmt);
  void Leave(const clang::Stmt* stmt);

  // The number of the full statement `stmt` belongs to; 0 ("anywhere") for
  // nodes the walk did not see (implicit code).
  uint32_t Of(const clang::Stmt* stmt) const;

  void EmitLoops(v1::Function* out) const;

 private:
  uint32_t next_ = 0;
  uint32_t current_ = 0;
  int expression_depth_ = 0;       // Expressions enclosing the node.
  int statement_expressions_ = 0;  // GNU ({ ... }) enclosing the node.
  bool whole_body_repeats_ = false;
  absl::flat_hash_map<const clang::Stmt*, uint32_t> numbers_;
  absl::flat_hash_map<const clang::Stmt*, uint32_t> loop_starts_;
  absl::flat_hash_map<const clang::LabelDecl*, uint32_t> labels_;
  std::vector<std::pair<uint32_t, uint32_t>> loops_;
  // The number `current_` had when each enclosing node was entered, so that
  // leaving an expression returns to its statement's number.
  std::vector<uint32_t> saved_;
};

}  // namespace prism::frontend

#endif  // PRISM_SERVICES_ANALYZER_FRONTEND_STATEMENT_ORDER_H_
