//go:build amd64

#include "textflag.h"

// func keysVec(k, s0, q0, xs, xq *float64, cnt, stride, nb int, n, cut float64) int
//
// For lanes i = 0, 4, 8, ... below cnt&^3: s = s0[i] + xs[i] + xs[i+stride]
// + ... (nb blocks), q likewise, k[i] = sharpeKey(s, q, n), four lanes at a
// time; stops at the first group of four with a key not below cut (NaN
// included) and returns its first lane (its keys are stored), else the lanes
// done. The same operations in the same order as sharpeKey.
TEXT ·keysVec(SB), NOSPLIT, $0-88
	MOVQ k+0(FP), DI
	MOVQ s0+8(FP), SI
	MOVQ q0+16(FP), DX
	MOVQ xs+24(FP), R8
	MOVQ xq+32(FP), R9
	MOVQ cnt+40(FP), R10
	ANDQ $~3, R10
	MOVQ stride+48(FP), R11
	SHLQ $3, R11
	MOVQ nb+56(FP), R12
	VBROADCASTSD n+64(FP), Y8
	VBROADCASTSD cut+72(FP), Y9
	MOVQ $0x7FFFFFFFFFFFFFFF, AX
	MOVQ AX, X10
	VPBROADCASTQ X10, Y10
	MOVQ $0x7FF8000000000001, AX
	MOVQ AX, X11
	VPBROADCASTQ X11, Y11
	MOVQ $0xFFF0000000000000, AX
	MOVQ AX, X12
	VPBROADCASTQ X12, Y12
	MOVQ $0x3EB0000000000000, AX
	MOVQ AX, X13
	VPBROADCASTQ X13, Y13
	VXORPD Y14, Y14, Y14
	XORQ CX, CX

kloop:
	CMPQ CX, R10
	JGE kdone
	VMOVUPD (SI)(CX*8), Y0
	VMOVUPD (DX)(CX*8), Y1
	LEAQ (R8)(CX*8), R13
	LEAQ (R9)(CX*8), R14
	MOVQ R12, BX

kblock:
	VADDPD (R13), Y0, Y0
	VADDPD (R14), Y1, Y1
	ADDQ R11, R13
	ADDQ R11, R14
	DECQ BX
	JNZ kblock

	VMULPD Y0, Y0, Y2       // ss = s*s
	VMULPD Y1, Y8, Y3       // n*q
	VSUBPD Y2, Y3, Y3       // d = n*q - ss
	VANDPD Y10, Y0, Y4      // |s|
	VMULPD Y4, Y0, Y4       // s*|s|
	VDIVPD Y3, Y4, Y4       // z = s*|s| / d
	VMULPD Y13, Y2, Y5      // ss*keyCancel
	VCMPPD $0x1E, Y5, Y3, Y5 // d > ss*keyCancel (GT_OQ)
	VBLENDVPD Y5, Y4, Y11, Y4 // z where ok, else NaN
	VCMPPD $0x12, Y14, Y1, Y6 // q <= 0 (LE_OQ)
	VBLENDVPD Y6, Y12, Y4, Y4 // -Inf where q <= 0
	VMOVUPD Y4, (DI)(CX*8)
	VCMPPD $0x15, Y9, Y4, Y7 // !(z < cut) (NLT_UQ)
	VMOVMSKPD Y7, AX
	TESTQ AX, AX
	JNZ kdone
	ADDQ $4, CX
	JMP kloop

kdone:
	VZEROUPPER
	MOVQ CX, ret+80(FP)
	RET

// func rankVec(k *float64, cnt int, lo, hi float64) (lt, gt, stop int)
//
// Counts the keys k[i] below lo (lt) and above hi (gt), four lanes at a
// time for i below cnt&^3, and stops at the first group of four with a key
// in neither (uncounted; stop is its first lane), else stop = cnt&^3.
TEXT ·rankVec(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), SI
	MOVQ cnt+8(FP), R10
	ANDQ $~3, R10
	VBROADCASTSD lo+16(FP), Y8
	VBROADCASTSD hi+24(FP), Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	XORQ CX, CX

rloop:
	CMPQ CX, R10
	JGE rdone
	VMOVUPD (SI)(CX*8), Y0
	VCMPPD $0x11, Y8, Y0, Y1 // z < lo (LT_OQ)
	VCMPPD $0x1E, Y9, Y0, Y2 // z > hi (GT_OQ)
	VORPD Y1, Y2, Y3
	VMOVMSKPD Y3, AX
	CMPQ AX, $15
	JNE rdone
	VPSUBQ Y1, Y10, Y10
	VPSUBQ Y2, Y11, Y11
	ADDQ $4, CX
	JMP rloop

rdone:
	VEXTRACTI128 $1, Y10, X1
	VPADDQ X1, X10, X0
	VPSHUFD $0x4E, X0, X1
	VPADDQ X1, X0, X0
	MOVQ X0, AX
	VEXTRACTI128 $1, Y11, X1
	VPADDQ X1, X11, X2
	VPSHUFD $0x4E, X2, X1
	VPADDQ X1, X2, X2
	MOVQ X2, BX
	VZEROUPPER
	MOVQ AX, lt+32(FP)
	MOVQ BX, gt+40(FP)
	MOVQ CX, stop+48(FP)
	RET

// func addVec(ds, dq, ps, pq, xs, xq *float64, cnt int) int
//
// ds[i] = ps[i] + xs[i] and dq[i] = pq[i] + xq[i] for i below cnt&^3;
// returns cnt&^3.
TEXT ·addVec(SB), NOSPLIT, $0-64
	MOVQ ds+0(FP), DI
	MOVQ dq+8(FP), SI
	MOVQ ps+16(FP), DX
	MOVQ pq+24(FP), R8
	MOVQ xs+32(FP), R9
	MOVQ xq+40(FP), R11
	MOVQ cnt+48(FP), R10
	ANDQ $~3, R10
	XORQ CX, CX

aloop:
	CMPQ CX, R10
	JGE adone
	VMOVUPD (DX)(CX*8), Y0
	VADDPD (R9)(CX*8), Y0, Y0
	VMOVUPD Y0, (DI)(CX*8)
	VMOVUPD (R8)(CX*8), Y1
	VADDPD (R11)(CX*8), Y1, Y1
	VMOVUPD Y1, (SI)(CX*8)
	ADDQ $4, CX
	JMP aloop

adone:
	VZEROUPPER
	MOVQ R10, ret+56(FP)
	RET
