"""Exposes Debian's system libraries to Bazel, with link flags taken from pkg-config.

Asking pkg-config at fetch time keeps one source of truth for link flags (gRPC from Debian needs a
long tail of Abseil libraries that changes between releases) and never downloads anything.
"""

# Bazel target name -> pkg-config modules it stands for (also what the installed runtime's
# pkg-config and CMake packages require: lib/runtime/BUILD.bazel).
PKG_CONFIG_LIBRARIES = {
    "absl": [
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_hash",
        "absl_synchronization",
        "absl_time",
    ],
    "protobuf": ["protobuf"],
    "grpc": ["grpc++"],
    "libevent": ["libevent", "libevent_pthreads"],
    "benchmark": ["benchmark"],
}

# Libraries Debian ships without a usable pkg-config module (GoogleTest's static archives).
_PLAIN_LIBRARIES = {
    "gtest": ["-lgtest", "-lpthread"],
    "gtest_main": ["-lgtest_main", "-lgtest", "-lpthread"],
    "gmock": ["-lgmock", "-lgtest", "-lpthread"],
    "gmock_main": ["-lgmock_main", "-lgmock", "-lgtest", "-lpthread"],
    # --no-as-needed: nothing names jemalloc's symbols, it replaces malloc by being linked.
    "jemalloc": ["-Wl,--no-as-needed", "-ljemalloc", "-Wl,--as-needed"],
}

# Clang's LibTooling libraries, linked statically with LLVM's (llvm-config --link-static): a
# process then loads two shared libraries fewer with hundreds of thousands of relocations, and
# `prism analyze` starts in 20 ms instead of 40 (faster than clang itself; bench/RESULTS.md).
# Inside one link group, so their order does not matter.
_CLANG_ARCHIVES = [
    "clangAPINotes",
    "clangARCMigrate",
    "clangAST",
    "clangASTMatchers",
    "clangAnalysis",
    "clangAnalysisFlowSensitive",
    "clangBasic",
    "clangCodeGen",
    "clangCrossTU",
    "clangDependencyScanning",
    "clangDirectoryWatcher",
    "clangDriver",
    "clangDynamicASTMatchers",
    "clangEdit",
    "clangFormat",
    "clangFrontend",
    "clangFrontendTool",
    "clangHandleCXX",
    "clangHandleLLVM",
    "clangIndex",
    "clangIndexSerialization",
    "clangInterpreter",
    "clangLex",
    "clangParse",
    "clangRewrite",
    "clangRewriteFrontend",
    "clangSema",
    "clangSerialization",
    "clangStaticAnalyzerCheckers",
    "clangStaticAnalyzerCore",
    "clangStaticAnalyzerFrontend",
    "clangTesting",
    "clangTooling",
    "clangToolingASTDiff",
    "clangToolingCore",
    "clangToolingInclusions",
    "clangToolingRefactoring",
    "clangToolingSyntax",
    "clangTransformer",
]

_LLVM_CONFIG = "llvm-config-14"

def _llvm_config(ctx, args):
    result = ctx.execute([_LLVM_CONFIG] + args)
    if result.return_code != 0:
        fail("%s %s failed (run tools/setup.sh to install llvm-14-dev): %s" %
             (_LLVM_CONFIG, " ".join(args), result.stderr))
    return result.stdout.strip()

def _clang_static_libs(ctx):
    libdir = _llvm_config(ctx, ["--libdir"])
    archives = []
    for name in _CLANG_ARCHIVES:
        path = "%s/lib%s.a" % (libdir, name)
        if not ctx.path(path).exists:
            fail("%s is missing (run tools/setup.sh to install libclang-14-dev)" % path)
        archives.append(path)
    # Only the archives Debian installs (Polly, a plugin, is listed but not shipped as one).
    llvm = [
        flag
        for flag in _llvm_config(ctx, ["--link-static", "--libs", "all"]).split(" ")
        if flag.startswith("-l") and ctx.path("%s/lib%s.a" % (libdir, flag[2:])).exists
    ]
    system = _llvm_config(ctx, ["--link-static", "--system-libs"]).split(" ")
    return (["-L" + libdir, "-Wl,--start-group"] + archives + llvm + ["-Wl,--end-group"] +
            system)

def _pkg_config_libs(ctx, modules):
    result = ctx.execute(["pkg-config", "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config could not find %s (run tools/setup.sh to install the system packages): %s" %
             (", ".join(modules), result.stderr))
    return result.stdout.strip().split(" ")

def _library(name, linkopts):
    return """
cc_library(
    name = "{name}",
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(name = name, linkopts = repr([opt for opt in linkopts if opt]))

def _system_libs_impl(ctx):
    build = []
    for name, modules in PKG_CONFIG_LIBRARIES.items():
        build.append(_library(name, _pkg_config_libs(ctx, modules)))
    for name, linkopts in _PLAIN_LIBRARIES.items():
        build.append(_library(name, linkopts))
    build.append(_library("clang_static", _clang_static_libs(ctx)))
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(build))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    doc = "Link flags of Debian's system libraries, read from pkg-config and llvm-config.",
)
