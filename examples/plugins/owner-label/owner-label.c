/* wasm:owner-label, in C: every CronJob must carry an `owner` label (who to page when it fails).
 * Build (no toolchain but the ziglang package from PyPI):
 *   python -m ziglang cc -target wasm32-wasi -mexec-model=reactor -O2 \
 *     -Wl,--export=alloc -Wl,--export=analyze -Wl,--export=crumbs_abi_version -o owner-label.wasm owner-label.c
 * or `crumbs plugin build examples/plugins/owner-label`.
 * ABI v1: the host writes the input at alloc(len), then calls analyze(ptr, len), which returns
 * (out_ptr << 32) | out_len. The input is {"at": ..., "object": {...}}, compact JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *input;
static size_t capacity;

__attribute__((export_name("crumbs_abi_version"))) int32_t crumbs_abi_version(void) { return 1; }

__attribute__((export_name("alloc"))) uint8_t *alloc(int32_t len) {
    if ((size_t)len > capacity) {
        free(input);
        input = malloc((size_t)len);
        capacity = input ? (size_t)len : 0;
    }
    return input;
}

/* The first occurrence of needle in [from, end), or NULL. */
static const uint8_t *find(const uint8_t *from, const uint8_t *end, const char *needle) {
    size_t n = strlen(needle);
    for (const uint8_t *p = from; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0) return p;
    return NULL;
}

static const char NONE[] = "{\"findings\":[]}";
static const char MISSING[] =
    "{\"findings\":[{\"rule\":\"missing-owner-label\",\"severity\":\"warning\","
    "\"title\":\"CronJob has no owner label: nobody is paged when it fails\","
    "\"remediation\":\"add metadata.labels.owner (a team or a person) to the CronJob\"}]}";

static int64_t result(const char *json, size_t len) {
    return ((int64_t)(uintptr_t)json << 32) | (int64_t)len;
}

__attribute__((export_name("analyze"))) int64_t analyze(uint8_t *ptr, int32_t len) {
    const uint8_t *end = ptr + len;
    const uint8_t *meta = find(ptr, end, "\"metadata\":{");
    if (!meta) return result(NONE, sizeof NONE - 1);
    const uint8_t *labels = find(meta, end, "\"labels\":{");
    /* labels hold strings only: the first } closes them */
    const uint8_t *close = labels ? find(labels, end, "}") : NULL;
    if (labels && close && find(labels, close, "\"owner\":\"")) return result(NONE, sizeof NONE - 1);
    return result(MISSING, sizeof MISSING - 1);
}
