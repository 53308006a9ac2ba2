/* args: argv, envp (in order), and the auxv entries whose values are the
 * same natively and under a faithful emulation of Linux. Values that differ
 * from run to run (addresses, random bytes) are only checked for sanity. */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern const Elf64_Ehdr __ehdr_start; /* provided by the linker */
extern char **environ;

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(int argc, char **argv, char **envp)
{
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=\"%s\" len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc] is NULL: %s\n", yesno(argv[argc] == NULL));

    int nenv = 0;
    for (char **e = envp; *e; e++, nenv++)
        printf("envp[%d]=\"%s\"\n", nenv, *e);
    printf("envc=%d\n", nenv);
    printf("environ == envp: %s\n", yesno(environ == envp));
    printf("envp follows argv: %s\n", yesno(envp == argv + argc + 1));
    const char *tv = getenv("TESTVAR");
    printf("getenv(TESTVAR)=%s\n", tv ? tv : "(null)");
    printf("getenv(NO_SUCH_VAR)=%s\n", getenv("NO_SUCH_VAR") ? "set" : "(null)");

    /* The initial stack pointer points at argc; the ABI requires it to be
     * 16-byte aligned, and both libcs hand main the kernel's argv. */
    uintptr_t sp0 = (uintptr_t)argv - 8;
    printf("initial rsp 16-byte aligned: %s\n", yesno(sp0 % 16 == 0));
    printf("argc word on stack matches: %s\n", yesno(*(long *)sp0 == argc));

    /* auxv follows the envp NULL terminator */
    char **e = envp;
    while (*e)
        e++;
    Elf64_auxv_t *auxv = (Elf64_auxv_t *)(e + 1);
    int n_aux = 0, saw_null = 0;
    for (Elf64_auxv_t *a = auxv; n_aux < 256; a++, n_aux++) {
        if (a->a_type == AT_NULL) {
            saw_null = 1;
            break;
        }
    }
    printf("auxv terminated by AT_NULL: %s\n", yesno(saw_null));

    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_EGID=%lu\n", getauxval(AT_UID),
           getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));
    printf("AT_UID==getuid: %s AT_EUID==geteuid: %s AT_GID==getgid: %s AT_EGID==getegid: %s\n",
           yesno(getauxval(AT_UID) == getuid()), yesno(getauxval(AT_EUID) == geteuid()),
           yesno(getauxval(AT_GID) == getgid()), yesno(getauxval(AT_EGID) == getegid()));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
    printf("sysconf(_SC_PAGESIZE)==AT_PAGESZ: %s\n",
           yesno((unsigned long)sysconf(_SC_PAGESIZE) == getauxval(AT_PAGESZ)));

    unsigned long rnd = getauxval(AT_RANDOM);
    printf("AT_RANDOM non-zero: %s\n", yesno(rnd != 0));
    unsigned long phdr = getauxval(AT_PHDR);
    printf("AT_PHDR non-zero: %s\n", yesno(phdr != 0));
    printf("AT_PHDR == ehdr + e_phoff: %s\n",
           yesno(phdr == (uintptr_t)&__ehdr_start + __ehdr_start.e_phoff));
    printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
    printf("AT_PHNUM == e_phnum: %s\n", yesno(getauxval(AT_PHNUM) == __ehdr_start.e_phnum));
    unsigned long entry = getauxval(AT_ENTRY);
    printf("AT_ENTRY non-zero: %s\n", yesno(entry != 0));
    printf("AT_ENTRY == e_entry: %s\n", yesno(entry == __ehdr_start.e_entry));
    unsigned long execfn = getauxval(AT_EXECFN);
    printf("AT_EXECFN non-zero: %s\n", yesno(execfn != 0));
    printf("AT_EXECFN == argv[0]: %s\n",
           yesno(execfn != 0 && strcmp((const char *)execfn, argv[0]) == 0));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM == \"x86_64\": %s\n", yesno(plat && strcmp(plat, "x86_64") == 0));
    printf("AT_BASE=%lu (static executable: no interpreter)\n", getauxval(AT_BASE));
    return 0;
}
