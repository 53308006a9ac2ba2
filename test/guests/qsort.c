/* qsort: sorts ints, strings and structs with qsort (and bsearch). Every
 * comparator is a total order (ties broken by a unique id) so the result is
 * unique whatever algorithm the libc uses. Prints samples and checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rs = 2463534242u;
static uint32_t rng(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 17;
    rs ^= rs << 5;
    return rs;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct rec {
    char name[12];
    int key;
    double weight;
    unsigned id;
};

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return (x->id > y->id) - (x->id < y->id);
}

static uint64_t h = 0xcbf29ce484222325ULL;
static void mix(uint64_t v) { h = (h ^ v) * 0x100000001b3ULL; }

int main(void)
{
    enum { NI = 20000, NS = 3000, NR = 2000 };
    static int ints[NI];
    for (int i = 0; i < NI; i++)
        ints[i] = (int)(rng() % 100000) - 50000;
    qsort(ints, NI, sizeof ints[0], cmp_int);
    int sorted = 1;
    for (int i = 1; i < NI; i++)
        if (ints[i - 1] > ints[i])
            sorted = 0;
    for (int i = 0; i < NI; i++)
        mix((uint32_t)ints[i]);
    printf("ints sorted=%d min=%d median=%d max=%d hash=%016llx\n", sorted, ints[0], ints[NI / 2],
           ints[NI - 1], (unsigned long long)h);
    int found = 0;
    for (int k = -50000; k < 50000; k += 997) {
        if (bsearch(&k, ints, NI, sizeof ints[0], cmp_int))
            found++;
    }
    printf("bsearch hits=%d\n", found);
    qsort(ints, NI, sizeof ints[0], cmp_int_desc);
    printf("desc first=%d last=%d\n", ints[0], ints[NI - 1]);
    /* already-sorted and all-equal inputs */
    qsort(ints, NI, sizeof ints[0], cmp_int_desc);
    for (int i = 0; i < NI; i++)
        ints[i] = 7;
    qsort(ints, NI, sizeof ints[0], cmp_int);
    printf("all-equal ok=%d\n", ints[0] == 7 && ints[NI - 1] == 7);
    qsort(ints, 0, sizeof ints[0], cmp_int);
    qsort(ints, 1, sizeof ints[0], cmp_int);

    static char storage[NS][16];
    static char *strs[NS];
    for (int i = 0; i < NS; i++) {
        int len = 1 + (int)(rng() % 14);
        for (int j = 0; j < len; j++)
            storage[i][j] = (char)('a' + rng() % 6);
        storage[i][len] = 0;
        strs[i] = storage[i];
    }
    qsort(strs, NS, sizeof strs[0], cmp_str);
    h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < NS; i++)
        for (const char *p = strs[i]; *p; p++)
            mix((unsigned char)*p);
    printf("strings first=%s second=%s last=%s hash=%016llx\n", strs[0], strs[1], strs[NS - 1],
           (unsigned long long)h);
    for (int i = 0; i < NS; i += NS / 8)
        printf("  strs[%d]=%s\n", i, strs[i]);

    static struct rec recs[NR];
    for (int i = 0; i < NR; i++) {
        snprintf(recs[i].name, sizeof recs[i].name, "n%c%c%u", 'a' + (int)(rng() % 3),
                 'a' + (int)(rng() % 3), rng() % 10);
        recs[i].key = (int)(rng() % 50);
        recs[i].weight = (double)(rng() % 1000) / 8.0;
        recs[i].id = (unsigned)i;
    }
    qsort(recs, NR, sizeof recs[0], cmp_rec);
    h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < NR; i++) {
        mix((uint64_t)recs[i].key);
        mix(recs[i].id);
        mix((uint64_t)(recs[i].weight * 8));
    }
    printf("records hash=%016llx\n", (unsigned long long)h);
    for (int i = 0; i < NR; i += NR / 10)
        printf("  rec[%d] key=%d name=%s id=%u weight*8=%d\n", i, recs[i].key, recs[i].name,
               recs[i].id, (int)(recs[i].weight * 8));
    return 0;
}
