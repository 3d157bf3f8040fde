"""Packs a cc_library and everything of ours it depends on into one static and one shared library.

Servers built outside Bazel (Make, CMake) link the runtime as `libprism-runtime.a` or
`libprism-runtime.so`. Bazel's own archives are one per cc_library and a cc_binary(linkshared = 1)
keeps only the objects something references, so this rule takes the objects themselves: every
PIC object of every library in the target's transitive link inputs (ours: the system libraries of
@system are link flags only and stay outside). Both outputs therefore hold the whole runtime,
including the generated protobuf messages; the shared one is linked with --no-undefined, so a
missing object or system library fails the build instead of the user's link.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _objects_and_flags(target):
    """Returns (PIC objects, user link flags) of every library target links, in link order."""
    objects = []
    flags = []
    seen_flag_lists = []
    for linker_input in target[CcInfo].linking_context.linker_inputs.to_list():
        # Flags go whole per input (a library's "-Wl,--push-state ... --pop-state" stays intact).
        if linker_input.user_link_flags and linker_input.user_link_flags not in seen_flag_lists:
            seen_flag_lists.append(linker_input.user_link_flags)
            flags.extend(linker_input.user_link_flags)
        for library in linker_input.libraries:
            # Bazel compiles PIC objects on Linux; plain ones are the fallback of a toolchain
            # that does not (the shared link then fails loudly on a relocation).
            objects.extend(library.pic_objects or library.objects or [])
    return objects, flags

def _runtime_bundle_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    objects, flags = _objects_and_flags(ctx.attr.library)
    if not objects:
        fail("%s has no objects to bundle" % ctx.attr.library.label)

    static = ctx.actions.declare_file("lib%s.a" % ctx.attr.library_name)
    archive_args = ctx.actions.args()

    # q (append, never replace): two objects with one basename in different packages both stay.
    # D: deterministic (no timestamps, uids), so the archive is a cache hit when nothing changed.
    archive_args.add("qcsD")
    archive_args.add(static)
    archive_args.add_all(objects)
    ctx.actions.run(
        executable = cc_toolchain.ar_executable,
        arguments = [archive_args],
        inputs = objects,
        outputs = [static],
        mnemonic = "RuntimeArchive",
        progress_message = "Archiving %s" % static.short_path,
    )

    soname = "lib%s.so.%s" % (ctx.attr.library_name, ctx.attr.version.split(".")[0])
    shared = ctx.actions.declare_file("lib%s.so.%s" % (ctx.attr.library_name, ctx.attr.version))
    link_args = ctx.actions.args()
    link_args.add_all([
        "-shared",
        "-o",
        shared,
        "-Wl,-soname," + soname,
        "-Wl,--version-script=" + ctx.file.version_script.path,
        "-Wl,--no-undefined",
        "-Wl,--build-id",
        "-Wl,--as-needed",
    ])
    link_args.add_all(objects)
    link_args.add_all(flags)

    # The objects are C++: the C++ standard library after them, as g++ would add it.
    link_args.add_all(["-lstdc++", "-lm"])
    ctx.actions.run(
        executable = cc_toolchain.compiler_executable,
        arguments = [link_args],
        inputs = depset(objects + [ctx.file.version_script], transitive = [cc_toolchain.all_files]),
        outputs = [shared],
        # The compiler driver finds the linker on PATH.
        use_default_shell_env = True,
        mnemonic = "RuntimeSharedLink",
        progress_message = "Linking %s" % shared.short_path,
    )
    return [DefaultInfo(files = depset([static, shared]))]

runtime_bundle = rule(
    implementation = _runtime_bundle_impl,
    doc = "lib<library_name>.a and lib<library_name>.so.<version> (SONAME .so.<major>) of library and its deps.",
    attrs = {
        "library": attr.label(mandatory = True, providers = [CcInfo]),
        "library_name": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "version_script": attr.label(mandatory = True, allow_single_file = True),
        "_cc_toolchain": attr.label(default = Label("@bazel_tools//tools/cpp:current_cc_toolchain")),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
)
