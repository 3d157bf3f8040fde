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
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(build))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    doc = "Link flags of Debian's system libraries, read from pkg-config.",
)
