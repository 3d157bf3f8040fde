#!/bin/sh
echo "coverage collection is not available in Prism's offline Bazel workspace" >&2
exit 1
