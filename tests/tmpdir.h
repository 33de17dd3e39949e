// Temporary directories of the test suites: remove_tree deletes one with
// everything under it (links are removed, not followed). Include after the
// system headers of the test.
#ifndef SEER_TESTS_TMPDIR_H
#define SEER_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void remove_tree(const char *d) {
    DIR *h = opendir(d);
    if (!h) return;
    struct dirent *e;
    char p[4096];
    while ((e = readdir(h))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else unlink(p);
    }
    closedir(h);
    rmdir(d);
}

#endif
