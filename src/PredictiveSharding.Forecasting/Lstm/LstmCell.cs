using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PredictiveSharding.Forecasting.Lstm;

/// <summary>
/// The element-wise part of an LSTM step for a block of rows, after the gate pre-activations have been computed by
/// one <see cref="Gemm"/> call. The candidate and <c>tanh(c)</c> go through <c>tanh(x) = 2σ(2x) − 1</c>, so the
/// sigmoid is the only transcendental. With <see cref="CellSigmoid.Logistic"/> (inference) one block-wide sigmoid of
/// the gates is followed by one pass per row that keeps the cell update, <c>tanh(c)</c> and h in registers; with
/// <see cref="CellSigmoid.TensorPrimitives"/> (training) <c>tanh(c)</c> needs a second block-wide call, so the rows
/// take two passes.
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
    /// <param name="cPrev"><c>[rows × H]</c> previous cell state; may be the same memory as <paramref name="c"/>.</param>
    /// <param name="c"><c>[rows × H]</c> new cell state.</param>
    /// <param name="tanhC"><c>[rows × H]</c> receives tanh(c).</param>
    /// <param name="h"><c>[rows × H]</c> new hidden state.</param>
    /// <param name="sigmoid">Which logistic function to use.</param>
    public static void Forward(Span<float> gates, int rows, int gateStride, int hidden, ReadOnlySpan<float> cPrev, Span<float> c, Span<float> tanhC, Span<float> h, CellSigmoid sigmoid)
    {
        var cells = rows * hidden;
        if (cPrev.Length < cells || c.Length < cells || tanhC.Length < cells || h.Length < cells || gates.Length < ((rows - 1) * gateStride) + (4 * hidden))
        {
            throw new ArgumentException("LSTM cell buffers are smaller than rows × hidden.");
        }

        // One block-wide pass for the four gates' sigmoids: long independent runs keep the pipeline full, where five
        // dependent sigmoids per vector inside the row loop measured slower.
        var block = gates[..(((rows - 1) * gateStride) + (4 * hidden))];
        var fused = sigmoid == CellSigmoid.Logistic;
        if (fused)
        {
            Logistic.Sigmoid(block, block);
        }
        else
        {
            TensorPrimitives.Sigmoid(block, block);
        }

        ref var gRef = ref MemoryMarshal.GetReference(gates);
        ref var cpRef = ref MemoryMarshal.GetReference(cPrev);
        ref var cRef = ref MemoryMarshal.GetReference(c);
        ref var tRef = ref MemoryMarshal.GetReference(tanhC);
        ref var hRef = ref MemoryMarshal.GetReference(h);
        for (var r = 0; r < rows; r++)
        {
            var o = r * hidden;
            ForwardRow(ref Unsafe.Add(ref gRef, r * gateStride), hidden, ref Unsafe.Add(ref cpRef, o), ref Unsafe.Add(ref cRef, o), ref Unsafe.Add(ref tRef, o), ref Unsafe.Add(ref hRef, o), fused);
        }

        if (fused)
        {
            return;
        }

        var twoC = tanhC[..cells];
        TensorPrimitives.Sigmoid(twoC, twoC);
        for (var r = 0; r < rows; r++)
        {
            var o = r * hidden;
            FinishRow(ref Unsafe.Add(ref gRef, (r * gateStride) + hidden), hidden, ref Unsafe.Add(ref tRef, o), ref Unsafe.Add(ref hRef, o));
        }
    }

    // With the gates already through σ: g ← 2σ − 1 (stored back for back-propagation), c ← f·c_prev + i·g; then
    // either (fused) tanhC ← 2σ(2c) − 1 and h ← o·tanhC, or tanhC ← 2c for a block-wide σ and FinishRow.
    private static void ForwardRow(ref float gate, int hidden, ref float cPrev, ref float c, ref float tanhC, ref float h, bool fused)
    {
        ref var gi = ref gate;
        ref var go = ref Unsafe.Add(ref gate, hidden);
        ref var gf = ref Unsafe.Add(ref gate, 2 * hidden);
        ref var gg = ref Unsafe.Add(ref gate, 3 * hidden);
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var two = new Vector<float>(2f);
            var minusOne = new Vector<float>(-1f);
            for (; j + Vector<float>.Count <= hidden; j += Vector<float>.Count)
            {
                var at = (nuint)j;
                var g = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref gg, at), two, minusOne);
                g.StoreUnsafe(ref gg, at);
                var cn = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref gf, at), Vector.LoadUnsafe(ref cPrev, at), Vector.LoadUnsafe(ref gi, at) * g);
                cn.StoreUnsafe(ref c, at);
                if (!fused)
                {
                    (cn * two).StoreUnsafe(ref tanhC, at);
                    continue;
                }

                StoreTanhAndHidden(Logistic.SigmoidVector(cn * two), ref go, ref tanhC, ref h, at);
            }
        }

        for (; j < hidden; j++)
        {
            var g = MathF.FusedMultiplyAdd(Unsafe.Add(ref gg, j), 2, -1);
            Unsafe.Add(ref gg, j) = g;
            var cn = MathF.FusedMultiplyAdd(Unsafe.Add(ref gf, j), Unsafe.Add(ref cPrev, j), Unsafe.Add(ref gi, j) * g);
            Unsafe.Add(ref c, j) = cn;
            if (!fused)
            {
                Unsafe.Add(ref tanhC, j) = 2 * cn;
                continue;
            }

            StoreTanhAndHidden(Logistic.SigmoidScalar(2 * cn), ref go, ref tanhC, ref h, j);
        }
    }

    // tanhC holds σ(2c) for the block-wide path; each cell then goes through StoreTanhAndHidden.
    private static void FinishRow(ref float o, int hidden, ref float tanhC, ref float h)
    {
        var j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + Vector<float>.Count <= hidden; j += Vector<float>.Count)
            {
                StoreTanhAndHidden(Vector.LoadUnsafe(ref tanhC, (nuint)j), ref o, ref tanhC, ref h, (nuint)j);
            }
        }

        for (; j < hidden; j++)
        {
            StoreTanhAndHidden(Unsafe.Add(ref tanhC, j), ref o, ref tanhC, ref h, j);
        }
    }

    // From s = σ(2c): tanhC ← 2s − 1, h ← o·tanhC (both paths, so training and inference share the arithmetic after σ).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTanhAndHidden(Vector<float> sigmaTwoC, ref float o, ref float tanhC, ref float h, nuint at)
    {
        var tc = Vector.FusedMultiplyAdd(sigmaTwoC, new Vector<float>(2f), new Vector<float>(-1f));
        tc.StoreUnsafe(ref tanhC, at);
        (Vector.LoadUnsafe(ref o, at) * tc).StoreUnsafe(ref h, at);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTanhAndHidden(float sigmaTwoC, ref float o, ref float tanhC, ref float h, int at)
    {
        var tc = MathF.FusedMultiplyAdd(sigmaTwoC, 2, -1);
        Unsafe.Add(ref tanhC, at) = tc;
        Unsafe.Add(ref h, at) = Unsafe.Add(ref o, at) * tc;
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
