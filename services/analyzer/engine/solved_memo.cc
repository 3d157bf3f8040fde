// SolvedMemo (solved_memo.h): the entries, and Solved to and from
// prism.engine.SolvedFunction.
#include "services/analyzer/engine/solved_memo.h"

#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "prism/engine/solved_memo.pb.h"
#include "services/analyzer/engine/summary_builder.h"
#include "services/analyzer/service/sha256.h"

namespace prism::analyzer {
namespace {

using prism::engine::SolvedComponent;
using prism::engine::SolvedEffect;
using prism::engine::SolvedFunction;
using prism::engine::SolvedMemoEntries;
using prism::engine::SolvedPath;
using prism::engine::SolvedValue;

// The key an entry was filed under when its fields make it: such entries
// need not carry their key.
std::string EffectKey(const Effect& effect) {
  return analyzer::EffectKey(effect.path, effect.write, effect.bytes_only,
                             effect.dereferences_below);
}

std::string StoreKey(const Store& store) {
  return analyzer::StoreKey(store.target, store.value);
}

// Writes one function's summary with its own tables of strings and call
// chains, so its bytes depend on the summary alone (they are its digest).
class Encoder {
 public:
  explicit Encoder(SolvedFunction* out) : out_(out) {}

  uint32_t String(const std::string& text) {
    auto [it, inserted] = strings_.try_emplace(text, out_->strings_size());
    if (inserted) out_->add_strings(text);
    return it->second;
  }

  void Path(const analyzer::Path& path, SolvedPath* out) {
    out->set_base(static_cast<int>(path.base));
    out->set_key(String(path.key));
    out->set_index(path.index);
    out->set_name(String(path.name));
    for (const std::string& selector : path.selectors) {
      out->add_selectors(String(selector));
    }
    out->set_truncated(path.truncated);
    out->set_absorbed_dereference(path.absorbed_dereference);
  }

  void Value(const analyzer::Value& value, SolvedValue* out) {
    out->set_kind(static_cast<int>(value.kind));
    Path(value.path, out->mutable_path());
    out->set_function_usr(String(value.function_usr));
    for (const std::string& place : value.within) {
      out->add_within(String(place));
    }
  }

  void Location(const prism::v1::SourceLocation& location,
                prism::engine::SolvedLocation* out) {
    out->set_file(String(location.file()));
    out->set_line(location.line());
    out->set_column(location.column());
  }

  // 1-based index of the chain's first link, 0 for none.
  uint32_t Via(const ViaPtr& via) {
    if (via == nullptr) return 0;
    auto it = vias_.find(via.get());
    if (it != vias_.end()) return it->second;
    const uint32_t next = Via(via->next);
    prism::engine::SolvedVia* node = out_->add_vias();
    node->set_function(String(via->function));
    node->set_next(next);
    const uint32_t index = static_cast<uint32_t>(out_->vias_size());
    vias_[via.get()] = index;
    return index;
  }

  // `key`: what the entry is filed under, or null for an effect that is not
  // a map entry itself (a handed effect's).
  void Effect(const std::string* key, const analyzer::Effect& effect,
              SolvedEffect* out) {
    if (key != nullptr && *key != EffectKey(effect)) out->set_map_key(*key);
    Path(effect.path, out->mutable_path());
    out->set_write(effect.write);
    out->set_atomic(effect.atomic);
    out->set_bytes_only(effect.bytes_only);
    out->set_dereferences_below(effect.dereferences_below);
    if (!effect.designated_type.empty())
      out->set_designated_type(effect.designated_type);
    Location(effect.location, out->mutable_location());
    out->set_via(Via(effect.via));
  }

  void Solved(const analyzer::Solved& solved) {
    for (const auto& [key, effect] : solved.effects) {
      Effect(&key, effect, out_->add_effects());
    }
    for (const auto& [key, effect] : solved.shared) {
      Effect(&key, effect, out_->add_shared());
    }
    for (const auto& [key, value] : solved.returns) {
      prism::engine::SolvedReturn* entry = out_->add_returns();
      if (key != value.Key()) entry->set_map_key(key);
      Value(value, entry->mutable_value());
    }
    for (const auto& [key, store] : solved.stores) {
      prism::engine::SolvedStore* entry = out_->add_stores();
      if (key != StoreKey(store)) entry->set_map_key(key);
      Path(store.target, entry->mutable_target());
      Value(store.value, entry->mutable_value());
      Location(store.location, entry->mutable_location());
      entry->set_via(Via(store.via));
    }
    for (const auto& [key, handed] : solved.handed_over) {
      prism::engine::SolvedHandOver* entry = out_->add_handed_over();
      if (key != handed.Key()) entry->set_map_key(key);
      Value(handed.object, entry->mutable_object());
      Value(handed.root, entry->mutable_root());
      entry->set_aliased(handed.aliased);
      Path(handed.alias, entry->mutable_alias());
      Value(handed.callback, entry->mutable_callback());
      entry->set_parameter(handed.parameter);
    }
    for (const auto& [key, after] : solved.after_handover) {
      prism::engine::SolvedHandedEffect* entry = out_->add_after_handover();
      if (key != after.Key()) entry->set_map_key(key);
      Effect(nullptr, after.effect, entry->mutable_effect());
      Value(after.root, entry->mutable_root());
      Value(after.callback, entry->mutable_callback());
      entry->set_parameter(after.parameter);
    }
    for (const std::string& base : solved.widened_bases) {
      out_->add_widened_bases(String(base));
    }
    out_->set_widened_stores(solved.widened_stores);
    out_->set_widened_returns(solved.widened_returns);
    out_->set_widened_handed(solved.widened_handed);
    for (const std::string& name : solved.unknown_callees) {
      out_->add_unknown_callees(String(name));
    }
  }

 private:
  SolvedFunction* out_;
  absl::flat_hash_map<std::string, uint32_t> strings_;
  absl::flat_hash_map<const analyzer::Via*, uint32_t> vias_;
};

// Reads what Encoder wrote; every index is checked, so bytes that are not
// such a summary fail (ok() is false) instead of being read.
class Decoder {
 public:
  explicit Decoder(const SolvedFunction& in) : in_(in) {
    for (const prism::engine::SolvedVia& node : in.vias()) {
      if (node.next() > vias_.size()) {
        ok_ = false;
        return;
      }
      vias_.push_back(
          MakeVia(String(node.function()),
                  node.next() == 0 ? nullptr : vias_[node.next() - 1]));
    }
  }

  bool ok() const { return ok_; }

  const std::string& String(uint32_t index) {
    static const std::string* const kEmpty = new std::string();
    if (index >= static_cast<uint32_t>(in_.strings_size())) {
      ok_ = false;
      return *kEmpty;
    }
    return in_.strings(static_cast<int>(index));
  }

  void Path(const SolvedPath& in, analyzer::Path* out) {
    if (in.base() < static_cast<int>(BaseKind::kUnknown) ||
        in.base() > static_cast<int>(BaseKind::kEscapedLocal)) {
      ok_ = false;
    }
    out->base = static_cast<BaseKind>(in.base());
    out->key = String(in.key());
    out->index = in.index();
    out->name = String(in.name());
    out->selectors.clear();
    for (uint32_t selector : in.selectors()) {
      out->selectors.push_back(String(selector));
    }
    out->truncated = in.truncated();
    out->absorbed_dereference = in.absorbed_dereference();
  }

  void Value(const SolvedValue& in, analyzer::Value* out) {
    if (in.kind() < static_cast<int>(Value::Kind::kAddressOf) ||
        in.kind() > static_cast<int>(Value::Kind::kUnknown)) {
      ok_ = false;
    }
    out->kind = static_cast<analyzer::Value::Kind>(in.kind());
    Path(in.path(), &out->path);
    out->function_usr = String(in.function_usr());
    out->within.clear();
    for (uint32_t place : in.within()) out->within.push_back(String(place));
  }

  void Location(const prism::engine::SolvedLocation& in,
                prism::v1::SourceLocation* out) {
    out->set_file(String(in.file()));
    out->set_line(in.line());
    out->set_column(in.column());
  }

  ViaPtr Via(uint32_t index) {
    if (index == 0) return nullptr;
    if (index > vias_.size()) {
      ok_ = false;
      return nullptr;
    }
    return vias_[index - 1];
  }

  analyzer::Effect Effect(const SolvedEffect& in) {
    analyzer::Effect effect;
    Path(in.path(), &effect.path);
    effect.write = in.write();
    effect.atomic = in.atomic();
    effect.bytes_only = in.bytes_only();
    effect.dereferences_below = in.dereferences_below();
    effect.designated_type = in.designated_type();
    Location(in.location(), &effect.location);
    effect.via = Via(in.via());
    return effect;
  }

  // Files `entry` under the key it was written with: the one given, or the
  // one `make_key` makes from it.
  template <typename Map, typename Entry, typename MakeKey>
  void Put(const std::string& given_key, const MakeKey& make_key, Entry entry,
           Map* out) {
    std::string key = given_key.empty() ? make_key(entry) : given_key;
    out->emplace(std::move(key), std::move(entry));
  }

  bool Solved(analyzer::Solved* out) {
    for (const SolvedEffect& in : in_.effects()) {
      analyzer::Effect effect = Effect(in);
      Put(in.map_key(), EffectKey, std::move(effect), &out->effects);
    }
    for (const SolvedEffect& in : in_.shared()) {
      analyzer::Effect effect = Effect(in);
      Put(in.map_key(), EffectKey, std::move(effect), &out->shared);
    }
    for (const prism::engine::SolvedReturn& in : in_.returns()) {
      analyzer::Value value;
      Value(in.value(), &value);
      Put(
          in.map_key(), [](const analyzer::Value& v) { return v.Key(); },
          std::move(value), &out->returns);
    }
    for (const prism::engine::SolvedStore& in : in_.stores()) {
      Store store;
      Path(in.target(), &store.target);
      Value(in.value(), &store.value);
      Location(in.location(), &store.location);
      store.via = Via(in.via());
      Put(in.map_key(), StoreKey, std::move(store), &out->stores);
    }
    for (const prism::engine::SolvedHandOver& in : in_.handed_over()) {
      HandOver handed;
      Value(in.object(), &handed.object);
      Value(in.root(), &handed.root);
      handed.aliased = in.aliased();
      Path(in.alias(), &handed.alias);
      Value(in.callback(), &handed.callback);
      handed.parameter = in.parameter();
      Put(
          in.map_key(), [](const HandOver& h) { return h.Key(); },
          std::move(handed), &out->handed_over);
    }
    for (const prism::engine::SolvedHandedEffect& in : in_.after_handover()) {
      HandedEffect after;
      after.effect = Effect(in.effect());
      Value(in.root(), &after.root);
      Value(in.callback(), &after.callback);
      after.parameter = in.parameter();
      Put(
          in.map_key(), [](const HandedEffect& h) { return h.Key(); },
          std::move(after), &out->after_handover);
    }
    for (uint32_t base : in_.widened_bases()) {
      out->widened_bases.insert(String(base));
    }
    out->widened_stores = in_.widened_stores();
    out->widened_returns = in_.widened_returns();
    out->widened_handed = in_.widened_handed();
    for (uint32_t name : in_.unknown_callees()) {
      out->unknown_callees.insert(String(name));
    }
    return ok_;
  }

 private:
  const SolvedFunction& in_;
  std::vector<ViaPtr> vias_;
  bool ok_ = true;
};

}  // namespace

void SolvedMemo::Component::Encode(const std::vector<std::string>& usrs) {
  SolvedComponent component;
  digests.clear();
  for (size_t i = 0; i < usrs.size(); ++i) {
    SolvedFunction function;
    Encoder(&function).Solved(*solved[i]);
    SolvedComponent::Member* member = component.add_members();
    member->set_usr(usrs[i]);
    function.SerializeToString(member->mutable_solved());
    digests.push_back(service::Sha256Hex(member->solved()));
    member->set_digest(digests.back());
  }
  bytes = component.SerializeAsString();
}

bool SolvedMemo::Component::Decode(const std::vector<std::string>& usrs) {
  SolvedComponent component;
  if (!component.ParseFromString(bytes) ||
      static_cast<size_t>(component.members_size()) != usrs.size()) {
    return false;
  }
  solved.clear();
  digests.clear();
  for (size_t i = 0; i < usrs.size(); ++i) {
    const SolvedComponent::Member& member = component.members(i);
    SolvedFunction function;
    std::string digest = service::Sha256Hex(member.solved());
    if (member.usr() != usrs[i] || member.digest() != digest ||
        !function.ParseFromString(member.solved())) {
      return false;
    }
    Decoder decoder(function);
    auto one = std::make_shared<Solved>();
    if (!decoder.ok() || !decoder.Solved(one.get())) return false;
    solved.push_back(std::move(one));
    digests.push_back(std::move(digest));
  }
  return true;
}

bool SolvedMemo::Load(const std::string& bytes) {
  SolvedMemoEntries entries;
  if (!entries.ParseFromString(bytes)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  current_.clear();
  for (SolvedMemoEntries::Entry& entry : *entries.mutable_entries()) {
    auto component = std::make_shared<Component>();
    component->bytes = std::move(*entry.mutable_component());
    current_[entry.key()] = std::move(component);
  }
  return true;
}

void SolvedMemo::ContinueFrom(const SolvedMemo& last) {
  if (last.context_ != context_) return;
  std::scoped_lock lock(mu_, last.mu_);
  current_ = last.current_;
}

std::string SolvedMemo::Serialize() const {
  SolvedMemoEntries entries;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, component] : current_) {
    SolvedMemoEntries::Entry* entry = entries.add_entries();
    entry->set_key(key);
    entry->set_component(component->bytes);
  }
  return entries.SerializeAsString();
}

void SolvedMemo::BeginLink() {
  std::lock_guard<std::mutex> lock(mu_);
  previous_ = std::move(current_);
  current_.clear();
  reused_ = 0;
  solved_ = 0;
}

std::shared_ptr<const SolvedMemo::Component> SolvedMemo::Find(
    const std::string& key, const std::vector<std::string>& usrs) {
  std::shared_ptr<const Component> kept;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = previous_.find(key);
    if (it == previous_.end()) return nullptr;
    kept = it->second;
  }
  if (kept->solved.size() == usrs.size()) return kept;  // Decoded already.
  // Decoded outside the lock (components are reused on several threads);
  // one key names one component, so its members are `usrs`.
  auto decoded = std::make_shared<Component>();
  decoded->bytes = kept->bytes;
  if (!decoded->Decode(usrs)) return nullptr;
  return decoded;
}

void SolvedMemo::Keep(const std::string& key,
                      std::shared_ptr<const Component> component, bool reused) {
  (reused ? reused_ : solved_)++;
  std::lock_guard<std::mutex> lock(mu_);
  current_[key] = std::move(component);
}

}  // namespace prism::analyzer
