"""exp and log1p on the range the logistic loss needs, written so LLVM vectorises them.

Numba calls libm's scalar ``exp`` and ``log1p`` one entry at a time (about 30 ns
an entry for the loss, the largest cost of a logistic fit on School); without a
vector math library (Intel's SVML is not a dependency) loops over them do not
vectorise. The loss only needs e = exp(-|m|) on [-700, 0] and log1p(e) for e in
(0, 1], which branch-free polynomials give to within a few ulps:

* exp: x = k ln2 + r with |r| <= ln2 / 2 (Cody and Waite's two-part ln2, k read
  from the low bits of x / ln2 + 1.5 * 2**52), exp(r) by its Taylor series to
  r^13 (truncation below 1e-17), times 2^k built from its bits;
* log1p(e) = 2 atanh(u) with u = e / (2 + e) in (0, 1/3], by its series to u^31
  (truncation below 2e-17).

Arguments below -700 are raised to -700: exp(-700) is 1e-304, so the loss and
its gradient move by less than that in absolute terms.
"""

from numba import types
from numba.extending import intrinsic

from ._kernels import njit

_LN2_HI = 6.93147180369123816490e-01  # trailing zero bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_ROUND = 6755399441055744.0  # 1.5 * 2**52: x + _ROUND holds round(x) in its low bits
_ROUND_BITS = 0x4338000000000000
_EXP_FLOOR = -700.0


@intrinsic
def _bits_of(typingctx, x):
    """The int64 with the bits of float64 x."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def _float_of(typingctx, bits):
    """The float64 with the bits of int64 ``bits``."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@njit(cache=True, inline="always", error_model="numpy")
def exp_nonpositive(x):
    """exp(x) for x <= 0 (x below -700 counts as -700)."""
    x = max(x, _EXP_FLOOR)
    t = x * _INV_LN2 + _ROUND
    k = t - _ROUND
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    scale = _float_of((_bits_of(t) - _ROUND_BITS + 1023) << 52)
    return p * scale


@njit(cache=True, inline="always", error_model="numpy")
def log1p_unit(e):
    """log(1 + e) for e in [0, 1]."""
    u = e / (2.0 + e)
    v = u * u
    q = 1.0 / 31.0
    q = q * v + 1.0 / 29.0
    q = q * v + 1.0 / 27.0
    q = q * v + 1.0 / 25.0
    q = q * v + 1.0 / 23.0
    q = q * v + 1.0 / 21.0
    q = q * v + 1.0 / 19.0
    q = q * v + 1.0 / 17.0
    q = q * v + 1.0 / 15.0
    q = q * v + 1.0 / 13.0
    q = q * v + 1.0 / 11.0
    q = q * v + 1.0 / 9.0
    q = q * v + 1.0 / 7.0
    q = q * v + 1.0 / 5.0
    q = q * v + 1.0 / 3.0
    q = q * v + 1.0
    return 2.0 * u * q


@njit(cache=True, error_model="numpy")
def softplus(m, out):
    """out = log(1 + exp(m)) entrywise, in the stable form max(m, 0) + log1p(exp(-|m|))."""
    for k in range(m.shape[0]):
        out[k] = max(m[k], 0.0) + log1p_unit(exp_nonpositive(-abs(m[k])))


@njit(cache=True, error_model="numpy")
def sigmoid(m, out):
    """out = 1 / (1 + exp(-m)) entrywise."""
    for k in range(m.shape[0]):
        e = exp_nonpositive(-abs(m[k]))
        out[k] = (1.0 if m[k] > 0.0 else e) / (1.0 + e)


__all__ = ["exp_nonpositive", "log1p_unit", "sigmoid", "softplus"]
