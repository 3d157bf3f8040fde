// Solving the whole program bottom-up: the call graph's strongly connected
// components (Tarjan), each iterated to a fixpoint under the bounds of link.h,
// the worst case for components too large or too slow to converge.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/common/within.h"
#include "services/analyzer/engine/hand_over.h"
#include "services/analyzer/engine/link.h"
#include "services/analyzer/engine/solved_memo.h"
#include "services/analyzer/engine/summary_builder.h"
#include "services/analyzer/service/sha256.h"

namespace prism::analyzer {

using prism::v1::Function;

namespace {

template <typename Map>
bool SameKeys(const Map& a, const Map& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first) return false;
  }
  return true;
}

}  // namespace

void LinkedProgram::AssumeWorst(const FunctionNode& function, Solved* out) {
  const ViaPtr via = MakeVia(function.name, nullptr);
  AddEffect(out, UnknownPath(), true, false, function.location, via);
  for (int i = kThisParameter; i < static_cast<int>(function.parameter_count);
       ++i) {
    Path pointee;
    pointee.base = BaseKind::kParameter;
    pointee.index = i;
    pointee.name = i == kThisParameter ? "this" : absl::StrCat("param", i);
    pointee.selectors = {"*"};
    pointee.truncated = true;  // Everything reachable from the parameter.
    AddEffect(out, pointee, true, false, function.location, via);
    Value pointer;
    pointer.kind = Value::Kind::kLoadedFrom;
    pointer.path = pointee;
    pointer.path.selectors.clear();
    pointer.path.truncated = false;  // The pointer itself, exactly.
    AddStore(out, UnknownPath(), pointer, function.location, via);
    AddStore(out, pointee, UnknownValue(), function.location, via);
    // It may hand its parameters to any handler's registration and go on
    // using them.
    HandOver handed{pointer, pointer, false, Path(), UnknownValue(), -1};
    out->handed_over.try_emplace(handed.Key(), handed);
    HandedEffect after{
        Effect{pointee, true, false, false, false, function.location, via, {}},
        pointer, UnknownValue(), -1};
    out->after_handover.try_emplace(after.Key(), after);
  }
  AddReturn(out, UnknownValue());
}

std::string LinkedProgram::ComponentKey(
    const std::vector<std::string>& component,
    const std::set<std::string>& members) const {
  // Length-prefixed, so no two different inputs give the same material.
  std::string material;
  auto add = [&material](const std::string& part) {
    absl::StrAppend(&material, part.size(), ":", part, ";");
  };
  add("solved-component/1");
  add(memo_->context());
  // Whole-program facts a solve reads.
  add(streams_hold_library_memory_only_ ? "streams: library memory"
                                        : "streams: any memory");
  for (const std::string& usr : component) {
    const FunctionNode& node = functions_.at(usr);
    add(node.usr);
    add(node.name);
    add(node.location.SerializeAsString());
    add(absl::StrCat(node.internal_linkage, node.annotated_handler,
                     node.address_taken, node.address_cast, " ",
                     node.parameter_count));
    add(node.type);
    for (const Function* body : node.bodies) {
      add(body->SerializeAsString());
      // What each call may run, as the solve sees it: a callee in another
      // component by its solved summary's digest.
      for (const prism::v1::Call& call : body->calls()) {
        for (const CallTarget& target : TargetsOf(call)) {
          std::string what;
          if (target.function != nullptr) {
            what = members.count(target.function->usr)
                       ? absl::StrCat("member ", target.function->usr)
                       : absl::StrCat("callee ", target.function->usr, " ",
                                      target.function->name, " ",
                                      target.function->parameter_count, " ",
                                      solved_digests_.at(target.function->usr));
          } else if (target.model != nullptr) {
            what = absl::StrCat("model ", target.model->name);
          } else {
            what = absl::StrCat("unknown ", target.unknown_name);
          }
          add(absl::StrCat(what, target.called_back ? " called back" : ""));
        }
        add("end of call");
      }
    }
  }
  return service::Sha256Hex(material);
}

bool LinkedProgram::ReuseComponent(const std::vector<std::string>& component,
                                   const std::string& key) {
  std::shared_ptr<const SolvedMemo::Component> kept =
      memo_->Find(key, component);
  if (kept == nullptr) return false;
  for (size_t i = 0; i < component.size(); ++i) {
    solved_.at(component[i]) = kept->solved[i];
    solved_digests_.at(component[i]) = kept->digests[i];
  }
  memo_->Keep(key, std::move(kept), /*reused=*/true);
  return true;
}

void LinkedProgram::KeepComponent(const std::vector<std::string>& component,
                                  const std::string& key) {
  auto kept = std::make_shared<SolvedMemo::Component>();
  for (const std::string& usr : component) {
    kept->solved.push_back(solved_.at(usr));
  }
  kept->Encode(component);
  for (size_t i = 0; i < component.size(); ++i) {
    solved_digests_.at(component[i]) = kept->digests[i];
  }
  memo_->Keep(key, std::move(kept), /*reused=*/false);
}

void LinkedProgram::Solve(int threads, SolvedMemo* memo) {
  memo_ = memo;
  if (memo_ != nullptr) memo_->BeginLink();
  // Call graph over functions with bodies.
  std::map<std::string, std::vector<std::string>>& edges = call_edges_;
  for (const auto& [usr, node] : functions_) {
    if (node.bodies.empty()) continue;
    std::set<std::string> callees;
    for (const Function* body : node.bodies) {
      for (const prism::v1::Call& call : body->calls()) {
        for (const CallTarget& target : TargetsOf(call)) {
          if (target.function != nullptr) callees.insert(target.function->usr);
        }
      }
    }
    edges[usr].assign(callees.begin(), callees.end());
  }
  // Tarjan's SCCs, iteratively; components come out callees first.
  std::map<std::string, int> index, lowlink;
  std::set<std::string> on_stack;
  std::vector<std::string> stack;
  std::vector<std::vector<std::string>> components;
  int next_index = 0;
  struct Frame {
    const std::string* usr;
    size_t next_edge;
  };
  for (const auto& [root, unused] : edges) {
    if (index.count(root)) continue;
    std::vector<Frame> frames = {{&root, 0}};
    index[root] = lowlink[root] = next_index++;
    stack.push_back(root);
    on_stack.insert(root);
    while (!frames.empty()) {
      Frame& frame = frames.back();
      const std::string& usr = *frame.usr;
      const std::vector<std::string>& out = edges[usr];
      if (frame.next_edge < out.size()) {
        const std::string& callee = out[frame.next_edge++];
        if (!index.count(callee)) {
          index[callee] = lowlink[callee] = next_index++;
          stack.push_back(callee);
          on_stack.insert(callee);
          frames.push_back({&edges.find(callee)->first, 0});
        } else if (on_stack.count(callee)) {
          lowlink[usr] = std::min(lowlink[usr], index[callee]);
        }
        continue;
      }
      if (lowlink[usr] == index[usr]) {
        std::vector<std::string> component;
        std::string member;
        do {
          member = stack.back();
          stack.pop_back();
          on_stack.erase(member);
          component.push_back(member);
        } while (member != usr);
        // In an order of their own, so that what the fixpoint does (its
        // widening, its budget) depends on the component alone, not on where
        // the search entered it: a component solved again after a change
        // elsewhere comes out as the memo kept it.
        std::sort(component.begin(), component.end());
        components.push_back(std::move(component));
      }
      const std::string finished = usr;
      frames.pop_back();
      if (!frames.empty()) {
        const std::string& parent = *frames.back().usr;
        lowlink[parent] = std::min(lowlink[parent], lowlink[finished]);
      }
    }
  }
  if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr) {
    size_t largest = 0;
    for (const auto& component : components) {
      largest = std::max(largest, component.size());
    }
    std::fprintf(stderr,
                 "engine: %zu functions with bodies, %zu SCCs, largest %zu\n",
                 edges.size(), components.size(), largest);
  }
  // Callers within the same component, to re-solve only what a change reaches.
  std::map<std::string, std::vector<std::string>> callers;
  for (const auto& [usr, callees] : edges) {
    for (const std::string& callee : callees) callers[callee].push_back(usr);
  }
  std::atomic<size_t> solves{0};
  // Every entry exists before any thread writes one: the map's shape never
  // changes while components are solved.
  for (const auto& [usr, callees] : edges) {
    solved_.try_emplace(usr, std::make_shared<Solved>());
    if (memo_ != nullptr) solved_digests_.try_emplace(usr);
  }
  if (threads <= 1 || components.size() < 2) {
    for (const std::vector<std::string>& component : components) {
      SolveComponent(component, callers, &solves);
    }
  } else {
    SolveInDependencyOrder(components, callers, threads, &solves);
  }
  for (const auto& [usr, solved] : solved_) {
    unknown_functions_.insert(solved->unknown_callees.begin(),
                              solved->unknown_callees.end());
  }
  CollectGlobalPointees();
  if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr) {
    std::fprintf(stderr, "engine: %zu function solves\n", solves.load());
  }
}

void LinkedProgram::SolveInDependencyOrder(
    const std::vector<std::vector<std::string>>& components,
    const std::map<std::string, std::vector<std::string>>& callers, int threads,
    std::atomic<size_t>* solves) {
  // A component is ready once every component it calls into is solved.
  std::map<std::string, size_t> component_of;
  for (size_t k = 0; k < components.size(); ++k) {
    for (const std::string& usr : components[k]) component_of[usr] = k;
  }
  std::vector<std::vector<size_t>> dependents(components.size());
  std::vector<size_t> waiting(components.size(), 0);
  for (size_t k = 0; k < components.size(); ++k) {
    std::set<size_t> callees;
    for (const std::string& usr : components[k]) {
      for (const std::string& callee : call_edges_.at(usr)) {
        auto c = component_of.find(callee);
        if (c != component_of.end() && c->second != k) {
          callees.insert(c->second);
        }
      }
    }
    waiting[k] = callees.size();
    for (size_t c : callees) dependents[c].push_back(k);
  }
  // Ready components start longest chain first: a component's own estimated
  // work plus the longest chain of callers waiting on it, so a slow component
  // that much of the program calls (a recursive group of UI code) starts as
  // soon as it can while the other threads take what does not wait on it.
  // The order changes only when each component is solved, never what:
  // every component is solved against its callees' final summaries.
  std::vector<double> chain(components.size(), 0);
  for (size_t k = components.size(); k-- > 0;) {
    double estimate = 0;
    for (const std::string& usr : components[k]) {
      for (const Function* body : functions_.at(usr).bodies) {
        estimate += 1 + body->accesses_size() + body->calls_size() +
                    body->stores_size();
      }
    }
    // Members of a recursive group are solved again as their summaries grow.
    estimate *= static_cast<double>(components[k].size());
    double longest_caller = 0;
    for (size_t d : dependents[k])
      longest_caller = std::max(longest_caller, chain[d]);
    chain[k] = estimate + longest_caller;
  }
  auto later = [&chain](size_t a, size_t b) {
    return chain[a] != chain[b] ? chain[a] < chain[b] : a > b;
  };
  std::mutex mu;
  std::condition_variable wake;
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> ready(
      later);
  for (size_t k = 0; k < components.size(); ++k) {
    if (waiting[k] == 0) ready.push(k);
  }
  size_t finished = 0;
  auto work = [&] {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      wake.wait(lock, [&] {
        return !ready.empty() || finished == components.size();
      });
      if (ready.empty()) return;
      const size_t k = ready.top();
      ready.pop();
      lock.unlock();
      SolveComponent(components[k], callers, solves);
      lock.lock();
      ++finished;
      for (size_t d : dependents[k]) {
        if (--waiting[d] == 0) ready.push(d);
      }
      wake.notify_all();
    }
  };
  std::vector<std::thread> pool;
  const int count = std::min<int>(threads, static_cast<int>(components.size()));
  for (int t = 1; t < count; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
}

void LinkedProgram::SolveComponent(
    const std::vector<std::string>& component,
    const std::map<std::string, std::vector<std::string>>& callers,
    std::atomic<size_t>* solves_counter) {
  std::atomic<size_t>& solves = *solves_counter;
  const std::set<std::string> members(component.begin(), component.end());
  std::string key;
  if (memo_ != nullptr) {
    key = ComponentKey(component, members);
    if (ReuseComponent(component, key)) return;
  }
  SolveComponentFixpoint(component, members, callers, &solves);
  if (memo_ != nullptr) KeepComponent(component, key);
}

void LinkedProgram::SolveComponentFixpoint(
    const std::vector<std::string>& component,
    const std::set<std::string>& members,
    const std::map<std::string, std::vector<std::string>>& callers,
    std::atomic<size_t>* solves_counter) {
  std::atomic<size_t>& solves = *solves_counter;
  // Worklist to a fixpoint. Summaries only grow (up to widening) and
  // selector chains are bounded (kMaxSelectors), so it ends; a bound on the
  // work keeps pathological components finite, assuming the worst there.
  if (component.size() > kMaxFixpointComponent) {
    // A huge recursive component (an event loop that dispatches through
    // function pointers to most of the program): one pass for the
    // explanations it can give, then the worst case for every member, which
    // covers whatever a fixpoint would have found.
    for (const std::string& usr : component) {
      Solved next;
      SolveFunction(functions_.at(usr), &next);
      ++solves;
      *solved_.at(usr) = std::move(next);
    }
    for (const std::string& usr : component) {
      const FunctionNode& node = functions_.at(usr);
      AssumeWorst(node, solved_.at(usr).get());
    }
    return;
  }
  std::vector<std::string> worklist(component.rbegin(), component.rend());
  std::set<std::string> queued(component.begin(), component.end());
  size_t budget = component.size() * static_cast<size_t>(kMaxRounds);
  while (!worklist.empty()) {
    if (budget-- == 0) {
      for (const std::string& usr : component) {
        AssumeWorst(functions_.at(usr), solved_.at(usr).get());
      }
      break;
    }
    const std::string usr = worklist.back();
    worklist.pop_back();
    queued.erase(usr);
    Solved& current = *solved_.at(usr);
    Solved next;
    next.widened_bases = current.widened_bases;
    next.widened_stores = current.widened_stores;
    next.widened_returns = current.widened_returns;
    next.widened_handed = current.widened_handed;
    SolveFunction(functions_.at(usr), &next);
    const size_t solved_so_far = ++solves;
    if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr &&
        solved_so_far % 2000 == 0) {
      std::fprintf(stderr,
                   "engine: solve %zu: %s effects %zu shared %zu stores %zu "
                   "returns %zu queue %zu\n",
                   solved_so_far, functions_.at(usr).name.c_str(),
                   next.effects.size(), next.shared.size(), next.stores.size(),
                   next.returns.size(), worklist.size());
    }
    const bool changed = !SameKeys(next.effects, current.effects) ||
                         !SameKeys(next.returns, current.returns) ||
                         !SameKeys(next.stores, current.stores) ||
                         !SameKeys(next.handed_over, current.handed_over) ||
                         !SameKeys(next.after_handover, current.after_handover);
    current = std::move(next);
    if (!changed) continue;
    auto found = callers.find(usr);
    if (found == callers.end()) continue;
    for (const std::string& caller : found->second) {
      if (members.count(caller) && queued.insert(caller).second) {
        worklist.push_back(caller);
      }
    }
  }
}

}  // namespace prism::analyzer
