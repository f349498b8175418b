/* The subset of the GAP SDK's PMSIS API that runtime/port/pmsis/port_pmsis.c uses, declared so the
 * port can be type-checked on a host without the SDK. A real GAP8 build defines DORY_HAVE_PMSIS
 * and includes the SDK's <pmsis.h> and BSP headers instead; this file is then not used.
 *
 * Every declaration below follows the GAP SDK (GreenWaves-Technologies/gap_sdk, rtos/pmsis/...):
 * the cited header is where the prototype / type is documented. Where the SDK implements a
 * function as `static inline` (noted), it is declared here as a plain prototype: the signature
 * is the SDK's, only the linkage differs, which does not matter for a syntax/type check.
 * Struct layouts marked "(implementation)" are the SDK's private definitions, reproduced only so
 * that objects of these types can be declared; the port never touches their fields except the
 * documented public ones (pi_cluster_conf.id, pi_cluster_task.{stack_size,slave_stack_size,
 * nb_cores}).
 */
#ifndef DORY_PMSIS_API_H
#define DORY_PMSIS_API_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- devices: pmsis_api/include/pmsis/pmsis_types.h ------------------------------------- */

typedef struct pi_task pi_task_t;
struct pi_task {
    int placeholder; /* (implementation) OS-specific; never touched by the port */
};

typedef enum {
    PI_DEVICE_UNKWN_TYPE,
    PI_DEVICE_CLUSTER_TYPE,
    PI_DEVICE_HYPERBUS_TYPE,
    PI_DEVICE_SPI_TYPE,
    PI_DEVICE_CPI_TYPE,
    PI_DEVICE_I2C_TYPE,
    PI_DEVICE_GPIO_TYPE,
    PI_DEVICE_PWM_TYPE
} pi_device_e;

struct pi_device_api;
struct pmsis_event_kernel_wrap;

/* pmsis_types.h: "device struct" */
typedef struct pi_device {
    struct pi_device_api *api;
    void *config;
    void *data;
} pi_device_t;

/* pmsis/device.h: void pi_open_from_conf(struct pi_device *device, void *conf); */
void pi_open_from_conf(struct pi_device *device, void *conf);

/* ---- cluster: pmsis_api/include/pmsis/cluster/cl_pmsis_types.h ------------------------- */

typedef enum {
    PI_CLUSTER_FLAGS_FORK_BASED = (0 << 0),
    PI_CLUSTER_FLAGS_TASK_BASED = (1 << 0)
} pi_cluster_flags_e;

struct pi_cluster_conf {
    pi_device_e device_type;
    int id; /* cluster id, starting from 0 */
    void *heap_start;
    uint32_t heap_size;
    struct pmsis_event_kernel_wrap *event_kernel;
    pi_cluster_flags_e flags;
};

struct pi_cluster_task {
    void (*entry)(void *);
    void *arg;
    void *stacks;              /* NULL: the runtime allocates the stacks */
    uint32_t stack_size;       /* cluster-controller (core 0) stack */
    uint32_t slave_stack_size; /* stack of each other core */
    int nb_cores;
    pi_task_t *completion_callback;
    int stack_allocated;
    struct pi_cluster_task *next;
};

/* ---- cluster: pmsis/cluster/cluster_sync/fc_to_cl_delegate.h ---------------------------- */

void pi_cluster_conf_init(struct pi_cluster_conf *conf);
int pi_cluster_open(struct pi_device *device);  /* 0 on success, -1 on error */
int pi_cluster_close(struct pi_device *device);
/* static inline in the SDK; resets entry/arg/stacks/stack_size/nb_cores */
struct pi_cluster_task *pi_cluster_task(struct pi_cluster_task *task, void (*entry)(void *), void *arg);
/* blocking: returns when the task has finished on the cluster (pi_cluster_send_task wraps it) */
int pi_cluster_send_task_to_cl(struct pi_device *device, struct pi_cluster_task *task);

/* ---- cluster team: pmsis/cluster/cluster_team/cl_team.h --------------------------------- */

void pi_cl_team_fork(int nb_cores, void (*entry)(void *), void *arg);
void pi_cl_team_barrier(void); /* PI_INLINE_CL_TEAM_0 in the SDK */

/* ---- core identity: pmsis implementation headers (e.g. rtos/pulpos .../implem.h):
 *      static inline uint32_t pi_core_id(); static inline uint32_t pi_is_fc(); */
uint32_t pi_core_id(void);
uint32_t pi_is_fc(void);

/* ---- cluster DMA: pmsis/cluster/dma/cl_dma.h -------------------------------------------- */

typedef enum {
    PI_CL_DMA_DIR_LOC2EXT = 0, /* cluster memory (L1) -> external memory (L2) */
    PI_CL_DMA_DIR_EXT2LOC = 1  /* external memory (L2) -> cluster memory (L1) */
} pi_cl_dma_dir_e;

/* (implementation) GAP8 FreeRTOS pmsis driver, rtos/freeRTOS/.../drivers/cl_dma.h */
struct pi_cl_dma_cmd_s {
    uint32_t tid;
    uint32_t cmd;
    uint32_t size;
    uint32_t stride;
    uint32_t length;
    uint32_t loc;
    uint32_t ext;
    struct pi_cl_dma_cmd_s *next;
};
typedef struct pi_cl_dma_cmd_s pi_cl_dma_cmd_t;

/* 1-D: `size` bytes between ext and loc. Each command takes one HW counter until waited. */
void pi_cl_dma_cmd(uint32_t ext, uint32_t loc, uint32_t size, pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd);
/* 2-D on the external side only: `size` bytes in total, lines of `length` bytes, consecutive
 * lines `stride` bytes apart in external memory; contiguous in cluster memory. */
void pi_cl_dma_cmd_2d(uint32_t ext, uint32_t loc, uint32_t size, uint32_t stride, uint32_t length,
                      pi_cl_dma_dir_e dir, pi_cl_dma_cmd_t *cmd);
void pi_cl_dma_cmd_wait(pi_cl_dma_cmd_t *cmd);

/* ---- memory allocation: pmsis/rtos/malloc/cl_l1_malloc.h, l2_malloc.h ------------------- */

void *pi_cl_l1_malloc(struct pi_device *device, uint32_t size); /* 4-byte aligned, NULL if full */
void pi_cl_l1_free(struct pi_device *device, void *chunk, int size);
void *pi_l2_malloc(int size); /* 4-byte aligned, NULL if full */
void pi_l2_free(void *chunk, int size);

/* ---- external RAM: pmsis_bsp/include/bsp/ram.h, bsp/ram/hyperram.h ---------------------- */

typedef struct __pi_ram_api_t pi_ram_api_t;

struct pi_ram_conf {
    pi_ram_api_t *api;
};

struct pi_hyperram_conf {
    struct pi_ram_conf ram;
    int hyper_itf;
    int hyper_cs;
    char skip_pads_config;
    int ram_start;
    int ram_size;
    uint32_t baudrate;
    int reserve_addr_0;
};

void pi_hyperram_conf_init(struct pi_hyperram_conf *conf);
int32_t pi_ram_open(struct pi_device *device);
void pi_ram_close(struct pi_device *device);                                       /* static inline */
int pi_ram_alloc(struct pi_device *device, uint32_t *addr, uint32_t size);          /* static inline */
int pi_ram_free(struct pi_device *device, uint32_t addr, uint32_t size);            /* static inline */
/* blocking copies, FC side */
void pi_ram_read(struct pi_device *device, uint32_t pi_ram_addr, void *data, uint32_t size);  /* static inline */
void pi_ram_write(struct pi_device *device, uint32_t pi_ram_addr, void *data, uint32_t size); /* static inline */

/* cluster side: a remote request to the FC, completed with *_wait */
typedef struct pi_cl_ram_req_s pi_cl_ram_req_t;
struct pi_cl_ram_req_s { /* (implementation) bsp/ram.h */
    struct pi_device *device;
    void *addr;
    uint32_t pi_ram_addr;
    uint32_t size;
    int32_t stride;
    uint32_t length;
    pi_task_t event;
    struct pi_cl_ram_req_s *next;
    uint8_t done;
    unsigned char cid;
    unsigned char ext2loc;
    unsigned char is_2d;
};
void pi_cl_ram_read(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size,
                    pi_cl_ram_req_t *req);                                          /* static inline */
void pi_cl_ram_read_wait(pi_cl_ram_req_t *req);                                     /* static inline */
void pi_cl_ram_write(struct pi_device *device, uint32_t pi_ram_addr, void *addr, uint32_t size,
                     pi_cl_ram_req_t *req);                                         /* static inline */
void pi_cl_ram_write_wait(pi_cl_ram_req_t *req);                                    /* static inline */

/* ---- performance counters: pmsis/drivers/perf.h, pmsis/chips/gap8/perf.h ---------------- */

typedef enum {
    PI_PERF_CYCLES = 16 /* GAP8: total cycles, uses a timer (other events omitted here) */
} pi_perf_event_e;

void pi_perf_conf(unsigned events); /* static inline; events is a mask: 1 << PI_PERF_CYCLES */
void pi_perf_reset(void);           /* static inline */
void pi_perf_start(void);           /* static inline */
void pi_perf_stop(void);            /* static inline */
unsigned int pi_perf_read(int id);  /* static inline */

/* ---- OS: pmsis/rtos/os_frontend_api/os.h ------------------------------------------------ */

void pmsis_exit(int err); /* static inline; stops the runtime, no return */

/* ---- boot: pmsis.h ------------------------------------------------------------------- */

int pmsis_kickoff(void *arg); /* starts the OS and calls arg (a void (*)(void)) on the FC */

/* ---- flash and read-only file system (the weights blob in HyperFlash) -------------------
 * pmsis_bsp/include/bsp/flash/hyperflash.h, bsp/flash.h, bsp/fs.h */

struct pi_hyperflash_conf {
    uint8_t opaque[64]; /* the SDK's struct starts with a struct pi_flash_conf; we never touch fields */
};
void pi_hyperflash_conf_init(struct pi_hyperflash_conf *conf);
/* The GAP9 EVK's default flash (an MX25U51245G octo-SPI NOR), which its BSP names
 * pi_default_flash_conf / pi_default_flash_conf_init (pmsis_bsp/include/bsp/boards/gap9_evk/bsp.h);
 * the GAP9 main (backends/gap9/app.py) uses only these two names. */
struct pi_default_flash_conf {
    uint8_t opaque[64]; /* as above: starts with a struct pi_flash_conf; never touched */
};
void pi_default_flash_conf_init(struct pi_default_flash_conf *conf);
int pi_flash_open(struct pi_device *device); /* static inline in bsp/flash.h; 0 on success */

typedef enum { PI_FS_READ_ONLY = 0, PI_FS_HOST = 1, PI_FS_LFS = 2 } pi_fs_type_e;
struct pi_fs_api_s;
struct pi_fs_conf {
    pi_fs_type_e type;       /* file-system type */
    struct pi_device *flash; /* the opened flash device */
    char *partition_name;
    int auto_format;         /* bool in the SDK */
    struct pi_fs_api_s *api;
};
typedef struct pi_fs_file_s pi_fs_file_t;
void pi_fs_conf_init(struct pi_fs_conf *conf);
int32_t pi_fs_mount(struct pi_device *device);
void pi_fs_unmount(struct pi_device *device);
pi_fs_file_t *pi_fs_open(struct pi_device *device, const char *file, int flags);
void pi_fs_close(pi_fs_file_t *file);
int32_t pi_fs_read(pi_fs_file_t *file, void *buffer, uint32_t size);

#endif /* DORY_PMSIS_API_H */
