#include "services/analyzer/engine/effects.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/analyzer/common/enclosing.h"
#include "services/analyzer/common/within.h"

namespace prism::analyzer {
namespace {

void Truncate(Path* path) {
  if (path->selectors.size() > kMaxSelectors) {
    if (std::any_of(path->selectors.begin() + kMaxSelectors,
                    path->selectors.end(), [](const std::string& selector) {
                      return selector == "*" || selector == "[]";
                    })) {
      path->absorbed_dereference = true;
    }
    path->selectors.resize(kMaxSelectors);
    path->truncated = true;
  }
}

bool IsDereference(const std::string& selector) {
  return selector == "*" || selector == "[]";
}

// Anywhere in the object around the place before it (common/enclosing.h).
bool IsEnclosing(const std::string& selector) {
  return selector == enclosing::kEnclosingObject;
}

enclosing::Base BaseBinding(BaseKind base) {
  return base == BaseKind::kParameter || base == BaseKind::kReturn
             ? enclosing::Base::kFirstDereferenceBound
             : enclosing::Base::kResolved;
}

Path Extend(const Path& base, std::vector<std::string>::const_iterator begin,
            std::vector<std::string>::const_iterator end, bool truncated) {
  Path path = base;
  if (std::find(begin, end, enclosing::kEnclosingObject) != end) {
    // Moved by arithmetic below the substituted value: anywhere in the object
    // around it, which a truncated value does not cover above itself.
    path.selectors.insert(path.selectors.end(), begin, end);
    enclosing::CutToEnclosing(&path.selectors, nullptr, BaseBinding(path.base));
    path.truncated = true;
    // What the cut went on through is not known to stay in the object.
    if (std::any_of(begin, end, IsDereference))
      path.absorbed_dereference = true;
    Truncate(&path);
    return path;
  }
  if (path.truncated) {  // Already covers everything below it.
    if (std::any_of(begin, end, [](const std::string& selector) {
          return selector == "*" || selector == "[]";
        })) {
      path.absorbed_dereference = true;
    }
    return path;
  }
  path.selectors.insert(path.selectors.end(), begin, end);
  path.truncated = truncated;
  Truncate(&path);
  return path;
}

}  // namespace

std::string FieldName(const std::string& selector) {
  const size_t colons = selector.rfind("::");
  return colons == std::string::npos ? selector : selector.substr(colons + 2);
}

// Built in one buffer: keys are made for every effect a solve instantiates.
std::string Path::Key() const {
  std::string out =
      absl::StrCat(static_cast<int>(base), "|", key, "|", index, "|");
  size_t size = out.size() + 2;
  for (const std::string& selector : selectors) size += selector.size() + 1;
  out.reserve(size);
  for (size_t i = 0; i < selectors.size(); ++i) {
    if (i > 0) out.push_back('\x1f');
    out.append(selectors[i]);
  }
  if (truncated) out.append("|+");
  return out;
}

std::string Value::Key() const {
  return absl::StrCat(static_cast<int>(kind), "|", path.Key(), "|",
                      function_usr, "|", absl::StrJoin(within, "\x1f"));
}

std::vector<std::string> ViaToVector(const ViaPtr& via) {
  std::vector<std::string> out;
  for (const Via* node = via.get(); node != nullptr; node = node->next.get()) {
    out.push_back(node->function);
  }
  return out;
}

bool HasDereference(const std::vector<std::string>& selectors) {
  for (const std::string& selector : selectors) {
    if (IsDereference(selector)) return true;
  }
  return false;
}

bool SelectorsOverlap(const std::vector<std::string>& a,
                      const std::vector<std::string>& b) {
  return SelectorsOverlap(a, nullptr, b);
}

bool SelectorsOverlap(const std::vector<std::string>& a,
                      const std::string* a_last,
                      const std::vector<std::string>& b) {
  const size_t a_size = a.size() + (a_last != nullptr ? 1 : 0);
  const size_t n = std::min(a_size, b.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& one = i < a.size() ? a[i] : *a_last;
    if (one == b[i]) continue;
    if (IsDereference(one) && IsDereference(b[i])) continue;
    if (IsEnclosing(one) || IsEnclosing(b[i])) return true;
    return false;
  }
  return true;  // One is a prefix of the other: a whole object overlaps its
                // parts.
}

bool ContextSelectorsOverlap(const std::vector<std::string>& a,
                             const std::vector<std::string>& b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] == b[i]) continue;
    if (IsDereference(a[i]) && IsDereference(b[i])) continue;
    if (IsEnclosing(a[i]) || IsEnclosing(b[i])) return true;
    const size_t a_colons = a[i].rfind("::");
    const size_t b_colons = b[i].rfind("::");
    const bool both_fields = !IsDereference(a[i]) && !IsDereference(b[i]);
    if (both_fields && a_colons != std::string::npos &&
        b_colons != std::string::npos &&
        a[i].compare(0, a_colons, b[i], 0, b_colons) != 0) {
      return true;  // Two record types over the same bytes: layout unknown.
    }
    return false;
  }
  return true;
}

std::string RenderPath(const std::string& base_name,
                       const std::vector<std::string>& selectors) {
  std::string out = base_name.empty() ? "<unnamed>" : base_name;
  for (size_t i = 0; i < selectors.size(); ++i) {
    const std::string& selector = selectors[i];
    if (selector == "*") {
      if (i + 1 < selectors.size() && !IsDereference(selectors[i + 1]) &&
          !IsEnclosing(selectors[i + 1])) {
        absl::StrAppend(&out, "->", FieldName(selectors[i + 1]));
        ++i;
      } else {
        out = absl::StrCat("*", out);
      }
    } else if (selector == "[]") {
      absl::StrAppend(&out, "[]");
    } else if (IsEnclosing(selector)) {
      absl::StrAppend(&out, " (anywhere in the object around it)");
    } else {
      absl::StrAppend(&out, ".", FieldName(selector));
    }
  }
  return out;
}

Path PathFromProto(const prism::v1::MemoryPath& proto) {
  Path path;
  path.name = proto.name();
  path.selectors.assign(proto.selectors().begin(), proto.selectors().end());
  // A field selector carries its record when the front-end knows it
  // ("conn::state"): fields of different records are different resources, and
  // overrides name fields as "record::field".
  if (proto.selector_records_size() == proto.selectors_size()) {
    for (int i = 0; i < proto.selectors_size(); ++i) {
      const std::string& record = proto.selector_records(i);
      if (!record.empty() && !IsDereference(path.selectors[i])) {
        path.selectors[i] = absl::StrCat(record, "::", path.selectors[i]);
      }
    }
  }
  switch (proto.base()) {
    case prism::v1::MemoryPath::BASE_GLOBAL:
      path.base = BaseKind::kGlobal;
      path.key = proto.global_usr().empty() ? proto.name() : proto.global_usr();
      break;
    case prism::v1::MemoryPath::BASE_PARAMETER:
      path.base = BaseKind::kParameter;
      path.index = proto.parameter_index();
      break;
    case prism::v1::MemoryPath::BASE_THIS:
      path.base = BaseKind::kParameter;
      path.index = kThisParameter;
      path.selectors.insert(path.selectors.begin(), "*");
      if (path.name.empty()) path.name = "this";
      break;
    case prism::v1::MemoryPath::BASE_HIDDEN_STATE:
      path.base = BaseKind::kHiddenState;
      path.key = proto.name();
      break;
    case prism::v1::MemoryPath::BASE_FRESH:
      path.base = BaseKind::kFresh;
      // One object per allocation site or local (the front-end names them):
      // x->room = r and y->room = r are two stores, not one.
      path.key = absl::StrCat("site:", proto.name());
      break;
    case prism::v1::MemoryPath::BASE_ESCAPED_LOCAL:
      path.base = BaseKind::kEscapedLocal;
      path.key = absl::StrCat("site:", proto.name());
      break;
    case prism::v1::MemoryPath::BASE_RETURN:
      path.base = BaseKind::kReturn;
      path.index = proto.parameter_index();
      break;
    default:
      path.base = BaseKind::kUnknown;
      if (path.name.empty()) path.name = "<unknown>";
      break;
  }
  path.truncated = proto.truncated();
  Truncate(&path);
  return path;
}

std::vector<Value> ValuesFromProto(const prism::v1::ArgumentValue& proto) {
  std::vector<Value> values;
  for (const prism::v1::ValueSource& source : proto.sources()) {
    Value value;
    switch (source.source_case()) {
      case prism::v1::ValueSource::kAddressOf:
        value.kind = Value::Kind::kAddressOf;
        value.path = PathFromProto(source.address_of());
        break;
      case prism::v1::ValueSource::kLoadedFrom:
        value.kind = Value::Kind::kLoadedFrom;
        value.path = PathFromProto(source.loaded_from());
        break;
      case prism::v1::ValueSource::kFunctionUsr:
        value.kind = Value::Kind::kFunction;
        value.function_usr = source.function_usr();
        break;
      default:
        value.kind = Value::Kind::kUnknown;
        value.path.name = "<unknown>";
        break;
    }
    value.within.assign(source.within().begin(), source.within().end());
    values.push_back(std::move(value));
  }
  return values;
}

namespace {

// The pointer `value` itself (no place), followed through `selectors`, which
// begin with a dereference or a field (a view of the pointee as a struct).
void PathsThroughPointer(const Value& value,
                         const std::vector<std::string>& selectors,
                         std::vector<Path>* out, bool truncated) {
  switch (value.kind) {
    case Value::Kind::kAddressOf:
      if (!selectors.empty() && selectors.front() == "*") {
        out->push_back(Extend(value.path, selectors.begin() + 1,
                              selectors.end(), truncated));
      } else {
        out->push_back(
            Extend(value.path, selectors.begin(), selectors.end(), truncated));
      }
      break;
    case Value::Kind::kLoadedFrom:
      out->push_back(
          Extend(value.path, selectors.begin(), selectors.end(), truncated));
      break;
    case Value::Kind::kFunction:
      break;  // Code, not data.
    case Value::Kind::kUnknown: {
      Path unknown;
      unknown.base = BaseKind::kUnknown;
      unknown.name = "<unknown>";
      out->push_back(
          Extend(unknown, selectors.begin(), selectors.end(), truncated));
      break;
    }
  }
}

Value Bare(const Value& value) {
  Value bare = value;
  bare.within.clear();
  return bare;
}

Value WithPlace(const Value& value, std::vector<std::string> place) {
  Value placed = value;
  placed.within = std::move(place);
  return placed;
}

const std::vector<std::string>& Everything() {
  static const std::vector<std::string>* const kEverything =
      new std::vector<std::string>{"*"};
  return *kEverything;
}

}  // namespace

void PathsThrough(const std::vector<Value>& values,
                  const std::vector<std::string>& selectors,
                  std::vector<Path>* out, bool truncated, bool bytes_only) {
  if (!HasDereference(selectors)) return;
  for (const Value& value : values) {
    if (value.within.empty()) {
      PathsThroughPointer(value, selectors, out, truncated);
      continue;
    }
    if (enclosing::HasMarker(selectors)) {
      // Somewhere around a place in the aggregate: through every pointer it
      // holds. Not for pointer-free bytes anywhere in the memory the value
      // points to itself ({"*", marker}: no held pointer is followed on the
      // way), which are that memory's own storage, among the other values.
      const bool own_bytes = bytes_only && selectors.size() == 2 &&
                             selectors[0] == "*" && IsEnclosing(selectors[1]);
      if (!own_bytes) PathsThroughPointer(Bare(value), Everything(), out, true);
      continue;
    }
    for (const within::PlaceMatch& match :
         within::MatchPlace(value.within, selectors)) {
      if (match.kind == within::PlaceMatch::Kind::kAbove &&
          HasDereference(match.rest)) {
        PathsThroughPointer(Bare(value), match.rest, out, truncated);
      } else if (truncated) {
        // Everything below the selectors, which holds this pointer: through
        // it too.
        PathsThroughPointer(Bare(value), Everything(), out, true);
      }
      // Otherwise the selectors end in the aggregate's own storage, a local.
    }
  }
}

void AddressesThrough(const std::vector<Value>& values,
                      const std::vector<std::string>& selectors,
                      std::vector<Value>* out, bool truncated) {
  std::vector<Path> paths;
  PathsThrough(values, selectors, &paths, truncated);
  for (Path& path : paths) {
    Value address;
    address.kind = Value::Kind::kAddressOf;
    address.path = std::move(path);
    out->push_back(std::move(address));
  }
  const bool around = enclosing::HasMarker(selectors);
  for (const Value& value : values) {
    if (value.within.empty()) continue;
    if (around) {
      out->push_back(WithPlace(value, {"*", within::kAnyPlace}));
      continue;
    }
    for (const within::PlaceMatch& match :
         within::MatchPlace(value.within, selectors)) {
      if (match.kind == within::PlaceMatch::Kind::kAbove) continue;
      std::vector<std::string> place = {"*"};
      if (truncated) {
        place.push_back(within::kAnyPlace);
      } else if (match.kind == within::PlaceMatch::Kind::kBelow) {
        place.insert(place.end(), match.rest.begin(), match.rest.end());
      }
      out->push_back(WithPlace(value, std::move(place)));
    }
  }
}

void ValuesThrough(const std::vector<Value>& values,
                   const std::vector<std::string>& selectors,
                   std::vector<Value>* out, bool truncated) {
  if (selectors.empty()) {
    out->insert(out->end(), values.begin(), values.end());
    return;
  }
  const bool dereferences = HasDereference(selectors);
  auto unknown = [] {
    Value value;
    value.kind = Value::Kind::kUnknown;
    value.path.name = "<unknown>";
    return value;
  };
  auto loaded_from = [](Path path) {
    Value value;
    value.kind = Value::Kind::kLoadedFrom;
    value.path = std::move(path);
    return value;
  };
  for (const Value& value : values) {
    if (value.within.empty()) {
      if (dereferences) {
        std::vector<Path> paths;
        PathsThroughPointer(value, selectors, &paths, truncated);
        for (Path& path : paths) out->push_back(loaded_from(std::move(path)));
      } else if (value.kind == Value::Kind::kLoadedFrom) {
        // A field of a struct held by value: loaded from the same field of
        // where it came from.
        out->push_back(loaded_from(
            Extend(value.path, selectors.begin(), selectors.end(), truncated)));
      } else {
        out->push_back(unknown());
      }
      continue;
    }
    if (enclosing::HasMarker(selectors)) {
      // Held anywhere around the place read, or reached through what is.
      out->push_back(WithPlace(value, {within::kAnyPlace}));
      std::vector<Path> paths;
      PathsThroughPointer(Bare(value), Everything(), &paths, true);
      for (Path& path : paths) out->push_back(loaded_from(std::move(path)));
      continue;
    }
    for (const within::PlaceMatch& match :
         within::MatchPlace(value.within, selectors)) {
      switch (match.kind) {
        case within::PlaceMatch::Kind::kAt:
        case within::PlaceMatch::Kind::kBelow:
          // Held at or inside the place read; below a cut place, somewhere.
          out->push_back(truncated ? WithPlace(value, {within::kAnyPlace})
                         : match.kind == within::PlaceMatch::Kind::kAt
                             ? Bare(value)
                             : WithPlace(value, match.rest));
          break;
        case within::PlaceMatch::Kind::kAbove: {
          std::vector<Value> one = {Bare(value)};
          ValuesThrough(one, match.rest, out, truncated);
          break;
        }
      }
    }
  }
}

}  // namespace prism::analyzer
