// The pair phase: every pair of handlers (self pairs included) matched on
// options_.jobs threads. Each pair's results are kept apart and merged in
// pair order, so the report is the same whatever the number of threads.
#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {

thread_local Analysis::PairState* Analysis::current_pair_ = nullptr;

namespace {
// Pairs per thread below which starting threads does not pay.
constexpr size_t kPairsPerThread = 256;
}  // namespace

void Analysis::HoldPair(size_t i, size_t j, const HandlerAccesses& a,
                        const HandlerAccesses& b, PairOutput* out) {
  std::map<ConflictKey, prism::v1::Conflict> unused;
  PairState& state = pair();  // Fresh for this pair (AllPairs).
  state.plan_pass = true;
  MatchPair(i, j, a, b, &unused);
  state.plan_pass = false;
  state.held_pair.truncated =
      state.held_pair.groups.size() > kPlanGroupsPerPair;
  out->held = true;
  out->held_pair = std::move(state.held_pair);
}

void Analysis::PairConflicts(size_t i, size_t j, const HandlerAccesses& a,
                             const HandlerAccesses& b, PairOutput* out) {
  std::map<ConflictKey, prism::v1::Conflict> conflicts;
  MatchPair(i, j, a, b, &conflicts);
  std::map<std::pair<int, bool>, int>
      shown;  // (kind, removed) -> explanations kept
  for (auto& [key, conflict] : conflicts) {
    conflict.set_a(static_cast<uint32_t>(i));
    conflict.set_b(static_cast<uint32_t>(j));
    if (!conflict.removed_by_programmer()) {
      out->bits |= conflict.kind() == prism::v1::CONFLICT_KIND_GLOBAL ? 1 : 2;
    }
    // Every set bit keeps at least one explanation; beyond a few per pair and
    // kind the report would drown the reader (linked structures yield one
    // resource per path).
    int& count = shown[{conflict.kind(), conflict.removed_by_programmer()}];
    if (count >= kExplanationsPerPair) {
      ++out->omitted;
      continue;
    }
    ++count;
    out->conflicts.push_back(std::move(conflict));
  }
  if (out->bits & 1) HoldPair(i, j, a, b, out);
}

void Analysis::AllPairs(const std::vector<HandlerAccesses>& accesses,
                        AnalysisResult* result, std::string* cells) {
  const size_t n = accesses.size();
  std::vector<std::pair<size_t, size_t>> pairs;
  pairs.reserve(n * (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) pairs.emplace_back(i, j);
  }
  std::vector<PairOutput> outputs(pairs.size());
  const size_t threads = std::clamp<size_t>(
      std::min<size_t>(static_cast<size_t>(std::max(options_.jobs, 1)),
                       pairs.size() / kPairsPerThread),
      1, 64);
  std::vector<NamedGroups> groups(threads);
  std::atomic<size_t> next{0};
  auto work = [&](size_t thread) {
    PairState state;
    current_pair_ = &state;
    for (size_t k;
         (k = next.fetch_add(1, std::memory_order_relaxed)) < pairs.size();) {
      const auto [i, j] = pairs[k];
      state = PairState();
      state.index = k;
      state.groups = &groups[thread];
      PairConflicts(i, j, accesses[i], accesses[j], &outputs[k]);
    }
    current_pair_ = nullptr;
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (std::thread& thread : pool) thread.join();
  // Of one name, the group of the earliest pair that named it (as one
  // thread taking every pair in order would keep).
  std::map<std::string, std::pair<size_t, RemovalGroup*>> earliest;
  for (NamedGroups& named : groups) {
    for (auto& [name, entry] : named) {
      auto [it, inserted] =
          earliest.try_emplace(name, entry.first, &entry.second);
      if (!inserted && entry.first < it->second.first) {
        it->second = {entry.first, &entry.second};
      }
    }
  }
  for (auto& [name, entry] : earliest)
    removal_groups_.try_emplace(name, std::move(*entry.second));
  for (size_t k = 0; k < pairs.size(); ++k) {
    const auto [i, j] = pairs[k];
    PairOutput& out = outputs[k];
    (*cells)[i * n + j] |= out.bits;
    (*cells)[j * n + i] |= out.bits;
    for (prism::v1::Conflict& conflict : out.conflicts)
      *result->add_conflicts() = std::move(conflict);
    omitted_ += out.omitted;
    if (out.held) {
      held_pairs_[{static_cast<uint32_t>(i), static_cast<uint32_t>(j)}] =
          std::move(out.held_pair);
    }
    out = PairOutput();  // Frees as it goes.
  }
}

}  // namespace prism::analyzer
