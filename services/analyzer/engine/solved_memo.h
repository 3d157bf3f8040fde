// Solved function summaries kept between links of one program: a link after a
// small change solves only the call-graph components the change reaches, and
// takes every other component's summaries from the previous link.
//
// A component is found by a digest of everything its solve reads: the
// context (what the caller says the solve depends on besides the summaries:
// the engine's build and its library models), its members' nodes and bodies,
// and for every call in those bodies what it may run — a callee in another
// component by the digest of its solved summary, so a callee re-solved to the
// same summary leaves its callers' entries valid (link.h, Solve). An entry
// that does not decode, or whose summaries fail their stored SHA-256, is
// solved again, never used.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_SOLVED_MEMO_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_SOLVED_MEMO_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "services/analyzer/engine/link.h"

namespace prism::analyzer {

class SolvedMemo {
 public:
  // One solved component: its members' summaries (in the component's order),
  // each with the digest of its encoding, and the encoding of the whole.
  // Immutable once kept; links share it.
  struct Component {
    std::vector<std::shared_ptr<Solved>> solved;
    std::vector<std::string> digests;
    std::string bytes;
    // Fills `bytes` and `digests` from `solved`.
    void Encode(const std::vector<std::string>& usrs);
    // Fills `solved` and `digests` from `bytes`; false when they do not
    // decode or name other members than `usrs`.
    bool Decode(const std::vector<std::string>& usrs);
  };

  explicit SolvedMemo(std::string context) : context_(std::move(context)) {}

  // Takes the entries `bytes` (from Serialize of an earlier link) as what
  // the next link may reuse. False, and nothing taken, when they do not
  // decode. Components are decoded when a link first reuses them.
  bool Load(const std::string& bytes);
  // Takes what `last` (a memo of the same context, whose link is over) kept,
  // decoded summaries included: no decoding at all for what is reused.
  void ContinueFrom(const SolvedMemo& last);
  // The entries of the last link that used this memo (reused or solved): what
  // the next link may reuse.
  std::string Serialize() const;

  // Components the last link took from the memo, and those it solved.
  size_t reused() const { return reused_; }
  size_t solved() const { return solved_; }

  // For LinkedProgram::Solve; thread-safe.
  const std::string& context() const { return context_; }
  // Starts a link: what the memo holds becomes what this link may reuse.
  void BeginLink();
  // The component kept under `key`, decoded for members `usrs`, or null.
  std::shared_ptr<const Component> Find(const std::string& key,
                                        const std::vector<std::string>& usrs);
  void Keep(const std::string& key, std::shared_ptr<const Component> component,
            bool reused);

 private:
  const std::string context_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const Component>> previous_;
  std::map<std::string, std::shared_ptr<const Component>> current_;
  std::atomic<size_t> reused_{0};
  std::atomic<size_t> solved_{0};
};

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_SOLVED_MEMO_H_
