using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PredictiveSharding.Benchmarks.Forecasting;

/// <summary>
/// The machine's single-precision peak, measured rather than assumed: every core runs fused multiply-adds on registers
/// only (no memory traffic), with enough independent accumulators to keep both FMA pipes busy through their latency.
/// Why measured: a constant from the nominal clock was wrong once the host changed (the LSTM then ran "above peak");
/// boost clocks and shared hosts make any constant a guess. Written by hand: no library measures this.
/// </summary>
internal static class FmaPeak
{
    // 12 chains of 4-cycle FMAs on 2 pipes keep 8 in flight with room to spare.
    private const int Accumulators = 12;

    private const int FlopsPerIteration = Accumulators * 8 * 2;

    private static float _sink;

    /// <summary>Runs <paramref name="flops"/> single-precision FLOPs of FMA on every core; returns when all are done.</summary>
    public static void Run(double flops)
    {
        var workers = Environment.ProcessorCount;
        var iterations = (long)Math.Ceiling(flops / workers / FlopsPerIteration);
        var wide = Avx512F.IsSupported;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            // 512-bit vectors do twice the FLOPs per instruction: half the iterations.
            var sum = wide ? Kernel512((iterations + 1) / 2) : Kernel(iterations);
            Interlocked.Exchange(ref _sink, sum);
        });
    }

    /// <summary>The measured peak in GFLOP/s: the best of five runs of about 0.2 s each.</summary>
    public static double MeasureGflops()
    {
        const double flops = 20e9;
        Run(flops / 10);
        var best = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            Run(flops);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return flops / best / 1e9;
    }

    /// <summary>The instructions the kernel runs, for the report.</summary>
    public static string Instructions => Avx512F.IsSupported ? "AVX-512 FMA" : Fma.IsSupported ? "AVX2 FMA" : "256-bit multiply + add";

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Kernel(long iterations)
    {
        // m < 1 and a small a keep every accumulator converging to a / (1 − m): finite, and far from denormals.
        var m = Vector256.Create(0.9999f);
        var a = Vector256.Create(1e-4f);
        Vector256<float> a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a, a8 = a, a9 = a, a10 = a, a11 = a;
        if (Fma.IsSupported)
        {
            for (long i = 0; i < iterations; i++)
            {
                a0 = Fma.MultiplyAdd(a0, m, a);
                a1 = Fma.MultiplyAdd(a1, m, a);
                a2 = Fma.MultiplyAdd(a2, m, a);
                a3 = Fma.MultiplyAdd(a3, m, a);
                a4 = Fma.MultiplyAdd(a4, m, a);
                a5 = Fma.MultiplyAdd(a5, m, a);
                a6 = Fma.MultiplyAdd(a6, m, a);
                a7 = Fma.MultiplyAdd(a7, m, a);
                a8 = Fma.MultiplyAdd(a8, m, a);
                a9 = Fma.MultiplyAdd(a9, m, a);
                a10 = Fma.MultiplyAdd(a10, m, a);
                a11 = Fma.MultiplyAdd(a11, m, a);
            }
        }
        else
        {
            for (long i = 0; i < iterations; i++)
            {
                a0 = (a0 * m) + a;
                a1 = (a1 * m) + a;
                a2 = (a2 * m) + a;
                a3 = (a3 * m) + a;
                a4 = (a4 * m) + a;
                a5 = (a5 * m) + a;
                a6 = (a6 * m) + a;
                a7 = (a7 * m) + a;
                a8 = (a8 * m) + a;
                a9 = (a9 * m) + a;
                a10 = (a10 * m) + a;
                a11 = (a11 * m) + a;
            }
        }

        var total = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector256.Sum(total);
    }

    /// <summary>The same on 512-bit vectors, where the CPU has them (the LSTM's TensorPrimitives use them there too).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Kernel512(long iterations)
    {
        var m = Vector512.Create(0.9999f);
        var a = Vector512.Create(1e-4f);
        Vector512<float> a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a, a8 = a, a9 = a, a10 = a, a11 = a;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, a);
            a1 = Avx512F.FusedMultiplyAdd(a1, m, a);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, a);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, a);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, a);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, a);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, a);
            a7 = Avx512F.FusedMultiplyAdd(a7, m, a);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, a);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, a);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, a);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, a);
        }

        var total = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
        return Vector512.Sum(total);
    }
}
