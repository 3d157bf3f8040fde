// Building a function's summary (link.h's Solved) in the link step: effects,
// pointer stores and returned values as calls and accesses contribute them,
// with the bounds and markers the solver relies on. Internal to the engine.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_SUMMARY_BUILDER_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_SUMMARY_BUILDER_H_

#include <string>
#include <vector>

#include "services/analyzer/engine/effects.h"
#include "services/analyzer/engine/link.h"

namespace prism::analyzer {

// "ns::Conn::on_read" -> "on_read"; never empty.
std::string UnqualifiedName(const std::string& name);

// The call chain `function` -> `next`.
ViaPtr MakeVia(const std::string& function, ViaPtr next);

// Anything: the resource <unknown>, a pointer to anything.
Path UnknownPath();
Value UnknownValue();

// The keys AddEffect and AddStore file entries under.
std::string EffectKey(const Path& path, bool write, bool bytes_only,
                      bool dereferences_below);
std::string StoreKey(const Path& target, const Value& value);

// Records an access of `accessed` into `out` (effects through parameters, or
// shared ones); accesses of the function's own memory are not kept.
void AddEffect(Solved* out, const Path& accessed, bool write, bool atomic,
               const prism::v1::SourceLocation& location, const ViaPtr& via,
               bool bytes_only = false, bool dereferences_below = false,
               const std::string& designated_type = std::string());

// A helper that releases its integer parameter (`drop(int fd) { close(fd); }`)
// records {PARAMETER k, ["*", kReleasedNumber]}; its callers write what their
// argument k was read from instead (library_models.h, releases=).
inline constexpr char kReleasedNumber[] = "<descriptor>";

// Whether `path` is the marker above.
bool IsReleasedNumber(const Path& path);

// A write of `path`, which a descriptor's number was read from; the parameter
// variable itself becomes the marker above.
void AddRelease(Solved* out, Path path,
                const prism::v1::SourceLocation& location, const ViaPtr& via);

// A function that hands its parameter k to a va_list printf as the format
// (`log_msg(const char *fmt, ...) { ... vfprintf(f, fmt, ap); }`) records
// {PARAMETER k, ["*", kPassedFormat]}: at each call the format decides whether
// a `%n` writes through the arguments (FormatWrites).
inline constexpr char kPassedFormat[] = "<format>";

// Whether `path` is the marker above.
bool IsPassedFormat(const Path& path);

// What `%n` may write at a call whose argument `format` is a printf format
// for the arguments after it or a va_list: nothing for a literal without %n
// (`literal`); otherwise every argument after the format, and what the
// format's own callers pass when it is the caller's parameter (the marker
// above), or unknown memory when it is anything else.
void FormatWrites(bool literal, int format,
                  const std::vector<std::vector<Value>>& arguments,
                  const prism::v1::SourceLocation& location, const ViaPtr& via,
                  Solved* out);

// A pointer to global, hidden or unknown memory.
bool ValueIsShared(const Value& value);

// A local variable or temporary of some function (the front-end names them
// by the variable, "<temporary at 12:3>"), as opposed to a heap object
// ("<malloc at 12:3>", a library's fresh result): it dies with its function,
// so nothing published keeps it.
bool IsFunctionLocalObject(const Path& path);

// Records a pointer store, keeping only the stores that can matter for escapes
// (DESIGN.md: context pointers stored into global memory, global pointers
// stored into context memory), to bound summary size.
void AddStore(Solved* out, const Path& target, const Value& stored,
              const prism::v1::SourceLocation& location, const ViaPtr& via);

// Records a value the function may return.
void AddReturn(Solved* out, const Value& value);

// `argument` without the unknown pointers held in what it points to: what a
// library call that does not follow them (not deep=) reaches.
std::vector<Value> WithoutUnknownContents(const std::vector<Value>& argument);

// Replaces paths and pointer values by the whole objects they lie in (each
// once): a store of any of the values into any of the paths is then covered
// by one store per pair of objects, which bounds the work of a store whose
// target and value each fan out.
void WholeObjects(std::vector<Path>* paths, std::vector<Value>* values);

// A callee-relative path at a call: parameters replaced by `arguments`.
// `bytes_only`: of an access of pointer-free bytes (PathsThrough).
std::vector<Path> InstantiatePath(
    const Path& path, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument, bool bytes_only = false);

// Effects on memory the function or its callees allocated are its own, but
// one that goes on through a pointer held in that memory (`items[0]->count`
// for an array a callee allocated and the function filled) touches what that
// pointer leads to: `fresh` are such effects of one body, followed through
// what `out->stores` (the body's own and its callees') put there, into
// `out`. Memory published to shared memory, or written by code that leaves
// bytes of unknown origin (a truncated write that is not bytes-only), may
// hold anything. Objects in `own` (the body's own locals and allocations,
// whose contents its front-end summary follows already) are left alone.
void FollowHeldPointers(const std::vector<Effect>& fresh,
                        const std::set<std::string>& own, Solved* out);

// Adds `from`'s effects, shared effects, stores and after-hand-over effects to
// `into` (a scratch summary of one access or call into the body's).
void MergeSummary(const Solved& from, Solved* into);

// Bounds a summary (link.h: kMaxPathsPerBase, kMaxStores, kMaxReturns): too
// many paths on one base become one access of their common prefix, too many
// stores become stores of whole objects, too many returned values "anything".
// Decisions stick (Solved::widened_*), so fixpoint rounds only grow.
void Widen(Solved* solved);

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_SUMMARY_BUILDER_H_
