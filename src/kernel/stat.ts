// Packing of the Linux x86-64 structures that file and info syscalls write to user memory.
// Layouts: arch/x86/include/uapi/asm/stat.h (struct stat, 144 bytes), include/uapi/linux/stat.h
// (struct statx, 256 bytes), include/linux/dirent.h (linux_dirent64), asm-generic/termbits.h
// (the kernel's struct termios, 36 bytes), struct winsize, utsname (6 x 65), sysinfo (112 bytes),
// timespec/timeval (16 bytes), rlimit (16 bytes). The tests check offsets against a C compiler.

/** The fields of a stat result, as Node's BigIntStats has them (so a BigIntStats is a StatInfo). */
export interface StatInfo {
  dev: bigint; ino: bigint; mode: bigint; nlink: bigint; uid: bigint; gid: bigint; rdev: bigint;
  size: bigint; blksize: bigint; blocks: bigint;
  atimeNs: bigint; mtimeNs: bigint; ctimeNs: bigint; birthtimeNs: bigint;
}

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10,
  DT_SOCK = 12;

/** d_type for a file mode (IFTODT). */
export function modeToDtype(mode: number): number { return (mode & S_IFMT) >>> 12; }

const NS = 1_000_000_000n;
const U64 = (1n << 64n) - 1n;

/** Split nanoseconds since the epoch into (sec, nsec) with 0 <= nsec < 1e9 (floor division). */
export function splitNs(ns: bigint): [bigint, number] {
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) { nsec += NS; sec -= 1n; }
  return [sec, Number(nsec)];
}

/** A synthetic StatInfo (pipes, virtual /proc nodes); times default to `now`. */
export function synthStat(p: Partial<StatInfo> & { mode: bigint }): StatInfo {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    dev: 0n, ino: 0n, nlink: 1n, uid: BigInt(process.getuid?.() ?? 0), gid: BigInt(process.getgid?.() ?? 0),
    rdev: 0n, size: 0n, blksize: 4096n, blocks: 0n, atimeNs: now, mtimeNs: now, ctimeNs: now, birthtimeNs: 0n,
    ...p,
  };
}

export const STAT_SIZE = 144;

/** struct stat for x86-64 (arch/x86/include/uapi/asm/stat.h), 144 bytes. */
export function packStat(st: StatInfo): Uint8Array {
  const b = new Uint8Array(STAT_SIZE);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, st.dev & U64, true);
  v.setBigUint64(8, st.ino & U64, true);
  v.setBigUint64(16, st.nlink & U64, true);
  v.setUint32(24, Number(st.mode & 0xffffffffn), true);
  v.setUint32(28, Number(st.uid & 0xffffffffn), true);
  v.setUint32(32, Number(st.gid & 0xffffffffn), true);
  // 36: __pad0
  v.setBigUint64(40, st.rdev & U64, true);
  v.setBigInt64(48, st.size, true);
  v.setBigInt64(56, st.blksize, true);
  v.setBigInt64(64, st.blocks, true);
  const times = [st.atimeNs, st.mtimeNs, st.ctimeNs];
  for (let i = 0; i < 3; i++) {
    const [s, ns] = splitNs(times[i]);
    v.setBigInt64(72 + i * 16, s, true);
    v.setBigInt64(80 + i * 16, BigInt(ns), true);
  }
  // 120..143: __unused[3]
  return b;
}

/** Major/minor of a glibc-encoded dev_t (gnu_dev_major / gnu_dev_minor). */
export function devMajor(dev: bigint): number {
  return Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xffffffffn));
}
export function devMinor(dev: bigint): number {
  return Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn & 0xffffffffn));
}

export const STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8, STATX_GID = 0x10,
  STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE = 0x200,
  STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800;
export const STATX_SIZEOF = 256;

/**
 * struct statx (include/uapi/linux/stat.h), 256 bytes. The mask written is STATX_BASIC_STATS, plus
 * STATX_BTIME when the host knows the birth time (Linux, too, may return more than was asked).
 */
export function packStatx(st: StatInfo): Uint8Array {
  const b = new Uint8Array(STATX_SIZEOF);
  const v = new DataView(b.buffer);
  const hasBtime = st.birthtimeNs !== 0n;
  v.setUint32(0, STATX_BASIC_STATS | (hasBtime ? STATX_BTIME : 0), true);
  v.setUint32(4, Number(st.blksize & 0xffffffffn), true);
  v.setBigUint64(8, 0n, true); // stx_attributes
  v.setUint32(16, Number(st.nlink & 0xffffffffn), true);
  v.setUint32(20, Number(st.uid & 0xffffffffn), true);
  v.setUint32(24, Number(st.gid & 0xffffffffn), true);
  v.setUint16(28, Number(st.mode & 0xffffn), true);
  v.setBigUint64(32, st.ino & U64, true);
  v.setBigUint64(40, st.size & U64, true);
  v.setBigUint64(48, st.blocks & U64, true);
  v.setBigUint64(56, 0n, true); // stx_attributes_mask
  const ts = (off: number, ns: bigint): void => {
    const [s, n] = splitNs(ns);
    v.setBigInt64(off, s, true);
    v.setUint32(off + 8, n, true);
  };
  ts(64, st.atimeNs);
  if (hasBtime) ts(80, st.birthtimeNs);
  ts(96, st.ctimeNs);
  ts(112, st.mtimeNs);
  v.setUint32(128, devMajor(st.rdev), true);
  v.setUint32(132, devMinor(st.rdev), true);
  v.setUint32(136, devMajor(st.dev), true);
  v.setUint32(140, devMinor(st.dev), true);
  return b;
}

/** Size of a linux_dirent64 record for a name of `nameLen` bytes (8-byte aligned, NUL included). */
export function direntSize(nameLen: number): number { return (19 + nameLen + 1 + 7) & ~7; }

/** Write one linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } */
export function packDirent(dst: Uint8Array, at: number, ino: bigint, off: bigint, type: number, name: Uint8Array): number {
  const reclen = direntSize(name.length);
  const v = new DataView(dst.buffer, dst.byteOffset + at, reclen);
  v.setBigUint64(0, ino & U64, true);
  v.setBigInt64(8, off, true);
  v.setUint16(16, reclen, true);
  v.setUint8(18, type);
  dst.set(name, at + 19);
  dst.fill(0, at + 19 + name.length, at + reclen);
  return reclen;
}

/** struct timespec / struct timeval: two 64-bit fields. */
export function packPair(a: number | bigint, b: number | bigint): Uint8Array {
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, BigInt(a), true);
  v.setBigInt64(8, BigInt(b), true);
  return out;
}

/** Read a struct timespec/timeval from 16 bytes: [sec, frac]. */
export function unpackPair(b: Uint8Array): [bigint, bigint] {
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return [v.getBigInt64(0, true), v.getBigInt64(8, true)];
}

// ---- terminal structures ---------------------------------------------------------------------------

export const TERMIOS_SIZE = 36;
/** Default c_cc (asm-generic/termbits.h order: VINTR VQUIT VERASE VKILL VEOF VTIME VMIN VSWTC
 *  VSTART VSTOP VSUSP VEOL VREPRINT VDISCARD VWERASE VLNEXT VEOL2), as `stty -a` shows for a fresh pty. */
const DEFAULT_CC = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];

/** A fresh terminal's settings (what a new pty has): kernel struct termios, 36 bytes. */
export function defaultTermios(): Uint8Array {
  const b = new Uint8Array(TERMIOS_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0o2400 | 0o40000, true); // c_iflag: ICRNL | IXON | IUTF8
  v.setUint32(4, 0o5, true); // c_oflag: OPOST | ONLCR
  v.setUint32(8, 0o277, true); // c_cflag: B38400 | CS8 | CREAD
  v.setUint32(12, 0o105073, true); // c_lflag: ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
  b[16] = 0; // c_line
  b.set(DEFAULT_CC, 17);
  return b;
}

/** struct winsize { u16 ws_row, ws_col, ws_xpixel, ws_ypixel; } */
export function packWinsize(rows: number, cols: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint16(0, rows, true);
  v.setUint16(2, cols, true);
  return b;
}
