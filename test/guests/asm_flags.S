/* asm_flags: no libc. Runs integer instructions on a table of operand
 * values with two incoming flag states (0x202: all clear; 0xad7: OF SF ZF AF
 * PF CF set) and prints the result register(s) and RFLAGS (read with pushfq)
 * as hex. Flags the SDM leaves undefined for an instruction are masked out,
 * so only architecturally defined behaviour is compared.
 *
 * Tables:
 *   bin   - two-operand ops: add/adc/sub/sbb/cmp/and/or/xor/test in 8/16/32/64
 *           bits, memory and locked forms, mul/imul/div/idiv, bt*, xadd, cmpxchg,
 *           bsf/bsr
 *   un    - one-operand ops and immediate forms: inc/dec/neg/not, shifts and
 *           rotates by 1 and by immediates, bswap, sign/zero extension,
 *           sahf/lahf, cmc/stc/clc
 *   shift - shifts/rotates/shld/shrd by CL over counts 0..65; the mask of
 *           defined flags is computed from the masked count and width
 *   cc    - after a flag producer, all 16 conditions evaluated three ways
 *           (jcc, cmovcc, setcc) packed as three 16-bit masks
 * Line format: "name a [b] [count]: result flags result2 | ..." with one
 * "result flags result2" group per incoming flag state. */
    .intel_syntax noprefix

#define FL_ALL   0x8d5   /* OF SF ZF AF PF CF */
#define FL_LOGIC 0x8c5   /* AF undefined */
#define FL_MUL   0x801   /* only CF OF defined */
#define FL_NONE  0x000
#define NVALUES 11
#define NSHVALUES 7
#define NCOUNTS 16

/* ---------------------------------------------------------------- tables */
    .section .data.tab_bin,"aw"
    .balign 8
tab_bin_start:
    .section .data.tab_un,"aw"
    .balign 8
tab_un_start:
    .section .data.tab_shift,"aw"
    .balign 8
tab_shift_start:
    .section .rodata.names,"a"

/* OP(tab, name, mask, code...): a generic op. On entry rdi=a, rsi=b,
   rcx=count, rdx=incoming flags, r8=0. The code runs with rax=a, rdx=0 and
   the incoming flags loaded; it may set r8 to a second result (then mask has
   R2 set so the driver prints it). These are C preprocessor macros so that
   the code argument may hold several ';'-separated instructions. */
#define R2 0x10000
#define OP(tab, name, mask, ...) \
    .section .rodata.names,"a"; nm_##name: .asciz #name; \
    .section .data.tab_##tab,"aw"; .quad op_##name, nm_##name, mask; \
    .text; op_##name: mov rax, rdi; push rdx; xor edx, edx; popfq; __VA_ARGS__; \
    pushfq; pop rdx; ret

/* CC tab, name, mask, code: after the producer (which may use r10 = a as its
   destination), evaluate all 16 conditions with jcc, cmovcc and setcc.
   rax = jcc bits | cmov bits << 16 | setcc bits << 32, r8 = r10.
   Bits: o no b ae e ne be a s ns p np l ge le g. */
.macro JCCBIT cc, bit
    j\cc 91f
    jmp 92f
91: lea rax, [rax + (1 << \bit)]
92:
.endm
.macro CMOVBIT cc, bit
    lea r9, [r11 + (1 << \bit)]
    cmov\cc r11, r9
.endm
.macro ALLCC m
    \m o, 0
    \m no, 1
    \m b, 2
    \m ae, 3
    \m e, 4
    \m ne, 5
    \m be, 6
    \m a, 7
    \m s, 8
    \m ns, 9
    \m p, 10
    \m np, 11
    \m l, 12
    \m ge, 13
    \m le, 14
    \m g, 15
.endm
.macro SETBIT cc, bit
    set\cc byte ptr [rsp + \bit]
.endm
#define CC(tab, name, mask, ...) \
    .section .rodata.names,"a"; nm_##name: .asciz #name; \
    .section .data.tab_##tab,"aw"; .quad op_##name, nm_##name, (mask) | R2; \
    .text; op_##name: sub rsp, 16; xor eax, eax; xor r11d, r11d; mov r10, rdi; \
    push rdx; popfq; __VA_ARGS__; \
    ALLCC JCCBIT; ALLCC CMOVBIT; ALLCC SETBIT; \
    pushfq; pop rdx; mov r8, r10; shl r11, 16; or rax, r11; xor ecx, ecx; \
1:  movzx r9d, byte ptr [rsp + rcx]; shl r9, 32; shl r9, cl; or rax, r9; \
    inc ecx; cmp ecx, 16; jb 1b; add rsp, 16; ret

/* ---- two-operand ops */
    OP(bin, add64, FL_ALL, add rax, rsi)
    OP(bin, add32, FL_ALL, add eax, esi)
    OP(bin, add16, FL_ALL, add ax, si)
    OP(bin, add8, FL_ALL, add al, sil)
    OP(bin, add8h, FL_ALL, mov ah, al; mov ecx, esi; add ah, cl)
    OP(bin, adc64, FL_ALL, adc rax, rsi)
    OP(bin, adc32, FL_ALL, adc eax, esi)
    OP(bin, adc16, FL_ALL, adc ax, si)
    OP(bin, adc8, FL_ALL, adc al, sil)
    OP(bin, sub64, FL_ALL, sub rax, rsi)
    OP(bin, sub32, FL_ALL, sub eax, esi)
    OP(bin, sub16, FL_ALL, sub ax, si)
    OP(bin, sub8, FL_ALL, sub al, sil)
    OP(bin, sbb64, FL_ALL, sbb rax, rsi)
    OP(bin, sbb32, FL_ALL, sbb eax, esi)
    OP(bin, sbb16, FL_ALL, sbb ax, si)
    OP(bin, sbb8, FL_ALL, sbb al, sil)
    OP(bin, cmp64, FL_ALL, cmp rax, rsi)
    OP(bin, cmp32, FL_ALL, cmp eax, esi)
    OP(bin, cmp8, FL_ALL, cmp al, sil)
    OP(bin, and64, FL_LOGIC, and rax, rsi)
    OP(bin, and8, FL_LOGIC, and al, sil)
    OP(bin, or32, FL_LOGIC, or eax, esi)
    OP(bin, or16, FL_LOGIC, or ax, si)
    OP(bin, xor64, FL_LOGIC, xor rax, rsi)
    OP(bin, xor8, FL_LOGIC, xor al, sil)
    OP(bin, test64, FL_LOGIC, test rax, rsi)
    OP(bin, test32, FL_LOGIC, test eax, esi)
    OP(bin, test8, FL_LOGIC, test al, sil)
    OP(bin, addmem64, FL_ALL, mov [rip + scratch], rax; add [rip + scratch], rsi; mov rax, [rip + scratch])
    OP(bin, lockadd64, FL_ALL, mov [rip + scratch], rax; lock add [rip + scratch], rsi; mov rax, [rip + scratch])
    OP(bin, sbbmem32, FL_ALL, mov [rip + scratch], eax; sbb esi, dword ptr [rip + scratch]; mov eax, esi)
    OP(bin, subbyte, FL_ALL, mov [rip + scratch], rax; sub byte ptr [rip + scratch], sil; mov rax, [rip + scratch])
    OP(bin, imul64, FL_MUL, imul rax, rsi)
    OP(bin, imul32, FL_MUL, imul eax, esi)
    OP(bin, imul16, FL_MUL, imul ax, si)
    OP(bin, imul3_64, FL_MUL, imul rax, rsi, -129)
    OP(bin, imul3_32, FL_MUL, imul eax, esi, 0x12345)
    OP(bin, mul64, FL_MUL | R2, mul rsi; mov r8, rdx)
    OP(bin, mul32, FL_MUL | R2, mul esi; mov r8, rdx)
    OP(bin, mul16, FL_MUL | R2, mul si; mov r8, rdx)
    OP(bin, mul8, FL_MUL, mul sil)
    OP(bin, imul1_64, FL_MUL | R2, imul rsi; mov r8, rdx)
    OP(bin, imul1_8, FL_MUL, imul sil)
    OP(bin, bt64, 0x001, bt rax, rsi)
    OP(bin, bts64, 0x001, bts rax, rsi)
    OP(bin, btr32, 0x001, btr eax, esi)
    OP(bin, btc16, 0x001, btc ax, si)
    OP(bin, btsmem, 0x001 | R2, mov [rip + scratch], rax; mov [rip + scratch + 8], rax; and esi, 127; bts [rip + scratch], rsi; mov rax, [rip + scratch]; mov r8, [rip + scratch + 8])
    OP(bin, xadd64, FL_ALL | R2, mov r9, rsi; xadd rax, r9; mov r8, r9)
    OP(bin, xadd8, FL_ALL | R2, mov r9, rsi; xadd al, r9b; mov r8, r9)
    OP(bin, cmpxchg64, FL_ALL | R2, mov r9, rsi; cmpxchg r9, rdi; mov r8, r9)
    OP(bin, cmpxchg64eq, FL_ALL | R2, mov r9, rdi; cmpxchg r9, rsi; mov r8, r9)
    OP(bin, cmpxchg8, FL_ALL | R2, mov r9, rsi; cmpxchg r9b, dil; mov r8, r9)
    OP(bin, bsf64, 0x040, bsf rax, rsi; jnz 1f; xor eax, eax; 1:)
    OP(bin, bsr64, 0x040, bsr rax, rsi; jnz 1f; xor eax, eax; 1:)
    OP(bin, bsf16, 0x040, bsf ax, si; jnz 1f; xor eax, eax; 1:)
    OP(bin, bsr32, 0x040, bsr eax, esi; jnz 1f; xor eax, eax; 1:)
    OP(bin, div64, FL_NONE | R2, call do_div64)
    OP(bin, idiv64, FL_NONE | R2, call do_idiv64)
    OP(bin, div32, FL_NONE | R2, call do_div32)
    OP(bin, idiv32, FL_NONE | R2, call do_idiv32)
    OP(bin, div8, FL_NONE, call do_div8)
    OP(bin, cmov_l, FL_ALL, cmp rdi, rsi; cmovl rax, rsi)
    OP(bin, cmov_be32, FL_ALL, cmp edi, esi; cmovbe eax, esi)
    OP(bin, xchg64, FL_ALL | R2, mov r8, rsi; xchg rax, r8)

/* ---- condition evaluation after various producers */
    CC(bin, cc_cmp64, FL_ALL, cmp rdi, rsi)
    CC(bin, cc_cmp32, FL_ALL, cmp edi, esi)
    CC(bin, cc_cmp16, FL_ALL, cmp di, si)
    CC(bin, cc_cmp8, FL_ALL, cmp dil, sil)
    CC(bin, cc_cmpimm8, FL_ALL, cmp r10, -1)
    CC(bin, cc_sub64, FL_ALL, sub r10, rsi)
    CC(bin, cc_add64, FL_ALL, add r10, rsi)
    CC(bin, cc_add32, FL_ALL, add r10d, esi)
    CC(bin, cc_adc64, FL_ALL, adc r10, rsi)
    CC(bin, cc_sbb8, FL_ALL, sbb r10b, sil)
    CC(bin, cc_test64, FL_LOGIC, test rdi, rsi)
    CC(bin, cc_test8, FL_LOGIC, test dil, sil)
    CC(bin, cc_and32, FL_LOGIC, and r10d, esi)
    CC(bin, cc_xor64, FL_LOGIC, xor r10, rsi)
    CC(un, cc_inc64, FL_ALL, inc r10)
    CC(un, cc_dec32, FL_ALL, dec r10d)
    CC(un, cc_neg64, FL_ALL, neg r10)
    CC(un, cc_shl1, 0x8c5, shl r10, 1)
    CC(un, cc_sar3, 0x0c5, sar r10, 3)
    CC(un, cc_popf, FL_ALL, push r10; or qword ptr [rsp], 0x202; and qword ptr [rsp], 0x8d7; popfq)

/* ---- one-operand ops and immediate forms */
    OP(un, inc64, FL_ALL, inc rax)
    OP(un, inc8, FL_ALL, inc al)
    OP(un, dec32, FL_ALL, dec eax)
    OP(un, dec16, FL_ALL, dec ax)
    OP(un, neg64, FL_ALL, neg rax)
    OP(un, neg32, FL_ALL, neg eax)
    OP(un, neg8, FL_ALL, neg al)
    OP(un, not64, FL_ALL, not rax)
    OP(un, not16, FL_ALL, not ax)
    OP(un, shl1_64, FL_LOGIC, shl rax, 1)
    OP(un, sar1_32, FL_LOGIC, sar eax, 1)
    OP(un, shr1_8, FL_LOGIC, shr al, 1)
    OP(un, shl5_64, 0x0c5, shl rax, 5)
    OP(un, sar7_8, 0x0c5, sar al, 7)
    OP(un, shr63_64, 0x0c5, shr rax, 63)
    OP(un, shl4_16, 0x0c5, shl ax, 4)
    OP(un, rol1_64, FL_ALL, rol rax, 1)
    OP(un, ror1_8, FL_ALL, ror al, 1)
    OP(un, rol13_32, 0x0d5, rol eax, 13)
    OP(un, ror60_64, 0x0d5, ror rax, 60)
    OP(un, rcl1_64, FL_ALL, rcl rax, 1)
    OP(un, rcr1_16, FL_ALL, rcr ax, 1)
    OP(un, rcr3_64, 0x0d5, rcr rax, 3)
    OP(un, rcl9_8, 0x0d5, rcl al, 9)
    OP(un, rcl5_32, 0x0d5, rcl eax, 5)
    OP(un, bswap64, FL_ALL, bswap rax)
    OP(un, bswap32, FL_ALL, bswap eax)
    OP(un, movsx8_64, FL_ALL, movsx rax, dil)
    OP(un, movsx16_32, FL_ALL, movsx eax, di)
    OP(un, movsxd, FL_ALL, movsxd rax, edi)
    OP(un, movzx8_64, FL_ALL, movzx rax, dil)
    OP(un, movzx16_64, FL_ALL, movzx rax, di)
    OP(un, mov32_zext, FL_ALL, mov eax, edi)
    OP(un, mov16_merge, FL_ALL, mov rax, -1; mov ax, di)
    OP(un, mov8_merge, FL_ALL, mov rax, -1; mov al, dil)
    OP(un, cbw, FL_ALL, cbw)
    OP(un, cwde, FL_ALL, cwde)
    OP(un, cdqe, FL_ALL, cdqe)
    OP(un, cqo, FL_ALL | R2, cqo; mov r8, rdx)
    OP(un, cdq, FL_ALL | R2, cdq; mov r8, rdx)
    OP(un, sahf_lahf, FL_ALL, sahf; lahf)
    OP(un, lahf, FL_ALL, lahf)
    OP(un, cmc, FL_ALL, cmc)
    OP(un, stc, FL_ALL, stc)
    OP(un, clc, FL_ALL, clc)
    OP(un, addimm8, FL_ALL, add rax, 0x7f)
    OP(un, addimm32, FL_ALL, add rax, -0x80000000)
    OP(un, subimm8, FL_ALL, sub eax, 1)
    OP(un, adcimm32, FL_ALL, adc eax, 0x12345678)
    OP(un, sbbimm8_64, FL_ALL, sbb rax, -1)
    OP(un, andimm, FL_LOGIC, and rax, -16)
    OP(un, orimm16, FL_LOGIC, or ax, 0x8001)
    OP(un, xorimm8, FL_LOGIC, xor al, 0x80)
    OP(un, cmpimm8, FL_ALL, cmp al, 0x80)
    OP(un, addal, FL_ALL, add al, 0x7f)
    OP(un, testimm32, FL_LOGIC, test eax, 0x80000001)
    OP(un, lea_scaled, FL_ALL, lea rax, [rdi + rdi*4 + 0x7fffffff])
    OP(un, lea32, FL_ALL, lea eax, [rdi + rdi*2 - 1])

/* ---- shifts by CL: mask field = kind << 8 | width (kind 0 shift, 1 rotate) */
#define SH(name, kind, width, ...) OP(shift, name, ((kind) << 8) | (width), __VA_ARGS__)
    SH(shl64, 0, 64, shl rax, cl)
    SH(shr64, 0, 64, shr rax, cl)
    SH(sar64, 0, 64, sar rax, cl)
    SH(rol64, 1, 64, rol rax, cl)
    SH(ror64, 1, 64, ror rax, cl)
    SH(rcl64, 1, 64, rcl rax, cl)
    SH(rcr64, 1, 64, rcr rax, cl)
    SH(shl32, 0, 32, shl eax, cl)
    SH(shr32, 0, 32, shr eax, cl)
    SH(sar32, 0, 32, sar eax, cl)
    SH(rol32, 1, 32, rol eax, cl)
    SH(ror32, 1, 32, ror eax, cl)
    SH(rcl32, 1, 32, rcl eax, cl)
    SH(rcr32, 1, 32, rcr eax, cl)
    SH(shl16, 0, 16, shl ax, cl)
    SH(shr16, 0, 16, shr ax, cl)
    SH(sar16, 0, 16, sar ax, cl)
    SH(rol16, 1, 16, rol ax, cl)
    SH(ror16, 1, 16, ror ax, cl)
    SH(rcl16, 1, 16, rcl ax, cl)
    SH(rcr16, 1, 16, rcr ax, cl)
    SH(shl8, 0, 8, shl al, cl)
    SH(shr8, 0, 8, shr al, cl)
    SH(sar8, 0, 8, sar al, cl)
    SH(rol8, 1, 8, rol al, cl)
    SH(ror8, 1, 8, ror al, cl)
    SH(rcl8, 1, 8, rcl al, cl)
    SH(rcr8, 1, 8, rcr al, cl)
    SH(shld64, 0, 64, shld rax, rsi, cl)
    SH(shrd64, 0, 64, shrd rax, rsi, cl)
    SH(shld32, 0, 32, shld eax, esi, cl)
    SH(shrd32, 0, 32, shrd eax, esi, cl)
    SH(shlmem64, 0, 64, mov [rip + scratch], rax; shl qword ptr [rip + scratch], cl; mov rax, [rip + scratch])

    .section .data.tab_bin,"aw"
tab_bin_end:
    .section .data.tab_un,"aw"
tab_un_end:
    .section .data.tab_shift,"aw"
tab_shift_end:

/* ---------------------------------------------------------------- division
   flags are undefined after div/idiv; cases that would raise #DE return
   0xdead in both results. Called from inside OP code (rax = a, rsi = b). */
    .text
do_div64:
    test rsi, rsi
    jz div_skip
    xor edx, edx
    div rsi
    mov r8, rdx
    ret
do_idiv64:
    test rsi, rsi
    jz div_skip
    cmp rsi, -1
    jne 1f
    mov rdx, 0x8000000000000000
    cmp rax, rdx
    je div_skip
1:  cqo
    idiv rsi
    mov r8, rdx
    ret
do_div32:
    test esi, esi
    jz div_skip
    xor edx, edx
    div esi
    mov r8, rdx
    ret
do_idiv32:
    test esi, esi
    jz div_skip
    cmp esi, -1
    jne 1f
    cmp eax, 0x80000000
    je div_skip
1:  cdq
    idiv esi
    mov r8, rdx
    ret
do_div8:
    test sil, sil
    jz div_skip
    movzx eax, al                /* ax = al: the quotient always fits */
    div sil
    ret
div_skip:
    mov eax, 0xdead
    mov r8d, 0xdead
    ret

/* ---------------------------------------------------------------- output */
/* emit_al: append al to the buffer. Preserves all registers (not flags). */
emit_al:
    push rdx
    push rcx
    mov rdx, [rip + outpos]
    lea rcx, [rip + outbuf]
    mov [rcx + rdx], al
    inc rdx
    mov [rip + outpos], rdx
    cmp rdx, 60000
    jb 1f
    call flush
1:  pop rcx
    pop rdx
    ret

flush:
    push rax
    push rdi
    push rsi
    push rdx
    push rcx
    push r11
    mov eax, 1
    mov edi, 1
    lea rsi, [rip + outbuf]
    mov rdx, [rip + outpos]
    syscall
    mov qword ptr [rip + outpos], 0
    pop r11
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    pop rax
    ret

/* emit_str: rsi = NUL-terminated string. Preserves all but rax, rsi. */
emit_str:
1:  mov al, [rsi]
    test al, al
    jz 2f
    call emit_al
    inc rsi
    jmp 1b
2:  ret

/* emit_hex: rdi = value, esi = number of digits. Clobbers rax, rcx, rdx. */
emit_hex:
    mov ecx, esi
    shl ecx, 2
1:  sub ecx, 4
    mov rax, rdi
    shr rax, cl
    and eax, 15
    lea rdx, [rip + hexdigits]
    mov al, [rdx + rax]
    call emit_al
    test ecx, ecx
    jnz 1b
    ret

/* emit_space_hex16 / emit_space_hex3: rdi = value */
emit_sp_hex16:
    mov al, ' '
    call emit_al
    mov esi, 16
    jmp emit_hex
emit_sp_hex3:
    mov al, ' '
    call emit_al
    mov esi, 3
    jmp emit_hex
emit_sp_dec2:                      /* rdi < 100 */
    mov al, ' '
    call emit_al
    mov rax, rdi
    xor edx, edx
    mov ecx, 10
    div rcx
    add al, '0'
    call emit_al
    mov al, dl
    add al, '0'
    jmp emit_al

/* ---------------------------------------------------------------- drivers
   run_case: r12 = table entry, rbx = a, rbp = b, r15 = count, r14 = mask
   (with R2: also print the second result). Emits "result flags [result2]"
   for both incoming flag states and a newline. */
run_case:
    push r13
    xor r13d, r13d
1:  mov rdi, rbx
    mov rsi, rbp
    mov rcx, r15
    lea rax, [rip + fins]
    mov rdx, [rax + r13 * 8]
    xor r8d, r8d
    call [r12]
    and rdx, r14
    push r8
    push rdx
    mov rdi, rax
    call emit_sp_hex16
    pop rdi
    and edi, 0xfff
    call emit_sp_hex3
    pop rdi
    test r14d, R2
    jz 3f
    call emit_sp_hex16
3:  inc r13
    cmp r13, 2
    jae 2f
    mov al, ' '
    call emit_al
    mov al, '|'
    call emit_al
    jmp 1b
2:  mov al, '\n'
    call emit_al
    pop r13
    ret

emit_name:                          /* name of entry r12 */
    mov rsi, [r12 + 8]
    jmp emit_str

    .globl _start
_start:
    /* two-operand table: every pair of values */
    lea r12, [rip + tab_bin_start]
bin_op:
    lea rax, [rip + tab_bin_end]
    cmp r12, rax
    jae bin_done
    mov r14, [r12 + 16]
    xor r13d, r13d
bin_i:
    xor r15d, r15d
bin_j:
    lea rax, [rip + values]
    mov rbx, [rax + r13 * 8]
    mov rbp, [rax + r15 * 8]
    call emit_name
    mov rdi, rbx
    call emit_sp_hex16
    mov rdi, rbp
    call emit_sp_hex16
    mov al, ':'
    call emit_al
    push r15
    xor r15d, r15d
    call run_case
    pop r15
    inc r15
    cmp r15, NVALUES
    jb bin_j
    inc r13
    cmp r13, NVALUES
    jb bin_i
    add r12, 24
    jmp bin_op
bin_done:

    /* one-operand table */
    lea r12, [rip + tab_un_start]
un_op:
    lea rax, [rip + tab_un_end]
    cmp r12, rax
    jae un_done
    mov r14, [r12 + 16]
    xor r13d, r13d
un_i:
    lea rax, [rip + values]
    mov rbx, [rax + r13 * 8]
    xor ebp, ebp
    xor r15d, r15d
    call emit_name
    mov rdi, rbx
    call emit_sp_hex16
    mov al, ':'
    call emit_al
    call run_case
    inc r13
    cmp r13, NVALUES
    jb un_i
    add r12, 24
    jmp un_op
un_done:

    /* shifts by CL */
    lea r12, [rip + tab_shift_start]
sh_op:
    lea rax, [rip + tab_shift_end]
    cmp r12, rax
    jae sh_done
    xor r13d, r13d
sh_i:
    xor r15d, r15d
sh_j:
    lea rax, [rip + shvalues]
    mov rbx, [rax + r13 * 8]
    mov rbp, 0xfedcba9876543210      /* shld/shrd source */
    lea rax, [rip + counts]
    movzx r15d, byte ptr [rax + r15]
    /* compute the defined-flags mask for this count */
    mov rdi, [r12 + 16]
    mov esi, r15d
    call shift_mask
    mov r14, rax
    call emit_name
    mov rdi, rbx
    call emit_sp_hex16
    mov rdi, r15
    call emit_sp_dec2
    mov al, ':'
    call emit_al
    call run_case
    /* back from count value to its index */
    lea rax, [rip + counts]
    xor ecx, ecx
1:  cmp byte ptr [rax + rcx], r15b
    je 2f
    inc ecx
    jmp 1b
2:  lea r15d, [ecx + 1]
    cmp r15d, NCOUNTS
    jb sh_j
    inc r13
    cmp r13, NSHVALUES
    jb sh_i
    add r12, 24
    jmp sh_op
sh_done:

    call flush
    xor edi, edi
    mov eax, 231
    syscall

/* shift_mask: edi = kind << 8 | width, esi = count (before masking).
   Returns eax = mask of flags that are defined. */
shift_mask:
    movzx ecx, dil
    mov edx, esi
    cmp ecx, 64
    je 1f
    and edx, 31
    jmp 2f
1:  and edx, 63
2:  test edx, edx
    jnz 3f
    mov eax, FL_ALL             /* count 0: flags untouched */
    ret
3:  mov r8d, edi
    shr r8d, 8
    test r8d, r8d
    jnz 5f
    mov eax, 0x0c5              /* shift: CF PF ZF SF (AF undefined) */
    cmp edx, ecx
    jb 6f
    and eax, ~1                 /* CF undefined when count >= width */
    jmp 6f
5:  mov eax, 0x0d5              /* rotate: CF; SF ZF AF PF untouched */
6:  cmp edx, 1
    jne 7f
    or eax, 0x800               /* OF defined only for count 1 */
7:  ret

    .section .rodata
    .balign 8
fins:
    .quad 0x202, 0xad7
values:
    .quad 0, 1, 0x7f, 0x80, 0xff, 0x8000, 0x7fffffff, 0x80000000
    .quad 0x8000000000000000, 0xffffffffffffffff, 0x123456789abcdef0
    .if (. - values) / 8 - NVALUES
    .error "NVALUES does not match the table"
    .endif
shvalues:
    .quad 1, 0x81, 0x8001, 0x80000001, 0x8000000000000001, 0x123456789abcdef0, 0xfedcba9876543210
    .if (. - shvalues) / 8 - NSHVALUES
    .error "NSHVALUES does not match the table"
    .endif
counts:
    .byte 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65
    .if . - counts - NCOUNTS
    .error "NCOUNTS does not match the table"
    .endif
hexdigits:
    .ascii "0123456789abcdef"

    .bss
    .balign 16
scratch:
    .skip 16
outpos:
    .skip 8
outbuf:
    .skip 65536
    .section .note.GNU-stack,"",@progbits
