using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// Single-precision matrix product <c>C = A·B</c> (or <c>C += A·B</c>), the hot loop of the LSTM: every step of a
/// layer multiplies all rows of a batch by the packed gate weights in one call. A register-blocked micro-kernel keeps
/// a 4-row × 64-column tile of C in sixteen 512-bit accumulators (8 × 32 with 256-bit vectors) while it streams one
/// row of B per inner step; columns are the outer loop so a B panel stays in L1 while the rows pass over it.
/// </summary>
internal static class Gemm
{
    /// <summary>
    /// Computes <c>C[m×n] (+)= A[m×k]·B[k×n]</c>. A is read through strides (<c>A(i,p) = a[i·rowStrideA + p·colStrideA]</c>),
    /// so a transposed operand costs nothing; B and C are row-major with row strides <paramref name="ldb"/> and <paramref name="ldc"/>.
    /// </summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int rowStrideA, int colStrideA, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, bool accumulate)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }

        // One check up front instead of one per element: the kernels below index without bounds checks.
        if (k > 0 && ((long)(m - 1) * rowStrideA) + ((long)(k - 1) * colStrideA) >= a.Length)
        {
            throw new ArgumentException($"A is too short for {m}×{k} with strides {rowStrideA}/{colStrideA}.", nameof(a));
        }

        if (k > 0 && ((long)(k - 1) * ldb) + n > b.Length)
        {
            throw new ArgumentException($"B is too short for {k}×{n} with stride {ldb}.", nameof(b));
        }

        if (((long)(m - 1) * ldc) + n > c.Length)
        {
            throw new ArgumentException($"C is too short for {m}×{n} with stride {ldc}.", nameof(c));
        }

        ref var ar = ref MemoryMarshal.GetReference(a);
        ref var br = ref MemoryMarshal.GetReference(b);
        ref var cr = ref MemoryMarshal.GetReference(c);
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 64 <= n; j += 64)
            {
                Rows512(m, 4, k, ref ar, rowStrideA, colStrideA, ref Unsafe.Add(ref br, j), ldb, ref Unsafe.Add(ref cr, j), ldc, accumulate);
            }

            for (; j + 32 <= n; j += 32)
            {
                Rows512(m, 2, k, ref ar, rowStrideA, colStrideA, ref Unsafe.Add(ref br, j), ldb, ref Unsafe.Add(ref cr, j), ldc, accumulate);
            }

            for (; j + 16 <= n; j += 16)
            {
                Rows512(m, 1, k, ref ar, rowStrideA, colStrideA, ref Unsafe.Add(ref br, j), ldb, ref Unsafe.Add(ref cr, j), ldc, accumulate);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 16 <= n; j += 16)
            {
                Rows256(m, 2, k, ref ar, rowStrideA, colStrideA, ref Unsafe.Add(ref br, j), ldb, ref Unsafe.Add(ref cr, j), ldc, accumulate);
            }

            for (; j + 8 <= n; j += 8)
            {
                Rows256(m, 1, k, ref ar, rowStrideA, colStrideA, ref Unsafe.Add(ref br, j), ldb, ref Unsafe.Add(ref cr, j), ldc, accumulate);
            }
        }

        if (j < n)
        {
            ScalarTail(m, j, n, k, ref ar, rowStrideA, colStrideA, ref br, ldb, ref cr, ldc, accumulate);
        }
    }

    private static void Rows512(int m, int vectors, int k, ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, bool accumulate)
    {
        var i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref var ai = ref Unsafe.Add(ref a, i * rsA);
            ref var ci = ref Unsafe.Add(ref c, i * ldc);
            switch (vectors)
            {
                case 4:
                    Kernel512x4x4(ref ai, rsA, csA, ref b, ldb, ref ci, ldc, k, accumulate);
                    break;
                case 2:
                    Kernel512x4x2(ref ai, rsA, csA, ref b, ldb, ref ci, ldc, k, accumulate);
                    break;
                default:
                    Kernel512x4x1(ref ai, rsA, csA, ref b, ldb, ref ci, ldc, k, accumulate);
                    break;
            }
        }

        for (; i < m; i++)
        {
            ref var ai = ref Unsafe.Add(ref a, i * rsA);
            ref var ci = ref Unsafe.Add(ref c, i * ldc);
            for (var v = 0; v < vectors; v++)
            {
                Kernel512x1x1(ref ai, csA, ref Unsafe.Add(ref b, v * 16), ldb, ref Unsafe.Add(ref ci, v * 16), k, accumulate);
            }
        }
    }

    private static void Rows256(int m, int vectors, int k, ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, bool accumulate)
    {
        var i = 0;
        if (vectors == 2)
        {
            for (; i + 4 <= m; i += 4)
            {
                Kernel256x4x2(ref Unsafe.Add(ref a, i * rsA), rsA, csA, ref b, ldb, ref Unsafe.Add(ref c, i * ldc), ldc, k, accumulate);
            }
        }

        for (; i < m; i++)
        {
            ref var ai = ref Unsafe.Add(ref a, i * rsA);
            ref var ci = ref Unsafe.Add(ref c, i * ldc);
            for (var v = 0; v < vectors; v++)
            {
                Kernel256x1x1(ref ai, csA, ref Unsafe.Add(ref b, v * 8), ldb, ref Unsafe.Add(ref ci, v * 8), k, accumulate);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x4x4(ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, int k, bool accumulate)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector512<float> s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
        if (accumulate)
        {
            s00 = Vector512.LoadUnsafe(ref c); s01 = Vector512.LoadUnsafe(ref c, 16); s02 = Vector512.LoadUnsafe(ref c, 32); s03 = Vector512.LoadUnsafe(ref c, 48);
            s10 = Vector512.LoadUnsafe(ref c1); s11 = Vector512.LoadUnsafe(ref c1, 16); s12 = Vector512.LoadUnsafe(ref c1, 32); s13 = Vector512.LoadUnsafe(ref c1, 48);
            s20 = Vector512.LoadUnsafe(ref c2); s21 = Vector512.LoadUnsafe(ref c2, 16); s22 = Vector512.LoadUnsafe(ref c2, 32); s23 = Vector512.LoadUnsafe(ref c2, 48);
            s30 = Vector512.LoadUnsafe(ref c3); s31 = Vector512.LoadUnsafe(ref c3, 16); s32 = Vector512.LoadUnsafe(ref c3, 32); s33 = Vector512.LoadUnsafe(ref c3, 48);
        }
        else
        {
            s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = Vector512<float>.Zero;
        }

        ref var a1 = ref Unsafe.Add(ref a, rsA);
        ref var a2 = ref Unsafe.Add(ref a, 2 * rsA);
        ref var a3 = ref Unsafe.Add(ref a, 3 * rsA);
        for (nint p = 0; p < k; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, p * ldb);
            var b0 = Vector512.LoadUnsafe(ref bp);
            var b1 = Vector512.LoadUnsafe(ref bp, 16);
            var b2 = Vector512.LoadUnsafe(ref bp, 32);
            var b3 = Vector512.LoadUnsafe(ref bp, 48);
            var pa = p * csA;
            var x = Vector512.Create(Unsafe.Add(ref a, pa));
            s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01); s02 = Vector512.FusedMultiplyAdd(x, b2, s02); s03 = Vector512.FusedMultiplyAdd(x, b3, s03);
            x = Vector512.Create(Unsafe.Add(ref a1, pa));
            s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11); s12 = Vector512.FusedMultiplyAdd(x, b2, s12); s13 = Vector512.FusedMultiplyAdd(x, b3, s13);
            x = Vector512.Create(Unsafe.Add(ref a2, pa));
            s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21); s22 = Vector512.FusedMultiplyAdd(x, b2, s22); s23 = Vector512.FusedMultiplyAdd(x, b3, s23);
            x = Vector512.Create(Unsafe.Add(ref a3, pa));
            s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31); s32 = Vector512.FusedMultiplyAdd(x, b2, s32); s33 = Vector512.FusedMultiplyAdd(x, b3, s33);
        }

        s00.StoreUnsafe(ref c); s01.StoreUnsafe(ref c, 16); s02.StoreUnsafe(ref c, 32); s03.StoreUnsafe(ref c, 48);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 16); s12.StoreUnsafe(ref c1, 32); s13.StoreUnsafe(ref c1, 48);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 16); s22.StoreUnsafe(ref c2, 32); s23.StoreUnsafe(ref c2, 48);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 16); s32.StoreUnsafe(ref c3, 32); s33.StoreUnsafe(ref c3, 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x4x2(ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, int k, bool accumulate)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector512<float> s00, s01, s10, s11, s20, s21, s30, s31;
        if (accumulate)
        {
            s00 = Vector512.LoadUnsafe(ref c); s01 = Vector512.LoadUnsafe(ref c, 16);
            s10 = Vector512.LoadUnsafe(ref c1); s11 = Vector512.LoadUnsafe(ref c1, 16);
            s20 = Vector512.LoadUnsafe(ref c2); s21 = Vector512.LoadUnsafe(ref c2, 16);
            s30 = Vector512.LoadUnsafe(ref c3); s31 = Vector512.LoadUnsafe(ref c3, 16);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = Vector512<float>.Zero;
        }

        ref var a1 = ref Unsafe.Add(ref a, rsA);
        ref var a2 = ref Unsafe.Add(ref a, 2 * rsA);
        ref var a3 = ref Unsafe.Add(ref a, 3 * rsA);
        for (nint p = 0; p < k; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, p * ldb);
            var b0 = Vector512.LoadUnsafe(ref bp);
            var b1 = Vector512.LoadUnsafe(ref bp, 16);
            var pa = p * csA;
            var x = Vector512.Create(Unsafe.Add(ref a, pa));
            s00 = Vector512.FusedMultiplyAdd(x, b0, s00); s01 = Vector512.FusedMultiplyAdd(x, b1, s01);
            x = Vector512.Create(Unsafe.Add(ref a1, pa));
            s10 = Vector512.FusedMultiplyAdd(x, b0, s10); s11 = Vector512.FusedMultiplyAdd(x, b1, s11);
            x = Vector512.Create(Unsafe.Add(ref a2, pa));
            s20 = Vector512.FusedMultiplyAdd(x, b0, s20); s21 = Vector512.FusedMultiplyAdd(x, b1, s21);
            x = Vector512.Create(Unsafe.Add(ref a3, pa));
            s30 = Vector512.FusedMultiplyAdd(x, b0, s30); s31 = Vector512.FusedMultiplyAdd(x, b1, s31);
        }

        s00.StoreUnsafe(ref c); s01.StoreUnsafe(ref c, 16);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 16);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 16);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x4x1(ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, int k, bool accumulate)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector512<float> s0, s1, s2, s3;
        if (accumulate)
        {
            s0 = Vector512.LoadUnsafe(ref c); s1 = Vector512.LoadUnsafe(ref c1); s2 = Vector512.LoadUnsafe(ref c2); s3 = Vector512.LoadUnsafe(ref c3);
        }
        else
        {
            s0 = s1 = s2 = s3 = Vector512<float>.Zero;
        }

        ref var a1 = ref Unsafe.Add(ref a, rsA);
        ref var a2 = ref Unsafe.Add(ref a, 2 * rsA);
        ref var a3 = ref Unsafe.Add(ref a, 3 * rsA);
        for (nint p = 0; p < k; p++)
        {
            var b0 = Vector512.LoadUnsafe(ref Unsafe.Add(ref b, p * ldb));
            var pa = p * csA;
            s0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, pa)), b0, s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a1, pa)), b0, s1);
            s2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a2, pa)), b0, s2);
            s3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a3, pa)), b0, s3);
        }

        s0.StoreUnsafe(ref c); s1.StoreUnsafe(ref c1); s2.StoreUnsafe(ref c2); s3.StoreUnsafe(ref c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x1x1(ref float a, nint csA, ref float b, nint ldb, ref float c, int k, bool accumulate)
    {
        var s = accumulate ? Vector512.LoadUnsafe(ref c) : Vector512<float>.Zero;
        for (nint p = 0; p < k; p++)
        {
            s = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref a, p * csA)), Vector512.LoadUnsafe(ref Unsafe.Add(ref b, p * ldb)), s);
        }

        s.StoreUnsafe(ref c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x4x2(ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, int k, bool accumulate)
    {
        ref var c1 = ref Unsafe.Add(ref c, ldc);
        ref var c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref var c3 = ref Unsafe.Add(ref c, 3 * ldc);
        Vector256<float> s00, s01, s10, s11, s20, s21, s30, s31;
        if (accumulate)
        {
            s00 = Vector256.LoadUnsafe(ref c); s01 = Vector256.LoadUnsafe(ref c, 8);
            s10 = Vector256.LoadUnsafe(ref c1); s11 = Vector256.LoadUnsafe(ref c1, 8);
            s20 = Vector256.LoadUnsafe(ref c2); s21 = Vector256.LoadUnsafe(ref c2, 8);
            s30 = Vector256.LoadUnsafe(ref c3); s31 = Vector256.LoadUnsafe(ref c3, 8);
        }
        else
        {
            s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = Vector256<float>.Zero;
        }

        ref var a1 = ref Unsafe.Add(ref a, rsA);
        ref var a2 = ref Unsafe.Add(ref a, 2 * rsA);
        ref var a3 = ref Unsafe.Add(ref a, 3 * rsA);
        for (nint p = 0; p < k; p++)
        {
            ref var bp = ref Unsafe.Add(ref b, p * ldb);
            var b0 = Vector256.LoadUnsafe(ref bp);
            var b1 = Vector256.LoadUnsafe(ref bp, 8);
            var pa = p * csA;
            var x = Vector256.Create(Unsafe.Add(ref a, pa));
            s00 = Vector256.FusedMultiplyAdd(x, b0, s00); s01 = Vector256.FusedMultiplyAdd(x, b1, s01);
            x = Vector256.Create(Unsafe.Add(ref a1, pa));
            s10 = Vector256.FusedMultiplyAdd(x, b0, s10); s11 = Vector256.FusedMultiplyAdd(x, b1, s11);
            x = Vector256.Create(Unsafe.Add(ref a2, pa));
            s20 = Vector256.FusedMultiplyAdd(x, b0, s20); s21 = Vector256.FusedMultiplyAdd(x, b1, s21);
            x = Vector256.Create(Unsafe.Add(ref a3, pa));
            s30 = Vector256.FusedMultiplyAdd(x, b0, s30); s31 = Vector256.FusedMultiplyAdd(x, b1, s31);
        }

        s00.StoreUnsafe(ref c); s01.StoreUnsafe(ref c, 8);
        s10.StoreUnsafe(ref c1); s11.StoreUnsafe(ref c1, 8);
        s20.StoreUnsafe(ref c2); s21.StoreUnsafe(ref c2, 8);
        s30.StoreUnsafe(ref c3); s31.StoreUnsafe(ref c3, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256x1x1(ref float a, nint csA, ref float b, nint ldb, ref float c, int k, bool accumulate)
    {
        var s = accumulate ? Vector256.LoadUnsafe(ref c) : Vector256<float>.Zero;
        for (nint p = 0; p < k; p++)
        {
            s = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref a, p * csA)), Vector256.LoadUnsafe(ref Unsafe.Add(ref b, p * ldb)), s);
        }

        s.StoreUnsafe(ref c);
    }

    private static void ScalarTail(int m, int j0, int n, int k, ref float a, nint rsA, nint csA, ref float b, nint ldb, ref float c, nint ldc, bool accumulate)
    {
        for (nint i = 0; i < m; i++)
        {
            ref var ai = ref Unsafe.Add(ref a, i * rsA);
            ref var ci = ref Unsafe.Add(ref c, i * ldc);
            for (nint j = j0; j < n; j++)
            {
                var s = accumulate ? Unsafe.Add(ref ci, j) : 0f;
                for (nint p = 0; p < k; p++)
                {
                    s = MathF.FusedMultiplyAdd(Unsafe.Add(ref ai, p * csA), Unsafe.Add(ref b, (p * ldb) + j), s);
                }

                Unsafe.Add(ref ci, j) = s;
            }
        }
    }
}
