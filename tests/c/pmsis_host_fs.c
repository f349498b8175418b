/* A host stand-in for the few PMSIS / BSP calls the generated GAP8 / GAP9 mains make outside the
 * runtime's port (tests/test_pmsis_main.py): boot, the flash and its read-only file system. The
 * "file system" is the working directory, so the PMSIS main's own loading of weights.bin,
 * input.bin and expected.bin runs on the host against the files dory-compile wrote. Declarations:
 * runtime/port/pmsis/pmsis_api.h. */
#include <stdio.h>
#include <stdlib.h>

#include "pmsis_api.h"

struct pi_fs_file_s {
    FILE *f;
};

void pi_hyperflash_conf_init(struct pi_hyperflash_conf *conf) { (void)conf; }
void pi_default_flash_conf_init(struct pi_default_flash_conf *conf) { (void)conf; }
void pi_open_from_conf(struct pi_device *device, void *conf) { device->config = conf; }
int pi_flash_open(struct pi_device *device) { (void)device; return 0; }
void pi_fs_conf_init(struct pi_fs_conf *conf) { conf->type = PI_FS_READ_ONLY; conf->flash = NULL; }
int32_t pi_fs_mount(struct pi_device *device) { (void)device; return 0; }
void pi_fs_unmount(struct pi_device *device) { (void)device; }

pi_fs_file_t *pi_fs_open(struct pi_device *device, const char *file, int flags)
{
    pi_fs_file_t *h;
    FILE *f = fopen(file, "rb");
    (void)device, (void)flags;
    if (!f)
        return NULL;
    h = malloc(sizeof *h);
    if (!h) {
        fclose(f);
        return NULL;
    }
    h->f = f;
    return h;
}

void pi_fs_close(pi_fs_file_t *file)
{
    fclose(file->f);
    free(file);
}

int32_t pi_fs_read(pi_fs_file_t *file, void *buffer, uint32_t size)
{
    return (int32_t)fread(buffer, 1, size, file->f);
}

int pmsis_kickoff(void *arg)
{
    ((void (*)(void))arg)();
    return 0;
}

void pmsis_exit(int err) { exit(err ? 1 : 0); }
