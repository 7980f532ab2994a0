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

    private static float _sink;

    /// <summary>Runs <paramref name="flops"/> single-precision FLOPs of FMA on every core; returns when all are done.</summary>
    public static void Run(double flops)
    {
        var workers = Environment.ProcessorCount;
        var wide = Avx512F.IsSupported;
        var flopsPerIteration = Accumulators * (wide ? Vector512<float>.Count : Vector256<float>.Count) * 2;
        var iterations = (long)Math.Ceiling(flops / workers / flopsPerIteration);
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _ =>
        {
            var sum = wide ? Kernel<Lanes512, Vector512<float>>(iterations) : Kernel<Lanes256, Vector256<float>>(iterations);
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

    /// <summary>
    /// Twelve independent FMA chains on registers. Generic over the vector width so one loop serves both; the JIT compiles
    /// it separately for each struct, so the calls inline to the bare instructions.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Kernel<TLanes, TVector>(long iterations)
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        // m < 1 and a small a keep every accumulator converging to a / (1 − m): finite, and far from denormals.
        var m = TLanes.Create(0.9999f);
        var a = TLanes.Create(1e-4f);
        TVector a0 = a, a1 = a, a2 = a, a3 = a, a4 = a, a5 = a, a6 = a, a7 = a, a8 = a, a9 = a, a10 = a, a11 = a;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TLanes.MultiplyAdd(a0, m, a);
            a1 = TLanes.MultiplyAdd(a1, m, a);
            a2 = TLanes.MultiplyAdd(a2, m, a);
            a3 = TLanes.MultiplyAdd(a3, m, a);
            a4 = TLanes.MultiplyAdd(a4, m, a);
            a5 = TLanes.MultiplyAdd(a5, m, a);
            a6 = TLanes.MultiplyAdd(a6, m, a);
            a7 = TLanes.MultiplyAdd(a7, m, a);
            a8 = TLanes.MultiplyAdd(a8, m, a);
            a9 = TLanes.MultiplyAdd(a9, m, a);
            a10 = TLanes.MultiplyAdd(a10, m, a);
            a11 = TLanes.MultiplyAdd(a11, m, a);
        }

        return TLanes.Sum(a0) + TLanes.Sum(a1) + TLanes.Sum(a2) + TLanes.Sum(a3) + TLanes.Sum(a4) + TLanes.Sum(a5)
            + TLanes.Sum(a6) + TLanes.Sum(a7) + TLanes.Sum(a8) + TLanes.Sum(a9) + TLanes.Sum(a10) + TLanes.Sum(a11);
    }

    /// <summary>The operations the kernel needs of one vector width.</summary>
    private interface ILanes<TVector>
        where TVector : struct
    {
        static abstract TVector Create(float value);

        static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

        static abstract float Sum(TVector vector);
    }

    /// <summary>256-bit lanes: hardware FMA where present, otherwise multiply then add (counted as the same FLOPs).</summary>
    private readonly struct Lanes256 : ILanes<Vector256<float>>
    {
        public static Vector256<float> Create(float value) => Vector256.Create(value);

        public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

        public static float Sum(Vector256<float> vector) => Vector256.Sum(vector);
    }

    /// <summary>512-bit lanes, where the CPU has them (the LSTM's TensorPrimitives use them there too).</summary>
    private readonly struct Lanes512 : ILanes<Vector512<float>>
    {
        public static Vector512<float> Create(float value) => Vector512.Create(value);

        public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);

        public static float Sum(Vector512<float> vector) => Vector512.Sum(vector);
    }
}
