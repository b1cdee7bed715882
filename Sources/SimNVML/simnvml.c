/*
 * A simulated libnvidia-ml.so.1: the same C symbols as NVIDIA's library, with GPU state read
 * from a scenario file ($GPUCLUSTER_SIM_SCENARIO, else scenario.txt beside the library). Used by tests, `gpucluster demo` and the lab,
 * and read by the real Python clients gpustat and nvidia-ml-py as if it were a driver.
 *
 * Scenario format (one record per line, `#` starts a comment, values may be "quoted"):
 *   driver 535.129.03            nvml 12.535.129.03          cuda 12020
 *   init_error 18                nvmlInit fails with this code (18: the driver/library version
 *                                mismatch after a driver upgrade without a reboot; 9: no module)
 *   gpu uuid=GPU-… name="NVIDIA A100-SXM4-80GB" memory_total_mib=81920 memory_used_mib=1024
 *       util=0,50,100 mem_util=0 util_period_ms=1000 temp=40 fan=30 power_w=250.5
 *       power_limit_w=400 clocks=1410,1410,1593,1275 max_clocks=1410,1410,1593,1275 pstate=0
 *       ecc_corrected=0 ecc_uncorrected=0 remapped=0,0,0,0 throttle=0x1 serial=…
 *       mig=0 lost=0 lost_after_ms=-1 xid=79@2000 slow_ms=0 persistence=1 supported=…
 *   mig gpu=0 uuid=MIG-… profile=3g.40gb memory_total_mib=40192 memory_used_mib=100 gi=1 ci=0
 *   proc gpu=0 pid=1234 used_mib=500 type=C gi=1 ci=0
 * The file is re-read when it changes, so a test or the demo can change the GPUs' state.
 * Times (lost_after_ms, xid=CODE@MS, util steps) count from when the file was (re)loaded.
 */
#define _GNU_SOURCE
#include "include/simnvml.h"
#include "../CNVML/include/nvml_abi.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_GPUS 64
#define MAX_MIG 8
#define MAX_SERIES 64

typedef struct {
    unsigned int pid;
    unsigned long long used;
    int graphics;
    unsigned int gi, ci;
} sim_proc;

typedef struct {
    char uuid[NVML_DEVICE_UUID_BUFFER_SIZE];
    char profile[64];
    unsigned long long mem_total, mem_used;
    unsigned int gi, ci;
} sim_mig;

typedef struct {
    char uuid[NVML_DEVICE_UUID_BUFFER_SIZE];
    char name[NVML_DEVICE_NAME_BUFFER_SIZE];
    char serial[64];
    unsigned long long mem_total, mem_used, mem_reserved;
    int util_n, mem_util_n;
    unsigned int util[MAX_SERIES], mem_util[MAX_SERIES];
    unsigned int util_period_ms;
    unsigned int temp, fan, power_mw, power_limit_mw, pstate;
    int has_fan, has_power, has_ecc, has_remap, has_temp;
    int persistence;
    unsigned int clocks[4], max_clocks[4];
    unsigned long long ecc_corr, ecc_uncorr, throttle;
    unsigned int remap[4];
    int mig_mode, mig_count;
    sim_mig migs[MAX_MIG];
    int lost;
    long long lost_after_ms;
    unsigned int xid_code;
    long long xid_after_ms;
    unsigned int slow_ms;
    sim_proc *procs;
    int nprocs, cap;
} sim_gpu;

/* Handles stay valid across reloads: they name a (gpu, mig) slot, not a state struct. */
struct nvmlDevice_st { int gpu; int mig; };
static struct nvmlDevice_st g_handles[MAX_GPUS][MAX_MIG + 1];

struct nvmlEventSet_st { unsigned long long types[MAX_GPUS]; int delivered[MAX_GPUS]; };

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_init_count;
static sim_gpu g_gpus[MAX_GPUS];
static int g_ngpus;
static char g_driver[80] = "535.129.03";
static char g_nvml[80] = "12.535.129.03";
static int g_init_error;
static int g_cuda = 12020;
static unsigned int g_slow_ms;
static struct timespec g_loaded_at;
static time_t g_mtime;
static long g_mtime_ns;
static off_t g_size;
static ino_t g_ino;
static struct timespec g_checked_at;

static long long ms_since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void free_state(void) {
    for (int i = 0; i < g_ngpus; i++) free(g_gpus[i].procs);
    memset(g_gpus, 0, sizeof g_gpus);
    g_ngpus = 0;
}

/* Splits "key=value" tokens; values may be double-quoted. Returns 0 at end of line. */
static int next_pair(char **cursor, char **key, char **value) {
    char *p = *cursor;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#' || *p == '\n') return 0;
    *key = p;
    while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n') p++;
    if (*p != '=') { *value = p; if (*p) *p++ = 0; *cursor = p; return 1; }
    *p++ = 0;
    if (*p == '"') {
        *value = ++p;
        while (*p && *p != '"') p++;
    } else {
        *value = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
    }
    if (*p) *p++ = 0;
    *cursor = p;
    return 1;
}

static void copy_str(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src);
}

static int parse_list(const char *v, unsigned int *out, int max) {
    int n = 0;
    const char *p = v;
    while (*p && n < max) {
        char *end;
        unsigned long x = strtoul(p, &end, 0);
        if (end == p) break;
        out[n++] = (unsigned int)x;
        p = (*end == ',') ? end + 1 : end;
        if (!*end || *end != ',') break;
    }
    return n;
}

static unsigned long long mib(const char *v) { return strtoull(v, NULL, 10) * 1024ULL * 1024ULL; }

static void parse_gpu(char *rest) {
    if (g_ngpus >= MAX_GPUS) return;
    sim_gpu *g = &g_gpus[g_ngpus++];
    memset(g, 0, sizeof *g);
    snprintf(g->uuid, sizeof g->uuid, "GPU-00000000-0000-0000-0000-%012d", g_ngpus - 1);
    copy_str(g->name, sizeof g->name, "Simulated GPU");
    copy_str(g->serial, sizeof g->serial, "0000000000000");
    g->mem_total = 16ULL << 30;
    g->util_period_ms = 1000;
    g->temp = 35; g->has_temp = 1;
    g->power_limit_mw = 300000; g->has_power = 1; g->power_mw = 50000;
    g->has_fan = 1; g->has_ecc = 1; g->has_remap = 1; g->persistence = 1;
    g->lost_after_ms = -1;
    g->xid_after_ms = -1;
    char *k, *v;
    while (next_pair(&rest, &k, &v)) {
        if (!strcmp(k, "uuid")) copy_str(g->uuid, sizeof g->uuid, v);
        else if (!strcmp(k, "name")) copy_str(g->name, sizeof g->name, v);
        else if (!strcmp(k, "serial")) copy_str(g->serial, sizeof g->serial, v);
        else if (!strcmp(k, "memory_total_mib")) g->mem_total = mib(v);
        else if (!strcmp(k, "memory_used_mib")) g->mem_used = mib(v);
        else if (!strcmp(k, "memory_reserved_mib")) g->mem_reserved = mib(v);
        else if (!strcmp(k, "util")) g->util_n = parse_list(v, g->util, MAX_SERIES);
        else if (!strcmp(k, "mem_util")) g->mem_util_n = parse_list(v, g->mem_util, MAX_SERIES);
        else if (!strcmp(k, "util_period_ms")) g->util_period_ms = (unsigned)strtoul(v, NULL, 10) ?: 1000;
        else if (!strcmp(k, "temp")) { if (!strcmp(v, "na")) g->has_temp = 0; else g->temp = (unsigned)strtoul(v, NULL, 10); }
        else if (!strcmp(k, "persistence")) g->persistence = atoi(v);
        else if (!strcmp(k, "fan")) { if (!strcmp(v, "na")) g->has_fan = 0; else g->fan = (unsigned)strtoul(v, NULL, 10); }
        else if (!strcmp(k, "power_w")) { if (!strcmp(v, "na")) g->has_power = 0; else g->power_mw = (unsigned)(strtod(v, NULL) * 1000.0 + 0.5); }
        else if (!strcmp(k, "power_limit_w")) g->power_limit_mw = (unsigned)(strtod(v, NULL) * 1000.0 + 0.5);
        else if (!strcmp(k, "clocks")) parse_list(v, g->clocks, 4);
        else if (!strcmp(k, "max_clocks")) parse_list(v, g->max_clocks, 4);
        else if (!strcmp(k, "pstate")) g->pstate = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "ecc_corrected")) { if (!strcmp(v, "na")) g->has_ecc = 0; else g->ecc_corr = strtoull(v, NULL, 10); }
        else if (!strcmp(k, "ecc_uncorrected")) g->ecc_uncorr = strtoull(v, NULL, 10);
        else if (!strcmp(k, "remapped")) { if (!strcmp(v, "na")) g->has_remap = 0; else parse_list(v, g->remap, 4); }
        else if (!strcmp(k, "throttle")) g->throttle = strtoull(v, NULL, 0);
        else if (!strcmp(k, "mig")) g->mig_mode = atoi(v);
        else if (!strcmp(k, "lost")) g->lost = atoi(v);
        else if (!strcmp(k, "lost_after_ms")) g->lost_after_ms = strtoll(v, NULL, 10);
        else if (!strcmp(k, "slow_ms")) g->slow_ms = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "xid")) {
            char *at = strchr(v, '@');
            g->xid_code = (unsigned)strtoul(v, NULL, 10);
            g->xid_after_ms = at ? strtoll(at + 1, NULL, 10) : 0;
        }
    }
    if (g->util_n == 0) { g->util[0] = 0; g->util_n = 1; }
    if (g->mem_util_n == 0) { g->mem_util[0] = 0; g->mem_util_n = 1; }
}

static int parse_index(const char *v) {
    int i = atoi(v);
    return (i >= 0 && i < g_ngpus) ? i : -1;
}

static void parse_mig(char *rest) {
    char *k, *v;
    int gi = -1;
    sim_mig m;
    memset(&m, 0, sizeof m);
    copy_str(m.profile, sizeof m.profile, "1g.10gb");
    while (next_pair(&rest, &k, &v)) {
        if (!strcmp(k, "gpu")) gi = parse_index(v);
        else if (!strcmp(k, "uuid")) copy_str(m.uuid, sizeof m.uuid, v);
        else if (!strcmp(k, "profile")) copy_str(m.profile, sizeof m.profile, v);
        else if (!strcmp(k, "memory_total_mib")) m.mem_total = mib(v);
        else if (!strcmp(k, "memory_used_mib")) m.mem_used = mib(v);
        else if (!strcmp(k, "gi")) m.gi = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "ci")) m.ci = (unsigned)strtoul(v, NULL, 10);
    }
    if (gi < 0 || g_gpus[gi].mig_count >= MAX_MIG) return;
    sim_gpu *g = &g_gpus[gi];
    if (!m.uuid[0]) snprintf(m.uuid, sizeof m.uuid, "MIG-00000000-0000-0000-0000-%06d%06d", gi, g->mig_count);
    g->migs[g->mig_count++] = m;
}

static void parse_proc(char *rest) {
    char *k, *v;
    int gi = -1;
    sim_proc p = {0, 0, 0, 0xFFFFFFFFu, 0xFFFFFFFFu};
    while (next_pair(&rest, &k, &v)) {
        if (!strcmp(k, "gpu")) gi = parse_index(v);
        else if (!strcmp(k, "pid")) p.pid = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "used_mib")) p.used = mib(v);
        else if (!strcmp(k, "used_bytes")) p.used = strtoull(v, NULL, 10);
        else if (!strcmp(k, "type")) p.graphics = (v[0] == 'G');
        else if (!strcmp(k, "gi")) p.gi = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "ci")) p.ci = (unsigned)strtoul(v, NULL, 10);
    }
    if (gi < 0) return;
    sim_gpu *g = &g_gpus[gi];
    if (g->nprocs == g->cap) {
        int cap = g->cap ? g->cap * 2 : 16;
        sim_proc *np = realloc(g->procs, (size_t)cap * sizeof *np);
        if (!np) return;
        g->procs = np;
        g->cap = cap;
    }
    g->procs[g->nprocs++] = p;
}

static void load_scenario(const char *path) {
    free_state();
    clock_gettime(CLOCK_MONOTONIC, &g_loaded_at);
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return;
    char line[8192];
    g_slow_ms = 0;
    g_init_error = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        char *word = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
        if (*p) *p++ = 0;
        char *rest = p;
        char *nl = strchr(rest, '\n');
        if (nl) *nl = 0;
        while (*rest == ' ') rest++;
        if (!strcmp(word, "gpu")) parse_gpu(rest);
        else if (!strcmp(word, "mig")) parse_mig(rest);
        else if (!strcmp(word, "proc")) parse_proc(rest);
        else if (!strcmp(word, "driver")) copy_str(g_driver, sizeof g_driver, strtok(rest, " \t#") ?: "");
        else if (!strcmp(word, "nvml")) copy_str(g_nvml, sizeof g_nvml, strtok(rest, " \t#") ?: "");
        else if (!strcmp(word, "cuda")) g_cuda = atoi(rest);
        else if (!strcmp(word, "slow_ms")) g_slow_ms = (unsigned)strtoul(rest, NULL, 10);
        else if (!strcmp(word, "init_error")) g_init_error = atoi(rest);
    }
    fclose(f);
}

/* The scenario: $GPUCLUSTER_SIM_SCENARIO, else `scenario.txt` beside this library, so that
 * several copies of the library in one process (tests) each have their own GPUs. */
static const char *scenario_path(void) {
    static char beside[4096];
    const char *env = getenv("GPUCLUSTER_SIM_SCENARIO");
    if (env && *env) return env;
    if (!beside[0]) {
        Dl_info info;
        if (dladdr((void *)&scenario_path, &info) && info.dli_fname) {
            const char *slash = strrchr(info.dli_fname, '/');
            if (slash) snprintf(beside, sizeof beside, "%.*s/scenario.txt", (int)(slash - info.dli_fname), info.dli_fname);
            else snprintf(beside, sizeof beside, "scenario.txt");
        }
    }
    return beside[0] ? beside : NULL;
}

/* Re-reads the scenario when the file changed; checks at most every 100 ms. */
static void refresh_locked(int force) {
    const char *path = scenario_path();
    if (!force && g_checked_at.tv_sec && ms_since(&g_checked_at) < 100) return;
    clock_gettime(CLOCK_MONOTONIC, &g_checked_at);
    struct stat st;
    if (!path || stat(path, &st) != 0) {
        if (force || g_ngpus) { free_state(); clock_gettime(CLOCK_MONOTONIC, &g_loaded_at); }
        g_mtime = 0;
        return;
    }
    /* File times are coarse (a kernel tick): two writes in one tick share an mtime, so the
     * inode (new on every atomic replace) is compared too. */
    if (!force && st.st_mtim.tv_sec == g_mtime && st.st_mtim.tv_nsec == g_mtime_ns && st.st_size == g_size &&
        st.st_ino == g_ino) return;
    g_ino = st.st_ino;
    g_mtime = st.st_mtim.tv_sec;
    g_mtime_ns = st.st_mtim.tv_nsec;
    g_size = st.st_size;
    if (getenv("GPUCLUSTER_SIM_DEBUG")) fprintf(stderr, "simnvml: loading %s\n", path);
    load_scenario(path);
}

static void maybe_sleep(unsigned int ms) {
    if (!ms) return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Locks, refreshes, checks the handle; returns the GPU or NULL with *rc set. */
static sim_gpu *enter(nvmlDevice_t dev, nvmlReturn_t *rc, sim_mig **mig) {
    pthread_mutex_lock(&g_lock);
    if (!g_init_count) { *rc = NVML_ERROR_UNINITIALIZED; return NULL; }
    refresh_locked(0);
    if (!dev || dev->gpu < 0 || dev->gpu >= g_ngpus) { *rc = NVML_ERROR_INVALID_ARGUMENT; return NULL; }
    sim_gpu *g = &g_gpus[dev->gpu];
    unsigned int slow = g->slow_ms + g_slow_ms;
    if (slow) { pthread_mutex_unlock(&g_lock); maybe_sleep(slow); pthread_mutex_lock(&g_lock); }
    if (g->lost || (g->lost_after_ms >= 0 && ms_since(&g_loaded_at) >= g->lost_after_ms)) {
        *rc = NVML_ERROR_GPU_IS_LOST;
        return NULL;
    }
    if (mig) {
        *mig = NULL;
        if (dev->mig > 0) {
            if (dev->mig > g->mig_count) { *rc = NVML_ERROR_INVALID_ARGUMENT; return NULL; }
            *mig = &g->migs[dev->mig - 1];
        }
    }
    *rc = NVML_SUCCESS;
    return g;
}

#define LEAVE(rc) do { nvmlReturn_t _r = (rc); pthread_mutex_unlock(&g_lock); return _r; } while (0)

static nvmlReturn_t put_string(char *dst, unsigned int len, const char *src) {
    if (!dst) return NVML_ERROR_INVALID_ARGUMENT;
    size_t n = strlen(src);
    if (len <= n) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(dst, src, n + 1);
    return NVML_SUCCESS;
}

EXPORT int gpucluster_simnvml_present(void) { return 1; }

/* ---- init / system ---- */

EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    (void)flags;
    pthread_mutex_lock(&g_lock);
    if (g_init_count == 0) {
        for (int i = 0; i < MAX_GPUS; i++)
            for (int m = 0; m <= MAX_MIG; m++) { g_handles[i][m].gpu = i; g_handles[i][m].mig = m; }
        g_checked_at.tv_sec = 0;
        g_mtime = 0;
        refresh_locked(1);
        /* As the real library: a failed init leaves it uninitialised (the caller retries). */
        if (g_init_error) { nvmlReturn_t rc = g_init_error; pthread_mutex_unlock(&g_lock); return rc; }
    }
    g_init_count++;
    pthread_mutex_unlock(&g_lock);
    return NVML_SUCCESS;
}
EXPORT nvmlReturn_t nvmlInit_v2(void) { return nvmlInitWithFlags(0); }
EXPORT nvmlReturn_t nvmlInit(void) { return nvmlInitWithFlags(0); }

EXPORT nvmlReturn_t nvmlShutdown(void) {
    pthread_mutex_lock(&g_lock);
    if (!g_init_count) LEAVE(NVML_ERROR_UNINITIALIZED);
    g_init_count--;
    LEAVE(NVML_SUCCESS);
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_TIMEOUT: return "Timeout";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_NO_DATA: return "No data";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH: return "Driver/library version mismatch";
    default: return "Unknown Error";
    }
}

#define SYSTEM_ENTER() pthread_mutex_lock(&g_lock); if (!g_init_count) LEAVE(NVML_ERROR_UNINITIALIZED); refresh_locked(0)

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    SYSTEM_ENTER();
    LEAVE(put_string(version, length, g_driver));
}
/* The library's own version: answered before (and without) a successful init, which is how
 * the agent names the installed version when the loaded kernel module is another. */
EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) {
    pthread_mutex_lock(&g_lock);
    refresh_locked(!g_init_count);
    LEAVE(put_string(version, length, g_nvml));
}
EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v) {
    SYSTEM_ENTER();
    if (!v) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *v = g_cuda;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v) { return nvmlSystemGetCudaDriverVersion(v); }

EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    SYSTEM_ENTER();
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *count = (unsigned int)g_ngpus;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *count) { return nvmlDeviceGetCount_v2(count); }

EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    SYSTEM_ENTER();
    if (!device || index >= (unsigned int)g_ngpus) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    sim_gpu *g = &g_gpus[index];
    if (g->lost || (g->lost_after_ms >= 0 && ms_since(&g_loaded_at) >= g->lost_after_ms)) LEAVE(NVML_ERROR_GPU_IS_LOST);
    *device = &g_handles[index][0];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device) {
    return nvmlDeviceGetHandleByIndex_v2(index, device);
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device) {
    SYSTEM_ENTER();
    if (!uuid || !device) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < g_ngpus; i++)
        if (!strcmp(g_gpus[i].uuid, uuid)) { *device = &g_handles[i][0]; LEAVE(NVML_SUCCESS); }
    LEAVE(NVML_ERROR_NOT_FOUND);
}

/* ---- identity ---- */

EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t dev, unsigned int *index) {
    nvmlReturn_t rc; sim_mig *m;
    if (!enter(dev, &rc, &m)) LEAVE(rc);
    if (!index) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *index = (unsigned int)dev->gpu;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t dev, char *name, unsigned int length) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    if (m) {
        char buf[NVML_DEVICE_NAME_BUFFER_SIZE + 80];
        snprintf(buf, sizeof buf, "%s MIG %s", g->name, m->profile);
        LEAVE(put_string(name, length, buf));
    }
    LEAVE(put_string(name, length, g->name));
}
EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t dev, char *uuid, unsigned int length) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    LEAVE(put_string(uuid, length, m ? m->uuid : g->uuid));
}
EXPORT nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t dev, char *serial, unsigned int length) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    LEAVE(put_string(serial, length, g->serial));
}

/* ---- readings ---- */

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t dev, nvmlMemory_t *mem) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    if (!mem) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    unsigned long long total = m ? m->mem_total : g->mem_total, used = m ? m->mem_used : g->mem_used;
    if (used > total) used = total;
    mem->total = total;
    mem->used = used;
    mem->free = total - used;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t dev, nvmlMemory_v2_t *mem) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    if (!mem) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (mem->version != NVML_MEMORY_V2_VERSION) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    unsigned long long total = m ? m->mem_total : g->mem_total, used = m ? m->mem_used : g->mem_used;
    unsigned long long reserved = m ? 0 : g->mem_reserved;
    if (used + reserved > total) used = total - reserved;
    mem->total = total;
    mem->reserved = reserved;
    mem->used = used;
    mem->free = total - used - reserved;
    LEAVE(NVML_SUCCESS);
}

static unsigned int series_now(const unsigned int *s, int n, unsigned int period_ms) {
    if (n <= 1) return s[0];
    long long step = ms_since(&g_loaded_at) / (long long)(period_ms ? period_ms : 1000);
    return s[step % n];
}

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t dev, nvmlUtilization_t *u) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    if (m || g->mig_mode) LEAVE(NVML_ERROR_NOT_SUPPORTED); /* as on real MIG-enabled GPUs */
    if (!u) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    u->gpu = series_now(g->util, g->util_n, g->util_period_ms);
    u->memory = series_now(g->mem_util, g->mem_util_n, g->util_period_ms);
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetEncoderUtilization(nvmlDevice_t dev, unsigned int *util, unsigned int *period) {
    nvmlReturn_t rc;
    if (!enter(dev, &rc, NULL)) LEAVE(rc);
    if (!util || !period) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *util = 0; *period = 167000;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetDecoderUtilization(nvmlDevice_t dev, unsigned int *util, unsigned int *period) {
    return nvmlDeviceGetEncoderUtilization(dev, util, period);
}
EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned int *temp) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!temp || sensor != NVML_TEMPERATURE_GPU) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_temp) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *temp = g->temp;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t dev, unsigned int *speed) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!speed) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_fan) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *speed = g->fan;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t dev, int *mode) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mode) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *mode = g->persistence ? 1 : 0;   /* NVML_FEATURE_ENABLED / _DISABLED */
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t dev, unsigned int *mw) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mw) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_power) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *mw = g->power_mw;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t dev, unsigned int *mw) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mw) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_power) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *mw = g->power_limit_mw;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t dev, unsigned int *mw) {
    return nvmlDeviceGetEnforcedPowerLimit(dev, mw);
}
EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t dev, int type, unsigned int *mhz) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mhz || type < 0 || type > 3) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *mhz = g->clocks[type];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t dev, int type, unsigned int *mhz) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mhz || type < 0 || type > 3) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *mhz = g->max_clocks[type];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t dev, int *pstate) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!pstate) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *pstate = (int)g->pstate;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t dev, int type, int counter, unsigned long long *count) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!count || type < 0 || type > 1 || counter < 0 || counter > 1) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_ecc) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *count = type == NVML_MEMORY_ERROR_TYPE_CORRECTED ? g->ecc_corr : g->ecc_uncorr;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t dev, unsigned int *corr, unsigned int *unc,
                                              unsigned int *pending, unsigned int *failed) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!corr || !unc || !pending || !failed) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!g->has_remap) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *corr = g->remap[0]; *unc = g->remap[1]; *pending = g->remap[2]; *failed = g->remap[3];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t dev, unsigned long long *reasons) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!reasons) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *reasons = g->throttle;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t dev, unsigned long long *reasons) {
    return nvmlDeviceGetCurrentClocksEventReasons(dev, reasons);
}

/* ---- processes ---- */

static nvmlReturn_t running_processes(nvmlDevice_t dev, unsigned int *count, nvmlProcessInfo_t *infos, int graphics) {
    nvmlReturn_t rc; sim_mig *m;
    sim_gpu *g = enter(dev, &rc, &m);
    if (!g) LEAVE(rc);
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    unsigned int n = 0;
    for (int i = 0; i < g->nprocs; i++) {
        sim_proc *p = &g->procs[i];
        if (p->graphics != graphics) continue;
        if (m && (p->gi != m->gi || p->ci != m->ci)) continue;
        n++;
    }
    if (*count < n || (n > 0 && !infos)) { *count = n; LEAVE(n ? NVML_ERROR_INSUFFICIENT_SIZE : NVML_SUCCESS); }
    unsigned int k = 0;
    for (int i = 0; i < g->nprocs; i++) {
        sim_proc *p = &g->procs[i];
        if (p->graphics != graphics) continue;
        if (m && (p->gi != m->gi || p->ci != m->ci)) continue;
        infos[k].pid = p->pid;
        infos[k].usedGpuMemory = p->used;
        infos[k].gpuInstanceId = p->gi;
        infos[k].computeInstanceId = p->ci;
        k++;
    }
    *count = n;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *i) { return running_processes(d, c, i, 0); }
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *i) { return running_processes(d, c, i, 0); }
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *i) { return running_processes(d, c, i, 1); }
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_t *i) { return running_processes(d, c, i, 1); }

/* The v1 layout has no instance ids: {unsigned int pid; unsigned long long usedGpuMemory;}. */
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; } nvmlProcessInfo_v1_t;
static nvmlReturn_t running_processes_v1(nvmlDevice_t dev, unsigned int *count, nvmlProcessInfo_v1_t *infos, int graphics) {
    unsigned int want = count ? *count : 0;
    nvmlProcessInfo_t *tmp = want ? calloc(want, sizeof *tmp) : NULL;
    nvmlReturn_t rc = running_processes(dev, count, tmp, graphics);
    if (rc == NVML_SUCCESS && infos)
        for (unsigned int i = 0; i < *count; i++) { infos[i].pid = tmp[i].pid; infos[i].usedGpuMemory = tmp[i].usedGpuMemory; }
    free(tmp);
    return rc;
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v1_t *i) { return running_processes_v1(d, c, i, 0); }
EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t d, unsigned int *c, nvmlProcessInfo_v1_t *i) { return running_processes_v1(d, c, i, 1); }

/* ---- MIG ---- */

EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned int *current, unsigned int *pending) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!current || !pending) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *current = *pending = (unsigned int)g->mig_mode;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t dev, unsigned int *count) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *count = g->mig_mode ? (unsigned int)g->mig_count : 0;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t dev, unsigned int index, nvmlDevice_t *mig) {
    nvmlReturn_t rc;
    sim_gpu *g = enter(dev, &rc, NULL);
    if (!g) LEAVE(rc);
    if (!mig || !g->mig_mode) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (index >= (unsigned int)g->mig_count) LEAVE(NVML_ERROR_NOT_FOUND);
    *mig = &g_handles[dev->gpu][index + 1];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t mig, nvmlDevice_t *dev) {
    nvmlReturn_t rc;
    if (!enter(mig, &rc, NULL)) LEAVE(rc);
    if (!dev || mig->mig == 0) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *dev = &g_handles[mig->gpu][0];
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t dev, unsigned int *isMig) {
    nvmlReturn_t rc;
    if (!enter(dev, &rc, NULL)) LEAVE(rc);
    if (!isMig) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *isMig = dev->mig > 0;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t dev, unsigned int *id) {
    nvmlReturn_t rc; sim_mig *m;
    if (!enter(dev, &rc, &m)) LEAVE(rc);
    if (!id) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!m) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *id = m->gi;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t dev, unsigned int *id) {
    nvmlReturn_t rc; sim_mig *m;
    if (!enter(dev, &rc, &m)) LEAVE(rc);
    if (!id) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!m) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *id = m->ci;
    LEAVE(NVML_SUCCESS);
}

/* ---- events (XID) ---- */

EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    if (!set) return NVML_ERROR_INVALID_ARGUMENT;
    *set = calloc(1, sizeof **set);
    return *set ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
}
EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) { free(set); return NVML_SUCCESS; }
EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t dev, unsigned long long *types) {
    nvmlReturn_t rc;
    if (!enter(dev, &rc, NULL)) LEAVE(rc);
    if (!types) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *types = NVML_EVENT_TYPE_XID_CRITICAL_ERROR;
    LEAVE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t dev, unsigned long long types, nvmlEventSet_t set) {
    nvmlReturn_t rc;
    if (!enter(dev, &rc, NULL)) LEAVE(rc);
    if (!set) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    set->types[dev->gpu] |= types;
    LEAVE(NVML_SUCCESS);
}
/* Delivers each scenario XID once per event set, when its time has come. */
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    if (!set || !data) return NVML_ERROR_INVALID_ARGUMENT;
    long long waited = 0;
    for (;;) {
        pthread_mutex_lock(&g_lock);
        if (!g_init_count) LEAVE(NVML_ERROR_UNINITIALIZED);
        refresh_locked(0);
        long long now = ms_since(&g_loaded_at);
        for (int i = 0; i < g_ngpus; i++) {
            sim_gpu *g = &g_gpus[i];
            if (!(set->types[i] & NVML_EVENT_TYPE_XID_CRITICAL_ERROR) || !g->xid_code || set->delivered[i]) continue;
            if (g->xid_after_ms >= 0 && now >= g->xid_after_ms) {
                set->delivered[i] = 1;
                data->device = &g_handles[i][0];
                data->eventType = NVML_EVENT_TYPE_XID_CRITICAL_ERROR;
                data->eventData = g->xid_code;
                data->gpuInstanceId = data->computeInstanceId = 0xFFFFFFFFu;
                LEAVE(NVML_SUCCESS);
            }
        }
        pthread_mutex_unlock(&g_lock);
        if (waited >= timeoutms) return NVML_ERROR_TIMEOUT;
        unsigned int step = timeoutms - waited < 20 ? (unsigned int)(timeoutms - waited) : 20;
        maybe_sleep(step ? step : 1);
        waited += step ? step : 1;
    }
}
EXPORT nvmlReturn_t nvmlEventSetWait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    return nvmlEventSetWait_v2(set, data, timeoutms);
}
