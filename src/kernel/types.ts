// Contracts shared by the kernel's modules: how a system call handler is called, and how handlers
// reach user memory. Handlers never throw for bad guest input: they return -errno.

/** Linux errno values used by the handlers (asm-generic/errno-base.h, errno.h). */
/** TASK_SIZE_MAX (x86-64, 4-level paging): the end of the user address space, less a guard page. */
export const TASK_SIZE_MAX = 0x7ffffffff000;

export const enum E {
  EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
  ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18,
  ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
  EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, EDOM = 33, ERANGE = 34,
  EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40,
  ENODATA = 61, EOVERFLOW = 75, ENOTSOCK = 88, EOPNOTSUPP = 95, ETIMEDOUT = 110,
}

/**
 * The six syscall arguments (rdi, rsi, rdx, r10, r8, r9 for the 64-bit ABI), each available in the
 * forms handlers need. Values come from int32 register halves, so nothing here allocates.
 */
export interface SyscallArgs {
  /** Low 32 bits as a signed int (file descriptors, flags, int arguments). */
  i32(n: number): number;
  /** Low 32 bits as unsigned. */
  u32(n: number): number;
  /** Full 64-bit value as an exact signed number (pointers, offsets, sizes below 2^53). */
  i64(n: number): number;
  /** Full 64-bit value as an unsigned number (exact below 2^53; larger values are approximate). */
  u64(n: number): number;
  /** Halves, for handlers that need all 64 bits exactly. */
  lo(n: number): number;
  hi(n: number): number;
}

/**
 * User-memory access for handlers (Linux's copy_from_user family). Every method returns false /
 * null / a negative errno on an unmapped or inaccessible address instead of throwing, and demand-pages
 * like a user access would. Addresses are exact signed numbers.
 */
export interface UserAccess {
  /** Copy len bytes from guest memory into a fresh host buffer; null on fault (-> -EFAULT). */
  copyFromUser(addr: number, len: number): Uint8Array | null;
  /** Copy host bytes to guest memory; false on fault (-> -EFAULT). */
  copyToUser(addr: number, data: Uint8Array): boolean;
  /** NUL-terminated string of at most max bytes; null on fault; E.ENAMETOOLONG as a number if too long. */
  strncpyFromUser(addr: number, max: number): string | null | number;
  /** Typed helpers: return false on fault. */
  putU32(addr: number, v: number): boolean;
  putU64(addr: number, v: number): boolean;
  getU32(addr: number): number | null;
  getU64(addr: number): number | null;
  /** Read a NULL-terminated array of string pointers (argv/envp style); null on fault. */
  readStringArray(addr: number, maxCount: number, maxLen: number): string[] | null;
}

/** The result of a handler: a non-negative value or -errno, as an exact number. */
export type SyscallResult = number;
