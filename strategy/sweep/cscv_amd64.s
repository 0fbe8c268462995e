//go:build amd64

#include "textflag.h"

// KEYS computes the keys of s in Y0 and q in Y1 into Y4 (sharpeKey's
// operations in its order), stores them at (DI)(CX*8) and sets AX to the
// mask of the lanes whose key is above the cut in Y9 (or NaN).
#define KEYS \
	VMULPD Y0, Y0, Y2 \
	VMULPD Y1, Y8, Y3 \
	VSUBPD Y2, Y3, Y3 \
	VANDPD Y10, Y0, Y4 \
	VMULPD Y4, Y0, Y4 \
	VDIVPD Y3, Y4, Y4 \
	VMULPD Y13, Y2, Y5 \
	VCMPPD $0x1E, Y5, Y3, Y5 \
	VBLENDVPD Y5, Y4, Y11, Y4 \
	VCMPPD $0x12, Y14, Y1, Y6 \
	VBLENDVPD Y6, Y12, Y4, Y4 \
	VMOVUPD Y4, (DI)(CX*8) \
	VCMPPD $0x16, Y9, Y4, Y7 \
	VMOVMSKPD Y7, AX

// func keysVec(k, s0, q0, xs, xq *float64, cnt, stride, nb int, n, cut float64) int
//
// For lanes i = 0, 4, 8, ... below cnt&^3: s = s0[i] + xs[i] + xs[i+stride]
// + ... (nb >= 1 blocks), q likewise, k[i] = sharpeKey(s, q, n), four lanes
// at a time: ss = s*s, d = n*q - ss, z = s*|s| / d; NaN unless d >
// ss*2^-20 (GT_OQ); -Inf where q <= 0 (LE_OQ). Stops at the first group of
// four with a key above cut (or NaN: NLE_UQ) and returns its first lane
// (its keys are stored), else the lanes done.
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
	MOVQ $0x7FFFFFFFFFFFFFFF, AX // |x| mask
	VMOVQ AX, X10
	VPBROADCASTQ X10, Y10
	MOVQ $0x7FF8000000000001, AX // NaN
	VMOVQ AX, X11
	VPBROADCASTQ X11, Y11
	MOVQ $0xFFF0000000000000, AX // -Inf
	VMOVQ AX, X12
	VPBROADCASTQ X12, Y12
	MOVQ $0x3EB0000000000000, AX // keyCancel = 2^-20
	VMOVQ AX, X13
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
	KEYS
	TESTQ AX, AX
	JNZ kdone
	ADDQ $4, CX
	JMP kloop

kdone:
	VZEROUPPER
	MOVQ CX, ret+80(FP)
	RET

// func rankVec(k *float64, wt *int64, cnt int, lo, hi, eq float64) (lt, gt int64, stop int)
//
// Adds up the weights wt[i] of the keys k[i] below lo (lt) and above hi
// (gt), four lanes at a time for i below cnt&^3, and stops at the first
// group of four with a key in neither and not equal to eq (uncounted; stop
// is its first lane), else stop = cnt&^3.
TEXT ·rankVec(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), SI
	MOVQ wt+8(FP), DI
	MOVQ cnt+16(FP), R10
	ANDQ $~3, R10
	VBROADCASTSD lo+24(FP), Y8
	VBROADCASTSD hi+32(FP), Y9
	VBROADCASTSD eq+40(FP), Y12
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
	XORQ CX, CX

rloop:
	CMPQ CX, R10
	JGE rdone
	VMOVUPD (SI)(CX*8), Y0
	VCMPPD $0x11, Y8, Y0, Y1 // z < lo (LT_OQ)
	VCMPPD $0x1E, Y9, Y0, Y2 // z > hi (GT_OQ)
	VCMPPD $0x00, Y12, Y0, Y6 // z == eq (EQ_OQ)
	VORPD Y1, Y2, Y3
	VORPD Y6, Y3, Y3
	VMOVMSKPD Y3, AX
	CMPQ AX, $15
	JNE rdone
	VMOVDQU (DI)(CX*8), Y7
	VPAND Y7, Y1, Y1
	VPAND Y7, Y2, Y2
	VPADDQ Y1, Y10, Y10
	VPADDQ Y2, Y11, Y11
	ADDQ $4, CX
	JMP rloop

rdone:
	VEXTRACTI128 $1, Y10, X1
	VPADDQ X1, X10, X0
	VPSHUFD $0x4E, X0, X1
	VPADDQ X1, X0, X0
	VMOVQ X0, AX
	VEXTRACTI128 $1, Y11, X1
	VPADDQ X1, X11, X2
	VPSHUFD $0x4E, X2, X1
	VPADDQ X1, X2, X2
	VMOVQ X2, BX
	VZEROUPPER
	MOVQ AX, lt+48(FP)
	MOVQ BX, gt+56(FP)
	MOVQ CX, stop+64(FP)
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
