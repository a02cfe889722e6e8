// The libbpf (CO-RE) side of the loader comparison: the same TCP connect outcomes as
// src/crumbs/agent/probes/proc_net.bt, written to a BPF ring buffer as fixed binary records.
// Build: bpftool btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h
//        clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -c connect.bpf.c -o connect.bpf.o
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct start {
    __u64 ns;
    __u64 cgroup;
    __u32 pid;
    __u32 dial_addr;
    __u16 dial_port;
    char comm[16];
};

struct conn_event {
    __u64 start_ns;
    __u64 cgroup;
    __u32 pid;
    __u32 family;
    __u8 saddr[16];
    __u8 daddr[16];
    __u16 sport;
    __u16 dport;
    __u16 dial_port;
    __u16 newstate;
    __s32 err;
    __u32 dial_addr;
    char comm[16];
};

struct dial {
    __u32 addr;
    __u16 port;
};

struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct dial); } dials SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u64); __type(value, struct start); } conns SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 16 << 20); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } lost SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx) {
    struct sockaddr_in sa = {};
    if (bpf_probe_read_user(&sa, sizeof sa, (void *)ctx->args[1]) || sa.sin_family != 2)
        return 0;
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct dial d = {.addr = sa.sin_addr.s_addr, .port = sa.sin_port};
    bpf_map_update_elem(&dials, &tid, &d, BPF_ANY);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(void *ctx) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    bpf_map_delete_elem(&dials, &tid);
    return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int set_state(struct trace_event_raw_inet_sock_set_state *ctx) {
    if (ctx->protocol != 6)
        return 0;
    __u64 sk = (__u64)ctx->skaddr;
    if (ctx->oldstate == 7 && ctx->newstate == 2) {  // CLOSE -> SYN_SENT, in the connecting task
        __u64 id = bpf_get_current_pid_tgid();
        __u32 tid = (__u32)id;
        struct start s = {.ns = bpf_ktime_get_ns(), .cgroup = bpf_get_current_cgroup_id(), .pid = id >> 32};
        struct dial *d = bpf_map_lookup_elem(&dials, &tid);
        if (d) {
            s.dial_addr = d->addr;
            s.dial_port = d->port;
        }
        bpf_get_current_comm(s.comm, sizeof s.comm);
        bpf_map_update_elem(&conns, &sk, &s, BPF_ANY);
        return 0;
    }
    if (ctx->oldstate != 2)
        return 0;
    struct start *s = bpf_map_lookup_elem(&conns, &sk);
    if (!s)
        return 0;
    struct conn_event *e = bpf_ringbuf_reserve(&events, sizeof *e, 0);
    if (!e) {
        __u32 zero = 0;
        __u64 *n = bpf_map_lookup_elem(&lost, &zero);
        if (n)
            (*n)++;
        bpf_map_delete_elem(&conns, &sk);
        return 0;
    }
    e->start_ns = s->ns;
    e->cgroup = s->cgroup;
    e->pid = s->pid;
    e->family = ctx->family;
    // fixed-offset loads only: the verifier refuses a context pointer moved by a variable
    if (ctx->family == 10) {
        __u32 *s6 = (__u32 *)e->saddr, *d6 = (__u32 *)e->daddr;
        s6[0] = *(__u32 *)&ctx->saddr_v6[0]; s6[1] = *(__u32 *)&ctx->saddr_v6[4];
        s6[2] = *(__u32 *)&ctx->saddr_v6[8]; s6[3] = *(__u32 *)&ctx->saddr_v6[12];
        d6[0] = *(__u32 *)&ctx->daddr_v6[0]; d6[1] = *(__u32 *)&ctx->daddr_v6[4];
        d6[2] = *(__u32 *)&ctx->daddr_v6[8]; d6[3] = *(__u32 *)&ctx->daddr_v6[12];
    } else {
        *(__u32 *)e->saddr = *(__u32 *)ctx->saddr;
        *(__u32 *)e->daddr = *(__u32 *)ctx->daddr;
    }
    e->sport = ctx->sport;
    e->dport = ctx->dport;
    e->newstate = ctx->newstate;
    e->err = BPF_CORE_READ((struct sock *)ctx->skaddr, sk_err);
    e->dial_addr = s->dial_addr;
    e->dial_port = s->dial_port;
    __builtin_memcpy(e->comm, s->comm, 16);
    bpf_ringbuf_submit(e, 0);
    bpf_map_delete_elem(&conns, &sk);
    return 0;
}
