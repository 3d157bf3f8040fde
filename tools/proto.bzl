"""C++ code generation for Prism's protos with Debian's protoc and grpc_cpp_plugin.

Protos live under proto/ and import each other as "prism/v1/<file>.proto"; generated headers are
included the same way ("prism/v1/<file>.pb.h").
"""

_PROTO_ROOT = "proto"

def prism_cc_proto_library(name, srcs, deps = [], grpc = False, visibility = None):
    """Generates and compiles C++ messages (and gRPC stubs when grpc = True) for srcs.

    Args:
      name: the cc_library to define.
      srcs: .proto files of this package.
      deps: other prism_cc_proto_library targets whose protos these import.
      grpc: also generate gRPC service stubs.
      visibility: as for cc_library.
    """
    if native.package_name() != _PROTO_ROOT:
        fail("prism_cc_proto_library must be used in //%s" % _PROTO_ROOT)
    stems = [src[:-len(".proto")] for src in srcs]
    headers = [stem + ".pb.h" for stem in stems]
    sources = [stem + ".pb.cc" for stem in stems]
    if grpc:
        headers += [stem + ".grpc.pb.h" for stem in stems]
        sources += [stem + ".grpc.pb.cc" for stem in stems]

    out_root = "$(GENDIR)/" + _PROTO_ROOT
    command = "protoc --proto_path=%s --cpp_out=%s" % (_PROTO_ROOT, out_root)
    if grpc:
        command += " --grpc_out=%s --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)" % out_root
    command += " $(SRCS)"

    # All protos under proto/ are visible to protoc so imports between packages resolve.
    native.genrule(
        name = name + "_generate",
        srcs = srcs,
        tools = [dep + "_protos" for dep in deps],
        outs = headers + sources,
        cmd = command,
        message = "Generating C++ for %s" % ", ".join(srcs),
    )
    native.filegroup(
        name = name + "_protos",
        srcs = srcs + [dep + "_protos" for dep in deps],
        visibility = visibility,
    )
    native.cc_library(
        name = name,
        srcs = sources,
        hdrs = headers,
        # Headers of generated code are included as <prism/v1/...>; -isystem also keeps our
        # warnings-as-errors away from protoc's output.
        includes = ["."],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc"] if grpc else []),
        visibility = visibility,
    )
