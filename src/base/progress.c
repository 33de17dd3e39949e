// The terminal progress bar.
#include "base/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"

void seer_progress_start(seer_progress *p, const char *label, size_t total) {
    p->tty = isatty(2);
    p->label = label;
    p->total = total;
    p->start = p->last_draw = seer_now();
}

void seer_progress_update(seer_progress *p, size_t done, double loss) {
    if (!p || !p->tty) return;
    double now = seer_now();
    if (now - p->last_draw < 0.1 && (done < p->total || !p->total)) return;
    p->last_draw = now;
    double el = now - p->start, rate = el > 0 ? (double)done / el : 0;
    if (!p->total) {
        // An unknown total (a first pass over a stream): the count and the rate.
        fprintf(stderr, "\r%s %12zu rows %10.0f rows/s ", p->label, done, rate);
        fflush(stderr);
        return;
    }
    double frac = (double)done / (double)p->total;
    int width = 30, fill = (int)(frac * width);
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
    bar[width] = '\0';
    double eta = rate > 0 ? (double)(p->total - done) / rate : 0;
    fprintf(stderr, "\r%s [%s] %3.0f%% %8.0f rows/s", p->label, bar, 100 * frac, rate);
    if (loss >= 0) fprintf(stderr, " loss %.4f", loss);
    fprintf(stderr, " ETA %4.0fs ", eta);
    fflush(stderr);
}

void seer_progress_end(seer_progress *p) {
    if (p && p->tty) fprintf(stderr, "\r%*s\r", 100, "");
}
