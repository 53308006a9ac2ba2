// SWAR ("SIMD within a register") expressions for byte and word lanes packed four/two to an int32:
// the inline forms of the hot SSE2 integer instructions, so generated code works on the four int32
// lanes of an xmm register directly instead of calling a primitive that copies them into typed-array
// scratch views. Every builder takes operand expressions that may be evaluated more than once (lane
// reads such as cpu.xmm[5], or temporaries) and returns an int32 JS expression; carries and borrows
// are kept from crossing element boundaries by doing the arithmetic on the low 7 (15) bits of each
// element and fixing the top bit with XOR.

const H8 = '0x80808080', L8 = '0x7f7f7f7f';
const H16 = '0x80008000', L16 = '0x7fff7fff';

/** Per-byte/word add and subtract: the low bits add without crossing into the next element (their sum
 * fits), and the element's top bit is the XOR of both top bits and the carry that arrived there. */
export function addB(a: string, b: string): string { return `((${a} & ${L8}) + (${b} & ${L8})) ^ ((${a} ^ ${b}) & ${H8})`; }
export function addW(a: string, b: string): string { return `((${a} & ${L16}) + (${b} & ${L16})) ^ ((${a} ^ ${b}) & ${H16})`; }
/** (a | H) - (b & L) never borrows across elements (each element of the minuend is >= 0x80 > the
 * subtrahend's); its top bit is NOT the borrow out of the low bits, hence the XOR with ~b. */
export function subB(a: string, b: string): string { return `((${a} | ${H8}) - (${b} & ${L8})) ^ ((${a} ^ ~${b}) & ${H8})`; }
export function subW(a: string, b: string): string { return `((${a} | ${H16}) - (${b} & ${L16})) ^ ((${a} ^ ~${b}) & ${H16})`; }

/** A per-byte mask (0xff where bit 7 of the element is set in m7, which has only bits 7/15/23/31). */
function spread8(m7: string): string { return `Math.imul((${m7}) >>> 7, 255)`; }

/** pcmpeqb: a byte of v = a ^ b is non-zero iff adding 0x7f to its low 7 bits, or its own bit 7, sets bit 7. */
export function eqB(a: string, b: string): string {
  const v = `(${a} ^ ${b})`;
  return `~${spread8(`((((${v} & ${L8}) + ${L8}) | ${v}) & ${H8})`)}`;
}
/** pcmpeqw: two words, compared directly. */
export function eqW(a: string, b: string): string {
  return `(((${a} ^ ${b}) & 0xffff) === 0 ? 0xffff : 0) | (((${a} ^ ${b}) >>> 16) === 0 ? -65536 : 0)`;
}

/**
 * Bit 7 of each byte: unsigned a >= b. The low 7 bits compare through d = (a | 0x80) - (b & 0x7f) (its
 * bit 7 is "a' >= b'"), which decides where the top bits are equal; where they differ (bit 7 of
 * x = a ^ b set), a >= b iff a's top bit is the set one. So a select of d or a by x: one operation
 * fewer than (a & ~b) | (~x & d), and x is shared with the caller's select.
 */
function geU8(a: string, b: string, x: string): string {
  const d = `((${a} | ${H8}) - (${b} & ${L8}))`;
  return `((${d} ^ ((${d} ^ ${a}) & ${x})) & ${H8})`;
}
/** pminub / pmaxub: select per byte with the a >= b mask. */
export function minUB(a: string, b: string): string { const x = `(${a} ^ ${b})`; return `${a} ^ (${x} & ${spread8(geU8(a, b, x))})`; }
export function maxUB(a: string, b: string): string { const x = `(${a} ^ ${b})`; return `${b} ^ (${x} & ${spread8(geU8(a, b, x))})`; }
/** pcmpgtb (signed): a > b iff not (b >= a) with both top bits flipped (signed order = unsigned order
 * of x ^ 0x80); geU8(b ^ H, a ^ H) written out without the flips. */
export function gtSB(a: string, b: string): string {
  return `~${spread8(`(((${a} & ~${b}) | (~(${a} ^ ${b}) & ((${b} | ${H8}) - (${a} & ${L8})))) & ${H8})`)}`;
}
/** Signed word compares and selects: the low word compared in the top half (x << 16), the high word
 * with the low half cleared; both are then plain int32 comparisons. */
export function gtSW(a: string, b: string): string {
  return `((${a} << 16) > (${b} << 16) ? 0xffff : 0) | ((${a} & -65536) > (${b} & -65536) ? -65536 : 0)`;
}
export function minSW(a: string, b: string): string {
  return `(((${a} << 16) < (${b} << 16) ? ${a} : ${b}) & 0xffff) | (((${a} & -65536) < (${b} & -65536) ? ${a} : ${b}) & -65536)`;
}
export function maxSW(a: string, b: string): string {
  return `(((${a} << 16) > (${b} << 16) ? ${a} : ${b}) & 0xffff) | (((${a} & -65536) > (${b} & -65536) ? ${a} : ${b}) & -65536)`;
}

/**
 * pmovmskb of two int32 lanes (lo, hi) into 8 bits: bits 7/15/23/31 of lo moved to 0/8/16/24 and those
 * of hi to 4/12/20/28, then one multiply by 2^24 + 2^17 + 2^10 + 2^3 gathers byte i's bit into bit
 * 24 + i (lo) and 28 + i (hi). The other partial products land on twelve distinct bits below 24 or
 * above 31, so nothing carries into 24-31. Half the multiplies of one gather per lane.
 */
export function mask8(lo: string, hi: string): string {
  return `(Math.imul(((${lo} >>> 7) & 0x01010101) | ((${hi} >>> 3) & 0x10101010), 0x01020408) >>> 24)`;
}

/** Bytes 0-1 (high = false) or 2-3 of x spread to bytes 0 and 2 (punpck?bw's interleave). */
export function spreadBytes(x: string, high: boolean): string {
  return high ? `((${x} >>> 16) & 0xff) | ((${x} >>> 8) & 0xff0000)` : `(${x} & 0xff) | ((${x} & 0xff00) << 8)`;
}
