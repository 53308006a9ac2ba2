// Honest CPUID (DESIGN decision 8): report exactly what ringjit implements, so libc's ifunc resolvers
// pick routines we can run. The x86-64 baseline (FPU, MMX, FXSR, SSE, SSE2, CMOV, CX8) is required by
// every x86-64 libc's startup check, so it is reported; where a baseline unit is only partly
// implemented (x87, MMX), an unimplemented instruction raises #UD with a message naming it.

/** CPUID.1:EDX feature bits. */
export const CPUID1_EDX =
  (1 << 0) /* FPU */ | (1 << 4) /* TSC */ | (1 << 5) /* MSR */ | (1 << 6) /* PAE */ | (1 << 8) /* CX8 */ |
  (1 << 11) /* SEP */ | (1 << 13) /* PGE */ | (1 << 15) /* CMOV */ | (1 << 19) /* CLFSH */ |
  (1 << 23) /* MMX */ | (1 << 24) /* FXSR */ | (1 << 25) /* SSE */ | (1 << 26) /* SSE2 */;
/** CPUID.1:ECX feature bits: POPCNT (implemented in the integer core). SIMD extensions are added
 * here as the SIMD module implements them. */
export let CPUID1_ECX = (1 << 23) /* POPCNT */ | (1 << 17) /* PCID (runtime/privileged.ts) */;
export function advertiseEcx1(bits: number): void { CPUID1_ECX |= bits; }
/** CPUID.(EAX=7,ECX=0):EBX/ECX: FSGSBASE and UMIP, which the privileged-instruction module implements;
 * ERMS (enhanced REP MOVSB/STOSB), a performance hint that is true here: rep movs/stos move whole
 * page-bounded chunks at once (Mmu.movsChunk/stosChunk), so glibc's memcpy/memset use them above
 * 2 KiB instead of 16-byte SSE loops. */
export let CPUID7_EBX = (1 << 0) /* FSGSBASE */ | (1 << 9) /* ERMS */;
export let CPUID7_ECX = (1 << 2) /* UMIP */;
export function advertiseLeaf7(ebx: number, ecx: number): void { CPUID7_EBX |= ebx; CPUID7_ECX |= ecx; }
/** CPUID.80000001h:ECX: LAHF/SAHF in 64-bit mode, LZCNT (ABM). */
const EXT1_ECX = (1 << 0) | (1 << 5);
/** CPUID.80000001h:EDX: SYSCALL, NX, RDTSCP, LM. */
const EXT1_EDX = (1 << 11) | (1 << 20) | (1 << 27) | (1 << 29);

function str4(s: string, k: number): number {
  let v = 0;
  for (let j = 0; j < 4; j++) v |= (s.charCodeAt(k + j) || 0) << (8 * j);
  return v;
}
const VENDOR = 'GenuineIntel';
const BRAND = 'ringjit virtual x86-64 processor'.padEnd(48, '\0');

/** Deterministic cache descriptors for leaf 4 (type, level, ways, line, sets). */
const CACHES: [number, number, number, number, number][] = [
  [1, 1, 8, 64, 64], // L1d 32 KiB
  [2, 1, 8, 64, 64], // L1i 32 KiB
  [3, 2, 4, 64, 1024], // L2 256 KiB
  [3, 3, 16, 64, 8192], // L3 8 MiB
];

/** Returns [eax, ebx, ecx, edx] for leaf/subleaf. */
export function cpuid(leaf: number, sub: number): [number, number, number, number] {
  leaf >>>= 0;
  switch (leaf) {
    case 0: return [7, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
    case 1: return [0x000906ea, (8 << 8) | (1 << 16), CPUID1_ECX, CPUID1_EDX];
    case 4: {
      const c = CACHES[sub];
      if (!c) return [0, 0, 0, 0];
      const [type, level, ways, line, sets] = c;
      return [type | (level << 5) | (1 << 8), (line - 1) | ((ways - 1) << 22), sets - 1, 0];
    }
    case 7: return sub === 0 ? [0, CPUID7_EBX, CPUID7_ECX, 0] : [0, 0, 0, 0];
    case 0x80000000: return [0x80000008, 0, 0, 0];
    case 0x80000001: return [0, 0, EXT1_ECX, EXT1_EDX];
    case 0x80000002: case 0x80000003: case 0x80000004: {
      const k = (leaf - 0x80000002) * 16;
      return [str4(BRAND, k), str4(BRAND, k + 4), str4(BRAND, k + 8), str4(BRAND, k + 12)];
    }
    case 0x80000006: return [0, 0, (256 << 16) | (4 << 12) | 64, 0];
    case 0x80000008: return [0x3027, 0, 0, 0];
    default: return [0, 0, 0, 0];
  }
}
