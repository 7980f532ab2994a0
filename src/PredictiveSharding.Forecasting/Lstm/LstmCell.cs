using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// The element-wise part of an LSTM step for a block of rows, after the gate pre-activations have been computed by
/// one <see cref="Gemm"/> call. Two whole-block sigmoid calls do all the transcendental work (the candidate and
/// <c>tanh(c)</c> use <c>tanh(x) = 2σ(2x) − 1</c>), so the per-row loops are only multiply-adds.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// Turns pre-activations into gate activations in place (i, o, f, candidate g) and computes the new cell state,
    /// <c>tanh(c)</c> and the hidden state for <paramref name="rows"/> rows.
    /// </summary>
    /// <param name="rows">Rows (series) in the block.</param>
    /// <param name="gateStride">Row stride of <paramref name="gates"/>, at least 4H.</param>
    /// <param name="hidden">H, the cells per layer.</param>
    /// <param name="gates"><c>[rows × gateStride]</c> pre-activations with the candidate block doubled; on return i, o, f, g.</param>
    /// <param name="cPrev"><c>[rows × H]</c> previous cell state.</param>
    /// <param name="c"><c>[rows × H]</c> new cell state.</param>
    /// <param name="tanhC"><c>[rows × H]</c> receives tanh(c).</param>
    /// <param name="h"><c>[rows × H]</c> new hidden state.</param>
    public static void Forward(Span<float> gates, int rows, int gateStride, int hidden, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> tanhC, Span<float> h)
    {
        var total = rows * gateStride;
        var block = gates[..total];
        TensorPrimitives.Sigmoid(block, block);
        var cells = rows * hidden;
        if (cPrev.Length < cells || c.Length < cells || tanhC.Length < cells || h.Length < cells || gates.Length < ((rows - 1) * gateStride) + (4 * hidden))
        {
            throw new ArgumentException("LSTM cell buffers are smaller than rows × hidden.");
        }

        ref var gRef = ref MemoryMarshal.GetReference(gates);
        ref var cpRef = ref MemoryMarshal.GetReference(cPrev);
        ref var cRef = ref MemoryMarshal.GetReference(c);
        ref var tRef = ref MemoryMarshal.GetReference(tanhC);
        for (var r = 0; r < rows; r++)
        {
            UpdateCellRow(ref Unsafe.Add(ref gRef, r * gateStride), hidden, ref Unsafe.Add(ref cpRef, r * hidden), ref Unsafe.Add(ref cRef, r * hidden), ref Unsafe.Add(ref tRef, r * hidden));
        }

        var t = tanhC[..cells];
        TensorPrimitives.Sigmoid(t, t);
        ref var hRef = ref MemoryMarshal.GetReference(h);
        for (var r = 0; r < rows; r++)
        {
            FinishRow(ref Unsafe.Add(ref gRef, (r * gateStride) + hidden), hidden, ref Unsafe.Add(ref tRef, r * hidden), ref Unsafe.Add(ref hRef, r * hidden));
        }
    }

    // tanhC ← 2σ(2c) − 1, h ← o·tanhC.
    private static void FinishRow(ref float o, int hidden, ref float tanhC, ref float h)
    {
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var two = Vector512.Create(2f);
            var one = Vector512<float>.One;
            for (; j + 16 <= hidden; j += 16)
            {
                var tc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref tanhC, (nuint)j), two, -one);
                tc.StoreUnsafe(ref tanhC, (nuint)j);
                (Vector512.LoadUnsafe(ref o, (nuint)j) * tc).StoreUnsafe(ref h, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var two = Vector256.Create(2f);
            var one = Vector256<float>.One;
            for (; j + 8 <= hidden; j += 8)
            {
                var tc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref tanhC, (nuint)j), two, -one);
                tc.StoreUnsafe(ref tanhC, (nuint)j);
                (Vector256.LoadUnsafe(ref o, (nuint)j) * tc).StoreUnsafe(ref h, (nuint)j);
            }
        }

        for (; j < hidden; j++)
        {
            var tc = (2 * Unsafe.Add(ref tanhC, j)) - 1;
            Unsafe.Add(ref tanhC, j) = tc;
            Unsafe.Add(ref h, j) = Unsafe.Add(ref o, j) * tc;
        }
    }

    // g ← 2σ − 1 (stored back for back-propagation), c ← f·c_prev + i·g, tanhC ← 2c (σ is applied to the block later).
    private static void UpdateCellRow(ref float gate, int hidden, ref float cPrev, ref float c, ref float twoC)
    {
        ref var gi = ref gate;
        ref var gf = ref Unsafe.Add(ref gate, 2 * hidden);
        ref var gg = ref Unsafe.Add(ref gate, 3 * hidden);
        var j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var two = Vector512.Create(2f);
            var one = Vector512<float>.One;
            for (; j + 16 <= hidden; j += 16)
            {
                var g = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref gg, (nuint)j), two, -one);
                g.StoreUnsafe(ref gg, (nuint)j);
                var cn = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref gf, (nuint)j), Vector512.LoadUnsafe(ref cPrev, (nuint)j), Vector512.LoadUnsafe(ref gi, (nuint)j) * g);
                cn.StoreUnsafe(ref c, (nuint)j);
                (cn * two).StoreUnsafe(ref twoC, (nuint)j);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var two = Vector256.Create(2f);
            var one = Vector256<float>.One;
            for (; j + 8 <= hidden; j += 8)
            {
                var g = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gg, (nuint)j), two, -one);
                g.StoreUnsafe(ref gg, (nuint)j);
                var cn = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gf, (nuint)j), Vector256.LoadUnsafe(ref cPrev, (nuint)j), Vector256.LoadUnsafe(ref gi, (nuint)j) * g);
                cn.StoreUnsafe(ref c, (nuint)j);
                (cn * two).StoreUnsafe(ref twoC, (nuint)j);
            }
        }

        for (; j < hidden; j++)
        {
            var g = (2 * Unsafe.Add(ref gg, j)) - 1;
            Unsafe.Add(ref gg, j) = g;
            var cn = MathF.FusedMultiplyAdd(Unsafe.Add(ref gf, j), Unsafe.Add(ref cPrev, j), Unsafe.Add(ref gi, j) * g);
            Unsafe.Add(ref c, j) = cn;
            Unsafe.Add(ref twoC, j) = 2 * cn;
        }
    }

    /// <summary>
    /// Back-propagates one step for <paramref name="rows"/> rows: from the gradient reaching h_t (<paramref name="dh"/>)
    /// and the cell gradient carried from step t+1 (<paramref name="dc"/>, updated in place to the gradient for c_{t−1}),
    /// the gradient of the gate pre-activations (logical, i.e. not doubled).
    /// </summary>
    public static void Backward(ReadOnlySpan<float> act, int gateStride, int hidden, int rows, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> tanhC, ReadOnlySpan<float> dh, Span<float> dc, Span<float> dGates, int dGateStride)
    {
        for (var r = 0; r < rows; r++)
        {
            var a = act.Slice(r * gateStride, 4 * hidden);
            var dg = dGates.Slice(r * dGateStride, 4 * hidden);
            var o0 = r * hidden;
            for (var j = 0; j < hidden; j++)
            {
                var i = a[j];
                var o = a[hidden + j];
                var f = a[(2 * hidden) + j];
                var g = a[(3 * hidden) + j];
                var tc = tanhC[o0 + j];
                var dhj = dh[o0 + j];
                var dcj = dc[o0 + j] + (dhj * o * (1 - (tc * tc)));
                dg[j] = dcj * g * i * (1 - i);
                dg[hidden + j] = dhj * tc * o * (1 - o);
                dg[(2 * hidden) + j] = dcj * cPrev[o0 + j] * f * (1 - f);
                dg[(3 * hidden) + j] = dcj * i * (1 - (g * g));
                dc[o0 + j] = dcj * f;
            }
        }
    }
}
