"""Packages a cc_library for builds outside Bazel: libraries, headers, pkg-config and CMake files.

Servers built with Make or CMake link the runtime as `lib<name>.a` or `lib<name>.so`. Bazel's own
archives are one per cc_library, and a cc_binary(linkshared = 1) keeps only the objects something
references, so this rule takes the objects themselves: every PIC object of every library in the
target's transitive link inputs (ours: the system libraries of @system are link flags only and stay
outside). Both libraries therefore hold the whole runtime, including the generated protobuf
messages; the shared one is linked with --no-undefined, so a missing object or system library
fails this build instead of the user's link.

The rule also writes an install manifest, one line per file: `DEST_DIR RUNFILES_PATH [LINK...]`
(LINKs: symlinks to the file made beside it), which tools/install.sh follows.
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

# What g++ adds when it links C++ objects, and a C program linking the archive must add itself.
_CXX_RUNTIME_FLAGS = ["-lstdc++", "-lm"]

def _objects_and_flags(target):
    """Returns (PIC objects, system link flags, our own link flags) of what target links."""
    objects = []
    system_flags = []
    own_flags = []
    seen_flag_lists = []
    for linker_input in target[CcInfo].linking_context.linker_inputs.to_list():
        flags = linker_input.user_link_flags

        # Flags go whole per input (a library's "-Wl,--push-state ... --pop-state" stays intact).
        if flags and flags not in seen_flag_lists:
            seen_flag_lists.append(flags)
            if linker_input.owner.workspace_name:
                system_flags.extend(flags)
            else:
                own_flags.extend(flags)
        for library in linker_input.libraries:
            # Bazel compiles PIC objects on Linux; plain ones are the fallback of a toolchain
            # that does not (the shared link then fails loudly on a relocation).
            objects.extend(library.pic_objects or library.objects or [])
    return objects, system_flags, own_flags

def _archive(ctx, cc_toolchain, objects, output):
    args = ctx.actions.args()

    # q (append, never replace): two objects with one basename in different packages both stay.
    # D: deterministic (no timestamps, uids), so the archive is a cache hit when nothing changed.
    args.add("qcsD")
    args.add(output)
    args.add_all(objects)
    ctx.actions.run(
        executable = cc_toolchain.ar_executable,
        arguments = [args],
        inputs = objects,
        outputs = [output],
        mnemonic = "RuntimeArchive",
        progress_message = "Archiving %s" % output.short_path,
    )

def _link_shared(ctx, cc_toolchain, objects, flags, soname, output):
    args = ctx.actions.args()
    args.add_all([
        "-shared",
        "-o",
        output,
        "-Wl,-soname," + soname,
        "-Wl,--version-script=" + ctx.file.version_script.path,
        "-Wl,--no-undefined",
        "-Wl,--build-id",
        "-Wl,--as-needed",
    ])
    args.add_all(objects)
    args.add_all(flags)
    ctx.actions.run(
        executable = cc_toolchain.compiler_executable,
        arguments = [args],
        inputs = depset(objects + [ctx.file.version_script], transitive = [cc_toolchain.all_files]),
        outputs = [output],
        # The compiler driver finds the linker on PATH.
        use_default_shell_env = True,
        mnemonic = "RuntimeSharedLink",
        progress_message = "Linking %s" % output.short_path,
    )

def _expand(ctx, template, output_name, substitutions):
    output = ctx.actions.declare_file(output_name)
    ctx.actions.expand_template(template = template, output = output, substitutions = substitutions)
    return output

def _runtime_package_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    objects, system_flags, own_flags = _objects_and_flags(ctx.attr.library)
    if not objects:
        fail("%s has no objects to package" % ctx.attr.library.label)
    name = ctx.attr.package_name
    version = ctx.attr.version
    major = version.split(".")[0]

    static = ctx.actions.declare_file("lib%s.a" % name)
    _archive(ctx, cc_toolchain, objects, static)
    soname = "lib%s.so.%s" % (name, major)
    shared = ctx.actions.declare_file("lib%s.so.%s" % (name, version))
    _link_shared(ctx, cc_toolchain, objects, system_flags + own_flags + _CXX_RUNTIME_FLAGS, soname, shared)

    libs_private = own_flags + _CXX_RUNTIME_FLAGS
    # Two modules: with both libraries in one directory, -l<name> always picks the shared one,
    # so the static module names the archive itself, and needs what it links with or without
    # --static.
    pc_shared = _expand(ctx, ctx.file.pc_template, "%s.pc" % name, {
        "@NAME@": name,
        "@VERSION@": version,
        "@REQUIRES@": " ".join(ctx.attr.requires),
        "@REQUIRES_PRIVATE@": " ".join(ctx.attr.requires_private),
        "@LIBS@": "-L${libdir} -l" + name,
        "@LIBS_PRIVATE@": " ".join(libs_private),
    })
    pc_static = _expand(ctx, ctx.file.pc_template, "%s-static.pc" % name, {
        "@NAME@": name + "-static",
        "@VERSION@": version,
        "@REQUIRES@": " ".join(ctx.attr.requires + ctx.attr.requires_private),
        "@REQUIRES_PRIVATE@": "",
        "@LIBS@": " ".join(["${libdir}/" + static.basename] + libs_private),
        "@LIBS_PRIVATE@": "",
    })
    cmake_substitutions = {
        "@VERSION@": version,
        "@VERSION_MAJOR@": major,
        "@REQUIRES@": " ".join(ctx.attr.requires),
        "@REQUIRES_PRIVATE@": " ".join(ctx.attr.requires_private),
        "@CMAKE_LIBS_PRIVATE@": ";".join(libs_private),
        "@SHARED_FILE@": shared.basename,
        "@SONAME@": soname,
        "@STATIC_FILE@": static.basename,
    }
    cmake_dir = "cmake_" + ctx.attr.cmake_name
    cmake_config = _expand(
        ctx,
        ctx.file.cmake_config_template,
        "%s/%sConfig.cmake" % (cmake_dir, ctx.attr.cmake_name),
        cmake_substitutions,
    )
    cmake_version = _expand(
        ctx,
        ctx.file.cmake_version_template,
        "%s/%sConfigVersion.cmake" % (cmake_dir, ctx.attr.cmake_name),
        cmake_substitutions,
    )

    lines = [
        "lib %s" % static.short_path,
        "lib %s %s lib%s.so" % (shared.short_path, soname, name),
        "lib/pkgconfig %s" % pc_shared.short_path,
        "lib/pkgconfig %s" % pc_static.short_path,
        "lib/cmake/%s %s" % (ctx.attr.cmake_name, cmake_config.short_path),
        "lib/cmake/%s %s" % (ctx.attr.cmake_name, cmake_version.short_path),
    ]
    for header in ctx.files.headers:
        lines.append("include/%s %s" % (ctx.attr.headers_dir, header.short_path))
    extra = []
    if ctx.file.preload_library:
        lines.append("lib %s" % ctx.file.preload_library.short_path)
        extra.append(ctx.file.preload_library)
    manifest = ctx.actions.declare_file(ctx.label.name + ".install")
    ctx.actions.write(manifest, "\n".join(lines) + "\n")

    files = [static, shared, pc_shared, pc_static, cmake_config, cmake_version, manifest]
    return [DefaultInfo(
        files = depset(files),
        runfiles = ctx.runfiles(files = files + ctx.files.headers + extra),
    )]

runtime_package = rule(
    implementation = _runtime_package_impl,
    doc = "lib<package_name>.a, lib<package_name>.so.<version> (SONAME .so.<major>), " +
          "<package_name>.pc and -static.pc, <cmake_name>Config.cmake and ConfigVersion.cmake, " +
          "and <name>.install, the manifest tools/install.sh follows.",
    attrs = {
        "library": attr.label(mandatory = True, providers = [CcInfo]),
        "package_name": attr.string(mandatory = True, doc = "library and pkg-config name"),
        "cmake_name": attr.string(mandatory = True, doc = "find_package name"),
        "version": attr.string(mandatory = True),
        "version_script": attr.label(mandatory = True, allow_single_file = True),
        "headers": attr.label_list(allow_files = [".h", ".hpp"]),
        "headers_dir": attr.string(mandatory = True, doc = "installed under include/<headers_dir>"),
        "preload_library": attr.label(
            allow_single_file = [".so"],
            doc = "a library installed beside the others as it is (the LD_PRELOAD runtime)",
        ),
        "requires": attr.string_list(doc = "pkg-config modules of the public interface"),
        "requires_private": attr.string_list(doc = "pkg-config modules only the archive needs"),
        "pc_template": attr.label(mandatory = True, allow_single_file = True),
        "cmake_config_template": attr.label(mandatory = True, allow_single_file = True),
        "cmake_version_template": attr.label(mandatory = True, allow_single_file = True),
        "_cc_toolchain": attr.label(default = Label("@bazel_tools//tools/cpp:current_cc_toolchain")),
    },
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    fragments = ["cpp"],
)
