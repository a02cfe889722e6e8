//! wasm:no-latest, in Zig: an image tagged :latest (or untagged) is a deploy nobody can reproduce.
//! Build (the ziglang package from PyPI):
//!   python -m ziglang build-exe -target wasm32-freestanding -fno-entry -rdynamic -O ReleaseSmall \
//!     -femit-bin=no-latest.wasm no-latest.zig
//! or `crumbs plugin build examples/plugins/no-latest`. ABI v1: see docs/plugins.md.
const std = @import("std");

var input: [1 << 20]u8 = undefined; // the largest object it takes: 1 MiB

export fn crumbs_abi_version() i32 {
    return 1;
}

export fn alloc(len: i32) i32 {
    if (len < 0 or len > input.len) return 0;
    return @intCast(@intFromPtr(&input));
}

const none = "{\"findings\":[]}";
const found =
    "{\"findings\":[{\"rule\":\"image-tag-latest\",\"severity\":\"warning\"," ++
    "\"title\":\"runs an image tagged :latest: what runs changes without a deploy\"," ++
    "\"remediation\":\"pin the image to a version tag or a digest\"}]}";

fn result(json: []const u8) i64 {
    return (@as(i64, @intCast(@intFromPtr(json.ptr))) << 32) | @as(i64, @intCast(json.len));
}

export fn analyze(ptr: i32, len: i32) i64 {
    const base: [*]const u8 = @ptrFromInt(@as(usize, @intCast(ptr)));
    const object = base[0..@as(usize, @intCast(len))];
    if (std.mem.indexOf(u8, object, ":latest\"") != null) return result(found);
    return result(none);
}
