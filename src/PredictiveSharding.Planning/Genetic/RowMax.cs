using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PredictiveSharding.Planning.Genetic;

/// <summary>
/// The largest scaled load over one resource's forecast steps — the inner loop of every peak and overflow the genetic
/// search scores, so it is written with <see cref="Vector256{T}"/> by hand (no library offers a fused
/// "(a ± b) × c, then max" over spans). Each lane computes exactly what the scalar loop computes (an add, then a multiply;
/// the JIT does not contract them into a fused multiply-add) and a maximum is exact, so the result is bit-identical to
/// the scalar loop's: vectorising changes no plan.
/// </summary>
internal static class RowMax
{
    /// <summary>max over i of (load[i] + sign × delta[i]) × scale; negative infinity for an empty row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Of(ReadOnlySpan<double> load, ReadOnlySpan<double> delta, double sign, double scale)
    {
        var n = load.Length;
        var i = 0;
        var max = double.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            ref var l = ref MemoryMarshal.GetReference(load);
            ref var d = ref MemoryMarshal.GetReference(delta);
            var signs = Vector256.Create(sign);
            var scales = Vector256.Create(scale);
            var best = Vector256.Create(double.NegativeInfinity);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                var v = (Vector256.LoadUnsafe(ref l, (nuint)i) + (signs * Vector256.LoadUnsafe(ref d, (nuint)i))) * scales;
                best = Vector256.Max(best, v);
            }

            max = Horizontal(best);
        }

        for (; i < n; i++)
        {
            var v = (load[i] + (sign * delta[i])) * scale;
            if (v > max)
            {
                max = v;
            }
        }

        return max;
    }

    /// <summary>max over i of load[i] × scale; negative infinity for an empty row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Of(ReadOnlySpan<double> load, double scale)
    {
        var n = load.Length;
        var i = 0;
        var max = double.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
        {
            ref var l = ref MemoryMarshal.GetReference(load);
            var scales = Vector256.Create(scale);
            var best = Vector256.Create(double.NegativeInfinity);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                best = Vector256.Max(best, Vector256.LoadUnsafe(ref l, (nuint)i) * scales);
            }

            max = Horizontal(best);
        }

        for (; i < n; i++)
        {
            var v = load[i] * scale;
            if (v > max)
            {
                max = v;
            }
        }

        return max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Horizontal(Vector256<double> v) =>
        Math.Max(Math.Max(v.GetElement(0), v.GetElement(1)), Math.Max(v.GetElement(2), v.GetElement(3)));
}
