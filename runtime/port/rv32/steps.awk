# steps.awk - the per-step instruction table of an RV32 dory app run (Makefile.rv32 `run`).
#
#   awk -f steps.awk run.log prof.txt
#
# run.log: the app's stdout (one line per step: "<i> <name> <op> ... <N> instr checksum <h> ok");
# prof.txt: the rv32prof plugin's report (regions = steps, see port_rv32.h). Columns:
#   all harts  instret delta of the step: every hart together (QEMU -icount clock, what the app
#              prints; barrier-heavy steps read a few % high)
#   sum        rv32prof: exact sum over the harts of the step's region
#   busiest    rv32prof: the hart with the most instructions in the step (hart 0 also does the
#              controller's work: L3 staging and the DMA copies) and its count
#   runtime    instructions of the busiest hart inside rv32_* (fork, join, barrier): GAP8 does these
#              in hardware
# The last lines: the whole run (sum of the steps), and the busiest hart over the whole run.
FNR == NR {
    if ($0 ~ / checksum [0-9a-f]+ (ok|MISMATCH)$/ && $1 ~ /^[0-9]+$/) {
        s = $1 + 0
        if (!(s in name))
            order[nsteps++] = s
        name[s] = $2
        op[s] = $3
        res[s] = $NF
        for (i = 2; i <= NF; i++)
            if ($i == "instr")
                all[s] = $(i - 1)
    }
    next
}
$1 == "rv32prof" && $2 ~ /^region=/ {
    delete kv
    for (i = 2; i <= NF; i++) {
        split($i, a, "=")
        kv[a[1]] = a[2]
    }
    r = kv["region"] + 0
    if ("harts" in kv) {
        sum[r] = kv["sum_insns"]
        nh[r] = kv["harts"]
    } else {
        h = kv["hart"] + 0
        ins = kv["insns"] + 0
        hart_total[h] += ins
        if (h > maxh) maxh = h
        if (!(r in best) || ins > best[r]) {
            best[r] = ins
            besth[r] = h
            bestrt[r] = kv["runtime"]
        }
    }
}
END {
    printf("rv32: instructions per step. Columns: all harts = the step's instret delta over every hart (QEMU -icount, what\n")
    printf("rv32:   the app prints; barrier-heavy steps read a few %% high); sum = rv32prof's exact sum over the harts;\n")
    printf("rv32:   busiest, hart = the hart with the most instructions in the step (hart 0 also stages L3 and issues the\n")
    printf("rv32:   DMA copies) and its count; runtime = that hart's instructions in rv32_* fork/join/barrier (hardware on\n")
    printf("rv32:   GAP8); check = the step's checksum against the reference\n")
    printf("%3s %-28s %-9s %12s %12s %12s %4s %9s  %s\n", "#", "layer", "op", "all harts", "sum", "busiest", "hart",
           "runtime", "check")
    tall = 0; tsum = 0; tbest = 0; bad = 0
    for (k = 0; k < nsteps; k++) {
        s = order[k]
        printf("%3d %-28s %-9s %12s %12s %12s %4s %9s  %s\n", s, substr(name[s], 1, 28), op[s], all[s],
               (s in sum) ? sum[s] : "-", (s in best) ? best[s] : "-", (s in besth) ? besth[s] : "-",
               (s in bestrt) ? bestrt[s] : "-", res[s])
        tall += all[s]; tsum += sum[s]; tbest += best[s]
        if (res[s] != "ok") bad++
    }
    wh = -1; w = 0
    for (h = 0; h <= maxh; h++)
        if (hart_total[h] > w) { w = hart_total[h]; wh = h }
    printf("%3s %-28s %-9s %12.0f %12.0f %12.0f %4s %9s  %s\n", "", "total", "", tall, tsum, tbest, "", "",
           bad ? bad " MISMATCH" : "all ok")
    printf("rv32: whole run: %.0f instructions on all harts (instret), %.0f summed per hart (rv32prof); busiest hart %d with %.0f\n",
           tall, tsum, wh, w)
}
