/* wasm:__NAME__ — a Crumbs analyzer in C. Build: crumbs plugin build __NAME__
 * (python -m ziglang cc -target wasm32-wasi -mexec-model=reactor). ABI v1: docs/plugins.md.
 * The rule to start from: an object without the label app.kubernetes.io/name. */
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

static const char NONE[] = "{\"findings\":[]}";
static const char FOUND[] = "{\"findings\":[{\"rule\":\"missing-app-name\",\"severity\":\"info\","
                            "\"title\":\"no app.kubernetes.io/name label\"}]}";

__attribute__((export_name("analyze"))) int64_t analyze(uint8_t *ptr, int32_t len) {
    static const char needle[] = "\"app.kubernetes.io/name\":";
    size_t n = sizeof needle - 1;
    for (int32_t i = 0; i + (int32_t)n <= len; i++)
        if (memcmp(ptr + i, needle, n) == 0)
            return ((int64_t)(uintptr_t)NONE << 32) | (int64_t)(sizeof NONE - 1);
    return ((int64_t)(uintptr_t)FOUND << 32) | (int64_t)(sizeof FOUND - 1);
}
