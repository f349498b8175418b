/* dory runtime, shared by the ports whose fork cannot overlap the controller (rv32: harts driven by
 * one loop; pmsis: pi_cluster_send_task_to_cl blocks): port.h's two halves of a fork, the task run
 * whole inside dory_cluster_join, so the controller's work between the two calls is done before
 * the task starts (never inside the start: a task may wait for what the controller does between
 * start and join). Included once, by the port's own .c file, after dory/port.h. */
#ifndef DORY_PORT_DEFERRED_FORK_H
#define DORY_PORT_DEFERRED_FORK_H

static dory_task_fn g_start_fn;
static void *g_start_arg;

void dory_cluster_fork_start(dory_task_fn fn, void *arg)
{
    g_start_fn = fn;
    g_start_arg = arg;
}

/* the task runs inside the join: never done before it */
int dory_cluster_done(void) { return 0; }

void dory_cluster_join(void)
{
    dory_task_fn fn = g_start_fn;
    g_start_fn = NULL;
    if (fn != NULL)
        dory_cluster_fork(fn, g_start_arg);
}

#endif /* DORY_PORT_DEFERRED_FORK_H */
