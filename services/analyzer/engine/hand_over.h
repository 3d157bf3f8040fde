// Objects handed to handler registrations (README.md, "Objects handed to
// registrations"): within one run of a function, what it does to an object
// after handing it to a registration races with the registered handler, which
// may already run on a worker thread; what it does before cannot. The tracker
// collects, for one body, the hand-overs (each at its statement, summary.proto
// StatementRange) and the effects on objects, and yields the effects that may
// run after a hand-over of the object they touch. Internal to the engine.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_HAND_OVER_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_HAND_OVER_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "prism/v1/summary.pb.h"
#include "services/analyzer/engine/effects.h"
#include "services/analyzer/engine/link.h"

namespace prism::analyzer {

// Bounds: hand-overs and effects after them one summary keeps before they are
// summarized over whole objects, and rounds of following objects held inside
// handed objects.
inline constexpr size_t kMaxHandOvers = 64;
inline constexpr size_t kMaxHandedEffects = 256;
inline constexpr int kMaxHeldRounds = 4;
// Objects one body hands over, held ones included, before every effect after
// a hand-over counts (coarse: only more conflicts).
inline constexpr size_t kMaxHeldObjects = 256;

// Whether the object may be reached by other code through `value` at all: a
// pointer to memory the function allocated or reached through a parameter
// (global memory is shared anyway, unknown memory conflicts with everything).
bool CanBeHandedOver(const Value& value);

// Whether `path` lies in (or covers part of) the memory `object` points to;
// the selectors below the object in `rest`, with `*rest_truncated` when they
// stand for everything below (a truncated path, or one covering the object).
bool InHandedObject(const Path& path, const Value& object,
                    std::vector<std::string>* rest, bool* rest_truncated);

// A callee's hand-over at a call: parameters replaced by the arguments.
std::vector<HandOver> InstantiateHandOver(
    const HandOver& handed, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument);

// A callee's effect after a hand-over, at a call, added to `out` (shared
// memory and the function's own locals need no such record).
void InstantiateHandedEffect(const HandedEffect& handed,
                             const std::vector<std::vector<Value>>& arguments,
                             const std::vector<Value>& this_argument,
                             const ViaPtr& via, Solved* out);

class HandOverTracker {
 public:
  explicit HandOverTracker(const prism::v1::Function& body);

  // Effects on memory of the function's own or through parameters (a
  // scratch summary's `fresh` and `effects`), run at statement `order` by
  // the body's access or call `item` (the call's index; -1 for accesses).
  void AddEffects(const Solved& scratch, uint32_t order, int item);
  // An object handed over at `order` by call `item`.
  void AddHandOver(HandOver handed, uint32_t order, int item);

  // Objects held inside handed objects (`stores`) are handed over with them;
  // writes into `out` the hand-overs callers must see and the effects that may
  // run after a hand-over of what they touch.
  void Finish(const std::map<std::string, Store>& stores, Solved* out);

 private:
  struct Timed {
    uint32_t order;
    int item;
  };
  bool MayRunAfter(const Timed& event, const Timed& effect) const;

  std::vector<std::pair<uint32_t, uint32_t>> loops_;
  std::vector<std::pair<Effect, Timed>> effects_;
  std::vector<std::pair<HandOver, Timed>> handed_;
  // Past kMaxHeldObjects hand-overs: whole objects, deduplicated by these.
  bool coarse_ = false;
  std::set<std::string> coarse_keys_;
};

// Bounds a summary's hand-overs and effects after them (kMaxHandOvers,
// kMaxHandedEffects): past them each object stands for its whole base.
void WidenHandOvers(Solved* solved);

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_HAND_OVER_H_
