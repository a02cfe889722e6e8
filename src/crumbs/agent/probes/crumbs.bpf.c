// crumbs agent, libbpf loader: the same events as proc_net.bt and dns.bt, written as fixed
// binary records to one BPF ring buffer per kind (layouts: src/crumbs/agent/binrecords.py):
// `connects` and `dns` hold records of one size each, read by the agent as columns without
// walking headers; `events` holds the rarer processes' records. CO-RE:
// compiled once against a vmlinux.h, relocated by libbpf against the running kernel's BTF.
// Tracepoints only (kprobes and fentry are not needed). Build: `make bpf` (clang, bpftool).
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define KIND_EXEC 1
#define KIND_EXIT 2
#define KIND_CONNECT 3
#define KIND_ACCEPT 4
#define KIND_QUERY 5
#define KIND_ANSWER 6

#define ARGS 8
#define ARGLEN 64
#define PAYLOAD 200

struct head {  // every record starts so: 40 bytes
    __u32 kind;
    __u32 pid;
    __u64 ns;
    __u64 cgroup;
    char comm[16];
};

struct argv_t {
    __u32 count;
    __u32 pad;
    char arg[ARGS][ARGLEN];
};

struct exec_event {
    struct head h;
    __u32 ppid;
    __u32 uid;
    char parent[16];
    char binary[ARGLEN];
    struct argv_t argv;
};

struct exit_event {
    struct head h;
    __s32 status;
    __u32 pad;
};

struct conn_event {
    struct head h;
    __u32 family;
    __u16 sport;
    __u16 dport;
    __u8 saddr[16];
    __u8 daddr[16];
    __u16 dial_port;
    __u16 newstate;
    __s32 err;
    __u32 dial_addr;
    __u32 pad;
};

struct dns_event {
    struct head h;
    __u32 server;
    __u32 len;
    __u8 payload[PAYLOAD];
};

struct start {
    __u64 ns;
    __u64 cgroup;
    __u32 pid;
    __u32 dial_addr;
    __u16 dial_port;
    __u16 pad[3];
    char comm[16];
};

struct dial {
    __u32 addr;
    __u16 port;
    __u16 pad;
};

struct reading {
    __u64 buf;
    __u32 server;
    __u32 pad;
};

struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 8 << 20); } events SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 16 << 20); } connects SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_RINGBUF); __uint(max_entries, 16 << 20); } dns_msgs SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u64); } lost SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 4096); __type(key, __u32); __type(value, struct argv_t); } argvs SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, struct argv_t); } scratch SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct dial); } dials SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 65536); __type(key, __u64); __type(value, struct start); } conns SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_LRU_HASH); __uint(max_entries, 65536); __type(key, __u64); __type(value, __u32); } dns SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 65536); __type(key, __u32); __type(value, struct reading); } reads SEC(".maps");

#define reserve(ring, size) reserve_in(&ring, size)

static __always_inline void *reserve_in(void *ring, __u64 size) {
    void *e = bpf_ringbuf_reserve(ring, size, 0);
    if (!e) {
        __u32 zero = 0;
        __u64 *n = bpf_map_lookup_elem(&lost, &zero);
        if (n)
            __sync_fetch_and_add(n, 1);
    }
    return e;
}

static __always_inline void fill_head(struct head *h, __u32 kind) {
    h->kind = kind;
    h->pid = bpf_get_current_pid_tgid() >> 32;
    h->ns = bpf_ktime_get_ns();
    h->cgroup = bpf_get_current_cgroup_id();
    bpf_get_current_comm(h->comm, sizeof h->comm);
}

static __always_inline __u64 fd_key(__u64 fd) {
    return (bpf_get_current_pid_tgid() & 0xffffffff00000000ULL) | (fd & 0xffffffff);
}

// ---- processes ----------------------------------------------------------------------------

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx) {
    // Never read past argv's NULL: the environment (and its secrets) follows it.
    __u32 zero = 0;
    struct argv_t *a = bpf_map_lookup_elem(&scratch, &zero);
    if (!a)
        return 0;
    const char *const *argv = (const char *const *)ctx->args[1];
    a->count = 0;
#pragma unroll
    for (int i = 0; i < ARGS; i++) {
        const char *p = 0;
        if (bpf_probe_read_user(&p, sizeof p, &argv[i]) || !p)
            break;
        if (bpf_probe_read_user_str(a->arg[i], ARGLEN, p) < 0)
            a->arg[i][0] = 0;
        a->count = i + 1;
    }
    __u32 pid = bpf_get_current_pid_tgid() >> 32;
    bpf_map_update_elem(&argvs, &pid, a, BPF_ANY);
    return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int process_exec(struct trace_event_raw_sched_process_exec *ctx) {
    struct exec_event *e = reserve(events, sizeof *e);
    if (!e)
        return 0;
    fill_head(&e->h, KIND_EXEC);
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    e->ppid = BPF_CORE_READ(task, real_parent, tgid);
    e->uid = (__u32)bpf_get_current_uid_gid();
    BPF_CORE_READ_STR_INTO(&e->parent, task, real_parent, comm);
    unsigned int off = ctx->__data_loc_filename & 0xFFFF;
    bpf_probe_read_kernel_str(e->binary, sizeof e->binary, (void *)ctx + off);
    struct argv_t *a = bpf_map_lookup_elem(&argvs, &e->h.pid);
    if (a) {
        __builtin_memcpy(&e->argv, a, sizeof e->argv);
        bpf_map_delete_elem(&argvs, &e->h.pid);
    } else {
        e->argv.count = 0;
    }
    bpf_ringbuf_submit(e, 0);
    return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int process_exit(void *ctx) {
    __u64 id = bpf_get_current_pid_tgid();
    if ((__u32)id != id >> 32)  // threads: only the process's end
        return 0;
    struct exit_event *e = reserve(events, sizeof *e);
    if (!e)
        return 0;
    fill_head(&e->h, KIND_EXIT);
    struct task_struct *task = (struct task_struct *)bpf_get_current_task();
    e->status = BPF_CORE_READ(task, exit_code);
    e->pad = 0;
    bpf_ringbuf_submit(e, 0);
    return 0;
}

// ---- TCP ----------------------------------------------------------------------------------

SEC("tracepoint/syscalls/sys_enter_connect")
int enter_connect(struct trace_event_raw_sys_enter *ctx) {
    struct sockaddr_in sa = {};
    if (bpf_probe_read_user(&sa, sizeof sa, (void *)ctx->args[1]))
        return 0;
    if (sa.sin_family == 2) {
        __u32 tid = (__u32)bpf_get_current_pid_tgid();
        struct dial d = {.addr = sa.sin_addr.s_addr, .port = sa.sin_port};
        bpf_map_update_elem(&dials, &tid, &d, BPF_ANY);
    }
    if ((sa.sin_family == 2 || sa.sin_family == 10) && sa.sin_port == 0x3500) {
        __u64 key = fd_key(ctx->args[0]);
        __u32 server = sa.sin_family == 2 ? sa.sin_addr.s_addr : 1;
        bpf_map_update_elem(&dns, &key, &server, BPF_ANY);
    }
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int exit_connect(void *ctx) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    bpf_map_delete_elem(&dials, &tid);
    return 0;
}

static __always_inline void addresses(struct conn_event *e, struct trace_event_raw_inet_sock_set_state *ctx) {
    e->family = ctx->family;
    e->newstate = ctx->newstate;
    e->sport = ctx->sport;
    e->dport = ctx->dport;
    // fixed-offset loads only: the verifier refuses a context pointer moved by a variable
    if (ctx->family == 10) {
        __u32 *s6 = (__u32 *)e->saddr, *d6 = (__u32 *)e->daddr;
        s6[0] = *(__u32 *)&ctx->saddr_v6[0]; s6[1] = *(__u32 *)&ctx->saddr_v6[4];
        s6[2] = *(__u32 *)&ctx->saddr_v6[8]; s6[3] = *(__u32 *)&ctx->saddr_v6[12];
        d6[0] = *(__u32 *)&ctx->daddr_v6[0]; d6[1] = *(__u32 *)&ctx->daddr_v6[4];
        d6[2] = *(__u32 *)&ctx->daddr_v6[8]; d6[3] = *(__u32 *)&ctx->daddr_v6[12];
    } else {
        __builtin_memset(e->saddr, 0, 16);
        __builtin_memset(e->daddr, 0, 16);
        *(__u32 *)e->saddr = *(__u32 *)ctx->saddr;
        *(__u32 *)e->daddr = *(__u32 *)ctx->daddr;
    }
}

SEC("tracepoint/sock/inet_sock_set_state")
int set_state(struct trace_event_raw_inet_sock_set_state *ctx) {
    if (ctx->protocol != 6)
        return 0;
    __u64 sk = (__u64)ctx->skaddr;
    int oldstate = ctx->oldstate, newstate = ctx->newstate;
    if (oldstate == 7 && newstate == 2) {  // CLOSE -> SYN_SENT, in the connecting task
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
    if (oldstate == 3 && newstate == 1) {  // SYN_RECV -> ESTABLISHED: accepted, the listener's cgroup
        struct conn_event *a = reserve(connects, sizeof *a);
        if (!a)
            return 0;
        __builtin_memset(a, 0, sizeof *a);
        a->h.kind = KIND_ACCEPT;
        a->h.ns = bpf_ktime_get_ns();
        struct sock *sock = (struct sock *)ctx->skaddr;
        a->h.cgroup = BPF_CORE_READ(sock, sk_cgrp_data.cgroup, kn, id);
        addresses(a, ctx);
        bpf_ringbuf_submit(a, 0);
        return 0;
    }
    if (oldstate != 2)  // SYN_SENT -> ESTABLISHED or CLOSE: the outcome (often in softirq)
        return 0;
    struct start *s = bpf_map_lookup_elem(&conns, &sk);
    if (!s)
        return 0;
    struct conn_event *e = reserve(connects, sizeof *e);
    if (!e) {
        bpf_map_delete_elem(&conns, &sk);
        return 0;
    }
    e->h.kind = KIND_CONNECT;
    e->h.pid = s->pid;
    e->h.ns = s->ns;
    e->h.cgroup = s->cgroup;
    __builtin_memcpy(e->h.comm, s->comm, 16);
    e->dial_addr = s->dial_addr;
    e->dial_port = s->dial_port;
    e->err = BPF_CORE_READ((struct sock *)ctx->skaddr, sk_err);
    e->pad = 0;
    bpf_map_delete_elem(&conns, &sk);
    addresses(e, ctx);
    bpf_ringbuf_submit(e, 0);
    return 0;
}

// ---- DNS over UDP port 53, whatever the resolver -----------------------------------------

static __always_inline void dns_payload(__u32 kind, __u32 server, const void *buf, __u64 size) {
    struct dns_event *e = reserve(dns_msgs, sizeof *e);
    if (!e)
        return;
    fill_head(&e->h, kind);
    e->server = server;
    __u32 n = size > PAYLOAD ? PAYLOAD : size;
    e->len = n;
    if (bpf_probe_read_user(e->payload, n & 0xff, buf))
        e->len = 0;
    bpf_ringbuf_submit(e, 0);
}

static __always_inline __u32 *dns_server(__u64 fd) {
    __u64 key = fd_key(fd);
    return bpf_map_lookup_elem(&dns, &key);
}

static __always_inline __u32 mark_dns(__u64 fd, const void *addr) {
    __u32 server = 0;
    if (addr) {
        struct sockaddr_in sa = {};
        if (!bpf_probe_read_user(&sa, sizeof sa, addr) && sa.sin_port == 0x3500 &&
            (sa.sin_family == 2 || sa.sin_family == 10)) {
            server = sa.sin_family == 2 ? sa.sin_addr.s_addr : 1;
            __u64 key = fd_key(fd);
            bpf_map_update_elem(&dns, &key, &server, BPF_ANY);
            return server;
        }
    }
    __u32 *known = dns_server(fd);
    return known ? *known : 0;
}

SEC("tracepoint/syscalls/sys_enter_close")
int enter_close(struct trace_event_raw_sys_enter *ctx) {
    __u64 key = fd_key(ctx->args[0]);
    bpf_map_delete_elem(&dns, &key);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int enter_sendto(struct trace_event_raw_sys_enter *ctx) {
    __u32 server = mark_dns(ctx->args[0], (const void *)ctx->args[4]);
    if (server)
        dns_payload(KIND_QUERY, server, (const void *)ctx->args[1], ctx->args[2]);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int enter_sendmsg(struct trace_event_raw_sys_enter *ctx) {
    struct user_msghdr m = {};
    if (bpf_probe_read_user(&m, sizeof m, (void *)ctx->args[1]))
        return 0;
    __u32 server = mark_dns(ctx->args[0], m.msg_name);
    if (!server)
        return 0;
    struct iovec iov = {};
    if (bpf_probe_read_user(&iov, sizeof iov, m.msg_iov))
        return 0;
    dns_payload(KIND_QUERY, server, iov.iov_base, iov.iov_len);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int enter_sendmmsg(struct trace_event_raw_sys_enter *ctx) {
    __u32 *known = dns_server(ctx->args[0]);
    if (!known)
        return 0;
    __u32 server = *known;
    struct mmsghdr *mm = (struct mmsghdr *)ctx->args[1];
    unsigned int vlen = ctx->args[2];
    for (int i = 0; i < 2; i++) {  // glibc sends A and AAAA together
        if (i >= vlen)
            break;
        struct user_msghdr m = {};
        struct iovec iov = {};
        if (bpf_probe_read_user(&m, sizeof m, &mm[i].msg_hdr) ||
            bpf_probe_read_user(&iov, sizeof iov, m.msg_iov))
            break;
        dns_payload(KIND_QUERY, server, iov.iov_base, iov.iov_len);
    }
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_write")
int enter_write(struct trace_event_raw_sys_enter *ctx) {
    __u32 *known = dns_server(ctx->args[0]);
    if (known)
        dns_payload(KIND_QUERY, *known, (const void *)ctx->args[1], ctx->args[2]);
    return 0;
}

static __always_inline int remember_read(__u64 fd, __u64 buf) {
    __u32 *known = dns_server(fd);
    if (!known)
        return 0;
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct reading r = {.buf = buf, .server = *known};
    bpf_map_update_elem(&reads, &tid, &r, BPF_ANY);
    return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int enter_recvfrom(struct trace_event_raw_sys_enter *ctx) {
    return remember_read(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_read")
int enter_read(struct trace_event_raw_sys_enter *ctx) {
    return remember_read(ctx->args[0], ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int enter_recvmsg(struct trace_event_raw_sys_enter *ctx) {
    if (!dns_server(ctx->args[0]))
        return 0;
    struct user_msghdr m = {};
    struct iovec iov = {};
    if (bpf_probe_read_user(&m, sizeof m, (void *)ctx->args[1]) ||
        bpf_probe_read_user(&iov, sizeof iov, m.msg_iov))
        return 0;
    return remember_read(ctx->args[0], (__u64)iov.iov_base);
}

static __always_inline int answered(struct trace_event_raw_sys_exit *ctx) {
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct reading *r = bpf_map_lookup_elem(&reads, &tid);
    if (!r)
        return 0;
    if (ctx->ret > 0)
        dns_payload(KIND_ANSWER, r->server, (const void *)r->buf, ctx->ret);
    bpf_map_delete_elem(&reads, &tid);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int exit_recvfrom(struct trace_event_raw_sys_exit *ctx) { return answered(ctx); }

SEC("tracepoint/syscalls/sys_exit_read")
int exit_read(struct trace_event_raw_sys_exit *ctx) { return answered(ctx); }

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int exit_recvmsg(struct trace_event_raw_sys_exit *ctx) { return answered(ctx); }
