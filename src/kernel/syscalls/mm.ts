// Memory-management system calls: brk, mmap, munmap, mprotect, mremap, madvise. Argument decoding and
// the checks Linux makes before do_mmap and friends; the work is in ../mm.ts (AddressSpace).
//
// File mappings are private snapshots: the bytes are read from the open file when mmap is called.
// MAP_SHARED file mappings therefore do not write back to the file and do not see later writes
// (single-process ringjit has no page cache); MAP_SHARED anonymous memory behaves as private memory
// until there is a second process to share it with.

import type { Kernel } from '../kernel.js';
import {
  MAP_ANONYMOUS, MAP_HUGETLB, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, PAGE_SIZE, PROT_WRITE,
  TASK_SIZE, type FileBacking, pageAlignUp,
} from '../mm.js';
import { E, type SyscallArgs } from '../types.js';

type Handler = (k: Kernel, a: SyscallArgs) => number;

/** The flags MAP_SHARED_VALIDATE accepts (LEGACY_MAP_MASK + MAP_SYNC + MAP_FIXED_NOREPLACE ...). */
const KNOWN_MAP_FLAGS = 0x0f | 0x10 | 0x20 | 0x40 | 0x100 | 0x800 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000 |
  0x20000 | 0x40000 | 0x80000 | 0x100000 | 0xfc000000;

const sys_brk: Handler = (k, a) => k.mm.setBrk(a.u64(0));

const sys_mmap: Handler = (k, a) => {
  const addr = a.u64(0), len = a.u64(1), prot = a.u32(2), flags = a.u32(3), fd = a.i32(4), off = a.u64(5);
  if (off % PAGE_SIZE !== 0) return -E.EINVAL;
  if (len === 0) return -E.EINVAL;
  if (!(pageAlignUp(len) <= TASK_SIZE)) return -E.ENOMEM;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -E.EINVAL;
  if (type === MAP_SHARED_VALIDATE && (flags & ~KNOWN_MAP_FLAGS)) return -E.EOPNOTSUPP;
  if (flags & MAP_HUGETLB) return -E.ENOMEM; // no huge pages are reserved (vm.nr_hugepages = 0)
  if (flags & MAP_ANONYMOUS) return k.mm.mmap(addr, len, prot, flags, null);

  const f = k.files.get(fd);
  if (!f || f.kind === 'path') return -E.EBADF;
  if (f.path === '/dev/zero') return k.mm.mmap(addr, len, prot, flags | MAP_ANONYMOUS, null);
  if (f.kind !== 'file' && f.kind !== 'mem') return -E.ENODEV;
  if (!f.readable) return -E.EACCES;
  if (type !== MAP_PRIVATE && (prot & PROT_WRITE) && !f.writable) return -E.EACCES;
  if (off + len > 2 ** 53) return -E.EOVERFLOW;
  const mapLen = pageAlignUp(len);
  const data = f.readAt(off, mapLen);
  const st = f.stat();
  const backing: FileBacking = {
    data, path: f.path, baseOffset: off,
    dev: typeof st === 'number' ? 0 : Number(st.dev), ino: typeof st === 'number' ? 0 : Number(st.ino),
  };
  return k.mm.mmap(addr, len, prot, flags, backing, 0, Infinity, f.path);
};

const sys_munmap: Handler = (k, a) => k.mm.munmap(a.u64(0), a.u64(1));
const sys_mprotect: Handler = (k, a) => k.mm.mprotect(a.u64(0), a.u64(1), a.u32(2));
const sys_mremap: Handler = (k, a) => k.mm.mremap(a.u64(0), a.u64(1), a.u64(2), a.u32(3), a.u64(4));
const sys_madvise: Handler = (k, a) => k.mm.madvise(a.u64(0), a.u64(1), a.i32(2));

export const mmSyscalls: Record<string, Handler> = {
  brk: sys_brk, mmap: sys_mmap, munmap: sys_munmap, mprotect: sys_mprotect, mremap: sys_mremap, madvise: sys_madvise,
};
