//! wasm:__NAME__ — a Crumbs analyzer in Zig. Build: crumbs plugin build __NAME__
//! (python -m ziglang build-exe -target wasm32-freestanding). ABI v1: docs/plugins.md.
//! The rule to start from: an object without the label app.kubernetes.io/name.
const std = @import("std");

var input: [1 << 20]u8 = undefined;

export fn crumbs_abi_version() i32 {
    return 1;
}

export fn alloc(len: i32) i32 {
    if (len < 0 or len > input.len) return 0;
    return @intCast(@intFromPtr(&input));
}

const none = "{\"findings\":[]}";
const found = "{\"findings\":[{\"rule\":\"missing-app-name\",\"severity\":\"info\",\"title\":\"no app.kubernetes.io/name label\"}]}";

fn result(json: []const u8) i64 {
    return (@as(i64, @intCast(@intFromPtr(json.ptr))) << 32) | @as(i64, @intCast(json.len));
}

export fn analyze(ptr: i32, len: i32) i64 {
    const base: [*]const u8 = @ptrFromInt(@as(usize, @intCast(ptr)));
    const object = base[0..@as(usize, @intCast(len))];
    if (std.mem.indexOf(u8, object, "\"app.kubernetes.io/name\":") != null) return result(none);
    return result(found);
}
